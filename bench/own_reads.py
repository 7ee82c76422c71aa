"""Reads of a client that reads back only its own statements ("write_own"), among many statements of others.

    .venv/bin/python bench/own_reads.py --database-url postgresql://postgres@127.0.0.1:5432/test
        [--others 1000000] [--own 20] [--requests 50] [--without-index]

Such a client (content whose key its users can see) asks GET /xapi/statements with no filter: the LRS answers
with its newest statements only. In a database of its own on the server given (created, then dropped), the
script stores --own statements through that client (the LRS's own store()), then --others copies of a statement
of another client straight into the table by SQL (the unfiltered read looks at no other table), ANALYZE, and times
--requests GETs (limit 10, then a page's worth, 100) in-process through Flask's test client (no HTTP server):
p50 and p95. --without-index drops ix_xapi_statement_client_seq first, to measure the read as it was."""
import argparse
import base64
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.config import TestConfig  # noqa: E402
from app.extensions import db  # noqa: E402
from scratch import scratch_database  # noqa: E402  (bench/, beside this script)


def a_statement(number: int) -> dict:
    return {"id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "name": f"Learner {number}",
                      "mbox": f"mailto:learner{number}@example.org"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
            "object": {"id": f"https://content.example.org/lessons/{number % 40}",
                       "definition": {"name": {"en-US": f"Lesson {number % 40}"}}},
            "timestamp": "2026-12-06T10:00:00Z"}


def run(database_url: str, others: int, own: int, requests: int, without_index: bool) -> None:
    from app.xapi.clients import create_client
    from app.xapi.models import ClientScope, Statement
    from app.xapi.clients import authority_of
    from app.xapi.services import store

    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url})
    app = create_app(config)
    admin = type("Admin", (), {"is_admin": True, "id": None})()
    with app.app_context(), app.test_request_context():
        db.create_all()
        if without_index:
            db.session.execute(sa.text("DROP INDEX ix_xapi_statement_client_seq"))
        content, secret = create_client(admin, "content", ClientScope.WRITE_OWN)
        other, _ = create_client(admin, "another platform")
        db.session.flush()
        store([a_statement(number) for number in range(own)], authority_of(content), client_id=content.id)
        data = json.dumps(a_statement(0))
        started = time.perf_counter()
        db.session.execute(sa.text(
            "INSERT INTO xapi_statement (id, stored, timestamp, verb_id, is_voided, is_voiding, client_id, data) "
            "SELECT gen_random_uuid(), now(), now(), 'http://adlnet.gov/expapi/verbs/experienced', false, false, "
            ":client, CAST(:data AS json) FROM generate_series(1, :count)"),
            {"client": other.id, "data": data, "count": others})
        db.session.commit()
        db.session.execute(sa.text("ANALYZE xapi_statement"))
        db.session.commit()
        stored = db.session.scalar(sa.select(sa.func.count()).select_from(Statement))
        print(f"{stored:,} statements stored ({own} of the client) in {time.perf_counter() - started:.0f} s; "
              f"index {'dropped' if without_index else 'in place'}", flush=True)
        key = content.key
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
    client = app.test_client()
    for limit in (10, 100):
        times = []
        for _ in range(requests + 1):
            started = time.perf_counter()
            response = client.get(f"/xapi/statements?limit={limit}", headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            assert len(response.json["statements"]) == min(limit, own)
        times = sorted(times[1:])  # (the first warms the caches)
        print(f"GET /xapi/statements?limit={limit}: p50 {statistics.median(times):.1f} ms, "
              f"p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (a database of its own is made)")
    parser.add_argument("--others", type=int, default=1_000_000, help="statements of another client")
    parser.add_argument("--own", type=int, default=20, help="statements of the client that reads")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per limit (after one warm-up)")
    parser.add_argument("--without-index", action="store_true", help="drop ix_xapi_statement_client_seq first")
    args = parser.parse_args()
    print(f"Own reads, {time.strftime('%Y-%m-%d %H:%M')} UTC", flush=True)
    with scratch_database(args.database_url) as url:
        run(url, args.others, args.own, args.requests, args.without_index)


if __name__ == "__main__":
    main()
