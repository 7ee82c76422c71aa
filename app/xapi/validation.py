"""Validation of xAPI 1.0.3 statements: our own reading of the specification, rule by rule.

validate_statement(data) raises StatementError naming the offending property (a dotted path such as
``statement.result.score.scaled``). Nothing here touches the database."""
import math
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import langcodes

VOIDED = "http://adlnet.gov/expapi/verbs/voided"

# \Z, not $: "$" also matches before a final line break, and "<uuid>\n" is no UUID (uuid.UUID() refuses it)
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}\Z")
SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
# an address, not a mailto: URI with headers (?subject=...), and no control characters; the domain has a dot
# after its first character, found as the first such dot (trying each dot in turn took time growing with the
# square of the length: a few megabytes of dots held a worker for hours)
EMAIL_RE = re.compile(r"^mailto:[^@\s:/?\x00-\x1f\x7f]+@"
                      r"[^@\s?\x00-\x1f\x7f][^@\s?.\x00-\x1f\x7f]*\.[^@\s?\x00-\x1f\x7f]+\Z")
MIME_RE = re.compile(r"[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+([ \t]*;[^\x00-\x1f\x7f]*)?")
MAX_MEDIA_TYPE = 255  # characters of a media type with its parameters (RFC 6838 allows 127 for each name)
# the longest IRI (and document id) this LRS stores, in UTF-8 bytes: a verb IRI is indexed, and PostgreSQL
# indexes at most about 2,700 bytes a row
MAX_IRI_BYTES = 2048
# "1.0" or "1.0.x": Data 2.4.10.s3.b2 reads as if "1.0" were refused, but s2.b1 formats the version as the version
# header, where "1.0" means 1.0.0 (Communication 3.3), and the conformance requirements (XAPI-00101) accept it
VERSION_RE = re.compile(r"^1\.0(\.\d+)?\Z", re.ASCII)
_NUM = r"\d+(?:[.,]\d+)?"
DURATION_RE = re.compile(
    rf"^P(?!$)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?\Z|^P{_NUM}W\Z",
    re.ASCII)  # ASCII digits only: \d alone takes any script's (PT１H, a version 1.0.３)
DURATION_PART_RE = re.compile(r"(\d+(?:[.,]\d+)?)[YMWDHS]", re.ASCII)
TIMESTAMP_RE = re.compile(  # ISO 8601: a "T" between date and time (RFC 3339's space is not ISO 8601)
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(Z|z|[+\-]\d{2}(?::?\d{2})?)?\Z", re.ASCII)
BASIC_TIMESTAMP_RE = re.compile(  # ISO 8601's basic format, without separators: 20261127T101500Z
    r"^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?(Z|z|[+\-]\d{2}(?:\d{2})?)?\Z", re.ASCII)

INTERACTION_TYPES = {"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing",
                     "likert", "numeric", "other"}
COMPONENT_LISTS = {"choices": {"choice", "sequencing"}, "scale": {"likert"}, "source": {"matching"},
                   "target": {"matching"}, "steps": {"performance"}}
CONTEXT_ACTIVITY_KEYS = {"parent", "grouping", "category", "other"}


class StatementError(ValueError):
    """A statement breaks a rule of the specification; ``path`` names the property."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


def fail(path: str, message: str):
    raise StatementError(path, message)


# --- basic types ----------------------------------------------------------------------------------------

def _object(value, path: str) -> dict:
    if not isinstance(value, dict):
        fail(path, "must be a JSON object")
    return value


def _allowed(value: dict, path: str, keys: set) -> None:
    for key in value:
        if key not in keys:
            fail(f"{path}.{key}", "is not a property allowed here")


def _string(value, path: str) -> str:
    if not isinstance(value, str):
        fail(path, "must be a string")
    return value


def _bool(value, path: str) -> bool:
    if not isinstance(value, bool):
        fail(path, "must be true or false")
    return value


MAX_INT_BITS = 14284  # about 4,300 decimal digits, the most Python turns into text


def _number(value, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(path, "must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        fail(path, "must be a finite number (not NaN or Infinity)")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        fail(path, "is too large a number")
    return value


IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`\x00-\x1f]')


def is_iri(value) -> bool:
    return isinstance(value, str) and bool(SCHEME_RE.match(value)) and not IRI_FORBIDDEN.search(value) \
        and len(value) > value.index(":") + 1


def _iri(value, path: str) -> str:
    if not is_iri(value):
        fail(path, "must be an absolute IRI, such as http://example.org/verbs/read")
    if too_long(value):
        fail(path, f"is longer than {MAX_IRI_BYTES} bytes, the longest IRI this LRS stores")
    return value


def too_long(value: str) -> bool:
    """Whether an IRI or a document id is longer than this LRS stores."""
    return len(value) > MAX_IRI_BYTES // 4 and len(value.encode("utf-8", "surrogatepass")) > MAX_IRI_BYTES


def is_media_type(value) -> bool:
    return isinstance(value, str) and len(value) <= MAX_MEDIA_TYPE and bool(MIME_RE.fullmatch(value))


def _irl(value, path: str) -> str:
    _iri(value, path)
    if not value.lower().startswith(("http://", "https://")):
        fail(path, "must be an http(s) URL")
    return value


def is_uuid(value) -> bool:
    return isinstance(value, str) and bool(UUID_RE.match(value))


def _uuid(value, path: str) -> str:
    if not is_uuid(value):
        fail(path, "must be a UUID in its standard string form")
    return value


LANGUAGE_TAG_RE = re.compile(r"^[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*\Z")  # RFC 5646 subtags: "en_US" is not one


@lru_cache(maxsize=2048)
def is_language_tag(tag: str) -> bool:
    return bool(LANGUAGE_TAG_RE.match(tag)) and langcodes.tag_is_valid(tag)


def _language_map(value, path: str) -> dict:
    _object(value, path)
    for tag, text in value.items():
        if not is_language_tag(tag):
            fail(f"{path}.{tag}", "is not an RFC 5646 language tag")
        _string(text, f"{path}.{tag}")
    return value


def _extensions(value, path: str) -> None:
    _object(value, path)
    for key in value:
        if not is_iri(key):
            fail(f"{path}.{key}", "extension keys must be IRIs")


# the usual form, for the fast path (offset minutes 00-59: Python would read "+01:60" as +02:00)
COMMON_TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+]\d{2}:[0-5]\d)\Z", re.ASCII)


def parse_timestamp(value: str, path: str = "timestamp") -> datetime:
    """An ISO 8601 date and time; without a zone it is taken as UTC. "-00:00" is refused (RFC 3339 unknown),
    and so is a moment that falls outside the years 1 to 9999 once taken to UTC."""
    try:
        return _parse_timestamp(value, path)
    except OverflowError:
        fail(path, "is outside the years 1 to 9999 once taken to UTC")


def _parse_timestamp(value: str, path: str) -> datetime:
    if isinstance(value, str) and COMMON_TIMESTAMP_RE.match(value):  # the usual form: the C parser is exact
        try:
            return datetime.fromisoformat(value).astimezone(timezone.utc)
        except ValueError:
            fail(path, "is not a real date and time")
    match = (TIMESTAMP_RE.match(value) or BASIC_TIMESTAMP_RE.match(value)) if isinstance(value, str) else None
    if match is None:
        fail(path, "must be an ISO 8601 date and time, such as 2026-11-27T10:15:00.000Z")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if zone and zone[0] == "-" and set(zone[1:]) <= {"0", ":"}:
        fail(path, "must not use the offset -00:00")
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                          int((fraction or "0")[:6].ljust(6, "0")))
    except ValueError:
        fail(path, "is not a real date and time")
    if zone in (None, "Z", "z"):
        return moment.replace(tzinfo=timezone.utc)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        fail(path, "has an impossible time-zone offset")

    return (moment - sign * timedelta(hours=hours, minutes=minutes)).replace(tzinfo=timezone.utc)


# a query's since or until written as Python's str(datetime) writes it, which TinCanPython's query_statements sends
QUERY_SPACE_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:", re.ASCII)


def parse_query_timestamp(value: str, name: str) -> datetime:
    """The since or until parameter of a query: a timestamp as in a statement, or with a space for its "T" (RFC
    3339's own form, which clients built on Python's str(datetime) send). Statements keep ISO 8601's "T"."""
    if QUERY_SPACE_RE.match(value):
        value = f"{value[:10]}T{value[11:]}"
    return parse_timestamp(value, name)


def format_timestamp(moment: datetime) -> str:
    """A moment as the LRS returns timestamps: in UTC, to the millisecond, or the microsecond when it has one."""
    moment = moment.astimezone(timezone.utc)
    spec = "milliseconds" if moment.microsecond % 1000 == 0 else "microseconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


# --- actors ---------------------------------------------------------------------------------------------

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _ifi(value: dict, path: str) -> str | None:
    present = [key for key in IFIS if key in value]
    if len(present) > 1:
        fail(path, f"must have exactly one identifier, not {', '.join(present)}")
    if not present:
        return None
    key = present[0]
    ifi = value[key]
    if key == "mbox":
        if not isinstance(ifi, str) or not EMAIL_RE.match(ifi):
            fail(f"{path}.mbox", "must be a mailto: IRI, such as mailto:name@example.org")
    elif key == "mbox_sha1sum":
        if not isinstance(ifi, str) or not SHA1_RE.match(ifi):
            fail(f"{path}.mbox_sha1sum", "must be the 40-character hex SHA-1 of a mailto: IRI")
    elif key == "openid":
        _iri(ifi, f"{path}.openid")
    else:
        account = _object(ifi, f"{path}.account")
        _allowed(account, f"{path}.account", {"homePage", "name"})
        if "homePage" not in account:
            fail(f"{path}.account.homePage", "is required")
        if "name" not in account:
            fail(f"{path}.account.name", "is required")
        _irl(account["homePage"], f"{path}.account.homePage")
        _string(account["name"], f"{path}.account.name")
    return key


def validate_agent(value, path: str, object_type_required: bool = False) -> None:
    agent = _object(value, path)
    _allowed(agent, path, {"objectType", "name", *IFIS})
    if "objectType" in agent and agent["objectType"] != "Agent":
        fail(f"{path}.objectType", 'must be "Agent"')
    if object_type_required and "objectType" not in agent:
        fail(f"{path}.objectType", 'is required here ("Agent")')
    if "name" in agent:
        _string(agent["name"], f"{path}.name")
    if _ifi(agent, path) is None:
        fail(path, "an Agent needs one identifier: mbox, mbox_sha1sum, openid or account")


def validate_group(value, path: str) -> None:
    group = _object(value, path)
    _allowed(group, path, {"objectType", "name", "member", *IFIS})
    if group.get("objectType") != "Group":
        fail(f"{path}.objectType", 'must be "Group"')
    if "name" in group:
        _string(group["name"], f"{path}.name")
    identified = _ifi(group, path) is not None
    if "member" in group:
        if not isinstance(group["member"], list):
            fail(f"{path}.member", "must be an array of Agents")
        if not identified and not group["member"]:
            fail(f"{path}.member", "an anonymous Group must list its members")
        for index, member in enumerate(group["member"]):
            member_path = f"{path}.member[{index}]"
            if isinstance(member, dict) and member.get("objectType") == "Group":
                fail(member_path, "a Group cannot contain a Group")
            validate_agent(member, member_path)
    elif not identified:
        fail(f"{path}.member", "an anonymous Group must list its members")


def validate_actor(value, path: str, object_type_required: bool = False) -> None:
    if isinstance(value, dict) and value.get("objectType") == "Group":
        validate_group(value, path)
    else:
        validate_agent(value, path, object_type_required)


# --- verb, object ---------------------------------------------------------------------------------------

def _verb(value, path: str) -> None:
    verb = _object(value, path)
    _allowed(verb, path, {"id", "display"})
    if "id" not in verb:
        fail(f"{path}.id", "is required")
    _iri(verb["id"], f"{path}.id")
    if "display" in verb:
        _language_map(verb["display"], f"{path}.display")


def _components(value, path: str) -> None:
    if not isinstance(value, list):
        fail(path, "must be an array of interaction components")
    seen = set()
    for index, component in enumerate(value):
        item_path = f"{path}[{index}]"
        _object(component, item_path)
        _allowed(component, item_path, {"id", "description"})
        if "id" not in component:
            fail(f"{item_path}.id", "is required")
        _string(component["id"], f"{item_path}.id")
        if component["id"] in seen:
            fail(f"{item_path}.id", "must be unique within the list")
        seen.add(component["id"])
        if "description" in component:
            _language_map(component["description"], f"{item_path}.description")


def _definition(value, path: str) -> None:
    definition = _object(value, path)
    _allowed(definition, path, {"name", "description", "type", "moreInfo", "extensions", "interactionType",
                                "correctResponsesPattern", *COMPONENT_LISTS})
    for key in ("name", "description"):
        if key in definition:
            _language_map(definition[key], f"{path}.{key}")
    if "type" in definition:
        _iri(definition["type"], f"{path}.type")
    if "moreInfo" in definition:
        _irl(definition["moreInfo"], f"{path}.moreInfo")
    if "extensions" in definition:
        _extensions(definition["extensions"], f"{path}.extensions")
    interaction = definition.get("interactionType")
    if "interactionType" in definition and (not isinstance(interaction, str) or interaction not in INTERACTION_TYPES):
        fail(f"{path}.interactionType", "must be one of " + ", ".join(sorted(INTERACTION_TYPES)))
    if "correctResponsesPattern" in definition:
        if interaction is None:
            fail(f"{path}.interactionType", "is required with correctResponsesPattern")
        pattern = definition["correctResponsesPattern"]
        if not isinstance(pattern, list):
            fail(f"{path}.correctResponsesPattern", "must be an array of strings")
        for index, item in enumerate(pattern):
            _string(item, f"{path}.correctResponsesPattern[{index}]")
    for key, types in COMPONENT_LISTS.items():
        if key in definition:
            if interaction is None:
                fail(f"{path}.interactionType", f"is required with {key}")
            if interaction not in types:
                fail(f"{path}.{key}", f"is not used with interactionType {interaction}")
            _components(definition[key], f"{path}.{key}")


def validate_activity(value, path: str) -> None:
    activity = _object(value, path)
    _allowed(activity, path, {"objectType", "id", "definition"})
    if "objectType" in activity and activity["objectType"] != "Activity":
        fail(f"{path}.objectType", 'must be "Activity"')
    if "id" not in activity:
        fail(f"{path}.id", "is required")
    _iri(activity["id"], f"{path}.id")
    if "definition" in activity:
        _definition(activity["definition"], f"{path}.definition")


def _statement_ref(value, path: str) -> None:
    ref = _object(value, path)
    _allowed(ref, path, {"objectType", "id"})
    if ref.get("objectType") != "StatementRef":
        fail(f"{path}.objectType", 'must be "StatementRef"')
    if "id" not in ref:
        fail(f"{path}.id", "is required")
    _uuid(ref["id"], f"{path}.id")


def _object_kind(value, path: str) -> str:
    target = _object(value, path)
    kind = target.get("objectType", "Activity")
    if not isinstance(kind, str) or kind not in {"Activity", "Agent", "Group", "StatementRef", "SubStatement"}:
        fail(f"{path}.objectType", "must be Activity, Agent, Group, StatementRef or SubStatement")
    return kind


def _statement_object(value, path: str, inside_substatement: bool) -> str:
    kind = _object_kind(value, path)
    if kind == "Activity" and "objectType" not in value and any(key in value for key in IFIS):
        fail(f"{path}.objectType", 'is required for an Agent or Group object ("Agent")')
    if kind == "Activity":
        validate_activity(value, path)
    elif kind == "Agent":
        validate_agent(value, path, object_type_required=True)
    elif kind == "Group":
        validate_group(value, path)
    elif kind == "StatementRef":
        _statement_ref(value, path)
    else:
        if inside_substatement:
            fail(f"{path}.objectType", "a SubStatement cannot contain a SubStatement")
        _substatement(value, path)
    return kind


# --- result, context, attachments -----------------------------------------------------------------------

def _score(value, path: str) -> None:
    score = _object(value, path)
    _allowed(score, path, {"scaled", "raw", "min", "max"})
    for key in score:
        _number(score[key], f"{path}.{key}")
    if "scaled" in score and not -1 <= score["scaled"] <= 1:
        fail(f"{path}.scaled", "must be between -1 and 1")
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if low is not None and high is not None and not low < high:
        fail(f"{path}.max", "must be greater than min")
    if raw is not None and low is not None and raw < low:
        fail(f"{path}.raw", "must not be below min")
    if raw is not None and high is not None and raw > high:
        fail(f"{path}.raw", "must not be above max")


def _result(value, path: str) -> None:
    result = _object(value, path)
    _allowed(result, path, {"score", "success", "completion", "response", "duration", "extensions"})
    if "score" in result:
        _score(result["score"], f"{path}.score")
    for key in ("success", "completion"):
        if key in result:
            _bool(result[key], f"{path}.{key}")
    if "response" in result:
        _string(result["response"], f"{path}.response")
    if "duration" in result:
        duration = result["duration"]
        if not isinstance(duration, str) or not DURATION_RE.match(duration):
            fail(f"{path}.duration", "must be an ISO 8601 duration, such as PT1H30M")
        if any(re.search(r"[.,]", number) for number in DURATION_PART_RE.findall(duration)[:-1]):
            fail(f"{path}.duration", "may have a decimal fraction only in its last (smallest) part, such as "
                                     "PT1H30.5M")
    if "extensions" in result:
        _extensions(result["extensions"], f"{path}.extensions")


def _context(value, path: str, object_kind: str) -> None:
    context = _object(value, path)
    _allowed(context, path, {"registration", "instructor", "team", "contextActivities", "revision", "platform",
                             "language", "statement", "extensions"})
    if "registration" in context:
        _uuid(context["registration"], f"{path}.registration")
    if "instructor" in context:
        validate_actor(context["instructor"], f"{path}.instructor")
    if "team" in context:
        team = context["team"]
        if not isinstance(team, dict) or team.get("objectType") != "Group":
            fail(f"{path}.team", "must be a Group")
        validate_group(team, f"{path}.team")
    if "contextActivities" in context:
        activities = _object(context["contextActivities"], f"{path}.contextActivities")
        _allowed(activities, f"{path}.contextActivities", CONTEXT_ACTIVITY_KEYS)
        for key, listed in activities.items():
            items = listed if isinstance(listed, list) else [listed]
            for index, activity in enumerate(items):
                validate_activity(activity, f"{path}.contextActivities.{key}[{index}]")
    for key in ("revision", "platform"):
        if key in context:
            _string(context[key], f"{path}.{key}")
            if object_kind != "Activity":
                fail(f"{path}.{key}", "may only be given when the object is an Activity")
    if "language" in context:
        if not isinstance(context["language"], str) or not is_language_tag(context["language"]):
            fail(f"{path}.language", "must be an RFC 5646 language tag")
    if "statement" in context:
        _statement_ref(context["statement"], f"{path}.statement")
    if "extensions" in context:
        _extensions(context["extensions"], f"{path}.extensions")


def _attachments(value, path: str) -> None:
    if not isinstance(value, list):
        fail(path, "must be an array")
    for index, attachment in enumerate(value):
        item = f"{path}[{index}]"
        _object(attachment, item)
        _allowed(attachment, item, {"usageType", "display", "description", "contentType", "length", "sha2",
                                    "fileUrl"})
        for key in ("usageType", "display", "contentType", "length", "sha2"):
            if key not in attachment:
                fail(f"{item}.{key}", "is required")
        _iri(attachment["usageType"], f"{item}.usageType")
        _language_map(attachment["display"], f"{item}.display")
        if "description" in attachment:
            _language_map(attachment["description"], f"{item}.description")
        if not is_media_type(attachment["contentType"]):
            fail(f"{item}.contentType", "must be an Internet media type, such as application/pdf (at most "
                                        f"{MAX_MEDIA_TYPE} characters)")
        if isinstance(attachment["length"], bool) or not isinstance(attachment["length"], int) \
                or attachment["length"] < 0:
            fail(f"{item}.length", "must be a whole number of octets")
        if not isinstance(attachment["sha2"], str) or not re.fullmatch(r"[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128}", attachment["sha2"]):
            fail(f"{item}.sha2", "must be the hex SHA-2 hash of the attachment")
        if "fileUrl" in attachment:
            _iri(attachment["fileUrl"], f"{item}.fileUrl")


# --- statements -----------------------------------------------------------------------------------------

def _core(statement: dict, path: str, inside_substatement: bool) -> None:
    for key in ("actor", "verb", "object"):
        if key not in statement:
            fail(f"{path}.{key}", "is required")
    validate_actor(statement["actor"], f"{path}.actor")
    _verb(statement["verb"], f"{path}.verb")
    kind = _statement_object(statement["object"], f"{path}.object", inside_substatement)
    if statement["verb"]["id"] == VOIDED and kind != "StatementRef":
        fail(f"{path}.object", "a voiding statement's object must be a StatementRef")
    if "result" in statement:
        _result(statement["result"], f"{path}.result")
    if "context" in statement:
        _context(statement["context"], f"{path}.context", kind)
    if "timestamp" in statement:
        parse_timestamp(statement["timestamp"], f"{path}.timestamp")
    if "attachments" in statement:
        _attachments(statement["attachments"], f"{path}.attachments")


def _substatement(value: dict, path: str) -> None:
    _allowed(value, path, {"objectType", "actor", "verb", "object", "result", "context", "timestamp",
                           "attachments"})
    _core(value, path, inside_substatement=True)


def validate_statement(value, path: str = "statement") -> dict:
    """Check one statement against xAPI 1.0.3; returns it unchanged or raises StatementError."""
    statement = _object(value, path)  # (a null anywhere fails the type check of its property)
    _allowed(statement, path, {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored",
                               "authority", "version", "attachments"})
    if "id" in statement:
        _uuid(statement["id"], f"{path}.id")
    _core(statement, path, inside_substatement=False)
    if "stored" in statement:
        parse_timestamp(statement["stored"], f"{path}.stored")
    if "authority" in statement:
        authority = statement["authority"]
        validate_actor(authority, f"{path}.authority")
        if isinstance(authority, dict) and authority.get("objectType") == "Group":
            if len(authority.get("member", [])) != 2 or any(k in authority for k in IFIS):
                fail(f"{path}.authority", "a Group authority must be an anonymous Group of two Agents (OAuth)")
    if "version" in statement:
        if not isinstance(statement["version"], str) or not VERSION_RE.match(statement["version"]):
            fail(f"{path}.version", 'must be "1.0" or "1.0.x"')
    return statement
