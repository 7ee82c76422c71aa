"""Attachments in multipart/mixed requests and responses, and signed statements (Data 2.4.11, 2.6)."""
import hashlib

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fixtures.xapi import BOUNDARY, SIGNATURE, attachment_for, multipart, post_multipart, statement

def test_attachment_round_trip(xapi):
    content = "Certificado de participación ✓".encode()
    data = statement(attachments=[attachment_for(content)])
    response = post_multipart(xapi, multipart([data], [(content, hashlib.sha256(content).hexdigest(), "text/plain")]))
    assert response.status_code == 200, response.get_json()
    statement_id = response.get_json()[0]

    plain = xapi.get(params={"statementId": statement_id})
    assert plain.is_json and plain.get_json()["attachments"][0]["sha2"] == hashlib.sha256(content).hexdigest()
    multi = xapi.get(params={"statementId": statement_id, "attachments": "true"})
    assert multi.headers["Content-Type"].startswith("multipart/mixed")
    assert content in multi.data and multi.data.count(hashlib.sha256(content).hexdigest().encode()) == 2
    listing = xapi.get(params={"attachments": "true"})
    assert listing.headers["Content-Type"].startswith("multipart/mixed") and content in listing.data


def test_file_url_attachments_go_as_plain_json(xapi):
    data = statement(attachments=[dict(attachment_for(b"x"), fileUrl="https://example.org/file.txt")])
    assert xapi.post(data).status_code == 200


def test_a_statement_sent_again_with_its_attachment_data_changes_nothing(xapi, app):
    """The LRS keeps no state from a statement it already has (Communication 2.1.1.s2.b2): sent first with a
    fileUrl only, then again as multipart with the data, its attachment keeps no data here; a new statement in the
    same request keeps the data of its own attachment."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.xapi.models import Attachment

    kept, late = b"the first copy", b"the data sent later"
    known = statement(attachments=[dict(attachment_for(late), fileUrl="https://example.org/late.txt")])
    [known_id] = xapi.post(known).get_json()
    known["id"] = known_id
    response = post_multipart(xapi, multipart([known], [(late, hashlib.sha256(late).hexdigest(), "text/plain")]))
    assert response.status_code == 200 and response.get_json() == [known_id]
    assert late not in xapi.get(params={"statementId": known_id, "attachments": "true"}).data

    fresh = statement(attachments=[attachment_for(kept)])
    response = post_multipart(xapi, multipart([known, fresh], [(late, hashlib.sha256(late).hexdigest(), "text/plain"),
                                                               (kept, hashlib.sha256(kept).hexdigest(), "text/plain")]))
    assert response.status_code == 200
    fresh_id = response.get_json()[1]
    assert kept in xapi.get(params={"statementId": fresh_id, "attachments": "true"}).data
    assert late not in xapi.get(params={"statementId": known_id, "attachments": "true"}).data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 1


@pytest.mark.parametrize("problem", ["missing part", "extra part", "wrong hash", "no hash", "first not json",
                                     "no boundary in body", "not binary", "json without data"])
def test_attachment_problems_are_400(xapi, problem):
    content = b"hello"
    sha2 = hashlib.sha256(content).hexdigest()
    data = statement(attachments=[attachment_for(content)])
    parts = [(content, sha2, "text/plain")]
    if problem == "missing part":
        body = multipart([data], [])
    elif problem == "extra part":
        body = multipart([data], parts + [(b"more", hashlib.sha256(b"more").hexdigest(), "text/plain")])
    elif problem == "wrong hash":
        body = multipart([data], [(b"hellx", sha2, "text/plain")])
    elif problem == "no hash":
        body = multipart([data], parts).replace(f"X-Experience-API-Hash: {sha2}\r\n".encode(), b"")
    elif problem == "first not json":
        body = multipart([data], parts, first_type="text/plain")
    elif problem == "no boundary in body":
        body = multipart([data], parts, boundary="something-else")
    elif problem == "not binary":
        body = multipart([data], parts, encoding="base64")
    else:
        assert xapi.post(data).status_code == 400
        return
    response = post_multipart(xapi, body)
    assert response.status_code == 400 and response.is_json


@pytest.mark.parametrize("declared, length", [(4, 5), (5, 6)], ids=["part-not-its-data", "attachment-not-its-part"])
def test_a_part_whose_content_length_is_not_that_of_its_data_or_attachment_is_refused(xapi, declared, length):
    """Communication 1.5.2.s2.b2.b7: a part's Content-Length and its attachment's length MUST match when both are
    given, and a Content-Length that is not the data's is a malformed part (3.2.s3.b6): a 400, nothing stored."""
    content = b"hello"
    sha2 = hashlib.sha256(content).hexdigest()

    def body(length, declared):
        sent = multipart([statement(attachments=[{**attachment_for(content), "length": length}])],
                         [(content, sha2, "text/plain")])
        return sent.replace(b"Content-Transfer-Encoding:", f"Content-Length: {declared}\r\n".encode()
                            + b"Content-Transfer-Encoding:")

    response = post_multipart(xapi, body(length, declared))
    assert response.status_code == 400 and "Content-Length" in response.get_json()["message"]
    assert xapi.get().get_json()["statements"] == []
    assert post_multipart(xapi, body(5, 5)).status_code == 200
    assert post_multipart(xapi, body(5, "05")).status_code == 200  # a number, however written
    assert post_multipart(xapi, body(5, "5 octets")).status_code == 400
    # a length alone is not held to the data: ADL's conformance suite sends one that is not, expecting a 200
    alone = multipart([statement(attachments=[{**attachment_for(content), "length": 6}])],
                      [(content, sha2, "text/plain")])
    assert post_multipart(xapi, alone).status_code == 200


def test_a_part_without_content_transfer_encoding_is_taken_as_binary(xapi):
    """Communication 1.5.2.s3.b6: the LRS SHOULD assume binary (a part that says otherwise is still refused)."""
    content = b"hello"
    sha2 = hashlib.sha256(content).hexdigest()
    body = multipart([statement(attachments=[attachment_for(content)])], [(content, sha2, "text/plain")])
    body = body.replace(b"Content-Transfer-Encoding: binary\r\n", b"")
    response = post_multipart(xapi, body)
    assert response.status_code == 200, response.get_json()
    multi = xapi.get(params={"statementId": response.get_json()[0], "attachments": "true"})
    assert content in multi.data


def signed(data, key, x5c, algorithm="RS256", payload=None):
    token = jwt.encode(payload or data, key, algorithm=algorithm, headers={"x5c": [x5c]}).encode()
    body_statement = dict(data, attachments=[attachment_for(token, SIGNATURE, "application/octet-stream")])
    return body_statement, token



def test_a_signature_holds_the_statements_other_attachments(xapi, signing_key):
    """The JWS payload is the complete statement before the signature was added (Data 2.6.s4.b3): its other
    attachments are the ones signed, so an attachment changed, added or left out after signing is a 400."""
    key, x5c = signing_key
    certificate = dict(attachment_for(b"certificate"), fileUrl="https://example.org/certificate.pdf")
    forged = dict(attachment_for(b"forged"), fileUrl="https://example.org/forged.pdf")

    def send(signed_attachments, sent_attachments):
        token = jwt.encode(statement(attachments=signed_attachments) if signed_attachments else statement(), key,
                           algorithm="RS256", headers={"x5c": [x5c]}).encode()
        data = statement(attachments=[*sent_attachments, attachment_for(token, SIGNATURE, "application/octet-stream")])
        return post_multipart(xapi, multipart([data], [(token, hashlib.sha256(token).hexdigest(),
                                                        "application/octet-stream")]))

    for signed_attachments, sent_attachments in (([certificate], [forged]), ([certificate], []), ([], [forged])):
        response = send(signed_attachments, sent_attachments)
        assert response.status_code == 400 and response.get_json()["property"] == "signature"
    assert xapi.get().get_json()["statements"] == []
    upper = dict(certificate, sha2=certificate["sha2"].upper())  # a hash is the same in capitals
    assert send([certificate], [upper]).status_code == 200
    assert send([], []).status_code == 200

@pytest.mark.parametrize("algorithm", ["RS256", "RS384", "RS512"])
def test_signed_statements_are_accepted(xapi, signing_key, algorithm):
    key, x5c = signing_key
    data, token = signed(statement(), key, x5c, algorithm)
    response = post_multipart(xapi, multipart([data], [(token, hashlib.sha256(token).hexdigest(),
                                                        "application/octet-stream")]))
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("problem", ["algorithm", "payload", "signature", "content type", "not a jws"])
def test_bad_signatures_are_refused(xapi, signing_key, problem):
    key, x5c = signing_key
    data = statement()
    if problem == "algorithm":
        token = jwt.encode(data, "a-shared-secret-of-enough-length-for-hs256", algorithm="HS256").encode()
    elif problem == "payload":
        token = jwt.encode(statement(verb={"id": "http://example.org/verbs/other"}), key, algorithm="RS256",
                           headers={"x5c": [x5c]}).encode()
    elif problem == "signature":
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(data, other, algorithm="RS256", headers={"x5c": [x5c]}).encode()
    else:
        token = b"this is not a jws"
    content_type = "text/plain" if problem == "content type" else "application/octet-stream"
    if problem == "content type":
        token = jwt.encode(data, key, algorithm="RS256", headers={"x5c": [x5c]}).encode()
    body_statement = dict(data, attachments=[attachment_for(token, SIGNATURE, content_type)])
    response = post_multipart(xapi, multipart([body_statement], [(token, hashlib.sha256(token).hexdigest(),
                                                                  content_type)]))
    assert response.status_code == 400 and response.get_json()["property"] in ("signature", "statements[0].attachments")


def test_a_signature_of_a_statement_with_another_id_is_refused(xapi, signing_key):
    """Data 2.6.s5.b3.b2 and 2.3.1.s9: the signed statement and the one received differ only where the LRS could
    have filled something in. It fills in an id a statement lacks, never changes one: a signature taken from a
    statement with one id does not sign one with another (nor another version). The same id in capitals is the
    same id, and a payload without an id or version signs a statement the LRS gives them."""
    key, x5c = signing_key
    first, second = "0b3c4a6e-2f2e-4bd5-9f0e-6a1c2b3d4e5f", "7d9e1f20-3a4b-4c5d-8e6f-708192a3b4c5"

    def send(payload, data):
        data, token = signed(data, key, x5c, payload=payload)
        return post_multipart(xapi, multipart([data], [(token, hashlib.sha256(token).hexdigest(),
                                                        "application/octet-stream")]))

    for payload, data in ((statement(id=first), statement(id=second)),
                          (statement(version="1.0.0"), statement(version="1.0.3"))):
        response = send(payload, data)
        assert response.status_code == 400 and response.get_json()["property"] == "signature", payload
    assert xapi.get().get_json()["statements"] == []
    assert send(statement(id=first), statement(id=first.upper())).status_code == 200
    assert send(statement(), statement(id=second)).status_code == 200
    assert send(statement(), statement(version="1.0.3")).status_code == 200


def test_each_part_is_labelled_with_the_hash_as_its_statement_writes_it(xapi):
    """Communication 1.5.2.s1.b4: a receiver matches a part to its attachment by comparing the X-Experience-API-Hash
    with the attachment's sha2. Itself it takes either case, but another LRS (which this one forwards to) or a
    client may compare the text: the part carries the hash as the statement has it."""
    content = b"hash in capitals"
    upper = dict(attachment_for(content), sha2=hashlib.sha256(content).hexdigest().upper())
    lower = attachment_for(content)
    for data in (upper, lower):
        response = post_multipart(xapi, multipart([statement(attachments=[data])], [(content, data["sha2"],
                                                                                     "text/plain")]))
        assert response.status_code == 200, response.get_json()
    body = xapi.get(params={"attachments": "true"}).data
    for data in (upper, lower):
        part = body.split(f"X-Experience-API-Hash: {data['sha2']}\r\n".encode())
        assert len(part) == 2 and part[1].startswith(b"\r\n" + content + b"\r\n")


def test_transport_padding_after_a_boundary_is_accepted(xapi):
    """Communication 1.5.2.s2.b2 takes multipart/mixed as RFC 2046 defines it, whose receivers MUST handle spaces
    and tabs between a boundary and its line break (5.1.1, transport-padding)."""
    content = b"padded"
    sha2 = hashlib.sha256(content).hexdigest()
    body = multipart([statement(attachments=[attachment_for(content)])], [(content, sha2, "text/plain")])
    padded = body.replace(f"--{BOUNDARY}\r\n".encode(), f"--{BOUNDARY} \t \r\n".encode())
    assert padded.count(b" \t \r\n") == 2
    response = post_multipart(xapi, padded)
    assert response.status_code == 200, response.get_json()
    multi = xapi.get(params={"statementId": response.get_json()[0], "attachments": "true"})
    assert f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode() + content + b"\r\n" in multi.data


@pytest.mark.parametrize("data", [b"a note that mentions --abc in passing\r\n", b"x--abc--\r\nmore", b"ends in --abc"])
def test_the_boundary_text_inside_a_part_and_not_after_a_line_break_is_data(xapi, data):
    """RFC 2046 5.1.1: a delimiter is a line break, "--" and the boundary (only the first may open the body).
    The same characters elsewhere in a part are data, which a short boundary (legal: 1 to 70 characters) may well
    meet in a text or binary attachment: such valid requests were refused with a 400."""
    sha2 = hashlib.sha256(data).hexdigest()
    body = multipart([statement(attachments=[attachment_for(data)])], [(data, sha2, "text/plain")], boundary="abc")
    response = post_multipart(xapi, body, boundary="abc")
    assert response.status_code == 200, response.get_json()
    multi = xapi.get(params={"statementId": response.get_json()[0], "attachments": "true"})
    assert f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode() + data + b"\r\n" in multi.data


def _sent(content=b"closing"):
    """A statement with one attachment, and its multipart body with the closing delimiter last."""
    sha2 = hashlib.sha256(content).hexdigest()
    body = multipart([statement(attachments=[attachment_for(content)])], [(content, sha2, "text/plain")])
    assert body.endswith(f"\r\n--{BOUNDARY}--\r\n".encode())
    return body


@pytest.mark.parametrize("cut", [f"--{BOUNDARY}--\r\n", f"\r\n--{BOUNDARY}--\r\n", f"{BOUNDARY}--\r\n", "--\r\n"],
                         ids=["after-the-line-break", "with-the-line-break", "leaving-dashes", "leaving-a-delimiter"])
def test_a_body_without_its_closing_delimiter_is_a_400(xapi, cut):
    """RFC 2046 5.1.1 (which Communication 1.5.2.s2.b2 holds requests to): "multipart-body := [preamble CRLF]
    dash-boundary transport-padding CRLF body-part *encapsulation close-delimiter ..." and "The boundary delimiter
    line following the last body part is a distinguished delimiter that indicates that no further body parts will
    follow". A body cut short, the last part running to its end, was taken as complete."""
    body = _sent()
    response = post_multipart(xapi, body[:-len(cut)])
    assert response.status_code == 400 and response.is_json
    assert "closing" in response.get_json()["message"]
    assert xapi.get().get_json()["statements"] == []
    # the statements alone, their part unclosed, likewise
    alone = multipart([statement()], [])
    response = post_multipart(xapi, alone[:-len(f"--{BOUNDARY}--\r\n")])
    assert response.status_code == 400 and "closing" in response.get_json()["message"]


@pytest.mark.parametrize("ending", [b"", b"\r\n", b" \t\r\n", b"\r\nAn epilogue, which RFC 2046 says to ignore.\r\n",
                                   b"\r\n\r\n"], ids=["none", "crlf", "padding", "epilogue", "blank-lines"])
def test_what_may_follow_the_closing_delimiter_is_accepted(xapi, ending):
    """What RFC 2046 5.1.1 allows after the close-delimiter ("transport-padding [CRLF epilogue]") and before the
    first boundary ("[preamble CRLF]") is ignored: the ADL conformance suite signs with no line break after it."""
    body = _sent()[:-2] + ending
    response = post_multipart(xapi, b"A preamble, which RFC 2046 says to ignore.\r\n" + body)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("boundary, sent", [("", '""'), ("b" * 71, "b" * 71), ("b" * 200, f'"{"b" * 200}"'),
                                            ("", "")], ids=["quoted-empty", "71", "200-quoted", "empty"])
def test_a_boundary_of_no_characters_or_more_than_70_is_a_400(xapi, boundary, sent):
    """RFC 2046 5.1.1: "the boundary parameter, which consists of 1 to 70 characters"; boundary="" was taken, and
    every line beginning "--" became a delimiter, and so were boundaries of any length."""
    content = b"boundary"
    body = multipart([statement(attachments=[attachment_for(content)])],
                     [(content, hashlib.sha256(content).hexdigest(), "text/plain")], boundary=boundary)
    response = post_multipart(xapi, body, boundary=sent)
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["property"] == "Content-Type" and "boundary" in response.get_json()["message"]
    assert xapi.get().get_json()["statements"] == []


@pytest.mark.parametrize("boundary, sent", [("b", "b"), ("b" * 70, "b" * 70), ("b" * 70, f'"{"b" * 70}"'),
                                            ("abcABC0123'()+_,-./:=?", "\"abcABC0123'()+_,-./:=?\"")],
                         ids=["1", "70", "70-quoted", "the-spec-example"])
def test_a_boundary_of_1_to_70_characters_is_accepted(xapi, boundary, sent):
    """Communication 1.5.2.s6 writes its example with boundary="abcABC0123'()+_,-./:=?"."""
    content = b"boundary"
    body = multipart([statement(attachments=[attachment_for(content)])],
                     [(content, hashlib.sha256(content).hexdigest(), "text/plain")], boundary=boundary)
    response = post_multipart(xapi, body, boundary=sent)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("first_type", ["application/json; charset=iso-8859-1", 'application/json; charset="UTF-16"',
                                        "application/json; Charset = latin1",
                                        "application/json; charset=utf-8; charset=windows-1252",
                                        "application/json; charset="])
def test_a_statements_part_declared_in_a_charset_other_than_utf8_is_a_400(xapi, first_type):
    """Communication 1.4.s1.b1: "All strings MUST be encoded and interpreted as UTF-8", and 1.5.2.s2.b2.b6: for the
    first part the Content-Type "MUST be application/json". Statements declared in another charset were read as
    UTF-8 all the same: text meant as windows-1252 would be stored as other characters than the client meant."""
    body = multipart([statement()], [], first_type=first_type)
    response = post_multipart(xapi, body)
    assert response.status_code == 400 and response.is_json
    assert "charset" in response.get_json()["message"] and "UTF-8" in response.get_json()["message"]
    assert xapi.get().get_json()["statements"] == []


@pytest.mark.parametrize("first_type", ["application/json", "application/json; charset=UTF-8",
                                        'application/json; charset="utf-8"', "application/json;charset=utf8",
                                        "Application/JSON", "application/json;charset=us-ascii"])
def test_a_statements_part_in_utf8_or_with_no_charset_is_accepted(xapi, first_type):
    """US-ASCII is UTF-8 too, as long as the text is ASCII (json.dumps writes "\\u00f1" for "ñ")."""
    response = post_multipart(xapi, multipart([statement()], [], first_type=first_type))
    assert response.status_code == 200, response.get_json()


def test_a_statements_part_declared_us_ascii_holding_other_characters_is_a_400(xapi):
    """Declared US-ASCII, the statements hold "Añá" in UTF-8: what the client meant cannot be told."""
    body = multipart([statement()], [], first_type="application/json; charset=us-ascii")
    response = post_multipart(xapi, body.replace(b'"Ana"', '"Añá"'.encode()))
    assert response.status_code == 400 and "charset=us-ascii" in response.get_json()["message"]
    assert xapi.get().get_json()["statements"] == []


@pytest.mark.parametrize("part, extra", [(0, "lines"), (1, "lines"), (1, "bytes")])
def test_a_part_with_an_absurd_header_block_is_a_400(xapi, part, extra):
    """RFC 2046 5.1.1 bounds no part's headers, nor does the specification; a server bounds its own (RFC 9110 5.4:
    "A server that receives a request header field line, field value, or set of fields larger than it wishes to
    process MUST respond with an appropriate 4xx (Client Error) status code"). 20,000 header lines in a part were
    each read and kept."""
    content = b"headers"
    sha2 = hashlib.sha256(content).hexdigest()
    body = multipart([statement(attachments=[attachment_for(content)])], [(content, sha2, "text/plain")])
    padding = "".join(f"X-Padding-{n}: {n}\r\n" for n in range(20_000)) if extra == "lines" \
        else f"X-Padding: {'p' * 20_000}\r\n"
    starts = [index for index in range(len(body)) if body.startswith(f"--{BOUNDARY}\r\n".encode(), index)]
    at = starts[part] + len(f"--{BOUNDARY}\r\n")
    response = post_multipart(xapi, body[:at] + padding.encode() + body[at:])
    assert response.status_code == 400 and response.is_json
    assert "header" in response.get_json()["message"]
    assert xapi.get().get_json()["statements"] == []


def test_a_part_with_a_few_headers_of_its_own_is_accepted(xapi):
    content = b"headers"
    sha2 = hashlib.sha256(content).hexdigest()
    body = multipart([statement(attachments=[attachment_for(content)])], [(content, sha2, "text/plain")])
    padding = "".join(f"X-Padding-{n}: {'p' * 100}\r\n" for n in range(90))
    body = body.replace(b"Content-Transfer-Encoding", padding.encode() + b"Content-Transfer-Encoding")
    response = post_multipart(xapi, body)
    assert response.status_code == 200, response.get_json()
