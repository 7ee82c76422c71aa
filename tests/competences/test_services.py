"""Versions, and current_levels(): the highest level supported by evidence that has not expired."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden

from app.competences import services
from app.competences.models import SelfAssessment, ValidatedLevel
from app.competences.services import EVIDENCE_SOURCES, Evidence, current_levels
from app.errors import ValidationError
from app.extensions import db
from tests.fixtures.competences import texts

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)


def test_editing_an_unused_version_changes_it_in_place(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    services.edit_competence(trainer, sample_framework, "A1", {k: texts(k) for k in ("title", "knowledge", "skills",
                                                                                      "attitudes")})
    assert [v.number for v in sample_framework.versions] == [1]
    assert sample_framework.current.competences[0].knowledge == texts("knowledge")


def test_editing_a_used_version_makes_a_new_one_and_the_user_keeps_its_own(sample_framework, make_user):
    admin = make_user(roles=("admin",), country=None)
    first = sample_framework.current
    use = services.record_use(first, "plan", "plan-cl-2026")
    level = services.edit_level(admin, sample_framework, 2, texts("Practitioner"), texts("Applies alone"))
    assert level.version.number == 2 and level.version.is_current and not first.is_current
    assert use.version is first  # the plan keeps the version it was built on
    assert first.levels[1].descriptor["en"] == "Applies"
    services.edit_area(admin, sample_framework, "A", texts("Evidence and direction"))
    assert [v.number for v in sample_framework.versions] == [1, 2]  # version 2 is not used: edited in place
    with pytest.raises(ValidationError):  # no mover is registered for plans yet: their domain will add one
        services.move_use(admin, use, sample_framework.current)
    assert use.version is first


def test_edits_check_their_input_and_the_role(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    with pytest.raises(ValidationError) as error:
        services.edit_competence(trainer, sample_framework, "A1", {"title": {"en": "Only English"}})
    assert "title_es" in error.value.errors and "knowledge_pt_BR" in error.value.errors
    with pytest.raises(ValidationError):
        services.edit_competence(trainer, sample_framework, "A1",
                                 {k: texts(k) for k in ("title", "knowledge", "skills", "attitudes")},
                                 targets={"manager": 9})
    with pytest.raises(Forbidden):
        services.edit_area(make_user(roles=("coordinator",)), sample_framework, "A", texts("x"))


def validated(user, framework, code, level, when, by):
    row = ValidatedLevel(user_id=user.id, framework_id=framework.id, code=code, level=level, validated_at=when,
                         validated_by_id=by.id)
    db.session.add(row)
    db.session.commit()
    return row


def test_highest_unexpired_evidence_wins(sample_framework, make_user):
    coordinator = make_user(roles=("coordinator",), country="CL")
    person = make_user(country="CL")
    validated(person, sample_framework, "A1", 1, T0, coordinator)
    validated(person, sample_framework, "A1", 3, T0 + timedelta(days=10), coordinator)
    levels = current_levels(person, framework="demo", at=T0 + timedelta(days=30))
    assert levels["A1"].level == 3
    assert [e.level for e in levels["A1"].evidence] == [3, 1]
    assert levels["A1"].evidence[0].source == coordinator.full_name


def test_expiry_boundaries(sample_framework, make_user):
    """A1 is valid for 24 months: on the day it expires it no longer counts, the second before it does."""
    person = make_user(country="CL")
    validated(person, sample_framework, "A1", 2, T0, make_user(roles=("coordinator",), country="CL"))
    expiry = datetime(2028, 1, 15, 12, 0, tzinfo=timezone.utc)
    assert current_levels(person, framework="demo", at=expiry - timedelta(seconds=1))["A1"].level == 2
    assert "A1" not in current_levels(person, framework="demo", at=expiry)
    assert "A1" not in current_levels(person, framework="demo", at=T0 - timedelta(seconds=1))  # not yet achieved
    assert current_levels(person, framework="demo", at=T0)["A1"].evidence[0].expires_at == expiry


def test_competences_without_validity_never_expire(sample_framework, make_user):
    person = make_user(country="CL")
    validated(person, sample_framework, "B1", 2, T0, make_user(roles=("coordinator",), country="CL"))
    assert current_levels(person, framework="demo", at=T0 + timedelta(days=3650))["B1"].level == 2


def test_self_declared_levels_are_shown_apart_and_are_the_baseline_without_evidence(sample_framework, make_user):
    person = make_user(country="CL")
    services.self_assess(person, sample_framework, {"A1": 2, "B1": 1})
    db.session.commit()
    levels = current_levels(person, framework="demo")
    assert (levels["B1"].level, levels["B1"].self_declared, levels["B1"].baseline) == (None, 1, 1)
    assert levels["B1"].is_self_declared_only
    validated(person, sample_framework, "A1", 1, datetime.now(timezone.utc) - timedelta(days=1),
              make_user(roles=("coordinator",), country="CL"))
    levels = current_levels(person, framework="demo")
    # evidence decides even when the person thinks higher of themselves; the self-declared level is kept beside
    assert (levels["A1"].level, levels["A1"].self_declared, levels["A1"].baseline) == (1, 2, 1)
    with pytest.raises(ValidationError):
        services.self_assess(person, sample_framework, {"A1": 7})


def test_a_withdrawn_estimate_leaves_the_evidence_alone_and_the_baseline_to_it(sample_framework, make_user):
    person = make_user(country="CL")
    assert services.self_assess(person, sample_framework, {"A1": 2, "B1": None}) == 1  # B1: nothing to withdraw
    validated(person, sample_framework, "A1", 1, datetime.now(timezone.utc) - timedelta(days=1),
              make_user(roles=("coordinator",), country="CL"))
    assert services.self_assess(person, sample_framework, {"A1": None}) == 1
    db.session.commit()
    levels = current_levels(person, framework="demo")
    assert (levels["A1"].level, levels["A1"].self_declared, levels["A1"].baseline) == (1, None, 1)
    assert not services.has_self_assessed(person, sample_framework) and services.latest_self_declared(person, sample_framework) == {}
    assert services.self_assess(person, sample_framework, {"A1": None}) == 0
    with pytest.raises(ValidationError):
        services.self_assess(person, sample_framework, {"Z9": None})


def test_other_domains_add_evidence(sample_framework, make_user):
    """Courses register a source of evidence (modules completed successfully); the rule applies to it too."""
    person = make_user(country="CL")

    def modules(user):
        if user.id == person.id:
            yield Evidence("module", "demo", "A1", 3, T0, "http://itinera.test/activities/courses/x/modules/y")

    EVIDENCE_SOURCES.append(modules)
    try:
        levels = current_levels(person, framework="demo", at=T0 + timedelta(days=1))
        assert levels["A1"].level == 3 and levels["A1"].evidence[0].kind == "module"
        assert levels["A1"].evidence[0].expires_at == datetime(2028, 1, 15, 12, 0, tzinfo=timezone.utc)
    finally:
        EVIDENCE_SOURCES.remove(modules)


def test_of_evidence_of_one_level_the_one_that_counts_longest_comes_first(sample_framework, make_user):
    """A module gave level 2 of A1 (24 months) and a coordinator validated it again a year later: the level counts
    until the later one expires, and that is the evidence shown first ("counts until"), not the older one."""
    person = make_user(country="CL")
    coordinator = make_user(roles=("coordinator",), country="CL")

    def modules(user):
        if user.id == person.id:
            yield Evidence("module", "demo", "A1", 2, T0, "http://itinera.test/activities/courses/x/modules/y")
            yield Evidence("module", "demo", "B1", 2, T0, "http://itinera.test/activities/courses/x/modules/z")

    later = datetime(2027, 1, 15, 12, 0, tzinfo=timezone.utc)
    validated(person, sample_framework, "A1", 2, later, coordinator)
    validated(person, sample_framework, "B1", 2, later, coordinator)  # B1 never expires: the first one stays first
    EVIDENCE_SOURCES.append(modules)
    try:
        levels = current_levels(person, framework="demo", at=later + timedelta(days=1))
    finally:
        EVIDENCE_SOURCES.remove(modules)
    assert [(e.kind, e.expires_at) for e in levels["A1"].evidence] == [
        ("validated", datetime(2029, 1, 15, 12, 0, tzinfo=timezone.utc)),
        ("module", datetime(2028, 1, 15, 12, 0, tzinfo=timezone.utc))]
    assert [(e.kind, e.achieved_at) for e in levels["B1"].evidence] == [("module", T0), ("validated", later)]


def test_validating_a_level(sample_framework, make_user):
    coordinator = make_user(roles=("coordinator",), country="CL")
    person = make_user(country="CL")
    services.validate_level(coordinator, person, sample_framework, "B1", 2, note="Workshop in Concepción")
    assert current_levels(person, framework="demo")["B1"].level == 2
    with pytest.raises(Forbidden):
        services.validate_level(make_user(roles=("coordinator",), country="AR"), person, sample_framework, "B1", 2)
    with pytest.raises(ValidationError):
        services.validate_level(coordinator, person, sample_framework, "B1", 5)
    assert db.session.query(SelfAssessment).count() == 0


def test_a_validation_note_keeps_its_lines_but_not_what_shows_nothing(sample_framework, make_user):
    """The person reads the note with their level: a control character or a direction override pasted with it
    (which turns around the text after it) is dropped, its lines and tabs kept."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    person = make_user(country="CL")
    row = services.validate_level(coordinator, person, sample_framework, "B1", 2,
                                  note="  Taller\x01 en\u202e Concepción\r\n\t- informe\x1b\x7f\u2067 ")
    assert row.note == "Taller en Concepción\n\t- informe"


def test_evidence_of_another_framework_never_counts(sample_framework, make_user):
    """s3 and demo both have A1: evidence and self-assessments of demo A1 say nothing of s3 A1."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from tests.fixtures.competences import SAMPLE

    services.import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("slug: demo", "slug: s3"), "s3.yaml"))
    s3 = services.get_framework("s3")
    person = make_user(country="CL")
    coordinator = make_user(roles=("coordinator",), country="CL")
    recently = datetime.now(timezone.utc) - timedelta(days=1)
    validated(person, sample_framework, "A1", 3, recently, coordinator)
    validated(person, s3, "A1", 1, recently, coordinator)
    services.self_assess(person, sample_framework, {"B1": 2})
    db.session.commit()
    assert current_levels(person)["A1"].level == 1  # the default framework is the configured one, s3
    assert current_levels(person)["A1"].framework == "s3" and "B1" not in current_levels(person)
    demo = current_levels(person, framework="demo")
    assert (demo["A1"].level, demo["B1"].self_declared) == (3, 2)
    assert current_levels(person, framework="nope") == {}
    with pytest.raises(ValueError):
        current_levels(person, framework="")


def test_the_default_framework_is_configured(app, sample_framework, make_user):
    person = make_user(country="CL")
    coordinator = make_user(roles=("coordinator",), country="CL")
    validated(person, sample_framework, "A1", 3, datetime.now(timezone.utc) - timedelta(days=1), coordinator)
    db.session.commit()
    assert app.config["COMPETENCE_FRAMEWORK"] == "s3" and current_levels(person) == {}
    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    assert current_levels(person)["A1"].level == 3 and current_levels(person, framework=None)["A1"].framework == "demo"


def test_a_validity_beyond_the_calendar_never_expires(sample_framework, make_user):
    """Older data may hold more months than the form now allows: the level simply does not expire."""
    sample_framework.current.competences[0].validity_months = 200_000
    person = make_user(country="CL")
    validated(person, sample_framework, "A1", 2, T0, make_user(roles=("coordinator",), country="CL"))
    levels = current_levels(person, framework="demo", at=T0 + timedelta(days=1))
    assert levels["A1"].level == 2 and levels["A1"].evidence[0].expires_at is None


def test_edit_competence_bounds_validity_and_checks_alignments(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    base = {k: texts(k) for k in ("title", "knowledge", "skills", "attitudes")}
    for months in (0, 601, 200_000):
        with pytest.raises(ValidationError) as error:
            services.edit_competence(trainer, sample_framework, "A1", base, validity_months=months)
        assert "validity_months" in error.value.errors
    with pytest.raises(ValidationError) as error:
        services.edit_competence(trainer, sample_framework, "A1", base, alignments=[
            {"framework": "DigComp", "code": "1.2"}, {"framework": "EntreComp", "code": "1.10"}, {}])
    assert list(error.value.errors) == ["alignments-1-code"]
    competence = services.edit_competence(trainer, sample_framework, "A1", base, validity_months=600, alignments=[
        {"framework": "GreenComp", "code": " 2.1 ", "name": "Systems  thinking"}, {"framework": ""}])
    assert competence.alignments == [{"framework": "GreenComp", "code": "2.1", "name": "Systems thinking"}]
    assert services.edit_competence(trainer, sample_framework, "A1", base).alignments == competence.alignments


def test_texts_keep_line_breaks_as_files_do(sample_framework, make_user):
    base = {k: texts(k) for k in ("title", "knowledge", "skills", "attitudes")}
    base["skills"] = {**base["skills"], "en": "One.\r\nTwo.\rThree.\r\n"}
    competence = services.edit_competence(make_user(roles=("trainer",)), sample_framework, "A1", base)
    assert competence.skills["en"] == "One.\nTwo.\nThree."


def test_every_code_of_the_vocabulary_has_a_name_to_translate(app):
    from flask_babel import force_locale

    from app.competences.vocabulary import ALIGNMENT_CODES

    assert set(services.ALIGNMENT_NAMES) == {(f, c) for f, codes in ALIGNMENT_CODES.items() for c in codes}
    assert [len(ALIGNMENT_CODES[f]) for f in ("DigComp", "EntreComp", "GreenComp", "OECD-OPSI")] == [21, 15, 12, 6]
    with force_locale("en"):
        assert services.alignment_name({"framework": "DigComp", "code": "1.2", "name": "x"}) == \
            "Evaluating data, information and digital content"
        assert services.alignment_name({"framework": "ESCO", "uri": "http://x", "name": "analyse data"}) == \
            "analyse data"


@pytest.mark.parametrize("months, achieved, expires", [
    (1, datetime(2027, 1, 31, 10, 0, tzinfo=timezone.utc), datetime(2027, 2, 28, 10, 0, tzinfo=timezone.utc)),
    (1, datetime(2028, 1, 31, 10, 0, tzinfo=timezone.utc), datetime(2028, 2, 29, 10, 0, tzinfo=timezone.utc)),
    (12, datetime(2028, 2, 29, 0, 0, tzinfo=timezone.utc), datetime(2029, 2, 28, 0, 0, tzinfo=timezone.utc)),
    (48, datetime(2028, 2, 29, 0, 0, tzinfo=timezone.utc), datetime(2032, 2, 29, 0, 0, tzinfo=timezone.utc)),
    (1, datetime(2026, 12, 15, 9, 30, tzinfo=timezone.utc), datetime(2027, 1, 15, 9, 30, tzinfo=timezone.utc)),
])
def test_expiry_across_month_ends_and_leap_years(sample_framework, make_user, months, achieved, expires):
    """A month later is the same day of the month, or the last day of a shorter month; at that moment the
    evidence no longer counts, and a self-declared level above it stays apart."""
    sample_framework.current.competences[0].validity_months = months
    person = make_user(country="CL")
    validated(person, sample_framework, "A1", 2, achieved, make_user(roles=("coordinator",), country="CL"))
    db.session.add(SelfAssessment(user_id=person.id, framework_id=sample_framework.id, code="A1", level=3,
                                  assessed_at=achieved))
    db.session.commit()
    before = current_levels(person, framework="demo", at=expires - timedelta(microseconds=1))["A1"]
    assert (before.level, before.self_declared, before.baseline) == (2, 3, 2)
    assert before.evidence[0].expires_at == expires
    after = current_levels(person, framework="demo", at=expires)["A1"]
    assert (after.level, after.evidence, after.self_declared, after.baseline) == (None, [], 3, 3)


def test_an_edit_made_on_a_form_opened_before_another_edit_is_refused(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    base = {k: texts(k) for k in ("title", "knowledge", "skills", "attitudes")}
    opened = services.revision_of(sample_framework.current.competences[0])
    services.edit_competence(trainer, sample_framework, "A1", base, revision=opened)  # the first editor
    changed = {**base, "skills": {**texts("skills"), "en": "Mine"}}
    with pytest.raises(services.EditConflict) as error:
        services.edit_competence(trainer, sample_framework, "A1", changed, revision=opened)
    assert error.value.revision == services.revision_of(sample_framework.current.competences[0])
    assert sample_framework.current.competences[0].skills["en"] == "skills (en)"
    # the same values as now overwrite nothing: no conflict, and nothing to save
    services.edit_competence(trainer, sample_framework, "A1", base, revision=opened)
    services.edit_competence(trainer, sample_framework, "A1", changed, revision=error.value.revision)
    assert sample_framework.current.competences[0].skills["en"] == "Mine"


def test_a_date_means_the_whole_day_and_a_time_without_zone_is_utc(sample_framework, make_user):
    from datetime import date

    coordinator = make_user(roles=("coordinator",), country="CL")
    person = make_user(country="CL")
    validation = services.validate_level(coordinator, person, sample_framework, "B1", 2)
    validation.validated_at = datetime(2027, 3, 1, 23, 30, tzinfo=timezone.utc)
    db.session.commit()
    assert current_levels(person, framework="demo", at=date(2027, 3, 1))["B1"].level == 2  # late that day
    assert "B1" not in current_levels(person, framework="demo", at=date(2027, 2, 28))
    assert current_levels(person, framework="demo", at=datetime(2027, 3, 1, 23, 30))["B1"].level == 2
    assert "B1" not in current_levels(person, framework="demo", at=datetime(2027, 3, 1, 23, 29))


def test_a_self_assessment_made_after_the_moment_asked_about_is_not_read(sample_framework, make_user):
    """current_levels(at=...) tells the levels as they stood then: a later estimate was not yet made."""
    person = make_user(country="CL")
    for level, when in ((1, T0), (3, T0 + timedelta(days=10))):
        db.session.add(SelfAssessment(user_id=person.id, framework_id=sample_framework.id, code="B1", level=level,
                                      assessed_at=when))
    db.session.commit()
    assert "B1" not in current_levels(person, framework="demo", at=T0 - timedelta(seconds=1))
    assert current_levels(person, framework="demo", at=T0 + timedelta(days=1))["B1"].self_declared == 1
    assert current_levels(person, framework="demo", at=T0 + timedelta(days=20))["B1"].self_declared == 3


def test_the_current_version_decides_how_long_evidence_counts(sample_framework, make_user):
    """A1 counted 24 months in version 1; version 2 shortens it to 6. Evidence dated before every version (records
    from before the framework was loaded: T0 is earlier than version 1) was earned under no version Itinera knows,
    so the current one decides; evidence earned under a version keeps that version's rule (see
    test_evidence_keeps_the_validity_of_the_version_it_was_earned_under)."""
    admin = make_user(roles=("admin",), country=None)
    services.record_use(sample_framework.current, "plan", "plan-cl-2026")  # version 1 is used: edits make a new one
    services.edit_competence(admin, sample_framework, "A1",
                             {k: texts(k) for k in ("title", "knowledge", "skills", "attitudes")}, validity_months=6)
    assert [(v.number, v.competences[0].validity_months) for v in sample_framework.versions] == [(1, 24), (2, 6)]
    person = make_user(country="CL")
    validated(person, sample_framework, "A1", 2, T0, make_user(roles=("coordinator",), country="CL"))
    six_months = datetime(2026, 7, 15, 12, 0, tzinfo=timezone.utc)
    assert current_levels(person, framework="demo", at=T0)["A1"].evidence[0].expires_at == six_months
    assert "A1" not in current_levels(person, framework="demo", at=six_months)


def test_evidence_keeps_the_validity_of_the_version_it_was_earned_under(sample_framework, make_user):
    """A level validated under version 1 (A1: 24 months) still counts 24 months once version 2 shortens A1 to one
    month; evidence earned under version 2 counts one month. Checking twice the same level follows the same rule."""
    admin = make_user(roles=("admin",), country=None)
    coordinator = make_user(roles=("coordinator",), country="CL")
    person, later = make_user(country="CL"), make_user(country="CL")
    services.record_use(sample_framework.current, "plan", "plan-cl-2026")
    row = services.validate_level(coordinator, person, sample_framework, "A1", 2)
    db.session.commit()
    services.edit_competence(admin, sample_framework, "A1",
                             {k: texts(k) for k in ("title", "knowledge", "skills", "attitudes")}, validity_months=1)
    db.session.commit()
    assert sample_framework.current.number == 2
    three_months = row.validated_at + timedelta(days=92)
    evidence = current_levels(person, framework="demo", at=three_months)["A1"].evidence[0]
    assert (evidence.version, evidence.expires_at) == (1, services._add_months(row.validated_at, 24))
    with pytest.raises(ValidationError):  # still validated: not validated twice
        services.validate_level(coordinator, person, sample_framework, "A1", 2)
    db.session.rollback()
    after = validated(later, sample_framework, "A1", 2, sample_framework.current.created_at + timedelta(days=1),
                      coordinator)
    evidence = current_levels(later, framework="demo", at=after.validated_at)["A1"].evidence[0]
    assert (evidence.version, evidence.expires_at) == (2, services._add_months(after.validated_at, 1))
    assert "A1" not in current_levels(later, framework="demo", at=after.validated_at + timedelta(days=32))


def test_a_withdrawn_validation_does_not_keep_an_unused_account(sample_framework, make_user):
    """A level validated for someone invited who never signed in, then withdrawn (a mistake), no longer stops the
    invitation from being withdrawn; one that stands still does (the account is made inactive instead)."""
    from app.auth.models import User
    from app.auth.tokens import withdraw_invitation

    coordinator = make_user(roles=("coordinator",), country="CL")
    invited = make_user(("trainee",), country="CL", password=None)
    row = services.validate_level(coordinator, invited, sample_framework, "A1", 2)
    db.session.commit()
    with pytest.raises(ValidationError):
        withdraw_invitation(coordinator, invited)
    db.session.rollback()
    services.withdraw_validation(coordinator, row)
    db.session.commit()
    user_id, row_id = invited.id, row.id
    withdraw_invitation(coordinator, invited)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user_id) is None and db.session.get(ValidatedLevel, row_id) is None


def test_withdrawing_a_validation_of_a_competence_a_later_version_dropped_names_it(sample_framework, make_user):
    """Version 2 drops B1: the person is told which competence and level the withdrawn validation was of, as the
    version it was made under names them (not "B1 : 2. ")."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.notifications.models import Notification
    from app.notifications.services import text_of
    from tests.fixtures.competences import SAMPLE

    coordinator = make_user(roles=("coordinator",), country="CL", name="Carla Coord")
    person = make_user(("trainee",), country="CL", locale="en")
    row = services.validate_level(coordinator, person, sample_framework, "B1", 2)
    db.session.commit()
    without_b1 = SAMPLE.replace("version: 1", "version: 2")
    services.import_framework(SYSTEM, files.read_yaml(without_b1[:without_b1.index("  - code: B1")], "demo.yaml"))
    db.session.commit()
    services.withdraw_validation(coordinator, row)
    db.session.commit()
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == person.id)
                              .order_by(Notification.id)).all()[-1]
    assert text_of(told) == "Carla Coord withdrew the validation of your level in B1 Discovery: 2. Practitioner"


def test_a_withdrawn_validation_keeps_no_version(sample_framework, make_user):
    """A validation made by mistake and withdrawn no longer counts: nothing stands under version 1, so an edit
    changes it in place rather than making version 2."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    row = services.validate_level(coordinator, make_user(("trainee",), country="CL"), sample_framework, "A1", 2)
    services.withdraw_validation(coordinator, row)
    db.session.commit()
    services.edit_competence(make_user(roles=("admin",), country=None), sample_framework, "A1",
                             {k: texts(k) for k in ("title", "knowledge", "skills", "attitudes")}, validity_months=1)
    db.session.commit()
    assert [(v.number, v.competences[0].validity_months) for v in sample_framework.versions] == [(1, 1)]

def test_a_version_levels_were_validated_under_is_kept_as_it_was(client, login_as, sample_framework, make_user):
    """Nothing is built on version 1, but a level was validated under it: shortening A1's validity makes version 2,
    and the validation keeps counting 24 months (changed in place, it would have counted one). The edit page says
    so before saving."""
    coordinator = make_user(roles=("coordinator",), country="CL")
    person = make_user(("trainee",), country="CL")
    row = services.validate_level(coordinator, person, sample_framework, "A1", 2)
    db.session.commit()
    login_as("admin", country=None, locale="en")
    page = client.get("/competences/demo/competences/A1/edit").get_data(as_text=True)
    assert "Levels were validated for people under version 1 of this framework: saving a change creates version 2" \
        in page
    services.edit_competence(make_user(roles=("admin",), country=None), sample_framework, "A1",
                             {k: texts(k) for k in ("title", "knowledge", "skills", "attitudes")}, validity_months=1)
    db.session.commit()
    assert [(v.number, v.competences[0].validity_months) for v in sample_framework.versions] == [(1, 24), (2, 1)]
    evidence = current_levels(person, framework="demo", at=row.validated_at + timedelta(days=92))["A1"].evidence[0]
    assert (evidence.version, evidence.expires_at) == (1, services._add_months(row.validated_at, 24))
    services.edit_competence(  # nothing built on version 2, nothing validated under it: changed in place
        make_user(roles=("admin",), country=None), sample_framework, "A1",
        {k: texts(k) for k in ("title", "knowledge", "skills", "attitudes")}, validity_months=2)
    assert [v.number for v in sample_framework.versions] == [1, 2]


def test_a_version_people_estimated_their_levels_under_is_kept_as_it_was(client, login_as, sample_framework,
                                                                         make_user):
    """Nothing is built on version 1 and nothing validated under it, but a trainee estimated their level of A1
    against its scale: rewording level 2 makes version 2, and version 1 still says what "2" meant then. The edit
    page says so before saving."""
    services.self_assess(make_user(("trainee",), country="CL"), sample_framework, {"A1": 2})
    db.session.commit()
    login_as("admin", country=None, locale="en")
    page = client.get("/competences/demo/levels/2/edit").get_data(as_text=True)
    assert ("People estimated their own levels under version 1 of this framework: saving a change creates version 2, "
            "and version 1 keeps saying what their estimates meant.") in page
    level = sample_framework.current.levels[1]
    services.edit_level(make_user(roles=("admin",), country=None), sample_framework, 2, level.name,
                        {"en": "Applies alone", "es": "Aplica solo", "pt_BR": "Aplica sozinho"})
    db.session.commit()
    assert [(v.number, v.levels[1].descriptor["en"]) for v in sample_framework.versions] == [
        (1, "Applies"), (2, "Applies alone")]
