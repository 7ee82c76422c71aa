"""GET /statements: the filters of xAPI 1.0.3 (Communication 2.1.3), paging with ``more``, and the three formats."""
import copy
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app import jsonutil
from app.extensions import db
from app.xapi.models import Statement, StatementActivity, StatementAgent
from app.xapi.services import activity_key, agent_key
from app.xapi.validation import (StatementError, is_iri, is_language_tag, is_uuid, parse_query_timestamp,
                                 validate_actor)

FILTERS = ("agent", "verb", "activity", "registration", "related_activities", "related_agents", "since",
           "until", "limit", "ascending")
FORMATS = ("exact", "ids", "canonical")


@dataclass
class Query:
    agent: str | None = None  # an agent key
    verb: str | None = None
    activity: str | None = None  # an activity key
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: str | None = None
    until: str | None = None
    limit: int = 0
    ascending: bool = False
    format: str = "exact"
    attachments: bool = False  # multipart, with the attachments' data (kept by the more links)
    after_seq: int | None = None  # paging cursor
    client_id: int | None = None  # only the statements this client sent (set from the client, never from a link)


def boolean(value: str, name: str) -> bool:
    """A Boolean parameter: true or false (Communication 2.1.3); 1, 0 or yes is none. Its case is let go: clients
    written in Python send a bool as True (TinCanPython's query_statements does), and nothing else could be meant."""
    if value.lower() == "true":
        return True
    if value.lower() == "false":
        return False
    raise StatementError(name, "must be true or false")


def parse(args) -> Query:
    """A Query from request parameters; raises StatementError for a bad one."""
    query = Query()
    if "agent" in args:
        try:
            agent = jsonutil.parse(args["agent"])
        except ValueError as error:
            raise StatementError("agent", f"must be a JSON Agent or identified Group ({error})") from error
        validate_actor(agent, "agent")
        query.agent = agent_key(agent)
        if query.agent is None:
            raise StatementError("agent", "an anonymous Group cannot be used as a filter")
    if "verb" in args:
        if not is_iri(args["verb"]):
            raise StatementError("verb", "must be an IRI")
        query.verb = args["verb"]
    if "activity" in args:
        if not is_iri(args["activity"]):
            raise StatementError("activity", "must be an IRI")
        query.activity = activity_key(args["activity"])
    if "registration" in args:
        if not is_uuid(args["registration"]):
            raise StatementError("registration", "must be a UUID")
        query.registration = str(uuid.UUID(args["registration"]))
    for name in ("since", "until"):
        if name in args:
            setattr(query, name, parse_query_timestamp(args[name], name).isoformat())
    for name in ("related_activities", "related_agents", "ascending"):
        if name in args:
            setattr(query, name, boolean(args[name], name))
    if "limit" in args:
        value = args["limit"]
        if value.startswith("-") and value[1:].isascii() and value[1:].isdigit():
            raise StatementError("limit", "must not be negative")
        # int() would also read other scripts' digits, a sign, spaces and underscores
        if not (value.isascii() and value.isdigit()):
            raise StatementError("limit", "must be a whole number, in the digits 0-9")
        digits = value.lstrip("0") or "0"  # zeros before it do not make a number larger
        query.limit = int(digits) if len(digits) <= 18 else 0  # beyond what the LRS gives at once: its maximum
    if "format" in args:
        if args["format"] not in FORMATS:
            raise StatementError("format", "must be exact, ids or canonical")
        query.format = args["format"]
    return query


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="xapi-more")


def more_token(query: Query) -> str:
    return _serializer().dumps(asdict(query))


def from_more_token(token: str) -> Query:
    try:
        return Query(**_serializer().loads(token))
    except (BadSignature, TypeError) as error:
        raise StatementError("more", "is not a link this LRS gave") from error


def _matching(query: Query, table, one_by_one: bool = False) -> list:
    """Conditions of the filters that are not about time or order, on ``table`` (Statement or an alias).

    ``one_by_one`` when the rows of ``table`` are few and found otherwise (the targets of references): each is
    then looked up in the agent and activity index (EXISTS), rather than listing every statement of the agent or
    activity first (IN), which is what a filter's own query wants."""

    def among(model, *conditions):
        if one_by_one:
            return sa.exists().where(model.statement_seq == table.seq, *conditions)
        return table.seq.in_(sa.select(model.statement_seq).where(*conditions))

    conditions = []
    if query.agent:
        agents = [StatementAgent.agent_key == query.agent]
        if not query.related_agents:
            conditions.append(among(StatementAgent, *agents, StatementAgent.is_direct.is_(True)))
        else:
            conditions.append(sa.or_(among(StatementAgent, *agents), *_authority_matches(query.agent, table)))
    if query.activity:
        activities = [StatementActivity.activity_key == query.activity]
        if not query.related_activities:
            activities.append(StatementActivity.is_direct.is_(True))
        conditions.append(among(StatementActivity, *activities))
    if query.verb:
        listed = (query.agent or query.activity) and not one_by_one
        conditions.append(_verb_of_listed(table) == query.verb if listed else table.verb_id == query.verb)
    if query.registration:
        conditions.append(table.registration == uuid.UUID(query.registration))
    return conditions


def _verb_of_listed(table):
    """The verb of ``table``'s statements when an agent's or activity's list of statements also filters them: on
    SQLite, read from the row rather than from the (verb, seq) index, so that SQLite reads the list newest first and
    keeps the statements with the verb until it has a page. Looking each statement of the list up in that index
    lost the order: every match was read and sorted before the page (for "completed", half the list: 140 ms of CPU
    for the 47,000 statements of a course). A verb that few of the list's statements have now costs a read of each
    of their rows (some 45 ms for those 47,000) where the index alone answered. PostgreSQL chooses by its
    statistics."""
    return table.verb_id.concat("") if db.engine.dialect.name == "sqlite" else table.verb_id


def _own(query: Query, table) -> list:
    """For a client that reads back only its own statements, the condition that ``table`` is one of them: another's
    statement matches no filter and leads nowhere, so that a reference to it tells nothing of it."""
    return [table.client_id == query.client_id] if query.client_id is not None else []


def _authority_matches(key: str, table) -> list:
    """Statements whose authority is the agent: the LRS sets the authority from the client that sent them."""
    from app.xapi import vocabulary as v
    from app.xapi.clients import authority_of
    from app.xapi.models import LrsClient

    matches = []
    if agent_key(v.authority()) == key:
        matches.append(table.client_id.is_(None))
    client_ids = [client.id for client in db.session.scalars(sa.select(LrsClient))
                  if agent_key(authority_of(client)) == key]
    if client_ids:
        matches.append(table.client_id.in_(client_ids))
    return matches


# aliases of the statement table, made once: SQLAlchemy memoises the columns of an alias, and making new ones
# for every query cost more Python time than the queries take on the server
_TARGET = so.aliased(Statement, name="target")
_REFERRING = so.aliased(Statement, name="referring")
_REFERRED = so.aliased(Statement, name="referred")
_LINK = so.aliased(Statement, name="link")


def _referring_directly(query: Query):
    """The seq of the statements whose StatementRef targets a statement matching the filters.

    Found from the statements that hold a reference (few: the partial index on ref_id), each target looked up by
    its id. Asked the other way round (ref_id IN the ids of the matching statements), SQLite, which has no
    statistics to weigh the two, first lists the id of every matching statement: every "completed" one for a
    verb, 300 ms for 50,000 of them, more than the page itself."""
    referring, target = _REFERRING, _TARGET
    return sa.select(referring.seq).where(referring.ref_id.is_not(None), sa.exists().where(
        target.id == referring.ref_id, *_matching(query, target, one_by_one=True), *_own(query, target)))


def _referring_through_chains(query: Query, shared: list, order, limit: int) -> list[Statement]:
    """Statements that target a statement that targets another (and so on) down to one matching the filters.

    Rare, so found from the few statements whose target is itself a StatementRef statement (a hash join of
    the statements with a ref_id on themselves), then followed down the chain; UNION ends a cycle."""
    referred, link, target = _REFERRED, _LINK, _TARGET
    refs_to_refs = sa.select(referred.id).where(referred.ref_id.is_not(None), *_own(query, referred))
    chain = sa.select(Statement.seq.label("seq"), Statement.ref_id.label("ref_id")).where(
        *shared, Statement.ref_id.is_not(None), Statement.ref_id.in_(refs_to_refs)).cte("ref_chain", recursive=True)
    chain = chain.union(sa.select(chain.c.seq, link.ref_id).join(link, link.id == chain.c.ref_id)
                        .where(link.ref_id.is_not(None), *_own(query, link)))
    matched = sa.select(chain.c.seq).join(target, target.id == chain.c.ref_id).where(
        *_matching(query, target, one_by_one=True), *_own(query, target))
    return list(db.session.scalars(sa.select(Statement).where(Statement.seq.in_(matched)).order_by(order)
                                   .limit(limit + 1)))


def _in_time(query: Query, statement) -> list:
    """The conditions of ``since`` and ``until``, which compare the stored time (Communication 2.1.3)."""
    return ([statement.stored > datetime.fromisoformat(query.since)] if query.since else []) + \
        ([statement.stored <= datetime.fromisoformat(query.until)] if query.until else [])


NARROW = 1000  # the statements of a time range this few are listed from the index on the stored time


def _in_time_by_seq(query: Query) -> list:
    """On SQLite, conditions on seq that the statements of the time range meet, so that reading them in seq order
    reads only them. SQLite (built without STAT4) cannot tell a narrow range from a wide one, so it read the table
    in seq order and kept the statements in range: every statement when the range holds fewer than a page, and
    every one before the range when the reading starts there (``since``, ascending; ``until``, newest first).
    Read from the index on the stored time alone (each entry holds the seq), whatever the order of stored times:
    the seqs of a range of up to NARROW statements, else its first (or last) seq where the reading starts on its
    far side. PostgreSQL chooses by its statistics (and its stored index is a BRIN)."""
    if db.engine.dialect.name != "sqlite":
        return []
    indexed = so.aliased(Statement)
    in_range = _in_time(query, indexed)
    seqs = list(db.session.scalars(sa.select(indexed.seq).where(*in_range).limit(NARROW + 1)))
    if len(seqs) <= NARROW:
        return [Statement.seq.in_(seqs)]
    # seq + 0: SQLite would find min(seq) by reading the table in seq order until the first in range
    if query.since and query.ascending:
        return [Statement.seq >= db.session.scalar(sa.select(sa.func.min(indexed.seq + 0)).where(*in_range))]
    if query.until and not query.ascending:
        return [Statement.seq <= db.session.scalar(sa.select(sa.func.max(indexed.seq + 0)).where(*in_range))]
    return []


def run(query: Query) -> tuple[list[Statement], bool]:
    """The statements matching ``query`` (voided ones left out), and whether more follow.

    A statement whose object is a StatementRef also matches when the statement it targets matches the
    filters that are not about time, and so on down a chain of references (Communication 2.1.3.s3), so voiding
    statements come back with their filter. Only the statement returned is held to the time and paging
    conditions and must not be voided; the statements along the chain may be anything."""
    limit = min(query.limit or current_app.config["XAPI_MAX_LIMIT"], current_app.config["XAPI_MAX_LIMIT"])
    shared = [Statement.is_voided.is_(False)]
    if query.client_id is not None:
        shared.append(Statement.client_id == query.client_id)
    if query.since or query.until:
        shared += _in_time(query, Statement) + _in_time_by_seq(query)
    if query.after_seq is not None:
        shared.append(Statement.seq > query.after_seq if query.ascending else Statement.seq < query.after_seq)
    order = Statement.seq if query.ascending else Statement.seq.desc()
    conditions = _matching(query, Statement)
    rows = list(db.session.scalars(sa.select(Statement).where(*shared, *conditions).order_by(order)
                                   .limit(limit + 1)))
    if conditions:
        referring = list(db.session.scalars(sa.select(Statement).where(
            *shared, Statement.seq.in_(_referring_directly(query))).order_by(order).limit(limit + 1)))
        referring += _referring_through_chains(query, shared, order, limit)
        rows = list({row.seq: row for row in rows + referring}.values())
        rows.sort(key=lambda row: row.seq, reverse=not query.ascending)
    return rows[:limit], len(rows) > limit


# --- formats ------------------------------------------------------------------------------------------

def _ids_actor(agent: dict) -> dict:
    if not isinstance(agent, dict):
        return agent
    reduced = {key: agent[key] for key in ("objectType", "mbox", "mbox_sha1sum", "openid", "account")
               if key in agent}
    if agent.get("objectType") == "Group" and "member" in agent and agent_key(agent) is None:
        reduced["member"] = [_ids_actor(m) for m in agent["member"]]
    return reduced


def _ids(part: dict) -> dict:
    out = dict(part)
    if "actor" in out:
        out["actor"] = _ids_actor(out["actor"])
    if "authority" in out:
        out["authority"] = _ids_actor(out["authority"])
    if "verb" in out:
        out["verb"] = {"id": out["verb"]["id"]}
    target = out.get("object")
    if target:
        kind = target.get("objectType", "Activity")
        if kind == "Activity":
            out["object"] = {"id": target["id"]}
        elif kind in ("Agent", "Group"):
            out["object"] = _ids_actor(target)
        elif kind == "SubStatement":
            out["object"] = _ids(target)
    context = out.get("context")
    if context:
        context = dict(context)
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _ids_actor(context[key])
        if "contextActivities" in context:
            context["contextActivities"] = {
                key: [{"id": a["id"]} for a in (listed if isinstance(listed, list) else [listed])]
                for key, listed in context["contextActivities"].items()}
        out["context"] = context
    return out


def _quality(tag: str, ranges: dict[str, float]) -> float:
    """The quality Accept-Language gives a language tag: that of the longest range matching it, a range
    matching a tag equal to it or a prefix of it followed by "-"; "*" matches what no other range matches
    (RFC 2616 14.4)."""
    return _match(tag, ranges)[1]


def _refused(tag: str, ranges: dict[str, float]) -> bool:
    """Whether a range that matches the tag gives it q=0: "not acceptable", rather than merely not asked for."""
    length, quality = _match(tag, ranges)
    return length >= 0 and quality <= 0


def _match(tag: str, ranges: dict[str, float]) -> tuple[int, float]:
    """The length of the longest range matching the tag (-1: none) and the quality it gives. The tag and its
    prefixes are looked up, longest first: trying every range for every tag took seconds for a map of many
    languages read with a long Accept-Language."""
    name = tag.lower()
    while name not in ranges:
        if "-" not in name:
            return (0, ranges["*"]) if "*" in ranges else (-1, 0.0)
        name = name.rpartition("-")[0]
    return len(name), ranges[name]


def _pick_language(language_map: dict, ranges: dict[str, float]) -> dict:
    """The one entry of a language map the client accepts best (ties: the first in the map). When it accepts
    none, an entry in the primary language of a range it asked for, or else the first entry it did not refuse
    with q=0 (or, when it refused them all, the first)."""
    if not language_map:
        return language_map
    tags = list(language_map)
    chosen = max(tags, key=lambda tag: _quality(tag, ranges))  # max keeps the first of equals
    if _quality(chosen, ranges) <= 0:
        asked = [name.split("-")[0] for name, value in ranges.items() if value > 0]
        allowed = [tag for tag in tags if not _refused(tag, ranges)] or tags
        first_of = {}  # primary language -> the first tag allowed in it
        for tag in allowed:
            first_of.setdefault(tag.lower().split("-")[0], tag)
        chosen = next((first_of[primary] for primary in asked if primary in first_of), allowed[0])
    return {chosen: language_map[chosen]}


def _canonical(value, wanted: dict[str, float], key: str = ""):
    if isinstance(value, dict):
        if key in ("display", "name", "description") and all(isinstance(v, str) for v in value.values()) \
                and all(is_language_tag(k) for k in value):
            return _pick_language(value, wanted)
        return {k: (v if k == "extensions" else _canonical(v, wanted, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(item, wanted, key) for item in value]
    return value


def _with_canonical_definitions(statement: dict, definitions: dict[str, dict]) -> dict:
    """The statement with each Activity's definition replaced by the LRS's canonical one, where known."""
    statement = copy.deepcopy(statement)

    def replace(activity: dict):
        canonical = definitions.get(activity.get("id"))
        if canonical:
            activity["definition"] = copy.deepcopy(canonical)

    def walk(part: dict):
        target = part.get("object", {})
        if target.get("objectType", "Activity") == "Activity":
            replace(target)
        for listed in part.get("context", {}).get("contextActivities", {}).values():
            for activity in listed:
                replace(activity)
        if target.get("objectType") == "SubStatement":
            walk(target)

    walk(statement)
    return statement


def _activity_ids(statement: dict) -> set[str]:
    found = set()

    def walk(part: dict):
        target = part.get("object", {})
        if target.get("objectType", "Activity") == "Activity":
            found.add(target["id"])
        for listed in part.get("context", {}).get("contextActivities", {}).values():
            found.update(activity["id"] for activity in listed)
        if target.get("objectType") == "SubStatement":
            walk(target)

    walk(statement)
    return found


def formatted_all(statements: list[dict], fmt: str, languages: dict[str, float]) -> list[dict]:
    """Statements in the requested format: exact (as stored), ids, or canonical (the LRS's definitions, in one
    language chosen from Accept-Language)."""
    if fmt == "ids":
        return [_ids(statement) for statement in statements]
    if fmt == "canonical":
        from app.xapi.models import ActivityDefinition

        wanted = {activity_key(i): i for s in statements for i in _activity_ids(s)}
        definitions = {row.activity_id: row.definition for row in db.session.scalars(
            sa.select(ActivityDefinition).where(ActivityDefinition.activity_key.in_(wanted)))} if wanted else {}
        return [_canonical(_with_canonical_definitions(s, definitions), languages) for s in statements]
    return statements


def accepted_languages(header_values) -> dict[str, float]:
    """The language ranges of Accept-Language, in lower case, with their qualities (those of q=0 included: they
    exclude); a range given twice keeps its first."""
    ranges: dict[str, float] = {}
    for value, quality in header_values:
        ranges.setdefault(value.lower(), quality)
    return ranges

