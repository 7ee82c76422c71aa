"""The JSON reader of the database's columns and of what the LRS receives: exact (its speed beside orjson is
measured by bench/json_benchmark.py)."""
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
