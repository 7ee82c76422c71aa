"""Adding and removing competences and areas in Itinera: the rules edits follow (a new version once something is
built on the current one), codes that stay with their competence, and what a framework file still round-trips."""
import pytest
from flask_babel import force_locale
from werkzeug.exceptions import Forbidden

from app.auth.services import SYSTEM
from app.competences import files, services
from app.competences.models import ValidatedLevel
from app.courses.services import set_published
from app.errors import ValidationError
from app.extensions import db
from tests.fixtures.competences import texts

FIELDS = ("title", "knowledge", "skills", "attitudes")


def new_texts(word="New"):
    return {name: texts(f"{word} {name}") for name in FIELDS}


def add(actor, framework, area="B", code="B2", **kwargs):
    competence = services.add_competence(actor, framework, area, code, kwargs.pop("texts", new_texts()), **kwargs)
    db.session.commit()
    return competence


def codes(version):
    return [c.code for c in version.competences]


def test_adding_to_an_unused_version_changes_it_in_place(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    competence = add(trainer, sample_framework, validity_months=12, targets={"technician": 2, "manager": None},
                     alignments=[{"framework": "DigComp", "code": "1.1"}, {}])
    assert [v.number for v in sample_framework.versions] == [1]
    assert competence.version is sample_framework.current and competence.area.code == "B"
    assert competence.targets == {"technician": 2} and competence.validity_months == 12
    assert competence.alignments == [{"framework": "DigComp", "code": "1.1"}]
    assert codes(sample_framework.current) == ["A1", "B1", "B2"]
    assert [c.code for c in sample_framework.current.areas[1].competences] == ["B1", "B2"]


def test_adding_to_a_used_version_makes_a_new_one(sample_framework, make_user):
    first = sample_framework.current
    use = services.record_use(first, "plan", "plan-cl-2026")
    db.session.commit()
    add(make_user(roles=("admin",), country=None), sample_framework)
    assert [v.number for v in sample_framework.versions] == [1, 2]
    assert codes(sample_framework.current) == ["A1", "B1", "B2"] and codes(first) == ["A1", "B1"]
    assert use.version is first and sample_framework.current.edited_from == 1


def test_adding_after_a_validation_under_the_version_makes_a_new_one(sample_framework, make_user):
    admin = make_user(roles=("admin",), country=None)
    services.validate_level(admin, make_user(country="CL"), sample_framework, "A1", 2)
    db.session.commit()
    add(admin, sample_framework)
    assert [v.number for v in sample_framework.versions] == [1, 2]


def test_new_competences_and_areas_take_their_place_by_code(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    for code in ("B10", "B2"):
        add(trainer, sample_framework, code=code)
    add(trainer, sample_framework, area="A", code="A0")
    services.add_area(trainer, sample_framework, "AB", texts("Between"))
    services.add_area(trainer, sample_framework, "C", texts("Last"))
    add(trainer, sample_framework, area="AB", code="AB1")
    db.session.commit()
    db.session.expire_all()
    version = sample_framework.current
    assert codes(version) == ["A0", "A1", "AB1", "B1", "B2", "B10"]
    assert [a.code for a in version.areas] == ["A", "AB", "B", "C"]
    assert [c.code for c in services.load_areas(version).areas[2].competences] == ["B1", "B2", "B10"]


def test_codes_must_follow_the_file_rule_and_never_be_reused(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    for bad in ("", "B 2", "Á2", "B2.1", "x" * 21, "-B2"):
        with pytest.raises(ValidationError) as error:
            add(trainer, sample_framework, code=bad)
        assert "up to 20 letters A-Z" in str(error.value.errors["code"]), bad
        assert not files.CODE.match(bad)  # the rule the file import applies
    db.session.rollback()
    for taken in ("B1", "b1"):
        with pytest.raises(ValidationError) as error:
            add(trainer, sample_framework, code=taken)
        assert str(error.value.errors["code"]) == "Competence B1 is already in the framework: choose another code"
        db.session.rollback()
    add(trainer, sample_framework, code="B2")
    services.remove_competence(trainer, sample_framework, "B2")  # in place: nothing was built on it, no trace
    assert services.next_competence_code(sample_framework, "B") == "B2"
    add(trainer, sample_framework, code="B2")
    services.record_use(sample_framework.current, "plan", "plan-1")
    services.remove_competence(trainer, sample_framework, "B2")
    db.session.commit()
    assert services.next_competence_code(sample_framework, "B") == "B3"
    with pytest.raises(ValidationError) as error:  # B2 stays the removed competence's address
        add(trainer, sample_framework, code="B2")
    assert str(error.value.errors["code"]) == ("Version 1 had a competence B2, and its address still names it: "
                                               "choose another code")


def test_every_text_in_every_language_is_needed(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    partial = new_texts()
    partial["skills"] = {"en": "Only English", "es": " ", "pt_BR": ""}
    with pytest.raises(ValidationError) as error:
        add(trainer, sample_framework, texts=partial, targets={"manager": 7})
    assert {"skills_es", "skills_pt_BR", "target_manager"} <= set(error.value.errors)
    with pytest.raises(ValidationError) as error:
        services.add_area(trainer, sample_framework, "C", {"en": "Only English"})
    assert set(error.value.errors) == {"title_es", "title_pt_BR"}
    with pytest.raises(ValidationError) as error:
        add(trainer, sample_framework, area="Z")
    db.session.rollback()
    assert codes(sample_framework.current) == ["A1", "B1"] and len(sample_framework.current.areas) == 2


def test_only_editors_add_and_remove(sample_framework, make_user):
    for role in ("coordinator", "trainee"):
        someone = make_user(roles=(role,), country="CL")
        with pytest.raises(Forbidden):
            add(someone, sample_framework)
        with pytest.raises(Forbidden):
            services.add_area(someone, sample_framework, "C", texts("C"))
        with pytest.raises(Forbidden):
            services.remove_competence(someone, sample_framework, "B1")
        with pytest.raises(Forbidden):
            services.remove_area(someone, sample_framework, "B")


def test_sent_twice_adds_once(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    first = add(trainer, sample_framework)
    assert add(trainer, sample_framework) is first
    area = services.add_area(trainer, sample_framework, "C", texts("C"))
    assert services.add_area(trainer, sample_framework, "C", texts("C")) is area
    with pytest.raises(ValidationError):  # the same code with other texts is another competence
        add(trainer, sample_framework, texts=new_texts("Other"))


def test_a_competence_a_published_course_develops_stays(synced_course, sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    with force_locale("en"), pytest.raises(ValidationError) as error:
        services.remove_competence(trainer, sample_framework, "A1")
    assert str(error.value.errors["code"]) == ("A1 cannot be removed: published courses develop it (Pilot course). "
                                               "Remove it from their modules first, or withdraw them from the "
                                               "catalogue.")
    set_published(trainer, synced_course, False)
    version = services.remove_competence(trainer, sample_framework, "A1")
    db.session.commit()
    assert version.number == 2 and codes(version) == ["B1"]  # the course is built on version 1: it keeps A1
    assert codes(services.get_version(sample_framework, 1)) == ["A1", "B1"]


def test_removing_keeps_earlier_versions_and_evidence(sample_framework, make_user):
    admin = make_user(roles=("admin",), country=None)
    person = make_user(country="CL")
    services.validate_level(admin, person, sample_framework, "A1", 2)
    db.session.commit()
    services.remove_competence(admin, sample_framework, "A1")
    db.session.commit()
    assert [v.number for v in sample_framework.versions] == [1, 2] and codes(sample_framework.current) == ["B1"]
    assert services.current_levels(person, framework="demo")["A1"].level == 2
    _current, rows = services.profile(admin, person, "demo")
    assert [(row.competence.code, row.competence.version.number) for row in rows] == [("B1", 2), ("A1", 1)]
    assert db.session.query(ValidatedLevel).count() == 1


def test_removing_from_an_unused_version_is_in_place_and_the_last_one_stays(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    services.remove_competence(trainer, sample_framework, "A1")
    db.session.commit()
    assert [v.number for v in sample_framework.versions] == [1] and codes(sample_framework.current) == ["B1"]
    with force_locale("en"), pytest.raises(ValidationError) as error:
        services.remove_competence(trainer, sample_framework, "B1")
    assert "only competence" in str(error.value.errors["code"])
    with pytest.raises(ValidationError):
        services.remove_competence(trainer, sample_framework, "A1")


def test_only_an_empty_area_goes(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    with pytest.raises(ValidationError) as error:
        services.remove_area(trainer, sample_framework, "B")
    assert str(error.value.errors["code"]) == "Area B still has competences: remove them first."
    services.record_use(sample_framework.current, "plan", "plan-1")
    services.remove_competence(trainer, sample_framework, "B1")
    version = services.remove_area(trainer, sample_framework, "B")
    db.session.commit()
    assert version.number == 2 and [a.code for a in version.areas] == ["A"]
    assert [a.code for a in services.get_version(sample_framework, 1).areas] == ["A", "B"]
    with pytest.raises(ValidationError) as error:
        services.remove_area(trainer, sample_framework, "A")
    with pytest.raises(ValidationError) as error:  # the area's code stays with it too
        services.add_area(trainer, sample_framework, "b", texts("Again"))
    assert "Version 1 had an area B" in str(error.value.errors["code"])


def test_a_framework_changed_in_the_browser_round_trips_through_its_file(sample_framework, make_user):
    """Export the version the browser made and import it as the next: the same data, whichever the format."""
    trainer = make_user(roles=("trainer",))
    services.record_use(sample_framework.current, "plan", "plan-1")
    services.add_area(trainer, sample_framework, "C", texts("Third area"))
    add(trainer, sample_framework, area="C", code="C1", validity_months=6, targets={"manager": 1},
        alignments=[{"framework": "ESCO", "name": "A skill",
                     "uri": "http://data.europa.eu/esco/skill/0a1b2c3d-0000-4000-8000-00000000abcd"}])
    add(trainer, sample_framework, area="A", code="A2")
    services.remove_competence(trainer, sample_framework, "B1")
    services.remove_area(trainer, sample_framework, "B")
    db.session.commit()
    made = services.data_of(sample_framework.current)
    assert made.version == 2 and [c["code"] for c in made.competences] == ["A1", "A2", "C1"]
    for text in (files.write_yaml(made), files.write_csv(made)):
        read = files.read_yaml(text, "demo.yaml") if text.startswith("slug") else files.read_csv(text, "demo.csv")
        assert files.write_yaml(read) == files.write_yaml(made)
    again = files.read_yaml(files.write_yaml(made).replace("version: 2", "version: 3"), "demo.yaml")
    version, outcome = services.import_framework(SYSTEM, again)
    db.session.commit()
    assert outcome == "new version" and services.data_of(version) == again


def test_dropped_between_names_the_competences_a_version_lacks(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    first = sample_framework.current
    services.record_use(first, "plan", "plan-1")
    services.remove_competence(trainer, sample_framework, "A1")
    db.session.commit()
    assert services.dropped_between(first, sample_framework.current) == ["A1"]
    assert services.dropped_between(sample_framework.current, first) == []

