"""The `tether` command's stable interfaces, driven as a user would."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.seed import create_clinic
from bot.store.db import make_engine, session_factory

NOW = datetime(2027, 3, 1, 16, 0, tzinfo=UTC)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"TETHER_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


def invoke(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env, input=stdin)
    return result.exit_code, result.output


def with_clinic(env: dict[str, str]) -> None:
    code, _ = invoke(env, "db", "upgrade")
    assert code == 0
    engine = make_engine(env["TETHER_DATABASE_URL"])
    with session_factory(engine).begin() as session:
        create_clinic(session, clinic_id="demo", name="Riverside Health",
                      timezone="America/Chicago", crisis_line="(555) 010-0199",
                      contact_phone="(555) 010-0100", program_name="Riverside", now=NOW)
    engine.dispose()


def test_db_upgrade_twice_is_harmless(env: dict[str, str]) -> None:
    """`tether db upgrade` migrates a new database and a second run changes nothing."""
    assert invoke(env, "db", "upgrade") == (0, "database is up to date\n")
    assert invoke(env, "db", "upgrade")[0] == 0


def test_clients_add_prints_the_id_and_list_shows_the_client(env: dict[str, str]) -> None:
    """A client added with a national number is listed with an SMS contact."""
    with_clinic(env)
    code, output = invoke(env, "clients", "add", "Rosa Díaz", "--phone", "(201) 555-0123",
                          "--language", "es", "--timezone", "America/New_York")
    assert code == 0
    client_id = output.strip()
    assert client_id.isdigit()
    code, listing = invoke(env, "clients", "list")
    assert code == 0
    assert f"{client_id}\tRosa Díaz\tes\tsms\tactive\tdemo" in listing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--phone", "12"], "not a valid phone number"),
        (["--language", "fr"], "language must be en or es"),
        (["--timezone", "Mars/Base"], "unknown time zone"),
        (["--clinic", "nowhere"], "no clinic 'nowhere'"),
    ],
)
def test_clients_add_refuses_bad_input_and_writes_nothing(
    env: dict[str, str], args: list[str], message: str
) -> None:
    """A bad phone, language, zone or clinic is refused with a clear message."""
    with_clinic(env)
    code, output = invoke(env, "clients", "add", "Sam Lee", *args)
    assert code == 1
    assert message in output
    assert invoke(env, "clients", "list")[1] == ""


def test_a_malformed_setting_stops_the_command_naming_it(tmp_path: Path) -> None:
    """A bad TETHER_DATABASE_URL is reported by name, before anything runs."""
    code, output = invoke({"TETHER_DATABASE_URL": "mysql://nope"}, "clients", "list")
    assert code == 2
    assert "TETHER_DATABASE_URL" in output


def test_flows_validate_accepts_the_built_in_flows(env: dict[str, str]) -> None:
    """Every built-in flow file validates."""
    code, output = invoke(env, "flows", "validate")
    assert code == 0, output
    assert "valid" in output


def test_flows_validate_reports_a_broken_file_and_exits_non_zero(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A broken flow file is reported with its name and the exit code is 1."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\nsteps: [\n", encoding="utf-8")
    code, output = invoke(env, "flows", "validate", str(broken))
    assert code == 1
    assert "broken.yaml" in output


def test_flows_diagram_draws_a_flow(env: dict[str, str]) -> None:
    """`tether flows diagram phq9` prints a Mermaid flowchart; an unknown id fails."""
    code, output = invoke(env, "flows", "diagram", "phq9")
    assert code == 0
    assert output.startswith("flowchart")
    assert invoke(env, "flows", "diagram", "nope")[0] == 1


def test_risk_check_answers_each_line_in_order(env: dict[str, str]) -> None:
    """`tether risk-check` answers JSON lines in order, with an error line for bad JSON."""
    lines = [
        json.dumps({"id": 1, "text": "i took all my pills", "lang": "en"}),
        "{not json",
        json.dumps({"id": "b", "text": "me muero de risa", "lang": "es"}),
    ]
    code, output = invoke(env, "risk-check", stdin="\n".join(lines) + "\n")
    assert code == 0
    answers = [json.loads(line) for line in output.strip().splitlines()]
    assert answers[0]["id"] == 1
    assert answers[0]["level"] in {"high", "imminent"}
    assert "error" in answers[1]
    assert answers[2] == {"id": "b", "level": "none", "category": None}
