"""Every list and overview page asks the database as often for a dozen rows as for two: no page asks once more
for each person, institution, cohort, invitation, notification, e-mail, job, client or statement it shows."""
import base64

from app.auth.models import Role
from app.extensions import db
from tests.queries import statements_during

STAFF_PAGES = ["/", "/notifications/", "/admin/users", "/admin/users?status=all&q=persona", "/admin/users/{person}",
               "/admin/users?institution={institution}&status=all", "/admin/users?country=CL",
               "/admin/cohorts", "/admin/cohorts/{cohort}", "/admin/institutions",
               "/places/countries/CL/institutions.json", "/places/countries/CL/cohorts.json"]
MANAGER_PAGES = ["/admin/invitations", "/admin/import/{batch}", "/admin/import", "/admin/users/new",
                 "/admin/users/{person}/edit"]
ADMIN_PAGES = ["/admin/jobs", "/admin/outbox", "/admin/lrs-clients"]
TRAINEE_PAGES = ["/", "/notifications/", "/auth/account"]


def test_list_pages_ask_as_much_for_a_dozen_rows_as_for_two(client, login_as, make_user, make_cohort,
                                                             make_institution, sample_framework):
    from app.auth import tokens
    from app.auth.services import SYSTEM
    from app.cohorts.models import CohortMember
    from app.imports import services as imports
    from app.jobs.models import Job, JobStatus
    from app.notifications.models import Notification, OutboxMessage
    from app.xapi import services as xapi
    from app.xapi.clients import create_client

    admin = make_user(roles=("admin",), country=None, locale="en")
    coordinator = make_user(roles=("coordinator",), country="CL", locale="en")
    trainer = make_user(roles=("trainer",), country="CL", locale="en")
    trainee = make_user(country="CL", name="Persona 0", institution=make_institution(country="CL"))
    cohort = make_cohort(country="CL", members=[trainee])
    reader, secret = create_client(SYSTEM, "Reader")
    db.session.commit()
    headers = {"Authorization": "Basic " + base64.b64encode(f"{reader.key}:{secret}".encode()).decode(),
               "X-Experience-API-Version": "1.0.3"}

    def add(first, last):
        """Rows first..last-1 of every kind: people (each in an institution, the big cohort and a cohort with
        the trainee), invitations, notifications, e-mails, failed jobs, xAPI clients, statements, a file."""
        for i in range(first, last):
            institution = make_institution(country="CL", name=f"Institución {i}", region="CL-BI" if i % 2 else None)
            person = make_user(country="CL", name=f"Persona {i}", institution=institution)
            db.session.add(CohortMember(cohort_id=cohort.id, user_id=person.id))
            make_cohort(country="CL", members=[trainee, person])
            tokens.invite(admin, email=f"invited{i}@example.org", full_name=f"Invitada {i}", roles={Role.TRAINEE},
                          country_code="CL", institution_id=institution.id, position="technician")
            for user in (admin, coordinator, trainer, trainee):
                db.session.add(Notification(user_id=user.id, kind="added_to_cohort", data={"cohort": f"C{i}"}))
            db.session.add(Notification(user_id=trainee.id, kind="level_validated", data={  # naming its framework
                "code": "B1", "competence": {"en": "Discovery"}, "level": 2, "level_name": {"en": "Practitioner"},
                "validator": "Ada", "framework": "demo" if i % 2 else "gone", "withdrawn": i % 3 == 0}))
            db.session.add(OutboxMessage(to_address=f"x{i}@example.org", subject="s", body="b", user_id=person.id))
            db.session.add(Job(func="app.x:y", args=[], status=JobStatus.FAILED, last_error="boom"))
            create_client(SYSTEM, f"Client {i}")
            xapi.record(trainee, "http://adlnet.gov/expapi/verbs/experienced", f"http://example.org/activities/{i}")
        rows = "".join(f"imported{i}@example.org;Importada {i};technician\r\n" for i in range(last))
        batch = imports.preview(coordinator, filename="people.csv", country_code="CL",
                                data=f"email;full name;position\r\n{rows}".encode())
        db.session.commit()
        return {"person": trainee.uuid, "institution": trainee.institution_id, "cohort": cohort.id, "batch": batch.id,
                "activities": range(1, last)}

    def counts(values):
        found = {}
        for role, user, pages in (("admin", admin, STAFF_PAGES + MANAGER_PAGES + ADMIN_PAGES),
                                  ("coordinator", coordinator, STAFF_PAGES + MANAGER_PAGES),
                                  ("trainer", trainer, STAFF_PAGES), ("trainee", trainee, TRAINEE_PAGES)):
            login_as(user)
            for page in pages:
                url = page.format(**values)
                client.get(url)  # the first request of a sign-in notes it
                response, statements = statements_during(lambda: client.get(url))
                assert response.status_code == 200, (role, url)
                found[role, page] = len(statements)
        for url in ("/xapi/statements", "/xapi/statements?limit=100"):
            client.get(url, headers=headers)  # the first request of a client reads its credentials
            response, statements = statements_during(lambda: client.get(url, headers=headers))
            assert len(response.get_json()["statements"]) == len(values["activities"])
            found["xAPI client", url] = len(statements)
        return found

    two = counts(add(1, 3))
    dozen = counts(add(3, 13))
    grown = {page: (two[page], dozen[page]) for page in two if two[page] != dozen[page]}
    assert not grown, grown


def test_an_imported_batch_asks_as_much_for_a_thousand_people_as_for_two(client, login_as, make_user):
    """The page of an import made without invitations counts the people still to invite in the database: it does
    not read every account of the file (in groups of 500, three queries each) to count them in Python."""
    from app.imports import services as imports

    coordinator = make_user(roles=("coordinator",), country="CL", locale="en")
    db.session.commit()

    def imported(count, prefix):
        rows = "".join(f"{prefix}{i}@example.org;Importada {i};technician\r\n" for i in range(count))
        batch = imports.preview(coordinator, filename="people.csv", country_code="CL", send_invitations=False,
                                data=f"email;full name;position\r\n{rows}".encode())
        imports.run_import(coordinator, batch)
        db.session.commit()
        return batch.id

    few, many = imported(2, "few"), imported(1001, "many")
    login_as(coordinator)
    found = {}
    for batch_id, people in ((few, 2), (many, 1001)):
        client.get(f"/admin/import/{batch_id}")
        response, statements = statements_during(lambda: client.get(f"/admin/import/{batch_id}"))
        assert response.status_code == 200
        assert f"{people:,} people of this import have not been sent an invitation" in response.text
        found[people] = len(statements)
    assert found[1001] == found[2], found


def test_course_pages_ask_as_much_for_ten_modules_as_for_two(app, client, login_as, make_user, tmp_path,
                                                              sample_framework):
    """The catalogue, a course's page, a module's page and the printable course ask as many queries for a course
    of ten modules, each done by the trainee (and two courses in the catalogue), as for one course of two: nothing
    is read once per module or course."""
    import shutil

    from app.xapi import services as xapi
    from app.xapi import vocabulary as v
    from tests.fixtures.courses import build_tree, module_text, sync_tree

    def course(modules):
        root = build_tree(tmp_path / f"courses{modules}", modules={
            f"{n:02}-m{n}": {locale: module_text(f"Module {n}") for locale in ("en", "es", "pt_BR")}
            for n in range(1, modules + 1)}, course_yaml=(
            "slug: pilot\nversion: 1\nframework: demo\ntitle: {en: P, es: P, pt_BR: P}\n"
            "summary: {en: S, es: S, pt_BR: S}\n"
            "audience: [technician]\nestimated_hours: 2\nlocales: [en, es, pt_BR]\ncompletion:\n"
            + "".join(f"  m{n}: viewed\n" for n in range(1, modules + 1))))
        if modules > 2:  # and a second course in the catalogue
            shutil.copytree(root / "pilot", root / "second")
            yaml = root / "second" / "course.yaml"
            yaml.write_text(yaml.read_text(encoding="utf-8").replace("slug: pilot", "slug: second"), encoding="utf-8")
        app.config["COURSES_DIR"] = str(root)
        sync_tree(root)
        return root

    admin = make_user(roles=("admin",), country=None, locale="en")
    trainee = make_user(country="CL", locale="en")
    db.session.commit()

    def counts(modules):
        course(modules)
        for n in range(1, modules + 1):
            xapi.record(trainee, v.COMPLETED, v.module_iri("pilot", f"m{n}"))
        db.session.commit()
        found = {}
        for role, user in (("admin", admin), ("trainee", trainee)):
            login_as(user)
            for url in ("/courses/", "/courses/pilot/", "/courses/pilot/modules/m2", "/courses/pilot/print"):
                client.get(url)
                response, statements = statements_during(lambda: client.get(url))
                assert response.status_code == 200, (role, url)
                found[role, url] = len(statements)
        assert ("/courses/second/" in client.get("/courses/").text) == (modules > 2)
        return found

    two, ten = counts(2), counts(10)
    grown = {page: (two[page], ten[page]) for page in two if two[page] != ten[page]}
    assert not grown, grown


def test_the_people_lists_institution_search_asks_as_much_for_a_dozen_matches_as_for_two(client, login_as, make_user,
                                                                                          make_institution,
                                                                                          monkeypatch):
    """A country of many institutions: the list counts them, then counts and reads the first matches of the words;
    the institutions of the people shown are read with them, not one by one."""
    from app.admin import views

    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 1)
    coordinator = make_user(roles=("coordinator",), country="CL", locale="en")
    chosen = make_institution(country="CL", name="Institución 0")
    make_user(country="CL", name="Persona 0", institution=chosen)

    def counts(first, last):
        for i in range(first, last):
            make_user(country="CL", name=f"Persona {i}",
                      institution=make_institution(country="CL", name=f"Institución {i}"))
        db.session.commit()
        login_as(coordinator)
        found = {}
        for url in ("/admin/users?institution_q=institucion", f"/admin/users?institution={chosen.id}",
                    f"/admin/users?institution_q=institucion&institution={chosen.id}"):
            client.get(url)
            response, statements = statements_during(lambda: client.get(url))
            assert response.status_code == 200, url
            found[url] = len(statements)
        return found

    two, dozen = counts(1, 2), counts(2, 12)
    assert two == dozen


def test_a_competence_page_asks_as_much_for_many_versions_holders_evidence_and_courses_as_for_few(
        app, client, login_as, make_user, tmp_path, sample_framework):
    """A competence's page (current and as an earlier version has it), for a visitor, the trainee who holds it, a
    coordinator and an admin, asks as many queries once the framework has more versions, more people hold the
    competence, the trainee has more evidence of it (validations, quizzes passed, estimates) and more courses
    develop it: nothing is read once per version, person, piece of evidence or course."""
    import shutil
    from datetime import datetime, timedelta, timezone

    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.models import SelfAssessment, ValidatedLevel
    from app.competences.services import import_framework
    from app.xapi import services as xapi
    from app.xapi import vocabulary as v
    from tests.fixtures.competences import SAMPLE
    from tests.fixtures.courses import COURSE_YAML, build_tree, module_text, sync_tree

    admin = make_user(roles=("admin",), country=None, locale="en")
    coordinator = make_user(roles=("coordinator",), country="CL", locale="en")
    trainee = make_user(country="CL", locale="en")
    db.session.commit()
    graded = {locale: module_text("Q", competences="  - {code: A1, level: 2}\n  - {code: B1, level: 1}\n")
              for locale in ("en", "es", "pt_BR")}
    root = build_tree(tmp_path / "courses", course_yaml=COURSE_YAML.replace("practice: viewed", "practice: quiz"),
                      modules={"01-intro": {locale: module_text("T") for locale in ("en", "es", "pt_BR")},
                               "02-practice": graded})
    app.config["COURSES_DIR"] = str(root)

    def add(first, last):
        """Versions, courses developing A1 (each passed by the trainee), people holding A1 and the trainee's own
        evidence and estimates, numbered first..last-1."""
        for n in range(first, last):
            import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("version: 1", f"version: {n + 1}"), "demo.yaml"))
            shutil.copytree(root / "pilot", root / f"course{n}")
            yaml = root / f"course{n}" / "course.yaml"
            yaml.write_text(yaml.read_text(encoding="utf-8").replace("slug: pilot", f"slug: course{n}"),
                            encoding="utf-8")
            holder = make_user(country="CL", name=f"Persona {n}")
            when = datetime.now(timezone.utc) - timedelta(days=n)
            for user, level in ((holder, 1 + n % 3), (trainee, 1 + n % 3), (trainee, 3)):
                db.session.add(ValidatedLevel(user_id=user.id, framework_id=sample_framework.id, code="A1",
                                              level=level, validated_at=when, validated_by_id=coordinator.id))
            db.session.add(ValidatedLevel(user_id=trainee.id, framework_id=sample_framework.id, code="A1", level=3,
                                          validated_at=when - timedelta(days=3 * 365), validated_by_id=admin.id))
            db.session.add(SelfAssessment(user_id=trainee.id, framework_id=sample_framework.id, code="A1",
                                          level=1 + n % 3, assessed_at=when))
        db.session.commit()
        sync_tree(root)
        for n in range(first, last):
            xapi.record(trainee, v.PASSED, v.module_iri(f"course{n}", "practice"),
                        result={"success": True, "completion": True})
        db.session.commit()

    def counts():
        found = {}
        for role, user in (("visitor", None), ("trainee", trainee), ("coordinator", coordinator), ("admin", admin)):
            if user is None:
                with client.session_transaction() as session:
                    session.clear()
            else:
                login_as(user)
            for url in ("/competences/demo/A1?lang=en", "/competences/demo/A1?version=1&lang=en"):
                client.get(url)  # the first request of a sign-in notes it
                response, statements = statements_during(lambda: client.get(url))
                assert response.status_code == 200, (role, url)
                found[role, url] = len(statements)
        return found

    add(1, 3)
    page = client.get("/competences/demo/A1?lang=en").text
    assert page.count('href="/courses/course') == 2
    two = counts()
    add(3, 13)
    login_as(trainee)
    page = client.get("/competences/demo/A1?lang=en").text
    assert page.count('href="/courses/course') == 12 and "Version 13" in page and 'id="yours"' in page
    dozen = counts()
    grown = {page: (two[page], dozen[page]) for page in two if two[page] != dozen[page]}
    assert not grown, grown


def test_competence_pages_ask_as_much_for_six_frameworks_as_for_two(client, login_as, make_user, sample_framework):
    """A person's competences, and staff's page about them, offer every framework with a current version: reading
    them asks the same queries however many there are (and whichever is shown)."""
    from app.auth.services import SYSTEM
    from app.competences import files, services
    from tests.fixtures.competences import SAMPLE

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    admin = make_user(roles=("admin",), country=None, locale="en")
    trainee = make_user(country="CL", locale="en")
    pages = ["/auth/account/competences", "/auth/account/competences/estimate",
             "/auth/account/competences?framework=f1", "/auth/account/competences/estimate?framework=f1",
             "/admin/users/{person}", "/admin/users/{person}?framework=f1"]

    def add(first, last):
        for i in range(first, last):
            data = files.read_yaml(SAMPLE.replace("slug: demo", f"slug: f{i}"), f"f{i}.yaml")
            framework = services.import_framework(SYSTEM, data, source=f"f{i}.yaml")[0].framework
            services.self_assess(trainee, framework, {"A1": 2, "B1": 1})
            services.validate_level(admin, trainee, framework, "B1", 3)
        db.session.commit()

    def counts():
        found = {}
        for user, wanted in ((trainee, pages[:4]), (admin, pages[4:])):
            login_as(user)
            for page in wanted:
                url = page.format(person=trainee.uuid)
                client.get(url)  # the first request of a sign-in notes it
                response, statements = statements_during(lambda: client.get(url))
                assert response.status_code == 200, url
                found[page] = len(statements)
        return found

    add(1, 2)
    two = counts()
    add(2, 6)
    six = counts()
    grown = {page: (two[page], six[page]) for page in two if two[page] != six[page]}
    assert not grown, grown
