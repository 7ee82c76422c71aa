"""Adding and removing competences and areas in Itinera: the rules edits follow (a new version once something is
built on the current one), codes that stay with their competence, and what a framework file still round-trips."""
from html import unescape

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
from tests.fixtures.markup import banners

FIELDS = ("title", "knowledge", "skills", "attitudes")


def new_texts(word="New"):
    return {name: texts(f"{word} {name}") for name in FIELDS}


def add(actor, framework, area="B", code="B2", **kwargs):
    competence, _added = services.add_competence(actor, framework, area, code, kwargs.pop("texts", new_texts()),
                                                 **kwargs)
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
    for bad in ("B 2", "Á2", "B2.1", "x" * 21, "-B2"):
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


def test_a_code_people_estimated_their_level_of_stays_retired(sample_framework, make_user):
    """A self-assessment names its competence by framework and code: a new competence given that code would take
    the people's estimates of the old one as theirs (self-declared, the plans' baseline). An estimate made under
    the current version keeps it (estimated_under), so the removal makes version 2 and version 1 keeps B2."""
    trainer, trainee = make_user(roles=("trainer",)), make_user(country="CL")
    add(trainer, sample_framework, code="B2")
    services.self_assess(trainee, sample_framework, {"B2": 3})
    services.remove_competence(trainer, sample_framework, "B2")
    db.session.commit()
    assert [v.number for v in sample_framework.versions] == [1, 2]
    assert "B2" in codes(services.get_version(sample_framework, 1))
    assert services.next_competence_code(sample_framework, "B") == "B3"
    for code in ("B2", "b2"):
        with pytest.raises(ValidationError) as error:
            add(trainer, sample_framework, code=code)
        assert str(error.value.errors["code"]) == ("Version 1 had a competence B2, and its address still names it: "
                                                   "choose another code")
        db.session.rollback()
    assert services.latest_self_declared(trainee, sample_framework) == {"B2": 3}


def test_a_new_competence_is_not_coded_as_a_page_of_its_framework(client, login_as, sample_framework):
    """/competences/<framework>/history is the History page, and /competences/<framework>/edit the form of the
    framework's title and description, unless a competence is coded so (its IRI wins): one added in the browser
    would take the page from the editors."""
    login_as("trainer", country="ES")
    for code in ("history", "History", "edit", "EDIT"):
        response = client.post("/competences/demo/areas/B/competences/new?lang=en", data=new_form(code=code))
        assert response.status_code == 400, code
        assert "names a page of the framework" in unescape(response.get_data(as_text=True))
    assert services.find_competence("demo", "history") is None and services.find_competence("demo", "edit") is None
    assert "History of" in client.get("/competences/demo/history?lang=en").get_data(as_text=True)
    assert 'name="title_en"' in client.get("/competences/demo/edit?lang=en").get_data(as_text=True)


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
    first, added = services.add_competence(trainer, sample_framework, "B", "B2", new_texts())
    assert added and services.add_competence(trainer, sample_framework, "B", "B2", new_texts()) == (first, False)
    area, added = services.add_area(trainer, sample_framework, "C", texts("C"))
    assert added and services.add_area(trainer, sample_framework, "C", texts("C")) == (area, False)
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
    assert services.next_area_code(sample_framework) == "C"


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


# --- the pages ---------------------------------------------------------------------------------------------------

def new_form(code="B2", **overrides):
    from tests.fixtures.competences import competence_form

    return {"code": code, **competence_form(**overrides)}


def flashes(client):
    """The messages the next page would show (taken); the test's session reads the database afresh after it."""
    db.session.expire_all()
    with client.session_transaction() as session:
        return [message for _category, message in session.pop("_flashes", [])]


@pytest.mark.parametrize("role, status", [("admin", 200), ("trainer", 200), ("coordinator", 403), ("trainee", 403)])
def test_who_may_add_and_remove(client, login_as, sample_framework, role, status):
    login_as(role, country=None if role == "admin" else "CL")
    assert client.get("/competences/demo/areas/B/competences/new").status_code == status
    assert client.get("/competences/demo/areas/new").status_code == status
    assert client.post("/competences/demo/competences/B1/remove").status_code == status
    assert client.post("/competences/demo/areas/A/remove").status_code == (302 if status == 200 else status)
    html = client.get("/competences/demo/").get_data(as_text=True)
    shown = status == 200
    assert ("/competences/demo/areas/B/competences/new" in html) is shown
    assert ("/competences/demo/competences/B1/remove" in html) is shown
    assert ("/competences/demo/areas/new" in html) is shown
    assert "/competences/demo/areas/A/remove" not in html  # area A has a competence: no button


def test_anonymous_visitors_are_sent_to_sign_in(client, sample_framework):
    for method, url in (("get", "/competences/demo/areas/B/competences/new"), ("get", "/competences/demo/areas/new"),
                        ("post", "/competences/demo/competences/B1/remove"),
                        ("post", "/competences/demo/areas/B/remove")):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/auth/login" in response.location


def test_a_trainer_adds_a_competence_with_the_suggested_code(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    page = client.get("/competences/demo/areas/B/competences/new?lang=en").get_data(as_text=True)
    assert 'value="B2"' in page and "Add a competence to area B" in page and 'name="alignments-2-code"' in page
    response = client.post("/competences/demo/areas/B/competences/new", data=new_form(target_manager="1"))
    assert response.status_code == 302 and response.location.endswith("/competences/demo/#competence-B2")
    assert flashes(client) == ["Competence B2 added."]
    competence = services.find_competence("demo", "B2")
    assert competence.area.code == "B" and competence.targets == {"technician": 3, "manager": 1}
    html = client.get("/competences/demo/").get_data(as_text=True)
    assert html.index('id="competence-B1"') < html.index('id="competence-B2"')


def test_a_form_sent_twice_says_the_part_was_already_there(client, login_as, sample_framework):
    """A double click sends the form twice: the second adds nothing, and says so rather than "added"; the editor
    lands where the first would have taken them."""
    login_as("trainer", country="ES")
    client.post("/competences/demo/areas/B/competences/new", data=new_form())
    assert flashes(client) == ["Competence B2 added."]
    again = client.post("/competences/demo/areas/B/competences/new?lang=en", data=new_form())
    assert again.status_code == 302 and again.location.endswith("/competences/demo/#competence-B2")
    assert flashes(client) == ["Competence B2 was already in the framework as you sent it: nothing more was added."]
    area = {"code": "C", **{f"title_{locale}": text for locale, text in texts("Scaling").items()}}
    client.post("/competences/demo/areas/new", data=area)
    assert flashes(client) == ["Area C added."]
    again = client.post("/competences/demo/areas/new?lang=en", data=area)
    assert again.status_code == 302 and again.location.endswith("/competences/demo/#area-C")
    assert flashes(client) == ["Area C was already in the framework as you sent it: nothing more was added."]
    assert codes(sample_framework.current) == ["A1", "B1", "B2"]


def test_the_add_form_says_every_problem_at_once_and_keeps_what_was_typed(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    response = client.post("/competences/demo/areas/B/competences/new?lang=en",
                           data=new_form(code="b1", skills_es="", validity_months="abc"))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Competence B1 is already in the framework: choose another code" in html
    assert "Write this text in every language" in html and 'href="#skills_es"' in html
    assert "Give a number of months" in html and "title (pt)" in html  # what was typed is kept
    assert services.find_competence("demo", "b1") is None


def test_adding_to_a_used_version_says_a_version_was_made(client, login_as, synced_course, sample_framework):
    login_as("admin", country=None)
    response = client.post("/competences/demo/areas/A/competences/new?lang=en", data=new_form(code="A2"))
    assert response.status_code == 302
    assert flashes(client) == ["Saved as version 2: what was built on version 1 keeps it.", "Competence A2 added."]


def test_a_trainer_adds_an_area(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    assert 'value="C"' in client.get("/competences/demo/areas/new?lang=en").get_data(as_text=True)  # suggested
    data = {"code": "C", **{f"title_{locale}": text for locale, text in texts("Scaling").items()}}
    response = client.post("/competences/demo/areas/new", data=data)
    assert response.status_code == 302 and response.location.endswith("#area-C")
    refused = client.post("/competences/demo/areas/new?lang=en", data={**data, "code": "A", "title_es": ""})
    text = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400 and "Area A is already in the framework" in text
    assert "Write this text in every language" in text
    html = client.get("/competences/demo/").get_data(as_text=True)
    assert "/competences/demo/areas/C/remove" in html and "/competences/demo/areas/C/competences/new" in html


@pytest.mark.parametrize("code", ["", "   "])
def test_a_new_area_or_competence_without_a_code_is_asked_for_one(client, login_as, sample_framework, code):
    """An empty code is not one of the wrong shape: the form says to enter one, not the rule codes follow."""
    login_as("trainer", country="ES")
    area = {"code": code, **{f"title_{locale}": text for locale, text in texts("Scaling").items()}}
    for url, data in (("/competences/demo/areas/new?lang=en", area),
                      ("/competences/demo/areas/B/competences/new?lang=en", new_form(code=code))):
        response = client.post(url, data=data)
        html = unescape(response.get_data(as_text=True))
        assert response.status_code == 400, url
        assert "Enter a code" in html and 'href="#code"' in html, url
        assert "A code is up to 20 letters" not in html, url
    with pytest.raises(ValidationError) as error:
        services.add_area(SYSTEM, sample_framework, code, texts("Scaling"))
    assert str(error.value.errors["code"]) == "Enter a code"


def test_removing_a_competence_asks_first_then_removes(client, login_as, sample_framework):
    login_as("trainer", country="ES")
    asked = client.post("/competences/demo/competences/B1/remove?lang=en")
    html = unescape(asked.get_data(as_text=True))
    assert asked.status_code == 200 and "Remove competence B1 Discovery?" in html and 'name="confirmed"' in html
    assert "Nothing is built on version 1 yet: it changes in place." in html
    assert services.find_competence("demo", "B1") is not None
    done = client.post("/competences/demo/competences/B1/remove", data={"confirmed": "1"})
    assert done.status_code == 302 and flashes(client) == ["Competence B1 removed."]
    assert services.find_competence("demo", "B1") is None
    again = client.post("/competences/demo/competences/B1/remove", data={"confirmed": "1"})  # a double click
    assert again.status_code == 302 and flashes(client) == ["Competence B1 is not in the framework."]
    asked = client.post("/competences/demo/areas/B/remove?lang=en")
    assert "Remove area B Discovery?" in unescape(asked.get_data(as_text=True))
    assert client.post("/competences/demo/areas/B/remove", data={"confirmed": "1"}).status_code == 302
    assert [a.code for a in services.get_framework("demo").current.areas] == ["A"]


def test_the_remove_pages_name_the_version_a_removal_makes(client, login_as, sample_framework):
    """Something built on version 1: removing a competence or an area makes version 2, and both pages say so."""
    login_as("trainer", country="ES")
    services.add_area(SYSTEM, sample_framework, "C", texts("Scaling"))  # an empty area, in place
    services.record_use(sample_framework.current, "plan", "plan-cl-2026")
    db.session.commit()
    for url, part in (("/competences/demo/competences/B1/remove?lang=en", "competence"),
                      ("/competences/demo/areas/C/remove?lang=en", "area")):
        html = unescape(client.post(url).get_data(as_text=True))
        assert (f"Something is built on version 1 (or a level was validated under it): it keeps the {part}, and "
                "the change makes version 2.") in html, url
    assert [v.number for v in sample_framework.versions] == [1]  # only asked


def test_a_competence_a_published_course_develops_is_not_removed(client, login_as, synced_course, sample_framework):
    login_as("trainer", country="ES")
    response = client.post("/competences/demo/competences/A1/remove?lang=en", data={"confirmed": "1"})
    assert response.status_code == 302 and response.location.endswith("#competence-A1")
    assert flashes(client) == ["A1 cannot be removed: published courses develop it (Pilot course). Remove it from "
                               "their modules first, or withdraw them from the catalogue."]
    assert services.find_competence("demo", "A1") is not None and len(sample_framework.versions) == 1
    refused = client.post("/competences/demo/areas/A/remove?lang=en", data={"confirmed": "1"})
    assert refused.status_code == 302 and flashes(client) == ["Area A still has competences: remove them first."]


def test_the_move_page_says_what_the_new_version_lacks(client, login_as, synced_course, sample_framework):
    """B1 removed in the browser makes version 2 (the course is built on version 1); moving the course there is
    allowed, since no module gives B1, and the page says version 2 has no B1. Once a module's competence is gone
    too, the move is refused with the reason on the page."""
    trainer = login_as("trainer", country="ES")
    client.post("/competences/demo/competences/B1/remove", data={"confirmed": "1"})
    db.session.expire_all()
    assert [v.number for v in sample_framework.versions] == [1, 2]
    use = services.get_use("course", "pilot@1")
    flashes(client)
    moved = client.post(f"/competences/demo/uses/{use.id}/move?lang=en", data={f"use-{use.id}-version": "2"},
                        follow_redirects=True)
    assert banners(moved.get_data(as_text=True)) == [("success", "Course pilot@1 is now built on version 2."),
                                                     ("info", "Version 2 has no competence B1, which version 1 has.")]
    set_published(trainer, synced_course, False)
    db.session.commit()
    client.post("/competences/demo/areas/B/competences/new", data=new_form(code="B2"))  # version 3
    client.post("/competences/demo/competences/A1/remove", data={"confirmed": "1"})  # in version 3, unused
    assert flashes(client) == ["Saved as version 3: what was built on version 2 keeps it.", "Competence B2 added.",
                               "Competence A1 removed."]
    assert [v.number for v in sample_framework.versions] == [1, 2, 3]
    refused = client.post(f"/competences/demo/uses/{use.id}/move?lang=en", data={f"use-{use.id}-version": "3"})
    assert refused.status_code == 400
    assert ("Version 3 of the framework lacks level 1 of A1, which the course's modules give"
            in unescape(refused.get_data(as_text=True)))



def test_no_code_is_suggested_that_could_not_be_used(client, login_as, sample_framework, make_user):
    """An area's code of 19 characters or more leaves no room for a number; once every letter has named an area
    there is no letter to suggest. The form then suggests nothing and its hint gives no example it would refuse."""
    trainer = make_user(roles=("trainer",))
    long = "L" * 20
    services.add_area(trainer, sample_framework, "S" * 19, texts("Short enough"))
    services.add_area(trainer, sample_framework, long, texts("Long"))
    for letter in "CDEFGHIJKLMNOPQRSTUVWXYZ":
        services.add_area(trainer, sample_framework, letter, texts(f"Area {letter}"))
    db.session.commit()
    assert services.next_competence_code(sample_framework, "S" * 19) == "S" * 19 + "1"
    assert services.next_competence_code(sample_framework, long) == ""
    assert services.next_area_code(sample_framework) == ""
    login_as("trainer", country="ES")
    for url in (f"/competences/demo/areas/{long}/competences/new?lang=en", "/competences/demo/areas/new?lang=en"):
        page = unescape(client.get(url).get_data(as_text=True))
        assert 'name="code" spellcheck="false" type="text" value="">' in page
        assert "Up to 20 letters A-Z, digits, hyphens and underscores. It is part of the address" in page
        assert "underscores, such as" not in page
    area = {"code": "-", **{f"title_{locale}": text for locale, text in texts("Scaling").items()}}
    for url, data in ((f"/competences/demo/areas/{long}/competences/new?lang=en", new_form(code="-")),
                      ("/competences/demo/areas/new?lang=en", area)):
        refused = client.post(url, data=data)
        text = unescape(refused.get_data(as_text=True))
        assert refused.status_code == 400 and "digit, such as" not in text
        assert ("A code is up to 20 letters A-Z, digits, hyphens and underscores, starting with a letter or a "
                "digit<") in text


@pytest.mark.parametrize("url, data", [
    ("/competences/demo/areas/B/competences/new?lang=en", new_form(code="", title_es="", validity_months="abc")),
    ("/competences/demo/areas/new?lang=en", {"code": "", "title_es": "", "title_pt_BR": "x", "title_en": "x"}),
])
def test_the_error_summary_lists_the_code_first_as_the_page_shows_it(client, login_as, sample_framework, url, data):
    """GOV.UK's error summary: its links in the order of the fields on the page, where the code comes first."""
    import re

    login_as("trainer", country="ES")
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    summary = html[html.index('class="error-summary"'):html.index("</ul>", html.index('class="error-summary"'))]
    links = re.findall(r'href="#([^"]+)"', summary)
    on_page = [name for name in re.findall(r'<(?:input|textarea|select)[^>]*\sid="([^"]+)"', html) if name in links]
    assert response.status_code == 400 and links[0] == "code" and links == on_page


@pytest.mark.parametrize("url, meet, done, gone", [
    ("/competences/demo/competences/B1/remove?lang=en", "removal_problem", "Competence B1 removed.",
     "Competence B1 is not in the framework."),
    ("/competences/demo/areas/B/remove?lang=en", "area_removal_problem", "Area B removed.",
     "Area B is not in the framework."),
])
def test_a_removal_confirmed_twice_at_once_says_it_was_removed(post_at_once, sample_framework, make_user, url, meet,
                                                               done, gone):
    """A double click on the button that confirms: both requests found the part, one removed it; the other says
    it is gone (as one sent later does), not an error the browser shows last, as if nothing had been removed."""
    import re

    trainer = make_user(roles=("trainer",), country="ES")
    if "areas" in url:
        services.remove_competence(trainer, sample_framework, "B1")
        db.session.commit()
    responses = post_at_once(trainer, url, {"confirmed": "1"}, meet=(services, meet), follow_redirects=True)
    said = sorted(re.findall(r'class="banner (banner--[a-z]+)"[^>]*>\s*<p>(.*?)</p>', r.get_data(as_text=True))[0]
                  for r in responses)
    assert said == sorted([("banner--success", done), ("banner--success", gone)])


def test_a_code_that_came_with_a_file_stays_retired_when_removed_in_place(sample_framework, make_user):
    """Version 1 came from a file with B1 (nothing built on it yet): removing B1 changes it in place, and no
    version has B1 any more, but B1's address named that competence (its public page, its JSON-LD), and the page
    that asked to remove it said the code is not given to another competence. So is area B's. Only a part added
    in Itinera and removed again from the same version leaves its code free (the history says so)."""
    trainer = make_user(roles=("trainer",))
    services.remove_competence(trainer, sample_framework, "B1")
    services.remove_area(trainer, sample_framework, "B")
    db.session.commit()
    assert [v.number for v in sample_framework.versions] == [1]  # in place: no version has B1 or area B
    services.add_area(trainer, sample_framework, "C", texts("Later"))
    db.session.commit()
    for code in ("B1", "b1"):
        with force_locale("en"), pytest.raises(ValidationError) as error:
            add(trainer, sample_framework, area="C", code=code)
        assert str(error.value.errors["code"]) == ("Version 1 had a competence B1, and its address still names it: "
                                                   "choose another code")
        db.session.rollback()
    with force_locale("en"), pytest.raises(ValidationError) as error:
        services.add_area(trainer, sample_framework, "B", texts("Again"))
    assert str(error.value.errors["code"]) == ("Version 1 had an area B, and its address still names it: choose "
                                               "another code")
    db.session.rollback()
    assert services.next_area_code(sample_framework) == "D"  # B stays retired, and suggesting it would be refused
    assert services.next_competence_code(sample_framework, "B") == "B2"


def test_the_page_asking_to_remove_an_area_says_what_keeps_it(client, login_as, sample_framework, make_user):
    """Removed in place from the framework's only version, no earlier version keeps the area: the page says the
    version changes in place; when something is built on the version, that version keeps it."""
    trainer = login_as("trainer", country="ES")
    services.remove_competence(trainer, sample_framework, "B1")
    db.session.commit()
    html = unescape(client.post("/competences/demo/areas/B/remove?lang=en").get_data(as_text=True))
    assert "Nothing is built on version 1 yet: it changes in place." in html
    assert "earlier versions keep it" not in html
    services.record_use(sample_framework.current, "plan", "plan-1")
    db.session.commit()
    html = unescape(client.post("/competences/demo/areas/B/remove?lang=en").get_data(as_text=True))
    assert ("Something is built on version 1 (or a level was validated under it): it keeps the area, and the change "
            "makes version 2.") in html


def test_an_empty_area_says_it_has_no_competences_to_those_who_cannot_edit(client, login_as, sample_framework):
    """A coordinator read an area's heading with nothing under it (an editor gets "Add a competence" there)."""
    services.add_area(SYSTEM, sample_framework, "C", texts("Scaling"))
    db.session.commit()
    login_as("coordinator", country="CL")
    html = unescape(client.get("/competences/demo/?lang=en").get_data(as_text=True))
    area = html[html.index('id="area-C"'):html.index('id="versions"')]
    assert "This area has no competences yet." in area
    b = html[html.index('id="area-B"'):html.index('id="area-C"')]
    assert "no competences yet" not in b  # an area with competences lists them
    login_as("trainer", country="CL")
    html = unescape(client.get("/competences/demo/?lang=en").get_data(as_text=True))
    area = html[html.index('id="area-C"'):html.index('id="versions"')]
    assert "This area has no competences yet." in area and "Add a competence to area C" in area


def test_the_service_says_which_version_an_edit_would_make(sample_framework, make_user):
    """The pages that ask before removing a part say whether it changes the version in place or makes a new one;
    they read it from the rule editable_version follows, not from a copy of it in the view."""
    trainer = make_user(roles=("trainer",), country="ES")
    assert services.version_an_edit_makes(sample_framework) is None
    services.record_use(sample_framework.current, "plan", "plan-1")
    db.session.commit()
    assert services.version_an_edit_makes(sample_framework) == 2
    add(trainer, sample_framework)
    assert sample_framework.current.number == 2 and services.version_an_edit_makes(sample_framework) is None
    admin = make_user(roles=("admin",), country=None)
    services.validate_level(admin, make_user(country="CL"), sample_framework, "A1", 2)
    db.session.commit()
    assert services.version_an_edit_makes(sample_framework) == 3
