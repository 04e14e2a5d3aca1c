"""Request parsing and JSON Schema validation (schemas in service/schemas/, loaded once)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
from gunicorn.http.errors import ParseException
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request

from service.config import LimitsConfig
from service.errors import APIError

SCHEMA_DIR = Path(__file__).parent / "schemas"


@cache
def _schema(name: str) -> Any:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))


@cache
def validator(name: str) -> Draft202012Validator:
    schema = _schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@cache
def fast_validator(name: str) -> Any:
    """The same schema compiled by jsonschema-rs: answers "valid?" about 50x faster on a large prefetch.

    Valid requests (nearly all) take only this path; an invalid one is re-checked by ``jsonschema`` for the
    field-naming error message, so both validators must agree, and a test holds them to it."""
    return jsonschema_rs.validator_for(_schema(name))


@cache
def depth_validator(limit: int) -> Any:
    """Accepts a document only if no value sits deeper than ``limit`` (the document itself is at depth 1).

    A chain of one schema per level, compiled by jsonschema-rs: it walks a large prefetch about three times faster
    than a Python walk over its containers, and never descends past the limit however deep the input goes.
    """
    defs: dict[str, Any] = {f"level{limit}": {"additionalProperties": False, "items": False}}  # only empty ones
    for level in range(limit - 1, 0, -1):
        below = {"$ref": f"#/$defs/level{level + 1}"}
        defs[f"level{level}"] = {"additionalProperties": below, "items": below}
    return jsonschema_rs.validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema",
                                        "$ref": "#/$defs/level1", "$defs": defs})


def parse_json(body: bytes, content_type: str | None, max_depth: int) -> Any:
    """The JSON document in ``body``; 400 for another content type, text that is not UTF-8 (RFC 8259 section 8.1),
    bad JSON, or nesting deeper than allowed."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in ("application/json", "application/fhir+json") and not media.endswith("+json"):
        raise APIError(400, f"Content-Type must be application/json, not {media or 'missing'}", "Content-Type")
    try:
        # decoded first: the error names the byte, and a byte order mark (which orjson refuses) is allowed
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise APIError(400, f"Body is not UTF-8 text: {exc}", "body") from exc
    try:
        document = orjson.loads(text)
        may_be_unstorable = "\\u0000" in text  # orjson refuses lone surrogate escapes but lets NUL through
    except orjson.JSONDecodeError:
        document = _parse_what_orjson_refused(text, max_depth)
        may_be_unstorable = True
    if may_be_unstorable and (unstorable := _unstorable_text(document)):
        # neither the validators nor the database can store it
        raise APIError(400, f"Body has {unstorable}, which no field may hold", "body")
    if not depth_validator(max_depth).is_valid(document):
        raise APIError(400, f"JSON nesting is deeper than {max_depth} levels", "body")
    return document


def _parse_what_orjson_refused(text: str, max_depth: int) -> Any:
    """The standard library's reading of a body orjson refused: it is the verdict. It names what it met (NaN,
    Infinity), and it reads valid JSON orjson does not (a number beyond a double's range, which costs only the resource
    holding it, and lone surrogate escapes, refused afterwards as unstorable). Only rare bodies take this path."""
    try:
        return json.loads(text, parse_constant=_not_json)
    except RecursionError as exc:
        raise APIError(400, f"JSON nesting is deeper than {max_depth} levels", "body") from exc
    except ValueError as exc:
        raise APIError(400, f"Body is not valid JSON: {exc}", "body") from exc


def _unstorable_text(document: Any) -> str | None:
    """What makes a string or key of ``document`` unstorable: an unpaired surrogate (a pair, such as an emoji's, is
    fine) or NUL; run only on the rare body with such an escape."""
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            if "\x00" in value:
                return "a NUL character (\\u0000)"
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "text that is not valid Unicode (an unpaired surrogate escape such as \\ud800)"
    return None


def _not_json(literal: str) -> None:
    """NaN and Infinity, which Python's parser accepts but JSON does not have."""
    raise ValueError(f"{literal} is not a JSON number")


def _path(error: Any) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "(root)"


# How much of the field path, the reason and the offending value a schema error quotes: the client chose all three,
# and jsonschema's message starts with the whole value (1,001 feedback items, cut at 300 characters, left only the
# start of the list and never said there were too many).
_FIELD_CHARS, _REASON_CHARS, _VALUE_CHARS = 200, 300, 80


def _elided(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _reason(error: ValidationError) -> str:
    """What is wrong, said before the offending value, which is quoted short."""
    instance = error.instance
    if error.validator == "maxItems" and isinstance(instance, list):
        return f"too many items: {len(instance)}, at most {error.validator_value}"
    if error.validator == "maxLength" and isinstance(instance, str):
        return f"too long: {len(instance)} characters, at most {error.validator_value}"
    value = repr(instance)
    if error.message.startswith(value):  # "<value> is not of type 'string'", "<value> does not match '^...$'"
        return f"{error.message[len(value):].lstrip()} (value: {_elided(value, _VALUE_CHARS)})"
    return error.message  # "'userId' is a required property": about a part of the value, not all of it


def validate(name: str, document: Any) -> None:
    """400 naming the first offending field when ``document`` does not satisfy schema ``name``."""
    if fast_validator(name).is_valid(document):
        return
    error = best_match(validator(name).iter_errors(document))
    if error is None:
        # the Python validator's regular expressions are laxer ('$' also matches before a final newline): the
        # schema's verdict stands, without a field to name
        raise APIError(400, f"The body does not satisfy the {name} schema (a value has a character its pattern "
                       "forbids, such as a trailing newline)", "body")
    field = _path(error)
    raise APIError(400, f"{_elided(field, _FIELD_CHARS)}: {_elided(_reason(error), _REASON_CHARS)}", field)


def errors(name: str, document: Any) -> list[str]:
    """All validation errors (used by tests and the response self-check)."""
    return [f"{_path(e)}: {e.message}" for e in validator(name).iter_errors(document)]


def read_json(request: Request, limits: LimitsConfig, schema: str | None = None) -> Any:
    """The request's JSON body within the size and depth limits, checked against ``schema`` when one is named."""
    coding = request.headers.get("Content-Encoding", "").strip().lower()
    if coding not in ("", "identity"):
        # not decoded here (a small gzip body can inflate past every limit): RFC 9110 section 15.5.16 answers an
        # unsupported content coding with 415, where the bytes would otherwise be judged "not UTF-8"
        raise APIError(415, f"Content-Encoding {_elided(coding, _VALUE_CHARS)} is not supported: send the body "
                       "uncompressed", "Content-Encoding")
    try:
        body = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH when the length is declared
    except ParseException as exc:  # gunicorn could not read it: a malformed chunked body (InvalidChunkSize...)
        raise APIError(400, f"The body could not be read ({type(exc).__name__})", "body") from exc
    if request.content_length is None and len(body) >= limits.max_body_bytes:
        raise RequestEntityTooLarge()  # a chunked body is cut at the limit by Werkzeug, not refused
    document = parse_json(body, request.content_type, limits.max_json_depth)
    if schema is not None:
        validate(schema, document)
    return document
