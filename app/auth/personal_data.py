"""Everything Itinera holds about one person, as one JSON file they download from their account page (the right of
access and to data portability: GDPR art. 15 and 20, LGPD art. 18). The structure is documented in DEVELOPERS.md
("The personal data file"); FORMAT names its version, raised when a key changes meaning or goes away.

Only what is about the person: someone else appears by name and role alone (who validated a level, who sent an
invitation), a cohort by its name (not its members), and nothing secret is written (password hash, the hashes of
sign-in keys and e-mailed links, LRS credentials). The file is written piece by piece as it is sent, each part read
in one query, the statements through a cursor: tens of thousands of them cost neither memory nor queries."""
import base64
import hashlib
from datetime import datetime, timezone
from typing import Iterator

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from app import jsonutil
from app.auth.models import AccountToken, SignIn, TokenPurpose, User
from app.db import among
from app.extensions import db

FORMAT = "itinera-personal-data/2"
STATEMENTS_PER_FETCH = 1000
DOCUMENTS_PER_FETCH = 20  # up to 10 MB each
# notifications whose text names someone else (the person who accepted an invitation): kind and dates only
NAMES_OTHERS = frozenset({"invitation_accepted"})


def when(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, to the second: 2026-12-06T23:21:31Z."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _someone(user: User | None) -> dict | None:
    """Another person as the file names them: by name and role, never by address."""
    return None if user is None else {"name": user.full_name, "roles": sorted(role.value for role in user.roles)}


def _place(place, **more) -> dict | None:
    return None if place is None else {"code": place.code, "name": place.name, **more}


def agent(user: User) -> dict:
    """The person as an xAPI Agent: how the statements Itinera records name them (CONTRACTS.md)."""
    from app.xapi import vocabulary as v

    return {"objectType": "Agent", "account": {"homePage": v.base(), "name": str(user.uuid)}}


def _account(user: User) -> dict:
    institution = user.institution
    return {
        "uuid": str(user.uuid), "full_name": user.full_name, "email": user.email,
        "roles": sorted(role.value for role in user.roles),
        "country": _place(user.country), "region": _place(user.region),
        "institution": None if institution is None else {"name": institution.name},
        "position": user.position.value if user.position else None,
        "locale": _language(user.locale), "timezone": user.timezone, "is_active": user.is_active,
        "created_at": when(user.created_at), "last_login_at": when(user.last_login_at),
    }


def _sign_ins(user: User) -> list[dict]:
    rows = db.session.scalars(sa.select(SignIn).where(SignIn.user_id == user.id).order_by(SignIn.id))
    return [{"browser": s.browser, "system": s.system, "kept_signed_in": s.remember, "created_at": when(s.created_at),
             "last_used_at": when(s.last_seen_at), "ended_at": when(s.ended_at)} for s in rows]


def _links(user: User) -> dict[TokenPurpose, list[dict]]:
    rows = db.session.scalars(sa.select(AccountToken).where(AccountToken.user_id == user.id)
                              .options(so.joinedload(AccountToken.created_by)).order_by(AccountToken.id))
    found = {purpose: [] for purpose in TokenPurpose}
    for link in rows:
        found[link.purpose].append({
            "created_at": when(link.created_at), "expires_at": when(link.expires_at), "used_at": when(link.used_at),
            "withdrawn_at": when(link.revoked_at),
            **({"invited_by": _someone(link.created_by)} if link.purpose is TokenPurpose.INVITATION else {})})
    return found


def _notification_preferences(user: User) -> tuple[dict, dict]:
    """Whether the person is e-mailed each kind of notification their roles get (their choice or the default), and
    the choices they saved for other kinds (of a role they no longer have: they count again with it)."""
    from app.notifications.kinds import KINDS
    from app.notifications.models import NotificationPreference
    from app.notifications.services import kinds_emailed

    kinds = [kind for kind in KINDS.values() if kind.roles & user.roles]
    emailed = kinds_emailed(user, kinds)
    others = db.session.execute(sa.select(NotificationPreference.kind, NotificationPreference.email).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind.not_in([kind.name for kind in kinds]))
        .order_by(NotificationPreference.kind))
    return {kind.name: {"email": kind.name in emailed} for kind in kinds}, {kind: {"email": email}
                                                                           for kind, email in others}


def _notifications(user: User) -> Iterator[dict]:
    from app.notifications.models import Notification
    from app.notifications.services import Reader

    text_of = Reader().text
    rows = db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id).execution_options(yield_per=STATEMENTS_PER_FETCH))
    for row in rows:
        yield {"kind": row.kind, "text": None if row.kind in NAMES_OTHERS else text_of(row),
               "created_at": when(row.created_at), "read_at": when(row.read_at)}


def _language(locale: str | None) -> str | None:
    """A Babel locale id as the BCP 47 tag the file gives (pt_BR -> pt-BR), as xAPI's language maps do."""
    return locale.replace("_", "-") if locale else None


def _emails(user: User) -> Iterator[dict]:
    """The e-mails Itinera sent the person (the outbox, app.notifications). The body is kept only until a mail
    server takes the message (``null`` after); a one-time link still in it is hidden. ``to`` is the address only
    when it is the account's address now: an earlier one may have been mistyped, someone else's. An e-mail that
    names the person of a notification in NAMES_OTHERS keeps, as that notification does, only its dates."""
    from app.notifications.models import Notification, OutboxMessage
    from app.notifications.services import hide_links

    others = {str(value) for data in db.session.scalars(sa.select(Notification.data).where(
        Notification.user_id == user.id, Notification.kind.in_(NAMES_OTHERS)))
        for value in (data or {}).values() if value}
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.user_id == user.id)
                              .order_by(OutboxMessage.id).execution_options(yield_per=STATEMENTS_PER_FETCH))
    for row in rows:
        names_others = any(value in row.subject or value in (row.body or "") for value in others)
        yield {"to": row.to_address if row.to_address == user.email else None,
               "subject": None if names_others else row.subject,
               "body": None if names_others else hide_links(row.body, row.locale), "language": _language(row.locale),
               "status": row.status.value, "queued_at": when(row.created_at), "sent_at": when(row.sent_at)}


def _imports(user: User) -> list[dict]:
    """The imports that created the account: when, by whom, and the row of the file that named the person (as
    written in it) while the import keeps its rows; the other rows are other people's."""
    from app.imports.models import ImportBatch, ImportedPerson
    from app.imports.services import person_row

    batches = db.session.scalars(sa.select(ImportBatch).join(ImportedPerson).where(ImportedPerson.user_id == user.id)
                                 .options(so.joinedload(ImportBatch.created_by)).order_by(ImportBatch.id))
    return [{"imported_at": when(batch.imported_at), "imported_by": _someone(batch.created_by), "file": batch.filename,
             "row": person_row(batch, user)} for batch in batches]


def _listed_in_imports(user: User, proven: bool) -> list[dict]:
    """The rows of the files a coordinator uploaded that gave the account's address and did not create the account
    (it was there already: the row's problem is ``taken``), while the import keeps its rows: each as written, with
    that line's problems. Only once the person has shown the address is theirs (has_proven_address), as for the
    statements naming it: a row giving an address that is not may be about someone else. The other rows of those
    files are other people's."""
    from app.imports.models import ImportedPerson
    from app.imports.services import rows_listing

    if not proven:
        return []
    made = sa.select(ImportedPerson.batch_id).where(ImportedPerson.user_id == user.id)  # in "imports"
    return [{"uploaded_at": when(batch.created_at), "uploaded_by": _someone(batch.created_by), "file": batch.filename,
             "imported_at": when(batch.imported_at), "row": row,
             "problems": [{key: problem.get(key) for key in ("field", "code", "params")} for problem in problems]}
            for batch, row, problems in rows_listing(user.email, made)]


def _kept_forms(user: User) -> list[dict]:
    """What the person typed into forms that could not be taken, kept a day to show them again (app.kept)."""
    from app.kept import KeptForm

    rows = db.session.scalars(sa.select(KeptForm).where(KeptForm.user_id == user.id).order_by(KeptForm.id))
    return [{"page": row.page, "form": row.form, "fields": jsonutil.loads(row.fields), "reason": row.reason,
             "created_at": when(row.created_at)} for row in rows]


def _cohorts(user: User) -> list[dict]:
    from app.cohorts.models import Cohort, CohortMember

    rows = db.session.execute(sa.select(Cohort, CohortMember.added_at).join(CohortMember)
                              .where(CohortMember.user_id == user.id).order_by(Cohort.name_key, Cohort.id))
    return [{"name": cohort.name, "country": cohort.country_code, "added_at": when(added_at)}
            for cohort, added_at in rows]


def _levels(levels: dict) -> list[dict]:
    """What current_levels() says of one framework, as the file gives it."""
    return [{"code": code, "level": level.level, "self_declared": level.self_declared,
             "evidence": [{"kind": e.kind, "level": e.level, "achieved_at": when(e.achieved_at),
                           "expires_at": when(e.expires_at), "source": e.source, "note": e.note,
                           "framework_version": e.version} for e in level.evidence]}
            for code, level in sorted(levels.items())]


def _competences(user: User) -> dict:
    """The person's levels in the configured framework (``levels``, as the file first gave them) and in every
    framework they have evidence, a validation or an estimate in (``by_framework``), read in one pass for all of
    them (levels_by_framework), and their validations and self-assessments."""
    from app.competences.models import SelfAssessment, ValidatedLevel
    from app.competences.services import levels_by_framework

    framework = current_app.config["COMPETENCE_FRAMEWORK"]
    by_framework = levels_by_framework(user)
    validations = list(db.session.scalars(
        sa.select(ValidatedLevel).where(ValidatedLevel.user_id == user.id).order_by(ValidatedLevel.id)
        .options(so.joinedload(ValidatedLevel.framework), so.joinedload(ValidatedLevel.validated_by))))
    assessments = list(db.session.scalars(
        sa.select(SelfAssessment).where(SelfAssessment.user_id == user.id).order_by(SelfAssessment.id)
        .options(so.joinedload(SelfAssessment.framework))))
    # a withdrawn validation, an earlier estimate: the framework is named though no level counts in it now
    slugs = sorted(set(by_framework) | {row.framework.slug for row in [*validations, *assessments]})
    return {
        "framework": framework or None,
        "levels": _levels(by_framework.get(framework, {}) if framework else {}),
        "by_framework": [{"framework": slug, "levels": _levels(by_framework.get(slug, {}))} for slug in slugs],
        "validations": [{"framework": row.framework.slug, "code": row.code, "level": row.level,
                         "validated_at": when(row.validated_at), "validated_by": _someone(row.validated_by),
                         "note": row.note, "withdrawn_at": when(row.withdrawn_at)} for row in validations],
        "self_assessments": [{"framework": row.framework.slug, "code": row.code, "level": row.level,
                              "assessed_at": when(row.assessed_at)} for row in assessments],
    }


def _courses(user: User) -> dict:
    from app.courses.models import Enrolment
    from app.xapi.models import Progress

    enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.user_id == user.id)
                                    .options(so.joinedload(Enrolment.course)).order_by(Enrolment.id))
    progress = db.session.scalars(sa.select(Progress).where(Progress.user_id == user.id).order_by(Progress.id))
    return {
        "enrolments": [{"course": e.course.slug, "registration": str(e.registration), "started_at": when(e.started_at),
                        "last_module": e.last_module, "last_used_at": when(e.last_seen_at)} for e in enrolments],
        "progress": [{"activity": p.activity_iri, "is_completed": p.is_completed, "success": p.success,
                      "best_scaled_score": p.best_scaled, "completed_at": when(p.completed_at),
                      "first_seen_at": when(p.first_seen_at), "last_seen_at": when(p.last_seen_at)}
                     for p in progress],
    }


def _documents(mine: set[str]) -> Iterator[dict]:
    """The State and Agent Profile documents the LRS keeps under the person's Agent (their account, or their
    e-mail address once shown to be theirs: ``mine``, from _agent_keys): JSON as JSON, other content in base64."""
    from app.xapi.models import Document

    rows = db.session.scalars(sa.select(Document).where(Document.agent_key.in_(mine)).order_by(Document.id)
                              .execution_options(yield_per=DOCUMENTS_PER_FETCH))
    for row in rows:
        item = {"kind": row.kind.value, "activity_id": row.activity_id, "document_id": row.document_id,
                "registration": str(row.registration) if row.registration else None,
                "content_type": row.content_type, "updated": when(row.updated)}
        try:
            if row.content_type.split(";")[0].strip().lower() != "application/json":
                raise ValueError("not JSON")
            item["content"] = jsonutil.loads(row.content)
        except ValueError:
            item["content_base64"] = base64.b64encode(row.content).decode()
        yield item


def _agent_keys(user: User, proven: bool) -> set[str]:
    """The keys of the Agents that are the person: their account, and their e-mail address (as mbox, in both key
    forms, and as mbox_sha1sum) once they have shown it is theirs by using a link sent to it; an address an
    administrator typed may be someone else's (app.xapi.services._proven)."""
    from app.xapi.services import agent_key

    keys = {agent_key(agent(user))}
    if proven:
        mbox = {"mbox": f"mailto:{user.email}"}
        sha1 = hashlib.sha1(mbox["mbox"].encode()).hexdigest()
        keys |= {agent_key(mbox), agent_key(mbox, as_written=True), agent_key({"mbox_sha1sum": sha1})}
    return keys


def _unnamer(user: User, mine: set[str]):
    """A function giving a statement with every Agent that is not the person reduced to its objectType and name: a
    statement about them can name others (a Group's members, an instructor), whose identifiers are not theirs to
    have. A Group keeps its own identifier. What names no one else comes back as it was (the same object)."""
    from app.xapi.services import agent_key

    account = agent(user)["account"]

    def person(actor):
        if not isinstance(actor, dict):
            return actor
        if actor.get("objectType") == "Group":
            members = actor.get("member")
            if not isinstance(members, list):
                return actor
            kept = [person(member) for member in members]
            return actor if all(a is b for a, b in zip(kept, members)) else {**actor, "member": kept}
        if actor.get("account") == account or agent_key(actor) in mine:  # (most are the account: no key made)
            return actor
        return {key: actor[key] for key in ("objectType", "name") if key in actor} or {"objectType": "Agent"}

    def part(value: dict) -> dict:
        changed = {}
        actor = value.get("actor")
        if (kept := person(actor)) is not actor:
            changed["actor"] = kept
        target = value.get("object")
        if isinstance(target, dict) and target.get("objectType") in ("Agent", "Group", "SubStatement"):
            kept = part(target) if target["objectType"] == "SubStatement" else person(target)
            if kept is not target:
                changed["object"] = kept
        context = value.get("context")
        if isinstance(context, dict) and ("instructor" in context or "team" in context):
            people = {key: person(context[key]) for key in ("instructor", "team") if key in context}
            if any(people[key] is not context[key] for key in people):
                changed["context"] = {**context, **people}
        return {**value, **changed} if changed else value

    return part


def _statements(user: User, mine: set[str]) -> Iterator[tuple]:
    """(id, statement, is_voided, attachments) of every statement naming the person, oldest stored first: as actor
    or object, a member of a Group that is, instructor, team, inside a SubStatement (what the LRS's
    ``related_agents`` finds for their Agent), and those given to their account (``user_id``). In one query, read
    through a cursor; a statement naming someone else beside them leaves that person unnamed (_unnamer), the rest
    is as stored (the authority, an LRS client or Itinera, included). ``attachments``: the hashes of the
    attachments whose content is the person's to have (_theirs)."""
    from app.xapi.models import Statement, StatementAgent

    unnamed = _unnamer(user, mine)
    seqs = sa.union(sa.select(Statement.seq).where(Statement.user_id == user.id),
                    sa.select(StatementAgent.statement_seq).where(StatementAgent.agent_key.in_(mine)))
    rows = db.session.execute(sa.select(Statement.id, Statement.data, Statement.is_voided, Statement.user_id)
                              .where(Statement.seq.in_(seqs)).order_by(Statement.seq)
                              .execution_options(yield_per=STATEMENTS_PER_FETCH))
    for statement_id, data, is_voided, user_id in rows:
        shown = unnamed(data)
        yield statement_id, shown, is_voided, _theirs(data, shown is data, user_id == user.id)


def _theirs(statement: dict, names_no_one_else: bool, is_theirs: bool) -> set[str]:
    """The hashes of the attachments (the statement's, a SubStatement's) whose content belongs in the file: all of
    a statement naming no one but the person; of one naming others too, only when its actor is the person (its
    ``user_id``), and never its signature: that holds the statement as signed, the others' identifiers in it. The
    attachments of someone else's statement naming the person beside others are that person's."""
    from app.xapi.attachments import SIGNATURE, attachments_of

    if not (names_no_one_else or is_theirs):
        return set()
    return {item["sha2"].lower() for item in attachments_of(statement)
            if isinstance(item, dict) and isinstance(item.get("sha2"), str)
            and (names_no_one_else or item.get("usageType") != SIGNATURE)}


def _attachments(hashes: set[str]) -> Iterator[dict]:
    """The content the LRS keeps of these attachments (by their SHA-2 hash, shared by every statement with the
    same content), in base64: the statements give each one's contentType, usageType and display."""
    from app.xapi.models import Attachment

    if not hashes:
        return
    rows = db.session.scalars(sa.select(Attachment).where(among(Attachment.sha2, hashes)).order_by(Attachment.sha2)
                              .execution_options(yield_per=DOCUMENTS_PER_FETCH))
    for row in rows:
        yield {"sha2": row.sha2, "content_type": row.content_type,
               "content_base64": base64.b64encode(row.content).decode()}


def _array(items) -> Iterator[str]:
    yield "["
    for index, item in enumerate(items):
        yield ("," if index else "") + jsonutil.dumps(item)
    yield "]"


def export(user: User) -> Iterator[str]:
    """The personal data file of ``user``, as pieces of JSON text to send one after the other (call inside a
    request: notification texts are in its language). Reads only; records nothing."""
    from app.xapi.services import has_proven_address

    links = _links(user)
    proven = has_proven_address(user)
    preferences, other_preferences = _notification_preferences(user)
    head = {
        "format": FORMAT, "exported_at": when(datetime.now(timezone.utc)), "site": current_app.config["BASE_URL"],
        "account": _account(user), "xapi_agent": agent(user), "sign_ins": _sign_ins(user),
        "invitations": links[TokenPurpose.INVITATION], "password_resets": links[TokenPurpose.PASSWORD_RESET],
        "cohorts": _cohorts(user), "notification_preferences": preferences,
        "competences": _competences(user), "courses": _courses(user), "imports": _imports(user),
        "listed_in_imports": _listed_in_imports(user, proven), "kept_forms": _kept_forms(user),
        "other_notification_preferences": other_preferences,
    }
    yield jsonutil.dumps(head)[:-1]  # the object stays open for the parts that follow
    yield ',"notifications":'
    yield from _array(_notifications(user))
    yield ',"emails":'
    yield from _array(_emails(user))
    yield ',"xapi_documents":'
    mine = _agent_keys(user, proven)
    yield from _array(_documents(mine))
    # the statements naming the person anywhere (see _statements), oldest first; the voided ones are named after them
    voided, attached = [], set()

    def statements():
        for statement_id, data, is_voided, attachments in _statements(user, mine):
            if is_voided:
                voided.append(str(statement_id))
            attached.update(attachments)
            yield data

    yield ',"xapi_statements":'
    yield from _array(statements())
    yield ',"voided_statement_ids":'
    yield from _array(voided)
    yield ',"xapi_attachments":'
    yield from _array(_attachments(attached))
    yield "}"
