"""Statement attachments (Data 2.4.11, Communication 1.5): multipart/mixed requests and responses, and signed
statements (Data 2.6), whose JWS signature is checked here."""
import base64
import hashlib
import json
import uuid
from typing import NamedTuple

import jwt
import sqlalchemy as sa
from cryptography import x509

from app import jsonutil
from app.extensions import db
from app.xapi.models import Attachment
from app.xapi.validation import StatementError, is_media_type, validate_statement

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
HASHES = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}
SIGNATURE_ALGORITHMS = ("RS256", "RS384", "RS512")
MAX_BOUNDARY = 70  # characters (RFC 2046 5.1.1)
# a part's headers: what it needs is a few short lines; as HTTP servers bound a request's (Python's http.client and
# Apache take 100 lines), these are bounded, each line of them otherwise read and kept
MAX_PART_HEADER_LINES = 100
MAX_PART_HEADER_BYTES = 16 * 1024
UTF8 = ("utf-8", "utf8")  # the names a statements part may give its charset
ASCII = ("us-ascii", "ascii")  # a charset a statements part may name when its text is ASCII


class AttachmentError(StatementError):
    def __init__(self, message: str, path: str = "attachments"):
        super().__init__(path, message)


def _boundary(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "boundary" and value.strip():
            boundary = value.strip().strip('"')
            if not 1 <= len(boundary) <= MAX_BOUNDARY:
                raise AttachmentError(f"the boundary in Content-Type must be 1 to {MAX_BOUNDARY} characters long "
                                      f"(it has {len(boundary)})", "Content-Type")
            return boundary
    raise AttachmentError("a multipart/mixed request needs a boundary in its Content-Type", "Content-Type")


def _headers(block: bytes) -> dict[str, str]:
    headers = {}
    for line in block.decode("utf-8", errors="replace").split("\r\n"):
        if line.strip():
            name, colon, value = line.partition(":")
            if not colon:
                raise AttachmentError("a part has a malformed header line", "multipart")
            headers[name.strip().lower()] = value.strip()
    return headers


def split_multipart(body: bytes, content_type: str) -> tuple[bytes, list[tuple[dict, bytes]]]:
    """The JSON first part and the other parts (headers, content) of a multipart/mixed body."""
    # a delimiter is a line break, "--" and the boundary (RFC 2046 5.1.1); the first may open the body. The same
    # characters elsewhere (mid-line in a part) are data
    delimiter = b"\r\n--" + _boundary(content_type).encode()
    body = b"\r\n" + body
    if delimiter not in body:
        raise AttachmentError("the body does not contain the boundary given in Content-Type", "multipart")
    # the last part is followed by the close-delimiter (RFC 2046 5.1.1); without it the body may have been cut short
    if delimiter + b"--" not in body:
        raise AttachmentError('the body has no closing boundary ("--", the boundary, "--") after its last part',
                              "multipart")
    chunks = body.split(delimiter)
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        chunk = chunk.lstrip(b" \t")  # transport padding, which receivers MUST take (RFC 2046 5.1.1)
        if not chunk.startswith(b"\r\n"):
            raise AttachmentError("each boundary must be followed by a line break", "multipart")
        head, separator, content = chunk[2:].partition(b"\r\n\r\n")
        if not separator:
            raise AttachmentError("a part has no blank line after its headers", "multipart")
        if len(head) > MAX_PART_HEADER_BYTES or head.count(b"\r\n") >= MAX_PART_HEADER_LINES:
            raise AttachmentError(f"a part has more than {MAX_PART_HEADER_LINES} header lines or "
                                  f"{MAX_PART_HEADER_BYTES} bytes of headers", "multipart")
        parts.append((_headers(head), content))
    if not parts:
        raise AttachmentError("the multipart body has no parts", "multipart")
    first_headers, first = parts[0]
    first_type = first_headers.get("content-type", "")
    if first_type.split(";")[0].strip().lower() != "application/json":
        raise AttachmentError("the first part must be the statements, as application/json", "multipart")
    problem = charset_problem(first_type, first)
    if problem:
        raise AttachmentError(f"the statements part {problem}", "multipart")
    return first, parts[1:]


def charset_problem(content_type: str, text: bytes) -> str | None:
    """What is wrong with the charset statements sent as ``content_type`` declare ("must be UTF-8, not
    charset=…"), None when nothing is: statements are UTF-8 (Communication 1.4.s1.b1) and read as such, and text
    declared in another charset would be stored as other characters than its sender meant."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        charset = value.strip().strip('"')
        if name.strip().lower() == "charset" and charset.lower() not in UTF8 and not (
                charset.lower() in ASCII and text.isascii()):  # ASCII text is UTF-8 as it stands
            return f"must be UTF-8, not charset={charset[:40]}"
    return None


def _digest(content: bytes, sha2: str) -> str | None:
    algorithm = HASHES.get(len(sha2))
    return algorithm(content).hexdigest() if algorithm else None


class Part(NamedTuple):
    """An attachment part: its media type, its data, and the Content-Length it declared (None: none)."""

    content_type: str
    content: bytes
    declared_length: int | None = None


def collect(parts: list[tuple[dict, bytes]]) -> dict[str, Part]:
    """The attachment parts by their hash, each checked against its X-Experience-API-Hash."""
    found = {}
    for headers, content in parts:
        sha2 = headers.get("x-experience-api-hash")
        if not sha2:
            raise AttachmentError("every attachment part needs an X-Experience-API-Hash header", "multipart")
        # binary when a part does not say (Communication 1.5.2.s3.b6); any other encoding is refused
        if headers.get("content-transfer-encoding", "binary").lower() != "binary":
            raise AttachmentError("attachment parts must be sent with Content-Transfer-Encoding: binary",
                                  "multipart")
        if _digest(content, sha2) != sha2.lower():
            raise AttachmentError("an attachment part does not match its X-Experience-API-Hash", "multipart")
        declared = headers.get("content-length")
        # a number, as RFC 9110 8.6 writes it (05 is 5); anything else says no length it could be
        if declared is not None and not (declared.strip().isascii() and declared.strip().isdigit()
                                         and int(declared) == len(content)):
            raise AttachmentError(f"an attachment part's Content-Length ({declared}) is not the length of its data "
                                  f"({len(content)} octets)", "multipart")
        content_type = headers.get("content-type", "")
        found[sha2.lower()] = Part(content_type if is_media_type(content_type) else "application/octet-stream",
                                   content, len(content) if declared is not None else None)
    return found


def attachments_of(statement: dict):
    yield from statement.get("attachments", [])
    target = statement.get("object", {})
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        yield from target.get("attachments", [])


def check(statements: list, parts: dict[str, Part]) -> None:
    """Every attachment without a fileUrl has its part; no part is left over; signatures are valid."""
    wanted = set()
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict):
            continue
        for attachment in attachments_of(statement):
            if not isinstance(attachment, dict) or not isinstance(attachment.get("sha2"), str):
                continue  # the validator reports it
            sha2 = attachment["sha2"].lower()
            if sha2 in parts:
                wanted.add(sha2)
                # the part's Content-Length and the attachment's length MUST match when both are given
                # (Communication 1.5.2.s2.b2.b7); a length alone is not held to the data: ADL's conformance suite
                # sends one that is not (XAPI-00127) and expects the statement stored
                length, declared = attachment.get("length"), parts[sha2].declared_length
                if declared is not None and isinstance(length, int) and not isinstance(length, bool) \
                        and length != declared:
                    raise AttachmentError(f"an attachment's length ({length}) is not its part's Content-Length "
                                          f"({declared})", f"statements[{index}].attachments")
            elif "fileUrl" not in attachment:
                raise AttachmentError("an attachment has neither a fileUrl nor its data in the request",
                                      f"statements[{index}].attachments")
            if attachment.get("usageType") == SIGNATURE and sha2 in parts:
                if attachment.get("contentType") != "application/octet-stream":
                    raise AttachmentError("a signature attachment must be application/octet-stream",
                                          f"statements[{index}].attachments")
                verify_signature(statement, parts[sha2][1])
    extra = set(parts) - wanted
    if extra:
        raise AttachmentError("the request holds parts that no attachment refers to", "multipart")


def verify_signature(statement: dict, token: bytes) -> None:
    """A signed statement (Data 2.6): the JWS uses RS256/384/512, its payload is this statement, and when it
    carries an X.509 certificate (x5c) the signature verifies against it."""
    from app.xapi.services import same_statement

    try:
        text = token.decode("ascii").strip()
        header = jwt.get_unverified_header(text)
        payload = jsonutil.parse(jwt.api_jws.PyJWS().decode_complete(text, options={"verify_signature": False})
                                 ["payload"])
    except (UnicodeDecodeError, ValueError, jwt.exceptions.PyJWTError) as error:
        raise AttachmentError("the signature is not a valid JWS", "signature") from error
    if header.get("alg") not in SIGNATURE_ALGORITHMS:
        raise AttachmentError("the signature must use RS256, RS384 or RS512", "signature")
    if not isinstance(payload, dict):
        raise AttachmentError("the signed payload differs from the statement", "signature")
    try:  # compared below as statements: what is no statement differs, and must not break the comparison
        validate_statement(payload, "signature.payload")
    except StatementError as error:
        raise AttachmentError(f"the signed payload is not a valid statement ({error.path} {error.message})",
                              "signature") from error
    unsigned = dict(statement)
    unsigned["attachments"] = [a for a in statement.get("attachments", []) if a.get("usageType") != SIGNATURE]
    # the other attachments were part of the statement signed (Data 2.6.s4.b3), though statements are otherwise
    # compared without them
    if not same_statement(payload, unsigned) or _described(payload) != _described(unsigned) \
            or _given_differently(payload, unsigned):
        raise AttachmentError("the signed payload differs from the statement", "signature")
    chain = header.get("x5c")
    if chain:
        try:
            if not isinstance(chain, list) or not isinstance(chain[0], str):  # RFC 7515 4.1.6: base64 strings
                raise ValueError("x5c is not an array of certificates")
            certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
            jwt.api_jws.PyJWS().decode_complete(text, key=certificate.public_key(), algorithms=[header["alg"]])
        except (ValueError, TypeError, IndexError, jwt.exceptions.PyJWTError) as error:
            raise AttachmentError("the signature does not verify against its certificate", "signature") from error


def _given_differently(payload: dict, statement: dict) -> bool:
    """Whether both give an id, or a version, and not the same one: the LRS fills in an id or version a statement
    lacks (Data 2.3.1.b1) but never changes one, so only a missing one may differ (2.3.1.s9). Both are valid
    statements by now."""
    if "id" in payload and "id" in statement and uuid.UUID(payload["id"]) != uuid.UUID(statement["id"]):
        return True

    def version(value: str) -> str:  # "1.0" is 1.0.0 (Communication 3.3)
        return value if value.count(".") > 1 else f"{value}.0"

    return "version" in payload and "version" in statement and version(payload["version"]) != version(
        statement["version"])


def _described(statement: dict) -> list:
    """A statement's attachments as compared for a signature: each hash in small letters (the same hash)."""
    return [dict(a, sha2=a["sha2"].lower()) if isinstance(a.get("sha2"), str) else a
            for a in attachments_of(statement) if isinstance(a, dict)]


def save(parts: dict[str, Part]) -> None:
    if not parts:
        return
    known = set(db.session.scalars(sa.select(Attachment.sha2).where(Attachment.sha2.in_(parts))))
    db.session.add_all([Attachment(sha2=sha2, content_type=part.content_type, content=part.content)
                        for sha2, part in parts.items() if sha2 not in known])


def stored_for(statements: list[dict]) -> bool:
    """Whether this LRS holds the data of any attachment of these statements (what it received with them)."""
    hashes = {a["sha2"].lower() for s in statements for a in attachments_of(s) if isinstance(a.get("sha2"), str)}
    return bool(hashes) and db.session.scalar(
        sa.select(sa.func.count()).select_from(Attachment).where(Attachment.sha2.in_(hashes))) > 0


def multipart_response(document: dict, statements: list[dict]) -> tuple[bytes, str]:
    """A multipart/mixed body: the JSON document, then each attachment the statements carry."""
    types = {}  # each part labelled with the contentType of the attachment that names it (Communication 1.5.2)
    for statement in statements:
        for attachment in attachments_of(statement):
            # and with the hash as the statement writes it: a receiver may compare the two as text (1.5.2.s1.b4),
            # so a hash written in capitals and the same in small letters each get their part
            sha2 = attachment.get("sha2", "")
            if sha2:
                types.setdefault(sha2, attachment.get("contentType"))
    hashes = list(types)
    stored = {a.sha2: a for a in db.session.scalars(sa.select(Attachment).where(
        Attachment.sha2.in_({sha2.lower() for sha2 in hashes})))}
    body = json.dumps(document).encode()
    parts = []
    for sha2 in hashes:
        if sha2.lower() in stored:
            attachment = stored[sha2.lower()]
            # a type stored before media types were checked strictly (a line break in it) is not sent as a header
            label = types[sha2] if is_media_type(types[sha2]) else attachment.content_type
            parts.append((f"Content-Type: {label}\r\nContent-Transfer-Encoding: binary\r\n"
                          f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode(), attachment.content))
    # the boundary follows from what the parts hold (their contents by their hashes), so that the same answer is
    # the same body, with the same ETag, each time it is asked for (Communication 3.1.s4.b1); no content can hold
    # the hash of itself
    digest = hashlib.sha256(body)
    for headers, _content in parts:
        digest.update(headers)
    boundary = digest.hexdigest()[:32]
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), body, b"\r\n"]
    for headers, content in parts:
        chunks += [f"--{boundary}\r\n".encode(), headers, content, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'
