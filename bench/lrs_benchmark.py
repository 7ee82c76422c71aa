"""LRS benchmark: Itinera (gunicorn, 2 workers, PostgreSQL) next to the floor of raw inserts, and Ralph.

    .venv/bin/python bench/lrs_benchmark.py [--database-url postgresql://postgres@127.0.0.1:5432/test]
        [--batch-statements 10000] [--rounds 3] [--singles 3000] [--stored 1000000] [--queries 400] [--no-ralph]

All in one run, on one machine:

1. The floor: the same statements, in the same batches of 100, inserted raw into a bare table
   ``bench_floor(id uuid primary key, data json)`` with psycopg ``executemany`` and one commit per batch,
   from 2 connections at once (as many as the LRS has workers).
2. Itinera: POST /xapi/statements with batches of 100 from 2 clients at once -> statements/s, ratio to the floor.
   Steps 1 and 2 alternate, in --rounds rounds with the same statements for both; the table gives medians.
3. Itinera: single statements POSTed by 16 concurrent clients -> statements/s, p50 and p95 latency.
4. Itinera with --stored statements (1 million by default; loaded in-process through the LRS's own store(),
   then ANALYZE): GET /xapi/statements?agent=... and ?activity=... with limit=25 and limit=100 -> p50, p95.
5. The same loads against Ralph (PyPI ralph-malph 5.1.0, filesystem backend, its own uvicorn server), installed
   into a separate virtual environment under $TMPDIR (nothing of Ralph is kept in this repository). Its
   statement file is filled directly with the same --stored statements for step 4.

Prints a table; BENCHMARKS.md records the results of a run."""
import argparse
import base64
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
VERBS = ["http://adlnet.gov/expapi/verbs/experienced", "http://adlnet.gov/expapi/verbs/completed",
         "http://adlnet.gov/expapi/verbs/passed", "http://adlnet.gov/expapi/verbs/answered",
         "http://adlnet.gov/expapi/verbs/attempted"]
AGENTS, ACTIVITIES, COURSES = 2000, 1000, 20


def statement(rng: random.Random) -> dict:
    """A realistic statement: a learner, a module of a course, a result, a registration, a parent course."""
    learner, activity = rng.randrange(AGENTS), rng.randrange(ACTIVITIES)
    course = activity % COURSES
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": {"objectType": "Agent", "name": f"Learner {learner}",
                  "mbox": f"mailto:learner{learner}@example.org"},
        "verb": {"id": rng.choice(VERBS), "display": {"en-US": "did"}},
        "object": {"objectType": "Activity", "id": f"http://example.org/courses/{course}/modules/{activity}",
                   "definition": {"name": {"en-US": f"Module {activity}"},
                                  "type": "http://adlnet.gov/expapi/activities/module"}},
        "result": {"score": {"scaled": round(rng.random(), 2)}, "completion": True, "duration": "PT12M"},
        "context": {"registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "contextActivities": {"parent": [{"id": f"http://example.org/courses/{course}"}]},
                    "platform": "bench"},
        "timestamp": "2026-11-27T10:00:00.000Z",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"nothing answers at {url}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# --- loads ------------------------------------------------------------------------------------------------

def post_batches(url: str, headers: dict, batches: list[list[dict]], clients: int) -> float:
    """POST every batch from ``clients`` threads; returns statements per second."""
    bodies = [json.dumps(batch) for batch in batches]

    def work(share):
        with httpx.Client(timeout=120) as client:
            for body in share:
                response = client.post(url, content=body, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{response.status_code}: {response.text[:300]} (server log: "
                                       f"{Path(tempfile.gettempdir()) / 'itinera-bench-gunicorn.log'})")

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(bodies[k::clients],)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(len(b) for b in batches) / (time.perf_counter() - started)


def post_singles(url: str, headers: dict, statements: list[dict], clients: int) -> tuple[float, float, float]:
    """POST each statement alone from ``clients`` concurrent clients: statements/s, p50 and p95 in ms."""
    latencies = []
    lock = threading.Lock()
    bodies = [json.dumps(s) for s in statements]

    def work(share):
        with httpx.Client(timeout=120) as client:
            for body in share:
                started = time.perf_counter()
                response = client.post(url, content=body, headers=headers)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(f"{response.status_code}: {response.text[:300]} (server log: "
                                       f"{Path(tempfile.gettempdir()) / 'itinera-bench-gunicorn.log'})")
                with lock:
                    latencies.append(elapsed * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, [bodies[k::clients] for k in range(clients)]))
    rate = len(bodies) / (time.perf_counter() - started)
    return rate, percentile(latencies, 0.5), percentile(latencies, 0.95)


def timed_gets(url: str, headers: dict, params: list[dict]) -> tuple[float, float]:
    latencies = []
    with httpx.Client(timeout=120) as client:
        for query in params:
            started = time.perf_counter()
            response = client.get(url, params=query, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    return percentile(latencies, 0.5), percentile(latencies, 0.95)


def floor(dsn: str, batches: list[list[dict]], connections: int) -> float:
    """Raw inserts of the same statements into a bare table, one commit per batch."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_floor")
        connection.execute("CREATE TABLE bench_floor (id uuid PRIMARY KEY, data json)")

    def work(share):
        with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
            for batch in share:
                cursor.executemany("INSERT INTO bench_floor (id, data) VALUES (%s, %s)",
                                   [(s["id"], json.dumps(s)) for s in batch])
                connection.commit()

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(batches[k::connections],)) for k in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(len(b) for b in batches) / (time.perf_counter() - started)


def query_params(rng: random.Random, count: int, limit: int) -> dict[str, list[dict]]:
    agents = [{"agent": json.dumps({"mbox": f"mailto:learner{rng.randrange(AGENTS)}@example.org"}),
               "limit": limit} for _ in range(count)]
    activities = [{"activity": f"http://example.org/courses/{(a := rng.randrange(ACTIVITIES)) % COURSES}"
                               f"/modules/{a}", "limit": limit} for _ in range(count)]
    return {"agent": agents, "activity": activities}


# --- Itinera ----------------------------------------------------------------------------------------------

class Itinera:
    def __init__(self, server_url: str):
        server = sa.make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
        self.name = f"itinera_bench_{uuid.uuid4().hex[:8]}"
        self.admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        self.url = server.set(database=self.name).render_as_string(hide_password=False)
        self.dsn = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.port = free_port()
        self.log_path = Path(tempfile.gettempdir()) / "itinera-bench-gunicorn.log"
        self.log = self.log_path.open("w")  # the server's errors, should a request fail
        self.env = dict(os.environ, DATABASE_URL=self.url, SECRET_KEY="bench-secret-key", ITINERA_ENV="production",
                        ITINERA_BASE_URL=f"http://127.0.0.1:{self.port}")
        flask = [PYTHON, "-m", "flask", "--app", "wsgi"]
        subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=self.env, check=True, capture_output=True)
        credentials = json.loads(subprocess.run(flask + ["lrs", "create-client", "bench", "--json"], cwd=ROOT,
                                                env=self.env, check=True, capture_output=True, text=True).stdout)
        token = base64.b64encode(f"{credentials['key']}:{credentials['secret']}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3",
                        "Content-Type": "application/json"}
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True)
        self.endpoint = f"http://127.0.0.1:{self.port}/xapi/statements"
        wait_for(f"http://127.0.0.1:{self.port}/healthz")

    def load(self, rng: random.Random, count: int) -> float:
        """Store ``count`` statements through the LRS's own store(), in-process, batches of 1,000."""
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        from app import create_app
        from app.extensions import db
        from app.xapi import vocabulary
        from app.xapi.services import store

        app = create_app()
        started = time.perf_counter()
        with app.app_context():
            done = 0
            while done < count:
                size = min(1000, count - done)
                store([statement(rng) for _ in range(size)], vocabulary.authority())
                db.session.commit()
                done += size
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            db.engine.dispose()
        return count / (time.perf_counter() - started)

    def close(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


# --- Ralph ------------------------------------------------------------------------------------------------

RALPH_LAUNCHER = '''
import sys
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND  # 5.1.0 refuses a second write otherwise
import uvicorn
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
'''


class Ralph:
    def __init__(self):
        base = Path(os.environ.get("TMPDIR", tempfile.gettempdir()))
        self.venv = base / "ralph-bench-venv"
        python = self.venv / "bin" / "python"
        if not python.exists():
            subprocess.run([PYTHON, "-m", "venv", str(self.venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "ralph-malph[cli,lrs,backend-fs]==5.1.0",
                            "requests"],  # its OIDC module imports requests without declaring it
                           check=True)
        self.home = Path(tempfile.mkdtemp(prefix="ralph-bench-"))
        self.data = self.home / "data"
        self.data.mkdir()
        self.port = free_port()
        self.log_path = Path(tempfile.gettempdir()) / "itinera-bench-gunicorn.log"
        self.log = self.log_path.open("w")  # the server's errors, should a request fail
        self.env = dict(os.environ, XDG_CONFIG_HOME=str(self.home), RALPH_RUNSERVER_BACKEND="fs",
                        RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH=str(self.data),
                        RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH=str(self.data))
        subprocess.run([str(self.venv / "bin" / "ralph"), "auth", "-u", "bench", "-p", "bench-password", "-s", "all",
                        "-M", "mailto:bench@example.org", "-w"], env=self.env, check=True, capture_output=True)
        launcher = self.home / "launch_ralph.py"
        launcher.write_text(RALPH_LAUNCHER)
        self.process = subprocess.Popen([str(python), str(launcher), str(self.port)], env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        token = base64.b64encode(b"bench:bench-password").decode()
        self.headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3",
                        "Content-Type": "application/json"}
        self.endpoint = f"http://127.0.0.1:{self.port}/xAPI/statements"
        wait_for(f"http://127.0.0.1:{self.port}/__lbheartbeat__")

    def statement_file(self) -> Path:
        files = list(self.data.rglob("*.jsonl")) + list(self.data.rglob("*.json"))
        return files[0] if files else self.data / "fs_lrs.jsonl"

    def load(self, rng: random.Random, count: int) -> float:
        """Append statements to Ralph's file directly, stored and authority filled as Ralph does."""
        started = time.perf_counter()
        target = self.statement_file()
        authority = {"objectType": "Agent", "mbox": "mailto:bench@example.org"}
        with target.open("a", encoding="utf-8") as handle:
            for _ in range(count):
                item = statement(rng)
                item.update(stored="2026-11-27T10:00:00.000000+00:00", authority=authority)
                handle.write(json.dumps(item) + "\n")
        return count / (time.perf_counter() - started)

    def close(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(30)


# --- the run ----------------------------------------------------------------------------------------------

def batch_rounds(name, lrs, rng, args, floor_dsn=None) -> dict:
    """Batches of 100 from 2 clients, in ``args.rounds`` rounds. With ``floor_dsn`` each round first measures
    the floor with the very statements the LRS then gets: the machine's speed drifts from minute to minute (the
    floor alone has measured from 9,200 to 42,900 statements/s on machines of this kind), so the ratio compares
    the two at the same moment. Medians over the rounds."""
    floors, rates, ratios = [], [], []
    post_batches(lrs.endpoint, lrs.headers, [[statement(rng) for _ in range(100)] for _ in range(5)], 2)  # warm up
    for number in range(1, args.rounds + 1):
        batches = [[statement(rng) for _ in range(100)] for _ in range(args.batch_statements // 100)]
        if floor_dsn:
            floors.append(floor(floor_dsn, batches, 2))
        rates.append(post_batches(lrs.endpoint, lrs.headers, batches, 2))
        line = f"{name}: round {number}: batches {rates[-1]:.0f}/s"
        if floors:
            ratios.append(rates[-1] / floors[-1])
            line += f", floor {floors[-1]:.0f}/s, ratio {ratios[-1]:.2f}"
        print(line, flush=True)
    row = {"name": name, "batch": statistics.median(rates)}
    if floors:
        row["floor"], row["ratio"] = statistics.median(floors), statistics.median(ratios)
    return row


def run_loads(name, lrs, rng, args, floor_dsn=None, floor_rate=None):
    row = batch_rounds(name, lrs, rng, args, floor_dsn)
    if floor_rate and "ratio" not in row:
        row["ratio"] = row["batch"] / floor_rate
    singles = [statement(rng) for _ in range(args.singles)]
    row["single"], row["single_p50"], row["single_p95"] = post_singles(lrs.endpoint, lrs.headers, singles, 16)
    print(f"{name}: batches {row['batch']:.0f}/s; singles {row['single']:.0f}/s "
          f"p50 {row['single_p50']:.0f} ms p95 {row['single_p95']:.0f} ms", flush=True)
    row["load"] = lrs.load(rng, args.stored)
    print(f"{name}: {args.stored} statements stored ({row['load']:.0f}/s)", flush=True)
    for limit in (25, 100):
        params = query_params(rng, args.queries, limit)
        for kind, queries in params.items():
            timed_gets(lrs.endpoint, lrs.headers, queries[:10])  # warm up
            p50, p95 = timed_gets(lrs.endpoint, lrs.headers, queries)
            row[f"get_{kind}_{limit}"] = (p50, p95)
            print(f"{name}: GET by {kind}, limit={limit}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--batch-statements", type=int, default=10_000, help="per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of batches, each after its own floor")
    parser.add_argument("--singles", type=int, default=3_000)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--ralph-queries", type=int, default=40)
    parser.add_argument("--no-ralph", action="store_true")
    args = parser.parse_args()
    print(f"LRS benchmark, {time.strftime('%Y-%m-%d %H:%M')} UTC, {os.cpu_count()} CPUs", flush=True)

    itinera = Itinera(args.database_url)
    try:
        rows = [run_loads("Itinera", itinera, random.Random(1), args, floor_dsn=itinera.dsn)]
        floor_rate = rows[0]["floor"]
        print(f"floor: {floor_rate:.0f} statements/s (median; raw INSERT, batches of 100, 2 connections)",
              flush=True)
    finally:
        itinera.close()
    if not args.no_ralph:
        ralph = Ralph()
        try:
            # one round: its filesystem backend slows as its file grows, and only Itinera's ratio needs rounds
            ralph_args = argparse.Namespace(**{**vars(args), "queries": args.ralph_queries, "rounds": 1})
            rows.append(run_loads("Ralph (fs)", ralph, random.Random(1), ralph_args, floor_rate=floor_rate))
        finally:
            ralph.close()

    print()
    print("| | batches of 100 (st/s) | ratio to floor | singles, 16 clients (st/s) | p50 | p95 | "
          "GET agent p95 (25 / 100) | GET activity p95 (25 / 100) |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| floor (raw INSERT) | {floor_rate:.0f} | 1.00 | | | | | |")
    for row in rows:
        print(f"| {row['name']} | {row['batch']:.0f} | {row.get('ratio', 0):.2f} | {row['single']:.0f} | "
              f"{row['single_p50']:.0f} ms | {row['single_p95']:.0f} ms | "
              f"{row['get_agent_25'][1]:.1f} / {row['get_agent_100'][1]:.1f} ms | "
              f"{row['get_activity_25'][1]:.1f} / {row['get_activity_100'][1]:.1f} ms |")


if __name__ == "__main__":
    main()
