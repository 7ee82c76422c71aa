"""A person estimates their own levels: kept as history, shown apart as self-declared, never evidence."""
import pytest
import sqlalchemy as sa

from app.competences.models import SelfAssessment
from app.competences.services import current_levels
from app.extensions import db
from tests.fixtures.markup import banners


def estimates(user) -> list[tuple[str, int]]:
    return [tuple(row) for row in db.session.execute(
        sa.select(SelfAssessment.code, SelfAssessment.level).where(SelfAssessment.user_id == user.id)
        .order_by(SelfAssessment.id))]


def test_a_trainee_estimates_their_levels_and_reads_them_as_self_declared(client, login_as, sample_framework):
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    page = client.get("/auth/account/competences").get_data(as_text=True)
    assert 'href="/auth/account/competences/estimate"' in page
    form = client.get("/auth/account/competences/estimate").get_data(as_text=True)
    assert "What the levels mean" in form and 'name="level_A1"' in form and 'name="level_B1"' in form
    assert "3. Advanced" in form and " checked" not in form
    response = client.post("/auth/account/competences/estimate", data={"level_A1": "2"})  # B1 left for later
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/account/competences")
    assert estimates(trainee) == [("A1", 2)]
    levels = current_levels(trainee, framework="demo")
    assert levels["A1"].self_declared == 2 and levels["A1"].level is None and not levels["A1"].evidence
    page = client.get("/auth/account/competences").get_data(as_text=True)
    assert "1 estimate has been saved." in page and "2. Practitioner" in page

    form = client.get("/auth/account/competences/estimate").get_data(as_text=True)
    assert 'id="level_A1-2" value="2" checked' in form  # the latest estimate, to change or keep
    client.post("/auth/account/competences/estimate", data={"level_A1": "2", "level_B1": "1"})
    assert estimates(trainee) == [("A1", 2), ("B1", 1)]  # the unchanged answer adds nothing
    response = client.post("/auth/account/competences/estimate", data={"level_A1": "2", "level_B1": "1"},
                           follow_redirects=True)
    assert "Nothing changed: your estimates are as they were." in response.get_data(as_text=True)
    client.post("/auth/account/competences/estimate", data={"level_A1": "3", "level_B1": "1"})
    assert estimates(trainee) == [("A1", 2), ("B1", 1), ("A1", 3)]  # the earlier one stays as history
    assert current_levels(trainee, framework="demo")["A1"].self_declared == 3


def test_a_form_sent_with_no_level_chosen_says_so_not_that_estimates_are_as_they_were(client, login_as,
                                                                                     sample_framework):
    """Someone with no estimate who taps Save before choosing heard "your estimates are as they were", under a
    page saying they have none: it now says that no level was chosen. Whoever has estimates still hears that they
    are unchanged."""
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    for sent in ({}, {"level_A1": "", "level_B1": ""}):  # nothing chosen, or "Not sure" everywhere
        response = client.post("/auth/account/competences/estimate", data=sent, follow_redirects=True)
        text = response.get_data(as_text=True)
        assert "You chose no level, so nothing has been saved." in text and "as they were" not in text
        assert banners(text) == [("info", "You chose no level, so nothing has been saved.")]  # nothing done
        assert 'href="/auth/account/competences/estimate"' in text  # the way back to the form
    assert estimates(trainee) == []
    client.post("/auth/account/competences/estimate", data={"level_A1": "2"})
    response = client.post("/auth/account/competences/estimate", data={}, follow_redirects=True)
    assert "Nothing changed: your estimates are as they were." in response.get_data(as_text=True)
    assert ("info", "Nothing changed: your estimates are as they were.") in banners(response.get_data(as_text=True))


def test_a_level_outside_the_scale_is_refused_and_nothing_is_saved(client, login_as, sample_framework):
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    response = client.post("/auth/account/competences/estimate", data={"level_A1": "2", "level_B1": "9"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<a href="#level_B1">Choose a level of the scale for B1</a>' in page
    assert "<title>Error: Estimate your levels – Itinera</title>" in page
    assert estimates(trainee) == []


def test_each_question_refused_is_named_in_the_list_of_problems(client, login_as, sample_framework):
    """Two answers off the scale (a page opened before a new version with fewer levels) were listed at the top as
    the same "Choose a level of the scale" twice: the list now says which competence each one is."""
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    login_as("trainee", country="CL", locale="en")
    page = client.post("/auth/account/competences/estimate", data={"level_A1": "4", "level_B1": "9"}).get_data(
        as_text=True)
    summary = page[page.index('class="error-summary"'):page.index("</div>", page.index('class="error-summary"'))]
    assert '<a href="#level_A1">Choose a level of the scale for A1</a>' in summary
    assert '<a href="#level_B1">Choose a level of the scale for B1</a>' in summary


@pytest.mark.parametrize("answer", ["   ", "\t", " 2 "])
def test_a_blank_answer_is_refused_not_taken_for_not_sure(client, login_as, sample_framework, answer):
    """Only the empty value is "Not sure" (it withdraws an estimate): spaces are no level of the scale."""
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    client.post("/auth/account/competences/estimate", data={"level_A1": "2"})
    response = client.post("/auth/account/competences/estimate", data={"level_A1": answer, "level_B1": "1"})
    assert response.status_code == 400
    assert '<a href="#level_A1">Choose a level of the scale for A1</a>' in response.get_data(as_text=True)
    assert estimates(trainee) == [("A1", 2)]  # the earlier estimate stays, and nothing of this answer is saved


def test_the_page_says_so_when_no_framework_is_loaded(client, login_as):
    login_as("trainee", locale="en")
    response = client.get("/auth/account/competences/estimate")
    assert response.status_code == 200 and "No competence framework is loaded yet." in response.get_data(as_text=True)


def test_signing_in_comes_first(client):
    response = client.get("/auth/account/competences/estimate")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_competence_codes_with_hyphens_give_each_radio_button_an_id_of_its_own(client, login_as, sample_framework):
    """Codes may hold hyphens: A1-2's group must not share an id with A1's second button (its label would then
    check A1's level 2, and the error summary would lead to A1)."""
    import re
    from collections import Counter

    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE

    texts = "{en: x, es: x, pt_BR: x}"
    extra = "".join(f"""\
  - code: {code}
    area: A
    title: {{en: {code} title, es: {code} título, pt_BR: {code} título}}
    knowledge: {texts}
    skills: {texts}
    attitudes: {texts}
""" for code in ("A1-2", "A1-error", "A1_2"))
    import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("version: 1", "version: 2") + extra, "demo.yaml"),
                     source="demo.yaml")
    db.session.commit()
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    page = client.get("/auth/account/competences/estimate").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    inputs = {}  # each group's first button
    for name, button_id in re.findall(r'name="(level_[^"]+)" id="([^"]+)"', page):
        inputs.setdefault(name, button_id)
    assert set(inputs) == {"level_A1", "level_A1-2", "level_A1-error", "level_A1_2", "level_B1"}
    for name, first_id in inputs.items():
        assert re.search(rf'<label class="choice__label" for="{re.escape(first_id)}">1\. Foundation</label>', page)
    response = client.post("/auth/account/competences/estimate", data={"level_A1": "9", "level_A1-2": "9"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    assert re.findall(r'<a href="#([^"]+)">', summary) == [inputs["level_A1"], inputs["level_A1-2"]]
    ids = re.findall(r'\sid="([^"]+)"', page)  # A1's error message is no button of A1-error
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert client.post("/auth/account/competences/estimate",
                       data={"level_A1-2": "3", "level_A1_2": "1", "level_A1-error": "2"}).status_code == 302
    assert sorted(estimates(trainee)) == [("A1-2", 3), ("A1-error", 2), ("A1_2", 1)]


def test_an_estimate_outside_a_new_versions_scale_is_no_error_of_the_next_answers(client, login_as,
                                                                                  sample_framework):
    """Version 2 of the framework has no level 3: the person's estimate of 3 is no longer a choice, and saving
    other answers leaves it alone (it was sent back as the unanswered question's answer, a 500)."""
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    assert client.post("/auth/account/competences/estimate", data={"level_A1": "3"}).status_code == 302
    shorter = SAMPLE.replace("version: 1", "version: 2").replace("technician: 3", "technician: 2")
    shorter = shorter[:shorter.index("  - number: 3")] + shorter[shorter.index("areas:"):]
    import_framework(SYSTEM, files.read_yaml(shorter, "demo.yaml"), source="demo.yaml")
    db.session.commit()
    form = client.get("/auth/account/competences/estimate").get_data(as_text=True)
    assert "3. Advanced" not in form and " checked" not in form
    response = client.post("/auth/account/competences/estimate", data={"level_B1": "1"})
    assert response.status_code == 302
    assert estimates(trainee) == [("A1", 3), ("B1", 1)]


def test_not_sure_withdraws_an_estimate_which_stays_in_the_history(client, login_as, sample_framework):
    """The page said "leave a competence unanswered if you are not sure", but a saved estimate could not be taken
    back. "Not sure" withdraws it: no longer self-declared nor the baseline (on the person's pages as in
    current_levels), kept in the history, still counted at a moment before the withdrawal."""
    import re
    from datetime import timedelta

    from app.db import utcnow

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    form = client.get("/auth/account/competences/estimate").get_data(as_text=True)
    assert re.search(r'name="level_A1" id="level_A1-4" value=""><label class="choice__label" for="level_A1-4">Not sure',
                     form.replace("\n", "").replace("  ", ""))
    assert client.post("/auth/account/competences/estimate", data={"level_A1": "", "level_B1": ""},
                       follow_redirects=True).get_data(as_text=True).count("You chose no level") == 1
    assert estimates(trainee) == []  # nothing to withdraw: nothing recorded
    client.post("/auth/account/competences/estimate", data={"level_A1": "2", "level_B1": "1"}, follow_redirects=True)
    earlier = db.session.scalars(sa.select(SelfAssessment)).all()
    for row in earlier:  # estimated yesterday
        row.assessed_at -= timedelta(days=1)
    db.session.commit()

    response = client.post("/auth/account/competences/estimate", data={"level_A1": "", "level_B1": "1"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1 estimate has been withdrawn." in page and "saved" not in page
    assert estimates(trainee) == [("A1", 2), ("B1", 1), ("A1", None)]  # the estimate stays as history
    levels = current_levels(trainee, framework="demo")
    assert "A1" not in levels and levels["B1"].self_declared == 1
    assert current_levels(trainee, utcnow() - timedelta(hours=1), framework="demo")["A1"].self_declared == 2
    row = re.search(r'<th scope="row" data-label="Competence"><a href="/competences/demo/A1">.*?</tr>', page, re.S)
    assert row.group(0).count("—") == 2  # no evidence, nothing self-declared
    form = client.get("/auth/account/competences/estimate").get_data(as_text=True)
    assert not re.search(r'name="level_A1"[^>]*checked', form)
    assert "Nothing changed" in client.post("/auth/account/competences/estimate", data={"level_A1": ""},
                                            follow_redirects=True).get_data(as_text=True)
    assert len(estimates(trainee)) == 3

    response = client.post("/auth/account/competences/estimate", data={"level_A1": "3", "level_B1": ""},
                           follow_redirects=True)
    assert "1 estimate has been saved. 1 estimate has been withdrawn." in response.get_data(as_text=True)
    assert current_levels(trainee, framework="demo")["A1"].self_declared == 3

    login_as("coordinator", country="CL", locale="en")
    person = client.get(f"/admin/users/{trainee.uuid}").get_data(as_text=True)
    row = re.search(r'<a href="/competences/demo/B1">.*?</tr>', person, re.S)
    assert row.group(0).count("—") == 2


def test_the_dashboard_invites_again_once_every_estimate_is_withdrawn(client, login_as, sample_framework):
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    login_as("trainee", country="CL", locale="en")
    client.post("/auth/account/competences/estimate", data={"level_A1": "2"})
    assert "Estimate your levels</a>" not in client.get("/").get_data(as_text=True)
    client.post("/auth/account/competences/estimate", data={"level_A1": ""})
    assert 'href="/auth/account/competences/estimate">Estimate your levels</a>' in client.get("/").get_data(as_text=True)


def test_what_a_competence_asks_for_is_linked_inside_its_own_question(client, login_as, sample_framework):
    """On a phone the link sat after the fieldset, so it read as part of the next question."""
    import re

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    login_as("trainee", country="CL", locale="en")
    page = client.get("/auth/account/competences/estimate").get_data(as_text=True)
    fieldsets = re.findall(r"<fieldset.*?</fieldset>", page, re.S)
    assert len(fieldsets) == 2
    for code, fieldset in zip(("A1", "B1"), fieldsets):
        assert f'name="level_{code}"' in fieldset
        assert f'<a href="/competences/demo/{code}">What {code} asks for</a>' in fieldset
    assert page.count("asks for</a>") == 2


def test_estimates_sent_twice_at_once_are_saved_once(app, login_as, sample_framework, post_at_once):
    """A double click on Save: the estimates are recorded once, and the second request says nothing changed."""
    from app.competences import services

    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    responses = post_at_once(trainee, "/auth/account/competences/estimate", {"level_A1": "2", "level_B1": "1"},
                             meet=(services, "get_framework"), follow_redirects=True)
    assert [getattr(r, "status_code", r) for r in responses] == [200, 200], responses
    assert estimates(trainee) == [("A1", 2), ("B1", 1)]
    said = [r.get_data(as_text=True) for r in responses]
    assert sum("2 estimates have been saved." in page for page in said) == 1
    assert sum("Nothing changed: your estimates are as they were." in page for page in said) == 1


def test_a_withdrawal_sent_twice_at_once_is_reported_once(app, login_as, sample_framework, post_at_once):
    """A double click on Save with "Not sure": one request withdraws the estimate, the other says nothing changed
    (not "-1 estimates have been saved": it read the estimate before the first one withdrew it)."""
    from app.competences import services

    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    framework = services.get_framework("demo")
    services.self_assess(trainee, framework, {"A1": 2})
    db.session.commit()
    responses = post_at_once(trainee, "/auth/account/competences/estimate", {"level_A1": ""},
                             meet=(services, "latest_self_declared"), follow_redirects=True)
    assert [getattr(r, "status_code", r) for r in responses] == [200, 200], responses
    assert estimates(trainee) == [("A1", 2), ("A1", None)]
    said = [r.get_data(as_text=True) for r in responses]
    assert not any("-1 estimate" in page for page in said)
    assert sum("1 estimate has been withdrawn." in page for page in said) == 1
    assert sum("Nothing changed: your estimates are as they were." in page for page in said) == 1


def test_estimates_sent_twice_say_both_times_that_they_are_saved(client, login_as, sample_framework):
    """A double tap on "Save my estimates": the first saved them, and the second (the answer the phone shows) said
    "Nothing changed: your estimates are as they were", as if the tap had not counted. The same form sent again
    now gets the first one's answer, and records nothing more."""
    import re

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    page = client.get("/auth/account/competences/estimate").get_data(as_text=True)
    once = re.search(r'name="once" type="hidden" value="([^"]+)"', page).group(1)
    sent = {"once": once, "level_A1": "2", "level_B1": "1"}
    for _ in range(2):
        response = client.post("/auth/account/competences/estimate", data=sent, follow_redirects=True)
        text = response.get_data(as_text=True)
        assert "2 estimates have been saved." in text and "Nothing changed" not in text
    assert estimates(trainee) == [("A1", 2), ("B1", 1)]
    again = client.get("/auth/account/competences/estimate").get_data(as_text=True)  # a new form: a new token
    assert re.search(r'name="once" type="hidden" value="([^"]+)"', again).group(1) != once


def test_ones_own_competences_are_not_titled_twice(client, login_as, sample_framework):
    """At 360 px "Your competences" read as the page's heading and again, in bold, as the table's caption just under
    the introduction: the caption stays for screen readers, out of sight, where it only repeats the h1."""
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    login_as("trainee", country="CL", locale="en")
    page = client.get("/auth/account/competences").get_data(as_text=True)
    assert "<h1>Your competences</h1>" in page
    assert '<caption class="visually-hidden">Your competences</caption>' in page


def test_a_new_trainee_is_asked_for_an_estimate_before_a_list_of_blanks(client, login_as, sample_framework):
    """With nothing recorded, the page was every competence with "No evidence yet", "—", "—" (15 screens of them
    on a phone with the shipped framework) and only then, at the very bottom, the one thing to do."""
    from app.competences.services import self_assess

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    page = client.get("/auth/account/competences").get_data(as_text=True)
    link = 'href="/auth/account/competences/estimate"'
    assert page.count(link) == 1 and page.index(link) < page.index("<table")
    assert "Nothing is recorded yet" in page
    self_assess(trainee, sample_framework, {"A1": 1})
    db.session.commit()
    page = client.get("/auth/account/competences").get_data(as_text=True)
    assert page.count(link) == 1 and page.index(link) > page.index("</table>")  # to change it, after reading them
    assert "Nothing is recorded yet" not in page


def test_an_area_without_competences_asks_nothing_and_shows_no_heading(client, login_as, sample_framework, make_user):
    """An area an editor has just added (or emptied) has no question: the form shows no heading over nothing."""
    from app.competences.services import add_area
    from tests.fixtures.competences import texts

    add_area(make_user(roles=("trainer",)), sample_framework, "C", texts("Scaling up"))
    db.session.commit()
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    login_as("trainee", country="CL", locale="en")
    form = client.get("/auth/account/competences/estimate").get_data(as_text=True)
    assert "A. " in form and "B. " in form and 'name="level_B1"' in form
    assert "C. Scaling up" not in form
