"""What a person typed survives the end of their session: a form sent once the sign-in had ended (or from a page
whose CSRF token had expired) is shown to them again filled in, never sent for them and never to anyone else."""
import re
from datetime import timedelta
from html import unescape

import sqlalchemy as sa

from app.auth.models import User
from app.competences.models import SelfAssessment
from app.extensions import db
from app.kept import KeptForm
from tests.fixtures.factories import PASSWORD
from tests.fixtures.sessions import end_sign_in, form_tokens, hidden_value, post_sign_in

KEPT = "We kept what you typed: check it and send it again."


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_a_self_assessment_sent_once_signed_out_is_shown_again_after_signing_in(client, make_user,
                                                                                 sample_framework):
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(email="ana@example.org", locale="en")
    post_sign_in(client, "ana@example.org", "/auth/login")
    sent = form_tokens(client, "/auth/account/competences/estimate", "kept_for", "once")
    end_sign_in(client.application, trainee)
    response = client.post("/auth/account/competences/estimate", data={**sent, "level_A1": "3", "level_B1": "2"})
    assert response.status_code == 302 and response.location.startswith("/auth/login?next=")
    assert "we kept what you typed" in _text(client.get(response.location)).lower()
    signed_in = post_sign_in(client, "ana@example.org", response.location)
    assert signed_in.location == "/auth/account/competences/estimate"
    page = _text(client.get(signed_in.location))
    assert KEPT in page
    assert 'id="level_A1-3" value="3" checked' in page and 'id="level_B1-2" value="2" checked' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SelfAssessment)) == 0  # never sent for them
    again = _text(client.get("/auth/account/competences/estimate"))  # shown once
    assert KEPT not in again and " checked" not in again


def test_a_self_assessment_of_another_framework_comes_back_to_that_framework(client, make_user, sample_framework):
    """Sent once signed out from the estimate of a framework chosen with ?framework=: after signing in, the same
    framework's form, filled in; sent again, saved in that framework."""
    from app.auth.services import SYSTEM
    from app.competences import files, services
    from tests.fixtures.competences import SAMPLE

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    other = services.import_framework(SYSTEM, files.read_yaml(SAMPLE.replace("slug: demo", "slug: other"), "o.yaml"),
                                      source="o.yaml")[0].framework
    db.session.commit()
    trainee = make_user(email="ana@example.org", locale="en")
    post_sign_in(client, "ana@example.org", "/auth/login")
    url = "/auth/account/competences/estimate?framework=other"
    sent = form_tokens(client, url, "kept_for", "once")
    end_sign_in(client.application, trainee)
    response = client.post(url, data={**sent, "level_A1": "3"})
    signed_in = post_sign_in(client, "ana@example.org", response.location)
    assert signed_in.location == url
    page = _text(client.get(url))
    assert KEPT in page and 'id="level_A1-3" value="3" checked' in page
    response = client.post(url, data={"once": hidden_value(page, "once"), "level_A1": "3"})
    assert response.location == "/auth/account/competences?framework=other"
    assert services.latest_self_declared(trainee, other) == {"A1": 3}
    assert services.latest_self_declared(trainee, sample_framework) == {}


def test_the_account_page_keeps_the_language_chosen_and_never_a_password(client, make_user):
    ana = make_user(email="ana@example.org", locale="en")
    post_sign_in(client, "ana@example.org", "/auth/login")
    page = client.get("/auth/account").get_data(as_text=True)
    tokens = re.findall(r'name="kept_for" value="([^"]+)"', page)
    assert len(tokens) == 3  # language, time zone, password; not the buttons that sign out a device
    client.post("/auth/logout")  # in another tab
    referer = {"Referer": "http://localhost/auth/account"}
    client.post("/auth/account/password", headers=referer, data={
        "kept_for": unescape(tokens[2]), "current_password": PASSWORD, "new_password": "a new secret phrase"})
    sent = client.post("/auth/account/language", headers=referer, data={"kept_for": unescape(tokens[0]),
                                                                       "locale": "es"})
    with client.application.app_context():
        kept = " ".join(db.session.scalars(sa.select(KeptForm.fields)))
    assert "secret phrase" not in kept and PASSWORD not in kept and "es" in kept
    signed_in = post_sign_in(client, "ana@example.org", sent.location)
    assert signed_in.location == "/auth/account"
    page = _text(client.get("/auth/account"))
    assert KEPT in page and re.search(r'value="es"[^>]* checked', page)
    with client.application.app_context():
        assert db.session.get(User, ana.id).locale == "en"


def test_a_level_descriptor_typed_in_three_languages_is_kept(client, make_user, sample_framework):
    trainer = make_user(email="tom@example.org", roles=("trainer",), country=None, locale="en")
    post_sign_in(client, "tom@example.org", "/auth/login")
    sent = form_tokens(client, "/competences/demo/levels/2/edit", "kept_for", "revision")
    end_sign_in(client.application, trainer)
    typed = {f"{name}_{locale}": f"{name} typed in {locale} " + "long " * 200
             for name in ("name", "descriptor") for locale in ("es", "pt_BR", "en")}
    typed["name_en"] = "Practitioner, renamed"
    response = client.post("/competences/demo/levels/2/edit", data={**sent, **typed})
    page = _text(client.get(post_sign_in(client, "tom@example.org", response.location).location))
    assert KEPT in page
    assert "Practitioner, renamed" in page and ("descriptor typed in pt_BR " + "long " * 200).strip() in page


def test_an_invitation_form_is_kept(client, make_user):
    coordinator = make_user(email="cora@example.org", roles=("coordinator",), country="CL", locale="en")
    post_sign_in(client, "cora@example.org", "/auth/login")
    sent = form_tokens(client, "/admin/users/new", "kept_for")
    end_sign_in(client.application, coordinator)
    response = client.post("/admin/users/new", data={
        **sent, "email": "new.person@example.org", "full_name": "Nova Pessoa Comprida", "country_code": "CL",
        "roles": "trainee", "password": "typed-password-123", "submit": "Save"})
    assert response.location.startswith("/auth/login")
    page = _text(client.get(post_sign_in(client, "cora@example.org", response.location).location))
    assert KEPT in page and 'value="new.person@example.org"' in page and "Nova Pessoa Comprida" in page
    assert "typed-password-123" not in page
    with client.application.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "new.person@example.org")) is None


def test_what_was_kept_is_never_shown_to_someone_else(client, make_user, sample_framework):
    ana = make_user(email="ana@example.org", locale="en")
    make_user(email="bea@example.org", locale="en")
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    post_sign_in(client, "ana@example.org", "/auth/login")
    sent = form_tokens(client, "/auth/account/competences/estimate", "kept_for", "once")
    end_sign_in(client.application, ana)
    response = client.post("/auth/account/competences/estimate", data={**sent, "level_A1": "3"})
    assert post_sign_in(client, "bea@example.org", response.location).location == "/auth/account/competences/estimate"
    page = _text(client.get("/auth/account/competences/estimate"))
    assert KEPT not in page and " checked" not in page
    client.post("/auth/logout")
    post_sign_in(client, "ana@example.org", "/auth/login")  # forgotten when someone else signed in here
    assert KEPT not in _text(client.get("/auth/account/competences/estimate"))


def test_a_form_sent_with_another_persons_token_or_none_is_not_kept(client, make_user, sample_framework):
    """Another site making a signed-out browser send a form has no token of the person: nothing is kept (the
    person would otherwise be shown, filled in, what they never typed)."""
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    ana = make_user(email="ana@example.org", locale="en")
    post_sign_in(client, "ana@example.org", "/auth/login")
    sent = form_tokens(client, "/auth/account/competences/estimate", "kept_for")
    end_sign_in(client.application, ana)
    client.post("/auth/account/competences/estimate", data={"level_A1": "3"})
    client.post("/auth/account/competences/estimate", data={"kept_for": sent["kept_for"] + "x", "level_A1": "3"})
    with client.application.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KeptForm)) == 0


def test_what_was_kept_is_forgotten_after_a_day(client, make_user, sample_framework):
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    ana = make_user(email="ana@example.org", locale="en")
    post_sign_in(client, "ana@example.org", "/auth/login")
    sent = form_tokens(client, "/auth/account/competences/estimate", "kept_for")
    end_sign_in(client.application, ana)
    response = client.post("/auth/account/competences/estimate", data={**sent, "level_A1": "3"})
    with client.application.app_context():
        for kept in db.session.scalars(sa.select(KeptForm)):
            kept.created_at -= timedelta(hours=25)
        db.session.commit()
    post_sign_in(client, "ana@example.org", response.location)
    page = _text(client.get("/auth/account/competences/estimate"))
    assert KEPT not in page and " checked" not in page
    with client.application.app_context():  # deleted, at the next sign-in (anyone's)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KeptForm)) == 0


def test_an_expired_page_with_a_live_session_shows_the_form_again_filled_in(make_app, make_user):
    """The CSRF token no longer matches (signed in again in another tab): the form comes back with what was typed
    and the problem at the top, not an error page."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        make_user(email="ana@example.org", locale="en")

    def sign_in():
        token = form_tokens(client, "/auth/login", "csrf_token")["csrf_token"]
        client.post("/auth/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token})

    sign_in()
    stale = form_tokens(client, "/auth/account", "csrf_token", "kept_for")
    client.post("/auth/logout", data={"csrf_token": stale["csrf_token"]})  # in another tab, and in again
    sign_in()
    response = client.post("/auth/account/language", data={**stale, "locale": "es"},
                           headers={"Referer": "http://localhost/auth/account"})
    assert response.status_code == 303 and response.location == "/auth/account"
    page = _text(client.get("/auth/account"))
    assert "There is a problem" in page and "This page had expired, so this was not saved. " + KEPT in page
    assert re.search(r'value="es"[^>]* checked', page)
    crafted = client.post("/auth/account/language", data={"csrf_token": stale["csrf_token"], "locale": "es"},
                          headers={"Referer": "http://localhost/auth/account"})
    assert crafted.status_code == 400 and "This page had expired" in _text(crafted)  # no token: as before


def test_what_is_kept_is_capped(client, make_user, sample_framework, monkeypatch):
    """A form of more than MAX_CHARS keeps the fields that fit, in order; the rest is not kept."""
    from app import kept

    monkeypatch.setattr(kept, "MAX_CHARS", 300)
    trainer = make_user(email="tom@example.org", roles=("trainer",), country=None, locale="en")
    post_sign_in(client, "tom@example.org", "/auth/login")
    sent = form_tokens(client, "/competences/demo/levels/2/edit", "kept_for", "revision")
    end_sign_in(client.application, trainer)
    client.post("/competences/demo/levels/2/edit", data={**sent, "name_es": "Practicante, cambiado",
                                                         "descriptor_es": "x" * 400})
    with client.application.app_context():
        [fields] = db.session.scalars(sa.select(KeptForm.fields)).all()
    assert "Practicante, cambiado" in fields and "x" * 400 not in fields


def test_a_form_sent_signed_out_from_an_expired_page_is_kept_too(make_app, make_user, sample_framework):
    """Both at once (the sign-in ended and the page's CSRF token no longer matches): sign in, then the form."""
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        trainer_id = make_user(email="tom@example.org", roles=("trainer",), country=None, locale="en").id

    def sign_in(path="/auth/login"):
        token = form_tokens(client, "/auth/login", "csrf_token")["csrf_token"]
        return client.post(path, data={"email": "tom@example.org", "password": PASSWORD, "csrf_token": token})

    sign_in()
    sent = form_tokens(client, "/competences/demo/competences/A1/edit", "csrf_token", "kept_for", "revision")
    end_sign_in(app, trainer_id)
    with client.session_transaction() as session:
        session["csrf_token"] = "another session's"
    response = client.post("/competences/demo/competences/A1/edit", data={
        **sent, "title_en": "Diagnosis, retitled", "alignments-0-framework": "", "alignments-0-code": "",
        "alignments-1-framework": "ESCO", "alignments-1-uri": "http://data.europa.eu/esco/skill/abc"})
    assert response.status_code == 302 and response.location.startswith("/auth/login?next=")
    page = _text(client.get(sign_in(response.location).location))
    assert KEPT in page and re.search(r'<textarea[^>]*name="title_en"[^>]*>\s*Diagnosis, retitled</textarea>', page)
    assert 'value="http://data.europa.eu/esco/skill/abc"' in page and 'value="1.2"' not in page  # the row emptied


def test_a_person_has_at_most_a_few_forms_kept(client, make_user, sample_framework, monkeypatch):
    """Each browser (each new session) keeps its own: the oldest go, so nobody fills the table."""
    from app import kept

    monkeypatch.setattr(kept, "MAX_PER_PERSON", 2)
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    ana = make_user(email="ana@example.org", locale="en")
    post_sign_in(client, "ana@example.org", "/auth/login")
    sent = form_tokens(client, "/auth/account/competences/estimate", "kept_for")
    end_sign_in(client.application, ana)
    for level in ("1", "2", "3"):
        with client.session_transaction() as session:
            session.pop("_kept", None)  # another browser
        client.post("/auth/account/competences/estimate", data={**sent, "level_A1": level})
    with client.application.app_context():
        kept_fields = db.session.scalars(sa.select(KeptForm.fields).order_by(KeptForm.id)).all()
    assert len(kept_fields) == 2 and '"2"' in kept_fields[0] and '"3"' in kept_fields[1]


def test_a_level_validation_note_is_kept_on_the_persons_page(client, make_user, sample_framework):
    """A form of a POST-only address: kept for the page it was on (the person's page)."""
    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    coordinator = make_user(email="cora@example.org", roles=("coordinator",), country="CL", locale="en")
    trainee = make_user(email="tina@example.org", country="CL")
    post_sign_in(client, "cora@example.org", "/auth/login")
    person = f"/admin/users/{trainee.uuid}"
    sent = form_tokens(client, person, "kept_for")
    end_sign_in(client.application, coordinator)
    response = client.post(f"{person}/levels", headers={"Referer": f"http://localhost{person}"},
                           data={**sent, "code": "A1", "level": "2", "note": "Ran the regional workshop in May"})
    assert post_sign_in(client, "cora@example.org", response.location).location == person
    page = _text(client.get(person))
    assert KEPT in page and "Ran the regional workshop in May</textarea>" in page


def _kept_again(client, path: str, email: str, data: dict) -> str:
    """``data`` sent on the form of ``path`` once the sign-in of ``email`` had ended; the page after signing in."""
    sent = form_tokens(client, path, "kept_for")
    with client.application.app_context():
        end_sign_in(client.application, db.session.scalar(sa.select(User.id).where(User.email == email)))
    response = client.post(path, data={**sent, **data})
    assert response.location.startswith("/auth/login")
    page = _text(client.get(post_sign_in(client, email, response.location).location))
    assert KEPT in page
    return page


def _chosen(page: str, name: str, value) -> bool:
    """``value`` is chosen in the select or among the radio buttons called ``name``."""
    if re.search(rf'<input[^>]* type="radio" name="{name}"[^>]* value="{value}" checked', page):
        return True
    return re.search(rf'<select[^>]* name="{name}"[^>]*>.*?<option[^>]* selected value="{value}"', page, re.S) \
        is not None or re.search(rf'<select[^>]* name="{name}"[^>]*>.*?<option value="{value}" selected', page,
                                 re.S) is not None


def test_an_invitation_kept_offers_again_the_institution_and_region_of_the_country_chosen(client, make_user,
                                                                                          make_institution):
    """The lists of institutions and regions are those of the country kept, not of the country the page starts
    from: the institution and region chosen are chosen again."""
    make_user(email="ada@example.org", roles=("admin",), country=None, locale="en")
    hospital = make_institution(country="AR", name="Hospital de Córdoba")
    post_sign_in(client, "ada@example.org", "/auth/login")
    page = _kept_again(client, "/admin/users/new", "ada@example.org", {
        "email": "new.person@example.org", "full_name": "Nova Pessoa", "country_code": "AR",
        "institution_id": str(hospital.id), "region_code": "AR-X", "roles": "trainee", "submit": "Save"})
    assert _chosen(page, "country_code", "AR")
    assert _chosen(page, "institution_id", hospital.id) and _chosen(page, "region_code", "AR-X")


def test_an_invitation_kept_finds_again_the_institutions_searched(client, make_user, make_institution, monkeypatch):
    """A country with more institutions than the form lists: the words searched are searched again, the
    institution chosen among the matches is chosen again."""
    from app.admin import views

    monkeypatch.setattr(views, "INSTITUTIONS_LISTED", 2)
    make_user(email="ada@example.org", roles=("admin",), country=None, locale="en")
    hospital = make_institution(country="AR", name="Hospital de Córdoba")
    make_institution(country="AR", name="Hospital de Rosario")
    make_institution(country="AR", name="Ministerio de Economía")
    post_sign_in(client, "ada@example.org", "/auth/login")
    page = _kept_again(client, "/admin/users/new", "ada@example.org", {
        "email": "new.person@example.org", "full_name": "Nova Pessoa", "country_code": "AR",
        "institution_q": "hospital", "institution_searched": "hospital", "institution_id": str(hospital.id),
        "roles": "trainee", "submit": "Save"})
    assert 'value="hospital"' in page and "Hospital de Rosario" in page and "Economía" not in page
    assert _chosen(page, "institution_id", hospital.id)


def test_a_new_institution_kept_offers_again_the_regions_of_the_country_chosen(client, make_user):
    make_user(email="ada@example.org", roles=("admin",), country=None, locale="en")
    post_sign_in(client, "ada@example.org", "/auth/login")
    page = _kept_again(client, "/admin/institutions/new", "ada@example.org", {
        "name": "Ministerio de Córdoba", "country_code": "AR", "level": "regional", "region_code": "AR-X"})
    assert _chosen(page, "country_code", "AR") and _chosen(page, "region_code", "AR-X")


def test_an_import_kept_offers_again_the_cohorts_of_the_country_chosen(client, make_user, make_cohort):
    """Opened from a country's list (its "country" in the query string), sent for another."""
    make_user(email="ada@example.org", roles=("admin",), country=None, locale="en")
    cohort = make_cohort(country="BR", name="Turma de Recife")
    post_sign_in(client, "ada@example.org", "/auth/login")
    make_cohort(country="CL", name="Cohorte de Santiago")
    page = _kept_again(client, "/admin/import?country=CL", "ada@example.org", {"country_code": "BR",
                                                                                "cohort_id": str(cohort.id)})
    assert _chosen(page, "country_code", "BR") and _chosen(page, "cohort_id", cohort.id)


def test_a_move_form_kept_among_the_move_forms_of_a_framework_page(client, make_user, synced_course,
                                                                   sample_framework):
    """The framework page has a move form per use (each its prefix), in a dict: the one sent is filled in."""
    from tests.fixtures.competences import a1_retitled

    trainer = make_user(email="tom@example.org", roles=("trainer",), country=None, locale="en")
    a1_retitled(sample_framework, trainer)  # version 2, to move to (not chosen until someone chooses it)
    post_sign_in(client, "tom@example.org", "/auth/login")
    page = client.get("/competences/demo/?version=1").get_data(as_text=True)
    use = re.search(r'name="(use-\d+-)version"', page).group(1)
    sent = {"kept_for": hidden_value(page, "kept_for")}
    end_sign_in(client.application, trainer)
    response = client.post(f"/competences/demo/uses/{use[4:-1]}/move", data={**sent, f"{use}version": "2"},
                           headers={"Referer": "http://localhost/competences/demo/?version=1"})
    assert response.location.startswith("/auth/login")
    page = _text(client.get(post_sign_in(client, "tom@example.org", response.location).location))
    assert KEPT in page and _chosen(page, f"{use}version", 2)


def test_a_new_competence_sent_signed_out_keeps_its_code_and_texts(client, make_user, sample_framework):
    """The add page suggests a code: what the person typed instead is what they find again, not the suggestion."""
    trainer = make_user(email="tom@example.org", roles=("trainer",), country=None, locale="en")
    post_sign_in(client, "tom@example.org", "/auth/login")
    sent = form_tokens(client, "/competences/demo/areas/B/competences/new", "kept_for")
    end_sign_in(client.application, trainer)
    response = client.post("/competences/demo/areas/B/competences/new",
                           data={**sent, "code": "B7", "title_pt_BR": "Descoberta empreendedora"})
    assert response.status_code == 302 and response.location.startswith("/auth/login?next=")
    page = _text(client.get(post_sign_in(client, "tom@example.org", response.location).location))
    assert KEPT in page and 'value="B7"' in page and 'value="B2"' not in page
    assert re.search(r'<textarea[^>]*name="title_pt_BR"[^>]*>\s*Descoberta empreendedora</textarea>', page)
    with client.application.app_context():
        assert [c.code for c in db.session.get(type(sample_framework), sample_framework.id).current.competences] \
            == ["A1", "B1"]  # kept, never sent for them
