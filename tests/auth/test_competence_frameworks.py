"""A person's competences in every framework with a current version, not only the configured one (?framework=)."""
import re

import pytest
import sqlalchemy as sa

from app.auth.services import SYSTEM
from app.competences import files, services
from app.extensions import db
from tests.auth.test_self_assessment import estimates
from tests.fixtures.competences import SAMPLE

OTHER = SAMPLE.replace("slug: demo", "slug: other").replace("Demo framework", "Other framework")


@pytest.fixture
def other_framework(app, sample_framework):
    """A second framework beside the demo one (which is configured), with the same codes and levels."""
    app.config["COMPETENCE_FRAMEWORK"] = "demo"
    version, _ = services.import_framework(SYSTEM, files.read_yaml(OTHER, "other.yaml"), source="other.yaml")
    db.session.commit()
    return version.framework


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_evidence_in_another_framework_is_shown_only_when_that_framework_is_chosen(client, login_as, make_user,
                                                                                   other_framework):
    trainee = login_as("trainee", country="CL", locale="en")
    services.validate_level(make_user(roles=("admin",)), trainee, other_framework, "B1", 3, note="Workshop")
    db.session.commit()

    page = _text(client.get("/auth/account/competences"))
    assert "the framework “Demo framework”" in page and "3. Advanced" not in page
    assert "Other frameworks:" in page
    assert '<a href="/auth/account/competences?framework=other" lang="en">Other framework</a>' in page
    assert 'href="/auth/account/competences/estimate"' in page

    page = _text(client.get("/auth/account/competences?framework=other"))
    assert "the framework “Other framework”" in page
    assert "3. Advanced" in page and "Workshop" in page
    assert '<a href="/auth/account/competences" lang="en">Demo framework</a>' in page  # the configured: no ?framework
    assert 'href="/auth/account/competences/estimate?framework=other"' in page
    assert 'href="/competences/other/B1"' in page


def test_with_one_framework_nothing_is_offered(client, login_as, sample_framework):
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    login_as("trainee", country="CL", locale="en")
    page = _text(client.get("/auth/account/competences"))
    assert "Other frameworks" not in page and "framework=" not in page
    assert client.get("/auth/account/competences?framework=demo").status_code == 200  # named: the same page


@pytest.mark.parametrize("path", ["/auth/account/competences", "/auth/account/competences/estimate"])
@pytest.mark.parametrize("slug", ["nowhere", "DEMO", "other%20", "x" * 300])
def test_an_unknown_framework_is_not_found(client, login_as, other_framework, path, slug):
    login_as("trainee", country="CL", locale="en")
    response = client.get(f"{path}?framework={slug}")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert response.headers["Content-Type"].startswith("text/html")


def test_a_framework_without_a_current_version_is_not_found(client, login_as, other_framework):
    login_as("trainee", country="CL", locale="en")
    other_framework.current.is_current = False
    db.session.commit()
    assert client.get("/auth/account/competences?framework=other").status_code == 404
    assert "Other frameworks" not in _text(client.get("/auth/account/competences"))


def test_estimates_are_saved_against_the_chosen_framework(client, login_as, other_framework):
    trainee = login_as("trainee", country="CL", locale="en")
    form = _text(client.get("/auth/account/competences/estimate?framework=other"))
    assert "the framework “Other framework”" in form
    assert 'href="/auth/account/competences?framework=other">Your competences</a>' in form  # the breadcrumb
    once = re.search(r'name="once" type="hidden" value="([^"]+)"', form).group(1)
    sent = {"once": once, "level_A1": "3", "level_B1": "1"}
    for _ in range(2):  # a double tap: saved once, said both times
        response = client.post("/auth/account/competences/estimate?framework=other", data=sent)
        assert response.status_code == 302
        assert response.headers["Location"] == "/auth/account/competences?framework=other"
        assert "2 estimates have been saved." in _text(client.get(response.headers["Location"]))
    assert estimates(trainee) == [("A1", 3), ("B1", 1)]
    assert services.latest_self_declared(trainee, other_framework) == {"A1": 3, "B1": 1}
    assert services.latest_self_declared(trainee, services.get_framework("demo")) == {}
    assert "3. Advanced" not in _text(client.get("/auth/account/competences"))
    assert "3. Advanced" in _text(client.get("/auth/account/competences?framework=other"))
    form = _text(client.get("/auth/account/competences/estimate?framework=other"))
    assert 'id="level_A1-3" value="3" checked' in form
    assert " checked" not in _text(client.get("/auth/account/competences/estimate"))


def test_the_configured_framework_saves_and_goes_back_as_before(client, login_as, other_framework):
    trainee = login_as("trainee", country="CL", locale="en")
    response = client.post("/auth/account/competences/estimate", data={"level_A1": "2"})
    assert response.headers["Location"] == "/auth/account/competences"
    assert services.latest_self_declared(trainee, services.get_framework("demo")) == {"A1": 2}
    assert services.latest_self_declared(trainee, other_framework) == {}


def test_framework_choice_defaults_to_the_configured_one_and_lists_those_with_a_current_version(app,
                                                                                                other_framework):
    choice = services.framework_choice()
    assert choice.framework.slug == "demo" and [f.slug for f in choice.choices] == ["demo", "other"]
    assert [f.slug for f in choice.others] == ["other"] and choice.argument() is None
    assert choice.argument(other_framework) == "other"
    assert services.framework_choice("other").framework == other_framework
    assert services.framework_choice("nowhere") is None
    app.config["COMPETENCE_FRAMEWORK"] = "gone"  # the configured one is not loaded: the first that can be chosen
    assert services.framework_choice().framework.slug == "demo"


def test_staff_read_and_validate_a_persons_competences_in_the_chosen_framework(client, login_as, make_user,
                                                                               other_framework, outbox):
    trainee = make_user(("trainee",), country="CL", locale="en", name="Rosa Quispe")
    services.self_assess(trainee, other_framework, {"A1": 3})
    db.session.commit()
    login_as("coordinator", country="CL", locale="en")
    page = _text(client.get(f"/admin/users/{trainee.uuid}"))
    estimate = '<td data-label="Self-declared">3. Advanced</td>'
    assert estimate not in page and "In the framework “Demo framework”." in page
    assert f'<a href="/admin/users/{trainee.uuid}?framework=other#competences" lang="en">Other framework</a>' in page
    assert f'action="/admin/users/{trainee.uuid}/levels"' in page

    page = _text(client.get(f"/admin/users/{trainee.uuid}?framework=other"))
    assert estimate in page and "In the framework “Other framework”." in page
    assert f'<a href="/admin/users/{trainee.uuid}#competences" lang="en">Demo framework</a>' in page
    assert f'action="/admin/users/{trainee.uuid}/levels?framework=other"' in page
    assert client.get(f"/admin/users/{trainee.uuid}?framework=nowhere").status_code == 404

    response = client.post(f"/admin/users/{trainee.uuid}/levels?framework=other", data={"code": "B1", "level": "2"})
    assert response.headers["Location"] == f"/admin/users/{trainee.uuid}?framework=other#competences"
    assert services.current_levels(trainee, framework="other")["B1"].level == 2
    assert "B1" not in services.current_levels(trainee, framework="demo")
    page = _text(client.get(f"/admin/users/{trainee.uuid}?framework=other"))
    assert "Level 2 of B1, validated by" in page
    assert "Level 2 of B1, validated by" not in _text(client.get(f"/admin/users/{trainee.uuid}"))
    assert client.post(f"/admin/users/{trainee.uuid}/levels?framework=nowhere",
                       data={"code": "B1", "level": "2"}).status_code == 404

    [message] = outbox()  # the trainee is sent to their competences in that framework
    assert "/auth/account/competences?framework=other" in message.body
    validation = services.validations_of(trainee, trainee, other_framework)[0]
    response = client.post(f"/admin/validated-levels/{validation.id}/withdraw", data={"confirmed": "1"})
    assert response.headers["Location"] == f"/admin/users/{trainee.uuid}?framework=other#competences"


def test_a_competence_page_leads_back_to_ones_competences_in_its_framework(client, login_as, other_framework):
    login_as("trainee", country="CL", locale="en")
    page = _text(client.get("/competences/other/A1"))
    assert page.count('href="/auth/account/competences?framework=other"') == 2  # the breadcrumb and the link
    page = _text(client.get("/competences/demo/A1"))
    assert page.count('href="/auth/account/competences"') == 2


def _notified(client) -> str:
    """The person's notifications, as the list shows them."""
    return re.sub(r"\s+", " ", _text(client.get("/notifications/?lang=en")))


def test_a_level_validated_or_withdrawn_names_its_framework_when_there_are_several(client, login_as, make_user,
                                                                                   other_framework, outbox):
    """Both frameworks have a B1 "Discovery": the person is told which one's level was validated, in the list and
    in the e-mail (its subject is the list's line)."""
    trainee = login_as("trainee", country="CL", locale="en")
    admin = make_user(roles=("admin",), country=None, name="Ada Admin")
    services.validate_level(admin, trainee, other_framework, "B1", 3)
    db.session.commit()
    validated = "Ada Admin validated your level in B1 Discovery (Other framework): 3. Advanced"
    [message] = outbox()
    assert message.subject == validated
    assert validated in _notified(client)
    services.withdraw_validation(admin, services.validations_of(admin, trainee, other_framework)[0])
    db.session.commit()
    withdrawn = "Ada Admin withdrew the validation of your level in B1 Discovery (Other framework): 3. Advanced"
    assert outbox()[-1].subject == withdrawn
    assert withdrawn in _notified(client)


def test_with_one_framework_a_level_validated_names_no_framework(client, login_as, make_user, sample_framework):
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = login_as("trainee", country="CL", locale="en")
    services.validate_level(make_user(roles=("admin",), country=None, name="Ada Admin"), trainee, sample_framework,
                            "B1", 3)
    db.session.commit()
    assert "Ada Admin validated your level in B1 Discovery: 3. Advanced" in _notified(client)


@pytest.mark.parametrize("gone", ["deleted", "no current version"])
def test_a_notification_naming_a_framework_gone_since_leads_to_ones_competences(client, login_as, make_user,
                                                                                other_framework, gone):
    """Its link named the framework (?framework=other), whose page is then not found: it leads to the person's
    competences in the framework shown by default instead, and says which framework it was."""
    from app.notifications.models import Notification
    from app.notifications.services import link_of

    trainee = login_as("trainee", country="CL", locale="en")
    services.validate_level(make_user(roles=("admin",), country=None, name="Ada Admin"), trainee, other_framework,
                            "B1", 3)
    db.session.commit()
    note = db.session.scalar(sa.select(Notification))
    assert client.get(f"/notifications/{note.id}").location == "/auth/account/competences?framework=other"
    if gone == "deleted":
        db.session.delete(other_framework)
    else:
        other_framework.current.is_current = False
    third = OTHER.replace("slug: other", "slug: third").replace("Other framework", "Third framework")
    services.import_framework(SYSTEM, files.read_yaml(third, "third.yaml"), source="third.yaml")  # still several
    db.session.commit()
    with client.application.test_request_context():
        assert link_of(note) == "/auth/account/competences"
    response = client.get(f"/notifications/{note.id}")
    assert response.location == "/auth/account/competences"
    assert client.get(response.location).status_code == 200
    assert "B1 Discovery (Other framework): 3. Advanced" in _notified(client)
