"""Client-facing texts of a flow, in the run's language: placeholders filled,
reply hints and re-prompts built from a question's options. Pure.

Placeholders are `{name}` with a name from the run's context (`first_name`,
`crisis_line`, `when`, ...) or `{answer.<key>}`. They are replaced by plain
substitution, never `str.format`, so a text cannot reach attributes; a
missing value renders as nothing (or a safe default, see `DEFAULTS`) and the
spacing around it is tidied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.flows.schema import Ask, Text

FALLBACK_LANG = "en"
PLACEHOLDER = re.compile(r"\{(answer\.[a-z0-9_]+|[a-z_][a-z0-9_]*)\}")
# When the clinic has no crisis line of its own, the universal one still works.
DEFAULTS: dict[str, str] = {"crisis_line": "911"}

_GENERIC: dict[str, dict[str, str]] = {
    "reply": {"en": "Reply", "es": "Responda"},
    "or": {"en": "or", "es": "o"},
    "yesno": {"en": "Reply YES or NO", "es": "Responda SÍ o NO"},
    "number_range": {"en": "Reply a number from {min} to {max}",
                     "es": "Responda con un número del {min} al {max}"},
    "number": {"en": "Reply with a number", "es": "Responda con un número"},
    "text": {"en": "Reply in a few words", "es": "Responda en pocas palabras"},
    "sorry": {"en": "Sorry, I didn't catch that.", "es": "Perdón, no entendí."},
    "reminder": {"en": "Just a reminder:", "es": "Solo un recordatorio:"},
    "abandon": {
        "en": "No problem, we'll stop here for now. Your care team is here if you need them.",
        "es": "No hay problema, lo dejamos aquí por ahora. Su equipo de atención está aquí "
              "si lo necesita.",
    },
}


def pick(text: Text, lang: str) -> str:
    """The text in `lang`, else in English, else any."""
    if text.get(lang):
        return text[lang]
    if text.get(FALLBACK_LANG):
        return text[FALLBACK_LANG]
    return next(iter(text.values()), "")


def generic(name: str, lang: str) -> str:
    return pick(_GENERIC[name], lang)


def fill(template: str, context: Mapping[str, str], answers: Mapping[str, Any]) -> str:
    """Replace placeholders; unknown ones become empty, never an error."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("answer."):
            found = answers.get(name.removeprefix("answer."))
            return "" if found is None else str(found)
        found_text = context.get(name)
        if found_text:
            return str(found_text)
        return DEFAULTS.get(name, "")

    text = PLACEHOLDER.sub(value, template)
    text = re.sub(r"[ \t]+([,.!?;:])", r"\1", text)  # "Hi , ..." -> "Hi, ..."
    text = re.sub(r"([¿¡])[ \t]+", r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text.strip()


def hint(ask: Ask, lang: str) -> str | None:
    """The "Reply ..." line shown under a question."""
    if ask.hint is not None:
        return pick(ask.hint, lang)
    if ask.type == "choice":
        parts = [f"{option.reply} {pick(option.label, lang)}" for option in ask.options]
        return f"{generic('reply', lang)} {', '.join(parts)}"
    if ask.type == "yesno":
        return generic("yesno", lang)
    if ask.type == "number":
        if ask.min is not None and ask.max is not None:
            return generic("number_range", lang).format(min=ask.min, max=ask.max)
        return generic("number", lang)
    return None


def _short_choices(ask: Ask, lang: str) -> str:
    replies = [option.reply or "" for option in ask.options]
    if len(replies) == 1:
        return replies[0]
    return f"{', '.join(replies[:-1])} {generic('or', lang)} {replies[-1]}"


def reprompt(ask: Ask, lang: str) -> str:
    """What is said after a reply that was not understood."""
    if ask.reprompt is not None:
        return pick(ask.reprompt, lang)
    if ask.type == "choice" and ask.hint is None:
        line = f"{generic('reply', lang)} {_short_choices(ask, lang)}"
    elif ask.type == "text":
        line = generic("text", lang)
    else:
        line = hint(ask, lang) or generic("text", lang)
    return f"{generic('sorry', lang)} {line.rstrip('.')}."


def question(ask: Ask, lang: str) -> str:
    """The question as sent: its text, then the reply hint on its own line."""
    line = hint(ask, lang)
    text = pick(ask.text, lang)
    return f"{text}\n{line}" if line else text


def reminder(ask: Ask, lang: str) -> str:
    if ask.reminder is not None:
        return pick(ask.reminder, lang)
    return f"{generic('reminder', lang)}\n{question(ask, lang)}"


def abandon(custom: Text | None, lang: str) -> str:
    return pick(custom, lang) if custom is not None else generic("abandon", lang)


def client_texts(ask: Ask) -> list[Text]:
    """Every client-facing text of a question (for checks and tests)."""
    texts = [ask.text]
    texts += [text for text in (ask.hint, ask.reprompt, ask.reminder) if text is not None]
    texts += [option.label for option in ask.options]
    return texts
