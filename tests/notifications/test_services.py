import re

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from app.extensions import db
from app.notifications import services
from app.auth.models import User
from app.notifications.models import MailStatus, Notification


def test_notify_stores_it_and_emails_in_the_users_language(app, make_user, outbox):
    user = make_user(locale="es", name="Lucía")
    services.notify(user, "added_to_cohort", cohort="Cohorte piloto")
    db.session.commit()
    note = db.session.scalar(sa.select(Notification))
    assert (note.user_id, note.kind, note.data, note.read_at) == (user.id, "added_to_cohort",
                                                                  {"cohort": "Cohorte piloto"}, None)
    [message] = outbox()
    assert message.to_address == user.email and message.locale == "es"
    assert message.status is MailStatus.LOGGED  # no mail server in tests: written to the log, kept
    with force_locale("es"):
        greeting = gettext("Hello %(name)s,", name="Lucía")
    assert greeting != "Hello Lucía," and greeting in message.body
    assert "Cohorte piloto" in message.subject and message.subject != "You have joined the cohort “Cohorte piloto”"
    assert "/notifications/preferences" in message.body and message.body.count("http://itinera.test") >= 1


def test_email_preferences_are_respected(app, make_user, outbox):
    user = make_user(roles=("coordinator",), country="AR")
    services.set_email_preferences(user, {"import_completed": False, "invitation_accepted": True})
    services.notify(user, "import_completed", count=3, filename="a.csv", batch_id=1)
    db.session.commit()
    assert outbox() == []
    assert services.unread_count(user) == 1


def test_smtp_delivery(make_app, smtp_server, make_user):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False,
                   MAIL_FROM="Itinera <no-reply@itinera.example>")
    with app.app_context():
        user = make_user(locale="pt_BR", email="joana@example.org")
        services.notify(user, "added_to_cohort", cohort="Turma 1")
        db.session.commit()
        [envelope] = smtp_server.messages
        assert envelope.rcpt_tos == ["joana@example.org"]
        content = envelope.content.decode()
        assert "Content-Language: pt-BR" in content and "Auto-Submitted: auto-generated" in content
        assert "From: Itinera <no-reply@itinera.example>" in content
        message = db.session.scalar(sa.select(services.OutboxMessage))
        assert message.status is MailStatus.SENT and message.body is None  # delivered: text not kept


def test_smtp_outage_is_retried_then_reported_to_admins_in_the_app(make_app, make_user):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)
    with app.app_context():
        admin_id = make_user(roles=("admin",), country=None).id
        user = make_user()
        services.notify(user, "added_to_cohort", cohort="X")
        db.session.commit()
        message = db.session.scalar(sa.select(services.OutboxMessage).where(
            services.OutboxMessage.to_address == user.email))
        assert message.status is MailStatus.FAILED and "ConnectionRefusedError" in message.error
        admin_notes = list(db.session.scalars(sa.select(Notification).where(Notification.user_id == admin_id)))
        assert [n.kind for n in admin_notes] == ["job_failed"]
        # the admins hear about it in the app only: no new e-mail that would fail the same way
        assert db.session.scalar(sa.select(sa.func.count()).select_from(services.OutboxMessage)) == 1


def test_notification_pages(client, login_as, make_user, app):
    user = login_as("coordinator", country="CL")
    other = make_user()
    services.notify(user, "invitation_accepted", name="Ana", user_uuid=str(other.uuid))
    services.notify(user, "import_completed", count=12, filename="lista.csv", batch_id=7)
    foreign = services.notify(other, "added_to_cohort", cohort="X")
    db.session.commit()

    home = client.get("/").get_data(as_text=True)
    assert '<span class="badge">2<span class="visually-hidden"> unread</span></span>' in home
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Ana accepted your invitation and can now sign in" in page
    assert "12 people imported from lista.csv" in page

    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "invitation_accepted"))
    response = client.get(f"/notifications/{note.id}")
    assert response.location == f"/admin/users/{other.uuid}"
    assert services.unread_count(user) == 1
    assert client.get(f"/notifications/{foreign.id}").status_code == 403
    client.post("/notifications/read-all")
    assert services.unread_count(user) == 0
    assert services.unread_count(other) == 1  # only the reader's own notifications are marked


def test_a_notification_of_joining_a_cohort_leads_to_the_home_page_that_lists_it(client, login_as, make_cohort):
    """Opening it marks it read and goes somewhere: not back to the list it was opened from, a loop that looks
    like a broken link on a phone."""
    user = login_as("trainee", locale="es")
    make_cohort(name="Cohorte piloto", members=[user])
    note = services.notify(user, "added_to_cohort", send_email=False, cohort="Cohorte piloto")
    db.session.commit()
    response = client.get(f"/notifications/{note.id}")
    assert response.location == "/"
    assert services.unread_count(user) == 0
    assert "Cohorte piloto" in client.get(response.location).get_data(as_text=True)


def test_mark_all_as_read_is_offered_only_while_something_is_unread(client, login_as):
    user = login_as("trainee", locale="en")
    services.notify(user, "added_to_cohort", send_email=False, cohort="Pilot")
    db.session.commit()
    assert "Mark all as read" in client.get("/notifications/").get_data(as_text=True)
    client.post("/notifications/read-all")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "You have joined the cohort “Pilot”" in page and "Mark all as read" not in page


def test_preferences_page(client, login_as):
    user = login_as("coordinator", country="CL")
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "When an import of trainees has finished" in page
    assert "When a background task fails" not in page  # admins only
    client.post("/notifications/preferences", data={"email_kinds": ["invitation_accepted"]})
    assert services.wants_email(user, "invitation_accepted") is True
    assert services.wants_email(user, "import_completed") is False
    page = client.get("/notifications/preferences").get_data(as_text=True)  # the saved choices, read back
    assert 'value="invitation_accepted" checked' in page and 'value="import_completed" checked' not in page


def test_the_preferences_page_reads_the_saved_choices_in_one_query(client, login_as, make_user):
    """However many kinds a person may choose from (a trainee two, an administrator every one), and whether
    they saved a choice or not, the page asks the same questions: one for the saved choices, not one per kind."""
    from tests.queries import statements_during

    def count(user, saved=()):
        login_as(user)
        if saved:
            client.post("/notifications/preferences", data={"email_kinds": list(saved)})
        response, statements = statements_during(lambda: client.get("/notifications/preferences"))
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert all(f'value="{kind}" checked' in page for kind in saved)
        return len(statements)

    trainee = make_user(roles=("trainee",), locale="en")
    everything = make_user(roles=("admin", "coordinator", "trainer", "trainee"), locale="en")
    assert count(everything) == count(trainee)
    assert count(everything, saved=["job_failed", "import_completed"]) == count(trainee)


def test_without_a_chosen_language_the_email_speaks_the_language_of_the_persons_country(app, make_user, outbox):
    """An account made with an initial password has no language until its first sign-in; its invitation or reset
    e-mails use the country's language, and so must its notifications."""
    services.notify(make_user(country="BR", locale=None), "added_to_cohort", cohort="Turma 1")
    services.notify(make_user(country="CL", locale=None), "added_to_cohort", cohort="Piloto")
    services.notify(make_user(roles=("admin",), country=None, locale=None), "job_failed", job_id=1, func="x:y")
    db.session.commit()
    assert [m.locale for m in outbox()] == ["pt_BR", "es", "en"]
    assert outbox()[0].subject == "Você entrou na turma “Turma 1”"


def test_a_saved_language_written_otherwise_or_unsupported_still_gives_a_readable_email(app, make_user, outbox):
    """Older data may hold 'pt-BR' (which made Babel raise, so the action that notified failed), 'es_CL', or a
    language no catalog speaks ('fr': an English e-mail labelled French): each is read as the pages read it, and an
    unsupported one as no choice (the country's language)."""
    from app.auth.tokens import send_invitation

    people = [make_user(country="CL", locale=locale) for locale in ("pt-BR", "es_CL", "PT_BR", "fr", "xx-!")]
    for person in people:
        services.notify(person, "added_to_cohort", cohort="C")
    send_invitation(make_user(roles=("admin",), country=None), make_user(country="BR", locale="pt-BR",
                                                                          password=None))
    db.session.commit()
    messages = outbox()
    assert [m.locale for m in messages] == ["pt_BR", "es", "pt_BR", "es", "es", "pt_BR"]
    assert messages[0].subject == "Você entrou na turma “C”"
    assert messages[3].subject == "Ahora forma parte de la cohorte “C”"


def test_a_message_delivered_on_a_later_attempt_no_longer_shows_the_old_error(make_app, make_user, client,
                                                                            login_as):
    from app.jobs.models import Job
    from app.jobs.services import retry

    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)
    with app.app_context():
        admin = make_user(roles=("admin",), country=None)
        services.notify(make_user(), "added_to_cohort", cohort="X")
        db.session.commit()
        app.config["MAIL_SERVER"] = None  # the outage is over (here: mail goes to the log)
        retry(admin, db.session.scalar(sa.select(Job).where(Job.func.endswith(":deliver"))))
        db.session.commit()
        message = db.session.scalar(sa.select(services.OutboxMessage))
        assert message.status is MailStatus.LOGGED and message.error is None


def test_a_message_written_to_the_log_says_so(client, login_as, make_user, outbox):
    user = make_user(locale="en")
    services.notify(user, "added_to_cohort", cohort="Cohorte piloto")
    db.session.commit()
    [message] = outbox()
    login_as("admin", country=None, locale="en")
    html = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Written to the log" in html and "Handed over" not in html


def test_a_refused_recipient_does_not_hold_back_the_others(make_app):
    """One address the server refuses (550): the others of the same delivery job are sent, and only it is left
    for the job's retries."""
    import socket

    import pytest
    from aiosmtpd.controller import Controller

    class Picky:
        def __init__(self):
            self.delivered = []

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("refused"):
                return "550 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            self.delivered += envelope.rcpt_tos
            return "250 OK"

    handler = Picky()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
        with app.app_context():
            messages = [services.queue_email(address, "Hola", "Texto", deliver_now=False)
                        for address in ("refused@example.org", "zoe@example.org", "bea@example.org")]
            db.session.commit()
            ids = [m.id for m in messages]
            with pytest.raises(services.DeliveryFailed, match="1 of 3 messages were not delivered"):
                services.deliver_many(ids)
            db.session.commit()
            statuses = {m.to_address: (m.status, m.error) for m in
                        db.session.scalars(sa.select(services.OutboxMessage).order_by(services.OutboxMessage.id))}
        assert handler.delivered == ["zoe@example.org", "bea@example.org"]
        assert statuses["zoe@example.org"][0] is MailStatus.SENT and statuses["bea@example.org"][0] is MailStatus.SENT
        assert statuses["refused@example.org"][0] is MailStatus.QUEUED and "550" in statuses["refused@example.org"][1]
    finally:
        controller.stop()


def test_an_address_with_a_comma_is_not_an_address():
    """"ana,perez@ex.test" would send the account's links to perez@ex.test."""
    from app.auth.models import is_email_address

    for bad in ("ana,perez@ex.test", "ana;perez@ex.test", "<ana@ex.test>", "ana perez@ex.test", '"ana"@ex.test'):
        assert not is_email_address(bad), bad
    assert is_email_address("ana.perez@ex.test") and is_email_address("josé.ramírez@ex.test")


def test_the_unread_count_is_read_out_in_the_right_number(client, login_as, make_user):
    user = login_as(make_user(locale="pt_BR"))
    services.notify(user, "added_to_cohort", send_email=False, cohort="Turma 1")
    db.session.commit()
    assert '<span class="visually-hidden"> não lida</span>' in client.get("/").get_data(as_text=True)
    services.notify(user, "added_to_cohort", send_email=False, cohort="Turma 2")
    db.session.commit()
    assert '<span class="visually-hidden"> não lidas</span>' in client.get("/").get_data(as_text=True)


def test_many_messages_go_over_one_connection(make_app, smtp_server):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False)
    with app.app_context():
        messages = [services.queue_email(f"p{n}@example.org", "Hola", "Texto", deliver_now=False) for n in range(5)]
        services.enqueue_deliveries(messages)
        db.session.commit()
        assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [f"p{n}@example.org" for n in range(5)]
        assert len(set(smtp_server.peers)) == 1
        assert {m.status for m in db.session.scalars(sa.select(services.OutboxMessage))} == {MailStatus.SENT}


def test_a_server_that_drops_the_connection_gets_a_new_one(make_app, smtp_server):
    """421 closes the session (a server limiting messages per connection): the rest go over a new one."""
    import pytest

    smtp_server.reply = lambda envelope: "421 too many messages" if envelope.rcpt_tos == ["b@example.org"] else None
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False)
    with app.app_context():
        messages = [services.queue_email(f"{name}@example.org", "Hola", "Texto", deliver_now=False)
                    for name in "abc"]
        db.session.commit()
        ids = [m.id for m in messages]
        with pytest.raises(services.DeliveryFailed, match="1 of 3 messages were not delivered"):
            services.deliver_many(ids)
        db.session.commit()
        status = {m.to_address: (m.status, m.error) for m in db.session.scalars(sa.select(services.OutboxMessage))}
    assert [m.rcpt_tos for m in smtp_server.messages] == [["a@example.org"], ["c@example.org"]]
    assert len(set(smtp_server.peers)) == 2
    assert status["b@example.org"][0] is MailStatus.QUEUED and "421" in status["b@example.org"][1]


def test_an_unreachable_server_is_tried_once_per_job_not_once_per_message(make_app, monkeypatch):
    import smtplib

    import pytest

    attempts = []

    class Counting(smtplib.SMTP):
        def __init__(self, *args, **kwargs):
            attempts.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(services.smtplib, "SMTP", Counting)
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False)
    with app.app_context():
        messages = [services.queue_email(f"p{n}@example.org", "Hola", "Texto", deliver_now=False) for n in range(4)]
        db.session.commit()
        ids = [m.id for m in messages]
        with pytest.raises(services.DeliveryFailed, match="4 of 4 messages were not delivered"):
            services.deliver_many(ids)
        db.session.rollback()
        messages = db.session.scalars(sa.select(services.OutboxMessage).order_by(services.OutboxMessage.id)).all()
    assert len(attempts) == 1
    assert {m.status for m in messages} == {MailStatus.QUEUED}
    # each message not sent says why, not only the one tried: the pages show them all as waiting for a retry
    assert all("ConnectionRefusedError" in m.error for m in messages)


def test_mail_queued_for_someone_deactivated_since_is_not_sent(app, make_user, client, login_as):
    from app.jobs.services import enqueue

    user = make_user(email="ida@example.org")
    message = services.queue_email(user.email, "Hola", "https://itinera.test/one-time-link", user=user,
                                   deliver_now=False)
    db.session.flush()
    enqueue(services.deliver, message.id)
    user.is_active = False  # deactivated in the same moment, before the job ran
    db.session.commit()
    db.session.refresh(message)
    assert message.status is MailStatus.CANCELLED and message.body is None and message.sent_at is None

    login_as("admin", country=None, locale="en")
    html = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "Not sent" in html and "before it went out, the account was deactivated" in html
    assert "a mail server has accepted it" not in html


def test_mail_written_to_the_log_can_be_read_there(app, make_user, caplog):
    """Without a mail server the e-mail is in the log at the app's default level (INFO), not silently dropped
    by a logger left at WARNING."""
    services.queue_email("ana@example.org", "Invitación", "Abra este enlace", locale="es")
    db.session.commit()
    assert "e-mail to ana@example.org: Invitación" in caplog.text and "Abra este enlace" in caplog.text


def test_a_coordinator_added_to_a_cohort_can_turn_off_those_emails(client, login_as, make_cohort, outbox):
    """Anyone of the country can be a member of its cohorts, so anyone can choose not to get these e-mails."""
    from app.cohorts.services import add_members

    coordinator = login_as("coordinator", country="CL", locale="en")
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "When I am added to a cohort" in page
    client.post("/notifications/preferences", data={"email_kinds": ["invitation_accepted", "import_completed"]})
    add_members(coordinator, make_cohort(country="CL", name="Piloto"), [coordinator])
    db.session.commit()
    assert outbox() == [] and services.unread_count(coordinator) == 1


def test_the_outbox_marks_each_subject_with_its_language(client, login_as, make_user, outbox):
    """A screen reader reads a Spanish subject as Spanish on an admin's English page."""
    services.notify(make_user(locale="es"), "added_to_cohort", cohort="Piloto")
    db.session.commit()
    [message] = outbox()
    login_as("admin", country=None, locale="en")
    assert f'lang="es">{message.subject}</a>' in client.get("/admin/outbox").get_data(as_text=True)
    assert f'<h1 lang="es">{message.subject}</h1>' in client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)


def test_the_outbox_finds_the_messages_sent_to_an_address(client, login_as, make_user, outbox):
    """After an import of 1,200 people the outbox ran to dozens of pages, and the one e-mail a person says they
    never got could only be found by paging through them."""
    for name in ("ana", "beto", "carla"):
        services.notify(make_user(email=f"{name}@example.org"), "added_to_cohort", cohort="Piloto")
    db.session.commit()
    login_as("admin", country=None, locale="en")
    page = client.get("/admin/outbox?q=Beto@Example").get_data(as_text=True)
    found = re.findall(r'<td data-label="To" class="break">([^<]*)</td>', page)
    assert found == ["beto@example.org"] and 'value="Beto@Example"' in page
    assert len(re.findall(r'data-label="To"', client.get("/admin/outbox").get_data(as_text=True))) == 3
    assert "No e-mails match your search." in client.get("/admin/outbox?q=nobody").get_data(as_text=True)
    # the box is labelled as the column it searches is headed
    assert '<label class="label" for="q">To</label>' in page and '<th scope="col">To</th>' in page


def test_the_outbox_finds_an_address_typed_with_capital_accented_letters(client, login_as, make_user, outbox):
    """The search was lowered by Python and the addresses by the database's lower(), which SQLite does for A–Z only;
    and an address typed on a full-width keyboard found nobody. Addresses are kept as normalise_email writes them,
    and the search is now written the same way, with no lower() on either database."""
    for email in ("álvaro@ñandú.example", "alvaro@example.org"):
        services.notify(make_user(email=email), "added_to_cohort", cohort="Piloto")
    db.session.commit()
    login_as("admin", country=None, locale="en")
    for typed in ("ÁLVARO@Ñ", "Álvaro@ÑANDÚ.example", "ＡＬＶＡＲＯ@ＥＸＡＭＰＬＥ"):
        page = client.get("/admin/outbox", query_string={"q": typed}).get_data(as_text=True)
        found = re.findall(r'<td data-label="To" class="break">([^<]*)</td>', page)
        assert found == (["alvaro@example.org"] if typed.startswith("Ａ") else ["álvaro@ñandú.example"]), typed


def test_preferences_saved_twice_at_once_are_saved(login_as, post_at_once):
    """A double click on Save before any preference was stored: both requests add the rows; neither fails."""
    user = login_as("coordinator", country="CL")
    responses = post_at_once(user, "/notifications/preferences", {"email_kinds": ["invitation_accepted"]},
                             meet=(services, "_saved_preferences"))
    assert [getattr(r, "status_code", r) for r in responses] == [302, 302], responses
    assert services.wants_email(user, "invitation_accepted") is True
    assert services.wants_email(user, "import_completed") is False


def test_a_message_names_its_language_in_that_language(client, login_as, make_user, outbox):
    """"Português (Brasil)" on an English page is Portuguese: marked, as the language switcher marks it."""
    services.notify(make_user(locale="pt_BR"), "added_to_cohort", cohort="Piloto")
    db.session.commit()
    [message] = outbox()
    login_as("admin", country=None, locale="en")
    assert '<span lang="pt-BR">Português (Brasil)</span>' in client.get(f"/admin/outbox/{message.id}").get_data(
        as_text=True)


def test_a_deactivated_account_gets_notifications_in_the_app_but_no_email(app, make_user, outbox):
    gone = make_user(is_active=False)
    services.notify(gone, "added_to_cohort", cohort="Piloto")
    services.notify_many([gone, make_user(email="here@example.org")], "added_to_cohort", cohort="Piloto")
    db.session.commit()
    assert services.unread_count(gone) == 2
    assert [m.to_address for m in outbox()] == ["here@example.org"]


def test_two_people_notified_at_once_both_get_their_email(app, make_user, outbox):
    """notify_many leaves the delivery of a batch to its own jobs: with two people, as with two hundred."""
    services.notify_many([make_user(email="ana@example.org"), make_user(email="bea@example.org")],
                         "added_to_cohort", cohort="Piloto")
    db.session.commit()
    assert [(m.to_address, m.status) for m in outbox()] == [("ana@example.org", MailStatus.LOGGED),
                                                            ("bea@example.org", MailStatus.LOGGED)]


def test_emails_sent_together_go_in_jobs_of_200(app, outbox):
    """README: e-mails sent together (invitations of an import, a cohort's new members) go in jobs of 200."""
    from app.jobs.models import Job

    messages = [services.queue_email(f"p{n}@example.org", "Hola", "Texto", deliver_now=False) for n in range(401)]
    services.enqueue_deliveries(messages)
    db.session.commit()
    jobs = db.session.scalars(sa.select(Job).where(Job.func.endswith(":deliver_many")).order_by(Job.id)).all()
    assert [len(job.args[0]) for job in jobs] == [200, 200, 1]
    assert sorted(i for job in jobs for i in job.args[0]) == [m.id for m in messages]
    assert {m.status for m in outbox()} == {MailStatus.LOGGED}


def test_the_retries_of_a_delivery_job_send_only_what_is_left(make_app, smtp_server):
    """README: a recipient the server refuses does not hold back the others, and the job's retries send only what
    is left. Run by the job machinery, which rolls back a failed attempt: what was delivered stays delivered and
    is not sent twice; after the last attempt the refused message is marked failed, the delivered ones are not."""
    from app.jobs.models import Job, JobStatus

    smtp_server.reply = lambda envelope: "550 no such mailbox" if envelope.rcpt_tos == ["gone@example.org"] else None
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False)
    with app.app_context():
        messages = [services.queue_email(address, "Hola", "Texto", deliver_now=False)
                    for address in ("zoe@example.org", "gone@example.org", "bea@example.org")]
        services.enqueue_deliveries(messages)
        db.session.commit()  # the job runs now, and (no interval in the tests) retries at once
        job = db.session.scalar(sa.select(Job).where(Job.func.endswith(":deliver_many")))
        assert (job.status, job.attempts) == (JobStatus.FAILED, app.config["JOB_MAX_ATTEMPTS"])
        status = {m.to_address: m.status for m in db.session.scalars(sa.select(services.OutboxMessage))}
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["bea@example.org", "zoe@example.org"]
    assert status == {"zoe@example.org": MailStatus.SENT, "bea@example.org": MailStatus.SENT,
                      "gone@example.org": MailStatus.FAILED}


def test_a_server_that_drops_every_connection_delivers_nothing(make_app, smtp_server, monkeypatch):
    """A new connection is opened once after a drop; when that one drops too, the message is not delivered."""
    import smtplib

    import pytest

    def drop(*_args, **_kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(smtplib.SMTP, "send_message", drop)
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False)
    with app.app_context():
        message = services.queue_email("ana@example.org", "Hola", "Texto", deliver_now=False)
        db.session.commit()
        with pytest.raises(services.DeliveryFailed, match="1 of 1 messages were not delivered"):
            services.deliver_many([message.id])
        db.session.commit()
        message = db.session.get(services.OutboxMessage, message.id)
        assert message.status is MailStatus.QUEUED and message.sent_at is None
        assert "SMTPServerDisconnected" in message.error and message.body == "Texto"


def test_a_preference_for_a_kind_that_does_not_exist_is_not_saved(app, make_user):
    from app.notifications.models import NotificationPreference

    user = make_user()
    services.set_email_preferences(user, {"no_such_kind": True, "added_to_cohort": False})
    assert [(p.kind, p.email) for p in db.session.scalars(sa.select(NotificationPreference))] == [
        ("added_to_cohort", False)]


def test_mail_not_yet_gone_to_an_address_changed_since_or_an_invitation_withdrawn_is_not_sent(make_app, make_user):
    """A mail server down: the invitation to a mistyped address waits for its retry. Once the address is
    corrected, it must not go out to the wrong one (a stranger would read the person's name and their inviter's),
    nor, once an invitation is withdrawn, bring its removed account a dead link; an admin's retry of the
    delivery after the outage sends neither."""
    from app.auth import tokens
    from app.jobs.models import Job
    from app.jobs.services import retry

    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False, JOB_MAX_ATTEMPTS=1)
    with app.app_context():
        admin = make_user(roles=("admin",), country=None)
        fields = dict(full_name="Ana Pérez", roles={"trainee"}, country_code="CL", position="manager")
        ana = tokens.invite(admin, email="ana@gmial.example", **fields)
        luz = tokens.invite(admin, email="luz@example.org", **fields)
        db.session.commit()
        tokens.update_account(admin, ana, email="ana@gmail.example")
        db.session.commit()
        tokens.withdraw_invitation(admin, luz)
        db.session.commit()
        app.config["MAIL_SERVER"] = None  # the outage is over (here: mail goes to the log)
        for job in db.session.scalars(sa.select(Job).where(Job.func.endswith(":deliver"))).all():
            retry(admin, job)
        db.session.commit()
        db.session.expire_all()
        sent = {(m.to_address, m.status) for m in db.session.scalars(sa.select(services.OutboxMessage))}
    assert sent == {("ana@gmial.example", MailStatus.CANCELLED), ("luz@example.org", MailStatus.CANCELLED),
                    ("ana@gmail.example", MailStatus.LOGGED)}


def test_one_time_links_are_hidden_on_the_outbox_page(client, login_as, make_user, outbox):
    """An administrator reading another's reset e-mail in the outbox must not be able to use its link."""
    from app.auth.tokens import send_password_reset

    other = make_user(roles=("admin",), country=None, locale="en", email="bea@example.org")
    login_as("admin", country=None, locale="en")
    send_password_reset(other.email)
    db.session.commit()
    [message] = outbox()
    assert "/auth/password/reset/" in message.body  # tests, like development, keep it (see the next test)
    html = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert "/auth/password/reset/" not in html and "[one-time link hidden]" in html


def test_without_a_mail_server_outside_development_the_links_are_kept_nowhere(make_app, make_user, caplog):
    app = make_app(MAIL_LOG_LINKS=False)
    with app.app_context(), app.test_request_context():
        from app.auth.tokens import send_invitation

        user = make_user(locale="en", email="rosa@example.org")
        user.password_hash = None
        send_invitation(None, user)
        db.session.commit()
        message = db.session.scalar(sa.select(services.OutboxMessage))
        assert message.status is MailStatus.LOGGED
        assert "/auth/invitation/" not in message.body and "[one-time link hidden]" in message.body
        assert "choose your password" in message.body
        assert "e-mail to rosa@example.org" in caplog.text and "/auth/invitation/" not in caplog.text


def test_an_address_at_an_internationalised_domain_is_delivered(make_app, smtp_server, make_user):
    """The server need not speak SMTPUTF8: the domain goes as IDNA (punycode), which every server reads."""
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False)
    with app.app_context():
        user = make_user(locale="en", email="ana@bücher.example")
        services.notify(user, "added_to_cohort", cohort="Turma 1")
        db.session.commit()
        message = db.session.scalar(sa.select(services.OutboxMessage))
        assert message.status is MailStatus.SENT, message.error
        assert message.to_address == "ana@bücher.example"  # kept as the person wrote it
        [envelope] = smtp_server.messages
        assert envelope.rcpt_tos == ["ana@xn--bcher-kva.example"]
        assert "To: ana@xn--bcher-kva.example" in envelope.content.decode()


def test_a_prefetched_notification_is_not_marked_read(client, login_as, make_user):
    """A browser fetching the notification's link ahead (Sec-Purpose: prefetch) marked it read unseen."""
    user = login_as("trainee", locale="es")
    note = services.notify(user, "added_to_cohort", send_email=False, cohort="Cohorte piloto")
    foreign = services.notify(make_user(), "added_to_cohort", send_email=False, cohort="X")
    db.session.commit()
    assert client.get(f"/notifications/{foreign.id}", headers={"Sec-Purpose": "prefetch"}).status_code == 403
    assert client.get(f"/notifications/{note.id}", headers={"Sec-Purpose": "prefetch"}).location == "/"
    assert services.unread_count(user) == 1
    assert client.head(f"/notifications/{note.id}").location == "/"  # a link checker reads nothing either
    assert services.unread_count(user) == 1
    client.get(f"/notifications/{note.id}")
    assert services.unread_count(user) == 0


def test_mark_all_as_read_leaves_unread_what_came_after_the_page_was_shown(client, login_as):
    """A notification that arrives while the list is open (a level validated a minute later) was marked read by
    "Mark all as read" without ever being shown: the button marks what the page showed, up to its newest."""
    user = login_as("trainee", locale="en")
    services.notify(user, "added_to_cohort", send_email=False, cohort="Pilot")
    db.session.commit()
    page = client.get("/notifications/").get_data(as_text=True)
    form = page[page.index('action="/notifications/read-all"'):]
    up_to = re.search(r'name="up_to" (?:type="hidden" )?value="(\d+)"', form).group(1)
    services.notify(user, "added_to_cohort", send_email=False, cohort="Second cohort")
    db.session.commit()
    assert client.post("/notifications/read-all", data={"up_to": up_to}).status_code == 302
    assert services.unread_count(user) == 1
    page = client.get("/notifications/").get_data(as_text=True)
    assert "The notifications shown are marked as read. 1 has arrived since and is still new." in page
    unread = page[page.index("notification--unread"):]
    assert "Second cohort" in unread[:unread.index("</li>")]


def test_mark_all_as_read_without_the_newest_shown_marks_everything(client, login_as):
    """A form from before the page said how far it went (a page kept open across an update) still works."""
    user = login_as("trainee", locale="en")
    services.notify(user, "added_to_cohort", send_email=False, cohort="Pilot")
    db.session.commit()
    for up_to in ("", "abc", "99999999999999999999"):
        services.notify(user, "added_to_cohort", send_email=False, cohort="Again")
        db.session.commit()
        assert client.post("/notifications/read-all", data={"up_to": up_to}).status_code == 302
        assert services.unread_count(user) == 0


def test_notifying_many_people_inserts_their_rows_in_a_few_statements(app, make_user, outbox):
    """notify_many (a cohort's new members, an import) writes its notifications and e-mails in batches, on SQLite
    as on PostgreSQL: as many INSERT statements for 30 people as for 3, each person's row matched to its id."""
    from tests.queries import statements_during

    def inserts(count, prefix):
        people = [make_user(email=f"{prefix}{n}@example.org") for n in range(count)]
        db.session.commit()
        notified, statements = statements_during(
            lambda: (services.notify_many(people, "added_to_cohort", cohort="Piloto"), db.session.flush())[0])
        assert [n.user_id for n in notified] == [p.id for p in people]
        mine = db.session.scalars(sa.select(Notification.id).where(Notification.user_id.in_([p.id for p in people]))
                                  .order_by(Notification.id)).all()
        assert sorted(n.id for n in notified) == mine
        db.session.commit()
        return sum(s.lstrip().upper().startswith("INSERT") for s in statements)

    assert inserts(3, "few") == inserts(30, "many")
    assert {(m.to_address, m.user_id) for m in outbox() if m.to_address.startswith("many")} == {
        (f"many{n}@example.org", db.session.scalar(sa.select(User.id).where(User.email == f"many{n}@example.org")))
        for n in range(30)}
