"""The project's own transcripts pass, through the same code as `tether simulate`;
and the runner reports bad and unsupported transcripts instead of ignoring them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.services import Services, build_services
from bot.transcripts.runner import run_file

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.yaml"))


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services()


def test_there_are_enough_transcripts() -> None:
    """The suite keeps at least 40 conversation transcripts."""
    assert len(TRANSCRIPTS) >= 40


# What no text may carry: the program (the transcripts' clinic runs the "Riverside
# outpatient program"), an instrument or a score, a diagnosis, a medication, treatment.
PROTECTED = re.compile(
    r"outpatient|program|phq|gad-?[27]|audit-?c|c-?ssrs|columbia|score|puntuaci|total"
    r"|diagnos|disorder|trastorno|depression\b|depresi[oó]n\b|anxiety disorder"
    r"|ansiedad generalizada"
    r"|opioid|opiáceo|substance|sustancia|addiction|adicci|recovery|rehab|detox"
    r"|buprenorphine|suboxone|naloxone|naltrexone|vivitrol|methadone|metadona|sertraline"
    r"|zoloft|prozac|fluoxetine|lexapro|seroquel|lithium|litio",
    re.IGNORECASE,
)


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript_passes(path: Path, services: Services) -> None:
    """Each transcript plays out as written, and no text it sent carries the
    program, an instrument, a score, a diagnosis or a medication."""
    verdict = run_file(path, services)
    assert verdict.passed, verdict.line()
    assert verdict.sent, "a transcript that sends nothing checks nothing"
    for body in verdict.sent:
        assert PROTECTED.search(body) is None, (PROTECTED.search(body), body)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bad_key_is_named(tmp_path: Path, services: Services) -> None:
    """A misspelt key fails the transcript with the key's path."""
    path = write(tmp_path, "bad", "name: bad\nturns:\n  - clinet: hi\n")
    verdict = run_file(path, services)
    assert not verdict.passed
    assert "turns.0.clinet: bad key" in verdict.detail


def test_a_page_turn_fails_when_nobody_was_paged(tmp_path: Path, services: Services) -> None:
    """A page turn after a harmless message fails and says no page went out."""
    path = write(tmp_path, "no_page", "name: no page\nturns:\n  - client: hello\n"
                 "  - page: {level: high}\n")
    verdict = run_file(path, services)
    assert not verdict.passed
    assert "expected a page to the care team, got none" in verdict.detail


def test_a_mismatch_says_what_was_expected_and_what_happened(
    tmp_path: Path, services: Services
) -> None:
    """A failing bot turn names the expected text and the texts that were sent."""
    path = write(tmp_path, "mismatch", "name: mismatch\nstart: phq9\nturns:\n"
                 "  - bot: 'this text is never sent'\n")
    verdict = run_file(path, services)
    assert not verdict.passed
    assert "this text is never sent" in verdict.detail
    assert "got '" in verdict.detail


def test_simulate_prints_a_line_per_transcript_and_exits_non_zero(tmp_path: Path) -> None:
    """`tether simulate` prints PASS/FAIL lines, a count, and exits 1 on a failure."""
    good = write(tmp_path, "good", "name: help works\nturns:\n  - client: HELP\n"
                 "  - bot: STOP\nexpect:\n  sent_count: 1\n")
    bad = write(tmp_path, "bad", "name: wrong count\nturns:\n  - client: HELP\n"
                "expect:\n  sent_count: 5\n")
    result = CliRunner().invoke(app, ["simulate", str(good), str(bad)])
    lines = result.output.strip().splitlines()
    assert lines[0] == "PASS help works"
    assert lines[1].startswith("FAIL wrong count: expected 5 bot messages, got 1")
    assert lines[-1] == "1 passed, 1 failed"
    assert result.exit_code == 1
