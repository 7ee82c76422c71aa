"""The retention sweeps (what `flask purge` runs, and what requests run beside their work every SWEEP_SECONDS): the
plan and the time of each sweep's query on tables of realistic size, and the time of the writes beside them.

    .venv/bin/python bench/sweeps.py [--scale 200000] [--due 2000] [--repeat 15] [--plans]
        [--database-url postgresql://postgres@127.0.0.1:5432/test]

In a database of its own (SQLite in a temporary folder by default; on a PostgreSQL server, a database created
there and dropped afterwards), the script fills each swept table with --due rows past their time (the oldest) and
--scale rows kept, and measures each sweep (a site where nothing swept for a while: each sweep takes SWEEP_LIMIT of
them); then it deletes the rows due and measures again (none due: what every sweep finds on a site whose cron ran
`flask purge` today, most of the time). The tables: jobs (90 % done, 9 % failed, the rest queued, running or
waiting for a retry), the outbox (sent, logged, cancelled, failed and queued e-mails), both with their failed ones
kept 90 days; the forwarding queue (statements waiting or refused, with the newest delivery; the delivered ones go
once the remote took a newer one, XAPI_FORWARD_SENT_DAYS = 0); password-reset and invitation links of 500 people
(invitations stay). PostgreSQL gets VACUUM ANALYZE after loading and after the deletion (as autovacuum would have),
SQLite nothing.

Each sweep runs once to warm up and --repeat times, each in a transaction rolled back: the median and p95 in ms.
--plans prints the plan of each sweep's SQL (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL). Then the writes
the sweeps sit beside: a job enqueued, an e-mail queued, a statement queued for forwarding, each one row in a
transaction of its own, committed (--writes of each, sweeps off): the median and p95 in ms."""
import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.db import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from scratch import people, scratch_app  # noqa: E402  (bench/, beside this script)

CHUNK = 5000


def insert(model, rows) -> None:
    rows = list(rows)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model), rows[start:start + CHUNK])
    db.session.commit()


def fill(scale: int, due: bool, rng: random.Random, users: list[int]) -> None:
    """``scale`` rows in each swept table: kept ones (inside their time) or, ``due``, past it."""
    from app.auth.models import AccountToken, TokenPurpose
    from app.jobs.models import Job, JobStatus
    from app.notifications.models import MailStatus, OutboxMessage
    from app.xapi.models import ForwardQueue, Statement

    now = utcnow()

    def ago(low_days: float, high_days: float):
        return now - timedelta(days=rng.uniform(low_days, high_days))

    def job(n: int) -> dict:
        pick = rng.random()
        status = (JobStatus.DONE if pick < 0.9 else JobStatus.FAILED if pick < 0.99 else
                  rng.choice([JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING]))
        if due and status in (JobStatus.DONE, JobStatus.FAILED):
            finished = ago(31, 60) if status is JobStatus.DONE else ago(91, 120)
        else:
            finished = ago(0, 29) if status is JobStatus.DONE else ago(0, 89) if status is JobStatus.FAILED else None
        return {"func": rng.choice(["app.notifications.services:deliver", "app.xapi.forwarding:send_pending",
                                    "app.auth.tokens:send_password_reset"]),
                "args": [n], "status": status, "attempts": 1, "max_attempts": 4,
                "created_at": (finished or now) - timedelta(seconds=5), "started_at": finished,
                "finished_at": finished}

    insert(Job, (job(n) for n in range(scale)))

    def message(n: int) -> dict:
        pick = rng.random()
        status = (MailStatus.SENT if pick < 0.8 else MailStatus.LOGGED if pick < 0.9 else
                  MailStatus.CANCELLED if pick < 0.94 else MailStatus.FAILED if pick < 0.99 else MailStatus.QUEUED)
        created = ago(31, 60) if due and status is not MailStatus.QUEUED else ago(0, 29)
        if status is MailStatus.FAILED:  # kept JOB_FAILED_DAYS
            created = ago(91, 120) if due else ago(0, 89)
        return {"to_address": f"persona{n}@example.org", "subject": "Itinera", "body": None, "locale": "en",
                "status": status, "created_at": created,
                "sent_at": created + timedelta(seconds=3) if status in (MailStatus.SENT, MailStatus.LOGGED) else None}

    insert(OutboxMessage, (message(n) for n in range(scale)))

    def token(n: int) -> dict:
        purpose = TokenPurpose.PASSWORD_RESET if rng.random() < 0.9 else TokenPurpose.INVITATION
        created = ago(31, 120) if due else ago(0, 29)
        return {"user_id": rng.choice(users), "purpose": purpose, "token_hash": uuid.uuid4().hex + uuid.uuid4().hex,
                "created_at": created, "expires_at": created + timedelta(hours=1)}

    insert(AccountToken, (token(n) for n in range(scale)))

    # statements queued for forwarding: waiting (the remote is down) or refused, and delivered ones when due
    first = (db.session.scalar(sa.select(sa.func.max(Statement.seq))) or 0) + 1
    insert(Statement, ({"seq": first + n, "id": uuid.uuid4(), "stored": now, "timestamp": now,
                        "verb_id": "http://adlnet.gov/expapi/verbs/completed", "data": {}} for n in range(scale)))

    def forward(n: int) -> dict:
        queued = ago(0, 29)
        row = {"statement_seq": first + n, "queued_at": queued, "attempts": 0}
        if due:
            row["sent_at"] = queued + timedelta(minutes=1)
        elif rng.random() < 0.05:
            row["failed_at"], row["last_error"], row["attempts"] = queued, "400 Bad Request", 1
        return row

    insert(ForwardQueue, (forward(n) for n in range(scale)))
    if not due:  # the newest delivery stays, and says when the remote last took a statement
        db.session.execute(sa.update(ForwardQueue).where(ForwardQueue.statement_seq == first)
                           .values(sent_at=now - timedelta(minutes=1)))
        db.session.commit()
    analyse()


def analyse() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))


def sweeps() -> list[tuple[str, object, str]]:
    from app.auth.tokens import purge_password_resets
    from app.jobs.services import purge_finished
    from app.notifications.services import purge_outbox
    from app.xapi.forwarding import purge_sent

    return [("jobs done and failed (2 queries)", purge_finished, "job"),
            ("outbox", purge_outbox, "outbox_message"),
            ("forwarding queue", purge_sent, "xapi_forward_queue"),
            ("password-reset links", purge_password_resets, "account_token")]


def plans(captured: list[tuple[str, object]]) -> list[str]:
    out = []
    connection = db.session.connection()
    for sql, params in captured:
        if db.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
            lines = [f"    {row[3]}" for row in rows]
        else:
            lines = ["    " + row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql, params).all()]
        out.append("  " + " ".join(sql.split())[:240] + "\n" + "\n".join(lines))
    return out


def measure(label: str, repeat: int, show_plans: bool) -> list[tuple]:
    results = []
    engine = db.engine
    for name, sweep, table in sweeps():
        captured: list[tuple[str, object]] = []

        def listener(conn, cursor, statement, parameters, context, executemany, table=table):
            if f"FROM {table}" in statement or f"DELETE FROM {table}" in statement:
                captured.append((statement, parameters))

        times, went = [], None
        for attempt in range(repeat + 1):
            captured.clear()
            sa.event.listen(engine, "before_cursor_execute", listener)
            started = time.perf_counter()
            went = sweep()
            times.append((time.perf_counter() - started) * 1000)
            sa.event.remove(engine, "before_cursor_execute", listener)
            db.session.rollback()
        timed = sorted(times[1:])
        p95 = timed[min(len(timed) - 1, round(0.95 * (len(timed) - 1)))]
        went = sum(went) if isinstance(went, tuple) else went
        results.append((label, name, went, statistics.median(timed), p95))
        print(f"  {label}, {name}: {went} rows, median {statistics.median(timed):.1f} ms, p95 {p95:.1f} ms",
              flush=True)
        if show_plans:
            deletes = [c for c in captured if c[0].lstrip().upper().startswith("DELETE")]
            for text in plans(deletes or captured):
                print(text, flush=True)
            db.session.rollback()
    return results


def writes(count: int) -> list[tuple]:
    """One row per transaction, committed, as a request or a job writes them (sweeps off)."""
    from app.jobs.models import Job
    from app.notifications.models import OutboxMessage
    from app.xapi.models import ForwardQueue, Statement

    now = utcnow()
    first = (db.session.scalar(sa.select(sa.func.max(Statement.seq))) or 0) + 1
    insert(Statement, ({"seq": first + n, "id": uuid.uuid4(), "stored": now, "timestamp": now,
                        "verb_id": "http://adlnet.gov/expapi/verbs/completed", "data": {}} for n in range(count)))
    kinds = [("a job enqueued", lambda n: Job(func="app.jobs.services:noop", args=[n], max_attempts=4)),
             ("an e-mail queued", lambda n: OutboxMessage(to_address="bench@example.org", subject="Itinera",
                                                          body="Hello", locale="en")),
             ("a statement queued for forwarding", lambda n: ForwardQueue(statement_seq=first + n, queued_at=now))]
    results = []
    for name, make in kinds:
        times = []
        for n in range(count):
            started = time.perf_counter()
            db.session.add(make(n))
            db.session.commit()
            times.append((time.perf_counter() - started) * 1000)
        timed = sorted(times[10:])
        p95 = timed[min(len(timed) - 1, round(0.95 * (len(timed) - 1)))]
        results.append((name, statistics.median(timed), p95))
        print(f"  {name}: median {statistics.median(timed):.2f} ms, p95 {p95:.2f} ms", flush=True)
    return results


def run(database_url: str | None, scale: int, due: int, repeat: int, show_plans: bool, count: int) -> None:
    from app.auth.models import Role

    with scratch_app(database_url, SWEEP_SECONDS=0) as app, app.test_request_context():
        backend = db.engine.dialect.name
        print(f"Sweeps, {time.strftime('%Y-%m-%d %H:%M')} UTC, {backend}, {scale} rows kept per table, "
              f"then {due} due", flush=True)
        rng = random.Random(20261207)
        users = [user.id for user in people(500, Role.TRAINEE)]
        started = time.perf_counter()
        fill(due, True, rng, users)  # the oldest rows, as on a site where nothing swept for a while
        fill(scale, False, rng, users)
        print(f"  filled in {time.perf_counter() - started:.0f} s", flush=True)
        results = measure(f"{due} due", repeat, show_plans)
        for _name, sweep, _table in sweeps():
            sweep(limit=None)
        db.session.commit()
        analyse()
        results += measure("none due", repeat, show_plans)
        written = writes(count)
    print(f"\n| sweep ({backend}, {scale} rows kept per table) | rows deleted | median ms | p95 ms |")
    print("|---|---|---|---|")
    for label, name, went, median, p95 in results:
        print(f"| {name}, {label} | {went} | {median:.1f} | {p95:.1f} |")
    print(f"\n| write ({backend}, one row, committed) | median ms | p95 ms |")
    print("|---|---|---|")
    for name, median, p95 in written:
        print(f"| {name} | {median:.2f} | {p95:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=200_000, help="rows kept in each swept table")
    parser.add_argument("--due", type=int, default=2000, help="rows past their time added afterwards")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of each sweep (after one warm-up)")
    parser.add_argument("--writes", type=int, default=300, help="rows written one at a time, of each kind")
    parser.add_argument("--plans", action="store_true", help="print the plan of each sweep's SQL")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server (a database of its own is created there); SQLite by default")
    args = parser.parse_args()
    run(args.database_url, args.scale, args.due, args.repeat, args.plans, args.writes)


if __name__ == "__main__":
    main()
