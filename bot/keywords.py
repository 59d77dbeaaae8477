"""Compliance keywords, matched as carriers match them: the whole message,
trimmed, in any case (pure)."""

from __future__ import annotations

from typing import Literal

Keyword = Literal["opt_out", "opt_in", "help"]

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "UNSTOP"})
HELP = frozenset({"HELP", "INFO", "AYUDA"})


def match_keyword(text: str, *, opted_out: bool) -> Keyword | None:
    """The compliance keyword `text` is, if any. YES opts back in only while
    the sender is opted out; anywhere else it is an ordinary answer."""
    word = text.strip().strip(".!").strip().upper()
    if word in OPT_OUT:
        return "opt_out"
    if word in OPT_IN or (opted_out and word in {"YES", "SI", "SÍ"}):
        return "opt_in"
    if word in HELP:
        return "help"
    return None
