"""The floor: the service's Flask and gunicorn configuration with an endpoint that does no clinical work.

It reads and parses the same request body with the same JSON parser the service uses, and answers
``{"cards": []}``. Everything the real service adds on top of this (schema validation, the record, the rules,
the cards) is what the benchmark's ratios measure; the framework, the server and JSON parsing are common to
both and so cancel out. Served by gunicorn as ``bench.floor_app:app``.
"""

from __future__ import annotations

import orjson
from flask import Flask, Response, jsonify, request

from service import security
from service.config import Settings
from service.json_writer import OrjsonProvider


def create_floor_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.load()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.limits.max_body_bytes
    app.json = OrjsonProvider(app)  # the service's JSON writer
    security.install(app, settings)  # the same response headers and CORS handling as the service

    @app.post("/cds-services/<service_id>")
    def call(service_id: str) -> Response:
        orjson.loads(request.get_data(cache=False))  # the service's parser (service.validation.parse_json)
        return jsonify(cards=[])

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    return app


app = create_floor_app()
