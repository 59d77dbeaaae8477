"""The eight built-in flows: they validate, speak English and Spanish, keep
scores and diagnoses out of texts, and raise the escalations they must."""

from __future__ import annotations

import re

import pytest

from bot.flows.checks import all_client_texts
from bot.flows.effects import RaiseEscalation, RecordResult, StartFlow
from bot.flows.loader import BUILTIN_FLOWS_DIR, builtin_flows
from bot.flows.render import question
from bot.flows.validate import validate_files

from .runs import builtin, escalations, expire, of, results, run, texts

BUILTIN_IDS = ["adherence", "auditc", "craving", "cssrs", "gad2", "gad7", "phq2", "phq9"]
FORBIDDEN = re.compile(
    r"\b(score|scores|scored|total|severity|severe|moderate|mild|minimal|positive|negative|"
    r"diagnos\w*|depression|depressive|anxiety|disorder|alcoholism|addict\w*|"
    r"phq|gad|audit|c-ssrs|columbia|puntaje|puntuación|gravedad|grave|leve|moderad[oa]|"
    r"depresión|ansiedad|trastorno|diagnóstico)\b",
    re.IGNORECASE,
)
# A reply asked for: an opt-out word in capitals, or after "reply"/"responda".
_WORDS = "stop|stopall|unsubscribe|cancel|end|quit|revoke|optout"
ASKS_FOR_OPT_OUT = re.compile(
    rf"(?-i:\b({_WORDS.upper()})\b)|\b(reply|text|send|responda|envíe|escriba)\W+({_WORDS})\b",
    re.IGNORECASE,
)
ALL_IDS = sorted(builtin_flows())


def every_text(flow_id: str) -> list[tuple[str, str]]:
    return [(lang, value) for text in all_client_texts(builtin(flow_id))
            for lang, value in text.items()]


def test_builtin_questionnaires_and_checkins_are_there() -> None:
    """Their ids are the ones transcripts and enrollments use."""
    assert set(BUILTIN_IDS) <= set(builtin_flows())


def test_every_builtin_file_validates() -> None:
    """`tether flows validate` finds nothing in data/flows/."""
    assert validate_files(sorted(BUILTIN_FLOWS_DIR.glob("*.yaml"))) == []


@pytest.mark.parametrize("flow_id", ALL_IDS)
def test_every_text_has_english_and_spanish(flow_id: str) -> None:
    """No client text is missing a language."""
    for text in all_client_texts(builtin(flow_id)):
        assert text.get("en", "").strip()
        assert text.get("es", "").strip()


@pytest.mark.parametrize("flow_id", ALL_IDS)
def test_no_text_names_a_score_or_a_diagnosis(flow_id: str) -> None:
    """Minimum necessary: no score, total, severity or diagnosis word in a text."""
    for lang, value in every_text(flow_id):
        found = FORBIDDEN.search(value)
        assert found is None, f"{flow_id} ({lang}) says {found.group(0)!r}: {value}"


@pytest.mark.parametrize("flow_id", ALL_IDS)
def test_no_text_asks_for_an_opt_out_word(flow_id: str) -> None:
    """A client told to reply CANCEL or STOP would opt out instead."""
    for _, value in every_text(flow_id):
        assert ASKS_FOR_OPT_OUT.search(value) is None, value


@pytest.mark.parametrize("flow_id", ALL_IDS)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_question_says_which_replies_it_takes(flow_id: str, lang: str) -> None:
    """Each prompt ends with a "Reply ..." / "Responda ..." line."""
    for step in builtin(flow_id).steps:
        if step.ask is not None:
            last_line = question(step.ask, lang).splitlines()[-1]
            assert last_line.startswith("Reply" if lang == "en" else "Responda"), last_line


@pytest.mark.parametrize("flow_id", ["phq9", "phq2", "gad7", "gad2"])
def test_frequency_labels_are_the_published_ones(flow_id: str) -> None:
    """Not at all / Several days / ... and Ningún día / Varios días / ..."""
    ask = builtin(flow_id).step("item1").ask
    assert ask is not None
    assert [(o.value, o.label["en"], o.label["es"]) for o in ask.options] == [
        (0, "Not at all", "Ningún día"),
        (1, "Several days", "Varios días"),
        (2, "More than half the days", "Más de la mitad de los días"),
        (3, "Nearly every day", "Casi todos los días"),
    ]


@pytest.mark.parametrize(
    ("flow_id", "loinc"),
    [("phq9", {"panel": "44249-1", "total": "44261-6"}),
     ("gad7", {"panel": "69737-5", "total": "70274-6"}),
     ("phq2", {"panel": "55757-9", "total": "55758-7"}),
     ("auditc", {"panel": "72109-2", "total": "75626-2"})],
)
def test_results_carry_loinc_codes(flow_id: str, loinc: dict[str, str]) -> None:
    """Results can leave as FHIR resources."""
    assert builtin(flow_id).loinc == loinc


def test_adherence_never_names_the_medication() -> None:
    """The question is about "your medication", nothing more specific."""
    first = texts(run(builtin("adherence"), []))[0]
    assert first == "Hi, did you take your medication today?\nReply YES or NO"


# ---- PHQ-9 and PHQ-2 ------------------------------------------------------------


def test_phq9_complete_run() -> None:
    """Nine items and item 10: total, severity, item 9, difficulty."""
    steps = run(builtin("phq9"), ["1", "2", "3", "1", "1", "0", "2", "1", "0", "1"])
    assert results(steps) == {
        "phq9.total": 11, "phq9.severity": "moderate", "phq9.item9": 0,
        "phq9.difficulty": "somewhat_difficult", "phq9.status": "complete",
    }
    assert escalations(steps) == []
    assert not of(StartFlow, steps)


def test_phq9_all_zero_skips_item10() -> None:
    """No problem reported: item 10 is not asked."""
    steps = run(builtin("phq9"), ["0"] * 9)
    assert steps[-1].state.status == "completed"
    assert results(steps)["phq9.total"] == 0


@pytest.mark.parametrize("flow_id", ["phq9", "phq2"])
def test_item9_above_zero_escalates_at_once_then_continues(flow_id: str) -> None:
    """Escalation and a supportive text with 988 right after item 9, then item 10,
    and the Columbia screener once the questionnaire is done."""
    steps = run(builtin(flow_id), ["2"] * 8 + ["1"], crisis_line="555-0100")
    after_item9 = steps[-1]
    assert of(RaiseEscalation, after_item9) == [
        RaiseEscalation("high", "suicide", "PHQ-9 item 9 answered 1")
    ]
    support = texts(after_item9, "supportive")
    assert len(support) == 1
    assert "988" in support[0]
    assert "555-0100" in support[0]
    assert "care team" in support[0]
    assert after_item9.state.step_id == "item10"
    assert after_item9.state.status == "active"
    ending = run(builtin(flow_id), ["2"] * 8 + ["1", "2"])[-1]
    assert ending.effects[-1] == StartFlow("cssrs")
    assert results(ending)["phq9.item9"] == 1


def test_phq2_negative_ends_after_two_items() -> None:
    """PHQ-2 below 3: its result and a closing, nothing more."""
    steps = run(builtin("phq2"), ["1", "1"])
    assert steps[-1].state.status == "completed"
    assert results(steps) == {"phq2.total": 2, "phq2.positive": False, "phq2.status": "complete"}
    assert [r.instrument for r in of(RecordResult, steps)] == ["phq2"]


def test_phq2_positive_continues_into_phq9_and_records_both() -> None:
    """PHQ-2 of 3 or more goes on through PHQ-9 items 3-9 and item 10."""
    steps = run(builtin("phq2"), ["2", "1", "1", "1", "1", "1", "1", "1", "0", "0"])
    assert steps[-1].state.status == "completed"
    assert [r.instrument for r in of(RecordResult, steps)] == ["phq2", "phq9"]
    assert results(steps) == {
        "phq2.total": 3, "phq2.positive": True, "phq2.status": "complete",
        "phq9.total": 9, "phq9.severity": "mild", "phq9.item9": 0,
        "phq9.difficulty": "not_difficult_at_all", "phq9.status": "complete",
    }


# ---- GAD, AUDIT-C ------------------------------------------------------------------


def test_gad7_complete_run() -> None:
    """Seven items, total and severity."""
    steps = run(builtin("gad7"), ["2", "2", "2", "2", "2", "3", "2"])
    assert results(steps) == {"gad7.total": 15, "gad7.severity": "severe",
                              "gad7.status": "complete"}


def test_auditc_never_skips_the_other_questions() -> None:
    """"Never" ends AUDIT-C at once with a total of 0."""
    steps = run(builtin("auditc"), ["0"], sex="male")
    assert steps[-1].state.status == "completed"
    assert results(steps) == {"auditc.total": 0, "auditc.positive": False,
                              "auditc.status": "complete"}


@pytest.mark.parametrize(("sex", "positive"), [("female", True), ("male", False)])
def test_auditc_uses_the_clients_sex(sex: str, positive: bool) -> None:
    """A total of 3 is positive for a woman, negative for a man."""
    steps = run(builtin("auditc"), ["1", "1", "1"], sex=sex)
    assert results(steps)["auditc.positive"] is positive


# ---- C-SSRS -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("replies", "risk", "raised", "supportive"),
    [
        (["no", "no", "no"], "none", [], False),
        (["yes", "no", "no"], "low", [("concern", "suicide")], False),
        (["yes", "yes", "yes", "no", "no", "no"], "moderate", [("high", "suicide")], True),
        (["no", "no", "yes", "no"], "moderate", [("high", "suicide")], True),
        (["yes", "yes", "no", "yes", "no", "no"], "high", [("imminent", "suicide")], True),
        (["no", "no", "yes", "yes"], "high", [("imminent", "suicide")], True),
    ],
)
def test_cssrs_outcomes_escalate(replies: list[str], risk: str,
                                 raised: list[tuple[str, str]], supportive: bool) -> None:
    """high -> imminent, moderate -> high, low -> concern; 988 for high and moderate."""
    steps = run(builtin("cssrs"), replies, crisis_line="555-0100")
    assert steps[-1].state.status == "completed"
    assert results(steps) == {"cssrs.risk": risk, "cssrs.status": "complete"}
    assert escalations(steps) == raised
    support = texts(steps, "supportive")
    assert bool(support) is supportive
    if supportive:
        assert "988" in support[0]
        assert "555-0100" in support[0]


def test_cssrs_left_unfinished_after_intent_still_escalates() -> None:
    """Yes to intent and then silence: recorded incomplete, imminent raised."""
    steps = run(builtin("cssrs"), ["yes", "yes", "yes", "yes"])
    expired = expire(builtin("cssrs"), steps[-1].state)
    assert results(expired) == {"cssrs.status": "incomplete"}
    assert escalations(expired) == [("imminent", "suicide")]
    assert not texts(expired)


# ---- check-ins ----------------------------------------------------------------------


def test_adherence_taken() -> None:
    """Yes: taken, a thank-you, no escalation."""
    steps = run(builtin("adherence"), ["yes"])
    assert results(steps) == {"adherence.taken": True, "adherence.status": "complete"}
    assert escalations(steps) == []


@pytest.mark.parametrize(("reason", "value"), [("1", "forgot"), ("side effects", "side_effects"),
                                               ("4", "chose_not_to")])
def test_adherence_missed_asks_why(reason: str, value: str) -> None:
    """No: the reason is asked and recorded."""
    steps = run(builtin("adherence"), ["no", reason])
    assert results(steps) == {"adherence.taken": False, "adherence.reason": value,
                              "adherence.status": "complete"}
    assert escalations(steps) == []


def test_adherence_ran_out_raises_a_medication_concern() -> None:
    """Running out goes to the navigator queue."""
    steps = run(builtin("adherence"), ["no", "3"])
    assert results(steps)["adherence.reason"] == "ran_out"
    assert escalations(steps) == [("concern", "medication")]


@pytest.mark.parametrize(
    ("replies", "values", "raised"),
    [
        (["2"], {"craving.score": 2}, []),
        (["5", "1"], {"craving.score": 5, "craving.trigger": "stress"}, []),
        (["4", "skip"], {"craving.score": 4}, []),
        (["6", "my ex called"], {"craving.score": 6, "craving.trigger": "my ex called"}, []),
        (["9", "3"], {"craving.score": 9, "craving.trigger": "places"},
         [("concern", "craving")]),
    ],
)
def test_craving(replies: list[str], values: dict[str, object],
                 raised: list[tuple[str, str]]) -> None:
    """0-10; a trigger from 4 (SKIP skips, own words kept); a concern from 8."""
    steps = run(builtin("craving"), replies)
    assert steps[-1].state.status == "completed"
    assert results(steps) == {**values, "craving.status": "complete"}
    assert escalations(steps) == raised


def test_strong_craving_escalates_before_the_trigger_question() -> None:
    """The concern does not wait for the optional question."""
    step = run(builtin("craving"), ["8"])[-1]
    assert escalations(step) == [("concern", "craving")]
    assert step.state.step_id == "trigger"
