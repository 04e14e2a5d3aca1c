"""service.validation.parse_json: orjson reads a request, the standard library has the last word on what it refuses.

The two parsers must agree on every document both read, and a body orjson refuses must be judged as the standard
library (and JSON) judge it, never turned into a 400 that the slower parser would not have given."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.errors import APIError
from service.validation import parse_json

JSON = "application/json"

json_documents = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(document=json_documents, ascii_only=st.booleans())
def test_the_fast_parser_reads_what_the_standard_library_reads(document: Any, ascii_only: bool) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only)
    if "\x00" in text or "\\u0000" in text:
        return  # NUL is refused (no database stores it): tested below
    assert parse_json(text.encode(), JSON, max_depth=64) == json.loads(text)


@pytest.mark.parametrize("text", ['{"count": 1e999}', '{"count": -1e999}'])
def test_a_number_beyond_a_double_is_read_as_the_standard_library_reads_it(text: str) -> None:
    """orjson refuses it; JSON allows it, and the rule readers skip the one resource that holds it (test_api)."""
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(text)
    assert parse_json(text.encode(), JSON, max_depth=64) == json.loads(text)


@pytest.mark.parametrize(("body", "says"), [
    (b'{"a": NaN}', "NaN is not a JSON number"),
    (b'{"a": -Infinity}', "-Infinity is not a JSON number"),
    (b'{"a": "\\udc00"}', "not valid Unicode"),
    (b'{"a": "x\\u0000"}', "a NUL character"),
    (b'{"a": 1,}', "not valid JSON"),
    (b"[" * 5000 + b"]" * 5000, "nesting is deeper than 64"),  # past orjson's own limit of 1,024 levels
    (b"[" * 100 + b"]" * 100, "nesting is deeper than 64"),
    (b'{"a": "\xed\xa0\x80"}', "not UTF-8"),
])
def test_what_json_or_the_database_cannot_hold_is_a_400_that_says_why(body: bytes, says: str) -> None:
    with pytest.raises(APIError) as refused:
        parse_json(body, JSON, max_depth=64)
    assert refused.value.status == 400 and says in str(refused.value)


def test_a_byte_order_mark_is_allowed() -> None:
    """RFC 8259 lets a parser ignore it; orjson alone refuses it."""
    assert parse_json(b'\xef\xbb\xbf{"hook": "patient-view"}', JSON, max_depth=64) == {"hook": "patient-view"}
