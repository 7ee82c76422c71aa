"""`flask lrs rebuild-progress` and the courses: what the rebuilt projection shows done decides, as a statement
stored would, which courses stand completed. A course whose modules are now all done gets its ``completed``; one
whose ``completed`` nothing supports any more has it voided, by Itinera; once per person and course."""
import sqlalchemy as sa

from app.auth.tokens import TokenPurpose, issue_token, reset_password
from app.extensions import db
from app.signals import invitation_accepted, module_completed, module_undone
from app.xapi import vocabulary as v
from app.xapi.models import Statement
from tests.fixtures.courses import completions, course_row, done, snapshot, voiding


def statement_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Statement))


def rebuild(runner) -> str:
    result = runner.invoke(args=["lrs", "rebuild-progress"])
    assert result.exit_code == 0, result.output
    return result.output


def test_modules_done_by_address_before_the_account_complete_the_course_on_rebuilding(synced_course, lrs,
                                                                                      make_user, runner):
    """Content used before the person had an account sends by e-mail address: the rebuild gives those statements
    to the account once the address is proven, and with them the course the modules complete."""
    for module in ("intro", "practice"):
        data = {"actor": {"mbox": "mailto:late@example.org"}, "verb": {"id": v.COMPLETED},
                "object": {"id": v.module_iri("pilot", module)}, "context": {"language": "es"}}
        assert lrs.post(data).status_code == 200
    person = make_user(("trainee",), email="late@example.org", password=None)
    with invitation_accepted.muted():  # proven under a release that linked statements only on rebuilding
        reset_password(issue_token(person, TokenPurpose.PASSWORD_RESET), "a-long-enough-password")
    db.session.commit()
    assert completions(person) == []

    assert "1 course completion recorded, 0 voided" in rebuild(runner)
    [course] = completions(person)
    assert course.client_id is None and course.data["authority"] == v.authority()
    assert course.data["context"]["revision"] == str(synced_course.current.version)
    assert course.data["context"]["language"] == "es"  # the language the completing statement names
    assert course_row(person).is_completed and course_row(person).completed_statement == course.id


def test_a_course_completed_by_a_statement_nothing_supports_is_voided_on_rebuilding(synced_course, lrs, make_user,
                                                                                    runner):
    """A module's completion voided while voidings left the course completed (before 2026-12-06): the rebuild
    voids the course's ``completed``, by Itinera."""
    trainee = make_user(("trainee",))
    db.session.commit()
    first, _intro = lrs.post([done(trainee, "practice"), done(trainee, "intro")]).get_json()
    [course] = completions(trainee)
    with module_undone.muted():  # what a release before 2026-12-06 did: nothing
        assert lrs.post(voiding(first)).status_code == 200
    assert [s.id for s in completions(trainee, standing=True)] == [course.id]

    assert "0 course completions recorded, 1 voided" in rebuild(runner)
    assert completions(trainee, standing=True) == []
    [by_itinera] = db.session.scalars(sa.select(Statement).where(Statement.ref_id == course.id)).all()
    assert by_itinera.is_voiding and by_itinera.client_id is None and by_itinera.data["actor"] == v.authority()
    row = course_row(trainee)
    assert row is None or not row.is_completed


def test_rebuilding_twice_changes_nothing_the_second_time(synced_course, lrs, make_user, runner, monkeypatch):
    """Several people, in batches of one: each course is reconciled once; a second rebuild records and voids
    nothing, and leaves the projection as it was."""
    from app.xapi import services

    monkeypatch.setattr(services, "RECONCILE_BATCH", 1)
    people = [make_user(("trainee",)) for _ in range(3)]
    db.session.commit()
    with module_undone.muted():
        first, _ = lrs.post([done(people[0], "practice"), done(people[0], "intro")]).get_json()
        assert lrs.post(voiding(first)).status_code == 200
    with module_completed.muted():  # completed through outside content before 2026-12-06: no course statement
        lrs.post([done(people[1], "practice"), done(people[1], "intro"), done(people[2], "intro")])
    assert completions(people[1]) == []

    assert "1 course completion recorded, 1 voided" in rebuild(runner)
    assert [len(completions(p, standing=True)) for p in people] == [0, 1, 0]
    before, count = snapshot(), statement_count()
    assert "0 course completions recorded, 0 voided" in rebuild(runner)
    assert snapshot() == before and statement_count() == count
