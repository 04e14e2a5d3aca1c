"""Data-quality notes that are not advice (contract section 3): they go in the response's warnings, never in cards,
and nothing the chart sent is passed over without one."""

from __future__ import annotations

import pytest

import fhir_fixtures
from fhir_fixtures.builders import ATORVASTATIN_40, IMNM_SNOMED, LOINC, Chart
from tests.conftest import run


def _warnings(kb, chart, today, hook="patient-view") -> list[str]:
    return run(kb, chart.request(hook), today).warnings


def test_a_ck_given_in_ukat_per_litre_is_said_to_be_converted(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED).ck(40, day=-20, unit="ukat/L", uln=3.3).ck(3000, day=-5)
    notes = _warnings(kb, chart, today)
    assert "1 CK result(s) given in ukat/L were converted to U/L (1 ukat/L = 60 U/L)." in notes
    same_scale = Chart(today).condition(IMNM_SNOMED).ck(2400, day=-20, unit="IU/L").ck(3000, day=-5)
    assert not [n for n in _warnings(kb, same_scale, today) if "converted" in n]


@pytest.mark.parametrize(("kind", "value", "unit", "note"), [
    ("weight", 154, "[lb_av]", "The latest weight, 154 lb on 2026-11-19, was converted to 69.85 kg."),
    ("height", 1.72, "m", "The latest height, 1.72 m on 2026-10-22, was converted to 172 cm."),
])
def test_the_weight_or_height_doses_come_from_is_said_to_be_converted(kb, today, kind, value, unit, note):
    chart = getattr(Chart(today).condition(IMNM_SNOMED), kind)(value, unit=unit)
    assert note in _warnings(kb, chart, today)
    spelt_otherwise = getattr(Chart(today).condition(IMNM_SNOMED), kind)(70 if kind == "weight" else 172,
                                                                        unit="Kg" if kind == "weight" else "CM")
    assert not [n for n in _warnings(kb, spelt_otherwise, today) if "converted" in n]  # same unit, other case
    older = getattr(Chart(today).condition(IMNM_SNOMED), kind)(value, day=-400, unit=unit)
    in_canonical_units = getattr(older, kind)(70 if kind == "weight" else 172)
    assert not [n for n in _warnings(kb, in_canonical_units, today) if "converted" in n]


def test_an_antibody_titre_that_reads_as_neither_is_named(kb, today):
    """45 CU with no reference range and no interpretation is no result: say so, do not let it vanish."""
    chart = Chart(today).condition(IMNM_SNOMED).observation(("http://loinc.org", "93493-5", "HMGCR Ab"), -30,
                                                            value=45, unit="[arb'U]")
    notes = _warnings(kb, chart, today)
    assert any(n.startswith("Anti-HMGCR result(s) could not be read as positive or negative and were not used "
                            "(45 arb'U on 2026-10-22)") for n in notes), notes
    equivocal = Chart(today).condition(IMNM_SNOMED).observation(("http://loinc.org", "33921-8", "SRP Ab"), -30,
                                                                value_code=("http://snomed.info/sct", "42425007",
                                                                            "Equivocal"))
    assert "Anti-SRP result(s) could not be read as positive or negative and were not used ('Equivocal' on " \
           "2026-10-22)." in _warnings(kb, equivocal, today)
    read = Chart(today).condition(IMNM_SNOMED).antibody("anti_hmgcr", "positive", form="quantity")
    assert not [n for n in _warnings(kb, read, today) if "could not be read as positive" in n]


@pytest.mark.parametrize(("entry", "named"), [
    (42, "Skipped a int where a resource was expected in 'observations'"),
    ({"fullUrl": "urn:uuid:x"}, "Skipped an entry with no resource in 'observations'"),
    ({"resource": "text"}, "Skipped a str where a resource was expected in 'observations'"),
])
def test_a_malformed_bundle_entry_is_named_not_dropped_unseen(kb, today, entry, named):
    request = Chart(today).condition(IMNM_SNOMED).ck(3000, day=-5).request()
    request["prefetch"]["observations"]["entry"].append(entry)
    result = run(kb, request, today)
    assert any(n.startswith(named) for n in result.warnings), result.warnings
    panel = next(e for e in result.explanation if e["rule"] == "myositis-antibody-panel-missing")
    assert panel["facts"]["ck_at_or_above_threshold_recent"].startswith("3,000 U/L")  # the rest is read


def test_a_malformed_draft_entry_is_named(kb, today):
    request = Chart(today).condition(IMNM_SNOMED).request("order-sign")
    request["context"]["draftOrders"]["entry"].append({"fullUrl": "urn:uuid:y"})
    assert any(n.startswith("Skipped draft order an entry with no resource") for n in run(kb, request, today).warnings)


def test_a_snoozed_card_is_said_to_be_held_back_without_explain(kb, today):
    """A clinician's earlier override holds back a non-critical card; the response says so in every call."""
    request = fhir_fixtures.get("r09-fires-30-mg-weekly-established").request(today)
    reason = "overridden on 2026-11-01 with reason 'Benefit outweighs risk'; snoozed for this patient until ..."
    result = run(kb, request, today, snoozed=lambda rule_ids: dict.fromkeys(rule_ids, reason))
    assert "mtx-weekly-dose-range" not in {c["source"]["topic"]["code"] for c in result.cards}
    assert f"R09 (Methotrexate weekly dose above the adult range) is not shown: {reason}." in result.warnings


def _statin_chart(today, status: str | None, clinical_status: str = "active") -> Chart:
    chart = Chart(today, age=61).condition(IMNM_SNOMED, onset=-120, status=clinical_status)
    chart.antibody("anti_hmgcr", "positive", day=-110).antibody("anti_srp", "negative", day=-110)
    chart.medication(ATORVASTATIN_40, 40, "mg", start=-400, resource_id="statin")
    order = chart.resources["medications"][-1]
    if status is None:
        del order["status"]
    else:
        order["status"] = status
    return chart


@pytest.mark.parametrize(("status", "fires", "named"), [
    ("active", True, None),
    # the critical card was gone and nothing said why: 'Active' is read as active, and named
    ("Active", True, "MedicationRequest.status 'Active' was read as 'active': MedicationRequest/statin."),
    (" active ", True, "MedicationRequest.status ' active ' was read as 'active': MedicationRequest/statin."),
    # a status that cannot be read is counted as possibly active by R14 (and said in its card), and named
    ("foo", True, "MedicationRequest.status 'foo' is not a code of it: MedicationRequest/statin."),
    (None, True, "MedicationRequest.status is missing (FHIR requires it): MedicationRequest/statin."),
    # words that say the order was stopped are read as 'stopped' (not a status that does not say), and named
    ("discontinued", False, "MedicationRequest.status 'discontinued' was read as 'stopped': MedicationRequest/statin."),
    ("Revoked", False, "MedicationRequest.status 'Revoked' was read as 'stopped': MedicationRequest/statin."),
])
def test_an_order_status_in_another_spelling_is_read_and_a_bad_one_named(kb, today, status, fires, named):
    result = run(kb, _statin_chart(today, status).request("patient-view"), today)
    assert any(c["source"]["topic"]["code"] == "statin-contraindicated-anti-hmgcr" for c in result.cards) is fires
    status_notes = [w for w in result.warnings if "status" in w]
    assert status_notes == ([named] if named else [])


def test_a_condition_status_in_another_spelling_is_read_and_named(kb, today):
    """A Condition with clinicalStatus 'Active' was not active: the IMNM rules lost it, silently."""
    result = run(kb, _statin_chart(today, "active", clinical_status="Active").request("patient-view"), today)
    imnm = next(e for e in result.explanation if e["rule"] == "imnm-add-steroid-sparing-by-month-1")
    assert imnm["reason"] != "not IMNM"
    read_as = "Condition.clinicalStatus 'Active' was read as 'active': Condition/"
    assert any(w.startswith(read_as) for w in result.warnings)


def test_a_code_written_otherwise_is_one_warning_for_all_the_resources_that_wrote_it(kb, today):
    """An EHR that capitalises its statuses writes them on every resource: one line each was 142 lines in a call."""
    chart = _statin_chart(today, "Active")
    for day in range(-60, 0, 10):
        chart.ck(900, day=day)
    for observation in chart.resources["observations"]:
        observation["status"] = "Final"
    request = chart.request("patient-view")
    notes = [w for w in run(kb, request, today).warnings if w.startswith("Observation.status")]
    count = len(request["prefetch"]["observations"]["entry"])
    assert len(notes) == 1 and notes[0].startswith("Observation.status 'Final' was read as 'final': Observation/")
    assert notes[0].endswith(f" and {count - 3} more.")


@pytest.mark.parametrize(("gender", "asked"), [("female", True), ("Female", True), ("MALE", False), ("male", False)])
def test_a_gender_in_another_letter_case_is_read_as_its_code(kb, today, gender, asked):
    """'Male' was not 'male': R10 asked a man for a pregnancy test (and 'Female' had lost it before)."""
    request = fhir_fixtures.get("r10-fires-pregnancy-test-missing").request(today)
    request["prefetch"]["patient"]["gender"] = gender
    result = run(kb, request, today)
    assert ("mtx-start-prerequisites" in {c["source"]["topic"]["code"] for c in result.cards
                                          if "pregnancy" in c["detail"].lower()}) is asked
    assert any(w.startswith(f"Patient.gender {gender!r} was read as") for w in result.warnings) is (
        gender != gender.lower())


def test_a_weight_that_cannot_be_read_is_a_note(kb, today):
    """70 'kgs' was passed over silently, and R33 then said no weight is on file."""
    chart = Chart(today, age=50).condition(IMNM_SNOMED).ck(3000, day=-5)
    chart.lab(("http://loinc.org", "29463-7", "Body weight"), 70, "kgs", day=-1)
    notes = run(kb, chart.request("patient-view"), today).warnings
    assert any(n.startswith("The latest weight, ") and "could not be read as a weight in kg" in n for n in notes)



@pytest.mark.parametrize(("change", "why"), [
    (lambda dosage: dosage["timing"]["repeat"].update(periodUnit="fortnight"),
     "timing not readable (frequency 1, period 1 fortnight)"),
    (lambda dosage: dosage["doseAndRate"][0]["doseQuantity"].update(unit="spoon", code="spoon"),
     "dose not read in mg (60 spoon)"),
    (lambda dosage: dosage["doseAndRate"][0]["doseQuantity"].update(value=-60), "dose not read in mg (-60 mg)"),
])
def test_a_glucocorticoid_whose_dose_cannot_be_read_is_named_without_explain(kb, today, change, why):
    """Prednisone 60 mg for 45 days with its timing or dose unreadable: R24's and R25's cards were gone and nothing
    said why without ?explain (found by review). A negative dose is not read either: -60 mg had given a false R29
    card (a glucocorticoid 'to start')."""
    request = fhir_fixtures.get("r05-fires-prednisone-alone-45-days").request(today)
    order = request["prefetch"]["medications"]["entry"][0]["resource"]
    change(order["dosageInstruction"][0])
    result = run(kb, request, today)
    assert (f"prednisone 20 MG Oral Tablet (MedicationRequest/{order['id']}), {why}: the glucocorticoid checks "
            "(treatment start, PJP prophylaxis, bone protection, taper) could not count its dose.") in result.warnings
    assert "vaccinate-before-immunosuppression" not in {c["source"]["topic"]["code"] for c in result.cards}


def test_an_antibody_titre_sent_as_a_ratio_is_named_not_dropped(kb, today):
    """Anti-SRP sent as valueRatio 1:160 (LOINC 53011-3, a titre) was dropped silently: R03 said "never resulted" with
    no warning (found by review). It is read as the text '1:160', which no rule reads as positive or negative, and
    the response says so."""
    chart = Chart(today).condition(IMNM_SNOMED).observation((LOINC, "53011-3", "SRP Ab [Titer] by IF"), -50)
    chart.resources["observations"][-1]["valueRatio"] = {"numerator": {"value": 1}, "denominator": {"value": 160}}
    assert any("Anti-SRP" in note and "'1:160'" in note for note in _warnings(kb, chart, today))
