"""A framework's history: every edit, import and version made by an edit leaves one row saying who changed what,
when, and what it said before; editors read it on the framework's History page."""
import re
from html import unescape

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden

from app.auth.services import SYSTEM
from app.competences import files, services
from app.competences.models import FrameworkChange
from app.extensions import db
from tests.fixtures.competences import SAMPLE, coded_as_a_page, competence_form, texts
from tests.queries import statements_during

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


def _edit_skills_in_portuguese(client, text):
    return client.post("/competences/demo/competences/A1/edit",
                       data=competence_form(skills_pt_BR=text, validity_months="24"))


def test_the_history_page_shows_who_changed_what_newest_first(client, login_as, sample_framework, make_user):
    trainer = login_as("trainer", name="Ana Trainer")
    assert _edit_skills_in_portuguese(client, "Constrói perfis regionais").status_code == 302
    html = client.get("/competences/demo/history?lang=en").get_data(as_text=True)
    assert html.index("Competence A1") < html.index("Version 1 imported")
    assert 'href="/competences/demo/A1?version=1"' in html
    # the Portuguese skills: before and after, marked as Portuguese
    assert '<div lang="pt-BR">Constrói perfis</div>' in html
    assert '<div lang="pt-BR">Constrói perfis regionais</div>' in html
    assert "demo.yaml" in html
    assert trainer.full_name in html


def test_the_page_s_language_comes_first_and_every_language_is_shown(client, login_as, sample_framework):
    login_as("admin", country=None)
    client.post("/competences/demo/areas/B/edit", data={f"title_{l}": t for l, t in texts("Discovery").items()})
    for lang, first in (("es", "Discovery (es)"), ("pt_BR", "Discovery (pt)"), ("en", "Discovery (en)")):
        html = client.get(f"/competences/demo/history?lang={lang}").get_data(as_text=True)
        shown = re.findall(r'<div lang="[^"]+">(Discovery \(\w+\))</div>', html)
        assert shown[0] == first and sorted(shown) == ["Discovery (en)", "Discovery (es)", "Discovery (pt)"]


@pytest.mark.parametrize("role, status", [("admin", 200), ("trainer", 200), ("coordinator", 403),
                                          ("trainee", 403)])
def test_only_editors_read_the_history(client, login_as, sample_framework, role, status):
    login_as(role, country=None if role == "admin" else "CL")
    assert client.get("/competences/demo/history").status_code == status
    page = client.get("/competences/demo/").get_data(as_text=True)
    assert ('href="/competences/demo/history"' in page) == (status == 200)


def test_anonymous_visitors_are_sent_to_sign_in(client, sample_framework):
    response = client.get("/competences/demo/history")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get("/competences/nothing/history").status_code == 302


def test_an_unknown_framework_has_no_history(client, login_as):
    login_as("trainer")
    assert client.get("/competences/nothing/history").status_code == 404


def test_a_competence_coded_history_keeps_its_public_page(client, app):
    data = coded_as_a_page("history")
    services.import_framework(SYSTEM, data, source="demo.yaml")
    db.session.commit()
    response = client.get("/competences/demo/history")
    assert response.status_code == 200 and "Knows the EDP" in response.get_data(as_text=True)
    assert "Accept" in response.vary  # it answers JSON too: a cache keeps them apart
    assert client.get("/competences/demo/history", headers={"Accept": "application/json"}).json["code"] == "history"


def test_the_history_is_paginated(client, login_as, sample_framework, make_user):
    admin = login_as("admin", country=None)
    for n in range(25):
        services.edit_area(admin, sample_framework, "A", {"en": f"Evidence {n}", "es": "Evidencia",
                                                          "pt_BR": "Evidências"})
    db.session.commit()
    first = client.get("/competences/demo/history").get_data(as_text=True)
    assert "26 results" in first and "Evidence 24" in first and "Evidence 3</div>" not in first
    second = client.get("/competences/demo/history?page=2").get_data(as_text=True)
    assert "Evidence 3</div>" in second and "Version 1 imported" in second
    assert "Evidence 24" not in second


def test_the_page_asks_as_much_for_a_dozen_changes_as_for_two(client, login_as, sample_framework, make_user):
    editors = [make_user(roles=("trainer",), name=f"Trainer {n}") for n in range(12)]
    db.session.commit()
    login_as("admin", country=None)

    def count():
        client.get("/competences/demo/history")  # the first request of a sign-in notes it
        response, statements = statements_during(lambda: client.get("/competences/demo/history"))
        assert response.status_code == 200
        return len(statements)

    def edit(editor, n):
        services.edit_area(editor, sample_framework, "A", {"en": f"Evidence {n}", "es": "Evidencia",
                                                           "pt_BR": "Evidências"})
        if n % 2:  # competence edits too: their headings' links need the codes each version still has
            competence = sample_framework.current.competences[0]
            services.edit_competence(editor, sample_framework, competence.code,
                                     {**texts_of(competence, TEXTS), "skills": texts(f"Skills {n}")})
        db.session.commit()

    edit(editors[0], 0)
    two = count()
    for n, editor in enumerate(editors[1:], 1):
        edit(editor, n)
    assert count() == two


def test_a_removed_account_s_changes_stay_without_its_name(client, login_as, sample_framework, make_user):
    trainer = make_user(roles=("trainer",), name="Gone Person")
    services.edit_area(trainer, sample_framework, "A", texts("Evidence"))
    db.session.commit()
    db.session.delete(trainer)
    db.session.commit()
    change = changes_of(sample_framework)[-1]
    assert change.kind == "area" and change.actor_id is None and len(change.changes) == 3
    login_as("admin", country=None)
    html = unescape(client.get("/competences/demo/history").get_data(as_text=True))
    assert "Gone Person" not in html and "an account since removed" in html


def test_an_account_removed_with_its_invitation_leaves_its_changes_unnamed(sample_framework, make_user):
    """Withdrawing an invitation removes the account (the one way an account goes): its changes stay."""
    from app.auth.tokens import send_invitation, withdraw_invitation

    admin = make_user(roles=("admin",), country=None)
    invited = make_user(roles=("trainer",), name="Never Signed In", password=None)
    send_invitation(admin, invited)
    services.edit_area(invited, sample_framework, "A", texts("Evidence"))
    db.session.commit()
    withdraw_invitation(admin, invited)
    db.session.commit()
    change = changes_of(sample_framework)[-1]
    assert (change.kind, change.actor_id, change.actor) == ("area", None, None)


def test_imports_and_copies_are_told_in_a_sentence(client, login_as, sample_framework):
    trainer = login_as("trainer")
    services.record_use(sample_framework.current, "plan", "plan-cl-2026")
    services.edit_area(trainer, sample_framework, "A", texts("Evidence"))
    services.import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("version: 1", "version: 3"), "demo.yaml"))
    db.session.commit()
    html = unescape(client.get("/competences/demo/history").get_data(as_text=True))
    assert "Imported as version 3." in html
    assert "Version 2 was made as a copy of version 1" in html
    assert "Imported from <code>demo.yaml</code> as version 1." in html
    assert html.index("Version 3 imported") < html.index("Area A") < html.index("Version 2 made")


def test_adding_and_removing_parts_is_recorded(sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    new = {name: texts(f"New {name}") for name in TEXTS}
    services.add_area(trainer, sample_framework, "C", texts("Funding"))
    services.add_competence(trainer, sample_framework, "C", "C1", new, validity_months=12)
    services.remove_competence(trainer, sample_framework, "C1")
    services.remove_area(trainer, sample_framework, "C")
    db.session.commit()
    rows = [(c.kind, c.key, c.actor_id) for c in changes_of(sample_framework)[1:]]
    assert rows == [("area", "C", trainer.id), ("competence", "C1", trainer.id), ("competence", "C1", trainer.id),
                    ("area", "C", trainer.id)]
    area_added, added, removed, area_removed = changes_of(sample_framework)[1:]

    def values(change) -> dict:
        return {(e["field"], e.get("key")): (e["before"], e["after"]) for e in change.changes}

    filled = {("area", None): "C", ("validity_months", None): 12,  # no empty fields (targets, alignments)
              **{(name, lang): text for name in TEXTS for lang, text in new[name].items()}}
    assert values(added) == {field: (None, value) for field, value in filled.items()}
    assert values(removed) == {field: (value, None) for field, value in filled.items()}
    title = {("title", lang): text for lang, text in texts("Funding").items()}
    assert values(area_added) == {field: (None, value) for field, value in title.items()}
    assert values(area_removed) == {field: (value, None) for field, value in title.items()}


def test_the_page_says_what_was_added_and_removed(client, login_as, sample_framework, make_user):
    trainer = make_user(roles=("trainer",))
    services.add_competence(trainer, sample_framework, "B", "B2", {name: texts(f"New {name}") for name in TEXTS})
    services.remove_competence(trainer, sample_framework, "B2")
    db.session.commit()
    login_as("admin", country=None)
    html = client.get("/competences/demo/history?lang=en").get_data(as_text=True)
    assert html.count("Added to version 1.") == 1 and html.count("Removed from version 1.") == 1
    assert "New title (en)" in html
    # both headings lead to the version: the competence's page at that version is gone
    removed, added = re.findall(r'<h2 id="change-\d+"><a href="([^"]+)">Competence B2</a></h2>', html)
    assert removed == added == "/competences/demo/?version=1"
    assert client.get(removed).status_code == 200


def test_an_area_s_heading_leads_to_its_place_only_while_its_version_has_it(client, login_as, sample_framework,
                                                                           make_user):
    """An area added, then removed from the same version, leads to the version's page (its place there is gone);
    an area the version still has leads to its place."""
    trainer = make_user(roles=("trainer",))
    for code in ("C", "D"):
        services.add_area(trainer, sample_framework, code, texts(f"Area {code}"))
    services.remove_area(trainer, sample_framework, "C")
    db.session.commit()
    login_as("admin", country=None)
    html = client.get("/competences/demo/history?lang=en").get_data(as_text=True)
    headings = re.findall(r'<h2 id="change-\d+"><a href="([^"]+)">Area ([CD])</a></h2>', html)
    # newest first: C removed, D added, C added
    assert headings == [("/competences/demo/?version=1", "C"), ("/competences/demo/?version=1#area-D", "D"),
                        ("/competences/demo/?version=1", "C")]


def test_an_edit_s_heading_leads_to_the_competence_only_while_its_version_has_it(client, login_as, sample_framework,
                                                                                 make_user):
    """An edit of a competence that a later change removed from the same version leads to that version's page (the
    competence's page at that version is gone); an edit of one the version still has leads to it."""
    trainer = make_user(roles=("trainer",))
    services.add_competence(trainer, sample_framework, "B", "B2", {name: texts(f"New {name}") for name in TEXTS})
    for code in ("B2", "A1"):
        competence = next(c for c in sample_framework.current.competences if c.code == code)
        services.edit_competence(trainer, sample_framework, code,
                                 {**texts_of(competence, TEXTS), "skills": texts(f"Edited skills of {code}")})
    services.remove_competence(trainer, sample_framework, "B2")
    db.session.commit()
    login_as("admin", country=None)
    html = client.get("/competences/demo/history?lang=en").get_data(as_text=True)
    links = re.findall(r'<h2 id="change-\d+"><a href="([^"]+)">Competence (\w+)</a></h2>', html)
    assert links == [("/competences/demo/?version=1", "B2"), ("/competences/demo/A1?version=1", "A1"),
                     ("/competences/demo/?version=1", "B2"), ("/competences/demo/?version=1", "B2")]
    assert all(client.get(url).status_code == 200 for url, _code in links)


def test_only_editors_read_the_history_through_the_service(sample_framework, make_user):
    for role in ("coordinator", "trainee"):
        with pytest.raises(Forbidden):
            services.history(make_user(roles=(role,), country="CL"), sample_framework)
    for role in ("trainer", "admin"):
        editor = make_user(roles=(role,), country=None if role == "admin" else "CL")
        assert [c.kind for c in db.session.scalars(services.history(editor, sample_framework))] == ["import"]


def test_target_levels_are_named_as_the_scale_names_them(client, login_as, sample_framework, make_user):
    """A change of a target level read "2" then "3": the page names the level, as the target fields do
    ("3 – Advanced")."""
    trainer = make_user(roles=("trainer",))
    edited, _rest = a1_as_it_is(sample_framework)
    services.edit_competence(trainer, sample_framework, "A1", edited, validity_months=24,
                             targets={"technician": 3, "manager": 3})
    db.session.commit()
    login_as("admin", country=None)

    def count():
        client.get("/competences/demo/history?lang=es")  # the first request of a sign-in notes it
        response, statements = statements_during(lambda: client.get("/competences/demo/history?lang=es"))
        return unescape(response.get_data(as_text=True)), len(statements)

    html, before = count()
    row = html[html.index("Niveles objetivo"):]
    row = row[:row.index("</tr>")]
    assert "Directivo/a" in row and "2 – Practicante" in row and "3 – Avanzado" in row
    for n in range(6):  # more changes of target levels, under more versions: no more questions
        services.record_use(sample_framework.current, "course", f"pilot@{n}")
        services.edit_competence(trainer, sample_framework, "A1", edited, validity_months=24,
                                 targets={"technician": 3, "manager": 2 + n % 2})
        db.session.commit()
    html, after = count()
    assert after == before and html.count("2 – Practicante") > 1 and "<td data-label=\"Antes\">2</td>" not in html


def test_a_target_level_an_edit_replaced_is_named_as_the_version_it_stood_in_names_it(client, login_as,
                                                                                     sample_framework, make_user):
    """Version 1 is built on: changing A1's technician target from 3 to 2 made version 2, a copy, with the change.
    Nothing is built on version 2, so renaming its level 3 "Expert" changes it in place. The target replaced stood
    in version 1, where level 3 is still "Advanced" (and was never "Expert" while it stood): the history names it
    so, and the target set as version 2 names it."""
    trainer = make_user(roles=("trainer",))
    services.record_use(sample_framework.current, "course", "pilot@1")
    edited, _rest = a1_as_it_is(sample_framework)
    services.edit_competence(trainer, sample_framework, "A1", edited, validity_months=24,
                             targets={"technician": 2, "manager": 2})
    level = sample_framework.current.levels[2]
    services.edit_level(trainer, sample_framework, 3, {**level.name, "en": "Expert"}, dict(level.descriptor))
    services.edit_competence(trainer, sample_framework, "A1", edited, validity_months=24,
                             targets={"technician": 3, "manager": 2})
    db.session.commit()
    assert [(c.kind, c.version_number) for c in changes_of(sample_framework)] == [
        ("import", 1), ("new version", 2), ("competence", 2), ("level", 2), ("competence", 2)]
    login_as("admin", country=None)
    html = unescape(client.get("/competences/demo/history?lang=en").get_data(as_text=True))
    cells = re.findall(r'<td data-label="(Before|After)">([^<]*)</td>', html)
    # newest first: 2 back to 3 (level 3 was Expert in version 2 by then), then 3 to 2 (3 stood in version 1)
    assert cells == [("Before", "2 – Practitioner"), ("After", "3 – Expert"),
                     ("Before", "3 – Advanced"), ("After", "2 – Practitioner")]
