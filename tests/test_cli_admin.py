"""Setting up a clinic from the command line: clinic, care team, paging policy."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app

CLINIC = ["clinics", "add", "riverside", "--name", "Riverside Health",
          "--timezone", "America/Chicago", "--crisis-line", "(555) 010-0199",
          "--contact-phone", "(555) 010-0100", "--program-name", "Riverside Recovery"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"TETHER_DATABASE_URL": f"sqlite:///{tmp_path / 'admin.db'}"}


def invoke(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env, input=stdin)
    return result.exit_code, result.output


def add_staff(env: dict[str, str], name: str, email: str, *extra: str) -> int:
    password = "correct horse battery"
    code, output = invoke(env, "staff", "add", name, "--email", email, *extra,
                          stdin=f"{password}\n{password}\n")
    assert code == 0, output
    return int(output.strip().splitlines()[-1])


def test_a_clinic_its_on_call_clinician_and_a_policy_are_set_up(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A new installation gets a clinic, an on-call clinician and a two-tier policy."""
    assert invoke(env, *CLINIC) == (0, "riverside\n")
    oncall = add_staff(env, "Dana Reyes", "dana@riverside.example", "--role", "clinician",
                       "--phone", "(312) 555-0142", "--on-call")
    admin = add_staff(env, "Lee Park", "lee@riverside.example", "--role", "admin")
    code, listing = invoke(env, "staff", "list")
    assert code == 0
    assert f"{oncall}\tDana Reyes\tdana@riverside.example\tclinician\ton call\t+13125550142" \
        in listing
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump({
        "ack_timeout": {"imminent": 5, "high": 15},
        "tiers": [{"recipients": ["on_call"], "channels": ["sms", "email"]},
                  {"recipients": [admin], "channels": ["email"]}],
    }))
    code, output = invoke(env, "policy", "set", str(policy))
    assert code == 0, output
    assert "2 tier(s)" in output
    code, shown = invoke(env, "policy", "show")
    assert code == 0
    stored = yaml.safe_load(shown)
    assert stored["tiers"][1] == {"recipients": [admin], "channels": ["email"]}
    assert stored["ack_timeout"]["imminent"] == 5


def test_policy_show_gives_the_default_ladder_before_any_is_set(env: dict[str, str]) -> None:
    """Without a policy, the clinic pages its on-call staff first."""
    invoke(env, *CLINIC)
    code, shown = invoke(env, "policy", "show")
    assert code == 0
    assert yaml.safe_load(shown)["tiers"][0]["recipients"] == ["on_call"]


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"tiers": []}, "tiers"),
        ({"tiers": [{"recipients": ["on_call"], "channels": ["pigeon"]}]}, "channels"),
        ({"tiers": [{"recipients": ["on_call"], "channels": ["webhook"]}]}, "webhook"),
        ({"tiers": [{"recipients": [999]}]}, "user 999 is not an active user"),
        ({"tiers": [{"recipients": ["on_call"]}], "ack_timout": {}}, "unknown key"),
    ],
)
def test_an_invalid_policy_is_refused_and_the_old_one_stays(
    env: dict[str, str], tmp_path: Path, policy: dict[str, object], message: str
) -> None:
    """A bad policy file names its problem and changes nothing."""
    invoke(env, *CLINIC)
    before = invoke(env, "policy", "show")[1]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(policy))
    code, output = invoke(env, "policy", "set", str(path))
    assert code == 1
    assert message in output
    assert invoke(env, "policy", "show")[1] == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--quiet-hours", "22:00-07:00"], "must cover at least 21:00-08:00"),
        (["--timezone", "Mars/Base"], "unknown time zone"),
    ],
)
def test_a_clinic_with_bad_settings_is_refused(
    env: dict[str, str], args: list[str], message: str
) -> None:
    """Quiet hours narrower than the legal window, or an unknown zone, are refused."""
    code, output = invoke(env, *CLINIC, *args)
    assert code == 1
    assert message in output.replace("\n", " ")


def test_staff_add_refuses_a_short_password_and_a_duplicate_email(env: dict[str, str]) -> None:
    """A weak password or an e-mail already in use creates no user."""
    invoke(env, *CLINIC)
    code, output = invoke(env, "staff", "add", "Sam", "--email", "sam@x.example",
                          stdin="short\nshort\n")
    assert code == 1
    assert "12 characters" in output
    add_staff(env, "Sam", "sam@x.example")
    code, output = invoke(env, "staff", "add", "Sam Two", "--email", "SAM@x.example",
                          stdin="correct horse battery\ncorrect horse battery\n")
    assert code == 1
    assert "exists already" in output
    assert invoke(env, "staff", "list")[1].count("sam@x.example") == 1


def test_serve_refuses_to_start_with_a_malformed_stored_policy(env: dict[str, str]) -> None:
    """A policy broken in the database stops `tether serve` before it listens."""
    from bot.store.db import make_engine, session_factory
    from bot.store.models import Clinic

    invoke(env, *CLINIC)
    engine = make_engine(env["TETHER_DATABASE_URL"])
    with session_factory(engine).begin() as session:
        clinic = session.get(Clinic, "riverside")
        assert clinic is not None
        clinic.escalation_policy = {"tiers": [{"recipients": ["everyone"]}]}
    engine.dispose()
    code, output = invoke(env, "serve", "--port", "1")
    assert code == 2
    assert "escalation policy of clinic 'riverside'" in output


def test_serve_refuses_several_workers_on_sqlite(env: dict[str, str]) -> None:
    """Worker processes share PostgreSQL; on SQLite `--workers 2` is refused."""
    code, output = invoke(env, "serve", "--port", "1", "--workers", "2")
    assert code == 2
    assert "needs PostgreSQL" in output
