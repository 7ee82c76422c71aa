"""A person downloads everything Itinera holds about them (GDPR art. 15 and 20, LGPD): one JSON file, their own."""
import hashlib
import json
import re
import uuid

import sqlalchemy as sa

from app.auth import tokens
from app.extensions import db
from app.xapi import vocabulary as v
from tests.queries import statements_during

URL = "/auth/account/data"
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def _download(client):
    response = client.get(URL)
    assert response.status_code == 200, response.status_code
    return response, json.loads(response.get_data(as_text=True))


def _statement(user, n):
    return {"actor": {"objectType": "Agent", "account": {"homePage": v.base(), "name": str(user.uuid)}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
            "object": {"id": f"http://example.org/activities/{n}"},
            "result": {"score": {"scaled": 0.5}}}


def _store(statements):
    from app.xapi.services import store

    authority = {"objectType": "Agent", "account": {"homePage": v.base(), "name": "test"}}
    for start in range(0, len(statements), 1000):
        store(statements[start:start + 1000], authority)
    db.session.commit()


def test_the_file_holds_the_persons_data_and_nothing_of_anyone_else(app, client, login_as, make_user, make_cohort,
                                                                    make_institution, sample_framework):
    from app.competences.services import self_assess, validate_level
    from app.notifications.services import notify, set_email_preferences

    coordinator = make_user(roles=("coordinator",), country="CL", name="Carla Coordinadora",
                            email="carla.coord@example.org")
    trainee = make_user(country="CL", name="Tomás Aprendiz", email="tomas@example.org",
                        institution=make_institution(country="CL", name="Ministerio de Pruebas"), locale="es")
    trainee.timezone = "America/Santiago"
    other = make_user(country="CL", name="Otra Persona", email="otra@example.org")
    make_cohort(country="CL", name="Cohorte piloto", members=[trainee, other])
    tokens.send_invitation(coordinator, trainee)
    validate_level(coordinator, trainee, sample_framework, "A1", 2, note="Observed in the workshop")
    self_assess(trainee, sample_framework, {"A1": 1})
    notify(trainee, "added_to_cohort", cohort="Cohorte piloto")
    notify(other, "added_to_cohort", cohort="Secret cohort of someone else")
    set_email_preferences(trainee, {"added_to_cohort": False})
    db.session.commit()
    mine, theirs = _statement(trainee, 1), _statement(other, 2)
    _store([mine, theirs])
    from app.auth.services import SYSTEM
    from app.xapi.clients import authority_of, create_client
    from app.xapi.services import store

    lrs_client, lrs_secret = create_client(SYSTEM, "Simulator")
    store([_statement(trainee, 3)], authority_of(lrs_client), client_id=lrs_client.id)  # sent by an outside client
    db.session.commit()
    login_as(trainee)

    response, data = _download(client)
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and re.search(r"itinera-data-\d{4}-\d\d-\d\d\.json", disposition)
    assert "no-store" in response.headers["Cache-Control"]

    assert data["format"] == "itinera-personal-data/2"
    account = data["account"]
    assert account["uuid"] == str(trainee.uuid) and account["email"] == "tomas@example.org"
    assert account["full_name"] == "Tomás Aprendiz" and account["country"]["code"] == "CL"
    assert account["institution"]["name"] == "Ministerio de Pruebas"
    assert account["position"] == "technician" and account["roles"] == ["trainee"]
    assert account["locale"] == "es" and account["timezone"] == "America/Santiago"
    assert data["xapi_agent"] == {"objectType": "Agent", "account": {"homePage": v.base(), "name": str(trainee.uuid)}}
    assert [c["name"] for c in data["cohorts"]] == ["Cohorte piloto"]
    assert "members" not in data["cohorts"][0]
    notes = {n["kind"]: n for n in data["notifications"]}
    assert notes.keys() == {"level_validated", "added_to_cohort"}
    assert "Cohorte piloto" in notes["added_to_cohort"]["text"]
    assert data["notification_preferences"]["added_to_cohort"] == {"email": False}
    assert len(data["sign_ins"]) == 1
    [invitation] = data["invitations"]
    assert invitation["invited_by"] == {"name": "Carla Coordinadora", "roles": ["coordinator"]}
    [validation] = data["competences"]["validations"]
    assert validation["code"] == "A1" and validation["level"] == 2 and validation["framework"] == "demo"
    assert validation["validated_by"] == {"name": "Carla Coordinadora", "roles": ["coordinator"]}
    assert validation["note"] == "Observed in the workshop"
    assert [(s["code"], s["level"]) for s in data["competences"]["self_assessments"]] == [("A1", 1)]
    # the statements as stored, exactly: the LRS's own copy
    from app.xapi.models import Statement

    stored = list(db.session.scalars(sa.select(Statement.data).where(Statement.user_id == trainee.id)
                                     .order_by(Statement.seq)))
    assert data["xapi_statements"] == stored and len(stored) == 2
    assert data["xapi_statements"][0]["object"]["id"] == "http://example.org/activities/1"
    # dates are ISO 8601 in UTC
    for when in (account["created_at"], data["exported_at"], data["sign_ins"][0]["created_at"],
                 validation["validated_at"], invitation["created_at"], notes["added_to_cohort"]["created_at"]):
        assert ISO_UTC.fullmatch(when), when

    text = response.get_data(as_text=True)
    for someone_elses in ("otra@example.org", "Otra Persona", str(other.uuid), "carla.coord@example.org",
                          "Secret cohort", "http://example.org/activities/2"):
        assert someone_elses not in text
    for secret in ("password_hash", "pbkdf2", "scrypt:", "key_hash", "token_hash", "secret_hash", trainee.password_hash,
                   lrs_secret, lrs_client.secret_hash):
        assert secret not in text


def test_a_notification_that_names_someone_else_keeps_only_its_kind_and_dates(client, login_as, make_user):
    from app.notifications.services import notify

    coordinator = login_as("coordinator", country="CL")
    notify(coordinator, "invitation_accepted", name="Invitada Reservada", user_uuid=str(uuid.uuid4()))
    db.session.commit()
    _, data = _download(client)
    [notification] = data["notifications"]
    assert notification["kind"] == "invitation_accepted" and notification["text"] is None
    [email] = data["emails"]  # its e-mail likewise
    assert email["subject"] is None and email["body"] is None and ISO_UTC.fullmatch(email["queued_at"])
    assert "Invitada Reservada" not in json.dumps(data)


def test_choices_kept_for_kinds_of_notification_the_persons_roles_no_longer_get_are_in_the_file(client, login_as):
    """A coordinator who chose not to be e-mailed about imports, a trainee now: the choice is kept (it counts again
    with the role) and is theirs, beside the kinds their roles get."""
    from app.notifications.services import set_email_preferences

    person = login_as("coordinator", country="CL")
    set_email_preferences(person, {"import_completed": False, "added_to_cohort": False})
    person.roles = {"trainee"}
    db.session.commit()
    _, data = _download(client)
    assert "import_completed" not in data["notification_preferences"]
    assert data["notification_preferences"]["added_to_cohort"] == {"email": False}
    assert data["other_notification_preferences"] == {"import_completed": {"email": False}}


def test_staff_download_only_their_own_data(client, login_as, make_user):
    trainee = make_user(country="CL", email="someone.else@example.org")
    _store([_statement(trainee, 1)])
    for role in ("coordinator", "admin", "trainer"):
        me = login_as(role, country="CL" if role != "admin" else None)
        for url in (URL, f"{URL}?user={trainee.uuid}", f"{URL}?user_id={trainee.id}", f"{URL}?uuid={trainee.uuid}"):
            data = json.loads(client.get(url).get_data(as_text=True))
            assert data["account"]["uuid"] == str(me.uuid), (role, url)
            assert data["xapi_statements"] == [] and "someone.else" not in json.dumps(data)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_only_get(client, login_as):
    login_as("trainee")
    assert client.post(URL).status_code == 405


def test_the_download_records_no_statement(client, login_as):
    from app.xapi.models import Statement

    login_as("trainee")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Statement))
    _download(client)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Statement)) == before


def test_the_account_page_offers_the_download_and_says_what_it_holds(client, login_as):
    login_as("trainee", locale="en")
    html = client.get("/auth/account").get_data(as_text=True)
    assert 'id="your-data"' in html and f'href="{URL}"' in html
    assert "Download your data" in html and "the e-mails we sent you" in html


def test_queries_stay_the_same_for_thousands_of_statements(client, login_as, make_user, make_cohort):
    from app.notifications.services import notify

    trainee = login_as("trainee", country="CL")
    make_cohort(country="CL", members=[trainee])
    notify(trainee, "added_to_cohort", cohort="C")
    db.session.commit()
    _store([_statement(trainee, n) for n in range(2)])
    _, few = statements_during(lambda: client.get(URL).get_data())
    peer, other = {"objectType": "Agent", "mbox": "mailto:peer@example.org"}, make_user(country="CL")
    _store([_statement(trainee, n) if n % 2 else  # half of them name the person in a team, beside someone else
            {**_statement(other, n), "context": {"team": {"objectType": "Group", "member": [
                peer, _statement(trainee, n)["actor"]]}}} for n in range(2, 3000)])
    for n in range(40):
        notify(trainee, "added_to_cohort", cohort=f"C{n}")  # and an e-mail each
    db.session.commit()
    body, many = statements_during(lambda: client.get(URL).get_data(as_text=True))  # read while counted
    data = json.loads(body)
    assert len(data["xapi_statements"]) == 3000 and len(data["emails"]) == 41
    assert len(many) == len(few)


def test_the_file_is_written_piece_by_piece(app, make_user):
    """Tens of thousands of statements are never held in memory at once: the file is made as it is sent."""
    from app.auth.personal_data import export

    trainee = make_user()
    _store([_statement(trainee, n) for n in range(3)])
    with app.test_request_context():
        pieces = export(trainee)
        assert iter(pieces) is pieces  # a generator, not a finished text
        data = json.loads("".join(pieces))
    assert len(data["xapi_statements"]) == 3


def test_downloads_are_rate_limited_per_account(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", DATA_EXPORT_RATE_LIMIT="2 per hour")
    with app.app_context():
        from tests.fixtures.factories import session_id

        client = app.test_client()
        user = make_user()
        with client.session_transaction() as session:
            session["_user_id"] = session_id(user)
        assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 429]
        other = app.test_client()
        with other.session_transaction() as session:
            session["_user_id"] = session_id(make_user())
        assert other.get(URL).status_code == 200  # another person's downloads count apart


def test_the_lrs_documents_kept_about_the_person_are_in_the_file(client, login_as, make_user):
    """What content keeps about the person in the LRS (State and Agent Profile documents: a course's bookmark,
    say) is theirs too: JSON as JSON, anything else in base64; another person's documents are not there."""
    from app.xapi import documents
    from app.xapi.models import DocumentKind

    trainee = login_as("trainee", country="CL")
    other = make_user(country="CL")
    me, them = _statement(trainee, 0)["actor"], _statement(other, 0)["actor"]
    state = documents.scope(DocumentKind.STATE, "http://example.org/activities/1", me, None)
    documents.put(DocumentKind.STATE, state, "bookmark", b'{"page": 7}', "application/json",
                  activity_id="http://example.org/activities/1", agent=me)
    profile = documents.scope(DocumentKind.AGENT_PROFILE, None, me, None)
    documents.put(DocumentKind.AGENT_PROFILE, profile, "avatar", b"\x89PNG", "image/png", agent=me)
    theirs = documents.scope(DocumentKind.STATE, "http://example.org/activities/1", them, None)
    documents.put(DocumentKind.STATE, theirs, "bookmark", b'{"page": "someone else"}', "application/json",
                  activity_id="http://example.org/activities/1", agent=them)
    db.session.commit()
    _, data = _download(client)
    found = {d["document_id"]: d for d in data["xapi_documents"]}
    assert found.keys() == {"bookmark", "avatar"}
    assert found["bookmark"]["kind"] == "state" and found["bookmark"]["content"] == {"page": 7}
    assert found["bookmark"]["activity_id"] == "http://example.org/activities/1"
    assert found["avatar"]["content_base64"] == "iVBORw==" and found["avatar"]["content_type"] == "image/png"
    assert ISO_UTC.fullmatch(found["avatar"]["updated"])


def test_the_file_downloads_when_the_request_ends_before_it_is_sent(app, make_user, make_institution):
    """As under gunicorn: the view returns, its request ends (the database session is put away), and only then is
    the file made. Here the request runs in a thread of its own, where no context of the test stays pushed, through
    Flask's own test client (the suite's pushes one around each request)."""
    import threading

    from flask.testing import FlaskClient

    from tests.fixtures.factories import session_id

    user = make_user(institution=make_institution(country="CL"), country="CL")
    client, answers = FlaskClient(app), []
    with client.session_transaction() as session:
        session["_user_id"] = session_id(user)

    def download():
        try:
            answers.append(client.get(URL, buffered=True))
        except Exception as error:  # noqa: BLE001  (what a server would answer with a 500)
            answers.append(error)

    thread = threading.Thread(target=download)
    thread.start()
    thread.join(30)
    response = answers[0]
    assert not isinstance(response, Exception), repr(response)
    assert response.status_code == 200
    assert json.loads(response.get_data(as_text=True))["account"]["institution"] is not None


def test_every_statement_naming_the_person_is_in_the_file_others_left_unnamed(client, login_as, make_user):
    """A statement names the person as a member of a Group actor, in context.team or instructor, as the object,
    inside a SubStatement: all are about them (what the LRS's related_agents filter finds). Another person named
    beside them keeps their name, not their identifier; a statement not naming them is not there."""
    from app.auth.models import TokenPurpose

    trainee = make_user(country="CL", email="tomas@example.org")
    tokens.accept_invitation(tokens.issue_token(trainee, TokenPurpose.INVITATION), "a long new password 1")
    login_as(trainee)
    other = make_user(country="CL", email="otra@example.org")
    me, them = _statement(trainee, 0)["actor"], _statement(other, 0)["actor"]
    peer = {"objectType": "Agent", "name": "Pedro Par", "mbox": "mailto:pedro.par@example.org"}
    verb = {"id": "http://adlnet.gov/expapi/verbs/experienced"}

    def activity(n):
        return {"id": f"http://example.org/activities/{n}"}

    group = {"objectType": "Group", "name": "Equipo", "member": [peer, me]}
    cases = {
        "group actor": {"actor": group, "verb": verb, "object": activity(10)},
        "team": {"actor": them, "verb": verb, "object": activity(11),
                 "context": {"team": {"objectType": "Group", "member": [me, peer]}}},
        "instructor": {"actor": peer, "verb": verb, "object": activity(12), "context": {"instructor": me}},
        "object": {"actor": them, "verb": {"id": "http://example.org/verbs/mentored"}, "object": me},
        "substatement": {"actor": them, "verb": verb, "object": {
            "objectType": "SubStatement", "actor": me, "verb": verb, "object": activity(13)}},
        "proven address": {"actor": peer, "verb": verb, "object": activity(14),
                           "context": {"instructor": {"mbox": "mailto:tomas@example.org"}}},
        "hashed address": {"actor": {"mbox_sha1sum": hashlib.sha1(b"mailto:tomas@example.org").hexdigest()},
                           "verb": verb, "object": activity(16)},
        "not them": {"actor": peer, "verb": verb, "object": activity(15), "context": {"instructor": them}},
    }
    _store(list(cases.values()))
    response, data = _download(client)
    found = {s["object"].get("id") or s["object"].get("objectType"): s for s in data["xapi_statements"]}
    assert found.keys() == {f"http://example.org/activities/{n}" for n in (10, 11, 12, 14, 16)} | {"Agent",
                                                                                              "SubStatement"}
    assert found["http://example.org/activities/10"]["actor"] == {
        "objectType": "Group", "name": "Equipo", "member": [{"objectType": "Agent", "name": "Pedro Par"}, me]}
    assert found["Agent"]["object"] == me and found["Agent"]["actor"] == {"objectType": "Agent"}
    assert found["http://example.org/activities/12"]["context"]["instructor"] == me
    text = response.get_data(as_text=True)
    for someone_elses in ("pedro.par@example.org", str(other.uuid), "otra@example.org",
                          "http://example.org/activities/15"):
        assert someone_elses not in text


def test_the_attachments_of_the_persons_statements_are_in_the_file(client, login_as, make_user, signing_key):
    """The content the LRS keeps for an attachment of a statement in the file, by its hash, in base64: of the
    person's own statements (not the signature of one naming someone else: it holds the statement as signed, the
    other person's identifier in it), and of those naming no one else; not of someone else's statement that names
    them beside others, nor of statements not naming them."""
    import base64

    import jwt

    from app.xapi.attachments import SIGNATURE, Part
    from app.xapi.services import store

    trainee = login_as("trainee", country="CL")
    other = make_user(country="CL")
    me, them = _statement(trainee, 0)["actor"], _statement(other, 0)["actor"]
    verb = {"id": "http://adlnet.gov/expapi/verbs/experienced"}
    parts = {}

    def attached(content, usage="http://example.org/attachments/essay", content_type="text/plain"):
        sha2 = hashlib.sha256(content).hexdigest()
        parts[sha2] = Part(content_type, content)
        return {"usageType": usage, "display": {"en-US": "file"}, "contentType": content_type,
                "length": len(content), "sha2": sha2}

    mine = {"actor": me, "verb": verb, "object": {"id": "http://example.org/activities/1"},
            "context": {"instructor": them}, "attachments": [attached(b"my essay")]}
    token = jwt.encode(mine, signing_key[0], algorithm="RS256").encode()
    mine["attachments"].append(attached(token, SIGNATURE, "application/octet-stream"))
    store([mine, {"actor": them, "verb": verb, "object": {"id": "http://example.org/activities/2"},
                  "context": {"instructor": me}, "attachments": [attached(b"their essay")]},
           {"actor": me, "verb": verb, "object": {"id": "http://example.org/activities/3"},
            "attachments": [attached(b"my notes", content_type="text/markdown")]},
           {"actor": them, "verb": verb, "object": {"id": "http://example.org/activities/4"},
            "attachments": [attached(b"elsewhere")]}],
          {"objectType": "Agent", "account": {"homePage": v.base(), "name": "test"}}, attachment_parts=parts)
    db.session.commit()
    _, data = _download(client)
    assert [s["object"]["id"] for s in data["xapi_statements"]] == [f"http://example.org/activities/{n}"
                                                                    for n in (1, 2, 3)]
    assert sorted(data["xapi_attachments"], key=lambda a: a["content_type"]) == [
        {"sha2": hashlib.sha256(content).hexdigest(), "content_type": content_type,
         "content_base64": base64.b64encode(content).decode()}
        for content, content_type in ((b"my notes", "text/markdown"), (b"my essay", "text/plain"))]


def test_statements_naming_an_address_the_person_has_not_proven_are_not_theirs(client, login_as):
    """An address an administrator typed may be someone else's (mistyped): until the person has used a link sent
    to it, a statement naming it is not in their file."""
    login_as("trainee", country="CL", email="unproven@example.org")
    _store([{"actor": {"mbox": "mailto:somebody@example.org"}, "verb": {"id": "http://example.org/verbs/met"},
             "object": {"objectType": "Agent", "mbox": "mailto:unproven@example.org"}}])
    _, data = _download(client)
    assert data["xapi_statements"] == []


def test_the_emails_sent_to_the_person_are_in_the_file_without_their_links(client, login_as, make_user):
    """The outbox keeps every e-mail Itinera sent (the body until a mail server takes it): those to the person are
    theirs, with subject, body, status and times; a one-time link still in a body is hidden; another person's
    e-mails are not there, nor an earlier address of the account (it may have been a mistyped one)."""
    from app.notifications.services import notify, queue_email

    coordinator = make_user(roles=("coordinator",), country="CL")
    trainee = make_user(country="CL", email="typo@exmaple.org", locale="pt_BR", password=None)
    tokens.send_invitation(coordinator, trainee)
    tokens.update_account(coordinator, trainee, email="tomas@example.org")  # a new invitation, at the new address
    other = make_user(country="CL", email="otra@example.org")
    notify(other, "added_to_cohort", cohort="Secret cohort of someone else")
    db.session.commit()
    trainee.set_password("a long new password 1")
    notify(trainee, "added_to_cohort", cohort="Cohorte piloto")
    queue_email(trainee.email, "Queued", "Choose a password: https://itinera.test/auth/password/reset/abc123XYZ",
                user=trainee, locale="pt_BR", deliver_now=False)
    db.session.commit()
    login_as(trainee)
    response, data = _download(client)
    emails = data["emails"]
    assert emails[-1]["subject"] == "Queued"
    assert len(emails) == 4 and {e["to"] for e in emails} == {None, "tomas@example.org"}
    assert [e["to"] for e in emails[:2]] == [None, "tomas@example.org"]
    assert "Cohorte piloto" in emails[2]["subject"] + (emails[2]["body"] or "")
    queued = emails[3]
    assert queued["status"] == "queued" and queued["sent_at"] is None and ISO_UTC.fullmatch(queued["queued_at"])
    assert queued["body"].startswith("Choose a password: ") and "abc123XYZ" not in queued["body"]
    assert queued["language"] == "pt-BR"
    assert emails[0]["status"] == "cancelled"  # the address was changed before it went out
    for email in emails[1:3]:
        assert email["status"] in ("sent", "logged") and ISO_UTC.fullmatch(email["sent_at"])
    text = response.get_data(as_text=True)
    for someone_elses in ("typo@exmaple.org", "otra@example.org", "Secret cohort", "/auth/invitation/", "abc123XYZ"):
        assert someone_elses not in text


def test_languages_are_bcp_47_tags_throughout(client, login_as, make_user, make_cohort, synced_course,
                                              sample_framework):
    """The file gives a language as xAPI does (BCP 47: pt-BR), wherever it comes from: the account's language,
    an e-mail's, the statements Itinera recorded; never Babel's pt_BR."""
    from app.competences.services import self_assess, validate_level
    from app.courses.services import start
    from app.notifications.services import notify
    from tests.fixtures.courses import done

    coordinator = make_user(roles=("coordinator",), country="BR", locale="pt_BR")
    trainee = make_user(country="BR", locale="pt_BR")
    make_cohort(country="BR", members=[trainee])
    validate_level(coordinator, trainee, sample_framework, "A1", 2)
    self_assess(trainee, sample_framework, {"A1": 1})
    notify(trainee, "added_to_cohort", cohort="Coorte")
    db.session.commit()
    login_as(trainee)
    with client.application.test_request_context("/?lang=pt_BR"):
        start(trainee, synced_course.current)
    db.session.commit()
    _store([done(trainee, synced_course.current.modules[0].slug)])
    response, data = _download(client)
    assert data["account"]["locale"] == "pt-BR"
    assert {email["language"] for email in data["emails"]} == {"pt-BR"}
    assert "pt_BR" not in response.get_data(as_text=True)


def test_the_import_that_made_the_account_is_in_the_file_with_the_persons_row_only(client, login_as, make_user):
    """An import that created the account: when, by whom (name and role), and the row of the file that named the
    person, as written, while the import keeps its rows; the file's other rows are someone else's."""
    from app.auth.models import User
    from app.imports import services as imports

    coordinator = make_user(roles=("coordinator",), country="CL", name="Carla Coordinadora")
    data = ("email;full_name;position;institution;region;language\n"
            "Ana@Example.org;Ana Importada;técnico;;;es\nbeto@example.org;Beto Ajeno;gestor;;;es\n").encode()
    batch = imports.preview(coordinator, filename="lista.csv", data=data, country_code="CL")
    imports.run_import(coordinator, batch)
    db.session.commit()
    ana = db.session.scalar(sa.select(User).where(User.email == "ana@example.org"))
    ana.set_password("a long new password 1")
    db.session.commit()
    login_as(ana)
    response, data = _download(client)
    [imported] = data["imports"]
    assert imported["imported_by"] == {"name": "Carla Coordinadora", "roles": ["coordinator"]}
    assert ISO_UTC.fullmatch(imported["imported_at"])
    assert imported["row"]["email"] == "Ana@Example.org" and imported["row"]["full_name"] == "Ana Importada"
    assert imported["file"] == "lista.csv"  # where the data came from (GDPR art. 14 and 15: its source)
    text = response.get_data(as_text=True)
    assert "beto@example.org" not in text and "Beto Ajeno" not in text


def test_the_rows_of_other_files_that_listed_the_persons_address_are_in_the_file(client, login_as, make_user):
    """A file uploaded after the account was made can list its address again (the row's problem: taken): while
    the import keeps its rows, that row and its problems are the person's, once the address is shown to be
    theirs; the file's other rows, and the rows naming an address not yet proven theirs, are not."""
    from app.auth.models import TokenPurpose
    from app.imports import services as imports

    coordinator = make_user(roles=("coordinator",), country="CL", name="Carla Coordinadora")
    ana = make_user(country="CL", email="ana@example.org")
    tokens.accept_invitation(tokens.issue_token(ana, TokenPurpose.INVITATION), "a long new password 1")
    unproven = make_user(country="CL", email="cata@example.org")
    data = ("email;full_name;position;institution;region;language\n"
            "ANA@example.org;Ana Repetida;técnico;Liceo Inexistente;;es\n"
            "beto@example.org;Beto Ajeno;gestor;;;es\ncata@example.org;Cata Sinprobar;gestor;;;es\n").encode()
    imports.preview(coordinator, filename="lista.csv", data=data, country_code="CL")
    db.session.commit()
    login_as(ana)
    response, data = _download(client)
    [listed] = data["listed_in_imports"]
    assert listed["uploaded_by"] == {"name": "Carla Coordinadora", "roles": ["coordinator"]}
    assert listed["file"] == "lista.csv"
    assert ISO_UTC.fullmatch(listed["uploaded_at"]) and listed["imported_at"] is None
    assert listed["row"]["email"] == "ANA@example.org" and listed["row"]["full_name"] == "Ana Repetida"
    assert {(p["field"], p["code"]) for p in listed["problems"]} == {("email", "taken"), ("institution", "institution")}
    assert data["imports"] == []
    text = response.get_data(as_text=True)
    assert "beto@example.org" not in text and "Beto Ajeno" not in text and "Cata Sinprobar" not in text
    login_as(unproven)
    _, data = _download(client)
    assert data["listed_in_imports"] == []


def test_a_form_kept_for_the_person_is_in_the_file(client, make_user, sample_framework):
    """What the person typed into a form that could not be taken (their sign-in had ended) is kept for a day to
    show them again: while it is, it is in the file."""
    from tests.fixtures.sessions import end_sign_in, form_tokens, post_sign_in

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    trainee = make_user(email="ana@example.org", locale="en")
    post_sign_in(client, "ana@example.org", "/auth/login")
    sent = form_tokens(client, "/auth/account/competences/estimate", "kept_for", "once")
    end_sign_in(client.application, trainee)
    client.post("/auth/account/competences/estimate", data={**sent, "level_A1": "3"})
    post_sign_in(client, "ana@example.org", "/auth/login")
    _, data = _download(client)
    [kept] = data["kept_forms"]
    assert kept["page"] == "/auth/account/competences/estimate" and ["level_A1", "3"] in kept["fields"]
    assert kept["reason"] == "signed-out" and ISO_UTC.fullmatch(kept["created_at"])
    assert "kept_for" not in json.dumps(kept["fields"])


def test_lrs_documents_under_an_address_the_person_has_not_proven_are_not_theirs(client, login_as):
    """As for statements: an address an administrator typed may be someone else's."""
    from app.xapi import documents
    from app.xapi.models import DocumentKind

    login_as("trainee", country="CL", email="unproven@example.org")
    address = {"objectType": "Agent", "mbox": "mailto:unproven@example.org"}
    scope = documents.scope(DocumentKind.AGENT_PROFILE, None, address, None)
    documents.put(DocumentKind.AGENT_PROFILE, scope, "notes", b'{"a": 1}', "application/json", agent=address)
    db.session.commit()
    _, data = _download(client)
    assert data["xapi_documents"] == []


def _another_framework(slug: str):
    from app.auth.services import SYSTEM
    from app.competences import files
    from app.competences.services import import_framework
    from tests.fixtures.competences import SAMPLE

    text = SAMPLE.replace("slug: demo", f"slug: {slug}").replace("Demo framework", f"Framework {slug}")
    version, _ = import_framework(SYSTEM, files.read_yaml(text, f"{slug}.yaml"), source=f"{slug}.yaml")
    db.session.commit()
    return version.framework


def test_the_file_names_the_persons_levels_in_every_framework_they_have_something_in(client, login_as, make_user,
                                                                                     sample_framework):
    """Not only the configured framework: evidence, validations and estimates of another one are the person's too,
    as "Your competences" shows them with ?framework=."""
    from app.competences.services import current_levels, self_assess, validate_level, withdraw_validation

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    other, estimated, withdrawn = (_another_framework(slug) for slug in ("other", "estimated", "withdrawn"))
    _another_framework("unused")
    admin = make_user(roles=("admin",))
    trainee = login_as("trainee", country="CL")
    self_assess(trainee, sample_framework, {"A1": 1})
    validate_level(admin, trainee, other, "B1", 3, note="Workshop")
    self_assess(trainee, estimated, {"A1": 2})
    withdraw_validation(admin, validate_level(admin, trainee, withdrawn, "A1", 1))
    db.session.commit()

    competences = _download(client)[1]["competences"]
    assert competences["framework"] == "demo"  # as it was: the configured framework's levels
    assert [(row["code"], row["level"], row["self_declared"]) for row in competences["levels"]] == [("A1", None, 1)]
    assert [entry["framework"] for entry in competences["by_framework"]] == ["demo", "estimated", "other", "withdrawn"]
    levels = {entry["framework"]: entry["levels"] for entry in competences["by_framework"]}
    assert levels["demo"] == competences["levels"]
    [b1] = levels["other"]
    assert b1["code"] == "B1" and b1["level"] == current_levels(trainee, framework="other")["B1"].level == 3
    assert [(e["kind"], e["level"], e["note"], e["framework_version"]) for e in b1["evidence"]] == [
        ("validated", 3, "Workshop", 1)]
    assert levels["estimated"] == [{"code": "A1", "level": None, "self_declared": 2, "evidence": []}]
    assert levels["withdrawn"] == []  # a validation withdrawn: in "validations", no level counts


def test_queries_stay_the_same_for_more_frameworks(client, login_as, make_user, sample_framework):
    from app.competences.services import self_assess, validate_level

    client.application.config["COMPETENCE_FRAMEWORK"] = "demo"
    admin = make_user(roles=("admin",))
    trainee = login_as("trainee", country="CL")
    validate_level(admin, trainee, sample_framework, "A1", 2)
    self_assess(trainee, sample_framework, {"B1": 1})
    db.session.commit()
    _, one = statements_during(lambda: client.get(URL).get_data())
    for slug in ("other", "third", "fourth"):
        framework = _another_framework(slug)
        validate_level(admin, trainee, framework, "A1", 2)
        self_assess(trainee, framework, {"B1": 1})
    db.session.commit()
    body, four = statements_during(lambda: client.get(URL).get_data(as_text=True))
    assert len(json.loads(body)["competences"]["by_framework"]) == 4
    assert len(four) == len(one)
