import re
from html import unescape

import pytest
import sqlalchemy as sa

from app.cohorts.models import Cohort, CohortMember
from app.extensions import db
from tests.conftest import PG_URL
from tests.fixtures.concurrency import saved_as_deleted
from tests.fixtures.markup import banners
from tests.queries import statements_during


def test_create_cohort_and_add_members(client, login_as, make_user):
    login_as("coordinator", country="MX")
    one, two = make_user(country="MX", name="Uno"), make_user(country="MX", name="Dos")
    foreign = make_user(country="AR", name="Foreigner")
    response = client.post("/admin/cohorts/new", data={"name": "Cohorte 2027", "country_code": "MX"})
    cohort = db.session.scalar(sa.select(Cohort))
    assert response.location == f"/admin/cohorts/{cohort.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "Uno" in page and "Dos" in page and "Foreigner" not in page  # candidates of the country only
    response = client.post(f"/admin/cohorts/{cohort.id}/members",
                           data={"members": [str(one.uuid), str(two.uuid)]}, follow_redirects=True)
    assert "2 people added to the cohort." in response.get_data(as_text=True)
    response = client.post(f"/admin/cohorts/{cohort.id}/members", data={"members": [str(foreign.uuid)]},
                           follow_redirects=True)
    assert "Only people of the cohort" in response.get_data(as_text=True)
    gone = make_user(country="MX", name="Ida", is_active=False)
    assert "Ida" not in client.get(f"/admin/cohorts/{cohort.id}").get_data(as_text=True)  # not offered...
    response = client.post(f"/admin/cohorts/{cohort.id}/members", data={"members": [str(gone.uuid)]},
                           follow_redirects=True)  # ...nor taken from a forged request
    assert "A deactivated account cannot join a cohort" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CohortMember)) == 2


def test_remove_member_and_delete(client, login_as, make_user, make_cohort):
    login_as("admin", country=None)
    member = make_user(country="CO")
    cohort = make_cohort(country="CO", members=[member])
    cohort_id = cohort.id
    client.post(f"/admin/cohorts/{cohort.id}/members/{member.uuid}/remove")
    db.session.expire_all()
    assert cohort.memberships == []
    asked = client.post(f"/admin/cohorts/{cohort.id}/delete")  # asked first: nothing is deleted yet
    assert asked.status_code == 200 and "Delete the cohort" in asked.get_data(as_text=True)
    assert 'name="confirmed" value="1"' in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cohort, cohort_id) is not None
    client.post(f"/admin/cohorts/{cohort.id}/delete", data={"confirmed": "1"})
    db.session.expire_all()
    assert db.session.get(Cohort, cohort_id) is None
    assert member.id is not None


def test_country_of_a_cohort_with_members_is_fixed(client, login_as, make_user, make_cohort):
    login_as("admin", country=None)
    cohort = make_cohort(country="CO", members=[make_user(country="CO")])
    response = client.post(f"/admin/cohorts/{cohort.id}/edit", data={"name": cohort.name, "country_code": "PE"})
    assert response.status_code == 400
    assert "This cohort has members" in response.get_data(as_text=True)


def test_coordinator_cannot_create_a_cohort_abroad(client, login_as):
    login_as("coordinator", country="MX")
    response = client.post("/admin/cohorts/new", data={"name": "X", "country_code": "BR"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 0


def test_a_large_cohort_pages_its_members_in_a_few_queries(client, login_as, make_user, make_cohort,
                                                           make_institution, app):
    """The members are paged (a whole import may join one cohort) and their institutions come with them."""
    app.config["PAGE_SIZE"] = 5
    login_as("coordinator", country="CL", locale="en")
    institutions = [make_institution(country="CL", name=f"Institución {i}") for i in range(4)]
    people = [make_user(country="CL", name=f"Persona {i:02d}", institution=institutions[i % 4]) for i in range(12)]
    cohort = make_cohort(country="CL", members=people)
    response, statements = statements_during(lambda: client.get(f"/admin/cohorts/{cohort.id}"))
    html = response.get_data(as_text=True)
    assert "Persona 00" in html and "Persona 04" in html and "Persona 05" not in html
    assert "(12)" in html and "Page 1 of 3" in html
    assert 'href="/admin/cohorts/%d?page=2#cohort-members"' % cohort.id in html
    assert not [s for s in statements if "FROM institution" in s and "WHERE institution.id" in s]  # no N+1
    third = client.get(f"/admin/cohorts/{cohort.id}?page=3").get_data(as_text=True)
    assert "Persona 10" in third and "Persona 11" in third and "Persona 00" not in third


def test_adding_many_people_queues_their_emails_in_a_few_jobs(client, login_as, make_user, make_cohort):
    from app.jobs.models import Job
    from app.notifications.models import Notification, OutboxMessage

    login_as("coordinator", country="CL", locale="en")
    people = [make_user(country="CL", name=f"Persona {i}", locale="es" if i % 2 else "pt_BR") for i in range(20)]
    cohort = make_cohort(country="CL")
    jobs_before = db.session.scalar(sa.select(sa.func.count()).select_from(Job))
    url, chosen = f"/admin/cohorts/{cohort.id}/members", {"members": [str(p.uuid) for p in people]}
    response, statements = statements_during(lambda: client.post(url, data=chosen))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 20
    subjects = set(db.session.scalars(sa.select(OutboxMessage.subject)))
    assert len(db.session.scalars(sa.select(OutboxMessage.id)).all()) == 20 and len(subjects) == 2  # two languages
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) - jobs_before == 1
    # at most the two rows each person gets (a notification, an e-mail), not a handful of queries per person
    assert len(statements) <= 2 * len(people) + 25, len(statements)


def test_a_page_past_the_last_leads_back_to_the_first(client, login_as, make_user, make_cohort):
    login_as("coordinator", country="CL", locale="en")
    cohort = make_cohort(country="CL", members=[make_user(country="CL", name="Persona")])
    html = client.get(f"/admin/cohorts/{cohort.id}?page=9").get_data(as_text=True)
    assert "This cohort has no members yet." not in html and "See the first page" in html
    assert f'href="/admin/cohorts/{cohort.id}?page=1#cohort-members"' in html


def test_the_page_that_asks_first_posts_back_under_the_sites_prefix(client, login_as, make_cohort):
    """Behind a proxy that mounts Itinera under a path (SCRIPT_NAME), the confirming form keeps that path."""
    login_as("admin", country=None, locale="en")
    cohort = make_cohort(country="CL")
    asked = client.post(f"/admin/cohorts/{cohort.id}/delete", environ_overrides={"SCRIPT_NAME": "/lms"})
    assert f'action="/lms/admin/cohorts/{cohort.id}/delete"' in asked.get_data(as_text=True)


def test_adding_nobody_says_so_on_the_page_and_keeps_the_search(client, login_as, make_user, make_cohort):
    login_as("coordinator", country="CL", locale="en")
    make_user(country="CL", name="Ana Soto")
    make_user(country="CL", name="Beto Díaz")
    cohort = make_cohort(country="CL")
    page = client.get(f"/admin/cohorts/{cohort.id}?q=ana").get_data(as_text=True)
    action = f"/admin/cohorts/{cohort.id}/members?q=ana"
    assert f'action="{action}"' in page
    for sent in ({}, {"members": ""}, {"members": ["", " "]}):  # (an empty value: a tool's post, not a browser's)
        response = client.post(action, data=sent)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert '<a href="#members">Select at least one person to add.</a>' in html, sent  # the error summary
    assert 'id="members-error"' in html and "Ana Soto" in html and "Beto Díaz" not in html  # same search
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CohortMember)) == 0
    # the page's links (another language, another page) lead back to the cohort, not to a POST-only address
    assert client.get(f"/admin/cohorts/{cohort.id}/members?q=ana&lang=es").location == \
        f"/admin/cohorts/{cohort.id}?q=ana&lang=es"


def test_someone_of_another_country_is_refused_on_the_page(client, login_as, make_user, make_cohort):
    login_as("coordinator", country="CL", locale="en")
    cohort = make_cohort(country="CL")
    stranger = make_user(country="PE", name="Rosa Quispe")
    response = client.post(f"/admin/cohorts/{cohort.id}/members", data={"members": [str(stranger.uuid)]})
    assert response.status_code == 400
    assert "Only people of the cohort&#39;s country can join it" in response.get_data(as_text=True)


def test_a_cohort_created_twice_at_once_is_created_once(login_as, post_at_once):
    """A double click (or four) on Save: one request creates the cohort, the others are told the name is used."""
    from app.cohorts import services

    coordinator = login_as("coordinator", country="MX")
    responses = post_at_once(coordinator, "/admin/cohorts/new", {"name": "Cohorte 2027", "country_code": "MX"},
                             times=3, meet=(services, "_validate"))
    assert sorted((getattr(r, "status_code", r) for r in responses), key=str) == [302, 400, 400], responses
    for response in responses:
        if response.status_code == 400:
            assert ('<a href="#name">This country already has a cohort called “Cohorte 2027”</a>'
                    in response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 1


def test_a_cohort_keeps_its_own_name_whatever_its_case_and_another_may_not_take_it(client, login_as, make_cohort):
    login_as("coordinator", country="PE", locale="en")
    ours = make_cohort(country="PE", name="Cohorte Ñaña")
    other = make_cohort(country="PE", name="Cohorte Lima")
    response = client.post(f"/admin/cohorts/{ours.id}/edit", data={"name": "COHORTE ÑAÑA", "country_code": "PE"})
    assert response.status_code == 302
    response = client.post(f"/admin/cohorts/{other.id}/edit", data={"name": "cohorte nana", "country_code": "PE"})
    assert response.status_code == 400
    assert "This country already has a cohort called “COHORTE ÑAÑA”" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (ours.name, other.name) == ("COHORTE ÑAÑA", "Cohorte Lima")


def test_members_added_twice_at_once_are_added_once(login_as, post_at_once, make_user, make_cohort):
    from app.cohorts import services

    coordinator = login_as("coordinator", country="MX")
    one, two = make_user(country="MX", name="Uno"), make_user(country="MX", name="Dos")
    cohort = make_cohort(country="MX")
    responses = post_at_once(coordinator, f"/admin/cohorts/{cohort.id}/members",
                             {"members": [str(one.uuid), str(two.uuid)]}, meet=(services, "check"),
                             follow_redirects=True)
    assert [getattr(r, "status_code", r) for r in responses] == [200, 200], responses
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CohortMember)) == 2
    said = [r.get_data(as_text=True) for r in responses]
    assert sum("2 people added to the cohort." in page for page in said) == 1
    assert sum(("info", "They were already members of the cohort.") in banners(page) for page in said) == 1


def test_one_submit_shows_every_problem_of_a_cohort(client, login_as, make_cohort, make_user):
    login_as("admin", country=None)
    make_cohort(country="MX", name="Cohorte 2027")
    response = client.post("/admin/cohorts/new", data={"name": "cohorte 2027", "country_code": "MX",
                                                       "description": "x" * 2001})
    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    assert '<a href="#description">' in page
    assert '<a href="#name">This country already has a cohort called “Cohorte 2027”</a>' in page
    cohort = make_cohort(country="CO", members=[make_user(country="CO")])
    response = client.post(f"/admin/cohorts/{cohort.id}/edit", data={"name": "", "country_code": "PE"})
    page = unescape(response.get_data(as_text=True))
    assert '<a href="#name">Enter the cohort\'s name</a>' in page
    assert '<a href="#country_code">This cohort has members, so its country cannot change</a>' in page


def test_the_change_page_of_a_cohort_names_it(client, login_as, make_cohort):
    login_as("admin", country=None, locale="en")
    cohort = make_cohort(name="Cohorte piloto 2026")
    html = client.get(f"/admin/cohorts/{cohort.id}/edit").get_data(as_text=True)
    assert "<title>Change cohort “Cohorte piloto 2026” – Itinera</title>" in html
    assert "<h1>Change cohort “Cohorte piloto 2026”</h1>" in html


def test_a_change_saved_by_someone_else_meanwhile_is_not_overwritten(client, login_as, make_cohort):
    import re
    from html import unescape

    login_as("coordinator", country="CL", locale="en")
    cohort = make_cohort(country="CL", name="Cohorte 2027")
    url = f"/admin/cohorts/{cohort.id}/edit"
    opened = re.search(r'name="revision" type="hidden" value="([0-9a-f]+)"',
                       client.get(url).get_data(as_text=True)).group(1)
    sent = {"name": "Cohorte 2027", "country_code": "CL", "description": "", "revision": opened}
    assert client.post(url, data=dict(sent, description="Técnicos de salud")).status_code == 302
    late = client.post(url, data=dict(sent, name="Cohorte 2027 (Biobío)"))
    page = unescape(late.get_data(as_text=True))
    assert late.status_code == 400 and "Someone else saved a change to this after you opened the page" in page
    db.session.refresh(cohort)
    assert (cohort.name, cohort.description) == ("Cohorte 2027", "Técnicos de salud")
    again = re.search(r'name="revision" type="hidden" value="([0-9a-f]+)"', page).group(1)
    assert client.post(url, data=dict(sent, name="Cohorte 2027 (Biobío)", revision=again)).status_code == 302
    db.session.refresh(cohort)
    assert cohort.name == "Cohorte 2027 (Biobío)"


def test_two_editors_saving_at_once_take_turns(login_as, post_at_once, make_cohort, client):
    """Both forms opened on the same cohort and saved at the same moment: one is saved, the other is told."""
    import re

    from app.cohorts import services

    coordinator = login_as("coordinator", country="CL", locale="en")
    cohort = make_cohort(country="CL", name="Cohorte 2027")
    opened = re.search(r'name="revision" type="hidden" value="([0-9a-f]+)"',
                       client.get(f"/admin/cohorts/{cohort.id}/edit").get_data(as_text=True)).group(1)
    sent = [{"name": "Cohorte 2027", "country_code": "CL", "description": text, "revision": opened}
            for text in ("Primera", "Segunda")]
    responses = post_at_once(coordinator, f"/admin/cohorts/{cohort.id}/edit", sent,
                             meet=(services, "get_cohort"))
    assert sorted((getattr(r, "status_code", r) for r in responses), key=str) == [302, 400], responses
    [saved] = [n for n, r in enumerate(responses) if r.status_code == 302]
    db.session.refresh(cohort)
    assert cohort.description == ("Primera", "Segunda")[saved]


ONE_WRITER = "SQLite lets one writer in at a time: the other request waits for this one"


def _codes(responses):
    return sorted((getattr(r, "status_code", r) for r in responses), key=str)


def _members(cohort_id):
    db.session.expire_all()
    return set(db.session.scalars(sa.select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))


def _reads_members(statement):
    return statement.lstrip().startswith("SELECT") and "FROM cohort_member" in statement


@pytest.mark.skipif(not PG_URL, reason=ONE_WRITER)
def test_a_member_removed_twice_at_once_is_removed_once(login_as, make_user, make_cohort, send_at_once):
    """A double click on Remove: both requests read the member, the second then deleted a row already gone (an
    error, in tests a 500). Now the second waits at the cohort and finds nobody to remove."""
    coordinator = login_as("coordinator", country="CL")
    one, two = make_user(country="CL"), make_user(country="CL")
    cohort = make_cohort(country="CL", members=[one, two])
    url = f"/admin/cohorts/{cohort.id}/members/{one.uuid}/remove"
    responses = send_at_once([(coordinator, "POST", url, {})] * 2, meet=_reads_members)
    assert _codes(responses) == [302, 302], responses
    assert _members(cohort.id) == {two.id}


@pytest.mark.skipif(not PG_URL, reason=ONE_WRITER)
def test_members_changed_while_the_cohort_is_deleted(login_as, make_user, make_cohort, send_at_once):
    """Adding someone, or removing someone, as a colleague deletes the cohort: the change either comes first (and
    goes with the cohort) or finds the cohort gone (404, as its page now says), never an error page."""
    coordinator = login_as("coordinator", country="CL")
    one, two = make_user(country="CL"), make_user(country="CL")
    for change, data in (("members", {"members": [str(two.uuid)]}), (f"members/{one.uuid}/remove", {})):
        cohort_id = make_cohort(country="CL", members=[one]).id
        responses = send_at_once([(coordinator, "POST", f"/admin/cohorts/{cohort_id}/{change}", data),
                                  (coordinator, "POST", f"/admin/cohorts/{cohort_id}/delete", {"confirmed": "1"})],
                                 meet=_reads_members)
        assert responses[1].status_code == 302, responses
        assert getattr(responses[0], "status_code", None) in (302, 404), responses
        assert _members(cohort_id) == set()
        assert db.session.scalar(sa.select(sa.func.count()).where(Cohort.id == cohort_id)) == 0


@pytest.mark.skipif(not PG_URL, reason=ONE_WRITER)
@pytest.mark.parametrize("with_revision", [True, False])
def test_a_cohort_saved_as_it_is_deleted_is_not_found(app, login_as, make_cohort, send_at_once, with_revision):
    """The edit form saved just as a colleague deletes the cohort: its save waited for the deletion, then read a
    cohort that was no longer there (an error page). Now: 404, the cohort is gone; also for a save that sends
    no revision (a form from before revisions, a script): it waited for nothing, and changed a row gone."""
    from app.cohorts.services import edit_revision

    coordinator = login_as("coordinator", country="CL")
    cohort = make_cohort(country="CL")
    sent = {"name": "Cohorte nueva", "country_code": "CL"}
    if with_revision:
        sent["revision"] = edit_revision(cohort)
    statuses = saved_as_deleted(app, send_at_once, coordinator, "cohort", f"/admin/cohorts/{cohort.id}/delete",
                                f"/admin/cohorts/{cohort.id}/edit", sent)
    assert statuses == [302, 404], statuses
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 0


def test_a_cohort_s_members_can_be_searched_and_the_count_stays_the_cohort_s(client, login_as, make_user,
                                                                            make_cohort):
    """A cohort of 200 imported trainees listed its members a page at a time by name only: finding one member
    (to open their page, or remove them) meant paging. The members are searched by name or address, and the
    heading still says how many members the cohort has."""
    login_as("coordinator", country="CL")
    people = [make_user(country="CL", name=f"Persona {n}", email=f"p{n}@gore.cl") for n in range(3)]
    nunez = make_user(country="CL", name="José Núñez", email="jnunez@gore.cl")
    cohort = make_cohort(country="CL", members=[*people, nunez])
    page = client.get(f"/admin/cohorts/{cohort.id}?member_q=nunez").get_data(as_text=True)
    members = page.split('id="cohort-members"')[1].split('id="add"')[0]
    assert "José Núñez" in members and "Persona 1" not in members
    assert "(4)" in members and 'name="member_q" value="nunez"' in members
    page = client.get(f"/admin/cohorts/{cohort.id}?member_q=nadie").get_data(as_text=True)
    assert "No members match your search." in page


def test_two_people_of_the_same_name_can_be_told_apart_among_the_people_to_add(client, login_as, make_user,
                                                                               make_cohort, make_institution):
    login_as("coordinator", country="MX", locale="en")
    ministry = make_institution(country="MX", name="Ministerio de Economía")
    one = make_user(country="MX", name="Juan Pérez", email="juan.perez@economia.mx", institution=ministry)
    two = make_user(country="MX", name="Juan Pérez", email="jperez@example.mx")
    cohort = make_cohort(country="MX")
    html = unescape(client.get(f"/admin/cohorts/{cohort.id}").get_data(as_text=True))
    labels = {value: " ".join(re.sub(r"<[^>]+>", " ", label).split()) for value, label in re.findall(
        r'value="([^"]+)">\s*<label class="choice__label"[^>]*>(.*?)</label>', html, re.S)}
    assert labels[str(one.uuid)] == "Juan Pérez Ministerio de Economía · juan.perez@economia.mx"
    assert labels[str(two.uuid)] == "Juan Pérez No institution · jperez@example.mx"


def test_a_coordinator_who_also_trains_is_offered_only_their_own_country(client, login_as, make_user):
    """A trainer sees every country, so a coordinator who also trains was offered every country in the forms that
    create cohorts, institutions, people and imports, and refused the moment another was saved. The lists that
    filter what they see still name every country."""
    login_as(make_user(roles=("coordinator", "trainer"), country="PE"))
    pattern = re.compile(r'<select[^>]*name="country_code"[^>]*>(.*?)</select>', re.S)
    for page in ("/admin/cohorts/new", "/admin/institutions/new", "/admin/users/new", "/admin/import"):
        select = pattern.search(client.get(page).get_data(as_text=True)).group(1)
        assert re.findall(r'<option[^>]*value="([^"]*)"', select) == ["PE"], page
    listed = client.get("/admin/cohorts").get_data(as_text=True)
    assert 'value="MX"' in listed  # a trainer's filter, as before


def test_someone_whose_account_was_removed_meanwhile_is_not_called_a_member(client, login_as, make_user,
                                                                             make_cohort):
    """A colleague withdrew the invitation of someone on the list (the unused account is removed) before the
    coordinator pressed Add: nobody was added, and the page said they were already members of the cohort."""
    login_as("coordinator", country="CL", locale="en")
    cohort = make_cohort(country="CL")
    ana = make_user(country="CL", name="Ana Soto")
    invited = make_user(country="CL", name="Beto Díaz", password=None)
    chosen = [str(ana.uuid), str(invited.uuid)]
    db.session.delete(invited)  # (as withdrawing the invitation does)
    db.session.commit()
    response = client.post(f"/admin/cohorts/{cohort.id}/members", data={"members": chosen})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "already members" not in html
    assert "no longer has an account" in html and "Ana Soto" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CohortMember)) == 0


def test_a_deactivated_member_is_marked_on_the_cohort_page(client, login_as, make_user, make_cohort):
    """A member whose account was deactivated stays in the cohort and in its count, but the page showed them as
    any other member: the coordinator could not tell who can no longer sign in."""
    login_as("coordinator", country="CL", locale="en")
    active, gone = make_user(country="CL", name="Ana Soto"), make_user(country="CL", name="Beto Díaz", is_active=False)
    cohort = make_cohort(country="CL", members=[active, gone])
    page = client.get(f"/admin/cohorts/{cohort.id}").get_data(as_text=True)
    rows = {name: row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)
            for name in ("Ana Soto", "Beto Díaz") if name in row}
    assert "Inactive" in rows["Beto Díaz"] and "Inactive" not in rows["Ana Soto"]
