"""Fast JSON (orjson) where statements flow in volume, with the standard library as the fallback for what
orjson refuses (integers beyond 64 bits), so behaviour never depends on which one parsed the data."""
import json

import orjson
from flask.json.provider import DefaultJSONProvider


def loads(data):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)  # raises ValueError for what is not JSON at all


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
        return loads(s)
