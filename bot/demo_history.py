"""Plausible past conversations for the demo clinic: the questions that went
out, the answers that came back, and the results they scored to.

Rows are written directly (not through the engine), in the shapes the engine
writes: a completed FlowRun per conversation, delivered Message rows in both
directions, Result rows with the DESIGN.md result keys and LOINC codes.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.store.models import Client, ContactPoint, FlowRun, Message, Result

PHQ9_BANDS = ((4, "minimal"), (9, "mild"), (14, "moderate"), (19, "moderately_severe"),
              (27, "severe"))
GAD7_BANDS = ((4, "minimal"), (9, "mild"), (14, "moderate"), (21, "severe"))
PHQ9_LOINC = {"panel": "44249-1", "total": "44261-6"}
GAD7_LOINC = {"panel": "69737-5", "total": "70274-6"}

# Client-facing texts: no instrument name, score, diagnosis or medication.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "intro": "Hi {name}, it's time for your check-in from Riverside Health. Thinking "
                 "about the last 2 weeks, reply 0 (not at all), 1 (several days), 2 (more "
                 "than half the days) or 3 (nearly every day).",
        "closing": "Thank you, {name}. Your care team will see your answers.",
        "reminder": "Just a reminder, {name}: your check-in is waiting when you have a minute.",
        "adherence": "Hi {name}, did you take your medicine today? Reply yes or no.",
        "adherence_yes": "Great, thanks for letting us know.",
        "adherence_no": "Thanks for telling us. If something is getting in the way, "
                        "your care team can help.",
        "craving": "How strong were your urges today? Reply 0 (none) to 10 (strongest).",
        "craving_thanks": "Thank you. Checking in every day helps.",
        "supportive": "Thank you for telling us, {name}. If you are thinking about hurting "
                      "yourself, call or text 988 any time, or call us at {line}. Someone "
                      "from your care team will reach out today.",
        "concern": "Thanks for letting us know. Someone from your care team will check in "
                   "with you today.",
    },
    "es": {
        "intro": "Hola {name}, es hora de tu chequeo de Riverside Health. Pensando en las "
                 "últimas 2 semanas, responde 0 (nunca), 1 (varios días), 2 (más de la "
                 "mitad de los días) o 3 (casi todos los días).",
        "closing": "Gracias, {name}. Tu equipo de atención verá tus respuestas.",
        "reminder": "Un recordatorio, {name}: tu chequeo te espera cuando tengas un minuto.",
        "adherence": "Hola {name}, ¿tomaste tu medicina hoy? Responde sí o no.",
        "adherence_yes": "Muy bien, gracias por avisarnos.",
        "adherence_no": "Gracias por decirnos. Si algo te lo impide, tu equipo puede ayudarte.",
        "craving": "¿Qué tan fuertes fueron tus ganas hoy? Responde de 0 (nada) a 10 "
                   "(lo más fuerte).",
        "craving_thanks": "Gracias. Reportar cada día ayuda.",
        "supportive": "Gracias por decírnoslo, {name}. Si piensas en hacerte daño, llama o "
                      "escribe al 988 (opción 2 para español) o llámanos al {line}. Alguien "
                      "de tu equipo se comunicará contigo hoy.",
        "concern": "Gracias por avisarnos. Alguien de tu equipo se comunicará contigo hoy.",
    },
}
QUESTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "phq9": {
        "en": ("Little interest or pleasure in doing things?",
               "Feeling down or hopeless?",
               "Trouble falling or staying asleep, or sleeping too much?",
               "Feeling tired or having little energy?",
               "Poor appetite or overeating?",
               "Feeling bad about yourself, or that you have let yourself or your family down?",
               "Trouble concentrating on things, such as reading or watching TV?",
               "Moving or speaking so slowly that other people could have noticed? Or the "
               "opposite, being so fidgety or restless that you move around a lot more?",
               "Thoughts that you would be better off dead, or of hurting yourself in some way?"),
        "es": ("¿Poco interés o placer en hacer cosas?",
               "¿Se ha sentido decaído(a) o sin esperanzas?",
               "¿Dificultad para dormir o permanecer dormido(a), o ha dormido demasiado?",
               "¿Se ha sentido cansado(a) o con poca energía?",
               "¿Sin apetito o ha comido en exceso?",
               "¿Se ha sentido mal con usted mismo(a), o que ha quedado mal con usted o "
               "con su familia?",
               "¿Dificultad para concentrarse en cosas como leer o ver la televisión?",
               "¿Se ha movido o hablado tan lento que otras personas podrían notarlo? ¿O lo "
               "contrario, muy inquieto(a) o agitado(a)?",
               "¿Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera?"),
    },
    "gad7": {
        "en": ("Feeling nervous, anxious, or on edge?",
               "Not being able to stop or control worrying?",
               "Worrying too much about different things?",
               "Trouble relaxing?",
               "Being so restless that it is hard to sit still?",
               "Becoming easily annoyed or irritable?",
               "Feeling afraid, as if something awful might happen?"),
        "es": ("¿Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta?",
               "¿No ha podido dejar de preocuparse o controlar su preocupación?",
               "¿Se ha preocupado demasiado por diferentes cosas?",
               "¿Ha tenido dificultad para relajarse?",
               "¿Se ha sentido tan inquieto(a) que no ha podido quedarse quieto(a)?",
               "¿Se ha molestado o irritado fácilmente?",
               "¿Ha tenido miedo de que algo terrible fuera a pasar?"),
    },
}
ANSWER_WORDS: dict[str, dict[int, tuple[str, ...]]] = {
    "en": {0: ("0", "not at all", "none"), 1: ("1", "several days", "a few days"),
           2: ("2", "more than half the days", "most days"), 3: ("3", "nearly every day")},
    "es": {0: ("0", "nunca", "para nada"), 1: ("1", "varios días"),
           2: ("2", "más de la mitad de los días"), 3: ("3", "casi todos los días")},
}
YES_NO: dict[str, dict[bool, tuple[str, ...]]] = {
    "en": {True: ("yes", "Yes", "yep", "👍", "y"), False: ("no", "No", "nope", "forgot")},
    "es": {True: ("sí", "Si", "sí ya", "👍"), False: ("no", "No", "se me olvidó")},
}


def severity(instrument: str, total: int) -> str:
    """The published severity band of a PHQ-9 or GAD-7 total."""
    bands = PHQ9_BANDS if instrument == "phq9" else GAD7_BANDS
    for upper, label in bands:
        if total <= upper:
            return label
    raise ValueError(f"{instrument} total {total} is out of range")


def spread(total: int, items: int, rng: random.Random, fixed_last: int | None = None) -> list[int]:
    """Item answers 0-3 that add up to `total`; the last item is `fixed_last` when given."""
    free = items - 1 if fixed_last is not None else items
    remaining = total - (fixed_last or 0)
    if not 0 <= remaining <= 3 * free:
        raise ValueError(f"cannot spread {total} over {items} items")
    answers = [0] * free
    while remaining:
        index = rng.randrange(free)
        if answers[index] < 3:
            answers[index] += 1
            remaining -= 1
    return answers + ([fixed_last] if fixed_last is not None else [])


class History:
    """Writes one client's past conversations on one contact point."""

    def __init__(self, session: Session, client: Client, contact: ContactPoint,
                 rng: random.Random) -> None:
        self.session = session
        self.client = client
        self.contact = contact
        self.rng = rng
        self.lang = client.language
        self.texts = TEXTS[self.lang]

    def text(self, key: str, **values: str) -> str:
        return self.texts[key].format(name=self.client.first_name, **values)

    def message(self, direction: str, body: str, at: datetime, *, kind: str | None = None,
                run: FlowRun | None = None) -> Message:
        message = Message(
            clinic_id=self.client.clinic_id, client_id=self.client.id,
            contact_point_id=self.contact.id, channel=self.contact.channel,
            address=self.contact.address, direction=direction, body=body,
            status="delivered" if direction == "out" else "received",
            kind=kind if direction == "out" else None,
            flow_run_id=run.id if run is not None else None, created_at=at,
            sent_at=at if direction == "out" else None,
            delivered_at=at + timedelta(seconds=3) if direction == "out" else None,
        )
        self.session.add(message)
        return message

    def run(self, flow_id: str, at: datetime, status: str, ended: datetime) -> FlowRun:
        run = FlowRun(client_id=self.client.id, flow_id=flow_id, status=status, state={},
                      started_at=at, updated_at=ended, ended_at=ended)
        self.session.add(run)
        self.session.flush()
        return run

    def questionnaire(self, instrument: str, total: int | None, at: datetime,
                      item9: int = 0) -> Result:
        """A weekly PHQ-9 or GAD-7; total None means the client never answered."""
        questions = QUESTIONS[instrument][self.lang]
        if total is None:
            ended = at + timedelta(hours=24)
            run = self.run(instrument, at, "expired", ended)
            self.message("out", self.text("intro"), at, kind="info", run=run)
            self.message("out", f"1/{len(questions)} {questions[0]}", at, kind="question",
                         run=run)
            self.message("out", self.text("reminder"), at + timedelta(hours=4),
                         kind="reminder", run=run)
            return self.result(run, instrument, ended, status="incomplete",
                               values={f"{instrument}.status": "incomplete"})
        answers = spread(total, len(questions), self.rng,
                         fixed_last=item9 if instrument == "phq9" else None)
        clock = at
        run = self.run(instrument, at, "completed", at + timedelta(minutes=2 * len(questions)))
        self.message("out", self.text("intro"), clock, kind="info", run=run)
        for number, (question, answer) in enumerate(zip(questions, answers, strict=True), 1):
            self.message("out", f"{number}/{len(questions)} {question}", clock,
                         kind="question", run=run)
            clock += timedelta(seconds=self.rng.randint(25, 110))
            self.message("in", self.rng.choice(ANSWER_WORDS[self.lang][answer]), clock, run=run)
            clock += timedelta(seconds=2)
        label = severity(instrument, total)
        values: dict[str, Any] = {f"{instrument}.total": total,
                                  f"{instrument}.severity": label,
                                  f"{instrument}.status": "complete"}
        if instrument == "phq9":
            values["phq9.item9"] = answers[8]
        if instrument != "phq9" or answers[8] == 0:
            self.message("out", self.text("closing"), clock, kind="closing", run=run)
        loinc = dict(PHQ9_LOINC if instrument == "phq9" else GAD7_LOINC)
        items = {f"item{n}": value for n, value in enumerate(answers, 1)}
        run.ended_at = run.updated_at = clock
        return self.result(run, instrument, clock, status="complete", values=values,
                           items=items, total=total, severity_label=label, loinc=loinc)

    def adherence(self, at: datetime, taken: bool | None) -> Result | None:
        """A daily medicine check-in; taken None means it went unanswered."""
        if taken is None:
            run = self.run("adherence", at, "expired", at + timedelta(hours=12))
            self.message("out", self.text("adherence"), at, kind="question", run=run)
            return None
        reply_at = at + timedelta(minutes=self.rng.randint(1, 90))
        run = self.run("adherence", at, "completed", reply_at)
        self.message("out", self.text("adherence"), at, kind="question", run=run)
        self.message("in", self.rng.choice(YES_NO[self.lang][taken]), reply_at, run=run)
        self.message("out", self.text("adherence_yes" if taken else "adherence_no"),
                     reply_at + timedelta(seconds=2), kind="closing", run=run)
        return self.result(run, "adherence", reply_at, status="complete",
                           values={"adherence.taken": taken, "adherence.status": "complete"},
                           items={"taken": taken})

    def craving(self, at: datetime, score: int) -> Result:
        reply_at = at + timedelta(minutes=self.rng.randint(1, 45))
        run = self.run("craving", at, "completed", reply_at)
        self.message("out", self.text("craving"), at, kind="question", run=run)
        self.message("in", str(score), reply_at, run=run)
        self.message("out", self.text("craving_thanks"), reply_at + timedelta(seconds=2),
                     kind="closing", run=run)
        return self.result(run, "craving", reply_at, status="complete",
                           values={"craving.score": score, "craving.status": "complete"},
                           items={"score": score}, total=score)

    def result(self, run: FlowRun, instrument: str, at: datetime, *, status: str,
               values: dict[str, Any], items: dict[str, Any] | None = None,
               total: int | None = None, severity_label: str | None = None,
               loinc: dict[str, str] | None = None) -> Result:
        result = Result(client_id=self.client.id, flow_run_id=run.id, instrument=instrument,
                        status=status, total=total, severity=severity_label,
                        items=items or {}, values=values, loinc=loinc or {}, recorded_at=at)
        self.session.add(result)
        self.session.flush()
        return result
