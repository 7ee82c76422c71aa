"""Fast JSON (orjson) where statements flow in volume, with the standard library as the fallback for what
orjson refuses, so behaviour never depends on which one parsed the data.

``parse`` is for what arrives from outside: it refuses, as ValueError (JSONError) naming where, what would
break later on (NaN, Infinity, numbers beyond a double, nesting deeper than MAX_DEPTH). ``loads`` is for data
already checked (the database's JSON columns)."""
import json
import math
import re

import orjson
from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 100  # objects and arrays inside one another; statements need a handful
_LARGEST = 1.7976931348623157e308


class JSONError(ValueError):
    """Text that is not JSON we accept; ``path`` (e.g. ``[0].result.score.raw``) says where, when known."""

    def __init__(self, message: str, path: str | None = None):
        super().__init__(f"{path}: {message}" if path else message)
        self.message, self.path = message, path

    def at(self, name: str) -> str:
        """The property, for an error message: ``name`` (what was parsed) followed by the path inside it."""
        if not self.path:
            return name
        return f"{name}{self.path}" if self.path.startswith("[") else f"{name}.{self.path}"


def _int(text: str):
    """Integers beyond a double's range become infinity, which parse() refuses (and Python's own limit of 4,300
    digits never speaks in its own words)."""
    if len(text) <= 300:
        return int(text)
    if len(text.lstrip("-")) > 4300:
        return math.inf
    number = int(text)
    return number if abs(number) <= _LARGEST else math.inf


def _sound(value) -> bool:
    """Whether every number is finite and nothing is nested deeper than MAX_DEPTH (one pass, no recursion)."""
    isfinite = math.isfinite
    stack = [(value, 0)] if type(value) in (dict, list) else []
    if type(value) is float and not isfinite(value):
        return False
    while stack:
        node, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return False
        for item in node.values() if type(node) is dict else node:
            kind = type(item)
            if kind is dict or kind is list:
                stack.append((item, depth + 1))
            elif kind is float and not isfinite(item):
                return False
    return True


def _problem(value, parts: tuple = (), depth: int = 0) -> tuple[str, str] | None:
    """Where the first problem _sound() found is, and what it is (only called after _sound said no)."""
    if isinstance(value, float) and not math.isfinite(value):
        return _path(parts), "must be a finite number (not NaN, Infinity or beyond about 1.8e308)"
    if isinstance(value, (dict, list)):
        if depth >= MAX_DEPTH:  # named by where the deep nesting starts, not by a hundred steps into it
            return _path(parts[:4]), f"nests objects and arrays more than {MAX_DEPTH} deep"
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            found = _problem(item, (*parts, [key] if isinstance(value, list) else key), depth + 1)
            if found:
                return found
    return None


def _path(parts: tuple) -> str:
    return "".join(f"[{part[0]}]" if isinstance(part, list) else f".{part}" for part in parts).lstrip(".")


# orjson reads an integer beyond 64 bits (below -2**63, above 2**64 - 1) as a float, losing digits: text with a
# run of 20 digits, or of 19 after a minus sign (maybe such an integer, maybe only a string), is read by the
# standard library, which keeps every digit. The runs are looked for in a copy where every ASCII digit is "0",
# the minus sign stays and every other byte is a space: two substring searches, some 15 times faster than the
# regular expression -[0-9]{19}|[0-9]{20} (which cost a course's page several milliseconds on its modules' texts)
_DIGITS_ONLY = bytes(ord("0") if ord("0") <= b <= ord("9") else b if b == ord("-") else ord(" ") for b in range(256))
_TWENTY_DIGITS, _MINUS_NINETEEN = b"0" * 20, b"-" + b"0" * 19


def _has_long_digits(data) -> bool:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")  # digits are ASCII: other characters become other bytes
    elif not isinstance(data, (bytes, bytearray)):
        data = bytes(data)
    shape = data.translate(_DIGITS_ONLY)
    return _TWENTY_DIGITS in shape or _MINUS_NINETEEN in shape


def _orjson(data):
    if _has_long_digits(data):
        raise orjson.JSONDecodeError("", "", 0)
    return orjson.loads(data)


def _surrogate(value, parts: tuple = ()) -> str | None:
    """Where a string or key holds a lone surrogate (U+D800-U+DFFF), which no UTF-8 text can hold (called on
    what passed _sound: the depth is bounded)."""
    if isinstance(value, str):
        return _path(parts) if _SURROGATE.search(value) else None
    if isinstance(value, (dict, list)):
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            if isinstance(key, str) and _SURROGATE.search(key):
                return _path(parts)
            found = _surrogate(item, (*parts, [key] if isinstance(value, list) else key))
            if found is not None:
                return found
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse(data):
    """JSON from outside (bytes or str); raises JSONError (a ValueError) for what is not JSON we accept.

    Text is UTF-8 (xAPI Communication 1.4): other encodings, and lone surrogates (raw or as \\ud800 escapes),
    which UTF-8 cannot hold and which would fail later when hashed or stored, are refused. orjson refuses
    them itself; the standard library, its fallback, would take them."""
    fallback = False
    try:
        value = _orjson(data)
    except orjson.JSONDecodeError:
        fallback = True
        try:
            text = data.decode("utf-8-sig") if isinstance(data, (bytes, bytearray)) else data
            value = json.loads(text, parse_int=_int)  # what orjson refuses: NaN, 1e400, very deep nesting...
        except RecursionError:
            raise JSONError(f"nests objects and arrays more than {MAX_DEPTH} deep") from None
        except UnicodeDecodeError as error:
            raise JSONError(f"is not UTF-8 text ({error})") from error
        except ValueError as error:  # not JSON at all
            raise JSONError(f"is not valid JSON ({error})") from error
    if not _sound(value):
        path, message = _problem(value)
        raise JSONError(message, path)
    if fallback and (path := _surrogate(value)) is not None:
        raise JSONError("holds a lone surrogate (\\ud800-\\udfff), which is not Unicode text", path or None)
    return value


def loads(data):
    """JSON this application wrote or checked already (its database columns)."""
    try:
        return _orjson(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def dumps(value) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, default=str)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON provider on orjson (same output semantics; keys sorted as Flask does)."""

    def dumps(self, obj, **kwargs):
        try:
            return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:
            return super().dumps(obj, **kwargs)

    def loads(self, s, **kwargs):
        return parse(s)
