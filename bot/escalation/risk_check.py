"""`tether risk-check`: assess JSON lines from stdin, one JSON line out per line in.

Input lines are {"id": ..., "text": ..., "lang": "en"|"es"} (lang optional,
default "en"). Output lines are {"id", "level", "category"} in the same order,
or {"id", "error"} for a line that is not valid JSON or has no text; blank
lines are skipped and every output line is flushed, so the command works in a
pipe one message at a time.
"""

from __future__ import annotations

import json
import re
from typing import Any, TextIO

from bot.escalation.types import RiskDetector

DEFAULT_LANG = "en"
_ID_RE = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)')


def _recover_id(line: str) -> Any:
    """The id of a broken line when it can still be read, so the caller can match the error."""
    match = _ID_RE.search(line)
    if match is None:
        return None
    try:
        return json.loads(match.group(1))
    except json.JSONDecodeError:
        return None


def check_line(line: str, detector: RiskDetector) -> dict[str, Any]:
    """The output record for one input line (never raises for bad input)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return {"id": _recover_id(line), "error": f"not valid JSON: {error.msg}"}
    if not isinstance(record, dict):
        return {"id": None, "error": "each line must be a JSON object"}
    message_id = record.get("id")
    text = record.get("text")
    if not isinstance(text, str):
        return {"id": message_id, "error": "missing \"text\" (a string)"}
    lang = record.get("lang") or DEFAULT_LANG
    if not isinstance(lang, str):
        return {"id": message_id, "error": "\"lang\" must be a string such as \"en\" or \"es\""}
    assessment = detector.assess(text, lang)
    return {"id": message_id, "level": assessment.level.label, "category": assessment.category}


def run(stdin: TextIO, stdout: TextIO, detector: RiskDetector | None = None) -> int:
    """Process every line of `stdin`; returns 0 (bad lines are reported, not fatal)."""
    if detector is None:
        from bot.escalation.risk import default_detector

        detector = default_detector()
    for line in stdin:
        if not line.strip():
            continue
        stdout.write(json.dumps(check_line(line, detector), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0
