"""The sandbox page end to end, in headless Debian Chromium driven by Playwright for Python.

A real HTTP server (werkzeug, in a thread, on 127.0.0.1 and a free port) serves create_app with the sandbox on
and authentication off, as the embedded ``imnm-cds serve`` run does. The test opens the page, runs two demo
stories through patient-view and one through order-sign, checks the cards and the chart library's own data,
saves screenshots to test-artifacts/, and records every request the page makes: none may leave the service.

Skipped only when Playwright or a Chromium binary cannot be found (``scripts/test.sh`` installs Debian's
``chromium`` when run as root; Playwright's own browser download is never used).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from service.app import create_app
from service.config import Settings

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                               "(pip install playwright; no browser download is needed, Debian's chromium is used)")

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium")


def _chromium() -> str | None:
    for path in (os.environ.get("IMNM_CDS_CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if path and os.access(path, os.X_OK):
            return path
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from werkzeug.serving import make_server

    database = tmp_path_factory.mktemp("sandbox") / "sandbox.sqlite3"
    settings = Settings.load(None, env={}, overrides={
        "auth": {"required": False}, "features": {"sandbox": True, "explain": True},
        "storage": {"url": f"sqlite:///{database}"}})
    httpd = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    if executable is None:
        pytest.skip("No Chromium binary found (apt-get install chromium, or set IMNM_CDS_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.requests_seen = []  # type: ignore[attr-defined]
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.requests_seen.append(request.url))
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def _open(page: Any, server: str) -> None:
    page.goto(f"{server}/sandbox")
    page.wait_for_selector("body[data-ready='true']")


def _pick(page: Any, name: str) -> None:
    page.select_option("#patient-select", name)
    page.wait_for_function("n => window.sandbox.name === n && window.sandbox.timeline", arg=name)
    page.wait_for_function("() => document.querySelector('#status').textContent.startsWith('Loaded')")


def _fire(page: Any, button: str) -> list[dict[str, str]]:
    page.click(button)
    page.wait_for_function("() => /: \\d+ cards?|failed/.test(document.querySelector('#status').textContent)")
    assert "failed" not in page.text_content("#status"), page.text_content("#status")
    return page.eval_on_selector_all(
        "#cards article.card", "cards => cards.map(c => ({rule: c.dataset.rule, indicator: c.dataset.indicator}))")


def _chart_data(page: Any) -> dict[str, Any]:
    """What Chart.js itself holds for the three charts (not our own state): points, bars and lane labels."""
    return page.evaluate("""() => {
        const ck = Chart.getChart('ck-chart'), dose = Chart.getChart('dose-chart');
        const lanes = Chart.getChart('lanes-chart');
        return {
            ckPoints: ck.data.datasets[0].data.length,
            ulnPoints: ck.data.datasets[1].data.length,
            antibodyMarkers: ck.data.datasets[2].data.length + ck.data.datasets[3].data.length,
            ckScale: ck.scales.y.type,
            doseMax: Math.max(0, ...dose.data.datasets[0].data.map(p => p.y)),
            lanes: lanes.data.labels,
            bars: Object.fromEntries(lanes.data.datasets.map(d => [d.label, d.data.length])),
            sameAxis: [ck, dose, lanes].map(c => [Math.round(c.scales.x.left), Math.round(c.scales.x.right),
                                                  c.scales.x.min, c.scales.x.max]),
        };
    }""")


def _shot(page: Any, name: str) -> None:
    """The whole page, what fits on one screen (the at-a-glance view), and the first card on its own."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"sandbox-{name}.png"), full_page=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"sandbox-{name}-glance.png"))
    first = page.locator("#cards article.card").first
    if first.count():
        first.screenshot(path=str(ARTIFACTS / f"sandbox-{name}-first-card.png"))


def test_two_stories_through_patient_view_and_one_order_sign(page: Any, server: str) -> None:
    _open(page, server)
    assert page.title() == "IMNM CDS sandbox"

    # 1. Anti-HMGCR at month 7: CK chart with a falling-but-high CK, the taper, and methotrexate beneath it.
    _pick(page, "story-hmgcr-month-7-ck-high-statin-still-listed")
    cards = _fire(page, "#fire-patient-view")
    rules = {c["rule"]: c["indicator"] for c in cards}
    assert rules == {"statin-contraindicated-anti-hmgcr": "critical", "hmgcr-add-ivig-inadequate-response": "warning",
                     "pjp-prophylaxis-missing": "warning", "giop-bone-protection": "warning",
                     "imnm-cancer-screening": "warning"}
    assert cards[0]["indicator"] == "critical"  # sorted by severity, as the service returns them
    chart = _chart_data(page)
    assert chart["ckScale"] == "logarithmic"
    assert chart["ckPoints"] == 5 and chart["ulnPoints"] >= 2 and chart["antibodyMarkers"] == 2
    assert chart["doseMax"] == 60
    assert chart["lanes"] == ["Methotrexate"] and chart["bars"] == {"Methotrexate": 1}
    assert len({tuple(axis) for axis in chart["sameAxis"]}) == 1, "the three charts must share one time axis"

    # The card as an EHR shows it: Markdown rendered (bold, links), a why-view with the rule's facts,
    # suggestions that reveal the FHIR resources, and override reasons.
    statin = page.locator("article[data-rule='statin-contraindicated-anti-hmgcr']")
    assert statin.locator(".detail strong").count() >= 1
    assert statin.locator(".detail a[rel='noopener noreferrer']").count() >= 1
    statin.locator("details.why summary").click()
    assert "R14" in statin.locator("details.why summary").text_content()
    assert statin.locator("details.why dt").count() >= 1
    suggestion = statin.locator("button.suggestion").first
    suggestion.click()
    assert suggestion.get_attribute("aria-expanded") == "true"
    assert '"resourceType"' in statin.locator(".actions pre").first.text_content()
    assert statin.locator(".feedback select option").count() >= 2
    _shot(page, "hmgcr-month-7-patient-view")

    # Feedback goes to the real endpoint; whatever it answers is shown (an error text until it exists).
    statin.locator(".feedback select").select_option(index=1)
    statin.locator(".feedback button").click()
    page.wait_for_function("() => !document.querySelector(\"article[data-rule='statin-contraindicated-anti-hmgcr'] "
                           ".feedback-status\").textContent.startsWith('Sending')")
    assert statin.locator(".feedback-status").text_content().startswith(("Feedback recorded", "Feedback not recorded"))

    # 2. Relapse on taper after IVIG: the IVIG cycles are bars of their own.
    _pick(page, "story-relapse-on-taper-after-ivig")
    cards = _fire(page, "#fire-patient-view")
    assert [c["rule"] for c in cards] == ["imnm-possible-relapse-on-taper"]
    chart = _chart_data(page)
    assert chart["ckPoints"] == 8
    assert chart["bars"] == {"Methotrexate": 1, "IVIG cycles": 6}
    _shot(page, "relapse-on-taper-patient-view")

    # 3. Order-sign composed on the page: the NSTI story's chart with "methotrexate 15 mg daily" picked.
    _pick(page, "story-nsti-on-prednisone-labelled-myositis")
    page.check("#order-mtx-daily")
    cards = _fire(page, "#sign")
    rules = {c["rule"]: c["indicator"] for c in cards}
    assert rules["nsti-no-immunosuppression"] == "critical"
    assert rules["mtx-once-weekly-hard-stop"] == "critical"
    page.wait_for_function("() => Chart.getChart('lanes-chart').data.labels.includes('Drafts (today)')")
    _shot(page, "nsti-order-sign-daily-methotrexate")

    assert page.console_errors == [], page.console_errors  # type: ignore[attr-defined]
    origin = urlsplit(server).netloc
    foreign = [u for u in page.requests_seen if urlsplit(u).scheme not in ("data", "blob")  # type: ignore[attr-defined]
               and urlsplit(u).netloc != origin]
    assert foreign == [], f"the page contacted other hosts: {foreign}"
    assert any("/cds-services/imnm-order-sign?explain=true" in u for u in page.requests_seen)  # type: ignore[attr-defined]


def test_demo_order_sign_story_and_pasted_bundle(page: Any, server: str) -> None:
    _open(page, server)
    _pick(page, "story-order-sign-daily-methotrexate-with-tmp-smx")
    assert page.is_checked("#order-demo-0") and page.is_checked("#order-demo-1")  # the demo's own drafts
    cards = _fire(page, "#sign")
    assert {c["rule"] for c in cards} == {"mtx-once-weekly-hard-stop", "mtx-tmp-smx-interaction",
                                          "mtx-start-prerequisites"}

    # A FHIR Bundle pasted as text becomes a patient-view request and a chart.
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "pasted-1", "birthDate": "1970-05-01", "gender": "female"}},
        {"resource": {"resourceType": "Observation", "id": "ck-1", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "2157-6"}]},
                      "effectiveDateTime": "2026-01-10", "valueQuantity": {"value": 5400, "unit": "U/L"},
                      "referenceRange": [{"high": {"value": 170, "unit": "U/L"}}]}}]}
    page.click("#paste-box summary")
    page.fill("#paste", json.dumps(bundle))
    page.click("#use-pasted")
    page.wait_for_function("() => window.sandbox.name === 'pasted' && window.sandbox.timeline")
    assert page.text_content("#status").startswith("Pasted chart loaded")
    assert _chart_data(page)["ckPoints"] == 1
    _fire(page, "#fire-patient-view")
    _shot(page, "pasted-bundle")

    page.fill("#paste", "{not json")
    page.click("#use-pasted")
    assert "not JSON" in page.text_content("#status")
    assert page.console_errors == [], page.console_errors  # type: ignore[attr-defined]


def test_an_order_that_ended_before_its_end_date_shows_its_end_as_not_on_the_chart(page: Any, server: str) -> None:
    """Methotrexate and prednisone stopped though their end dates are weeks ahead: the chart draws them up to today,
    the latest they may have been given, so the page must not show today as a known end (timeline endUnknown)."""
    from datetime import date

    from fhir_fixtures.builders import IMNM_SNOMED, METHOTREXATE_2_5, PREDNISONE_20, Chart

    chart = Chart(date.today()).condition(IMNM_SNOMED, onset=-400)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-100, end=50, status="stopped", period=1, period_unit="wk")
    chart.medication(PREDNISONE_20, 20, "mg", start=-100, end=30, status="stopped")
    prefetch = chart.request()["prefetch"].values()
    resources = [entry["resource"] for value in prefetch
                 for entry in (value.get("entry", []) if value["resourceType"] == "Bundle" else [{"resource": value}])]
    _open(page, server)
    page.click("#paste-box summary")
    page.fill("#paste", json.dumps({"resourceType": "Bundle", "type": "collection",
                                    "entry": [{"resource": r} for r in resources]}))
    page.click("#use-pasted")
    page.wait_for_function("() => window.sandbox.name === 'pasted' && window.sandbox.timeline")
    table = page.text_content("#chart-table")
    today = date.today().isoformat()
    assert f"15 mg once weekly until {today} at the latest (end day not on the chart)" in table, table
    assert f"20 mg/day PEQ until {today} at the latest (end day not on the chart)" in table, table
    summary = page.text_content("#chart-summary")
    assert "Glucocorticoid up to 20 mg/day" in summary and "Glucocorticoid now" not in summary, summary
    bar = page.evaluate("() => Chart.getChart('lanes-chart').data.datasets[0].data[0]")
    assert bar["endUnknown"] is True and "on a day the chart does not give" in bar["info"], bar
    assert page.console_errors == [], page.console_errors  # type: ignore[attr-defined]


def test_keyboard_only_user_can_pick_a_patient_and_fire(page: Any, server: str) -> None:
    _open(page, server)
    page.focus("#patient-select")
    page.keyboard.press("ArrowDown")  # first option after the placeholder: the first story
    page.wait_for_function("() => window.sandbox.name && window.sandbox.timeline")
    page.focus("#fire-patient-view")
    page.keyboard.press("Enter")
    page.wait_for_function("() => /: \\d+ cards?/.test(document.querySelector('#status').textContent)")
    assert page.get_attribute("#status", "aria-live") == "polite"
