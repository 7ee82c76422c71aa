import email
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import AccountToken, User, load_user
from app.db import utcnow
from app.extensions import db
from app.notifications.models import Notification
from tests.fixtures.factories import PASSWORD, invite, session_id
from tests.fixtures.markup import banners


def link_in(message, kind):
    return re.search(rf"http://itinera\.test(/auth/{kind}/\S+)", message.body).group(1)


def test_invitation_round_trip(client, login_as, outbox):
    coordinator = login_as("coordinator", country="PE")
    response = invite(client)
    assert response.status_code == 302
    rosa = db.session.scalar(sa.select(User).where(User.email == "rosa@example.org"))
    assert rosa.password_hash is None and rosa.locale == "es"  # the country's language by default
    [message] = outbox()
    assert message.to_address == "rosa@example.org" and message.locale == "es"
    link = link_in(message, "invitation")

    client.post("/auth/logout")
    page = client.get(link)
    assert page.status_code == 200 and "rosa@example.org" in page.get_data(as_text=True)
    assert client.post(link, data={"password": "short"}).status_code == 400
    response = client.post(link, data={"password": "a-good-long-password"})
    assert response.status_code == 302
    assert "Rosa Quispe" in client.get("/").get_data(as_text=True)  # signed in straight away
    db.session.refresh(rosa)
    assert rosa.check_password("a-good-long-password")
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == coordinator.id))
    assert note.kind == "invitation_accepted" and note.data["name"] == "Rosa Quispe"

    client.post("/auth/logout")
    reused = client.get(link)
    assert reused.status_code == 410 and "El enlace ya se usó" in reused.get_data(as_text=True)  # Rosa's language


def test_an_address_pasted_with_invisible_characters_is_the_one_typed(client, login_as, make_user, outbox):
    """"manager.ar@itinera.test" and a zero-width space, pasted from a document: no second account for an existing
    address, and a new person signs in by typing the address plainly."""
    make_user(email="manager.ar@itinera.test", country="PE")
    login_as("coordinator", country="PE")
    taken = invite(client, email="manager.ar@itinera.test\u200b")
    assert taken.status_code == 400
    assert '<a href="#email">An account with this e-mail address already exists</a>' in taken.get_data(as_text=True)
    assert invite(client, email="\ufeffrosa@example.org\u00ad").status_code == 302
    [message] = outbox()
    assert message.to_address == "rosa@example.org"
    client.post("/auth/logout")
    assert client.post(link_in(message, "invitation"), data={"password": "a-good-long-password"}).status_code == 302
    client.post("/auth/logout")
    signed_in = client.post("/auth/login", data={"email": "rosa@example.org", "password": "a-good-long-password"})
    assert signed_in.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 3


def test_expired_and_unknown_invitation_links(client, login_as, outbox):
    login_as("admin", country=None)
    invite(client)
    link = link_in(outbox()[0], "invitation")
    token = db.session.scalar(sa.select(AccountToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = client.get(link)
    assert expired.status_code == 410 and "El enlace venció" in expired.get_data(as_text=True)
    assert client.post(link, data={"password": "a-good-long-password"}).status_code == 410
    assert client.get("/auth/invitation/not-a-real-token").status_code == 404


def test_resending_replaces_the_link_and_withdrawing_removes_the_account(client, login_as, outbox):
    login_as("admin", country=None)
    invite(client)
    rosa = db.session.scalar(sa.select(User).where(User.email == "rosa@example.org"))
    first = link_in(outbox()[0], "invitation")
    page = client.get("/admin/invitations").get_data(as_text=True)
    assert "rosa@example.org" in page
    client.post(f"/admin/users/{rosa.uuid}/invitation/resend")
    messages = outbox()
    assert len(messages) == 2
    assert client.get(first).status_code == 404  # the first link no longer works
    assert client.get(link_in(messages[1], "invitation")).status_code == 200
    asked = client.post(f"/admin/users/{rosa.uuid}/invitation/withdraw")  # asked first: the account stays
    assert asked.status_code == 200 and "removed" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "rosa@example.org")) is not None
    client.post(f"/admin/users/{rosa.uuid}/invitation/withdraw", data={"confirmed": "1"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "rosa@example.org")) is None
    assert client.get(link_in(messages[1], "invitation")).status_code == 404


def test_an_invitation_is_withdrawn_from_the_list_of_pending_ones_and_the_list_comes_back(client, login_as):
    """The pending list (searched, after an import of 200) offered only "Send again": withdrawing meant opening
    the person, withdrawing there, and searching again. The list's button asks first, and both the answer and
    "Cancel" come back to the list as it was."""
    login_as("coordinator", country="PE")
    invite(client)
    rosa = db.session.scalar(sa.select(User).where(User.email == "rosa@example.org"))
    listing = "/admin/invitations?q=rosa"
    page = client.get(listing).get_data(as_text=True)
    action = f"/admin/users/{rosa.uuid}/invitation/withdraw"
    assert f'action="{action}"' in page and 'name="next" value="/admin/invitations?q=rosa"' in page
    asked = client.post(action, data={"next": listing}).get_data(as_text=True)
    assert 'href="/admin/invitations?q=rosa"' in asked  # Cancel
    assert 'name="next" value="/admin/invitations?q=rosa"' in asked  # carried to the confirmation
    done = client.post(action, data={"next": listing, "confirmed": "1"})
    assert done.status_code == 302 and done.location == listing
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "rosa@example.org")) is None
    invite(client, email="luz@example.org")
    luz = db.session.scalar(sa.select(User).where(User.email == "luz@example.org"))
    elsewhere = client.post(f"/admin/users/{luz.uuid}/invitation/withdraw",
                            data={"next": "https://evil.example/", "confirmed": "1"})
    assert elsewhere.location == "/admin/invitations"  # only an address of this site


def test_coordinator_cannot_touch_invitations_of_another_country(client, login_as, make_user):
    login_as("coordinator", country="PE")
    foreign = make_user(country="AR", password=None)
    assert client.post(f"/admin/users/{foreign.uuid}/invitation/resend").status_code == 403
    assert client.post(f"/admin/users/{foreign.uuid}/invitation/withdraw").status_code == 403
    assert foreign.email not in client.get("/admin/invitations").get_data(as_text=True)


def test_password_reset(client, make_user, outbox):
    user = make_user(email="ana@example.org", locale="pt_BR")
    old_session = session_id(user)
    page = client.post("/auth/password/forgot", data={"email": "ANA@example.org"}).get_data(as_text=True)
    unknown = client.post("/auth/password/forgot", data={"email": "nobody@example.org"}).get_data(as_text=True)
    # the same answer whether or not the address exists
    assert page.replace("ANA@example.org", "X") == unknown.replace("nobody@example.org", "X")
    [message] = outbox()
    assert message.to_address == "ana@example.org" and message.locale == "pt_BR"
    link = link_in(message, "password/reset")
    assert client.post(link, data={"password": "tiny"}).status_code == 400
    response = client.post(link, data={"password": "brand-new-password"})
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/auth/account").status_code == 200  # signed in with the new password's session
    db.session.refresh(user)
    assert user.check_password("brand-new-password") and not user.check_password(PASSWORD)
    assert load_user(old_session) is None  # other sessions are signed out
    assert client.get(link).status_code == 410  # single use



def test_a_reset_link_refuses_the_persons_own_e_mail_address_as_password(client, make_user, outbox):
    """The address is the first thing anyone who tries the account knows (NIST SP 800-63B: context-specific words)."""
    user = make_user(email="ana.perez@example.org", locale="en")  # the link's page speaks the person's language
    client.post("/auth/password/forgot", data={"email": user.email})
    link = link_in(outbox()[0], "password/reset")
    response = client.post(link, data={"password": "Ana.Perez@example.org"})
    assert response.status_code == 400
    assert "your e-mail address" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_reset_links_asked_twice_both_work_until_one_is_used(client, make_user, outbox):
    """The first e-mail was slow, so the person asked again: whichever arrives first works; using it ends the
    other."""
    user = make_user(email="ana@example.org")
    client.post("/auth/password/forgot", data={"email": "ana@example.org"})
    client.post("/auth/password/forgot", data={"email": "ana@example.org"})
    first, second = (link_in(m, "password/reset") for m in outbox())
    assert client.get(first).status_code == 200 and client.get(second).status_code == 200
    assert client.post(first, data={"password": "brand-new-password"}).status_code == 302
    assert client.get(second).status_code == 404
    assert client.post(second, data={"password": "another-new-password"}).status_code == 404
    db.session.refresh(user)
    assert user.check_password("brand-new-password")


def test_reset_link_expires(client, make_user, outbox, app):
    make_user(email="ana@example.org")
    client.post("/auth/password/forgot", data={"email": "ana@example.org"})
    [message] = outbox()
    second = link_in(message, "password/reset")
    token = db.session.scalars(sa.select(AccountToken).order_by(AccountToken.id.desc())).first()
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(second).status_code == 410
    assert token.expires_at - token.created_at <= timedelta(minutes=app.config["PASSWORD_RESET_MINUTES"])


def test_inactive_accounts_get_no_reset_link(client, make_user, outbox):
    make_user(email="gone@example.org", is_active=False)
    client.post("/auth/password/forgot", data={"email": "gone@example.org"})
    assert outbox() == []


def test_token_is_stored_only_as_a_hash(client, make_user, outbox):
    make_user(email="ana@example.org")
    client.post("/auth/password/forgot", data={"email": "ana@example.org"})
    raw = link_in(outbox()[0], "password/reset").rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(AccountToken.token_hash))
    assert raw not in stored and len(stored) == 64


def test_reset_request_does_the_same_work_for_known_and_unknown_addresses(app, make_user, outbox):
    """Timing must not tell whether an account exists: the request only queues a job, whatever the address."""
    from app.auth.tokens import request_password_reset
    from app.jobs.models import Job

    make_user(email="ana@example.org")

    def work(email):
        statements = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement.split()[0])

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            request_password_reset(email)
            db.session.flush()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        made = tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                     for model in (Job, AccountToken))
        db.session.rollback()
        return statements, made

    known, unknown = work("ana@example.org"), work("nobody@example.org")
    assert known == unknown
    assert known[1] == (1, 0)  # one job, no token yet: the job looks the address up


def test_without_redis_the_reset_answer_is_sent_before_the_address_is_looked_up(client, make_user, outbox):
    """Timing must not tell whether an account exists also when jobs run in the web process (no REDIS_URL): the
    job that looks the address up and sends the link runs once the answer has gone (as the server closes it), so
    the request does the same work, statement for statement, for an address with an account and one without."""
    make_user(email="ana@example.org")

    def answer(email):
        statements = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:  # buffered=False: the answer as the server sends it, before it closes the response
            response = client.post("/auth/password/forgot", data={"email": email}, buffered=False)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return response, statements

    (known, known_work), (unknown, unknown_work) = answer("ana@example.org"), answer("nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known_work == unknown_work
    assert outbox() == []
    known.close()
    unknown.close()
    assert [m.to_address for m in outbox()] == ["ana@example.org"]


def test_the_reset_job_sends_only_to_active_accounts(client, make_user, outbox):
    from app.jobs.models import Job, JobStatus

    make_user(email="ana@example.org")
    for email in ("ana@example.org", "nobody@example.org"):
        client.post("/auth/password/forgot", data={"email": email})
    assert [m.to_address for m in outbox()] == ["ana@example.org"]
    reset_jobs = db.session.scalars(sa.select(Job).where(Job.func.endswith(":send_password_reset"))).all()
    assert [job.status for job in reset_jobs] == [JobStatus.DONE, JobStatus.DONE]


def test_an_inactive_account_is_not_sent_a_dead_invitation_link(client, login_as, make_user, outbox):
    login_as("admin", country=None)
    response = invite(client, is_active="")  # unticked: inactive
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The account is inactive, so no invitation can be sent: make it active first." in html
    assert outbox() == [] and db.session.scalar(sa.select(User).where(User.email == "rosa@example.org")) is None
    assert invite(client, is_active="", password="a-long-password").status_code == 302  # with a password: fine

    dormant = make_user(email="dormant@example.org", password=None, is_active=False)
    detail = client.get(f"/admin/users/{dormant.uuid}").get_data(as_text=True)
    assert "no invitation can be sent" in detail and "/invitation/resend" not in detail
    resent = client.post(f"/admin/users/{dormant.uuid}/invitation/resend", follow_redirects=True)
    assert "no invitation can be sent" in resent.get_data(as_text=True)
    assert outbox() == []


def test_changing_the_address_stops_the_links_sent_to_the_old_one(client, login_as, make_user, outbox):
    """A typo in an invitation's address, corrected: whoever holds the old address must not get the account."""
    login_as("admin", country=None)
    invite(client, email="rosa@gmial.com")
    rosa = db.session.scalar(sa.select(User).where(User.email == "rosa@gmial.com"))
    old_link = link_in(outbox()[0], "invitation")
    fields = {"full_name": "Rosa Quispe", "email": "rosa@gmail.com", "roles": ["trainee"], "country_code": "PE",
              "position": "technician", "locale": "es", "is_active": "y"}
    response = client.post(f"/admin/users/{rosa.uuid}/edit", data=fields, follow_redirects=True)
    assert "A new invitation has been sent to rosa@gmail.com." in response.get_data(as_text=True)
    assert client.get(old_link).status_code == 404
    assert client.post(old_link, data={"password": "a-stranger-password"}).status_code == 404
    newest = outbox()[-1]
    assert newest.to_address == "rosa@gmail.com"
    assert client.get(link_in(newest, "invitation")).status_code == 200

    ana = make_user(email="ana@example.org")
    client.post("/auth/password/forgot", data={"email": "ana@example.org"})
    reset_link = link_in(outbox()[-1], "password/reset")
    fields.update(full_name=ana.full_name, email="ana.new@example.org", country_code="CL")
    assert client.post(f"/admin/users/{ana.uuid}/edit", data=fields).status_code == 302
    assert client.get(reset_link).status_code == 404
    assert outbox()[-1].to_address == "ana@example.org"  # someone with a password is not invited again



def test_the_old_address_hears_that_the_account_moved_to_another(client, login_as, make_user, outbox):
    """A coordinator (or someone who took over their account) changed a trainee's address to their own, asked for
    a password reset there, and signed in as the trainee: the trainee heard of nothing. The old address now gets
    a word, in the person's language, naming the new address and who changed it; a mistyped address of someone
    still invited (maybe a stranger's) gets nothing."""
    coordinator = login_as("coordinator", country="PE")
    ana = make_user(email="ana@example.org", country="PE", locale="es", name="Ana Quispe")
    fields = {"full_name": "Ana Quispe", "email": "ana.nueva@example.org", "roles": ["trainee"], "country_code": "PE",
              "position": "technician", "locale": "es", "is_active": "y"}
    assert client.post(f"/admin/users/{ana.uuid}/edit", data=fields).status_code == 302
    [notice] = [m for m in outbox() if m.to_address == "ana@example.org"]
    assert notice.locale == "es" and "Itinera" in notice.subject
    assert "ana.nueva@example.org" in notice.body and coordinator.full_name in notice.body
    assert "Hola, Ana Quispe" in notice.body and "cambió la dirección" in notice.body
    fields["full_name"] = "Ana María Quispe"  # another change, the address unchanged: no word
    assert client.post(f"/admin/users/{ana.uuid}/edit", data=fields).status_code == 302
    assert len(outbox()) == 1

    invite(client, email="rosa@gmial.com")
    rosa = db.session.scalar(sa.select(User).where(User.email == "rosa@gmial.com"))
    fields.update(full_name="Rosa Quispe", email="rosa@gmail.com")
    assert client.post(f"/admin/users/{rosa.uuid}/edit", data=fields).status_code == 302
    assert [m.to_address for m in outbox()][1:] == ["rosa@gmial.com", "rosa@gmail.com"]  # the invitations only

def test_an_invited_person_who_uses_forgot_password_is_welcomed_as_on_accepting(client, login_as, make_cohort,
                                                                                  outbox):
    """The invitation e-mail was lost, so the person chose a password through "forgot password": the inviter
    hears of it, and the person finds the cohorts they were added to while invited."""
    coordinator = login_as("coordinator", country="PE")
    invite(client)
    rosa = db.session.scalar(sa.select(User).where(User.email == "rosa@example.org"))
    cohort = make_cohort(country="PE", name="Piloto")
    client.post(f"/admin/cohorts/{cohort.id}/members", data={"members": [str(rosa.uuid)]})
    client.post("/auth/logout")
    client.post("/auth/password/forgot", data={"email": "rosa@example.org"})
    link = link_in(outbox()[-1], "password/reset")
    assert client.post(link, data={"password": "a-good-long-password"}).status_code == 302
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(sa.select(Notification))}
    assert (coordinator.id, "invitation_accepted") in kinds and (rosa.id, "added_to_cohort") in kinds


def test_an_inviter_who_may_no_longer_see_the_person_is_not_told_who_accepted(client, login_as, make_user, outbox):
    """The notification names the person and links to their page: a coordinator who has since moved to another
    country, or become a trainee, must not learn the name of someone they may no longer see."""
    from app.auth.services import SYSTEM, update_user

    coordinator = login_as("coordinator", country="PE")
    invite(client)
    invite(client, full_name="Ana Torres", email="ana@example.org")
    links = {message.to_address: link_in(message, "invitation") for message in outbox()}
    client.post("/auth/logout")
    update_user(SYSTEM, coordinator, country_code="AR")  # now coordinates Argentina
    db.session.commit()
    assert client.post(links["rosa@example.org"], data={"password": "a-good-long-password"}).status_code == 302
    client.post("/auth/logout")
    update_user(SYSTEM, coordinator, roles={"trainee"}, position="technician")  # now only learns
    db.session.commit()
    assert client.post(links["ana@example.org"], data={"password": "a-good-long-password"}).status_code == 302
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == coordinator.id)).all()
    assert told == []
    assert not [m for m in outbox() if m.to_address == coordinator.email]


def test_a_link_used_by_a_request_that_got_there_first_is_refused(client, make_user, outbox, monkeypatch):
    """Two submits of the same link at once: the one that claims it second finds it used (410), keeps nobody
    signed in and changes no password. The other request's claim is played here between this one opening the
    link and claiming it."""
    from app.auth import tokens

    user = make_user(email="ana@example.org")
    client.post("/auth/password/forgot", data={"email": "ana@example.org"})
    link = link_in(outbox()[0], "password/reset")
    checked = tokens.password_problem

    def the_other_request_first(password, *more):
        db.session.execute(sa.update(AccountToken).values(used_at=utcnow()))
        return checked(password, *more)

    monkeypatch.setattr(tokens, "password_problem", the_other_request_first)
    response = client.post(link, data={"password": "brand-new-password"})
    assert response.status_code == 410
    assert client.get("/auth/account").status_code == 302  # not signed in
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_a_mistyped_address_is_a_form_error_not_a_promise(client, outbox):
    response = client.post("/auth/password/forgot", data={"email": "not an email"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#email">Enter an e-mail address in the right format, like name@example.org</a>' in html


def test_the_emails_say_until_when_the_link_works_in_the_persons_zone(app, make_user, outbox):
    """A message delivered late (after a retry) must not promise more time than is left: it gives the moment
    itself, in the reader's zone and language."""
    from babel.dates import format_datetime, get_timezone

    from app.auth.models import TokenPurpose
    from app.auth.tokens import send_invitation, send_password_reset

    app.config.update(INVITATION_DAYS=1, PASSWORD_RESET_MINUTES=45)
    admin = make_user(roles=("admin",), country=None)
    invited = make_user(email="rosa@example.org", country="PE", locale="es", password=None)
    send_invitation(admin, invited)
    tijuana = make_user(email="leo@example.org", country="MX", locale="en")
    tijuana.timezone = "America/Tijuana"
    send_password_reset("leo@example.org")
    db.session.commit()
    invitation, reset = outbox()
    tokens = {t.purpose: t for t in db.session.scalars(sa.select(AccountToken))}

    lima = format_datetime(tokens[TokenPurpose.INVITATION].expires_at, "d 'de' MMMM 'de' y, H:mm",
                           tzinfo=get_timezone("America/Lima"), locale="es")
    assert f"durante 1 día desde su envío: hasta el {lima} (Lima, GMT-05:00)." in invitation.body.replace("\n", " ")
    west = tokens[TokenPurpose.PASSWORD_RESET].expires_at.astimezone(get_timezone("America/Tijuana"))
    assert f"until {format_datetime(west, 'MMMM d, y', locale='en')}" in reset.body
    offset = west.strftime("%z")  # -0800, or -0700 while Baja California keeps summer time (March to November)
    expected = f"for 45 minutes after you asked for it: until {format_datetime(west, 'MMMM d, y', locale='en')}"
    assert expected in reset.body.replace("\n", " ")
    expected = f"(Tijuana, GMT{offset[:3]}:{offset[3:]})."
    assert expected in reset.body.replace("\n", " ")
    assert tijuana.id and reset.to_address == "leo@example.org"


def test_the_reset_e_mail_keeps_its_link_on_a_line_of_its_own(client, make_user, outbox):
    """The link under its sentence, not glued to its colon (which some mail programs would not make clickable), and
    a blank line between the last paragraph and the signature, as in the invitation."""
    make_user(email="ana@example.org", locale="en")
    client.post("/auth/password/forgot", data={"email": "ana@example.org"})
    body = outbox()[-1].body
    assert "open this link:\nhttp://itinera.test/auth/password/reset/" in body
    assert "your password has not changed.\n\n--\n" in body


def test_the_invitation_keeps_its_paragraphs_apart(app, make_user, outbox):
    from app.auth.tokens import send_invitation

    send_invitation(make_user(roles=("admin",), country=None, name="Marta Ruiz"),
                    make_user(email="rosa@example.org", country="PE", locale="en", password=None))
    db.session.commit()
    [message] = outbox()
    assert "regional innovation policy.\n\nTo start, choose your password here:\n" in message.body
    assert "to send a new one.\n\nYour e-mail address for signing in is rosa@example.org." in message.body


def test_the_pages_of_a_link_are_kept_in_no_cache(client, make_user):
    """Their address holds the token and their body the person's address: no shared proxy or browser cache keeps
    them (a page for someone signed out gets no Cache-Control otherwise)."""
    from app.auth.tokens import TokenPurpose, issue_token

    user = make_user(email="ana@example.org", password=None)
    reset, invitation = (issue_token(user, TokenPurpose.PASSWORD_RESET), issue_token(user, TokenPurpose.INVITATION))
    db.session.commit()
    for path in (f"/auth/password/reset/{reset}", f"/auth/invitation/{invitation}", "/auth/invitation/unknown"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["Referrer-Policy"] == "same-origin"  # the token goes to no other site either
    response = client.post(f"/auth/password/reset/{reset}", data={"password": "short"})
    assert response.status_code == 400 and response.headers["Cache-Control"] == "no-store"


def test_link_pages_keep_their_rate_limit(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    codes = [client.post("/auth/password/reset/unknown", data={"password": "a-brand-new-password"}).status_code
             for _ in range(3)]
    assert codes == [404, 404, 429]


def test_an_invitation_is_not_withdrawn_from_someone_with_records(client, login_as, make_user):
    """A partner's platform sent statements about the person before they accepted: removing the account would
    leave them without their person (and delete their progress), so the page says to deactivate it instead."""
    from app.xapi.services import store
    from app.xapi.models import Statement

    login_as("admin", country=None, locale="en")
    rosa = make_user(country="CL", email="rosa@example.org", password=None)
    store([{"actor": {"mbox": "mailto:rosa@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"},
            "object": {"id": "http://example.org/workshops/one"}}], {"mbox": "mailto:lrs@example.org"})
    db.session.commit()
    response = client.post(f"/admin/users/{rosa.uuid}/invitation/withdraw", data={"confirmed": "1"},
                           follow_redirects=True)
    assert "so the account cannot be removed: make it inactive instead" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, rosa.id) is not None
    assert db.session.scalar(sa.select(Statement.user_id)) == rosa.id


def test_the_resend_button_clicked_twice_sends_one_invitation(client, login_as, outbox):
    """A second e-mail would make the first one's link stop working: the same button sent again sends nothing."""
    login_as("admin", country=None, locale="en")
    invite(client)
    rosa = db.session.scalar(sa.select(User).where(User.email == "rosa@example.org"))
    page = client.get(f"/admin/users/{rosa.uuid}").get_data(as_text=True)
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    url = f"/admin/users/{rosa.uuid}/invitation/resend"
    assert "A new invitation has been sent" in client.post(url, data={"once": once}, follow_redirects=True) \
        .get_data(as_text=True)
    again = client.post(url, data={"once": once}, follow_redirects=True).get_data(as_text=True)
    assert "it has not been sent again" in again
    messages = outbox()
    assert len(messages) == 2  # the invitation, then one more
    assert client.get(link_in(messages[1], "invitation")).status_code == 200  # still works
    page = client.get("/admin/invitations").get_data(as_text=True)
    other = re.search(r'name="once" value="([^"]+)"', page).group(1)
    assert other != once
    client.post(url, data={"once": other})  # a later click, on another page: sent
    assert len(outbox()) == 3


def test_a_link_of_a_deactivated_account_stops_working(client, login_as, outbox):
    """Deactivating someone still invited leaves their link unusable: nobody gets into an inactive account."""
    login_as("admin", country=None)
    invite(client)
    rosa = db.session.scalar(sa.select(User).where(User.email == "rosa@example.org"))
    link = link_in(outbox()[0], "invitation")
    fields = {"full_name": "Rosa Quispe", "email": "rosa@example.org", "roles": ["trainee"], "country_code": "PE",
              "position": "technician", "locale": "es", "is_active": ""}
    assert client.post(f"/admin/users/{rosa.uuid}/edit", data=fields).status_code == 302
    client.post("/auth/logout")
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": "a-good-long-password"}).status_code == 404
    db.session.refresh(rosa)
    assert rosa.password_hash is None


def test_links_of_a_deactivated_account_stay_dead_when_it_is_reactivated(client, login_as, outbox):
    """As its sessions do: an invitation or reset link sent before the account was deactivated (to someone who
    has left, say) does not come back to life with the account; it is sent a new one."""
    login_as("admin", country=None)
    invite(client)
    rosa = db.session.scalar(sa.select(User).where(User.email == "rosa@example.org"))
    invitation = link_in(outbox()[0], "invitation")
    fields = {"full_name": "Rosa Quispe", "email": "rosa@example.org", "roles": ["trainee"], "country_code": "PE",
              "position": "technician", "locale": "es", "is_active": ""}
    assert client.post(f"/admin/users/{rosa.uuid}/edit", data=fields).status_code == 302
    assert client.post(f"/admin/users/{rosa.uuid}/edit", data={**fields, "is_active": "y"}).status_code == 302
    page = client.get(f"/admin/users/{rosa.uuid}").get_data(as_text=True)
    assert ("The last invitation was cancelled when the account was deactivated or its e-mail address changed. "
            "Send a new one.") in page
    client.post("/auth/logout")
    assert client.get(invitation).status_code == 404
    assert client.post(invitation, data={"password": "a-good-long-password"}).status_code == 404
    db.session.refresh(rosa)
    assert rosa.password_hash is None


def test_a_new_address_for_a_deactivated_invitee_sends_no_dead_link(client, login_as, outbox):
    login_as("admin", country=None)
    invite(client, email="rosa@gmial.com")
    rosa = db.session.scalar(sa.select(User).where(User.email == "rosa@gmial.com"))
    fields = {"full_name": "Rosa Quispe", "email": "rosa@gmail.com", "roles": ["trainee"], "country_code": "PE",
              "position": "technician", "locale": "es", "is_active": ""}
    response = client.post(f"/admin/users/{rosa.uuid}/edit", data=fields, follow_redirects=True)
    assert response.status_code == 200
    assert "A new invitation has been sent" not in response.get_data(as_text=True)
    assert [m.to_address for m in outbox()] == ["rosa@gmial.com"]


def test_using_one_link_ends_every_other_link_of_the_person(client, make_user, outbox):
    """README: choosing a new password by a link ends every link sent earlier. An invited person who also asked
    for a reset link and then accepts the invitation: the reset link no longer sets the password."""
    from app.auth.tokens import TokenPurpose, send_invitation

    admin = make_user(roles=("admin",), country=None)
    rosa = make_user(email="rosa@example.org", country="PE", password=None)
    send_invitation(admin, rosa)
    db.session.commit()
    client.post("/auth/password/forgot", data={"email": "rosa@example.org"})
    invitation, reset = outbox()
    assert client.post(link_in(invitation, "invitation"), data={"password": "a-good-long-password"}).status_code == 302
    client.post("/auth/logout")
    reset_link = link_in(reset, "password/reset")
    assert client.get(reset_link).status_code == 404
    assert client.post(reset_link, data={"password": "a-stranger-password"}).status_code == 404
    db.session.refresh(rosa)
    assert rosa.check_password("a-good-long-password")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken).where(
        AccountToken.purpose == TokenPurpose.PASSWORD_RESET, AccountToken.revoked_at.is_not(None))) == 1


def test_pending_invitations_list_only_active_accounts_and_a_coordinator_sees_only_trainees(client, login_as,
                                                                                          make_user):
    make_user(email="waiting@example.org", country="PE", password=None)
    make_user(email="dormant@example.org", country="PE", password=None, is_active=False)
    make_user(email="colleague@example.org", country="PE", password=None, roles=("coordinator",))
    make_user(email="abroad@example.org", country="AR", password=None)
    login_as("coordinator", country="PE")
    page = client.get("/admin/invitations").get_data(as_text=True)
    assert "waiting@example.org" in page
    for hidden in ("dormant@example.org", "colleague@example.org", "abroad@example.org"):
        assert hidden not in page, hidden
    client.post("/auth/logout")
    login_as("admin", country=None)
    page = client.get("/admin/invitations").get_data(as_text=True)
    for shown in ("waiting@example.org", "colleague@example.org", "abroad@example.org"):
        assert shown in page, shown
    assert "dormant@example.org" not in page


def test_an_account_that_has_signed_in_has_no_invitation_to_withdraw(make_user):
    from app.auth.tokens import withdraw_invitation
    from app.errors import ValidationError

    admin = make_user(roles=("admin",), country=None)
    user = make_user(email="used@example.org", password=None)
    user.last_login_at = utcnow()
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        withdraw_invitation(admin, user)
    assert "invitation" in refused.value.errors
    assert db.session.get(User, user.id) is not None


def test_two_reset_links_used_at_once_one_wins_without_a_deadlock(app, make_user, outbox):
    """Asked twice, both links used at the same moment (two tabs): each claimed its own link, then waited to end
    the other's while the other request did the same, and on PostgreSQL one of them failed with a deadlock (a
    500). Now the second waits for the first and finds its link ended."""
    import threading

    from app.auth import tokens
    from tests.fixtures.concurrency import run_threads, until_a_lock_is_awaited

    user = make_user(email="ana@example.org")
    tokens.send_password_reset("ana@example.org")
    tokens.send_password_reset("ana@example.org")
    db.session.commit()
    links = [link_in(m, "password/reset").rsplit("/", 1)[1] for m in outbox()]
    claimed = {name: threading.Event() for name in ("0", "1")}
    opened, both_opened = set(), threading.Barrier(2)  # (nothing is held yet: however loaded, both get there)
    outcomes = {}

    def meet(conn, cursor, statement, parameters, context, executemany):
        name = threading.current_thread().name
        if statement.startswith("SELECT") and "FROM account_token" in statement and name not in opened:
            opened.add(name)
            both_opened.wait(20)  # else one could be done before the other opens its link, revoked by then
        if statement.startswith("UPDATE account_token SET used_at"):
            claimed[name].set()
            if conn.dialect.name == "postgresql":  # (SQLite has no row locks: one writer at a time)
                # both hold their own link when they go on, or the other waits for a lock this one holds
                until_a_lock_is_awaited(passed=claimed["1" if name == "0" else "0"].is_set, seconds=20)

    def use(index):
        with app.app_context():
            try:
                tokens.reset_password(links[index], f"new-password-number-{index}")
                db.session.commit()
                outcomes[index] = "changed"
            except tokens.TokenProblem as problem:
                outcomes[index] = problem.reason
                db.session.rollback()
            except Exception as error:  # noqa: BLE001  (what the test reports)
                outcomes[index] = error
                db.session.rollback()

    run_threads([threading.Thread(target=use, args=(n,), name=str(n)) for n in range(2)],
                listen=("after_cursor_execute", meet))
    assert sorted(map(str, outcomes.values())) == ["changed", "used"], outcomes
    winner = next(index for index, outcome in outcomes.items() if outcome == "changed")
    db.session.refresh(user)
    assert user.check_password(f"new-password-number-{winner}")


def test_under_a_real_server_the_reset_email_is_sent_once_the_answer_has_gone(app, live_server, make_user, outbox,
                                                                              monkeypatch):
    """Under a WSGI server (not the test client) the job runs when the server closes the response: the answer
    arrives while the job that looks the address up is held back, and the e-mail goes out after it."""
    import threading
    import urllib.parse
    import urllib.request

    from app.auth import tokens

    make_user(email="ana@example.org")
    db.session.commit()
    answered, looked_up = threading.Event(), []
    look_up = tokens.get_user_by_email

    def held_back(email):
        looked_up.append(answered.wait(30))  # True: the answer had arrived when the job began
        return look_up(email)

    monkeypatch.setattr(tokens, "get_user_by_email", held_back)
    body = urllib.parse.urlencode({"email": "ana@example.org"}).encode()
    with urllib.request.urlopen(f"{live_server}/auth/password/forgot", data=body, timeout=30) as response:
        assert response.status == 200 and b"ana@example.org" in response.read()
    answered.set()
    for _ in range(300):  # the server thread finishes the job
        if outbox():
            break
        threading.Event().wait(0.1)
    assert [m.to_address for m in outbox()] == ["ana@example.org"]
    assert looked_up == [True]


@pytest.mark.parametrize("roles, asked", [(("coordinator",), "ask the programme's administrators"),
                                          (("trainer",), "ask the programme's administrators"),
                                          (("trainee",), "ask your country coordinator")])
def test_an_invitation_says_whom_to_ask_for_a_new_link(app, make_user, outbox, roles, asked):
    """A country's coordinator, invited by an administrator, read "ask your country coordinator": themselves."""
    from app.auth.tokens import send_invitation, send_invitations

    admin = make_user(roles=("admin",), country=None)
    make_user(roles=("coordinator",), country="PE")
    send_invitation(admin, make_user(email="rosa@example.org", country="PE", locale="en", roles=roles, password=None))
    send_invitations(admin, [make_user(email="ana@example.org", country="PE", locale="en", roles=roles,
                                       password=None)])
    db.session.commit()
    messages = outbox()
    assert len(messages) == 2
    for message in messages:
        assert f"If it has expired, {asked} to send a new one." in message.body


@pytest.mark.parametrize("roles, asked", [(("coordinator",), "ask the programme's administrators"),
                                          (("trainee",), "ask your country coordinator")])
def test_an_expired_invitation_says_whom_to_ask_for_a_new_one(client, make_user, roles, asked):
    """Its page, as the e-mail: a coordinator's country coordinator is themselves."""
    from app.auth.tokens import TokenPurpose, issue_token

    make_user(roles=("coordinator",), country="PE")
    link = issue_token(make_user(country="PE", roles=roles, password=None, locale="en"), TokenPurpose.INVITATION)
    db.session.scalar(sa.select(AccountToken)).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = client.get(f"/auth/invitation/{link}")
    assert page.status_code == 410
    assert f"Otherwise {asked} to send you a new invitation." in page.get_data(as_text=True).replace("&#39;", "'")


def test_a_trainee_of_a_country_without_a_coordinator_is_told_to_ask_the_administrators(client, make_user,
                                                                                         outbox):
    """A European peer (no coordinator in Portugal) was told to ask their country coordinator for a new invitation,
    in the e-mail and on the expired link's page: nobody. So was a trainee of a country whose only coordinator
    cannot act (deactivated, or invited and not signed up yet)."""
    from app.auth.tokens import TokenPurpose, issue_token, send_invitation, send_invitations

    admin = make_user(roles=("admin",), country=None)
    make_user(roles=("coordinator",), country="CL", is_active=False)
    make_user(roles=("coordinator",), country="CL", password=None)
    for country in ("PT", "CL"):
        send_invitation(admin, make_user(country=country, locale="en", password=None))
        send_invitations(admin, [make_user(country=country, locale="en", password=None)])
    db.session.commit()
    messages = outbox()
    assert len(messages) == 4
    for message in messages:
        assert "If it has expired, ask the programme's administrators to send a new one." in message.body
    link = issue_token(make_user(country="PT", password=None, locale="en"), TokenPurpose.INVITATION)
    db.session.scalar(sa.select(AccountToken).order_by(AccountToken.id.desc())).expires_at = utcnow() - timedelta(
        seconds=1)
    db.session.commit()
    page = client.get(f"/auth/invitation/{link}").get_data(as_text=True).replace("&#39;", "'")
    assert "Otherwise ask the programme's administrators to send you a new invitation." in page


def test_a_link_sent_to_a_person_opens_in_their_language(client, login_as, outbox, make_user):
    """The invitation came in Spanish, the account's language, but its page answered the browser's
    Accept-Language: an official on an English-language office computer chose a password in English. A language
    the browser chose here (?lang=, the cookie) still wins."""
    login_as("coordinator", country="PE")
    invite(client)
    [message] = outbox()
    link = link_in(message, "invitation")
    client.post("/auth/logout")
    client.delete_cookie("lang")
    page = client.get(link, headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="es">' in page and "Elija su contraseña" in page
    sent_back = client.post(link, data={"password": "short"}, headers={"Accept-Language": "en"})
    assert '<html lang="es">' in sent_back.get_data(as_text=True)
    chosen = client.get(link + "?lang=pt_BR", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="pt-BR">' in chosen  # and now remembered, over the account's language
    assert '<html lang="pt-BR">' in client.get(link, headers={"Accept-Language": "en"}).get_data(as_text=True)

    make_user(email="luz@example.org", country="PE", locale="es")
    client.delete_cookie("lang")
    client.post("/auth/password/forgot", data={"email": "luz@example.org"}, headers={"Accept-Language": "en"})
    reset = link_in([m for m in outbox() if m.to_address == "luz@example.org"][-1], "password/reset")
    client.delete_cookie("lang")
    page = client.get(reset, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in page


@pytest.mark.parametrize("purpose, problem", [("invitation", "expired"), ("invitation", "used"),
                                              ("password/reset", "expired"), ("password/reset", "used")])
def test_a_link_that_cannot_be_used_says_so_in_the_language_of_its_email(client, make_user, purpose, problem):
    """The page of an expired or used link followed the browser's Accept-Language, while the valid link's page
    (and the e-mail) spoke the person's language; a language chosen in this browser still wins. A person with no
    saved language got the e-mail in their country's, and so its pages."""
    from app.auth.tokens import TokenPurpose, issue_token

    kind = TokenPurpose.INVITATION if purpose == "invitation" else TokenPurpose.PASSWORD_RESET
    for email, locale, country, expected in [("ana@example.org", "pt_BR", "PE", "pt-BR"),
                                             ("eva@example.org", None, "PE", "es")]:
        person = make_user(email=email, country=country, locale=locale, password=None)
        link = f"/auth/{purpose}/{issue_token(person, kind)}"
        token = db.session.scalar(sa.select(AccountToken).where(AccountToken.user_id == person.id))
        if problem == "expired":
            token.expires_at = utcnow() - timedelta(seconds=1)
        else:
            token.used_at = utcnow()
        db.session.commit()
        client.delete_cookie("lang")
        page = client.get(link, headers={"Accept-Language": "en-GB,en;q=0.9"})
        assert page.status_code == 410
        assert f'<html lang="{expected}">' in page.get_data(as_text=True)
        chosen = client.get(link + "?lang=en", headers={"Accept-Language": "es"}).get_data(as_text=True)
        assert '<html lang="en">' in chosen and "This link cannot be used" in chosen
        assert '<html lang="en">' in client.get(link, headers={"Accept-Language": "es"}).get_data(as_text=True)
    client.delete_cookie("lang")
    unknown = client.get(f"/auth/{purpose}/not-a-real-token", headers={"Accept-Language": "pt-BR"})
    assert unknown.status_code == 404 and '<html lang="pt-BR">' in unknown.get_data(as_text=True)


def test_a_link_that_stopped_working_while_its_email_waited_is_not_sent(make_app, smtp_server, make_user, client,
                                                                         login_as):
    """The mail server was down when the link was e-mailed; by the retry the link was replaced (the invitation
    sent again) or had expired (a reset link lasts an hour): the old e-mail would bring a dead link."""
    from app.auth import tokens
    from app.jobs.models import Job
    from app.jobs.services import retry
    from app.notifications.models import MailStatus, OutboxMessage

    down = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)
    with down.app_context():
        rosa = make_user(email="rosa@example.org", password=None)
        ana = make_user(email="ana@example.org")
        tokens.send_invitation(None, rosa)
        tokens.send_password_reset("ana@example.org")
        db.session.commit()
        tokens.send_invitation(None, rosa)  # sent again while the first still waits: the first link ends
        db.session.commit()
        reset = db.session.scalar(sa.select(AccountToken).where(AccountToken.user_id == ana.id))
        reset.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        failed = [job.id for job in db.session.scalars(sa.select(Job))]
    up = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False)
    with up.app_context():
        admin = make_user(roles=("admin",), country=None, locale="en")
        admin_id = admin.id
        for job_id in failed:
            retry(admin, db.session.get(Job, job_id))
            db.session.commit()
        [delivered] = smtp_server.messages
        assert delivered.rcpt_tos == ["rosa@example.org"]
        body = email.message_from_bytes(delivered.content).get_payload(decode=True).decode()
        link = re.search(r"/auth/invitation/[\w-]+", body).group(0)
        messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.status for m in messages] == [MailStatus.CANCELLED, MailStatus.CANCELLED, MailStatus.SENT]
        assert messages[0].body is None and messages[1].body is None
        cancelled = messages[0].id
    assert client.get(link).status_code == 200
    login_as(db.session.get(User, admin_id))
    page = client.get(f"/admin/outbox/{cancelled}").get_data(as_text=True)
    assert "the one-time link in it stopped working" in page


def test_someone_whose_invitation_expired_can_ask_for_a_new_link_and_is_told_to_choose_a_password(client, login_as,
                                                                                                  outbox):
    """An invitation lasts two weeks: back from a holiday, the invited person had only "ask your coordinator". A
    link to choose a password by e-mail reaches the same address the invitation went to."""
    login_as("coordinator", country="PE")
    invite(client, locale="en")
    link = link_in(outbox()[0], "invitation")
    db.session.scalar(sa.select(AccountToken)).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client.post("/auth/logout")
    page = client.get(link).get_data(as_text=True)
    assert 'href="/auth/password/forgot"' in page and "Ask for a new link" in page
    client.post("/auth/password/forgot", data={"email": "rosa@example.org"})
    body = outbox()[-1].body
    assert outbox()[-1].subject == "Choose your password for Itinera"
    assert "choose the password of your Itinera account" in body
    assert "reset the password" not in body and "your password has not changed" not in body
    reset = link_in(outbox()[-1], "password/reset")
    page = client.get(reset).get_data(as_text=True)
    assert "Choose your password" in page and "Other devices" not in page
    assert client.post(reset, data={"password": "a-good-long-password"}).status_code == 302
    client.post("/auth/logout")
    client.post("/auth/password/forgot", data={"email": "rosa@example.org"})
    assert "reset the password of your Itinera account" in outbox()[-1].body  # she has one now


def test_the_persons_page_says_when_the_invitation_e_mail_did_not_go_out(make_app, make_user, client, login_as):
    """The page said "Sent on …" while the mail server refused the invitation or could not be reached: the
    coordinator waited for someone who never got it. Only administrators saw the failure, on another page."""
    from app.auth import tokens
    from app.jobs.models import Job, JobStatus
    from app.notifications.models import MailStatus, OutboxMessage

    down = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False, JOB_RETRY_INTERVALS=[600])
    with down.app_context():
        coordinator = make_user(roles=("coordinator",), country="PE", locale="en")
        rosa = make_user(email="rosa@example.org", password=None, country="PE")
        tokens.send_invitation(coordinator, rosa)
        db.session.commit()  # the first attempt fails; the next one is ten minutes away
        assert db.session.scalar(sa.select(Job.status)) is JobStatus.RETRYING
        ids = coordinator.id, rosa.uuid
    login_as(db.session.get(User, ids[0]))
    page = client.get(f"/admin/users/{ids[1]}").get_data(as_text=True)
    assert "has not reached the mail server yet" in page
    listed = client.get("/admin/invitations").get_data(as_text=True)
    assert "the e-mail has not reached the mail server" in listed and ">Will retry<" in listed

    message = db.session.scalar(sa.select(OutboxMessage))
    message.status = MailStatus.FAILED  # every attempt failed
    db.session.commit()
    page = client.get(f"/admin/users/{ids[1]}").get_data(as_text=True)
    assert "could not be delivered" in page and "has not reached" not in page
    listed = client.get("/admin/invitations").get_data(as_text=True)
    assert "the e-mail has not reached the mail server" in listed and ">Failed<" in listed

    client.post(f"/admin/users/{ids[1]}/invitation/resend")  # delivered this time (no mail server: the log)
    page = client.get(f"/admin/users/{ids[1]}").get_data(as_text=True)
    assert "could not be delivered" not in page and "has not reached" not in page and "Sent on" in page
    assert "has not reached" not in client.get("/admin/invitations").get_data(as_text=True)


def test_every_invitation_of_a_bulk_send_says_the_server_was_unreachable(make_app, make_user, client, login_as):
    """With the mail server down, only the first message of each delivery job recorded the failure: the others
    were listed as sent until the job gave up, and the coordinator waited for people who never got a link."""
    from app.auth import tokens
    from app.jobs.models import Job, JobStatus

    down = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False, JOB_RETRY_INTERVALS=[600])
    with down.app_context():
        coordinator = make_user(roles=("coordinator",), country="PE", locale="en")
        people = [make_user(email=f"p{n}@example.org", password=None, country="PE") for n in range(3)]
        tokens.send_invitations(coordinator, people)
        db.session.commit()
        assert db.session.scalar(sa.select(Job.status)) is JobStatus.RETRYING
        ids = coordinator.id, [person.uuid for person in people]
    login_as(db.session.get(User, ids[0]))
    listed = client.get("/admin/invitations").get_data(as_text=True)
    assert listed.count(">Will retry<") == 3
    for uuid in ids[1]:
        assert "has not reached the mail server yet" in client.get(f"/admin/users/{uuid}").get_data(as_text=True)


def test_the_expired_invitations_are_sent_again_at_once_from_the_pending_list(client, login_as, make_user, outbox):
    """After a big import many links expire unused: sending each again, one button per person, took a click per
    person. The pending list offers to send every expired one again, after a page that says how many; the new
    links replace the old ones, and the e-mails go out through one delivery job."""
    from app.auth.tokens import TokenPurpose, issue_token
    from app.jobs.models import Job

    coordinator = login_as("coordinator", country="PE", locale="en")
    expired = [make_user(email=f"late{n}@example.org", country="PE", password=None) for n in range(2)]
    fresh = make_user(email="fresh@example.org", country="PE", password=None)
    never = make_user(email="never@example.org", country="PE", password=None)  # never sent: the import's page
    abroad = make_user(email="abroad@example.org", country="CL", password=None)
    colleague = make_user(email="colleague@example.org", country="PE", roles=("trainer",), password=None)
    old_links = {person.email: issue_token(person, TokenPurpose.INVITATION, coordinator)
                 for person in (*expired, fresh, abroad, colleague)}
    for token in db.session.scalars(sa.select(AccountToken).where(AccountToken.user_id != fresh.id)):
        token.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert never.id  # (listed as "Not sent", and left alone)

    page = client.get("/admin/invitations").get_data(as_text=True)
    assert "Resend the 2 expired invitations" in page and 'action="/admin/invitations/resend-expired"' in page
    asked = client.post("/admin/invitations/resend-expired")
    assert asked.status_code == 200 and "Send new invitations to 2 people?" in asked.get_data(as_text=True)
    assert outbox() == [] and db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0

    done = client.post("/admin/invitations/resend-expired", data={"confirmed": "1"}, follow_redirects=True)
    assert "New invitations have been sent to 2 people. The expired links no longer work." in done.get_data(
        as_text=True)
    assert sorted(m.to_address for m in outbox()) == ["late0@example.org", "late1@example.org"]
    assert db.session.scalars(sa.select(Job.func)).all() == ["app.notifications.services:deliver_many"]
    for message in outbox():
        assert client.get(link_in(message, "invitation")).status_code == 200
        assert client.get(f"/auth/invitation/{old_links[message.to_address]}").status_code == 404  # replaced
    assert "Resend the" not in client.get("/admin/invitations").get_data(as_text=True)

    again = client.post("/admin/invitations/resend-expired", data={"confirmed": "1"}, follow_redirects=True)
    assert "No invitation is expired any more" in again.get_data(as_text=True) and len(outbox()) == 2
    assert banners(again.get_data(as_text=True)) == [
        ("info", "No invitation is expired any more: there is nothing to send again.")]  # nothing was done


def test_a_coordinator_resends_only_the_expired_invitations_of_their_country(client, login_as, make_user, outbox):
    from app.auth.tokens import TokenPurpose, issue_token

    here = make_user(email="here@example.org", country="PE", password=None)
    there = make_user(email="there@example.org", country="CL", password=None)
    for person in (here, there):
        issue_token(person, TokenPurpose.INVITATION)
    for token in db.session.scalars(sa.select(AccountToken)):
        token.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    login_as("coordinator", country="CL", locale="en")
    assert "Resend the expired invitation" in client.get("/admin/invitations").get_data(as_text=True)
    client.post("/admin/invitations/resend-expired", data={"confirmed": "1"})
    assert [m.to_address for m in outbox()] == ["there@example.org"]
    client.post("/auth/logout")
    login_as("admin", country=None, locale="en")
    assert "Resend the expired invitation" in client.get("/admin/invitations").get_data(as_text=True)
    client.post("/admin/invitations/resend-expired", data={"confirmed": "1"})
    assert [m.to_address for m in outbox()] == ["there@example.org", "here@example.org"]


def test_two_requests_resending_the_expired_invitations_at_once_send_each_once(app, make_user):
    """A double click on "Send": both requests find the same expired invitations; had both sent, the second
    e-mail's link would replace the first's, and the first e-mail would bring a dead link."""
    import threading

    from app.auth import tokens
    from app.notifications.models import OutboxMessage

    coordinator = make_user(roles=("coordinator",), country="CL")
    for n in range(3):
        tokens.issue_token(make_user(email=f"p{n}@example.org", country="CL", password=None),
                           tokens.TokenPurpose.INVITATION)
    for token in db.session.scalars(sa.select(AccountToken)):
        token.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()
    both_read, outcomes = threading.Barrier(2), []

    def resend():
        with app.app_context():
            actor = db.session.get(User, coordinator.id)
            assert tokens.expired_invitation_count(actor) == 3
            both_read.wait()
            try:
                outcomes.append(tokens.resend_expired_invitations(actor))
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (reported below)
                outcomes.append(repr(error))

    threads = [threading.Thread(target=resend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes, key=str) == [0, 3]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountToken)
                             .where(AccountToken.revoked_at.is_(None))) == 3


@pytest.mark.parametrize("problem", ["expired", "used", "unknown"])
def test_a_dead_reset_link_opened_while_signed_in_offers_the_account_s_password_form(client, login_as, make_user,
                                                                                     problem):
    """A used or expired reset link, opened by the person signed in, offered "Ask for a new link": an e-mail to
    change a password they can change at once on their account page, which signs nothing out. Signed out, they
    are still offered a new link; a dead link of another account still offers one."""
    from app.auth.tokens import TokenPurpose, issue_token

    person = make_user(email="ana@example.org", locale="en")
    other = make_user(email="eva@example.org", locale="en")
    links = {}
    for user in (person, other):
        links[user.id] = f"/auth/password/reset/{issue_token(user, TokenPurpose.PASSWORD_RESET)}"
        token = db.session.scalars(sa.select(AccountToken).where(AccountToken.user_id == user.id)).one()
        if problem == "expired":
            token.expires_at = utcnow() - timedelta(seconds=1)
        elif problem == "used":
            token.used_at = utcnow()
        else:
            links[user.id] = "/auth/password/reset/not-a-real-token"
    db.session.commit()
    status = 404 if problem == "unknown" else 410
    signed_out = client.get(links[person.id])
    assert signed_out.status_code == status
    assert 'href="/auth/password/forgot"' in signed_out.get_data(as_text=True)
    login_as(person)
    page = client.get(links[person.id])
    text = page.get_data(as_text=True)
    assert page.status_code == status and "This link cannot be used" in text
    assert 'href="/auth/account#password"' in text and "ana@example.org" in text
    if problem != "unknown":
        assert 'href="/auth/password/forgot"' in client.get(links[other.id]).get_data(as_text=True)
    invitation = f"/auth/invitation/{issue_token(person, TokenPurpose.INVITATION)}"
    db.session.scalars(sa.select(AccountToken).order_by(AccountToken.id.desc())).first().used_at = utcnow()
    db.session.commit()
    text = client.get(invitation).get_data(as_text=True)  # nor "sign in", to someone signed in
    assert 'href="/auth/account#password"' in text and 'href="/auth/login"' not in text


def test_a_dead_reset_link_opened_while_signed_in_still_leads_to_a_new_link(client, login_as, make_user):
    """The account's password form asks for the current password, which a person who asked for a reset link has
    often forgotten (kept signed in on this device): the page that sends them to that form still offers them a new
    link, after it, and the page asking for one opens while they are signed in."""
    from app.auth.tokens import TokenPurpose, issue_token

    person = make_user(email="ana@example.org", locale="en")
    link = f"/auth/password/reset/{issue_token(person, TokenPurpose.PASSWORD_RESET)}"
    db.session.scalars(sa.select(AccountToken).where(AccountToken.user_id == person.id)).one().used_at = utcnow()
    db.session.commit()
    login_as(person)
    assert "Current password" in client.get("/auth/account?lang=en").get_data(as_text=True)
    text = client.get(link + "?lang=en").get_data(as_text=True)
    assert 'href="/auth/account#password"' in text
    assert 'href="/auth/password/forgot"' in text and "Forgotten your password?" in text
    assert text.index('href="/auth/account#password"') < text.index('href="/auth/password/forgot"')
    assert client.get("/auth/password/forgot?lang=en").status_code == 200
