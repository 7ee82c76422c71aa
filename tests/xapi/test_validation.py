"""One test per rule of the statement validator (xAPI 1.0.3, Data part 2)."""
import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.xapi.validation import StatementError, validate_statement

BASE = {
    "actor": {"objectType": "Agent", "mbox": "mailto:ana@example.org", "name": "Ana"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
    "object": {"objectType": "Activity", "id": "http://itinera.test/activities/courses/s3"},
}


def build(**changes):
    statement = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = statement
        for part in parents:
            target = target.setdefault(part, {})
        if value is DELETE:
            target.pop(last, None)
        else:
            target[last] = value
    return statement


DELETE = object()
GROUP = {"objectType": "Group", "member": [{"mbox": "mailto:b@example.org"}]}
SUB = {"objectType": "SubStatement", "actor": {"mbox": "mailto:c@example.org"},
       "verb": {"id": "http://adlnet.gov/expapi/verbs/attended"}, "object": {"id": "http://example.org/meeting"}}


@pytest.mark.parametrize("changes", [
    {},
    {"id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
    {"actor": {"account": {"homePage": "https://itinera.test", "name": "5b1f"}}},
    {"actor": {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"}},
    {"actor": {"openid": "http://openid.example.org/ana"}},
    {"actor": GROUP},
    {"actor": {"objectType": "Group", "mbox": "mailto:team@example.org"}},
    {"object": {"objectType": "Agent", "mbox": "mailto:d@example.org"}},
    {"object": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}},
    {"object": SUB},
    {"object": {"id": "http://example.org/q1", "definition": {
        "interactionType": "choice", "correctResponsesPattern": ["a"],
        "choices": [{"id": "a", "description": {"es": "Sí"}}, {"id": "b"}]}}},
    {"result": {"score": {"scaled": -1, "raw": 0, "min": 0, "max": 10}, "success": False, "completion": True,
                "response": "x", "duration": "PT4H35M59.14S", "extensions": {"http://example.org/x": None}}},
    {"result": {"score": {"scaled": 1, "raw": 10, "min": 0, "max": 10}}},  # the bounds themselves are allowed
    {"result": {"score": {"raw": -5, "min": -5}}},
    {"result__duration": "P3Y1M29DT4H35M59.14S"},
    {"result__duration": "P4W"},
    {"context": {"registration": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee", "revision": "2", "platform": "Itinera",
                 "language": "pt-BR", "instructor": {"mbox": "mailto:t@example.org"}, "team": GROUP,
                 "contextActivities": {"parent": {"id": "http://example.org/course"},
                                       "grouping": [{"id": "http://example.org/itinerary"}]},
                 "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}}},
    {"timestamp": "2026-11-27T10:15:00.123+03:00"},
    {"timestamp": "2026-11-27T10:15:00Z"},
    {"timestamp": "20261127T101500Z"},  # ISO 8601's basic format
    {"timestamp": "20261127T101500.123+0300"},
    {"timestamp": "2026-11-27T10:15+23:59"},  # the widest offset ISO 8601 can write
    {"timestamp": "2026-11-27T10:15:00-2359"},
    {"version": "1.0"},  # as the version header writes 1.0.0 (XAPI-00101)
    {"version": "1.0.0"},
    {"version": "1.0.9"},
    {"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
     "object": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}},
    {"attachments": [{"usageType": "http://example.org/cert", "display": {"en": "Certificate"},
                      "contentType": "application/pdf", "length": 1200, "sha2": "a" * 64,
                      "fileUrl": "https://example.org/cert.pdf"}]},
])
def test_valid_statements_are_accepted(changes):
    validate_statement(build(**changes))


@pytest.mark.parametrize("changes, path", [
    ({"actor": DELETE}, "statement.actor"),
    ({"verb": DELETE}, "statement.verb"),
    ({"object": DELETE}, "statement.object"),
    ({"colour": "blue"}, "statement.colour"),
    ({"context": None}, "statement.context"),
    ({"id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee0"}, "statement.id"),
    ({"id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bzz"}, "statement.id"),
    ({"id": 12345}, "statement.id"),
    ({"actor": {"name": "No identifier"}}, "statement.actor"),
    ({"actor": {"mbox": "mailto:a@example.org", "openid": "http://o.example.org/a"}}, "statement.actor"),
    ({"actor": {"mbox": "a@example.org"}}, "statement.actor.mbox"),
    ({"actor": {"mbox_sha1sum": "abc"}}, "statement.actor.mbox_sha1sum"),
    ({"actor": {"mbox": "mailto:a@example.org?subject=hello"}}, "statement.actor.mbox"),  # an address only
    ({"actor": {"mbox": "mailto:a\x00b@example.org"}}, "statement.actor.mbox"),
    ({"actor": {"objectType": "Group", "member": []}}, "statement.actor.member"),
    ({"actor": {"openid": "ab=c://should.fail.com"}}, "statement.actor.openid"),
    ({"actor": {"account": {"homePage": "https://x.org"}}}, "statement.actor.account.name"),
    ({"actor": {"account": {"homePage": "not a url", "name": "a"}}}, "statement.actor.account.homePage"),
    ({"actor": {"account": {"homePage": "https://x.org", "name": {"key": "x"}}}}, "statement.actor.account.name"),
    ({"actor": {"objectType": "agent", "mbox": "mailto:a@example.org"}}, "statement.actor.objectType"),
    ({"actor": {"objectType": "Group"}}, "statement.actor.member"),
    ({"actor": {"objectType": "Group", "member": [GROUP]}}, "statement.actor.member[0]"),
    ({"verb": {"display": {"en": "x"}}}, "statement.verb.id"),
    ({"verb": {"id": "ab=c://should.fail.com"}}, "statement.verb.id"),
    ({"verb__display": {"a12345": "should fail"}}, "statement.verb.display.a12345"),
    ({"object": {"objectType": "Activity"}}, "statement.object.id"),
    ({"object": {"objectType": "Thing", "id": "http://x.org"}}, "statement.object.objectType"),
    ({"object": {"mbox": "mailto:d@example.org", "objectType": "Agent", "extra": 1}}, "statement.object.extra"),
    ({"object": {"mbox": "mailto:d@example.org"}}, "statement.object.objectType"),
    ({"object": {"objectType": "StatementRef", "id": "nope"}}, "statement.object.id"),
    ({"object": dict(SUB, id="6690e6c9-3ef0-4ed3-8b37-7f3964730bee")}, "statement.object.id"),
    ({"object": dict(SUB, object=dict(SUB))}, "statement.object.object.objectType"),
    ({"object__definition": {"type": "ab=c://should.fail.com"}}, "statement.object.definition.type"),
    ({"object__definition": {"moreInfo": "mailto:x@example.org"}}, "statement.object.definition.moreInfo"),
    ({"object__definition": {"interactionType": "essay"}}, "statement.object.definition.interactionType"),
    ({"object__definition": {"interactionType": "likert", "choices": [{"id": "a"}]}},
     "statement.object.definition.choices"),
    ({"object__definition": {"interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]}},
     "statement.object.definition.choices[1].id"),
    ({"object__definition": {"correctResponsesPattern": ["a"]}}, "statement.object.definition.interactionType"),
    ({"object__definition": {"extensions": {"not an iri": 1}}}, "statement.object.definition.extensions.not an iri"),
    ({"result": {"score": {"scaled": 5}}}, "statement.result.score.scaled"),
    ({"result": {"score": {"scaled": "0.5"}}}, "statement.result.score.scaled"),
    ({"result": {"score": {"raw": 11, "min": 0, "max": 10}}}, "statement.result.score.raw"),
    ({"result": {"score": {"min": 10, "max": 10}}}, "statement.result.score.max"),
    ({"result": {"success": "true"}}, "statement.result.success"),
    ({"result": {"completion": 1}}, "statement.result.completion"),
    ({"result": {"duration": "P4W1D"}}, "statement.result.duration"),
    ({"result": {"duration": "PT"}}, "statement.result.duration"),
    ({"result": {"duration": 30}}, "statement.result.duration"),
    ({"context": {"registration": "abc"}}, "statement.context.registration"),
    ({"context": {"team": {"mbox": "mailto:t@example.org"}}}, "statement.context.team"),
    ({"context": {"contextActivities": {"cousin": {"id": "http://x.org"}}}}, "statement.context.contextActivities.cousin"),
    ({"context": {"revision": 2}}, "statement.context.revision"),
    ({"context": {"language": "not a language"}}, "statement.context.language"),
    ({"context": {"revision": "1"}, "object": {"objectType": "Agent", "mbox": "mailto:d@example.org"}},
     "statement.context.revision"),
    ({"context": {"platform": "x"}, "object": {"objectType": "StatementRef",
                                                "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}},
     "statement.context.platform"),
    ({"timestamp": "yesterday"}, "statement.timestamp"),
    ({"timestamp": "2026-13-40T10:00:00Z"}, "statement.timestamp"),
    ({"timestamp": "2026-11-27T10:15:00-00:00"}, "statement.timestamp"),
    ({"timestamp": "2026-11-27T10:15:00-0000"}, "statement.timestamp"),
    ({"timestamp": "2026-11-27T10:15:00-00"}, "statement.timestamp"),
    ({"version": "1.1.0"}, "statement.version"),
    ({"version": "1.0.x"}, "statement.version"),
    ({"version": "1.01"}, "statement.version"),
    ({"version": "0.9.9"}, "statement.version"),
    ({"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}}, "statement.object"),
    ({"authority": {"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}]}}, "statement.authority"),
    ({"attachments": [{"usageType": "http://example.org/cert", "display": {"en": "C"}, "contentType": "pdf",
                       "length": 1, "sha2": "a" * 64}]}, "statement.attachments[0].contentType"),
    ({"attachments": [{"usageType": "http://example.org/cert", "display": {"en": "C"}, "contentType": "text/plain",
                       "length": 1, "sha2": "a" * 57}]}, "statement.attachments[0].sha2"),  # no SHA-2 is 57 long
    ({"attachments": [{"usageType": "http://example.org/cert", "display": {"en": "C"},
                       "contentType": "application/pdf", "sha2": "a" * 64}]}, "statement.attachments[0].length"),
    ({"verb__display": {"en_US": "x"}}, "statement.verb.display.en_US"),
    ({"context": {"language": "pt_BR"}}, "statement.context.language"),
    ({"timestamp": "2026-11-27 10:15:00Z"}, "statement.timestamp"),
    ({"timestamp": "2026-11-27T10:15+24:00"}, "statement.timestamp"),  # no offset of 24 hours or 60 minutes
    ({"timestamp": "2026-11-27T10:15:00-2400"}, "statement.timestamp"),
    ({"timestamp": "2026-11-27T10:15-01:60"}, "statement.timestamp"),
    ({"result": {"score": {"raw": 10.5, "min": 0, "max": 10}}}, "statement.result.score.raw"),
    ({"result": {"score": {"raw": -1, "min": 0}}}, "statement.result.score.raw"),
    ({"attachments": [{"usageType": "http://example.org/cert", "display": {"en": "C"},
                       "contentType": "application/pdf", "length": -1, "sha2": "a" * 64}]},
     "statement.attachments[0].length"),
    # real dates that leave the years 1 to 9999 once taken to UTC
    ({"timestamp": "9999-12-31T23:59:59-01:00"}, "statement.timestamp"),
    ({"timestamp": "0001-01-01T00:00:00+14:00"}, "statement.timestamp"),
    ({"timestamp": "0001-01-01T00:00+14:00"}, "statement.timestamp"),
    ({"result": {"score": {"raw": float("nan")}}}, "statement.result.score.raw"),
    ({"result": {"score": {"min": float("-inf")}}}, "statement.result.score.min"),
    ({"result": {"score": {"scaled": float("inf")}}}, "statement.result.score.scaled"),
    ({"result": {"score": {"raw": 10 ** 5000}}}, "statement.result.score.raw"),
])
def test_invalid_statements_name_the_property(changes, path):
    with pytest.raises(StatementError) as error:
        validate_statement(build(**changes))
    assert error.value.path == path


def test_substatements_are_checked_like_statements():
    bad = dict(SUB, result={"score": {"scaled": 2}})
    with pytest.raises(StatementError) as error:
        validate_statement(build(object=bad))
    assert error.value.path == "statement.object.result.score.scaled"


def test_tincan_alone_would_accept_what_we_refuse():
    """Why we validate ourselves: tincan builds a statement with scaled 5 and no verb without complaint."""
    import json

    from tincan import Activity, Agent, Result, Score, Statement

    loose = Statement(actor=Agent(mbox="mailto:a@example.org"), object=Activity(id="http://example.org/a"),
                      result=Result(score=Score(scaled=5)))
    data = json.loads(loose.to_json("1.0.3"))
    with pytest.raises(StatementError):
        validate_statement(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)
PLACES = ["actor", "actor__mbox", "actor__account", "actor__objectType", "verb", "verb__id", "verb__display",
          "object", "object__objectType", "object__id", "object__definition", "object__definition__interactionType",
          "object__definition__choices", "result", "result__score", "result__score__scaled", "result__duration",
          "context", "context__contextActivities", "context__team", "context__instructor", "context__statement",
          "timestamp", "version", "authority", "attachments", "id"]


@settings(max_examples=300)
@given(place=st.sampled_from(PLACES), value=json_values)
def test_any_json_is_either_valid_or_a_statement_error(place, value):
    """Whatever a client sends, the validator answers with a StatementError (a 400), never a crash (a 500)."""
    try:
        validate_statement(build(**{place: value}))
    except StatementError:
        pass


def test_a_huge_integer_is_refused_in_our_words():
    with pytest.raises(StatementError) as error:
        validate_statement(build(result={"score": {"raw": 10 ** 5000, "max": 10 ** 5001}}))
    assert "4300" not in str(error.value) and "too large" in error.value.message


@pytest.mark.parametrize("duration, valid", [
    ("PT1H30.5M", True), ("P1.5Y", True), ("PT0,5H", True), ("P2DT0.25H", True), ("PT4H35M59.14S", True),
    ("P1.5Y2M", False), ("PT1.5H30M", False), ("P1DT1.5H2S", False), ("P0.5DT1H", False),
])
def test_only_the_smallest_part_of_a_duration_has_a_fraction(duration, valid):
    """ISO 8601:2004 4.4.3.2: a decimal fraction only on the lowest-order component given."""
    statement = build(result={"duration": duration})
    if valid:
        validate_statement(statement)
    else:
        with pytest.raises(StatementError) as error:
            validate_statement(statement)
        assert error.value.path == "statement.result.duration"


def test_an_iri_of_2048_bytes_is_kept_and_one_byte_more_is_refused():
    """README: IRIs are kept up to 2,048 bytes (UTF-8), counted in bytes, not characters."""
    prefix = "http://example.org/"
    exact = prefix + "a" * (2048 - len(prefix))
    validate_statement(build(object={"id": exact}))
    with pytest.raises(StatementError) as error:
        validate_statement(build(object={"id": exact + "a"}))
    assert error.value.path == "statement.object.id" and "2048 bytes" in error.value.message
    accented = prefix + "é" * ((2048 - len(prefix)) // 2)  # 2 bytes each: 1,033 characters, 2,047 bytes
    validate_statement(build(verb={"id": accented}))
    with pytest.raises(StatementError) as error:
        validate_statement(build(verb={"id": accented + "é"}))
    assert error.value.path == "statement.verb.id"
