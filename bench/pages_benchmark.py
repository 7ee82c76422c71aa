"""Pages at scale: the SQL queries and the time of every page each role reaches, on a database of realistic size.

    .venv/bin/python bench/pages_benchmark.py [--scale 1.0] [--repeat 5]
        [--database-url postgresql://postgres@127.0.0.1:5432/test]

Builds a fresh database (SQLite in a temporary folder by default; a PostgreSQL URL names a server, on which the
benchmark creates a database of its own and drops it afterwards, never using the one named in the URL). At
--scale 1.0 it holds:

- the demo (countries, frameworks, the shipped course, the demo accounts and cohorts) through ``load_demo``;
- 4 courses of 4 to 10 modules: the shipped course and 3 more copied from it into a temporary content folder,
  synced through the loader like any course;
- 300 institutions and 4,800 trainees (800 in each of 6 countries; one in ten still invited, one in fifty
  inactive), 60 cohorts (10 per country, the first two with 500 members, the others 20 to 300);
- about 20 notifications per person, an invitation e-mail per trainee in the outbox, 2,000 jobs, 5 LRS clients,
  self-assessments and validated levels for half of the trainees, 1 to 4 enrolments each;
- about 200,000 xAPI statements (a module experienced and completed, course by course) stored through the LRS's
  own ``store()`` in batches of about 900;
- 1,000 more notifications for the admin and for the trainee measured, and two import batches of 5,000 rows made
  by the coordinator of Chile through the import service: one imported without invitations (5,000 people still
  to invite), one left at its preview with a problem in every 25th row.

The volume goes in with bulk inserts; --scale multiplies every count above (institutions, trainees, cohorts and
their sizes, jobs, statements; notifications and enrolments follow the people). Then, for each role (the admin,
the coordinator of Chile, a trainer, a trainee of Chile who has started courses) it requests every page that role
reaches through Flask's test client (then an LRS client's reads of /xapi), once to warm up and then --repeat
times, counting the SQL statements of the last request (a ``before_cursor_execute`` listener), and prints a table:
page, role, queries, median ms. Pages that write (a module page records that it was experienced) are requested like
the others. At --scale 1.0 a run takes some minutes, nearly all of it building the data (storing the statements)."""
import argparse
import logging
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.config import TestConfig  # noqa: E402
from app.extensions import db  # noqa: E402
from scratch import scratch_database  # noqa: E402  (bench/, beside this script)

XAPI_KEY: list[str] = []  # the key and secret of an LRS client made by build()
COUNTRIES = ["AR", "BR", "CL", "CO", "MX", "PE"]
EXTRA_COURSES = [("s3-advanced", 6), ("s3-monitoring", 8), ("s3-governance", 10)]
FIRST = ["Ana", "Luis", "María", "José", "Camila", "Diego", "Lucía", "Pedro", "Sofía", "Javier", "Valentina"]
LAST = ["González", "Rodríguez", "Pérez", "Silva", "Muñoz", "Rojas", "Díaz", "Soto", "Contreras", "López"]


def course_folder(target: Path) -> Path:
    """The shipped content plus 3 courses of 6, 8 and 10 modules made from the shipped course's modules."""
    shutil.copytree(ROOT / "courses", target)
    source = target / "s3-foundations"
    modules = sorted((source / "modules").iterdir())
    for n, (slug, count) in enumerate(EXTRA_COURSES):
        course = target / slug
        shutil.copytree(source, course, ignore=shutil.ignore_patterns("modules"))
        completion = []
        for i in range(count):
            base = modules[i % len(modules)]
            module_slug = f"{base.name[3:]}-{i}"
            shutil.copytree(base, course / "modules" / f"{i + 1:02d}-{module_slug}")
            completion.append(f"  {module_slug}: viewed")
        text = (source / "course.yaml").read_text()
        text = re.sub(r"^slug: .*$", f"slug: {slug}", text, count=1, flags=re.M)
        text = re.sub(r"^version: .*$", "version: 1", text, count=1, flags=re.M)
        text = re.sub(r"(title:\n  en: )(.*)", rf"\1\2 {n + 2}", text, count=1)
        text = text.split("completion:")[0] + "completion:\n" + "\n".join(completion) + "\n"
        (course / "course.yaml").write_text(text)
    return target


def build(scale: float, rnd: random.Random) -> None:
    """Fill the database (in an app and request context)."""
    from app.auth.models import AccountToken, Position, Role, TokenPurpose, User, UserRole
    from app.auth.services import SYSTEM
    from app.cohorts.models import CohortMember
    from app.cohorts.services import create_cohort
    from app.competences.models import Framework, SelfAssessment, ValidatedLevel
    from app.courses.models import Course, Enrolment
    from app.db import utcnow
    from app.demo import load_demo
    from app.jobs.models import Job, JobStatus
    from app.notifications.models import MailStatus, Notification, OutboxMessage
    from app.places.models import Institution, InstitutionLevel
    from app.text import search_key
    from app.xapi import vocabulary
    from app.xapi.models import LrsClient
    from app.imports.services import preview, run_import
    from app.xapi.clients import create_client
    from app.xapi.services import store

    started = time.perf_counter()

    def step(what: str) -> None:
        print(f"  {what} ({time.perf_counter() - started:.0f} s)", flush=True)

    load_demo("itinera-demo-pass")
    db.session.commit()
    now = utcnow()
    db.session.execute(sa.insert(Institution), [
        dict(name=(name := f"Institución {cc} {i:03d}"), name_key=search_key(name), country_code=cc,
             level=rnd.choice(list(InstitutionLevel)), created_at=now)
        for cc in COUNTRIES for i in range(max(1, int(50 * scale)))])
    institutions = {cc: db.session.scalars(sa.select(Institution.id).where(Institution.country_code == cc)).all()
                    for cc in COUNTRIES}
    password_hash = db.session.scalar(sa.select(User.password_hash).where(User.email == "admin@itinera.test"))
    rows, n = [], 0
    for cc in COUNTRIES:
        for i in range(int(800 * scale)):
            n += 1
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)} {n}"
            rows.append(dict(uuid=uuid.uuid4(), email=f"t{n}.{cc.lower()}@example.org", full_name=name,
                             name_key=search_key(name), password_hash=None if i % 10 == 0 else password_hash,
                             locale="es", country_code=cc, institution_id=rnd.choice(institutions[cc]),
                             position=rnd.choice(list(Position)), is_active=i % 50 != 1, created_at=now,
                             session_version=1))
    db.session.execute(sa.insert(User), rows)
    trainees = db.session.execute(sa.select(User.id, User.country_code, User.uuid)
                                  .where(User.email.like("t%@example.org"))).all()
    db.session.execute(sa.insert(UserRole), [dict(user_id=u, role=Role.TRAINEE) for u, _, _ in trainees])
    invited = db.session.scalars(sa.select(User.id).where(User.password_hash.is_(None))).all()
    db.session.execute(sa.insert(AccountToken), [
        dict(user_id=u, purpose=TokenPurpose.INVITATION, token_hash=uuid.uuid4().hex + uuid.uuid4().hex,
             created_at=now, expires_at=now + timedelta(days=14)) for u in invited])
    db.session.commit()
    step(f"{len(trainees)} trainees in {sum(map(len, institutions.values()))} institutions")

    by_country = {cc: [u for u, c, _ in trainees if c == cc] for cc in COUNTRIES}
    for cc in COUNTRIES:
        for k in range(max(2, int(10 * scale))):
            cohort = create_cohort(SYSTEM, name=f"Cohorte {cc} {k:02d}", country_code=cc)
            size = (min(int(500 * scale), len(by_country[cc])) if k < 2
                    else rnd.randint(20, max(20, int(300 * scale))))
            db.session.execute(sa.insert(CohortMember), [dict(cohort_id=cohort.id, user_id=u, added_at=now)
                                                         for u in rnd.sample(by_country[cc], size)])
    db.session.commit()
    everyone = db.session.scalars(sa.select(User.id)).all()
    notes = [dict(user_id=u, kind="added_to_cohort", data={"cohort": f"Cohorte {k}"},
                  created_at=now - timedelta(hours=k), read_at=None if k < 5 else now)
             for u in everyone for k in range(20)]
    for first in range(0, len(notes), 20_000):
        db.session.execute(sa.insert(Notification), notes[first:first + 20_000])
    db.session.execute(sa.insert(OutboxMessage), [
        dict(to_address=f"x{u}@example.org", user_id=u, subject="Invitación", body="...", locale="es",
             status=rnd.choice([MailStatus.LOGGED, MailStatus.SENT, MailStatus.FAILED]), created_at=now)
        for u in everyone])
    db.session.execute(sa.insert(Job), [
        dict(func="app.notifications.services:deliver_many", args=[[1, 2]], status=rnd.choice(list(JobStatus)),
             attempts=1, created_at=now - timedelta(minutes=k)) for k in range(int(2000 * scale))])
    db.session.add_all(LrsClient(name=f"Client {k}", key=uuid.uuid4().hex, secret_hash="x" * 64) for k in range(5))
    db.session.commit()
    step(f"cohorts, {len(notes)} notifications, outbox, jobs")

    framework = db.session.scalar(sa.select(Framework).where(Framework.slug == "s3"))
    codes = [c.code for c in framework.current.competences]
    db.session.execute(sa.insert(SelfAssessment), [
        dict(user_id=u, framework_id=framework.id, code=code, level=rnd.randint(1, 3), assessed_at=now)
        for u, _, _ in trainees[::2] for code in codes])
    db.session.execute(sa.insert(ValidatedLevel), [
        dict(user_id=u, framework_id=framework.id, code=code, level=rnd.randint(1, 3), validated_at=now, note="")
        for u, _, _ in trainees[::2] for code in codes[:3]])
    courses = db.session.scalars(sa.select(Course).order_by(Course.slug)).all()
    enrolments = [dict(user_id=u, course_id=c.id, registration=uuid.uuid4(), started_at=now,
                       last_module=c.current.modules[0].slug, last_seen_at=now)
                  for u, _, _ in trainees for c in rnd.sample(courses, rnd.randint(1, len(courses)))]
    db.session.execute(sa.insert(Enrolment), enrolments)
    db.session.commit()
    step(f"self-assessments, validated levels, {len(enrolments)} enrolments in {len(courses)} courses")

    uuid_of = {u: uu for u, _, uu in trainees}
    modules = {c.id: (c.slug, [m.slug for m in c.current.modules]) for c in courses}
    base, stamp = vocabulary.base(), now - timedelta(days=90)
    target, done, batch = int(200_000 * scale), 0, []
    while done < target:
        enrolment = rnd.choice(enrolments)
        slug, slugs = modules[enrolment["course_id"]]
        for module in slugs[:rnd.randint(1, len(slugs))]:
            stamp += timedelta(seconds=30)
            for verb in (vocabulary.EXPERIENCED, vocabulary.COMPLETED):
                batch.append({
                    "id": str(uuid.uuid4()),
                    "actor": {"objectType": "Agent",
                              "account": {"homePage": base, "name": str(uuid_of[enrolment["user_id"]])}},
                    "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
                    "object": {"objectType": "Activity", "id": vocabulary.module_iri(slug, module)},
                    "context": {"registration": str(enrolment["registration"]), "revision": "1",
                                "platform": "Itinera", "contextActivities": {
                                    "parent": [{"id": vocabulary.course_iri(slug), "objectType": "Activity"}]}},
                    "timestamp": stamp.isoformat().replace("+00:00", "Z")})
        if len(batch) >= 900 or done + len(batch) >= target:
            store(batch, vocabulary.authority())
            db.session.commit()
            done, batch = done + len(batch), []
    heavy = db.session.scalars(sa.select(User.id).where(User.email.in_(["admin@itinera.test",
                                                                         trainee_of_chile()]))).all()
    db.session.execute(sa.insert(Notification), [
        dict(user_id=u, kind="added_to_cohort", data={"cohort": f"Cohorte {k}"},
             created_at=now - timedelta(minutes=k), read_at=None if k % 3 else now)
        for u in heavy for k in range(int(1000 * scale))])
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coord.cl@itinera.test"))
    lines = [f"nuevo{k}@example.org;Nueva Persona {k};technician" if k % 25 else f"mal{k};;"
             for k in range(int(5000 * scale))]
    imported = preview(coordinator, filename="people.csv", country_code="CL", send_invitations=False,
                       data=("email;full name;position\r\n" + "\r\n".join(
                           f"importada{k}@example.org;Importada {k};technician"
                           for k in range(int(5000 * scale))) + "\r\n").encode())
    run_import(coordinator, imported)
    db.session.commit()
    preview(coordinator, filename="people.csv", country_code="CL",
            data=("email;full name;position\r\n" + "\r\n".join(lines) + "\r\n").encode())
    db.session.commit()
    client, secret = create_client(SYSTEM, "Bench reader")
    db.session.commit()
    XAPI_KEY[:] = [client.key, secret]
    step("1,000 more notifications for the admin and the trainee, 2 import batches of 5,000 rows (one imported)")
    if db.engine.dialect.name == "postgresql":  # as autovacuum would have done by then
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    step(f"{done} statements")


def pages() -> tuple[dict[str, list[str]], dict[str, str]]:
    """Every page each role reaches (GET), as templates such as ``/admin/cohorts/{cohort}``, and the values of
    their fields in the database just built (the table shows ``<cohort>``: ids change with the scale)."""
    from app.auth.models import User
    from app.cohorts.models import Cohort, CohortMember
    from app.competences.models import Framework
    from app.courses.models import Course
    from app.notifications.models import OutboxMessage
    from app.places.models import Institution
    from app.imports.models import ImportBatch
    from app.xapi.models import LrsClient

    scalar = db.session.scalar
    courses = db.session.scalars(sa.select(Course).order_by(Course.slug)).all()
    small = next(c for c in courses if c.slug == "s3-foundations")
    large = max(courses, key=lambda c: len(c.current.modules))
    framework = scalar(sa.select(Framework).where(Framework.slug == "s3")).current
    values = {
        "person": str(scalar(sa.select(User.uuid).where(User.email == "camila.rojas@itinera.test"))),  # in CL
        "cohort": str(scalar(sa.select(Cohort.id).join(CohortMember).where(Cohort.country_code == "CL")
                             .group_by(Cohort.id).order_by(sa.func.count().desc(), Cohort.id).limit(1))),
        "institution": str(scalar(sa.select(Institution.id).where(Institution.country_code == "CL").limit(1))),
        "message": str(scalar(sa.select(OutboxMessage.id).limit(1))),
        "client": str(scalar(sa.select(LrsClient.id).limit(1))),
        "batch": str(scalar(sa.select(ImportBatch.id).order_by(ImportBatch.id.desc()).limit(1))),
        "imported": str(scalar(sa.select(ImportBatch.id).order_by(ImportBatch.id).limit(1))),
    }
    competence, area, level = framework.competences[0].code, framework.areas[0].code, framework.levels[0].number

    everyone = ["/", "/notifications/", "/notifications/?page=40", "/notifications/preferences", "/courses/"]
    for course in (small, large):
        first = course.current.modules[0].slug
        everyone += [f"/courses/{course.slug}/", f"/courses/{course.slug}/start",
                     f"/courses/{course.slug}/modules/{first}"]
    everyone += [f"/courses/{large.slug}/modules/{large.current.modules[-1].slug}/print",
                 f"/courses/{large.slug}/print", "/auth/account", "/auth/account/competences",
                 "/auth/account/competences/estimate"]
    staff = ["/competences/", "/competences/s3/", f"/competences/s3/{competence}", "/competences/s3/export/csv",
             "/admin/users", "/admin/users?q=gonzalez", "/admin/users?q=ana+silva",
             "/admin/users?country=CL&role=trainee", "/admin/users?status=inactive", "/admin/users?page=5",
             "/admin/users/{person}", "/admin/cohorts", "/admin/cohorts?q=cohorte", "/admin/cohorts/{cohort}",
             "/admin/cohorts/{cohort}?page=3", "/admin/cohorts/{cohort}?q=ana", "/admin/institutions",
             "/admin/institutions?q=instituci", "/admin/institutions?country=CL",
             "/places/countries/CL/institutions.json", "/places/countries/CL/cohorts.json",
             "/places/countries/CL/regions.json"]
    editors = [f"/competences/s3/competences/{competence}/edit", f"/competences/s3/areas/{area}/edit",
               f"/competences/s3/levels/{level}/edit"]
    managers = ["/admin/invitations", "/admin/invitations?page=10", "/admin/import/{batch}", "/admin/import/{imported}",
                "/admin/import/{batch}/problems.csv", "/admin/users/new", "/admin/users/{person}/edit", "/admin/import",
                "/admin/import/template.csv", "/admin/cohorts/new", "/admin/cohorts/{cohort}/edit",
                "/admin/institutions/new", "/admin/institutions/{institution}/edit"]
    admins = ["/admin/jobs", "/admin/jobs?page=50", "/admin/outbox", "/admin/outbox?page=100",
              "/admin/outbox/{message}", "/admin/lrs-clients", "/admin/lrs-clients/new",
              "/admin/lrs-clients/{client}/edit"]
    return {"admin": everyone + staff + editors + managers + admins,
            "coordinator": everyone + staff + managers,
            "trainer": everyone + staff + editors,
            "trainee": everyone}, values


def trainee_of_chile() -> str:
    """A trainee of Chile with an account, in the most cohorts, who has started courses (an e-mail)."""
    from app.auth.models import User
    from app.cohorts.models import CohortMember
    from app.courses.models import Enrolment

    return db.session.scalar(
        sa.select(User.email).join(CohortMember, CohortMember.user_id == User.id)
        .where(User.country_code == "CL", User.email.like("t%@example.org"), User.password_hash.is_not(None),
               User.is_active, User.id.in_(sa.select(Enrolment.user_id)))
        .group_by(User.id).order_by(sa.func.count().desc(), User.id).limit(1))


def measure(app, repeat: int) -> list[tuple[str, str, int, int, float]]:
    """(page, role, status, queries of the last request, median ms) for every page of every role."""
    from app.auth import sign_ins
    from app.auth.models import User

    queries = []
    with app.app_context(), app.test_request_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(1))
        emails = {"admin": "admin@itinera.test", "coordinator": "coord.cl@itinera.test",
                  "trainer": "trainer@itinera.test", "trainee": trainee_of_chile()}
        logins = {}
        for role, email in emails.items():  # a sign-in of each, as the sign-in page makes it
            user = db.session.scalar(sa.select(User).where(User.email == email))
            sign_ins.start(user)
            logins[role] = user.get_id()
        db.session.commit()
        by_role, values = pages()
        db.session.remove()
    results = []
    for role, login in logins.items():
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = login, True
        for page in by_role[role]:
            url, times = page.format(**values), []
            for attempt in range(repeat + 1):  # the first one warms up
                queries.clear()
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                response.close()
            label = re.sub(r"{(\w+)}", r"<\1>", page)
            results.append((label, role, response.status_code, len(queries), statistics.median(times[1:])))
    results += measure_xapi(app, repeat)
    return results


def measure_xapi(app, repeat: int) -> list[tuple[str, str, int, int, float]]:
    """The LRS's reads, as a partner platform's client makes them, with the same columns as measure()."""
    import base64
    import json

    from app.auth.models import User
    from app.xapi import vocabulary

    with app.app_context():
        person = db.session.scalar(sa.select(User.uuid).where(User.email == trainee_of_chile()))
        db.session.remove()
        agent = json.dumps({"account": {"homePage": vocabulary.base(), "name": str(person)}})
        module = vocabulary.module_iri("s3-foundations", "four-cs")
        course = vocabulary.course_iri("s3-foundations")
    headers = {"Authorization": "Basic " + base64.b64encode(":".join(XAPI_KEY).encode()).decode(),
               "X-Experience-API-Version": "1.0.3"}
    queries, results = [], []
    listener = lambda *args: queries.append(1)  # noqa: E731
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    client = app.test_client()
    for label, query in [("/xapi/statements", {}), ("/xapi/statements?limit=100", {"limit": 100}),
                         ("/xapi/statements?agent=<trainee>", {"agent": agent}),
                         ("/xapi/statements?verb=completed", {"verb": vocabulary.COMPLETED}),
                         ("/xapi/statements?activity=<module>", {"activity": module}),
                         ("/xapi/statements?activity=<course>&related_activities=true",
                          {"activity": course, "related_activities": "true"}),
                         ("/xapi/statements?since=<a month ago>", {"since": "2026-11-06T00:00:00Z"}),
                         ("/xapi/statements?ascending=true", {"ascending": "true"}),
                         ("/xapi/activities?activityId=<module>", {"activityId": module}),
                         ("/xapi/agents?agent=<trainee>", {"agent": agent})]:
        times = []
        for attempt in range(repeat + 1):
            queries.clear()
            started = time.perf_counter()
            response = client.get(label.split("?")[0], query_string=query, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            response.close()
        results.append((label, "xAPI client", response.status_code, len(queries), statistics.median(times[1:])))
    sa.event.remove(engine, "before_cursor_execute", listener)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 4,800 trainees, 200,000 statements")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (after one warm-up)")
    parser.add_argument("--database-url", default=None,
                        help="a PostgreSQL server (a database of its own is created there); SQLite by default")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the in-process e-mail "delivery" of the demo logs each message

    folder = Path(tempfile.mkdtemp(prefix="itinera-pages-"))
    try:
        with scratch_database(args.database_url, str(folder)) as url:
            run(url, folder, args.scale, args.repeat)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(database_url: str, folder: Path, scale: float, repeat: int) -> None:
    courses = course_folder(folder / "courses")
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url,
                                                  "COURSES_DIR": str(courses)})
    app = create_app(config)
    started = time.perf_counter()
    with app.app_context():
        backend = db.engine.dialect.name
        print(f"Pages benchmark, {time.strftime('%Y-%m-%d %H:%M')} UTC, {os.cpu_count()} CPUs, {backend}, "
              f"scale {scale}", flush=True)
        db.create_all()
        with app.test_request_context():
            build(scale, random.Random(20261205))
        db.session.remove()
    built = time.perf_counter()
    results = measure(app, repeat)
    print(f"built in {built - started:.0f} s, pages measured in {time.perf_counter() - built:.0f} s "
          f"({repeat} timed requests each)\n")
    print("| page | role | status | queries | median ms |")
    print("|---|---|---|---|---|")
    for url, role, status, count, ms in results:
        print(f"| {url} | {role} | {status} | {count} | {ms:.1f} |")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

if __name__ == "__main__":
    main()
