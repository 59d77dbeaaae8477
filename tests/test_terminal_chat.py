"""`tether chat`: a person plays a client in the terminal, in Spanish, and the
score is stored."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app

ANSWERS = ["varios días", "1", "dos", "más de la mitad de los días", "0", "cero", "1", "1", "0",
           "1"]


def test_a_spanish_phq9_in_the_terminal_is_scored_and_stored(tmp_path: Path) -> None:
    """Chatting through a PHQ-9 in Spanish stores a scored result the care team can see."""
    env = {"TETHER_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}"}
    script = "\n".join(["/start phq9", *ANSWERS, "/results", "/quit"]) + "\n"
    result = CliRunner().invoke(app, ["chat", "--language", "es"], env=env, input=script)
    assert result.exit_code == 0, result.output
    assert "Poco interés o placer en hacer cosas" in result.output
    assert "'phq9.total': 8" in result.output
    assert "'phq9.severity': 'mild'" in result.output
    shown = CliRunner().invoke(app, ["clients", "list"], env=env)
    assert "Terminal" in shown.output
