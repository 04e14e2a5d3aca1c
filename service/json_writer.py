"""JSON written by orjson: every answer (Flask's ``app.json``) and the JSON columns of the audit rows.

Measured on the W1 benchmark (issue 6): the standard library took ~75 µs to write a hook call's answer and ~100 µs
to write its audit row's cards and explanation; orjson ~5 µs each. Its output is the same JSON read back (UTF-8
rather than \\u escapes; keys in the order built). A float that is not a number is written as null, where the
standard library writes NaN, which is not JSON. A document orjson cannot write (an integer beyond 64 bits, or a
lone surrogate, both of which the standard library reads from a FHIR server) is written by the standard library, as
before, escaped to ASCII (and with NaN as NaN in that document).
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_NON_STR_KEYS  # a number or date as a key is written as text, as the standard library does


def dumps_bytes(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError:  # escaped to ASCII: a lone surrogate (half an emoji) has no UTF-8 form
        return json.dumps(value, separators=(",", ":")).encode()


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode()


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON written through orjson (``jsonify``); reading is Flask's own (a hook call's body is read by
    service.validation.parse_json, which decides what is refused)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return dumps(obj)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        return Response(dumps_bytes(self._prepare_response_obj(args, kwargs)), mimetype="application/json")
