"""service.json_writer: answers and audit columns written by orjson, read back as the standard library writes them."""

from __future__ import annotations

import json
import math

import pytest

from service import json_writer


@pytest.mark.parametrize("value", [
    {"cards": [{"summary": "Prednisone 60 mg/day ≥ 1 mg/kg — µg, naïve", "n": 1, "x": 0.1, "ok": True, "no": None}]},
    [1, "two", [3.5, {"four": []}]],
    10**30,  # beyond 64 bits: orjson refuses it, the standard library writes it
    {"label": "prednisone \ud83d"},  # a lone surrogate, read from a FHIR server: no UTF-8 form, written escaped
])
def test_what_is_written_reads_back_as_the_same_value(value):
    assert json.loads(json_writer.dumps(value)) == value == json.loads(json_writer.dumps_bytes(value))


def test_keys_that_are_not_text_are_written_as_text_and_a_float_that_is_no_number_as_null():
    """The standard library writes {1: ...} as {"1": ...} (kept) and NaN as NaN, which no JSON reader accepts."""
    assert json.loads(json_writer.dumps({1: "a", "b": math.nan, "c": math.inf})) == {"1": "a", "b": None, "c": None}


def test_a_value_json_cannot_write_is_still_an_error():
    with pytest.raises(TypeError):
        json_writer.dumps({"x": object()})
