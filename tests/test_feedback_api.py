"""POST /cds-services/{id}/feedback over HTTP (SQLite file per test): validation, idempotency, snoozes."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

import fhir_fixtures
from service.app import create_app
from service.config import Settings
from service.storage.models import AuditCall, Feedback, IssuedCard
from service.store import NullStore
from tests.api_support import make_app, post

WARNING_FIXTURE = "r09-fires-30-mg-weekly-established"  # mtx-weekly-dose-range, warning
WARNING_RULE = "mtx-weekly-dose-range"
CRITICAL_FIXTURE = "r14-fires-order-sign-antibody-coded"  # statin-contraindicated-anti-hmgcr, critical
CRITICAL_RULE = "statin-contraindicated-anti-hmgcr"
STAMP = "2026-11-21T10:05:31Z"


@pytest.fixture
def app(tmp_path):
    return make_app(storage={"url": f"sqlite:///{tmp_path / 'imnm-cds.sqlite3'}"})


@pytest.fixture
def client(app):
    return app.test_client()


def _engine(app):
    return app.extensions["imnm_cds"].store.engine


def _call(client, fixture: str = WARNING_FIXTURE) -> dict:
    response = post(client, "imnm-order-sign?explain=true", fhir_fixtures.get(fixture).request(date.today()))
    assert response.status_code == 200
    return response.get_json()


def _card(body: dict, rule: str) -> dict:
    return next(c for c in body["cards"] if c["source"]["topic"]["code"] == rule)


def _explained(body: dict, rule: str) -> dict:
    return next(e for e in body["extension"]["imnm-cds"]["explanation"] if e["rule"] == rule)


def _override(card: dict, reason: dict | None = None, stamp: str = STAMP, comment: str | None = None) -> dict:
    item: dict = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": stamp}
    if reason is not None or comment is not None:
        item["overrideReason"] = {}
        if reason is not None:
            item["overrideReason"]["reason"] = reason
        if comment is not None:
            item["overrideReason"]["userComment"] = comment
    return item


def _feedback(client, *items: dict, service: str = "imnm-order-sign"):
    return client.post(f"/cds-services/{service}/feedback", json={"feedback": list(items)})


def test_override_with_a_reason_snoozes_the_rule_for_that_patient(client, app):
    first = _call(client)
    card = _card(first, WARNING_RULE)
    reason = next(r for r in card["overrideReasons"] if r["code"] == "benefit-outweighs-risk")
    response = _feedback(client, _override(card, reason, comment="Discussed with rheumatology"))
    assert response.status_code == 200
    assert response.get_json() == {"received": 1, "stored": 1, "duplicates": 0, "unknownCards": [],
                                   "otherServiceCards": [], "otherClientCards": []}

    again = _call(client)
    assert WARNING_RULE not in {c["source"]["topic"]["code"] for c in again["cards"]}
    explained = _explained(again, WARNING_RULE)
    assert explained["status"] == "snoozed"
    assert "Benefit outweighs risk" in explained["reason"] and "until" in explained["reason"]
    with _engine(app).connect() as connection:
        stored = connection.execute(select(Feedback)).one()
        audit = connection.execute(select(AuditCall).order_by(AuditCall.id)).all()
    assert stored.rule_id == WARNING_RULE and stored.known_card and stored.indicator == "warning"
    assert stored.override_code == "benefit-outweighs-risk" and stored.user_comment == "Discussed with rheumatology"
    assert (stored.snoozed_until - stored.received_at).days == 30  # the documented default for this reason
    assert audit[1].snoozed == [WARNING_RULE] and WARNING_RULE not in audit[1].fired


def test_a_snooze_is_per_patient(client):
    card = _card(_call(client), WARNING_RULE)
    reason = card["overrideReasons"][0]
    assert _feedback(client, _override(card, reason)).status_code == 200
    # the same chart as another patient's: every reference to the patient changes with its id (a draft or a result
    # about another patient than the one in context is skipped)
    request = fhir_fixtures.get(WARNING_FIXTURE).request(date.today())
    patient_id = request["context"]["patientId"]
    other = json.loads(json.dumps(request).replace(f'"{patient_id}"', '"someone-else"')
                       .replace(f'"Patient/{patient_id}"', '"Patient/someone-else"'))
    assert other["context"]["patientId"] == other["prefetch"]["patient"]["id"] == "someone-else"
    response = post(client, "imnm-order-sign", other)
    assert WARNING_RULE in {c["source"]["topic"]["code"] for c in response.get_json()["cards"]}


def test_critical_cards_are_never_snoozed(client, app):
    card = _card(_call(client, CRITICAL_FIXTURE), CRITICAL_RULE)
    assert card["indicator"] == "critical"
    response = _feedback(client, _override(card, card["overrideReasons"][0]))
    assert response.status_code == 200
    again = _call(client, CRITICAL_FIXTURE)
    assert CRITICAL_RULE in {c["source"]["topic"]["code"] for c in again["cards"]}
    assert _explained(again, CRITICAL_RULE)["status"] == "fired"
    with _engine(app).connect() as connection:
        assert connection.execute(select(Feedback.snoozed_until)).scalar_one() is None


@pytest.mark.parametrize("kind", ["accepted", "no-reason", "comment-only"])
def test_acceptance_and_overrides_without_a_coded_reason_do_not_snooze(client, kind):
    card = _card(_call(client), WARNING_RULE)
    if kind == "accepted":
        item = {"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": STAMP,
                "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}]}
    else:
        item = _override(card, comment="not now" if kind == "comment-only" else None)
    assert _feedback(client, item).status_code == 200
    assert _explained(_call(client), WARNING_RULE)["status"] == "fired"


def test_snooze_durations_are_configurable_per_rule_and_reason(tmp_path):
    app = make_app(storage={"url": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
                   feedback={"snooze_days_by_rule": {f"{WARNING_RULE}/benefit-outweighs-risk": 3}})
    client = app.test_client()
    card = _card(_call(client), WARNING_RULE)
    reason = next(r for r in card["overrideReasons"] if r["code"] == "benefit-outweighs-risk")
    assert _feedback(client, _override(card, reason)).status_code == 200
    with _engine(app).connect() as connection:
        row = connection.execute(select(Feedback)).one()
    assert (row.snoozed_until - row.received_at).days == 3


def test_never_snooze_rules_are_honoured(tmp_path):
    app = make_app(storage={"url": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
                   feedback={"never_snooze_rules": [WARNING_RULE]})
    client = app.test_client()
    card = _card(_call(client), WARNING_RULE)
    assert _feedback(client, _override(card, card["overrideReasons"][0])).status_code == 200
    assert _explained(_call(client), WARNING_RULE)["status"] == "fired"


@pytest.mark.parametrize(("items", "says"), [
    ([{"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": STAMP}] * 1001,
     "feedback: too many items: 1001, at most 1000"),
    ([{"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": STAMP,
       "overrideReason": {"reason": {"code": "c" * 600}}}],
     "feedback.0.overrideReason.reason.code: too long: 600 characters, at most 128"),
])
def test_a_long_schema_error_says_what_is_wrong_not_just_the_value(client, items, says):
    """1,001 items: the diagnostics were the first 300 characters of the item list, and never said "too many"."""
    response = _feedback(client, *items)
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["diagnostics"] == says


def test_duplicates_are_idempotent_and_unknown_cards_recorded(client, app):
    card = _card(_call(client), WARNING_RULE)
    stranger = str(uuid.uuid4())
    items = [_override(card, card["overrideReasons"][0]),
             {"card": stranger, "outcome": "overridden", "outcomeTimestamp": STAMP}]
    assert _feedback(client, *items).get_json() == {"received": 2, "stored": 2, "duplicates": 0,
                                                   "unknownCards": [stranger], "otherServiceCards": [],
                                                   "otherClientCards": []}
    assert _feedback(client, *items).get_json() == {"received": 2, "stored": 0, "duplicates": 2,
                                                   "unknownCards": [stranger], "otherServiceCards": [],
                                                   "otherClientCards": []}
    with _engine(app).connect() as connection:
        rows = connection.execute(select(Feedback.card_uuid, Feedback.known_card)).all()
    assert sorted(rows) == sorted([(card["uuid"], True), (stranger, False)])


def test_an_override_resent_with_a_reason_is_stored_and_snoozes(client, app):
    """The same card, outcome and time, first without a reason and then with one, is two records: the second was
    taken for a retry of the first, dropped, and the rule never snoozed."""
    card = _card(_call(client), WARNING_RULE)
    assert _feedback(client, _override(card)).get_json()["stored"] == 1
    assert _explained(_call(client), WARNING_RULE)["status"] == "fired"
    with_reason = _override(card, card["overrideReasons"][0])
    assert _feedback(client, with_reason).get_json() == {"received": 1, "stored": 1, "duplicates": 0,
                                                         "unknownCards": [], "otherServiceCards": [],
                                                         "otherClientCards": []}
    assert _explained(_call(client), WARNING_RULE)["status"] == "snoozed"
    assert _feedback(client, with_reason).get_json()["duplicates"] == 1, "a retry is still a duplicate"
    with _engine(app).connect() as connection:
        assert connection.execute(select(Feedback.override_code).order_by(Feedback.id)).scalars().all() == [
            None, card["overrideReasons"][0]["code"]]


def test_feedback_posted_to_the_other_service_is_stored_reported_and_snoozes_nothing(client, app, caplog):
    """An order-sign card's override posted to imnm-patient-view's feedback URL: kept (never a lost record), named
    in otherServiceCards (not unknownCards: the card is known), and it does not snooze the rule."""
    card = _card(_call(client), WARNING_RULE)
    response = _feedback(client, _override(card, card["overrideReasons"][0]), service="imnm-patient-view")
    assert response.get_json() == {"received": 1, "stored": 1, "duplicates": 0, "unknownCards": [],
                                   "otherServiceCards": [card["uuid"]], "otherClientCards": []}
    assert f"card {card['uuid']} of imnm-order-sign posted to imnm-patient-view" in caplog.text
    assert _explained(_call(client), WARNING_RULE)["status"] == "fired"
    with _engine(app).connect() as connection:
        stored = connection.execute(select(Feedback)).one()
    assert stored.service_id == "imnm-patient-view" and stored.known_card and stored.rule_id == WARNING_RULE
    assert stored.snoozed_until is None
    # the same override posted where the card came from snoozes as usual
    assert _feedback(client, _override(card, card["overrideReasons"][0])).get_json()["otherServiceCards"] == []
    assert _explained(_call(client), WARNING_RULE)["status"] == "snoozed"


@pytest.mark.parametrize(("item", "field"), [
    ({"card": "c", "outcome": "rejected", "outcomeTimestamp": STAMP}, "feedback.1.outcome"),
    ({"card": "c", "outcome": "accepted", "outcomeTimestamp": STAMP}, "feedback.1"),
    ({"card": "c", "outcome": "overridden"}, "feedback.1"),
    ({"card": "c", "outcome": "overridden", "outcomeTimestamp": "yesterday"}, "feedback.1.outcomeTimestamp"),
    ({"card": "c", "outcome": "overridden", "outcomeTimestamp": "2026-13-45T10:00:00Z"},
     "feedback.1.outcomeTimestamp"),
    # valid RFC 3339, but before year 1 once in UTC (found by schemathesis: was a 500)
    ({"card": "c", "outcome": "overridden", "outcomeTimestamp": "0001-01-01T00:07:51+01:02"},
     "feedback.1.outcomeTimestamp"),
    ({"card": "c", "outcome": "overridden", "outcomeTimestamp": "9999-12-31T23:59:59-01:00"},
     "feedback.1.outcomeTimestamp"),
    ({"card": "c", "outcome": "accepted", "outcomeTimestamp": STAMP, "acceptedSuggestions": [{"id": "s"}],
      "overrideReason": {"userComment": "x"}}, "feedback.1.outcome"),
    # longer than the stored key: two ids differing after character 64 were merged into one record
    ({"card": "c" * 65, "outcome": "overridden", "outcomeTimestamp": STAMP}, "feedback.1.card"),
    ({"card": "c", "outcome": "overridden", "outcomeTimestamp": STAMP[:-1] + "." + "0" * 60 + "Z"},
     "feedback.1.outcomeTimestamp"),
    ({"card": "c", "outcome": "overridden", "outcomeTimestamp": STAMP,
      "overrideReason": {"reason": {"code": "x" * 129}}}, "feedback.1.overrideReason.reason.code"),
])
def test_a_bad_item_is_400_naming_it_and_nothing_is_stored(client, app, item, field):
    good = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": STAMP}
    response = _feedback(client, good, item)
    assert response.status_code == 400
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"][0].startswith(field)
    with _engine(app).connect() as connection:
        assert connection.execute(select(Feedback)).all() == []


@pytest.mark.parametrize("body", [{}, {"feedback": []}, {"feedback": "x"}, []])
def test_a_bad_body_is_400(client, body):
    response = client.post("/cds-services/imnm-order-sign/feedback", json=body)
    assert response.status_code == 400


def test_unknown_service_is_404_and_wrong_content_type_400(client):
    item = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": STAMP}
    assert _feedback(client, item, service="nope").status_code == 404
    response = client.post("/cds-services/imnm-order-sign/feedback", data="{}", content_type="text/plain")
    assert response.status_code == 400


def test_feedback_needs_authentication_like_every_service_route(tmp_path):
    app = make_app(storage={"url": f"sqlite:///{tmp_path / 'db.sqlite3'}"}, auth={"required": True})
    item = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": STAMP}
    response = app.test_client().post("/cds-services/imnm-order-sign/feedback", json={"feedback": [item]})
    assert response.status_code == 401
    with _engine(app).connect() as connection:
        assert connection.execute(select(Feedback)).all() == []


def test_an_instance_with_no_database_says_feedback_is_not_supported_not_try_again():
    """The in-process app (`imnm-cds evaluate`) keeps nothing: a 503 'transient' told the EHR to send it again."""
    settings = Settings.load(None, env={}, overrides={"auth": {"required": False}})
    client = create_app(settings, store=NullStore()).test_client()
    item = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": STAMP}
    response = _feedback(client, item)
    assert response.status_code == 501
    issue = response.get_json()["issue"][0]
    assert issue["code"] == "not-supported" and "not stored" in issue["diagnostics"]


def test_issued_cards_carry_their_suggestion_uuids(client, app):
    body = _call(client)
    card = _card(body, WARNING_RULE)
    with _engine(app).connect() as connection:
        issued = connection.execute(select(IssuedCard).where(IssuedCard.uuid == card["uuid"])).one()
    assert issued.suggestion_uuids == [s["uuid"] for s in card.get("suggestions", [])]
    assert issued.patient_id == fhir_fixtures.get(WARNING_FIXTURE).request(date.today())["context"]["patientId"]


@pytest.mark.parametrize(("comment", "says"), [
    (b"a\\ud800", "not valid Unicode"), (b"\\udc00b", "not valid Unicode"),
    (b"a\xed\xa0\x80", "not UTF-8"),  # the same surrogate as raw bytes: json.loads would have let it through
    # PostgreSQL's text refuses NUL: the batch was a 503 'send it again', every time
    (b"a\\u0000b", "a NUL character"),
])
def test_text_no_database_can_store_is_400_and_nothing_is_stored(client, app, comment, says):
    """Not storable text: the store could not encode it, and the whole request was a 500 (a 503 on PostgreSQL)."""
    good = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": STAMP}
    bad = {**good, "card": str(uuid.uuid4()), "overrideReason": {"userComment": "__COMMENT__"}}
    body = json.dumps({"feedback": [good, bad]}).encode().replace(b"__COMMENT__", comment)
    response = client.post("/cds-services/imnm-order-sign/feedback", data=body, content_type="application/json")
    assert response.status_code == 400 and says in response.get_json()["issue"][0]["diagnostics"]
    with _engine(app).connect() as connection:
        assert connection.execute(select(Feedback)).all() == []


def test_an_escaped_backslash_before_u0000_is_text_and_is_stored(client, app):
    item = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": STAMP,
            "overrideReason": {"userComment": "C:\\u0000 path"}}
    response = client.post("/cds-services/imnm-order-sign/feedback", json={"feedback": [item]})
    assert response.status_code == 200
    with _engine(app).connect() as connection:
        assert connection.execute(select(Feedback.user_comment)).scalar_one() == "C:\\u0000 path"


def test_a_surrogate_pair_is_text_and_is_stored(client, app):
    item = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": STAMP,
            "overrideReason": {"userComment": "__COMMENT__"}}
    text = json.dumps({"feedback": [item]}).replace("__COMMENT__", "ok \\ud83d\\ude00")
    response = client.post("/cds-services/imnm-order-sign/feedback", data=text, content_type="application/json")
    assert response.status_code == 200
    with _engine(app).connect() as connection:
        assert connection.execute(select(Feedback.user_comment)).scalar_one() == "ok \U0001f600"


def test_a_post_of_more_than_1000_items_is_400_and_stores_nothing(client, app):
    """A 46,000-item post (under the size limit) held SQLite's write lock for 20 s and stalled every hook call."""
    items = [_override({"uuid": str(uuid.uuid4())}) for _ in range(1001)]
    response = _feedback(client, *items)
    assert response.status_code == 400 and response.get_json()["issue"][0]["expression"] == ["feedback"]
    assert _feedback(client, *items[:1000]).status_code == 200
    with _engine(app).connect() as connection:
        assert connection.execute(select(func.count()).select_from(Feedback)).scalar_one() == 1000
