"""Real client replies to choice, yes/no, number and free-text questions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nlu.answers import EmbeddedAnswerParser
from bot.nlu.types import AnswerSpec, OptionSpec

PARSER = EmbeddedAnswerParser()

FREQUENCY = AnswerSpec(
    "choice",
    options=(
        OptionSpec(0, {"en": ("Not at all",), "es": ("Para nada", "Nunca")}),
        OptionSpec(1, {"en": ("Several days",), "es": ("Varios días",)}),
        OptionSpec(2, {"en": ("More than half the days",), "es": ("Más de la mitad de los días",)}),
        OptionSpec(3, {"en": ("Nearly every day",), "es": ("Casi todos los días",)}),
    ),
)

DRINKING = AnswerSpec(
    "choice",
    options=(
        OptionSpec(0, {"en": ("Never",), "es": ("Nunca",)}),
        OptionSpec(1, {"en": ("Monthly or less",), "es": ("Una vez al mes o menos",)}),
        OptionSpec(2, {"en": ("2-4 times a month",), "es": ("2 a 4 veces al mes",)}),
        OptionSpec(3, {"en": ("2-3 times a week",), "es": ("2 a 3 veces por semana",)}),
        OptionSpec(4, {"en": ("4 or more times a week",), "es": ("4 o más veces por semana",)}),
    ),
)

APPOINTMENT = AnswerSpec(
    "choice",
    options=(
        OptionSpec(
            "confirm",
            {"en": ("Confirm", "I'll be there"), "es": ("Confirmar", "ahí estaré")},
            keys=("c",),
        ),
        OptionSpec(
            "reschedule",
            {"en": ("Reschedule", "change the time"), "es": ("Cambiar la cita", "otra hora")},
            keys=("r",),
        ),
        OptionSpec("cancel", {"en": ("Not coming",), "es": ("No voy a ir",)}, keys=("x",)),
    ),
)

YESNO = AnswerSpec("yesno")
CRAVING = AnswerSpec("number", minimum=0, maximum=10)
FREE_TEXT = AnswerSpec("text")


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("2", "en", 2),
        ("0", "es", 0),
        ("3.", "en", 3),
        ("option 2", "en", 2),
        ("I'd say 1", "en", 1),
        ("2 — and honestly I'm tired", "en", 2),
        ("2️⃣", "en", 2),
        ("2/3", "en", 2),
        ("slept like 4 hours, 2", "en", 2),
        ("two", "en", 2),
        ("Zero", "en", 0),
        ("dos", "es", 2),
        ("tres", "es", 3),
        ("cero", "es", 0),
        ("uno", "es", 1),
        ("una", "es", 1),
        ("creo que dos", "es", 2),
        ("Several days", "en", 1),
        ("sevral days", "en", 1),
        ("nearly evry day", "en", 3),
        ("NOT AT ALL!!", "en", 0),
        ("not at al", "en", 0),
        ("more than half", "en", 2),
        ("every day honestly", "en", 3),
        ("no one asked but not at all", "en", 0),
        ("varios dias", "es", 1),
        ("mas de la mitad", "es", 2),
        ("Más de la mitad de los días", "es", 2),
        ("casi todo los dias", "es", 3),
        ("para nada", "es", 0),
        ("nearly every day", "es", 3),  # the other language is a fallback
        ("varios días", "en", 1),
    ],
)
def test_frequency_item_replies(text: str, lang: str, value: int) -> None:
    """A client answers a 0–3 item with a digit, a number word or a label, typos and all."""
    parsed = PARSER.parse(FREQUENCY, text, lang)
    assert parsed is not None
    assert parsed.value == value


@pytest.mark.parametrize(
    "text",
    [
        "1 or 2",
        "1/2",
        "between 2 and 3",
        "7",
        "twelve",
        "banana",
        "",
        "   ",
        "days",
        "👍",
        "🙂",
        "not at all, nearly every day",
        "2 not at all",
        "i have one question",
    ],
)
def test_frequency_item_unclear_replies(text: str) -> None:
    """An ambiguous, out-of-range or unrelated reply is not guessed; the client is asked again."""
    assert PARSER.parse(FREQUENCY, text, "en") is None


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("never", "en", 0),
        ("nevr", "en", 0),
        ("monthly", "en", 1),
        ("2-4 times a month", "en", 2),
        ("4 or more", "en", 4),
        ("4", "en", 4),
        ("una vez al mes", "es", 1),
        ("2 a 3 veces por semana", "es", 3),
        ("nunca", "es", 0),
    ],
)
def test_drinking_item_replies(text: str, lang: str, value: int) -> None:
    """Labels that themselves contain numbers pick their option; a bare digit is the score."""
    parsed = PARSER.parse(DRINKING, text, lang)
    assert parsed is not None
    assert parsed.value == value


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("C", "en", "confirm"),
        ("c.", "en", "confirm"),
        ("X", "es", "cancel"),
        ("r", "es", "reschedule"),
        ("1", "en", "confirm"),
        ("2", "en", "reschedule"),
        ("3", "es", "cancel"),
        ("confirm", "en", "confirm"),
        ("ill be there", "en", "confirm"),
        ("reschedual", "en", "reschedule"),
        ("can we change the time", "en", "reschedule"),
        ("ahi estare", "es", "confirm"),
        ("cambiar", "es", "reschedule"),
        ("no voy a ir", "es", "cancel"),
    ],
)
def test_named_option_replies(text: str, lang: str, value: str) -> None:
    """Options without scores are chosen by key, by position, or by their words."""
    parsed = PARSER.parse(APPOINTMENT, text, lang)
    assert parsed is not None
    assert parsed.value == value


@pytest.mark.parametrize("text", ["4", "z", "1 or 2", "confirm or reschedule"])
def test_named_option_unclear_replies(text: str) -> None:
    """A position past the last option, an unknown key or two options give no answer."""
    assert PARSER.parse(APPOINTMENT, text, "en") is None


@pytest.mark.parametrize(
    "text",
    [
        "yes", "Y", "yeah", "yep", "yup", "ya", "sure", "ok", "Okay", "I did", "done", "of course",
        "correct", "👍", "👍🏽", "✅", "yesss", "yess took it this morning", "yeah i did",
        "alright",
        "sí", "si", "Sii", "claro", "por supuesto", "ya lo hice", "sí, ya", "dale", "correcto",
    ],
)  # fmt: skip
def test_yes_replies(text: str) -> None:
    """Yes in any common form, English or Spanish, with typos and emoji, is yes."""
    parsed = PARSER.parse(YESNO, text, "en")
    assert parsed is not None
    assert parsed.value is True


@pytest.mark.parametrize(
    "text",
    [
        "no", "N", "nope", "nah", "not yet", "didn't", "didnt", "I did not", "I didn't take it",
        "nooo", "👎", "❌", "no, forgot", "haven't yet",
        "no lo hice", "todavía no", "todavia no", "aún no", "ya no", "nunca", "no 😞",
    ],
)  # fmt: skip
def test_no_replies(text: str) -> None:
    """No in any common form, English or Spanish, with typos and emoji, is no."""
    parsed = PARSER.parse(YESNO, text, "en")
    assert parsed is not None
    assert parsed.value is False


@pytest.mark.parametrize(
    "text",
    [
        "not yes", "yes and no", "not sure", "idk", "maybe", "no sé", "ni idea", "tal vez",
        "👍 👎", "ok no", "banana", "what do you mean", "",
    ],
)  # fmt: skip
def test_unclear_yes_no_replies(text: str) -> None:
    """A contradiction, a hedge or an unrelated reply is neither yes nor no."""
    assert PARSER.parse(YESNO, text, "en") is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7", 7),
        ("0", 0),
        ("10", 10),
        ("seven", 7),
        ("siete", 7),
        ("diez", 10),
        ("cero", 0),
        ("zero", 0),
        ("7/10", 7),
        ("7 / 10", 7),
        ("7 out of 10", 7),
        ("siete de 10", 7),
        ("siete de diez", 7),
        ("seven out of ten", 7),
        ("10/10 today", 10),
        ("like a 6 today", 6),
        ("8 — rough day", 8),
        ("un 3", 3),
    ],
)
def test_number_replies(text: str, value: int) -> None:
    """A craving rating is read from digits, number words and "7 out of 10" forms."""
    parsed = PARSER.parse(CRAVING, text, "en")
    assert parsed is not None
    assert parsed.value == value


@pytest.mark.parametrize("text", ["11", "-", "twenty", "6 or 7", "a lot", "", "3/5 maybe 4"])
def test_unclear_number_replies(text: str) -> None:
    """Out-of-range, ambiguous or wordy ratings are not guessed."""
    assert PARSER.parse(CRAVING, text, "en") is None


def test_number_without_bounds_takes_any_count() -> None:
    """A count question with no maximum accepts a large number."""
    parsed = PARSER.parse(AnswerSpec("number", minimum=0), "42", "en")
    assert parsed is not None
    assert parsed.value == 42


def test_free_text_is_kept_stripped() -> None:
    """A free-text answer is stored as typed, without surrounding spaces."""
    parsed = PARSER.parse(FREE_TEXT, "  stress at work, mostly \n", "en")
    assert parsed is not None
    assert parsed.value == "stress at work, mostly"


def test_empty_free_text_is_no_answer() -> None:
    """An empty message does not answer a free-text question."""
    assert PARSER.parse(FREE_TEXT, " \n ", "es") is None


def test_fuzzy_match_reports_lower_confidence() -> None:
    """A typo'd label is accepted with a confidence below an exact match's."""
    exact = PARSER.parse(FREQUENCY, "several days", "en")
    typo = PARSER.parse(FREQUENCY, "sevral days", "en")
    assert exact is not None
    assert typo is not None
    assert typo.confidence < exact.confidence == 1.0


@given(text=st.text(max_size=200), lang=st.sampled_from(["en", "es"]))
def test_any_message_parses_or_is_none(text: str, lang: str) -> None:
    """No message, however odd, makes the parser fail instead of asking again."""
    for spec in (FREQUENCY, DRINKING, APPOINTMENT, YESNO, CRAVING, FREE_TEXT):
        parsed = PARSER.parse(spec, text, lang)
        assert parsed is None or 0.0 < parsed.confidence <= 1.0


@given(score=st.integers(min_value=0, max_value=3), chatter=st.sampled_from(["", ".", " ok", "!"]))
def test_a_typed_score_is_that_score(score: int, chatter: str) -> None:
    """Typing a score from the prompt's range always records exactly that score."""
    parsed = PARSER.parse(FREQUENCY, f"{score}{chatter}", "en")
    assert parsed is not None
    assert parsed.value == score


@pytest.mark.parametrize("text", ["-1", "minus 2", "menos 3", "-3 lol"])
def test_a_negative_number_is_asked_again(text: str) -> None:
    """No scale goes below zero, so '-1' is not read as 1 but re-prompted."""
    spec = AnswerSpec(kind="number", minimum=0, maximum=10)
    assert EmbeddedAnswerParser().parse(spec, text, "en") is None


def test_menos_de_in_an_answer_label_is_no_negative_number() -> None:
    """'menos de una vez al mes' is an AUDIT-C label in Spanish, not minus one."""
    spec = AnswerSpec(
        kind="choice",
        options=(
            OptionSpec(0, {"en": ("Never",), "es": ("Nunca",)}),
            OptionSpec(1, {"en": ("Less than monthly",), "es": ("Menos de una vez al mes",)}),
            OptionSpec(2, {"en": ("Monthly",), "es": ("Mensualmente",)}),
        ),
    )
    parsed = EmbeddedAnswerParser().parse(spec, "menos de una vez al mes", "es")
    assert parsed is not None
    assert parsed.value == 1
