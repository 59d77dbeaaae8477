"""Texts as the client gets them: placeholders, reply hints, re-prompts."""

from __future__ import annotations

from bot.flows import render
from bot.flows.schema import Ask

FREQUENCY = Ask.model_validate({
    "type": "choice", "key": "item1",
    "text": {"en": "Trouble relaxing?", "es": "Ha tenido dificultad para relajarse"},
    "options": [
        {"value": 0, "label": {"en": "Not at all", "es": "Ningún día"}},
        {"value": 1, "label": {"en": "Several days", "es": "Varios días"}},
        {"value": 2, "label": {"en": "More than half the days",
                               "es": "Más de la mitad de los días"}},
        {"value": 3, "label": {"en": "Nearly every day", "es": "Casi todos los días"}},
    ],
})


def test_placeholders_are_filled_from_context_and_answers() -> None:
    """{first_name} from the context, {answer.key} from the answers."""
    text = render.fill("Hi {first_name}, you said {answer.score}.", {"first_name": "Ana"},
                       {"score": 7})
    assert text == "Hi Ana, you said 7."


def test_missing_placeholders_leave_no_trace() -> None:
    """Unknown names vanish and the spacing is tidied."""
    assert render.fill("Hi {first_name}, ok {nothing} .", {}, {}) == "Hi, ok."
    assert render.fill("Hola {first_name}, ¿ {x}bien?", {}, {}) == "Hola, ¿bien?"


def test_crisis_line_falls_back_to_911() -> None:
    """A clinic without a crisis line still gives a number that works."""
    assert render.fill("call {crisis_line}", {}, {}) == "call 911"
    assert render.fill("call {crisis_line}", {"crisis_line": "555-0100"}, {}) == "call 555-0100"


def test_placeholders_cannot_reach_attributes() -> None:
    """No str.format: format-string tricks stay literal text."""
    tricky = "{first_name.__class__} {0} {first_name!r}"
    assert render.fill(tricky, {"first_name": "Ana"}, {}) == tricky


def test_choice_hint_lists_replies_and_labels() -> None:
    """"Reply 0 Not at all, 1 Several days, ..." in each language."""
    assert render.hint(FREQUENCY, "en") == (
        "Reply 0 Not at all, 1 Several days, 2 More than half the days, 3 Nearly every day"
    )
    assert render.question(FREQUENCY, "es").splitlines() == [
        "Ha tenido dificultad para relajarse",
        "Responda 0 Ningún día, 1 Varios días, 2 Más de la mitad de los días, "
        "3 Casi todos los días",
    ]


def test_generic_reprompt_is_built_from_the_options() -> None:
    """"Sorry, I didn't catch that. Reply 0, 1, 2 or 3." """
    assert render.reprompt(FREQUENCY, "en") == "Sorry, I didn't catch that. Reply 0, 1, 2 or 3."
    assert render.reprompt(FREQUENCY, "es") == "Perdón, no entendí. Responda 0, 1, 2 o 3."


def test_yes_no_and_number_hints() -> None:
    """Yes/no and number questions say what to reply too."""
    yesno = Ask.model_validate({"type": "yesno", "key": "q", "text": {"en": "Q?", "es": "¿Q?"}})
    number = Ask.model_validate({"type": "number", "key": "n", "min": 0, "max": 10,
                                 "text": {"en": "N?", "es": "¿N?"}})
    assert render.question(yesno, "es") == "¿Q?\nResponda SÍ o NO"
    assert render.reprompt(yesno, "en") == "Sorry, I didn't catch that. Reply YES or NO."
    assert render.hint(number, "en") == "Reply a number from 0 to 10"
    assert render.reprompt(number, "es") == (
        "Perdón, no entendí. Responda con un número del 0 al 10."
    )


def test_unknown_language_falls_back_to_english() -> None:
    """A run in a language the flow lacks still gets a text."""
    assert render.pick({"en": "Hello", "es": "Hola"}, "fr") == "Hello"
