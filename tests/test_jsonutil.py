"""The JSON reader of the database's columns and of what the LRS receives: exact, and about as fast as orjson."""
import time

import orjson
import pytest

from app import jsonutil


@pytest.mark.parametrize("text", [
    '{"n": 12345678901234567890123, "t": "Año ñandú"}',  # beyond 64 bits, after non-ASCII text
    '{"t": "São Paulo – región", "n": -9999999999999999999}',  # below -2**63: a minus sign and 19 digits
    '[18446744073709551616, "x"]',  # 2**64: 20 digits
])
def test_integers_beyond_64_bits_are_read_digit_for_digit(text):
    expected = __import__("json").loads(text)
    for data in (text, text.encode()):
        assert jsonutil.loads(data) == expected and jsonutil.parse(data) == expected
        assert not any(isinstance(v, float) for v in (expected.values() if isinstance(expected, dict) else expected))


def test_integers_within_64_bits_and_digits_in_strings_read_as_written():
    text = '{"a": 9223372036854775807, "b": -9223372036854775808, "c": "12345678901234567890", "d": "½٣٤"}'
    assert jsonutil.loads(text) == {"a": 2**63 - 1, "b": -2**63, "c": "12345678901234567890", "d": "½٣٤"}


def test_reading_a_long_text_costs_about_what_orjson_costs():
    """A module's texts (its body in three languages) are tens of kilobytes of JSON, read on every course page:
    the look for long runs of digits (numbers orjson would round) must not cost many times the parse itself
    (a regular expression took some 25 times as long as orjson on such text)."""
    body = "La especialización inteligente (S3) — 2026: 12 regiones, 3,5 % del PIB. " * 400
    text = orjson.dumps({locale: {"title": "Módulo", "body": body} for locale in ("en", "es", "pt_BR")}).decode()

    def best(read):
        times = []
        for _ in range(7):
            started = time.perf_counter()
            for _ in range(20):
                read(text)
            times.append(time.perf_counter() - started)
        return min(times)

    assert jsonutil.loads(text)["es"]["body"] == body
    ratio = best(jsonutil.loads) / best(orjson.loads)
    assert ratio < 8, ratio
