"""record(): the one way Itinera writes statements."""
import uuid

import pytest

from app.extensions import db
from app.xapi import vocabulary as v
from app.xapi.services import progress_of, record
from app.xapi.validation import StatementError

MODULE = "http://itinera.test/activities/courses/s3/modules/01-four-cs"


def test_record_builds_a_valid_statement_with_our_actor(app, make_user):
    user = make_user(email="ana@example.org")
    registration = uuid.uuid4()
    row = record(user, v.EXPERIENCED, MODULE, registration=registration,
                 context={"revision": "2", "contextActivities": {"parent": [{"id": v.course_iri("s3")}]}})
    data = row.data
    assert data["actor"]["account"] == {"homePage": "http://itinera.test", "name": str(user.uuid)}
    assert "ana@example.org" not in str(data)  # no e-mail in statements
    assert data["verb"] == {"id": v.EXPERIENCED, "display": v.VERB_DISPLAY[v.EXPERIENCED]}
    assert data["object"]["id"] == MODULE
    assert data["context"]["registration"] == str(registration) and data["context"]["revision"] == "2"
    assert data["context"]["platform"] == "Itinera"
    assert data["context"]["contextActivities"]["parent"] == [{"id": "http://itinera.test/activities/courses/s3",
                                                               "objectType": "Activity"}]
    assert data["authority"] == v.authority()
    assert row.user_id == user.id and row.registration == registration
    # what Itinera records happens as it is stored: never timestamped after the stored time
    assert data["timestamp"] == data["stored"] and row.timestamp == row.stored


def test_completed_and_passed_are_recorded_once(app, make_user):
    user = make_user()
    first = record(user, v.COMPLETED, MODULE)
    again = record(user, v.COMPLETED, MODULE)
    assert again.id == first.id
    passed = record(user, v.PASSED, MODULE, result={"score": {"scaled": 0.7}, "success": True})
    assert record(user, v.PASSED, MODULE, result={"score": {"scaled": 0.9}, "success": True}).id == passed.id
    other = record(make_user(), v.COMPLETED, MODULE)
    assert other.id != first.id


def test_record_flushes_and_the_caller_commits(app, make_user):
    user = make_user()
    record(user, v.COMPLETED, MODULE)
    db.session.rollback()
    assert progress_of(user, [MODULE]) == {}


def test_record_refuses_invalid_data(app, make_user):
    with pytest.raises(StatementError):
        record(make_user(), v.SCORED, MODULE, result={"score": {"scaled": 3}})
    with pytest.raises(StatementError):
        record(make_user(), "not an iri", MODULE)


def test_activity_iris_follow_the_contract(app):
    assert v.course_iri("s3") == "http://itinera.test/activities/courses/s3"
    assert v.module_iri("s3", "01-four-cs") == MODULE
    assert v.question_iri("s3", "01-four-cs", "q1") == MODULE + "/questions/q1"
    assert v.itinerary_iri("technicians") == "http://itinera.test/activities/itineraries/technicians"
    session = uuid.UUID("6690e6c9-3ef0-4ed3-8b37-7f3964730bee")
    assert v.workshop_iri(session) == f"http://itinera.test/activities/workshops/{session}"
    assert v.competence_iri("s3", "B1") == "http://itinera.test/competences/s3/B1"


# --- recorded once: while the projection says so, not after a later failure ---------------------------

def test_a_retake_after_a_failure_is_stored_and_makes_success_true(app, make_user):
    user = make_user()
    first = record(user, v.PASSED, MODULE, result={"success": True})  # no score
    record(user, v.FAILED, MODULE, result={"success": False, "score": {"scaled": 0.3}})
    assert progress_of(user, [MODULE])[MODULE].success is False  # the best score decides
    retake = record(user, v.PASSED, MODULE, result={"success": True, "score": {"scaled": 0.9}})
    assert retake.id != first.id and retake.data["result"]["score"] == {"scaled": 0.9}
    row = progress_of(user, [MODULE])[MODULE]
    assert (row.success, row.best_scaled) == (True, 0.9)
    assert row.passed_statement == first.id  # success first became true with it
    # success is true again: passed is not recorded, record() answers with the statement that first said so
    assert record(user, v.PASSED, MODULE, result={"success": True, "score": {"scaled": 1.0}}).id == first.id


def test_passed_statement_waits_until_success_is_true(app, make_user):
    user = make_user()
    record(user, v.FAILED, MODULE, result={"success": False, "score": {"scaled": 0.9}})
    unscored = record(user, v.PASSED, MODULE, result={"success": True})
    row = progress_of(user, [MODULE])[MODULE]
    assert row.success is False and row.passed_statement is None  # a lower (absent) score does not pass
    better = record(user, v.PASSED, MODULE, result={"success": True, "score": {"scaled": 0.95}})
    row = progress_of(user, [MODULE])[MODULE]
    assert row.success is True and row.passed_statement == better.id != unscored.id


def test_success_already_true_from_another_verb_is_not_recorded_again(app, make_user):
    user = make_user()
    done = record(user, v.COMPLETED, MODULE, result={"completion": True, "success": True})
    # success is true already (with the completed statement): passed is not recorded a second time
    assert record(user, v.PASSED, MODULE, result={"success": True, "score": {"scaled": 1.0}}).id == done.id
    assert progress_of(user, [MODULE])[MODULE].passed_statement == done.id


def test_completed_is_recorded_again_once_voiding_undid_it(app, make_user):
    from app.xapi.services import store

    user = make_user()
    first = record(user, v.COMPLETED, MODULE)
    store([{"actor": {"mbox": "mailto:x@example.org"}, "verb": {"id": v.VOIDED},
            "object": {"objectType": "StatementRef", "id": str(first.id)}}], v.authority())
    assert MODULE not in progress_of(user, [MODULE])  # nothing left standing
    again = record(user, v.COMPLETED, MODULE)
    assert again.id != first.id and progress_of(user, [MODULE])[MODULE].is_completed


def test_completed_recorded_twice_at_once_is_recorded_once(app, make_user):
    """Two requests complete the same module together (a double tap on its first view): one statement."""
    import threading

    import sqlalchemy as sa

    from app.auth.models import User
    from app.xapi import services
    from app.xapi.models import Statement

    user_id = make_user().id
    db.session.commit()
    together, real, met = threading.Barrier(2), services.activity_key, threading.local()

    def meeting(iri):  # each has started to record before either has stored
        if not getattr(met, "done", False):
            met.done = True
            together.wait(10)
        return real(iri)

    def complete():
        with app.app_context():
            record(db.session.get(User, user_id), v.COMPLETED, MODULE)
            db.session.commit()

    services.activity_key = meeting
    try:
        threads = [threading.Thread(target=complete) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        services.activity_key = real
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Statement)
                             .where(Statement.verb_id == v.COMPLETED)) == 1
