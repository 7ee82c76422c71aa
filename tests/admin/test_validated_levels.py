"""Coordinators (and admins) validate a trainee's level of a competence on the person's page, and withdraw it."""
from html import unescape

import pytest
import sqlalchemy as sa

from app.competences.models import ValidatedLevel
from app.competences.services import current_levels
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.services import text_of
from tests.conftest import PG_URL


def test_a_coordinator_validates_a_level_and_the_trainee_is_told(client, login_as, make_user, sample_framework,
                                                                   outbox):
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL", locale="es", name="Rosa Quispe")
    coordinator = login_as("coordinator", country="CL", locale="en", name="Carla Coord")
    page = client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    assert "Validate a level" in page and "No level validated yet." in page
    assert "The person sees this note with the level." in page  # the coordinator knows who reads it
    # the competences as a list of choices: their titles are longer than a select shows on a phone
    assert 'type="radio" name="code" id="code-2" value="B1">' in page and '<option value="B1">' not in page
    assert '<option value="3">3. Advanced</option>' in page
    response = client.post(f"/admin/users/{trainee.uuid}/levels",
                           data={"code": "B1", "level": "3", "note": "Workshop in Concepción, May 2027"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/users/{trainee.uuid}"
                                                                                 "#competences")
    [row] = db.session.scalars(sa.select(ValidatedLevel)).all()
    assert (row.user_id, row.code, row.level, row.validated_by_id, row.note) == (
        trainee.id, "B1", 3, coordinator.id, "Workshop in Concepción, May 2027")
    level = current_levels(trainee, framework="demo")["B1"]
    assert level.level == 3 and level.evidence[0].kind == "validated"
    page = client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    assert "Level 3 of B1 validated for Rosa Quispe." in page
    assert "Level 3 of B1, validated by Carla Coord on" in page and "Workshop in Concepción, May 2027" in page

    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == trainee.id))
    assert note.kind == "level_validated"
    [message] = outbox()
    assert message.locale == "es" and "Carla Coord" in message.subject and "B1" in message.subject
    # in Spanish, the competence and the level too
    assert "B1 Descubrimiento" in message.subject and "3. Avanzado" in message.subject
    assert "validated your level" not in message.subject
    assert "/auth/account/competences" in message.body
    login_as(trainee)
    page = client.get("/auth/account/competences?lang=en").get_data(as_text=True)
    assert "Validated by Carla Coord" in page and "3. Advanced" in page
    assert "Workshop in Concepción, May 2027" in page  # what it rests on: the trainee read only who and when


def test_a_form_with_problems_says_what_to_fix_and_saves_nothing(client, login_as, make_user, sample_framework,
                                                                  outbox):
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL")
    login_as("admin", country=None, locale="en")
    response = client.post(f"/admin/users/{trainee.uuid}/levels", data={"code": "", "level": "x9", "note": "n" * 2001})
    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    assert f"<title>Error: {trainee.full_name} – Itinera</title>" in page  # said once, not "Error: Error:"
    assert '<a href="#code">Choose a competence of the framework</a>' in page
    assert '<a href="#level">Choose a level of the scale</a>' in page
    assert '<a href="#note">Keep the note under 2,000 characters</a>' in page
    assert page.count('name="note"') == 1 and "n" * 2001 in page  # what was typed comes back
    response = client.post(f"/admin/users/{trainee.uuid}/levels", data={"code": "Z9", "level": "2"})
    assert response.status_code == 400 and "Choose a competence of the framework" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValidatedLevel)) == 0 and outbox() == []


def test_only_a_coordinator_of_the_persons_country_or_an_admin_validates_and_only_trainees(
        client, login_as, make_user, sample_framework):
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL")
    data = {"code": "A1", "level": "2"}
    login_as("trainer", country="CL")
    assert "Validate a level" not in client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    assert client.post(f"/admin/users/{trainee.uuid}/levels", data=data).status_code == 403
    login_as("coordinator", country="AR")
    assert client.post(f"/admin/users/{trainee.uuid}/levels", data=data).status_code == 403
    colleague = make_user(("coordinator",), country="CL")
    login_as("coordinator", country="CL")
    assert client.post(f"/admin/users/{colleague.uuid}/levels", data=data).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValidatedLevel)) == 0


def test_a_validation_made_by_mistake_is_withdrawn_after_asking(client, login_as, make_user, sample_framework):
    from app.competences.services import validate_level

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL", name="Rosa Quispe")
    coordinator = login_as("coordinator", country="CL", locale="en")
    validation = validate_level(coordinator, trainee, sample_framework, "A1", 2)
    db.session.commit()
    url = f"/admin/validated-levels/{validation.id}/withdraw"
    login_as("coordinator", country="AR")
    assert client.post(url).status_code == 403
    login_as(coordinator)
    asked = client.post(url)
    assert asked.status_code == 200
    assert "Withdraw the validation of level 2 of A1?" in unescape(asked.get_data(as_text=True))
    assert current_levels(trainee, framework="demo")["A1"].level == 2
    response = client.post(url, data={"confirmed": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ValidatedLevel, validation.id).withdrawn_at is not None  # kept on record
    assert "A1" not in current_levels(trainee, framework="demo")
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == trainee.id)
                              .order_by(Notification.id)).all()
    assert [note.data.get("withdrawn", False) for note in told] == [False, True]  # validated, then withdrawn
    assert text_of(told[1]).endswith(" withdrew the validation of your level in A1 Diagnosis: 2. Practitioner")
    assert client.post(url, data={"confirmed": "1"}).status_code == 302  # again (an old tab): nothing more
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 2
    client.get(f"/admin/users/{trainee.uuid}")  # (its message read)
    again = client.post(url)  # the button of an old tab: not asked again what is done
    assert again.status_code == 302 and "Withdraw the validation" not in again.get_data(as_text=True)
    page = client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    assert "The validation of level 2 of A1 has been withdrawn." in page and "No level validated yet." in page
    assert client.post("/admin/validated-levels/999999/withdraw").status_code == 404


def test_nobody_validates_a_level_of_their_own(client, login_as, make_user, sample_framework):
    """An administrator (or a coordinator) who also follows the training is a trainee like any other."""
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    admin = login_as(make_user(("admin", "trainee"), country="CL", name="Ada Admin"))
    assert "Validate a level" not in client.get(f"/admin/users/{admin.uuid}").get_data(as_text=True)
    assert client.post(f"/admin/users/{admin.uuid}/levels", data={"code": "A1", "level": "3"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValidatedLevel)) == 0


def test_a_deactivated_account_gets_no_new_validation_but_a_mistake_is_still_withdrawn(
        client, login_as, make_user, sample_framework, outbox):
    from app.competences.services import validate_level

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL", name="Rosa Quispe")
    coordinator = login_as("coordinator", country="CL", locale="en")
    validation = validate_level(coordinator, trainee, sample_framework, "A1", 2)
    trainee.is_active = False
    db.session.commit()
    page = client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    assert "Level 2 of A1, validated by" in page and "Validate a level" not in page
    response = client.post(f"/admin/users/{trainee.uuid}/levels", data={"code": "B1", "level": "3"})
    assert response.status_code == 400
    assert ("The levels of a deactivated account cannot be validated: reactivate it first"
            in unescape(response.get_data(as_text=True)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValidatedLevel)) == 1
    assert client.post(f"/admin/validated-levels/{validation.id}/withdraw", data={"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ValidatedLevel, validation.id).withdrawn_at is not None


def test_a_level_validated_as_an_admin_deactivates_the_account(app, client, login_as, make_user, sample_framework,
                                                               outbox):
    """The page was read while the account was active; a colleague deactivates it (committed) just before the
    validation is saved: the validation reads the account again once it holds it, and is refused as for any
    deactivated account (it used to be saved, and the person told)."""
    from flask import has_request_context, request

    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL")
    login_as("coordinator", country="CL", locale="en")
    done = []

    def deactivate_first(conn, cursor, statement, parameters, context, executemany):
        if not done and has_request_context() and request.path.endswith("/levels") \
                and statement.startswith(("UPDATE ", "INSERT ")):  # before the request's first write
            done.append(True)
            with db.engine.begin() as other:
                other.execute(sa.text('UPDATE "user" SET is_active = :no WHERE id = :id'),
                              {"no": False, "id": trainee.id})

    sa.event.listen(db.engine, "before_cursor_execute", deactivate_first)
    try:
        response = client.post(f"/admin/users/{trainee.uuid}/levels", data={"code": "A1", "level": "2"})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", deactivate_first)
    assert done and response.status_code == 400
    assert ("The levels of a deactivated account cannot be validated: reactivate it first"
            in unescape(response.get_data(as_text=True)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValidatedLevel)) == 0


def test_a_level_validated_twice_at_once_is_validated_once(app, login_as, make_user, sample_framework, post_at_once,
                                                          outbox):
    """A double click on a slow phone: one validation, one e-mail; the other request is told it is there."""
    from app.competences import services

    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL", name="Rosa Quispe", locale="en")
    coordinator = make_user(("coordinator",), country="CL", locale="en")
    responses = post_at_once(coordinator, f"/admin/users/{trainee.uuid}/levels",
                             {"code": "B1", "level": "3", "note": "Workshop"}, meet=(services, "get_framework"))
    assert sorted((getattr(r, "status_code", r) for r in responses), key=str) == [302, 400], responses
    [refused] = [r for r in responses if r.status_code == 400]
    assert "Level 3 of B1 is already validated for Rosa Quispe" in unescape(refused.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValidatedLevel)) == 1
    assert len(outbox()) == 1


def test_a_level_is_validated_again_once_the_earlier_validation_no_longer_counts(
        client, login_as, make_user, sample_framework):
    from datetime import timedelta

    from app.competences.services import validate_level
    from app.db import utcnow

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL", name="Rosa Quispe")
    coordinator = login_as("coordinator", country="CL", locale="en")
    old = validate_level(coordinator, trainee, sample_framework, "A1", 2)  # A1 counts for 24 months
    old.validated_at = utcnow() - timedelta(days=800)
    withdrawn = validate_level(coordinator, trainee, sample_framework, "B1", 2)
    withdrawn.withdrawn_at = utcnow()
    db.session.commit()
    for code in ("A1", "B1"):
        response = client.post(f"/admin/users/{trainee.uuid}/levels", data={"code": code, "level": "2"})
        assert response.status_code == 302, code
    response = client.post(f"/admin/users/{trainee.uuid}/levels", data={"code": "A1", "level": "3"})
    assert response.status_code == 302  # another level of the same competence
    response = client.post(f"/admin/users/{trainee.uuid}/levels", data={"code": "A1", "level": "2"})
    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    assert '<a href="#level">Level 2 of A1 is already validated for Rosa Quispe</a>' in page


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer in at a time: the other request waits for this one")
def test_a_withdrawal_sent_twice_at_once_tells_the_person_once(app, login_as, make_user, sample_framework,
                                                               send_at_once):
    """A double click on Withdraw: both requests found the validation still standing and each told the person it
    was withdrawn. Now the second waits for the first and finds it withdrawn."""
    from app.competences.services import validate_level

    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL")
    coordinator = login_as("coordinator", country="CL")
    validation = validate_level(coordinator, trainee, sample_framework, "A1", 2)
    db.session.commit()
    url = f"/admin/validated-levels/{validation.id}/withdraw"
    responses = send_at_once([(coordinator, "POST", url, {"confirmed": "1"})] * 2,
                             meet=lambda statement: "FROM validated_level" in statement)
    assert [getattr(r, "status_code", r) for r in responses] == [302, 302], responses
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == trainee.id)).all()
    assert sorted(note.data.get("withdrawn", False) for note in told) == [False, True]


@pytest.mark.parametrize("after_commit", [False, True], ids=["before-saving", "after-saving"])
def test_a_level_validated_as_the_invitation_is_withdrawn(app, client, login_as, make_user, sample_framework,
                                                          after_commit):
    """A level validated for someone still invited just as a colleague withdraws the invitation (which removes
    the account): the person is not found (404), or the validation was saved first and its page says so; never
    an error page (the validation referred to an account gone, or its page read one)."""
    from tests.fixtures.concurrency import deleted_meanwhile

    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    invited = make_user(("trainee",), country="CL", password=None)
    login_as("coordinator", country="CL")
    with deleted_meanwhile(app, "user", invited.id, "/levels", after_commit=after_commit,
                           before="SELECT framework.") as deleted:  # (once the person is read)
        response = client.post(f"/admin/users/{invited.uuid}/levels", data={"code": "A1", "level": "2"})
    assert deleted and response.status_code == (302 if after_commit else 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ValidatedLevel)) == 0


def test_an_invitation_is_offered_for_withdrawal_only_while_nothing_keeps_the_account(client, login_as, make_user,
                                                                                     sample_framework):
    """Someone invited, never signed in, with a level validated: the page says why the invitation cannot be
    withdrawn instead of offering a button that fails; once the validation is withdrawn (a mistake), it can."""
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    invited = make_user(("trainee",), country="CL", password=None, name="Rosa Quispe")
    login_as("coordinator", country="CL", locale="en")
    assert client.post(f"/admin/users/{invited.uuid}/levels", data={"code": "B1", "level": "2"}).status_code == 302
    page = client.get(f"/admin/users/{invited.uuid}").get_data(as_text=True)
    assert f"/admin/users/{invited.uuid}/invitation/withdraw" not in page
    assert "so the account cannot be removed: make it inactive instead" in page
    [row] = db.session.scalars(sa.select(ValidatedLevel)).all()
    client.post(f"/admin/validated-levels/{row.id}/withdraw", data={"confirmed": "1"})
    page = client.get(f"/admin/users/{invited.uuid}").get_data(as_text=True)
    assert f"/admin/users/{invited.uuid}/invitation/withdraw" in page and "cannot be removed" not in page
    response = client.post(f"/admin/users/{invited.uuid}/invitation/withdraw", data={"confirmed": "1"},
                           follow_redirects=True)
    assert "The invitation to Rosa Quispe has been withdrawn" in response.get_data(as_text=True)


def test_a_level_whose_evidence_has_expired_says_so_rather_than_no_evidence_yet(client, login_as, make_user,
                                                                                sample_framework):
    """A1 counts for 24 months: a trainee validated at level 3 three years ago read "No evidence yet" beside A1,
    as if they had never had it, and so did their coordinator. The profile now says which level counted until
    when; a level that counts now (a lower one, from a later validation) is shown with that note beside it."""
    from datetime import datetime, timedelta, timezone

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(("trainee",), country="CL", locale="en", name="Rosa Quispe")
    coordinator = make_user(("coordinator",), country="CL", locale="en", name="Carla Coord")
    long_ago = datetime.now(timezone.utc) - timedelta(days=3 * 365)
    for code, level, when in (("A1", 3, long_ago), ("B1", 3, long_ago)):
        db.session.add(ValidatedLevel(user_id=trainee.id, framework_id=sample_framework.id, code=code, level=level,
                                      validated_at=when, validated_by_id=coordinator.id))
    db.session.commit()
    assert "A1" not in current_levels(trainee, framework="demo")  # it no longer counts: nothing else changes
    assert current_levels(trainee, framework="demo")["B1"].level == 3  # B1 never expires

    login_as(trainee)
    page = client.get("/auth/account/competences").get_data(as_text=True)
    row = page[page.index("A1 Diagnosis"):page.index("</tr>", page.index("A1 Diagnosis"))]
    assert "No evidence yet" not in row
    assert "Level 3. Advanced counted until" in row and "Validated by Carla Coord" in row
    assert page.count("counted until") == 1  # B1 still counts

    login_as(coordinator)
    page = client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    row = page[page.index("A1 Diagnosis"):page.index("</tr>", page.index("A1 Diagnosis"))]
    assert "No evidence yet" not in row and "Level 3. Advanced counted until" in row

    db.session.add(ValidatedLevel(user_id=trainee.id, framework_id=sample_framework.id, code="A1", level=1,
                                  validated_at=datetime.now(timezone.utc) - timedelta(days=1),
                                  validated_by_id=coordinator.id))
    db.session.commit()
    login_as(trainee)
    page = client.get("/auth/account/competences").get_data(as_text=True)
    row = page[page.index("A1 Diagnosis"):page.index("</tr>", page.index("A1 Diagnosis"))]
    assert "1. Foundation" in row and "Level 3. Advanced counted until" in row
    db.session.add(ValidatedLevel(user_id=trainee.id, framework_id=sample_framework.id, code="A1", level=3,
                                  validated_at=datetime.now(timezone.utc) - timedelta(days=1),
                                  validated_by_id=coordinator.id))
    db.session.commit()
    page = client.get("/auth/account/competences").get_data(as_text=True)
    assert "counted until" not in page  # renewed: the expired one says nothing more
