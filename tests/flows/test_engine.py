"""The flow engine: start, answers, branches, re-prompts, reminders, expiry,
pause and resume. Replies are digits or plain labels, so these tests do not
lean on fine NLU behaviour."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.flows.effects import (
    Answer,
    CancelTimers,
    Expire,
    Finished,
    RecordResult,
    Resume,
    RunState,
    Send,
    SetTimer,
    Start,
    StartFlow,
    Timeout,
)
from bot.flows.engine import FlowError, advance, current_question_text

from .runs import (
    LATER,
    NOW,
    PARSER,
    builtin,
    escalations,
    flow_from_yaml,
    of,
    reply,
    results,
    run,
    start,
    texts,
)

GAD2 = builtin("gad2")


# ---- start ------------------------------------------------------------------


def test_start_sends_intro_and_first_question_with_reminder_and_expiry_timers() -> None:
    """Start runs the intro through to the first question and sets both timers."""
    step = start(GAD2, first_name="Ana")
    state = step.state
    assert state.status == "active"
    assert state.step_id == "item1"
    assert state.token == 1
    assert state.started_at == NOW
    assert state.expires_at == NOW + timedelta(hours=24)
    sends = of(Send, step)
    assert [s.kind for s in sends] == ["info", "question"]
    assert sends[0].text.startswith("Hi Ana, time for your check-in")
    assert "Reply 0 Not at all, 1 Several days" in sends[1].text
    assert of(SetTimer, step) == [
        SetTimer("reminder", NOW + timedelta(hours=4), "item1", 1),
        SetTimer("expiry", NOW + timedelta(hours=24), "item1", 1),
    ]


def test_start_on_a_running_state_changes_nothing() -> None:
    """A second Start for a live run is ignored."""
    state = start(GAD2).state
    step = advance(GAD2, state, Start("en"), NOW, PARSER)
    assert step.state == state
    assert step.effects == ()


def test_first_event_must_be_start() -> None:
    """Any other event without a state is a programming error."""
    with pytest.raises(FlowError):
        advance(GAD2, None, Answer("1"), NOW, PARSER)


# ---- answers ----------------------------------------------------------------


def test_answer_is_stored_and_next_question_sent_with_a_new_token_and_timer() -> None:
    """An understood answer moves to the next question and re-arms the reminder."""
    first = start(GAD2).state
    step = reply(GAD2, first, "2", NOW + timedelta(minutes=5))
    assert step.state.answers == {"item1": 2}
    assert step.state.step_id == "item2"
    assert step.state.token == 2
    assert texts(step, "question")[0].startswith("Not being able to stop or control worrying?")
    assert of(SetTimer, step) == [
        SetTimer("reminder", NOW + timedelta(minutes=5, hours=4), "item2", 2)
    ]


def test_last_answer_records_result_closes_and_finishes() -> None:
    """At the end: result, closing text, timers cancelled, run completed."""
    steps = run(GAD2, ["1", "nearly every day"])
    last = steps[-1]
    assert last.state.status == "completed"
    record = of(RecordResult, last)[0]
    assert record.status == "complete"
    assert record.total == 4
    assert record.values == {"gad2.total": 4, "gad2.positive": True, "gad2.status": "complete"}
    kinds = [type(e).__name__ for e in last.effects]
    assert kinds == ["RecordResult", "Send", "CancelTimers", "Finished"]
    assert of(Finished, last) == [Finished("completed")]
    assert texts(last, "closing")


def test_branch_follows_the_first_condition_that_holds() -> None:
    """C-SSRS: "no" to Q2 skips Q3-Q5 and goes straight to Q6."""
    cssrs = builtin("cssrs")
    steps = run(cssrs, ["no", "no"])
    assert steps[-1].state.step_id == "q6"
    steps = run(cssrs, ["no", "yes"])
    assert steps[-1].state.step_id == "q3"


def test_say_steps_between_questions_are_sent_in_order() -> None:
    """PHQ-2 positive: result, the bridging text, then PHQ-9 item 3."""
    last = run(builtin("phq2"), ["3", "3"])[-1]
    assert [type(e).__name__ for e in last.effects] == [
        "RecordResult", "Send", "Send", "SetTimer",
    ]
    assert [s.kind for s in of(Send, last)] == ["info", "question"]
    assert last.state.step_id == "item3"


# ---- re-prompts -------------------------------------------------------------


def test_not_understood_reprompts_with_the_accepted_replies() -> None:
    """A reply that answers nothing gets a re-prompt naming the replies."""
    state = start(GAD2).state
    step = reply(GAD2, state, "banana")
    assert of(Send, step) == [Send("Sorry, I didn't catch that. Reply 0, 1, 2 or 3.", "reprompt")]
    assert step.state.reprompts == 1
    assert step.state.step_id == "item1"
    assert step.state.token == state.token
    assert not of(SetTimer, step)


def test_spanish_reprompt() -> None:
    """The re-prompt is in the run's language."""
    state = start(GAD2, "es").state
    assert texts(reply(GAD2, state, "plátano")) == ["Perdón, no entendí. Responda 0, 1, 2 o 3."]


def test_reprompts_exhausted_abandons_and_records_incomplete() -> None:
    """After max_reprompts re-prompts the next miss ends the run, kindly."""
    steps = run(GAD2, ["1", "what", "huh", "no idea"])
    assert [s.state.reprompts for s in steps[2:]] == [1, 2, 2]
    last = steps[-1]
    assert last.state.status == "abandoned"
    assert texts(last) == [
        "No problem, we'll stop here for now. Your care team is here if you need them."
    ]
    record = of(RecordResult, last)[0]
    assert record.status == "incomplete"
    assert record.values == {"gad2.status": "incomplete"}
    assert record.total is None
    assert record.items == {"item1": 1}
    assert of(CancelTimers, last) == [CancelTimers()]
    assert of(Finished, last) == [Finished("abandoned")]


def test_an_understood_answer_resets_the_reprompt_count() -> None:
    """Re-prompts are counted per question."""
    steps = run(GAD2, ["what", "1"])
    assert steps[-1].state.reprompts == 0
    assert steps[-1].state.step_id == "item2"


def test_number_outside_the_scale_is_not_an_answer() -> None:
    """A 7 on a 0-3 item is re-prompted, never clamped."""
    step = reply(GAD2, start(GAD2).state, "7")
    assert step.state.answers == {}
    assert texts(step, "reprompt")


# ---- reminders --------------------------------------------------------------


def test_first_timeout_sends_the_reminder_once() -> None:
    """One reminder per question, and no new reminder timer."""
    state = start(GAD2).state
    step = advance(GAD2, state, Timeout("item1", 1), NOW + timedelta(hours=4), PARSER)
    assert [s.kind for s in of(Send, step)] == ["reminder"]
    assert of(Send, step)[0].text.startswith("Just a reminder:\nOver the last 2 weeks")
    assert step.state.reminded
    assert not of(SetTimer, step)
    again = advance(GAD2, step.state, Timeout("item1", 1), NOW + timedelta(hours=5), PARSER)
    assert again.effects == ()
    assert again.state == step.state


def test_stale_timeouts_are_ignored() -> None:
    """A timer of an earlier question or another step does nothing."""
    state = reply(GAD2, start(GAD2).state, "1").state  # now on item2, token 2
    for event in (Timeout("item1", 1), Timeout("item2", 1), Timeout("item1", 2)):
        step = advance(GAD2, state, event, NOW + timedelta(hours=4), PARSER)
        assert step.effects == ()
        assert step.state == state


def test_finished_runs_ignore_every_event() -> None:
    """Answers, timers and expiry after the end change nothing."""
    done = run(GAD2, ["0", "0"])[-1].state
    for event in (Answer("1"), Timeout(done.step_id, done.token), Expire(1), Resume()):
        step = advance(GAD2, done, event, LATER, PARSER)
        assert step.effects == ()
        assert step.state == done


# ---- expiry -----------------------------------------------------------------


def test_expiry_records_incomplete_without_a_total_and_sends_nothing() -> None:
    """An expired questionnaire is never scored as if complete."""
    state = reply(GAD2, start(GAD2).state, "3").state
    step = advance(GAD2, state, Expire(1), NOW + timedelta(hours=24), PARSER)
    assert step.state.status == "expired"
    assert not of(Send, step)
    record = of(RecordResult, step)[0]
    assert record.status == "incomplete"
    assert record.values == {"gad2.status": "incomplete"}
    assert record.total is None
    assert record.severity is None
    assert of(CancelTimers, step) == [CancelTimers()]
    assert of(Finished, step) == [Finished("expired")]


def test_expiry_before_expires_at_is_ignored() -> None:
    """An early expiry event does not end the run."""
    state = start(GAD2).state
    step = advance(GAD2, state, Expire(1), NOW + timedelta(hours=23), PARSER)
    assert step.effects == ()


def test_expiry_in_phq2_continuation_records_phq9_incomplete() -> None:
    """Once PHQ-2 is recorded, an unfinished continuation is an incomplete PHQ-9."""
    phq2 = builtin("phq2")
    steps = run(phq2, ["2", "2", "1"])
    expired = advance(phq2, steps[-1].state, Expire(1), LATER, PARSER)
    record = of(RecordResult, expired)[0]
    assert record.instrument == "phq9"
    assert record.values == {"phq9.status": "incomplete"}
    assert record.loinc == {"panel": "44249-1", "total": "44261-6"}


def test_checkins_record_incomplete_too() -> None:
    """An unanswered adherence check-in shows as incomplete, not as a miss."""
    adherence = builtin("adherence")
    expired = advance(adherence, start(adherence).state, Expire(1), LATER, PARSER)
    assert results(expired) == {"adherence.status": "incomplete"}


# ---- pause and resume -------------------------------------------------------


def test_paused_run_asks_its_unsent_question_before_taking_answers() -> None:
    """After a crisis reply paused the run, the next text re-asks the question it never sent."""
    paused = reply(GAD2, start(GAD2).state, "1").state.evolve(status="paused")
    step = reply(GAD2, paused, "2")
    assert step.state.status == "active"
    assert step.state.answers == {"item1": 1}
    assert [s.kind for s in of(Send, step)] == ["question"]
    assert reply(GAD2, step.state, "2").state.answers["item2"] == 2


def test_paused_run_ignores_its_reminder() -> None:
    """No reminder goes out while the run is paused."""
    paused = start(GAD2).state.evolve(status="paused")
    assert advance(GAD2, paused, Timeout("item1", 1), LATER, PARSER).effects == ()


def test_resume_resends_the_current_question_with_a_fresh_reminder() -> None:
    """Resume asks the same question again and re-arms its reminder."""
    paused = reply(GAD2, start(GAD2).state, "1").state.evolve(status="paused", reminded=True)
    step = advance(GAD2, paused, Resume(), NOW + timedelta(hours=1), PARSER)
    assert step.state.status == "active"
    assert step.state.step_id == "item2"
    assert step.state.token == paused.token + 1
    assert not step.state.reminded
    assert [s.kind for s in of(Send, step)] == ["question"]
    assert of(SetTimer, step) == [
        SetTimer("reminder", NOW + timedelta(hours=5), "item2", paused.token + 1)
    ]


def test_paused_run_still_expires() -> None:
    """A run paused and never resumed does not stay live for ever."""
    paused = start(GAD2).state.evolve(status="paused")
    step = advance(GAD2, paused, Expire(1), LATER, PARSER)
    assert step.state.status == "expired"
    assert results(step) == {"gad2.status": "incomplete"}


def test_current_question_text_is_the_question_as_sent() -> None:
    """current_question_text matches the text of the question send."""
    step = start(GAD2, first_name="Ana")
    assert current_question_text(GAD2, step.state) == texts(step, "question")[0]
    assert current_question_text(GAD2, run(GAD2, ["0", "0"])[-1].state) is None


# ---- texts ------------------------------------------------------------------


def test_missing_placeholders_render_harmlessly() -> None:
    """No first name: no stray space or braces; no crisis line: 911."""
    intro = texts(start(GAD2), "info")[0]
    assert intro.startswith("Hi, time for your check-in")
    support = texts(run(builtin("phq9"), ["1"] * 9), "supportive")[0]
    assert "{" not in support
    assert "988" in support
    assert "911" in support


def test_spanish_run_sends_spanish_texts() -> None:
    """A run in Spanish speaks Spanish, labels exactly as published."""
    step = start(builtin("phq9"), "es", first_name="Luz")
    intro, question = texts(step)
    assert intro.startswith("Hola Luz, es hora de su chequeo")
    assert question.startswith(
        "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los "
        "siguientes problemas? Poco interés o placer en hacer cosas"
    )
    assert question.endswith(
        "Responda 0 Ningún día, 1 Varios días, 2 Más de la mitad de los días, "
        "3 Casi todos los días"
    )


def test_state_survives_a_json_round_trip() -> None:
    """The state the shell stores comes back equal, recorded instruments included."""
    state = run(builtin("phq2"), ["3", "3"])[-1].state
    assert RunState.from_json(state.to_json()) == state


# ---- flows the validator would refuse -----------------------------------------

LOOP = """
id: loop
kind: checkin
expires_after: 1h
start: a
steps:
  - {id: a, say: {en: A, es: A}, next: b}
  - {id: b, say: {en: B, es: B}, next: a}
"""

DANGLING = """
id: dangling
kind: checkin
expires_after: 1h
start: a
steps:
  - {id: a, say: {en: A, es: A}, next: nowhere}
"""

SAY_ONLY = """
id: notice
kind: reminder
expires_after: 1h
start: a
steps:
  - {id: a, say: {en: "See you {when}.", es: "Nos vemos {when}."}}
"""


def test_a_loop_without_questions_raises_instead_of_spinning() -> None:
    """The engine stops a say/act loop the validator would have refused."""
    with pytest.raises(FlowError, match="without a question"):
        start(flow_from_yaml(LOOP))


def test_an_unknown_step_raises() -> None:
    """A dangling next is a FlowError, not a KeyError."""
    with pytest.raises(FlowError, match="unknown step 'nowhere'"):
        start(flow_from_yaml(DANGLING))


def test_a_flow_without_questions_completes_at_start() -> None:
    """A notice flow sends its text and ends, with no timers."""
    step = start(flow_from_yaml(SAY_ONLY), when="Monday 2 PM")
    assert texts(step) == ["See you Monday 2 PM."]
    assert step.state.status == "completed"
    assert not of(SetTimer, step)


def test_start_flow_comes_after_the_run_has_finished() -> None:
    """StartFlow is the last effect, after Finished."""
    last = run(builtin("phq9"), ["0"] * 8 + ["1", "0"])[-1]
    assert isinstance(last.effects[-1], StartFlow)
    assert isinstance(last.effects[-2], Finished)
    assert escalations(run(builtin("phq9"), ["0"] * 8 + ["1"])) == [("high", "suicide")]
