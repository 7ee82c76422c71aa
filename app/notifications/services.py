"""notify(user, kind, **data), e-mail through the outbox, and the in-app list."""
import re
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, make_msgid, parseaddr

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from app.auth.models import normalise_email
from app.auth.permissions import check
from app.db import SWEEP_LIMIT, delete_some, sweep_due, utcnow
from app.extensions import db
from app.jobs.services import enqueue, task
from app.notifications.kinds import KINDS
from app.notifications.models import MailStatus, Notification, NotificationPreference, OutboxMessage
from app.text import contains_text
from app.urls import absolute_url


def user_locale(user) -> str:
    """The language of the person's e-mails: their choice, else their country's (as for invitations). A saved
    value written otherwise ('pt-BR', 'es_CL') is read as the pages read it; one no catalog speaks ('fr', from
    older data) counts as no choice, rather than an English e-mail labelled French or an error."""
    from app import parse_locale
    from app.auth.tokens import default_locale_for  # auth.tokens sends its e-mails through this module

    return parse_locale(user.locale, loose=True) or default_locale_for(getattr(user, "country_code", None))


def wants_email(user, kind: str) -> bool:
    preference = db.session.get(NotificationPreference, (user.id, kind))
    return preference.email if preference is not None else KINDS[kind].email_by_default


def kinds_emailed(user, kinds) -> set[str]:
    """Which of these kinds of notification ``user`` also wants by e-mail, in one query."""
    saved = _saved_preferences(user)
    return {kind.name for kind in kinds
            if (saved[kind.name].email if kind.name in saved else kind.email_by_default)}


def _saved_preferences(user) -> dict[str, NotificationPreference]:
    return {preference.kind: preference for preference in db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))}


def set_email_preferences(user, wanted: dict[str, bool]) -> None:
    """Save which kinds of notification ``user`` also wants by e-mail."""
    saved = _saved_preferences(user)
    for kind, email in wanted.items():
        if kind not in KINDS:
            continue
        if kind in saved:
            saved[kind].email = email
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, email=email))
    db.session.flush()


class Reader:
    """Writes the texts and links of notifications shown together (a page of the list, the e-mails of one
    notification, a personal data file): what a kind reads for them (Kind.reads) is read once for all of them."""

    def __init__(self):
        self._read: dict[str, object] = {}

    def _arguments(self, notification: Notification) -> tuple:
        kind = KINDS[notification.kind]
        if kind.reads is None:
            return (notification.data,)
        if kind.name not in self._read:
            self._read[kind.name] = kind.reads()
        return notification.data, self._read[kind.name]

    def text(self, notification: Notification) -> str:
        text = KINDS[notification.kind].text
        return text(*self._arguments(notification)) if callable(text) else str(text) % notification.data

    def link(self, notification: Notification, external: bool = False) -> str | None:
        from flask import url_for

        target = KINDS[notification.kind].link(*self._arguments(notification))
        if target is None:
            return None
        endpoint, values = target
        return absolute_url(endpoint, **values) if external else url_for(endpoint, **values)


def text_of(notification: Notification) -> str:
    return Reader().text(notification)


def link_of(notification: Notification, external: bool = False) -> str | None:
    return Reader().link(notification, external)


def notify(user, kind: str, *, send_email: bool = True, **data) -> Notification:
    """Store an in-app notification and, unless the user said no, queue an e-mail in their language."""
    return notify_many([user], kind, send_email=send_email, **data)[0]


def notify_many(users: list, kind: str, *, send_email: bool = True, **data) -> list[Notification]:
    """notify() for many people at once (everyone added to a cohort): a few queries and a few delivery jobs
    whatever their number, instead of a handful of each per person."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not users:
        return []
    notifications = [Notification(user_id=user.id, kind=kind, data=data) for user in users]
    db.session.add_all(notifications)
    db.session.flush()
    chosen = dict(db.session.execute(sa.select(NotificationPreference.user_id, NotificationPreference.email).where(
        NotificationPreference.kind == kind, NotificationPreference.user_id.in_([user.id for user in users]))).all())
    template = current_app.jinja_env.get_template("notifications/email/notification.txt")
    preferences = absolute_url("notifications.preferences")
    reader = Reader()
    messages = []
    for user, notification in zip(users, notifications):
        if not (send_email and user.is_active and user.email and chosen.get(user.id, KINDS[kind].email_by_default)):
            continue
        locale = user_locale(user)
        with force_locale(locale):
            subject = reader.text(notification)
            body = template.render(user=user, text=subject, link=reader.link(notification, external=True),
                                   preferences=preferences)
        messages.append(queue_email(user.email, subject, body, user=user, locale=locale,
                                    deliver_now=len(users) == 1))  # one: a job of its own, as any e-mail
    if len(users) > 1 and messages:
        enqueue_deliveries(messages)
    return notifications


def queue_email(to_address: str, subject: str, body: str, *, user=None, locale: str = "en",
                deliver_now: bool = True) -> OutboxMessage:
    """Record an e-mail in the outbox and deliver it in the background.

    ``deliver_now=False`` leaves the delivery to the caller, who sends many at once with deliver_many."""
    message = OutboxMessage(to_address=to_address, subject=subject[:300], body=body, locale=locale,
                            user_id=user.id if user is not None else None)
    db.session.add(message)
    if deliver_now:
        if sweep_due("outbox"):
            purge_outbox()
        db.session.flush()
        enqueue(deliver, message.id)
    return message


# an invitation or password-reset link (app.auth.tokens): whoever reads it can choose the account's password
ONE_TIME_LINK = re.compile(r"https?://\S+?/auth/(?:invitation|password/reset)/([\w-]+)")


def hide_links(body: str | None, locale: str = "en") -> str | None:
    """``body`` with its one-time links replaced by a note, for what others than the recipient may read."""
    if not body:
        return body
    with force_locale(locale):
        return ONE_TIME_LINK.sub(gettext("[one-time link hidden]"), body)


def enqueue_deliveries(messages: list[OutboxMessage], chunk: int = 200) -> None:
    """Deliver many queued messages through a few jobs (a retry resends only what is still undelivered)."""
    if sweep_due("outbox"):
        purge_outbox()
    db.session.flush()
    ids = [m.id for m in messages]
    for start in range(0, len(ids), chunk):
        enqueue(deliver_many, ids[start:start + chunk])


def smtp_address(address: str) -> str:
    """``address`` as any mail server reads it: an internationalised domain (bücher.example) in IDNA
    (xn--bcher-kva.example), so that a server without SMTPUTF8 does not refuse it. One IDNA cannot write is left
    as it is (the server's refusal is then kept on the message)."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def _email_message(message: OutboxMessage) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    sender_name, sender_address = parseaddr(config["MAIL_FROM"])
    email["From"] = formataddr((sender_name, sender_address))
    email["To"] = smtp_address(message.to_address)
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = make_msgid(domain=sender_address.partition("@")[2] or None)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body or "")
    email["Content-Language"] = message.locale.replace("_", "-")  # after set_content, which drops Content-*
    return email


@task(_l("Send an e-mail"))
def deliver(message_id: int) -> None:
    """Background job: hand one outbox message to SMTP, or to the log when no server is configured."""
    message = db.session.get(OutboxMessage, message_id)
    if message is not None:
        with _Mailer([message]) as mailer:
            mailer.deliver(message)


@task(_l("Send e-mails"))
def deliver_many(message_ids: list[int]) -> None:
    """Background job: deliver several messages over one connection, recording each delivery as it happens.

    One that fails (a recipient the server refuses) does not hold back the others: they are sent, and the job
    then fails, so that its retries send only what is still undelivered. When the server cannot be reached the
    job stops at once rather than waiting out the timeout for every message."""
    messages = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(message_ids))
                                  .order_by(OutboxMessage.id)).all()
    failed = []
    with _Mailer(messages) as mailer:
        for n, message in enumerate(messages):
            try:
                mailer.deliver(message)
            except _Unreachable as error:  # the rest would fail the same way: leave them to the retries
                failed.append(error.__cause__)
                mailer.not_tried(messages[n + 1:], message.error)
                break
            except (OSError, smtplib.SMTPException) as error:  # its reason is kept on the message
                failed.append(error)
                continue
            if mailer.config.get("MAIL_SERVER"):  # a retry after a failure must not send the earlier ones twice
                db.session.commit()
    if failed:
        undelivered = sum(m.status in (MailStatus.QUEUED, MailStatus.FAILED) for m in messages)
        raise DeliveryFailed(f"{undelivered} of {len(messages)} messages were not delivered; the first error: "
                             f"{type(failed[0]).__name__}: {failed[0]}") from failed[0]


class _Unreachable(Exception):
    """The mail server could not be reached or dropped the connection and refused a new one."""


class _Mailer:
    """Delivers outbox messages: to the log without a mail server, else over one SMTP connection, opened at the
    first message and opened again once if the server drops it."""

    def __init__(self, messages: list[OutboxMessage]):
        from app.auth.models import User
        from app.auth.tokens import open_links

        self.config = current_app.config
        self.smtp = None
        people = {m.user_id for m in messages if m.user_id is not None}
        # deactivated after their message was queued: it must not reach them (its links would not work)
        self.deactivated = set(db.session.scalars(sa.select(User.id).where(
            User.id.in_(people), User.is_active.is_(False)))) if people else set()
        # a link replaced (the invitation sent again), used or expired while the server was down: not sent dead
        links = {m.id: ONE_TIME_LINK.findall(m.body or "") for m in messages}
        still_open = open_links({raw for raws in links.values() for raw in raws})
        self.dead_links = {id_ for id_, raws in links.items() if any(raw not in still_open for raw in raws)}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._close()

    def _close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def _connect(self):
        config = self.config
        smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
        # a short timeout: without Redis the delivery runs in the web request that queued it
        smtp = smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
        try:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except BaseException:
            smtp.close()
            raise
        self.smtp = smtp

    def deliver(self, message: OutboxMessage) -> None:
        if message.status not in (MailStatus.QUEUED, MailStatus.FAILED):
            return
        if message.user_id in self.deactivated or message.id in self.dead_links:
            message.status, message.body, message.error = MailStatus.CANCELLED, None, None
            return
        if not self.config.get("MAIL_SERVER"):
            if not self.config.get("MAIL_LOG_LINKS"):  # outside development, no one-time link outlives its e-mail
                message.body = hide_links(message.body, message.locale)
            current_app.logger.info("e-mail to %s: %s\n%s", message.to_address, message.subject, message.body)
            message.status, message.sent_at, message.error = MailStatus.LOGGED, utcnow(), None
            return
        try:
            self._send(message)
        except (OSError, smtplib.SMTPException, _Unreachable) as error:
            reason = error.__cause__ if isinstance(error, _Unreachable) else error
            message.error = f"{type(reason).__name__}: {reason}"[:1000]
            db.session.commit()  # keep the reason even though the job will retry
            raise
        # delivered: the body (which may hold a one-time link) is no longer needed here
        message.status, message.sent_at, message.body, message.error = MailStatus.SENT, utcnow(), None, None

    def not_tried(self, messages: list[OutboxMessage], error: str | None) -> None:
        """Those of ``messages`` still to send keep ``error``, the reason the server could not be reached, as the
        one tried does: the pages say each is waiting for a retry, not that it went. Commits, as deliver does."""
        for message in messages:
            if message.status in (MailStatus.QUEUED, MailStatus.FAILED) and message.user_id not in self.deactivated \
                    and message.id not in self.dead_links:
                message.error = error
        db.session.commit()

    def _send(self, message: OutboxMessage) -> None:
        email = _email_message(message)
        for attempt in (1, 2):
            if self.smtp is None:
                try:
                    self._connect()
                except (OSError, smtplib.SMTPException) as error:
                    raise _Unreachable(f"{type(error).__name__}: {error}") from error
            try:
                # to the stored address alone, never to what the To header might be read as
                self.smtp.send_message(email, to_addrs=[smtp_address(message.to_address)])
                return
            except smtplib.SMTPServerDisconnected:
                self._close()  # a server that closes long sessions: open a new one, once
                if attempt == 2:
                    raise


def cancel_undelivered(user, to_address: str | None = None) -> None:
    """The messages to ``user`` (to ``to_address`` only, when given) that no mail server has accepted yet are not
    sent: the address was found to be wrong and changed, or the account was removed. Flushes."""
    query = sa.update(OutboxMessage).where(OutboxMessage.user_id == user.id,
                                           OutboxMessage.status.in_([MailStatus.QUEUED, MailStatus.FAILED]))
    if to_address is not None:
        query = query.where(OutboxMessage.to_address == to_address)
    db.session.execute(query.values(status=MailStatus.CANCELLED, body=None, error=None)
                       .execution_options(synchronize_session="fetch"))


def delivery_problem(user, since) -> str | None:
    """Whether the first e-mail to ``user``'s address since ``since`` (the invitation sent then) has failed to reach
    the mail server: "retrying" after a failed attempt, "failed" after the last one; None when it went or is new."""
    return delivery_problems([(user, since)]).get(user.id)


def delivery_problems(people) -> dict[int, str]:
    """delivery_problem() of each (user, since) of a page's people, in one query: {user id: problem}."""
    since = {user.id: (user.email, moment) for user, moment in people}
    if not since:
        return {}
    first: dict[int, OutboxMessage] = {}
    for message in db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.user_id.in_(since), OutboxMessage.created_at >= min(m for _e, m in since.values()))
            .order_by(OutboxMessage.id)):
        email, moment = since[message.user_id]
        if message.to_address == email and message.created_at >= moment:
            first.setdefault(message.user_id, message)
    return {user_id: "failed" if message.status is MailStatus.FAILED else "retrying"
            for user_id, message in first.items()
            if message.status is MailStatus.FAILED or (message.status is MailStatus.QUEUED and message.error)}


def purge_outbox(limit: int | None = SWEEP_LIMIT) -> int:
    """Forget the e-mails a mail server took (or the log, without one) more than OUTBOX_DAYS ago, those cancelled
    that long ago, and those that failed more than JOB_FAILED_DAYS ago (as the job that could send them again).
    A message still queued always stays. At most ``limit`` (None: all); returns how many went; flushes."""
    config, now = current_app.config, utcnow()
    kept = now - timedelta(days=config["OUTBOX_DAYS"])
    # created_at too for those sent (a message is sent after it is made): each branch is then one range of the
    # (status, created_at) index, and a sweep reads the messages it deletes, not all those kept
    return delete_some(OutboxMessage, sa.or_(
        sa.and_(OutboxMessage.status.in_([MailStatus.SENT, MailStatus.LOGGED]), OutboxMessage.created_at < kept,
                OutboxMessage.sent_at < kept),
        sa.and_(OutboxMessage.status == MailStatus.CANCELLED, OutboxMessage.created_at < kept),
        sa.and_(OutboxMessage.status == MailStatus.FAILED,
                OutboxMessage.created_at < now - timedelta(days=config["JOB_FAILED_DAYS"]))), limit=limit)


class DeliveryFailed(Exception):
    """Some messages of a delivery job were not delivered (each keeps its reason)."""


def mark_failed_mail(job) -> None:
    """When a delivery job gave up, the outbox shows its undelivered messages as failed."""
    if job.func.endswith(":deliver") and job.args:
        ids = [job.args[0]]
    elif job.func.endswith(":deliver_many") and job.args:
        ids = job.args[0]
    else:
        return
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(ids),
                                                      OutboxMessage.status == MailStatus.QUEUED)
                       .values(status=MailStatus.FAILED))


def unread_count(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None)))


def notifications_of(user) -> sa.Select:
    return sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())


def open_notification(actor, notification: Notification, mark_read: bool = True) -> None:
    """``actor`` opens their own notification, which is read from now on (unless not ``mark_read``)."""
    check(notification.user_id == actor.id)
    if mark_read and notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()


def newest_notification_id(user) -> int | None:
    """The id of the person's newest notification (None: they have none), what "Mark all as read" goes up to."""
    return db.session.scalar(sa.select(sa.func.max(Notification.id)).where(Notification.user_id == user.id))


def mark_all_read(actor, up_to: int | None = None) -> int:
    """``actor``'s unread notifications are read; with ``up_to``, only those up to that id (the newest the page
    showed): one that came while the list was open has not been seen, and stays unread."""
    query = sa.update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
    if up_to is not None:
        query = query.where(Notification.id <= up_to)
    return db.session.execute(query.values(read_at=utcnow())).rowcount


def outbox(address: str = "") -> sa.Select:
    """The e-mails sent, newest first; with ``address``, those to an address containing it (case aside). Addresses
    are kept as normalise_email writes them, and so is the search: lowering the column would differ between
    databases (SQLite lowers only A–Z, and "ÁLVARO" found álvaro@… on PostgreSQL alone)."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if address.strip():
        query = query.where(contains_text(OutboxMessage.to_address, normalise_email(address),
                                          OutboxMessage.to_address.type.length))
    return query
