"""The `tether` command. Each command parses its arguments, builds settings
and services once, and calls into bot/; no business rules live here."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from bot.scheduling.imports import Kind

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Tether: check-ins and care navigation between visits.")
flows_app = typer.Typer(no_args_is_help=True, help="Flow files: validate, draw.")
db_app = typer.Typer(no_args_is_help=True, help="The database.")
clients_app = typer.Typer(no_args_is_help=True, help="Clients.")
import_app = typer.Typer(no_args_is_help=True, help="Import appointments and refills (CSV).")
clinics_app = typer.Typer(no_args_is_help=True, help="Clinics.")
staff_app = typer.Typer(no_args_is_help=True, help="Care-team users: console logins and pages.")
policy_app = typer.Typer(no_args_is_help=True, help="A clinic's escalation (paging) policy.")
app.add_typer(clinics_app, name="clinics")
app.add_typer(staff_app, name="staff")
app.add_typer(policy_app, name="policy")
app.add_typer(flows_app, name="flows")
app.add_typer(db_app, name="db")
app.add_typer(clients_app, name="clients")
telegram_app = typer.Typer(no_args_is_help=True, help="Telegram: webhook, polling.")
app.add_typer(telegram_app, name="telegram")
app.add_typer(import_app, name="import")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the embedded demo: SQLite file, demo clinic, simulator, console."""
    from bot.app import run_server
    from bot.demo import prepare_demo

    settings = _settings()
    logins = prepare_demo(settings)
    _check_policies(settings)
    out.print(f"Tether demo on http://{host}:{port}  (database: {settings.database_url})")
    out.print(f"  console:   http://{host}:{port}/")
    out.print(f"  simulator: http://{host}:{port}/simulator")
    out.print("  logins:")
    for email, password, role in logins:
        out.print(f"    {email} / {password}  ({role})")
    out.print("  terminal chat: tether chat   (Ctrl-C stops the demo)")
    run_server(settings, host=host, port=port, demo=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="Worker processes (PostgreSQL only; one of them schedules).")] = 1,
) -> None:
    """Run the app from configuration: webhooks, console, scheduler, sender."""
    from bot.app import run_server
    from bot.store.db import normalize_url, upgrade

    settings = _settings()
    if workers > 1 and normalize_url(settings.database_url).get_backend_name() != "postgresql":
        err.print("[red]--workers above 1 needs PostgreSQL (TETHER_DATABASE_URL); "
                  "SQLite serves from one process[/red]")
        raise typer.Exit(2)
    upgrade(settings.database_url)
    _check_policies(settings)
    run_server(settings, host=host, port=port, demo=False, workers=workers)


def _check_policies(settings: Settings) -> None:
    """Refuse to start with a clinic whose escalation policy is malformed: a page
    ladder that breaks at 3 a.m. is worse than a server that does not start."""
    from bot.escalation.policy import PolicyError, check_clinic_policies
    from bot.store.db import make_engine, session_factory

    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine)() as session:
            check_clinic_policies(session)
    except PolicyError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


@app.command()
def simulate(
    files: Annotated[list[Path], typer.Argument(help="Transcript YAML files.")],
) -> None:
    """Run conversation transcripts against the real engine with a simulated clock."""
    from bot.services import build_services
    from bot.transcripts.runner import run_file

    services = build_services()
    passed = failed = 0
    for path in files:
        verdict = run_file(path, services)
        print(verdict.line(), flush=True)
        if verdict.passed:
            passed += 1
        else:
            failed += 1
    print(f"{passed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)


@app.command()
def chat(
    client_id: Annotated[int | None, typer.Option("--client", help="Chat as this client.")] = None,
    language: Annotated[str, typer.Option(help="en or es, for a new chat client.")] = "en",
) -> None:
    """Chat with the bot in the terminal as a demo client (/start phq9, /results, /quit)."""
    from bot.terminal_chat import run_chat

    settings = _settings()
    if language not in {"en", "es"}:
        err.print("[red]--language must be en or es[/red]")
        raise typer.Exit(2)
    run_chat(settings, client_id=client_id, language=language, console=out)


@app.command("risk-check")
def risk_check() -> None:
    """Read JSON lines {id, text, lang} on stdin; write {id, level, category} lines."""
    from bot.escalation.risk_check import run

    raise typer.Exit(run(sys.stdin, sys.stdout))


@flows_app.command("validate")
def flows_validate(
    files: Annotated[list[Path] | None, typer.Argument(help="Flow files (default: built-in).")]
    = None,
) -> None:
    """Validate flow files; every problem is reported with file, step and reason."""
    from bot.flows.loader import BUILTIN_FLOWS_DIR
    from bot.flows.validate import validate_files

    paths = files or sorted(BUILTIN_FLOWS_DIR.glob("*.yaml"))
    problems = validate_files(paths)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {len(paths)} file(s)")
        raise typer.Exit(1)
    print(f"{len(paths)} flow file(s) valid")


@flows_app.command("diagram")
def flows_diagram(flow_id: Annotated[str, typer.Argument(help="Flow id, e.g. phq9.")]) -> None:
    """Print a Mermaid diagram of a flow."""
    from bot.flows.diagram import mermaid
    from bot.services import build_services

    flows = build_services(_settings()).flows
    if flow_id not in flows:
        err.print(f"[red]unknown flow {flow_id!r}; known: {', '.join(sorted(flows))}[/red]")
        raise typer.Exit(1)
    print(mermaid(flows[flow_id]))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations to TETHER_DATABASE_URL."""
    from bot.store.db import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    out.print("database is up to date")


@contextlib.contextmanager
def _refusing(*errors: type[Exception]) -> Iterator[None]:
    """Any of `errors` is the user's input refused: its message in red, exit code 1."""
    try:
        yield
    except errors as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


ClinicOption = Annotated[str | None, typer.Option(help="Clinic id (default: the only one).")]


@clinics_app.command("add")
def clinics_add(
    clinic_id: Annotated[str, typer.Argument(help="Short id, e.g. riverside.")],
    name: Annotated[str, typer.Option(help="The clinic's name, used in HELP and welcome texts.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. America/Chicago.")],
    crisis_line: Annotated[str, typer.Option(help="The clinic's own crisis line.")],
    contact_phone: Annotated[str, typer.Option(help="The number HELP gives.")],
    program_name: Annotated[str, typer.Option(help="Program name (console only).")],
    quiet_hours: Annotated[str, typer.Option(help="No scheduled texts, e.g. 21:00-08:00.")]
    = "21:00-08:00",
    region: Annotated[str, typer.Option(help="Default phone region, e.g. US.")] = "US",
) -> None:
    """Create a clinic."""
    from bot.admin import NotFound, add_clinic
    from bot.seed import InvalidInput

    with _refusing(InvalidInput, NotFound):
        print(add_clinic(_settings(), clinic_id=clinic_id, name=name, timezone=timezone,
                         crisis_line=crisis_line, contact_phone=contact_phone,
                         program_name=program_name, quiet_hours=quiet_hours, region=region))


@staff_app.command("add")
def staff_add(
    name: Annotated[str, typer.Argument(help="Full name.")],
    email: Annotated[str, typer.Option(help="Console login and e-mail pages.")],
    role: Annotated[str, typer.Option(help="navigator, clinician or admin.")] = "navigator",
    phone: Annotated[str | None, typer.Option(help="SMS pages and ACK replies.")] = None,
    telegram_chat_id: Annotated[str | None, typer.Option(help="Telegram pages and ACKs.")]
    = None,
    on_call: Annotated[bool, typer.Option("--on-call", help="Paged in the on_call tier.")]
    = False,
    clinic: ClinicOption = None,
) -> None:
    """Add a care-team user (asks for the password) and print the new id."""
    from bot.admin import NotFound, add_staff
    from bot.seed import InvalidInput

    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 12:
        err.print("[red]the password needs at least 12 characters[/red]")
        raise typer.Exit(1)
    with _refusing(InvalidInput, NotFound):
        print(add_staff(_settings(), name=name, email=email, role=role, password=password,
                        phone=phone, telegram_chat_id=telegram_chat_id, on_call=on_call,
                        clinic_id=clinic))


@staff_app.command("list")
def staff_list(clinic: ClinicOption = None) -> None:
    """List care-team users: id, name, e-mail, role, on call, phone, status."""
    from bot.admin import NotFound, list_staff

    with _refusing(NotFound):
        for row in list_staff(_settings(), clinic):
            print("\t".join(row))


@policy_app.command("set")
def policy_set(
    file: Annotated[Path, typer.Argument(help="YAML policy: tiers, ack_timeout, webhook.")],
    clinic: ClinicOption = None,
) -> None:
    """Validate a policy file and make it the clinic's; an invalid one changes nothing."""
    from bot.admin import NotFound, set_policy
    from bot.escalation.policy import PolicyError

    with _refusing(PolicyError, NotFound):
        policy = set_policy(_settings(), file, clinic)
    out.print(f"policy saved: {len(policy.tiers)} tier(s)")


@policy_app.command("show")
def policy_show(clinic: ClinicOption = None) -> None:
    """Print the clinic's policy in force (the default when none was set) as YAML."""
    import yaml

    from bot.admin import NotFound, show_policy
    from bot.escalation.policy import PolicyError

    with _refusing(PolicyError, NotFound):
        print(yaml.safe_dump(show_policy(_settings(), clinic), sort_keys=False), end="")


@clients_app.command("add")
def clients_add(
    name: Annotated[str, typer.Argument(help="Client's name (first and last).")],
    phone: Annotated[str | None, typer.Option(help="Phone number, E.164 or national.")] = None,
    language: Annotated[str, typer.Option(help="en or es.")] = "en",
    timezone: Annotated[str | None, typer.Option(help="IANA time zone.")] = None,
    clinic: Annotated[str | None, typer.Option(help="Clinic id (default: the only one).")]
    = None,
) -> None:
    """Add a client and print the new client's id."""
    from bot.admin import NotFound, add_client
    from bot.seed import InvalidInput

    settings = _settings()
    try:
        client_id = add_client(settings, name=name, phone=phone, language=language,
                               timezone=timezone, clinic_id=clinic)
    except (InvalidInput, NotFound) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    print(client_id)


@clients_app.command("list")
def clients_list() -> None:
    """List clients: id, name, language, channels, status."""
    from bot.admin import list_clients

    for row in list_clients(_settings()):
        print("\t".join(row))


@clients_app.command("show")
def clients_show(client_id: Annotated[int, typer.Argument(help="Client id.")]) -> None:
    """Show a client's latest results and open escalations (staff view)."""
    from bot.admin import NotFound, show_client

    try:
        for line in show_client(_settings(), client_id):
            print(line)
    except NotFound as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


def _date_option(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"[red]{name} must be a date like 2027-03-01, got {value!r}[/red]")
        raise typer.Exit(2) from None


@app.command("enroll")
def enroll_command(
    client: Annotated[int, typer.Argument(help="Client id.")],
    flow: Annotated[str, typer.Argument(help="Flow id, e.g. adherence.")],
    schedule: Annotated[str, typer.Argument(
        help="'daily 20:00', 'weekly mon 10:00', 'every 2 weeks fri 17:30' or an RRULE.")],
    start: Annotated[str | None, typer.Option(help="First date (client's local date).")]
    = None,
    end: Annotated[str | None, typer.Option(help="Last date (client's local date).")] = None,
) -> None:
    """Enroll a client in a recurring check-in, in the client's own time zone."""
    from zoneinfo import ZoneInfo

    from bot.admin import open_database
    from bot.clock import SystemClock
    from bot.scheduling.commands import enroll_client
    from bot.scheduling.service import EnrollmentError
    from bot.services import build_services

    settings = _settings()
    first, last = _date_option(start, "--start"), _date_option(end, "--end")
    try:
        enrolled = enroll_client(open_database(settings), client_id=client, flow_id=flow,
                                 schedule=schedule, known_flows=build_services(settings).flows,
                                 now=SystemClock().now(), start=first, end=last)
    except EnrollmentError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    if enrolled.first_due is None:
        out.print(f"enrollment {enrolled.enrollment_id}: no check-in left in that date range")
        return
    local = enrolled.first_due.astimezone(ZoneInfo(enrolled.timezone))
    out.print(f"enrollment {enrolled.enrollment_id}: first check-in "
              f"{local:%Y-%m-%d %H:%M} ({enrolled.timezone})")


def _import(kind: Kind, file: Path, dry_run: bool) -> None:
    from rich.progress import Progress

    from bot.admin import open_database
    from bot.clock import SystemClock
    from bot.scheduling.imports import ImportFileError, import_csv

    settings = _settings()
    sessions = open_database(settings)
    try:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task(f"importing {kind}", total=None)

            def step(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = import_csv(sessions, kind, file, now=SystemClock().now(),
                                dry_run=dry_run, progress=step)
    except ImportFileError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    for problem in report.errors:
        out.print(f"[red]{problem}[/red]")
    verb = "would be" if dry_run else "were"
    out.print(f"{report.rows} row(s): {report.created} {verb} created, {report.updated} "
              f"{verb} updated, {report.unchanged} unchanged, {report.failed_rows} with errors"
              + (" (dry run: nothing was written)" if dry_run else ""))
    if report.errors:
        raise typer.Exit(1)


@import_app.command("appointments")
def import_appointments(
    file: Annotated[Path, typer.Argument(help="CSV: external_id, client_id or "
                                         "client_external_id, starts_at, clinician, kind, "
                                         "location, status.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")]
    = False,
) -> None:
    """Import appointments; re-importing updates rows by external_id."""
    _import("appointments", file, dry_run)


@import_app.command("refills")
def import_refills(
    file: Annotated[Path, typer.Argument(help="CSV: external_id, client_id or "
                                         "client_external_id, due_date, status.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")]
    = False,
) -> None:
    """Import refills; re-importing updates rows by external_id."""
    _import("refills", file, dry_run)


def _telegram_settings() -> Settings:
    settings = _settings()
    if not settings.telegram_enabled:
        err.print("[red]Telegram is not configured: set TETHER_TELEGRAM_BOT_TOKEN[/red]")
        raise typer.Exit(2)
    return settings


@app.command()
def invite(
    client_id: Annotated[int, typer.Argument(help="The client to invite.")],
    days: Annotated[int, typer.Option(min=1, max=90, help="Days the link stays valid.")] = 7,
) -> None:
    """Create a one-time Telegram invite link for a client."""
    import asyncio
    from datetime import timedelta

    from bot.channels.invites import create_invite, invite_link
    from bot.channels.telegram import bot_username
    from bot.clock import SystemClock
    from bot.store.db import make_engine, session_factory

    settings = _telegram_settings()
    username = asyncio.run(bot_username(settings))
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            code = create_invite(session, client_id=client_id, now=SystemClock().now(),
                                 ttl=timedelta(days=days), actor="cli")
            link, expires = invite_link(username, code.code), code.expires_at
    except LookupError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    print(link)
    out.print(f"valid once, until {expires:%Y-%m-%d %H:%M} UTC")


@telegram_app.command("set-webhook")
def telegram_set_webhook() -> None:
    """Register TETHER_PUBLIC_URL/webhooks/telegram with Telegram, with the secret token."""
    import asyncio

    from bot.channels.telegram import set_webhook

    settings = _telegram_settings()
    if not settings.telegram_webhook_secret:
        err.print("[red]set TETHER_TELEGRAM_WEBHOOK_SECRET first: the webhook refuses "
                  "updates without it[/red]")
        raise typer.Exit(2)
    if not settings.public_url.startswith("https://"):
        err.print("[yellow]Telegram only delivers webhooks to https:// URLs[/yellow]")
    print(asyncio.run(set_webhook(settings)))


@telegram_app.command("poll")
def telegram_poll(
    send: Annotated[bool, typer.Option(help="Also deliver the outbox (off when `tether serve` "
                                       "runs beside this).")] = True,
) -> None:
    """Receive Telegram messages by long polling (no public URL needed)."""
    import asyncio
    import contextlib

    from bot.app import build_tether
    from bot.channels.telegram_polling import poll
    from bot.store.db import upgrade

    settings = _telegram_settings()
    upgrade(settings.database_url)
    out.print("polling Telegram; Ctrl-C stops")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(poll(build_tether(settings), send=send))


def main() -> None:
    app()
