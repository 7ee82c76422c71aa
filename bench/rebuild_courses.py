"""Benchmark: `lrs rebuild-progress` on N people (default 3,000) who each did the pilot course's two modules through
outside content, as rebuild_progress() runs it, reconciliation of the courses included.

    .venv/bin/python bench/rebuild_courses.py [--people 3000] [--database-url URL]

A third have their course ``completed`` (nothing to do), a third lack it (their modules were done before the
course statement was recorded), a third have one that a voided module no longer supports. Rebuilds twice (the
second has nothing to reconcile) and prints for each the wall and CPU time, the statements sent to the database,
what it recorded and voided, the peak of memory Python allocated meanwhile (tracemalloc) and the process's resident
memory (RSS) before and after. Nothing of the setup is held during the rebuilds (the session starts empty), as
when `flask lrs rebuild-progress` runs."""
import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from scratch import people, sample_courses, scratch_app  # noqa: E402  (bench/, beside this script)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with scratch_app(args.database_url) as app:
        run(app, args.people)


def run(app, count: int) -> None:
    from app.auth.models import Role
    from app.signals import module_completed, module_undone
    from app.xapi import vocabulary as v
    from app.xapi.services import rebuild_progress, store
    from tests.fixtures.courses import actor, done

    sample_courses(app)
    users = people(count, Role.TRAINEE, email="p{n}@example.org", full_name="Person {n}", position="technician")
    start = time.perf_counter()
    for n, user in enumerate(users):
        if n % 3 == 1:
            with module_completed.muted():
                store([done(user, "intro"), done(user, "practice")], v.authority())
        else:
            stored = store([done(user, "intro"), done(user, "practice")], v.authority())
            if n % 3 == 2:
                with module_undone.muted():
                    store([{"actor": actor(user), "verb": {"id": v.VOIDED},
                            "object": {"objectType": "StatementRef", "id": str(stored[1].id)}}], v.authority())
        if n % 500 == 499:
            db.session.commit()
    db.session.commit()
    print(f"setup: {count} people in {time.perf_counter() - start:.1f} s")
    # until 2026-12-07 the script held its people (and the roles and columns the rebuild loaded into them):
    # some 2 KB each in the peak, which was the script's, not the rebuild's
    del users, user, stored
    db.session.expunge_all()

    sent = [0]
    sa.event.listen(db.engine, "before_cursor_execute", lambda *args: sent.__setitem__(0, sent[0] + 1))
    for run_ in ("first", "again"):  # again: nothing left to reconcile
        sent[0] = 0
        tracemalloc.start()
        wall, cpu = time.perf_counter(), time.process_time()
        rss = resident()
        rebuilt = rebuild_progress()
        db.session.commit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"rebuild ({run_}): {wall:.1f} s wall, {cpu:.1f} s CPU, {sent[0]} SQL statements, "
              f"{rebuilt.rows} rows, {rebuilt.recorded} recorded, {rebuilt.voided} voided, "
              f"peak {peak / 2**20:.1f} MiB, RSS {rss:.0f} -> {resident():.0f} MiB")


def resident() -> float:
    """The resident memory of this process now, in MiB (Linux)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


if __name__ == "__main__":
    main()
