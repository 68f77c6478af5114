"""A year of data: the bot's heaviest reads, the database's size, pruning and the reply path,
on a database holding a year of a 10,000-partner deployment (bench/year_seed.py).

    .venv/bin/python -m bench.year                       # SQLite: the seeded file is cached under /tmp
    .venv/bin/python -m bench.year --db postgresql       # PostgreSQL at --server, seeded with COPY each run
                                                         # (all but replies), then dropped
    .venv/bin/python -m bench.year --steps digest,mydata --repeats 3 --no-json

Measured on a copy of the seeded database, each --repeats times (min and median):

  digest    a facilitator's digest over Carers' Voice, 2,000 partners (bot/staff/digest.digest_for,
            as the tick builds it); one warm-up first (imports, templates), reported apart
  mydata    /mydata for the partner with three years of answers (bot/partners/mydata.handle_mydata,
            the whole unit of work with its commit)
  flags     `checkin flags export` of every flag (bot/staff/reports.flags_csv, as the CLI calls it)
  prune     the database's size (SQLite: file and WAL; PostgreSQL: pg_database_size) before and after
            storage/retention.prune with [storage] keep_days (--keep-days), and how long it took
  replies   bench.replies --partners 1000 --unpaced on an empty database and on a copy of the year
            (--db-file), interleaved, --replies-runs times each (SQLite only): the year pruned to
            keep_days, as the bot keeps it (--replies-year as-seeded: every message of the year still
            there, so the bot's own first prune runs during the benchmark)

The digest and the export also report a sha256 of what they produced: on the same seeded file
(or PostgreSQL database), a change to their queries must leave it as it was.

Appends one JSON line to --json (default bench/results/year.jsonl).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text, update
from sqlmodel import col, select

from bench.year_seed import (
    LIBRARY,
    SEED_VERSION,
    PostgresWriter,
    Seeded,
    SQLiteWriter,
    Writer,
    seed_year,
)
from bot.core.config import FlowSettings, ProjectSettings, Settings, StorageSettings
from bot.core.flow_registry import FlowRegistry
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.partners import mydata
from bot.partners.ideas import month_start
from bot.staff import digest, reports
from storage import people
from storage.db import MIGRATIONS, Database, create_postgres_database, drop_postgres_database
from storage.models import Checkin, Flag, Idea, Membership, OutboxMessage

CACHE = Path(tempfile.gettempdir()) / "checkin-bench-year"
RESULTS = Path(__file__).resolve().parent / "results" / "year.jsonl"
SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
STEPS = ("digest", "mydata", "flags", "prune", "replies")
#: update ids for the timed /mydata requests: past any the year used
MYDATA_UPDATES = 10**12


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class FixedClock:
    """The seeded year's "now", so every run measures the same moment of it."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


# -- seeding ------------------------------------------------------------------------------------


def schema_key() -> str:
    """The seed version and the migrations' digest: a cached file is reused only for the same data and schema."""
    digest_ = hashlib.sha256()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        digest_.update(path.name.encode() + path.read_bytes())
    return f"v{SEED_VERSION}-{digest_.hexdigest()[:12]}"


def chart_png() -> bytes:
    """A real trend chart (bot/staff/digest.trend_chart): the digests' photos are this size."""
    now = datetime.now(UTC)
    trends: dict[str, list[tuple[datetime, float | None]]] = {
        name: [(now - timedelta(weeks=8 - week), base + 3.0 * (week % 3)) for week in range(8)]
        for name, base in (("trust", 80.0), ("influence", 70.0), ("needs met", 90.0))
    }
    return digest.trend_chart([digest.ProjectDigest(id="carers", name="Carers' Voice", trends=trends)])


def seed_database(url: str) -> tuple[Seeded, float]:
    """A new database from the migrations, then the year written in bulk."""
    db = Database(url)
    db.upgrade()
    started = time.perf_counter()
    with db.engine.connect() as connection:
        writer: Writer = SQLiteWriter(connection) if url.startswith("sqlite") else PostgresWriter(connection)
        seeded = seed_year(writer, datetime.now(UTC), chart_png(), progress=lambda note: log(f"  seeding {note}"))
    db.dispose()  # closing SQLite's last connection checkpoints its log and removes it
    return seeded, time.perf_counter() - started


def cached_sqlite(reseed: bool) -> tuple[Path, Seeded, float | None]:
    """The seeded SQLite file for this seed version and schema, seeding it first if it is not cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = schema_key()
    path, meta = CACHE / f"year-{key}.db", CACHE / f"year-{key}.json"
    if path.exists() and meta.exists() and not reseed:
        log(f"using the cached year {path}")
        return path, Seeded.from_json(json.loads(meta.read_text())), None
    partial = CACHE / f"year-{key}.partial.db"
    for stale in (partial, meta, path):
        stale.unlink(missing_ok=True)
    log(f"seeding a year into {partial} (minutes)")
    seeded, seconds = seed_database(f"sqlite:///{partial}")
    partial.rename(path)
    meta.write_text(json.dumps(seeded.to_json()))
    log(f"seeded in {seconds:.0f} s: {seeded.counts}")
    return path, seeded, seconds


def copy_sqlite(source: Path, target: Path) -> str:
    started = time.perf_counter()
    shutil.copyfile(source, target)
    os.sync()  # written out now, not by the kernel during what is timed next
    log(f"copied {source.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - started:.0f} s")
    return f"sqlite:///{target}"


# -- measurements -------------------------------------------------------------------------------


def runtime(url: str, seeded: Seeded) -> Runtime:
    """The bot's runtime over the year: its projects, the bundled flows, the clock at the year's end."""
    settings = Settings(
        storage=StorageSettings(url=url),
        flows=FlowSettings(directory=LIBRARY),
        projects=[ProjectSettings(id=pid, name=name, timezone="Europe/London") for pid, name in seeded.projects],
    )
    return Runtime(settings, Database(url), FlowRegistry.from_directory(LIBRARY), FixedClock(seeded.now))


def summary(seconds: list[float]) -> dict[str, Any]:
    return {
        "min_s": round(min(seconds), 3),
        "median_s": round(statistics.median(seconds), 3),
        "runs_s": [round(s, 3) for s in seconds],
    }


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def measure_digest(rt: Runtime, seeded: Seeded, repeats: int) -> dict[str, Any]:
    seconds: list[float] = []
    built = None
    for _ in range(repeats + 1):  # the first warms up: matplotlib's import, the templates
        with rt.db.session() as session:
            person = people.person_by_telegram_id(session, seeded.facilitator_telegram_id)
            assert person is not None
            elapsed, built = timed(lambda: digest.digest_for(session, rt, person, seeded.now))  # noqa: B023
            seconds.append(elapsed)
    assert built is not None
    return {
        **summary(seconds[1:]),
        "first_s": round(seconds[0], 3),
        "messages": len(built.messages),
        "characters": sum(len(str(message["text"])) for message in built.messages),
        "chart": built.chart_png is not None,
        "sha256": hashlib.sha256(
            json.dumps([built.messages, built.chart_caption], sort_keys=True).encode()
        ).hexdigest()[:16],
    }


def measure_mydata(rt: Runtime, seeded: Seeded, repeats: int) -> dict[str, Any]:
    with rt.db.session() as session:
        person = people.person_by_telegram_id(session, seeded.long_standing_telegram_id)
        assert person is not None and person.id is not None
        data = people.personal_data(session, person.id)
        sender = Sender(person.telegram_user_id, person.chat_id, person.first_name)
        size = {"checkins": len(data.checkins), "answers": len(data.answers), "flags": len(data.flags)}
        first = min(answer.answered_at for answer in data.answers)
    seconds = [timed(lambda: mydata.handle_mydata(rt, MYDATA_UPDATES + n, sender))[0] for n in range(repeats)]  # noqa: B023
    return {**summary(seconds), **size, "answers_since": first.date().isoformat()}


def measure_flags_csv(rt: Runtime, repeats: int) -> dict[str, Any]:
    query: dict[str, object] = {"project_ids": None, "statuses": None, "need": None}
    query |= {"opened_from": None, "opened_to": None}  # `checkin flags export` with no filters
    seconds, csv = [], ""
    for _ in range(repeats):
        elapsed, csv = timed(lambda: reports.flags_csv(rt.settings, **query))
        seconds.append(elapsed)
    return {
        **summary(seconds),
        "flags": csv.count("\n") - 1,
        "bytes": len(csv),
        "sha256": hashlib.sha256(csv.encode()).hexdigest()[:16],
    }


def database_size(db: Database) -> dict[str, float]:
    """MB on disk: the SQLite file and its WAL, or pg_database_size."""
    if db.is_postgresql:
        with db.engine.connect() as connection:
            size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        return {"database_mb": round(size / 1e6, 1)}
    path = Path(db.engine.url.database or "")
    wal = path.with_name(path.name + "-wal")
    main_mb, wal_mb = path.stat().st_size / 1e6, (wal.stat().st_size / 1e6 if wal.exists() else 0.0)
    return {"file_mb": round(main_mb, 1), "wal_mb": round(wal_mb, 1), "total_mb": round(main_mb + wal_mb, 1)}


def table_rows(db: Database) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {
            name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in ("outboxmessage", "processedupdate", "answer", "checkin", "flag")
        }


def measure_prune(db: Database, seeded: Seeded, keep_days: int) -> dict[str, Any]:
    """storage/retention.prune, [storage] keep_days as configured, at the year's end."""
    before, rows_before = database_size(db), table_rows(db)
    try:
        from storage import retention
    except ImportError:  # HOOK: storage/retention.py not written yet; call its prune(...) here once it is
        return {"available": False, "size_before": before, "rows_before": rows_before}
    policy = retention.RetentionPolicy(keep_days=keep_days)
    seconds, removed = timed(lambda: retention.prune(db, seeded.now, policy))
    result = {"available": True, "keep_days": keep_days, "seconds": round(seconds, 1), "removed": removed}
    result |= {"size_before": before, "size_after": database_size(db)}
    result |= {"rows_before": rows_before, "rows_after": table_rows(db)}
    if not db.is_postgresql:
        db.dispose()  # the last connection closed checkpoints the log and removes it: what the file holds
        result["size_after_checkpoint"] = database_size(db)
    return result


# -- the reply benchmark on a year ---------------------------------------------------------------


def prepare_for_replies(url: str, seeded: Seeded) -> None:
    """The year as if it ended now, so the bot under test has nothing of its own to do: check-ins
    still to come and facilitators' next digests stay ahead of the clock, flags that would have
    gone past their service level since are escalated, ideas already due for a monthly summary
    are marked told, and questions that may not have arrived are marked followed up
    (bot/partners/lost_messages.py)."""
    db = Database(url)
    now = datetime.now(UTC)
    shift = max(timedelta(0), now - seeded.now) + timedelta(days=1)
    with db.session() as session:
        rows = session.execute(select(Checkin.id, Checkin.due_at).where(Checkin.status == "scheduled")).all()
        moved = [{"c_id": checkin_id, "c_due": due + shift} for checkin_id, due in rows]
        session.connection().execute(
            update(Checkin).where(col(Checkin.id) == bindparam("c_id")).values(due_at=bindparam("c_due")), moved
        )
        session.execute(
            update(Membership).where(col(Membership.next_digest_at).is_not(None)).values(next_digest_at=now + shift)
        )
        sla = Settings().flags.sla_hours
        for flag in session.exec(select(Flag).where(Flag.status == "open", col(Flag.escalated_at).is_(None))):
            if flag.severity in sla:
                flag.escalated_at = flag.opened_at + timedelta(hours=sla[flag.severity])
        session.execute(
            update(Idea)
            .where(col(Idea.decided_at) < month_start(now), col(Idea.reported_at).is_(None))
            .values(reported_at=now)
        )
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.ref).is_not(None), col(OutboxMessage.followed_up_at).is_(None))
            .where(col(OutboxMessage.status).in_(("failed", "uncertain")))
            .values(followed_up_at=now)
        )
    db.dispose()


def run_replies(partners: int, db_file: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "replies.jsonl"
        command = [sys.executable, "-m", "bench.replies", "--partners", str(partners), "--unpaced"]
        command += ["--json", str(out)] + (["--db-file", str(db_file)] if db_file else [])
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        result: dict[str, Any] = json.loads(out.read_text().splitlines()[-1])
    result["contents"] = "year" if db_file else "empty"
    return result


def replies_base(year: str, cache: Path, pruned: Path | None, seeded: Seeded, keep_days: int, workdir: Path) -> Path:
    """The year the reply benchmark starts from: as the bot keeps it, pruned to ``keep_days`` (the copy
    the prune step pruned, or a new one pruned here), or as seeded, every message of the year still
    there (the bot's own hourly prune then starts one minute into the run: the first prune after
    an upgrade)"""
    if year == "pruned" and pruned is not None:
        base = pruned
    else:
        base = workdir / "replies-year.db"
        copy_sqlite(cache, base)
        if year == "pruned":
            from storage import retention

            log("pruning the year for the reply benchmark")
            db = Database(f"sqlite:///{base}")
            retention.prune(db, seeded.now, retention.RetentionPolicy(keep_days=keep_days))
            db.dispose()
    prepare_for_replies(f"sqlite:///{base}", seeded)
    return base


def measure_replies(base: Path, year: str, seeded: Seeded, runs: int, partners: int) -> dict[str, Any]:
    results = []
    for n in range(runs):
        for db_file in (None, base):
            log(f"replies {n + 1}/{runs} on {'the year' if db_file else 'an empty database'}")
            results.append(run_replies(partners, db_file))
            log(
                f"  {results[-1]['check_ins_per_second']} check-ins/s, "
                f"{results[-1]['bot_cpu_ms_per_message']} CPU ms a message, p95 {results[-1]['latency_ms_p95']} ms"
            )
    base.unlink()

    def figures(contents: str) -> dict[str, list[float]]:
        mine = [r for r in results if r["contents"] == contents]
        return {
            key: [r[key] for r in mine] for key in ("check_ins_per_second", "bot_cpu_ms_per_message", "latency_ms_p95")
        }

    year_figures, empty = figures("year"), figures("empty")
    ratio = {
        "check_ins_per_second": round(
            statistics.median(year_figures["check_ins_per_second"]) / statistics.median(empty["check_ins_per_second"]),
            3,
        ),
        "bot_cpu_ms_per_message": round(
            statistics.median(year_figures["bot_cpu_ms_per_message"])
            / statistics.median(empty["bot_cpu_ms_per_message"]),
            3,
        ),
    }
    return {"partners": partners, "year_as": year, "empty": empty, "year": year_figures} | {
        "year_over_empty_medians": ratio,
        "runs": results,
    }


# -- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.year", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--server", default=SERVER, help="the PostgreSQL server to seed a database on (--db postgresql)"
    )
    parser.add_argument(
        "--steps", help=f"which measurements, of {','.join(STEPS)} (default: all; on PostgreSQL all but replies)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each measurement (min and median)")
    parser.add_argument("--flags-repeats", type=int, default=3, help="timed runs of the flags export (slower)")
    parser.add_argument("--keep-days", type=int, default=30, help="[storage] keep_days for the pruning")
    parser.add_argument("--replies-runs", type=int, default=3, help="interleaved pairs of reply benchmarks")
    parser.add_argument("--replies-partners", type=int, default=1000)
    parser.add_argument(
        "--replies-year",
        choices=["pruned", "as-seeded"],
        default="pruned",
        help="the year the reply benchmark starts from: pruned to --keep-days, as the bot keeps it (default), "
        "or as seeded (the bot's own first prune then runs during the benchmark)",
    )
    parser.add_argument("--reseed", action="store_true", help="seed the SQLite file again even if it is cached")
    parser.add_argument("--json", type=Path, default=RESULTS, help="append the figures as one JSON line here")
    parser.add_argument("--no-json", action="store_true", help="print the figures only")
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="PostgreSQL: keep the seeded database (its name is logged) for a look",
    )
    args = parser.parse_args()
    steps = [
        step for step in (args.steps or ",".join(STEPS[:-1] if args.db == "postgresql" else STEPS)).split(",") if step
    ]
    unknown = [step for step in steps if step not in STEPS]
    if unknown:
        parser.error(f"unknown step(s) {unknown}: use {', '.join(STEPS)}")
    if "replies" in steps and args.db != "sqlite":
        parser.error("the reply benchmark starts from a copy of the SQLite year (bench.replies --db-file): --db sqlite")

    result: dict[str, Any] = {
        "benchmark": "year",
        "measured": datetime.now(UTC).isoformat(timespec="minutes"),
        "database": args.db,
        "seed": schema_key(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(load, 1) for load in os.getloadavg()],
    }
    workdir = Path(tempfile.mkdtemp(prefix="checkin-year-"))
    url = ""
    try:
        if args.db == "sqlite":
            cache, seeded, seed_seconds = cached_sqlite(args.reseed)
            url = copy_sqlite(cache, workdir / "year.db")
        else:
            url = create_postgres_database(args.server, f"checkin_year_{uuid.uuid4().hex[:8]}")
            log(f"seeding a year into {url.rsplit('/', 1)[-1]} (minutes)")
            seeded, seed_seconds = seed_database(url)
            log(f"seeded in {seed_seconds:.0f} s: {seeded.counts}")
        result |= {"seeded": seeded.counts, "year_ends": seeded.now.isoformat(timespec="minutes")}
        if seed_seconds is not None:
            result["seed_seconds"] = round(seed_seconds)
        rt = runtime(url, seeded)
        if "digest" in steps:
            log("digest")
            result["digest"] = measure_digest(rt, seeded, args.repeats)
            log(f"  {result['digest']}")
        if "mydata" in steps:
            log("/mydata")
            result["mydata"] = measure_mydata(rt, seeded, args.repeats)
            log(f"  {result['mydata']}")
        if "flags" in steps:
            log("flags export")
            result["flags_csv"] = measure_flags_csv(rt, args.flags_repeats)
            log(f"  {result['flags_csv']}")
        if "prune" in steps:
            log("size and pruning")
            result["prune"] = measure_prune(rt.db, seeded, args.keep_days)
            log(f"  {result['prune']}")
        else:
            result["size"] = database_size(rt.db)
        rt.db.dispose()
        pruned = None
        if args.db == "sqlite":
            work = Path(url.removeprefix("sqlite:///"))
            if "prune" in steps and "replies" in steps and args.replies_year == "pruned":
                pruned = work  # the reply benchmark starts from it
            else:
                work.unlink()
        if "replies" in steps:
            base = replies_base(args.replies_year, cache, pruned, seeded, args.keep_days, workdir)
            result["replies"] = measure_replies(
                base, args.replies_year, seeded, args.replies_runs, args.replies_partners
            )
            log(f"  replies, year over empty (medians): {result['replies']['year_over_empty_medians']}")
    finally:
        if url.startswith("postgresql") and not args.keep_database:
            drop_postgres_database(url)
        elif url.startswith("postgresql"):
            log(f"kept {url.rsplit('/', 1)[-1]}: drop it with DROP DATABASE when done")
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result))
    if not args.no_json:
        with args.json.open("a", encoding="utf-8") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
