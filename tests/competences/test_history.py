"""A framework's history: every edit, import and version made by an edit leaves one row saying who changed what,
when, and what it said before."""
import pytest
import sqlalchemy as sa

from app.auth.services import SYSTEM
from app.competences import files, services
from app.competences.models import FrameworkChange
from app.extensions import db
from tests.fixtures.competences import SAMPLE, texts

TEXTS = ("title", "knowledge", "skills", "attitudes")


def changes_of(framework) -> list[FrameworkChange]:
    """The framework's history rows, oldest first."""
    return list(db.session.scalars(sa.select(FrameworkChange).where(FrameworkChange.framework_id == framework.id)
                                   .order_by(FrameworkChange.id)))


def texts_of(part, names) -> dict:
    return {name: dict(getattr(part, name)) for name in names}


def a1_as_it_is(framework) -> tuple[dict, dict]:
    competence = framework.current.competences[0]
    return texts_of(competence, TEXTS), {"validity_months": competence.validity_months,
                                         "targets": dict(competence.targets), "alignments": competence.alignments}


def test_an_import_is_recorded_with_its_file(sample_framework):
    [change] = changes_of(sample_framework)
    assert (change.kind, change.version_number, change.key, change.actor_id) == ("import", 1, "", None)
    assert change.changes == [{"field": "source", "before": None, "after": "demo.yaml"}]
    data = files.read_yaml(SAMPLE, "demo.yaml")
    assert services.import_framework(SYSTEM, data, source="demo.yaml")[1] == "unchanged"
    assert len(changes_of(sample_framework)) == 1  # loading the same version again changes nothing
    newer = files.read_yaml(SAMPLE.replace("version: 1", "version: 2"), "demo.yaml")
    services.import_framework(SYSTEM, newer, source="courses/_frameworks/demo-2.yaml")
    services.import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("version: 1", "version: 3"), "demo.yaml"))
    assert [(c.kind, c.version_number) for c in changes_of(sample_framework)] == [("import", 1), ("import", 2),
                                                                                 ("import", 3)]
    assert changes_of(sample_framework)[-1].changes == [{"field": "source", "before": None, "after": ""}]


def test_a_competence_edit_records_only_what_changed(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    edited, rest = a1_as_it_is(sample_framework)
    edited["skills"]["pt_BR"] = "Constrói perfis regionais"
    services.edit_competence(trainer, sample_framework, "A1", edited, **{**rest, "validity_months": 12})
    db.session.commit()
    [_import, change] = changes_of(sample_framework)
    assert (change.kind, change.key, change.version_number, change.actor_id) == ("competence", "A1", 1, trainer.id)
    assert change.changes == [
        {"field": "skills", "key": "pt_BR", "before": "Constrói perfis", "after": "Constrói perfis regionais"},
        {"field": "validity_months", "before": 24, "after": 12}]


def test_targets_and_alignments_are_recorded_as_they_change(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    edited, rest = a1_as_it_is(sample_framework)
    services.edit_competence(trainer, sample_framework, "A1", edited, validity_months=24,
                             targets={"technician": 3, "manager": 3}, alignments=[])
    change = changes_of(sample_framework)[-1]
    assert change.changes == [
        {"field": "targets", "key": "manager", "before": 2, "after": 3},
        {"field": "alignments", "before": [{"framework": "DigComp", "code": "1.2", "name": "Evaluating data"}],
         "after": []}]


def test_saving_nothing_new_records_nothing(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    edited, rest = a1_as_it_is(sample_framework)
    services.edit_competence(trainer, sample_framework, "A1", edited, **rest)
    level = sample_framework.current.levels[0]
    services.edit_level(trainer, sample_framework, 1, dict(level.name), dict(level.descriptor))
    services.edit_area(trainer, sample_framework, "A", dict(sample_framework.current.areas[0].title))
    assert [c.kind for c in changes_of(sample_framework)] == ["import"]


def test_a_level_and_an_area_edit_each_record_one_change(sample_framework, make_user):
    admin = make_user(roles=("admin",), country=None)
    level = sample_framework.current.levels[1]
    services.edit_level(admin, sample_framework, 2, {**level.name, "es": "Practicante autónomo"},
                        dict(level.descriptor))
    services.edit_area(admin, sample_framework, "B", texts("Discovery"))
    level_change, area_change = changes_of(sample_framework)[1:]
    assert (level_change.kind, level_change.key) == ("level", "2")
    assert level_change.changes == [{"field": "name", "key": "es", "before": "Practicante",
                                     "after": "Practicante autónomo"}]
    assert (area_change.kind, area_change.key, len(area_change.changes)) == ("area", "B", 3)
    assert {c["key"]: (c["before"], c["after"]) for c in area_change.changes} == {
        "en": ("Discovery", "Discovery (en)"), "es": ("Descubrimiento", "Discovery (es)"),
        "pt_BR": ("Descoberta", "Discovery (pt)")}


def test_an_edit_of_a_used_version_records_the_copy_then_the_edit(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    services.record_use(sample_framework.current, "plan", "plan-cl-2026")
    services.edit_area(trainer, sample_framework, "A", {"en": "Evidence base", "es": "Evidencia",
                                                        "pt_BR": "Evidências"})
    copy, edit = changes_of(sample_framework)[1:]
    assert (copy.kind, copy.version_number, copy.actor_id) == ("new version", 2, trainer.id)
    assert copy.changes == [{"field": "edited_from", "before": None, "after": 1}]
    assert (edit.kind, edit.version_number) == ("area", 2)
    assert edit.changes == [{"field": "title", "key": "en", "before": "Evidence", "after": "Evidence base"}]


def test_record_change_records_a_part_added_or_removed(sample_framework, make_user):
    """The hook other services (adding or removing a part) call."""
    admin = make_user(roles=("admin",), country=None)
    version = sample_framework.current
    added = services._record_change(admin, version, "area", "C", {}, {"title": {"en": "New"}})
    assert added.changes == [{"field": "title", "key": "en", "before": None, "after": "New"}]
    removed = services._record_change(admin, version, "competence", "B1", {"validity_months": 6}, {})
    assert removed.changes == [{"field": "validity_months", "before": 6, "after": None}]
    assert services._record_change(admin, version, "area", "A", {"title": {"en": "x"}}, {"title": {"en": "x"}}) is None


def test_a_removed_account_s_changes_stay_without_its_name(sample_framework, make_user):
    trainer = make_user(roles=("trainer",), name="Gone Person")
    services.edit_area(trainer, sample_framework, "A", texts("Evidence"))
    db.session.commit()
    db.session.delete(trainer)
    db.session.commit()
    change = changes_of(sample_framework)[-1]
    assert change.kind == "area" and change.actor_id is None and len(change.changes) == 3
