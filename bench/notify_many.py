"""Benchmark: notify N people at once (default 1,000), as adding them to a cohort does.

    .venv/bin/python bench/notify_many.py [--people 1000] [--database-url URL]

Builds a fresh database (SQLite in a temporary folder by default; a PostgreSQL URL gets a database of its own,
dropped afterwards) with N active trainees (every third one with a saved e-mail preference, one in ten saying
no), then times ``notify_many`` (the notifications, the e-mails composed and queued in the outbox) and the commit,
which without Redis also delivers the e-mails in-process (no mail server: the outbox records them). Prints, per
phase, its wall time, the CPU time of this process (steadier on a shared machine; for PostgreSQL, without the
server's work) and the statements sent (an executemany counts once). Best of ``--repeat`` rounds."""
import argparse
import logging
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from scratch import people, scratch_app  # noqa: E402  (bench/, beside this script)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with scratch_app(args.database_url) as app:
        run(app, args.people, args.repeat)


def run(app, count: int, repeat: int) -> None:
    app.logger.setLevel(logging.WARNING)  # no mail server: each e-mail would be written to the log
    with app.test_request_context():
        from app.auth.models import Role, User
        from app.notifications.models import MailStatus, Notification, NotificationPreference, OutboxMessage
        from app.notifications.services import notify_many

        users = people(count, Role.TRAINEE, password_hash="x", locale=lambda n: ("es", "pt_BR", "en")[n % 3])
        db.session.add_all(NotificationPreference(user_id=u.id, kind="added_to_cohort", email=n % 10 != 0)
                           for n, u in enumerate(users) if n % 3 == 0)
        db.session.commit()
        ids = [u.id for u in users]
        statements = [0]
        sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.__setitem__(0, statements[0] + 1))

        def now():
            return time.perf_counter(), time.process_time(), statements[0]

        rounds = []
        for _ in range(repeat):
            db.session.expunge_all()
            users = db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.id)).all()
            started = now()
            notify_many(users, "added_to_cohort", cohort="Cohorte de prueba")
            db.session.flush()
            notified = now()
            db.session.commit()
            delivered = now()
            rounds.append((started, notified, delivered))
        notifications = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
        logged = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                   .where(OutboxMessage.status == MailStatus.LOGGED))
        print(f"database={db.engine.dialect.name} people={count} rounds={repeat} "
              f"notifications={notifications} e-mails logged={logged}")

        def spent(start, end):
            return f"{end[0] - start[0]:6.3f} s, CPU {end[1] - start[1]:6.3f} s, {end[2] - start[2]:5} statements"

        best = min(rounds, key=lambda r: r[2][1] - r[0][1])
        print(f"notify_many (+ flush):        {spent(best[0], best[1])}")
        print(f"commit + in-process delivery: {spent(best[1], best[2])}")
        print(f"total:                        {spent(best[0], best[2])}")


if __name__ == "__main__":
    main()
