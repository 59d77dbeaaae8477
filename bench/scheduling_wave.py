"""The 09:00 wave: how long the scheduler takes to claim and queue a morning of check-ins.

    .venv/bin/python bench/scheduling_wave.py [--database-url URL] [--clients 100000]

Sets up `--clients` clients in 20 clinics, one time zone each, every one with
a simulator contact point and a "daily 09:00" adherence check-in (bulk
inserted with SQLAlchemy core: setup speed is not what is measured). Then:

1. plan: compute one day of due check-ins (each enrollment's next 09:00 in
   its client's zone, `bot.scheduling.recurrence.next_occurrence`) and store
   them as pending timed events;
2. wave: zone by zone, at that zone's 09:00, fire everything due through the
   real firing code as `tether serve`'s scheduler leader runs it
   (`bot.scheduling.pool.Firer`: batches of 100; on PostgreSQL, once a round
   leaves more due, one firing process per core, or `--processes`): each
   check-in passes the gates, starts its conversation, queues the first
   question in the outbox and plans tomorrow's check-in. Starting the firing
   processes is part of the first zone's time.

Prints the figures (wall time, events per second, peak RSS of this process
and of the firing processes) and asserts nothing. On PostgreSQL a fresh
database `tether_bench_<pid>` is created on the server of `--database-url` and
dropped afterwards; on SQLite a fresh file in a temporary directory is used
unless the URL names one (it is recreated).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, func, insert, select, text  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.scheduling.pool import Firer  # noqa: E402
from bot.scheduling.recurrence import next_occurrence, parse_schedule  # noqa: E402
from bot.scheduling.service import CHECKIN  # noqa: E402
from bot.seed import create_clinic  # noqa: E402
from bot.services import build_services  # noqa: E402
from bot.store.db import create_all, make_engine, session_factory  # noqa: E402
from bot.store.models import (  # noqa: E402
    Client,
    ContactPoint,
    Enrollment,
    Message,
    Outbox,
    TimedEvent,
)

ZONES = (  # 20 zones, west to east
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
    "America/Chicago", "America/New_York", "America/Halifax", "America/Sao_Paulo",
    "Atlantic/Azores", "Europe/London", "Europe/Berlin", "Europe/Athens", "Europe/Moscow",
    "Asia/Dubai", "Asia/Karachi", "Asia/Kolkata", "Asia/Bangkok", "Asia/Shanghai",
    "Asia/Tokyo", "Pacific/Auckland",
)
SCHEDULE = "daily 09:00"
FLOW = "adherence"
DAY = date(2027, 3, 2)  # no daylight-saving change in any of the zones that day
CREATED = datetime(2027, 2, 1, tzinfo=UTC)
CHUNK = 10_000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_peak_rss_mb(pid: int) -> float:
    """Another running process's peak RSS (Linux: VmHWM in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def setup(engine: Engine, clients: int, zones: tuple[str, ...]) -> None:
    """Clinics (one per zone), clients, contact points and enrollments."""
    with session_factory(engine)() as session:
        for index, zone in enumerate(zones):
            create_clinic(session, clinic_id=f"c{index}", name=f"Clinic {index}", timezone=zone,
                          crisis_line="988", contact_phone="(555) 010-0100",
                          program_name="Outpatient program", now=CREATED)
        session.commit()
    rule = parse_schedule(SCHEDULE).rule
    with engine.begin() as conn:
        for start in range(0, clients, CHUNK):
            ids = range(start + 1, min(start + CHUNK, clients) + 1)
            conn.execute(insert(Client), [
                {"id": i, "clinic_id": f"c{i % len(zones)}", "first_name": f"Client{i}",
                 "last_name": "", "language": "en" if i % 4 else "es", "status": "active",
                 "opted_out": False, "created_at": CREATED} for i in ids])
            conn.execute(insert(ContactPoint), [
                {"id": i, "client_id": i, "channel": "simulator", "address": f"sim-{i}",
                 "opted_out": False, "blocked": False, "created_at": CREATED} for i in ids])
            conn.execute(insert(Enrollment), [
                {"id": i, "client_id": i, "flow_id": FLOW, "schedule": SCHEDULE, "rrule": rule,
                 "start_date": DAY - timedelta(days=30), "end_date": None, "active": True,
                 "created_at": CREATED} for i in ids])
        if engine.dialect.name == "postgresql":
            for table in ("clients", "contact_points", "enrollments"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed table names
                                  f"(SELECT max(id) FROM {table}))"))
                conn.execute(text(f"ANALYZE {table}"))


def plan_day(engine: Engine, zones: tuple[str, ...]) -> tuple[float, float, dict[str, datetime]]:
    """Compute each enrollment's check-in on DAY and store them, CHUNK at a time;
    returns (compute seconds, insert seconds, the UTC instant of 09:00 per zone)."""
    schedule = parse_schedule(SCHEDULE)
    compute = stored = 0.0
    wave: dict[str, datetime] = {}
    with engine.begin() as conn:
        rows = conn.execute(select(Enrollment.id, Enrollment.client_id, Enrollment.start_date,
                                   Client.clinic_id).join(Client)
                            .order_by(Enrollment.id)).all()
    for first in range(0, len(rows), CHUNK):
        events: list[dict[str, Any]] = []
        began = time.perf_counter()
        for enrollment_id, client_id, start, clinic_id in rows[first:first + CHUNK]:
            zone = zones[int(clinic_id[1:])]
            local_midnight = datetime.combine(DAY, datetime.min.time())
            after = local_midnight.replace(tzinfo=ZoneInfo(zone))
            found = next_occurrence(schedule, after.astimezone(UTC), zone, start=start)
            assert found is not None
            instant, wall = found
            wave[zone] = instant
            events.append({"clinic_id": clinic_id, "client_id": client_id, "kind": CHECKIN,
                           "due_at": instant, "status": "pending", "created_at": CREATED,
                           "payload": {"enrollment_id": enrollment_id, "flow_id": FLOW,
                                       "local_time": wall.isoformat(timespec="minutes"),
                                       "occurs_at": instant.isoformat()}})
        compute += time.perf_counter() - began
        began = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(TimedEvent), events)
        stored += time.perf_counter() - began
    began = time.perf_counter()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE timed_events"))
    stored += time.perf_counter() - began
    return compute, stored, wave


def fire_wave(engine: Engine, url: str, wave: dict[str, datetime], zones: int,
              processes: int) -> tuple[list[tuple[str, int, float]], list[float]]:
    """Fire the first `zones` zones' 09:00 check-ins, each at its 09:00 (with
    whatever else is due then); (zone, events fired, seconds) per zone, and
    the firing processes' peak RSS."""
    sessions = session_factory(engine)
    services = build_services()
    firer = Firer(sessions, services, engine,
                  Settings(database_url=url, firing_processes=processes))
    out = []
    try:
        for zone, instant in sorted(wave.items(), key=lambda item: item[1])[:zones]:
            now = instant + timedelta(seconds=5)
            began = time.perf_counter()
            fired = total = 0
            while fired := firer.fire_round(now):
                total += fired
            out.append((zone, total, time.perf_counter() - began))
        pool = firer.pool
        firers = [process_peak_rss_mb(pid) for pid in pool.last_round] if pool else []
    finally:
        firer.close()
    return out, firers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None,
                        help="postgresql+psycopg://... (a fresh database is made on that "
                             "server); default: a temporary SQLite file")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--zones", type=int, default=len(ZONES), choices=range(1, 21),
                        metavar="1-20", help="spread the clients over this many time zones "
                                             "(1: every check-in due at the same moment)")
    parser.add_argument("--fire-zones", type=int, default=len(ZONES),
                        help="fire the waves of this many zones (east to west) only")
    parser.add_argument("--processes", type=int, default=0,
                        help="firing processes on PostgreSQL (TETHER_FIRING_PROCESSES); "
                             "default: one per core")
    args = parser.parse_args()

    with scratch_database(args.database_url, "wave.db") as url:
        engine = make_engine(url)
        create_all(engine)
        zones = ZONES[:args.zones]
        print(f"database: {engine.dialect.name}; clients: {args.clients} in {len(zones)} zones")
        began = time.perf_counter()
        setup(engine, args.clients, zones)
        print(f"setup (bulk insert, not a target): {time.perf_counter() - began:.1f} s; "
              f"peak RSS {peak_rss_mb():.0f} MB")
        compute, stored, wave = plan_day(engine, zones)
        print(f"plan a day of due events: compute {compute:.2f} s "
              f"({args.clients / compute:,.0f}/s), store {stored:.2f} s; "
              f"peak RSS {peak_rss_mb():.0f} MB")
        fired_zones, firers = fire_wave(engine, url, wave, args.fire_zones, args.processes)
        elapsed = sum(seconds for _, _, seconds in fired_zones)  # firing only, not start-up
        fired = sum(count for _, count, _ in fired_zones)
        slowest = max(fired_zones, key=lambda row: row[2])
        with engine.connect() as conn:
            queued = conn.scalar(select(func.count()).select_from(Outbox))
            outbound = conn.scalar(select(func.count()).select_from(Message)
                                   .where(Message.direction == "out"))
            planned = conn.scalar(select(func.count()).select_from(TimedEvent).where(
                TimedEvent.kind == CHECKIN, TimedEvent.status == "pending",
                TimedEvent.created_at > CREATED))
        print(f"09:00 wave of {len(fired_zones)} zone(s): {fired} events claimed and fired in "
              f"{elapsed:.1f} s ({fired / elapsed:,.0f}/s); slowest zone {slowest[0]}: "
              f"{slowest[1]} in {slowest[2]:.1f} s")
        for zone, count, seconds in fired_zones:
            print(f"  {zone:<20} {count:>7} events {seconds:7.1f} s")
        print(f"  outbox rows queued: {queued}; outbound messages: {outbound}; "
              f"tomorrow's check-ins planned: {planned}")
        print(f"peak RSS: {peak_rss_mb():.0f} MB; firing processes: "
              + (", ".join(f"{rss:.0f} MB" for rss in firers) or "none started"))
        engine.dispose()


if __name__ == "__main__":
    main()
