"""GET /xapi/statements by each filter, on a database of realistic size: the time of each and its query plans.

    .venv/bin/python bench/statement_reads.py [--statements 100000] [--repeat 15] [--plans] [--keep]
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--reuse FILE]

In a database of its own (SQLite in a temporary folder by default; on a PostgreSQL server, a database created
there and dropped afterwards), the script stores --statements statements shaped as the pages benchmark's (a
module of a course experienced then completed, by 4,800 learners, each in a registration of their own per course,
the course as the parent), through the LRS's own store() in batches of about 900; voids one statement in 500 (the
voiding statements go through store() as well); spreads the stored times over the weeks the statements cover (30 s
apart, in the order stored); and runs VACUUM ANALYZE on PostgreSQL (as autovacuum would have), nothing on SQLite
(what a small server left alone has). Then it asks each read below through Flask's test client (no HTTP server),
once to warm up and --repeat times: median and p95 in ms, the median CPU time of this process (on SQLite the
queries' work too: a crowded machine stretches the time a request takes much more than the CPU it uses), and the
number of statements returned. --plans prints the plan of every SQL statement each read runs (EXPLAIN QUERY PLAN
on SQLite, EXPLAIN on PostgreSQL). --keep keeps the SQLite file, which --reuse then reads again (another commit's
code on the same statements) instead of storing new ones."""
import argparse
import base64
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.config import TestConfig  # noqa: E402
from app.extensions import db  # noqa: E402
from scratch import scratch_database  # noqa: E402  (bench/, beside this script)

LEARNERS = 4800
COURSES = [("s3-foundations", 4), ("s3-advanced", 6), ("s3-monitoring", 8), ("s3-governance", 10)]
START = datetime(2026, 9, 1, tzinfo=timezone.utc)
UNUSED_VERB = "http://example.org/verbs/unused"  # a verb no statement has: all the other filter's are read


def build(count: int, rng: random.Random) -> dict:
    """Store ``count`` statements (and the voiding ones); returns what the reads ask for."""
    from app.xapi import vocabulary
    from app.xapi.models import Statement
    from app.xapi.services import store

    base = vocabulary.base()
    learners = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(LEARNERS)]
    registrations: dict[tuple[int, str], str] = {}
    done, batch, ids, started = 0, [], [], time.perf_counter()
    while done < count:
        learner, (course, modules) = rng.randrange(LEARNERS), rng.choice(COURSES)
        registration = registrations.setdefault((learner, course), str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        for module in range(1, rng.randint(1, modules) + 1):
            for verb in (vocabulary.EXPERIENCED, vocabulary.COMPLETED):
                batch.append({
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "actor": {"objectType": "Agent", "account": {"homePage": base, "name": learners[learner]}},
                    "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
                    "object": {"objectType": "Activity", "id": vocabulary.module_iri(course, f"module-{module}")},
                    "context": {"registration": registration, "revision": "1", "platform": "Itinera",
                                "contextActivities": {"parent": [{"id": vocabulary.course_iri(course),
                                                                  "objectType": "Activity"}]}},
                    "timestamp": "2026-11-27T10:00:00Z"})
        if len(batch) >= 900 or done + len(batch) >= count:
            store(batch, vocabulary.authority())
            db.session.commit()
            ids += [(s["id"], s["actor"]) for s in batch[::500]]
            done, batch = done + len(batch), []
    voiding = [{"actor": actor, "verb": {"id": vocabulary.VOIDED, "display": {"en-US": "voided"}},
                "object": {"objectType": "StatementRef", "id": target}} for target, actor in ids]
    for start in range(0, len(voiding), 1000):
        store(voiding[start:start + 1000], vocabulary.authority())
        db.session.commit()
    rows = db.session.execute(sa.select(Statement.seq).order_by(Statement.seq)).scalars().all()
    db.session.execute(sa.update(Statement), [{"seq": seq, "stored": START + timedelta(seconds=30 * k)}
                                              for k, seq in enumerate(rows)])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # as autovacuum would have done by then (the update left dead rows)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    print(f"  {done} statements and {len(voiding)} voiding ones stored in {time.perf_counter() - started:.0f} s",
          flush=True)
    middle = START + timedelta(seconds=30 * len(rows) // 2)
    (learner, course), registration = next(iter(registrations.items()))  # the first learner who started
    return {
        "agent": json.dumps({"account": {"homePage": base, "name": learners[learner]}}),
        "module": vocabulary.module_iri(course, "module-2"),
        "course": vocabulary.course_iri(course),
        "registration": registration,
        "since": middle.isoformat().replace("+00:00", "Z"),
        "until": (middle - timedelta(days=7)).isoformat().replace("+00:00", "Z"),
        "late": (START + timedelta(seconds=30 * (len(rows) - 200))).isoformat().replace("+00:00", "Z"),
        "completed": vocabulary.COMPLETED,
        "voided": vocabulary.VOIDED,
    }


def reads(v: dict) -> list[tuple[str, dict]]:
    return [
        ("(no filter)", {}),
        ("verb=completed", {"verb": v["completed"]}),
        ("verb=completed&ascending=true", {"verb": v["completed"], "ascending": "true"}),
        ("verb=completed&since=<middle>", {"verb": v["completed"], "since": v["since"]}),
        ("verb=voided (rare)", {"verb": v["voided"]}),
        ("activity=<module>", {"activity": v["module"]}),
        ("activity=<module>&ascending=true", {"activity": v["module"], "ascending": "true"}),
        ("activity=<course>&related_activities=true", {"activity": v["course"], "related_activities": "true"}),
        ("activity=<module>&verb=completed", {"activity": v["module"], "verb": v["completed"]}),
        ("activity=<course>&related_activities=true&verb=completed",
         {"activity": v["course"], "related_activities": "true", "verb": v["completed"]}),
        ("activity=<module>&verb=<none of its statements'>", {"activity": v["module"], "verb": UNUSED_VERB}),
        ("agent=<learner>", {"agent": v["agent"]}),
        ("agent=<learner>&related_agents=true", {"agent": v["agent"], "related_agents": "true"}),
        ("agent=<learner>&verb=completed", {"agent": v["agent"], "verb": v["completed"]}),
        ("registration=<one>", {"registration": v["registration"]}),
        ("since=<middle>", {"since": v["since"]}),
        ("until=<a week before the middle>", {"until": v["until"]}),
        ("since=<middle>&ascending=true", {"since": v["since"], "ascending": "true"}),
        ("until=<a week before the middle>&ascending=true", {"until": v["until"], "ascending": "true"}),
        ("since=<the last 200>", {"since": v["late"]}),
        ("since=<the last 200>&ascending=true", {"since": v["late"], "ascending": "true"}),
        ("ascending=true", {"ascending": "true"}),
        ("verb=completed, its 2nd page (more)", {"verb": v["completed"], "_more": True}),
        ("activity=<module>, its 2nd page (more)", {"activity": v["module"], "_more": True}),
    ]


def plans(sql_statements: list[tuple[str, object]]) -> list[str]:
    out = []
    with db.engine.connect() as connection:
        for sql, params in sql_statements:
            if db.engine.dialect.name == "sqlite":
                rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
                lines = [f"    {'  ' * depth(rows, row)}{row[3]}" for row in rows]
            else:
                lines = ["    " + row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql, params).all()]
            out.append("  " + " ".join(sql.split())[:200] + "\n" + "\n".join(lines))
    return out


def depth(rows, row) -> int:
    parents = {r[0]: r[1] for r in rows}
    level, parent = 0, row[1]
    while parent in parents:
        level, parent = level + 1, parents[parent]
    return level


def measure(app, headers: dict, values: dict, repeat: int, show_plans: bool) -> list[tuple]:
    captured: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    client = app.test_client()
    results = []
    for label, params in reads(values):
        more = params.pop("_more", False)
        path, query = "/xapi/statements", params
        if more:
            first = client.get(path, query_string=params, headers=headers).get_json()
            if not first["more"]:  # a small --statements: one page holds them all
                print(f"  {label}: no second page", flush=True)
                continue
            path, query = first["more"], None
        times, cpu, answer = [], [], None
        for attempt in range(repeat + 1):
            captured.clear()
            sa.event.listen(engine, "before_cursor_execute", listener)
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path, query_string=query, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            sa.event.remove(engine, "before_cursor_execute", listener)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            answer = response.get_json()
        timed, cpu = sorted(times[1:]), sorted(cpu[1:])
        p95 = timed[min(len(timed) - 1, round(0.95 * (len(timed) - 1)))]
        results.append((label, len(answer["statements"]), statistics.median(timed), p95, statistics.median(cpu)))
        print(f"  {label}: {len(answer['statements'])} statements, median {statistics.median(timed):.1f} ms, "
              f"p95 {p95:.1f} ms, CPU {statistics.median(cpu):.1f} ms", flush=True)
        if show_plans:
            with app.app_context():
                for text in plans([c for c in captured if "xapi_statement" in c[0]]):
                    print(text, flush=True)
    return results


def run(database_url: str, count: int, repeat: int, show_plans: bool, reuse: Path | None = None) -> None:
    from app.auth.services import SYSTEM
    from app.xapi.clients import create_client

    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url})
    app = create_app(config)
    with app.app_context(), app.test_request_context():
        backend = db.engine.dialect.name
        if reuse:
            count = db.session.scalar(sa.text("SELECT count(*) FROM xapi_statement WHERE NOT is_voiding"))
        print(f"Statement reads, {time.strftime('%Y-%m-%d %H:%M')} UTC, {backend}, {count} statements", flush=True)
        if reuse:
            values = json.loads(reuse.read_text())
        else:
            db.create_all()
            values = build(count, random.Random(20261207))
            if backend == "sqlite":  # for --reuse
                Path(database_url.removeprefix("sqlite:///")).with_suffix(".json").write_text(json.dumps(values))
        client, secret = create_client(SYSTEM, "Bench reader")
        db.session.commit()
        key = client.key
        db.session.remove()
    headers = {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
               "X-Experience-API-Version": "1.0.3"}
    results = measure(app, headers, values, repeat, show_plans)
    print(f"\n| read ({backend}, {count} statements) | statements | median ms | p95 ms | CPU ms |")
    print("|---|---|---|---|---|")
    for label, returned, median, p95, cpu in results:
        print(f"| {label} | {returned} | {median:.1f} | {p95:.1f} | {cpu:.1f} |")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per read (after one warm-up)")
    parser.add_argument("--plans", action="store_true", help="print the plan of each SQL statement")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server (a database of its own is created there); SQLite by default")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file (its path is printed)")
    parser.add_argument("--reuse", type=Path, help="a SQLite file kept by --keep: its statements, not new ones")
    args = parser.parse_args()
    if args.reuse:
        run(f"sqlite:///{args.reuse}", args.statements, args.repeat, args.plans, args.reuse.with_suffix(".json"))
        return
    folder = tempfile.mkdtemp(prefix="itinera-reads-")
    try:
        with scratch_database(args.database_url, folder) as url:
            run(url, args.statements, args.repeat, args.plans)
    finally:
        if args.keep and not args.database_url:
            print(f"kept: {folder}/bench.db")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
