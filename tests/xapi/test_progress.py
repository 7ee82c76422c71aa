"""The progress projection: updated with each statement, reverted by voiding, equal to a rebuild."""
import threading
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.auth.services import get_user_by_email
from app.extensions import db
from app.xapi import vocabulary as v
from app.xapi.models import Progress, Statement
from app.xapi.services import rebuild_progress, record, store
from tests.conftest import PG_URL
from tests.fixtures.concurrency import until_a_lock_is_awaited
from tests.fixtures.courses import actor
from tests.fixtures.xapi import CONTENT_COURSE, MODULE, XapiClient, progress, statement


@pytest.fixture
def xapi(client, make_lrs_client):
    """Content that is a module of ours, given its course's activities (only a list naming them reaches them)."""
    lrs_client, secret = make_lrs_client(activity_prefixes=[CONTENT_COURSE])
    return XapiClient(client, lrs_client.key, secret)


def test_a_statement_from_an_outside_client_moves_the_projection(xapi, make_user):
    user = make_user()
    assert progress(user) is None
    response = xapi.post(statement(actor=actor(user), verb={"id": v.PASSED}, object={"id": MODULE},
                                   result={"score": {"scaled": 0.8}, "success": True}))
    assert response.status_code == 200
    row = progress(user)
    assert (row.is_completed, row.success, row.best_scaled) == (True, True, 0.8)
    assert row.completed_statement == uuid.UUID(response.get_json()[0])


def test_voiding_reverts_the_projection(xapi, make_user):
    user = make_user()
    xapi.post(statement(actor=actor(user), verb={"id": v.EXPERIENCED}, object={"id": MODULE}))
    done = xapi.post(statement(actor=actor(user), verb={"id": v.COMPLETED}, object={"id": MODULE})).get_json()[0]
    assert progress(user).is_completed
    xapi.post(statement(verb={"id": v.VOIDED}, object={"objectType": "StatementRef", "id": done}))
    row = progress(user)
    assert row is not None and not row.is_completed and row.completed_at is None


def test_the_best_score_decides_success(app, make_user):
    user = make_user()
    record(user, v.FAILED, MODULE, result={"score": {"scaled": 0.4}, "success": False})
    assert progress(user).success is False
    record(user, v.PASSED, MODULE, result={"score": {"scaled": 0.9}, "success": True})
    record(user, v.FAILED, MODULE, result={"score": {"scaled": 0.5}, "success": False})
    row = progress(user)
    assert (row.success, row.best_scaled, row.is_completed) == (True, 0.9, True)


def test_mail_address_actors_count_for_their_user(xapi, make_user):
    user = make_user(email="ana@example.org")
    xapi.post(statement(actor={"mbox": "mailto:Ana@Example.org"}, verb={"id": v.COMPLETED}, object={"id": MODULE}))
    assert progress(user).is_completed
    jose = make_user(email="jos\u00e9@example.org")  # found as an address typed is: composed, no invisible character
    xapi.post(statement(actor={"mbox": "mailto:Jose\u0301@example.org\u200b"}, verb={"id": v.COMPLETED},
                        object={"id": MODULE}))
    assert progress(jose).is_completed


def test_statements_sent_by_address_before_the_account_count_once_the_person_proves_the_address(xapi, make_user,
                                                                                                   runner):
    """README: statements whose actor is the mailto: of a person's address count towards their progress. The
    person was matched only as a statement arrived: content used before the person was imported or invited
    counted for nothing, even after `lrs rebuild-progress`. Linked later, the address must be proven theirs (a
    link e-mailed to it used): an address an administrator mistyped must not hand them someone else's record."""
    from app.auth.tokens import TokenPurpose, issue_token, reset_password

    assert xapi.post(statement(actor={"mbox": "mailto:late@example.org"}, verb={"id": v.COMPLETED},
                               object={"id": MODULE})).status_code == 200
    person = make_user(email="late@example.org", password=None)
    db.session.commit()
    assert runner.invoke(args=["lrs", "rebuild-progress"]).exit_code == 0
    assert progress(person) is None  # nothing proves the address is theirs yet
    reset_password(issue_token(person, TokenPurpose.PASSWORD_RESET), "a-long-enough-password")
    db.session.commit()
    assert runner.invoke(args=["lrs", "rebuild-progress"]).exit_code == 0
    assert progress(person).is_completed


def test_accepting_an_invitation_counts_what_was_sent_by_address_before(xapi, make_user):
    from app.auth.tokens import TokenPurpose, accept_invitation, issue_token

    assert xapi.post(statement(actor={"mbox": "mailto:invited@example.org"}, verb={"id": v.PASSED},
                               object={"id": MODULE}, result={"score": {"scaled": 0.9}})).status_code == 200
    assert xapi.post(statement(actor={"mbox": "mailto:someone.else@example.org"}, verb={"id": v.COMPLETED},
                               object={"id": MODULE})).status_code == 200
    person = make_user(email="invited@example.org", password=None)
    raw = issue_token(person, TokenPurpose.INVITATION)
    db.session.commit()
    assert progress(person) is None
    accept_invitation(raw, "a-long-enough-password")
    db.session.commit()
    row = progress(person)
    assert (row.is_completed, row.success, row.best_scaled) == (True, True, 0.9)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Statement)
                             .where(Statement.user_id.is_(None))) == 1  # someone else's stays unlinked


def test_the_first_completion_is_the_earliest_whatever_the_order_of_arrival(xapi, make_user):
    """Content used offline sends its statements late: a completion timestamped earlier that arrives later is
    the first completion."""
    user = make_user()
    later = xapi.post(statement(actor=actor(user), verb={"id": v.COMPLETED}, object={"id": MODULE},
                                timestamp="2026-01-02T10:00:00Z")).get_json()[0]
    assert progress(user).completed_statement == uuid.UUID(later)
    earlier = xapi.post(statement(actor=actor(user), verb={"id": v.COMPLETED}, object={"id": MODULE},
                                  timestamp="2026-01-01T10:00:00Z")).get_json()[0]
    row = progress(user)
    assert row.completed_statement == uuid.UUID(earlier) and row.completed_at.isoformat().startswith("2026-01-01")


def test_success_that_happened_earlier_but_arrives_later_is_when_it_was_passed(xapi, make_user):
    """The projection folds statements in the order they happened: a failure sent late, timestamped before the
    pass, changes nothing; a pass sent late, timestamped before the first pass, is the pass."""
    user = make_user()

    def send(verb, minute, **result):
        response = xapi.post(statement(actor=actor(user), verb={"id": verb}, object={"id": MODULE},
                                       timestamp=f"2026-02-01T10:{minute:02d}:00Z", result=result))
        return uuid.UUID(response.get_json()[0])

    first = send(v.PASSED, 30, success=True, score={"scaled": 0.7})
    send(v.FAILED, 20, success=False, score={"scaled": 0.4})
    assert progress(user).passed_statement == first
    earlier = send(v.PASSED, 10, success=True, score={"scaled": 0.6})
    row = progress(user)
    assert (row.success, row.best_scaled, row.passed_statement) == (True, 0.7, earlier)
    assert row.first_seen_at.isoformat().startswith("2026-02-01T10:10")
    # the same again, in one batch whose statements are out of order among themselves
    other = make_user()
    batch = [statement(actor=actor(other), verb={"id": v.PASSED}, object={"id": MODULE},
                       timestamp=f"2026-02-01T10:{minute}:00Z", result={"success": True}) for minute in (50, 40)]
    ids = xapi.post(batch).get_json()
    assert progress(other).passed_statement == uuid.UUID(ids[1])



def test_a_score_sent_as_raw_min_and_max_is_compared_as_its_scaled_score(xapi, make_user):
    """Content that reports raw, min and max but no scaled score: a pass scored 8 of 10 is the best score, so a
    later failure scored 0.3 does not take the success away."""
    user = make_user()
    passed = xapi.post(statement(actor=actor(user), verb={"id": v.PASSED}, object={"id": MODULE},
                                 result={"score": {"raw": 8, "min": 0, "max": 10}, "success": True})).get_json()[0]
    xapi.post(statement(actor=actor(user), verb={"id": v.FAILED}, object={"id": MODULE},
                        result={"score": {"scaled": 0.3}, "success": False}))
    xapi.post(statement(actor=actor(user), verb={"id": v.FAILED}, object={"id": MODULE},
                        result={"score": {"raw": 15, "max": 20}, "success": False}))  # min 0 when not given
    row = progress(user)
    assert (row.success, row.best_scaled, row.passed_statement) == (True, 0.8, uuid.UUID(passed))


def test_a_pass_with_the_same_score_as_an_earlier_failure_is_a_success(app, make_user):
    """Two attempts with the same best score, one failed and one passed (the pass mark exactly, judged by two
    versions of the content): the person passed with that score."""
    user = make_user()
    record(user, v.FAILED, MODULE, result={"score": {"scaled": 0.8}, "success": False})
    passed = record(user, v.PASSED, MODULE, result={"score": {"scaled": 0.8}, "success": True})
    record(user, v.FAILED, MODULE, result={"score": {"scaled": 0.8}, "success": False})
    row = progress(user)
    assert (row.success, row.best_scaled, row.passed_statement) == (True, 0.8, passed.id)


def test_a_timestamp_in_the_future_counts_as_the_stored_time(xapi, make_user):
    """A device whose clock is years ahead: the completion happened when it was stored, not in 2099; a
    completion sent afterwards with a true timestamp is not taken for the first."""
    user = make_user()
    future = xapi.post(statement(actor=actor(user), verb={"id": v.COMPLETED}, object={"id": MODULE},
                                 timestamp="2099-01-01T00:00:00Z")).get_json()[0]
    stored = db.session.scalar(sa.select(Statement).where(Statement.id == uuid.UUID(future))).stored
    row = progress(user)
    assert (row.completed_at, row.first_seen_at, row.last_seen_at) == (stored, stored, stored)
    xapi.post(statement(actor=actor(user), verb={"id": v.COMPLETED}, object={"id": MODULE}))
    row = progress(user)
    assert (row.completed_statement, row.completed_at) == (uuid.UUID(future), stored)
    assert row.last_seen_at < stored.replace(year=2099)
    incremental = snapshot()
    rebuild_progress()
    assert snapshot() == incremental
    # the statement itself keeps the timestamp it was sent with
    assert xapi.get(params={"statementId": future}).get_json()["timestamp"] == "2099-01-01T00:00:00.000Z"

# --- rebuild-progress gives what incremental updates gave ---------------------------------------------

VERBS = [v.EXPERIENCED, v.COMPLETED, v.PASSED, v.FAILED, v.ANSWERED, v.ATTEMPTED, v.SCORED, v.TERMINATED]
ACTIVITIES = [MODULE, MODULE + "-b", "http://example.org/x"]

event = st.fixed_dictionaries({
    "person": st.integers(0, 2),
    "verb": st.sampled_from(VERBS),
    "activity": st.sampled_from(ACTIVITIES),
    "scaled": st.one_of(st.none(), st.floats(-1, 1, allow_nan=False).map(lambda f: round(f, 3))),
    "success": st.one_of(st.none(), st.booleans()),
    "completion": st.one_of(st.none(), st.booleans()),
    "void": st.integers(0, 30),  # void an earlier statement now and then...
    "target": st.integers(0, 1000),  # ...any of them (by position, modulo how many there are)
    "through_record": st.booleans(),  # record() (recorded once) or store() (as an outside client would)
    "minutes": st.integers(-90, 90),  # an outside client's timestamp, around a fixed moment (they arrive unordered)
    "with_previous": st.booleans(),  # sent in one batch with the outside statements before it
    # how an outside client says it: the score as raw/min/max instead of scaled, the person by e-mail address
    # instead of account, and when: around the fixed moment, years ahead (a clock set wrong), years back, or no
    # timestamp at all (the stored time)
    "as_raw": st.booleans(),
    "by_mail": st.booleans(),
    "when": st.sampled_from(["around", "around", "future", "past", "untimed"]),
})

WHEN = {"around": "2026-11-27", "future": "2099-03-01", "past": "1999-12-31"}


def snapshot():
    columns = ("user_id", "activity_iri", "is_completed", "success", "best_scaled", "completed_at",
               "completed_statement", "passed_statement", "first_seen_at", "last_seen_at")
    rows = db.session.execute(sa.select(*(getattr(Progress, c) for c in columns)))
    return sorted(tuple(row) for row in rows)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(event, min_size=1, max_size=25))
def test_rebuild_equals_incremental(app, make_user, monkeypatch, events):
    """Random sequences of statements (record(), single statements and batches from outside, with timestamps
    out of order, in the future, far back or none, scores as raw/min/max, actors by account or e-mail, voidings)
    project to what a rebuild from scratch gives."""
    from app.xapi import services

    monkeypatch.setattr(services, "COPY_FROM", 2)  # batches take PostgreSQL's COPY path however small they are
    db.session.execute(sa.delete(Progress))
    db.session.execute(sa.delete(Statement))
    people = [get_user_by_email(f"p{i}@example.org") or make_user(email=f"p{i}@example.org") for i in range(3)]
    stored_ids, batch = [], []

    def send():
        stored_ids.extend(str(row.id) for row in store(batch, v.authority()))
        batch.clear()

    for e in events:
        result = {k: val for k, val in (("success", e["success"]), ("completion", e["completion"])) if val is not None}
        if e["scaled"] is not None:
            result["score"] = {"scaled": e["scaled"]}
        if e["void"] == 0 and (stored_ids or batch):
            if batch:
                send()
            target = stored_ids[e["target"] % len(stored_ids)]
            batch.append(statement(verb={"id": v.VOIDED}, object={"objectType": "StatementRef", "id": target}))
            send()
        elif e["through_record"]:
            if batch:
                send()
            row = record(people[e["person"]], e["verb"], e["activity"], result=result or None)
            stored_ids.append(str(row.id))
        else:
            if batch and not e["with_previous"]:
                send()
            minute = 120 + e["minutes"]
            who = {"mbox": f"mailto:p{e['person']}@example.org"} if e["by_mail"] else actor(people[e["person"]])
            data = statement(actor=who, verb={"id": e["verb"]}, object={"id": e["activity"]})
            if e["when"] != "untimed":
                data["timestamp"] = f"{WHEN[e['when']]}T{minute // 60:02d}:{minute % 60:02d}:00Z"
            if e["as_raw"] and "score" in result:
                result["score"] = {"raw": round(result["score"]["scaled"] * 100), "min": -100, "max": 100}
            if result:
                data["result"] = result
            batch.append(data)
    if batch:
        send()
    db.session.flush()
    incremental = snapshot()
    rebuild_progress()
    db.session.flush()
    assert snapshot() == incremental
    db.session.rollback()


def test_a_pass_arriving_with_a_failure_is_not_lost(app, make_lrs_client, make_user):
    """A failed and a passed attempt of the same person and module stored at the same moment (two tabs, or
    content retrying): the projection must end with the pass, whichever commits last."""
    import threading

    lrs_client, secret = make_lrs_client(activity_prefixes=[CONTENT_COURSE])
    for round_ in range(4):
        user = make_user()
        module = f"{MODULE}-{round_}"
        db.session.commit()
        xapi = XapiClient(app.test_client(), lrs_client.key, secret)
        assert xapi.post(statement(actor=actor(user), object={"id": module})).status_code == 200
        gate, codes = threading.Barrier(2), []

        def send(verb, scaled, success):
            client = XapiClient(app.test_client(), lrs_client.key, secret)
            body = statement(actor=actor(user), verb={"id": verb}, object={"id": module},
                             result={"score": {"scaled": scaled}, "success": success})
            gate.wait(10)
            codes.append(client.post(body).status_code)

        threads = [threading.Thread(target=send, args=args) for args in ((v.FAILED, 0.3, False),
                                                                          (v.PASSED, 0.9, True))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert codes == [200, 200]
        row = progress(user, module)
        assert (row.success, row.best_scaled) == (True, 0.9), round_


def test_a_raw_score_without_min_counts_from_zero(xapi, make_user):
    """Content that sends raw and max only: 8 of 10 is 0.8, better than a later 0.3."""
    user = make_user()
    xapi.post(statement(actor=actor(user), verb={"id": v.PASSED}, object={"id": MODULE},
                        result={"score": {"raw": 8, "max": 10}, "success": True}))
    xapi.post(statement(actor=actor(user), verb={"id": v.FAILED}, object={"id": MODULE},
                        result={"score": {"scaled": 0.3}, "success": False}))
    row = progress(user)
    assert (row.best_scaled, row.success) == (0.8, True)


def test_without_scores_a_later_failure_does_not_undo_a_success(xapi, make_user):
    user = make_user()
    for verb in (v.PASSED, v.FAILED):
        xapi.post(statement(actor=actor(user), verb={"id": verb}, object={"id": MODULE}))
    assert progress(user).success is True


def test_a_result_that_says_completion_completes_whatever_the_verb(xapi, make_user):
    user = make_user()
    xapi.post(statement(actor=actor(user), verb={"id": v.EXPERIENCED}, object={"id": MODULE},
                        result={"completion": True}))
    assert progress(user).is_completed


def test_the_first_activity_is_the_earliest_whatever_the_order_of_arrival(xapi, make_user):
    user = make_user()
    for timestamp in ("2026-03-02T10:00:00Z", "2026-03-01T10:00:00Z", "2026-03-03T10:00:00Z"):
        xapi.post(statement(actor=actor(user), verb={"id": v.EXPERIENCED}, object={"id": MODULE},
                            timestamp=timestamp))
    row = progress(user)
    assert (row.first_seen_at.day, row.last_seen_at.day) == (1, 3)


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer in at a time: the statement waits for the rebuild")
def test_a_statement_stored_during_a_rebuild_folds_into_what_the_rebuild_wrote(app, xapi, make_user):
    """`flask lrs rebuild-progress` on a live site: a statement arriving while the rebuild had replaced the
    person's row (not yet committed) updated the row it had read, gone once the rebuild committed: a 500
    (StaleDataError), and the pass was lost. It now waits for the rebuild and folds into its rows."""
    user = make_user()
    db.session.commit()
    assert xapi.post(statement(actor=actor(user), verb={"id": v.FAILED}, object={"id": MODULE},
                               result={"score": {"scaled": 0.3}, "success": False})).status_code == 200
    rebuild_progress()  # its transaction still open
    answers = []

    def send_pass():
        client = XapiClient(app.test_client(), xapi.key, xapi.secret)
        try:
            answers.append(client.post(statement(actor=actor(user), verb={"id": v.PASSED}, object={"id": MODULE},
                                                 result={"score": {"scaled": 0.9}, "success": True})).status_code)
        except Exception as error:  # noqa: BLE001  (an error page, in production)
            answers.append(error)

    sender = threading.Thread(target=send_pass)
    sender.start()
    until_a_lock_is_awaited(passed=lambda: not sender.is_alive())  # the request waits for the rebuild's lock
    db.session.commit()
    sender.join(30)
    assert answers == [200]
    row = progress(user)
    assert (row.success, row.best_scaled) == (True, 0.9)
    incremental = snapshot()
    rebuild_progress()
    assert snapshot() == incremental


def test_a_raw_score_near_the_largest_numbers_still_counts_as_its_scaled_score(xapi, make_user):
    """raw, min and max close to a double's limits: raw - min and max - min overflowed to infinity, and the
    scaled score became NaN, which no later score beats: a pass scored 0.9 after it was not a success."""
    user = make_user()
    huge = {"raw": 1e308, "min": -1e308, "max": 1.5e308}  # 0.8 of the way from min to max
    response = xapi.post([
        statement(actor=actor(user), verb={"id": v.FAILED}, object={"id": MODULE},
                  result={"score": huge, "success": False}),
        statement(actor=actor(user), verb={"id": v.PASSED}, object={"id": MODULE},
                  result={"score": {"scaled": 0.9}, "success": True})])
    assert response.status_code == 200
    row = progress(user)
    assert (row.best_scaled, row.success) == (0.9, True)
    xapi.post(statement(actor=actor(user), verb={"id": v.EXPERIENCED}, object={"id": MODULE + "-b"},
                        result={"score": huge}))
    assert progress(user, MODULE + "-b").best_scaled == pytest.approx(0.8)


def test_the_rebuild_command_shows_how_far_it_is(xapi, make_user, runner):
    """On an LRS of a million statements the command ran for minutes without a word: it now says how many
    statements it folds and shows a bar as it goes (on the error stream, so that its last line stays the result)."""
    user = make_user()
    for verb in (v.EXPERIENCED, v.COMPLETED):
        xapi.post(statement(actor=actor(user), verb={"id": verb}, object={"id": MODULE}))
    result = runner.invoke(args=["lrs", "rebuild-progress"])
    assert result.exit_code == 0, result.output
    assert "Folding 2 statements" in result.stderr and "Folding" not in result.stdout
    assert result.stdout == "Progress rebuilt: 1 user-activity rows; 0 course completions recorded, 0 voided.\n"


def test_the_rebuild_writes_rows_without_looking_for_each(app, make_user):
    """Every row was thrown away: writing one looked for it first (a query, and a flush of the row before it,
    for each of a million rows). A row costs at most its insert (SQLite; PostgreSQL inserts them in batches)."""
    user = make_user()
    log = []

    def rebuild_counting(activities: int) -> int:
        db.session.execute(sa.delete(Statement))
        store([statement(actor=actor(user), verb={"id": v.EXPERIENCED}, object={"id": f"http://example.org/a{n}"})
               for n in range(activities)], v.authority())
        db.session.flush()
        log.clear()
        sa.event.listen(db.engine, "before_cursor_execute", counting)
        try:
            rebuild_progress()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counting)
        return len(log)

    def counting(*_args):
        log.append(1)

    few = rebuild_counting(3)
    assert rebuild_counting(30) <= few + 27


def test_the_rebuild_holds_one_persons_facts_at_a_time(app, make_user, monkeypatch):
    """The rebuild held the facts of every person and activity until the end (a site of 100,000 people, millions
    of rows, in memory at once): it now folds one person at a time, and writes each as it goes."""
    import weakref

    from app.xapi import services

    people = [make_user() for _ in range(6)]
    db.session.execute(sa.delete(Statement))
    store([statement(actor=actor(person), verb={"id": v.COMPLETED}, object={"id": f"http://example.org/a{n}"})
           for person in people for n in range(3)], v.authority())
    db.session.flush()
    live, most = weakref.WeakSet(), [0]

    class Counted(services.Facts):
        __hash__ = object.__hash__

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            live.add(self)

    def folding(facts, data, fold=services.fold):
        most[0] = max(most[0], len(live))
        return fold(facts, data)

    monkeypatch.setattr(services, "Facts", Counted)
    monkeypatch.setattr(services, "fold", folding)
    assert rebuild_progress().rows == 18
    assert 0 < most[0] <= 3


def test_the_rebuild_reconciles_each_person_once_with_their_courses_in_batches(app, make_user, monkeypatch):
    """progress_rebuilt gets the people whose progress names one of our courses, in the order of their ids, each
    once with the names of their courses sorted, RECONCILE_BATCH people at a time; the rebuild keeps only their
    ids by course meanwhile (bench/rebuild_courses.py)."""
    from app.signals import progress_rebuilt
    from app.xapi import services

    monkeypatch.setattr(services, "RECONCILE_BATCH", 2)
    people = [make_user() for _ in range(5)]
    db.session.execute(sa.delete(Statement))
    taken = {0: ["beta", "alpha"], 1: ["beta"], 2: [], 3: ["alpha", "gamma", "beta"], 4: ["gamma"]}
    store([statement(actor=actor(people[n]), verb={"id": v.EXPERIENCED},
                     object={"id": f"{v.module_iri(course, 'm1')}"}) for n, courses in taken.items()
           for course in courses] + [statement(actor=actor(people[2]), verb={"id": v.EXPERIENCED},
                                               object={"id": "http://example.org/elsewhere"})], v.authority())
    db.session.flush()
    batches = []

    def receiver(_sender, people, **_):
        batches.append(people)
        return 0, 0

    with progress_rebuilt.connected_to(receiver):
        rebuild_progress()
    ids = [person.id for person in people]
    assert batches == [{ids[0]: ["alpha", "beta"], ids[1]: ["beta"]},
                       {ids[3]: ["alpha", "beta", "gamma"], ids[4]: ["gamma"]}]
