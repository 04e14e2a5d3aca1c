"""The typed record: what is read from FHIR, how it is type-checked, and what is skipped."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from fhir_fixtures.builders import CK, IMNM_SNOMED, IVIG_CVX, METHOTREXATE_2_5, PREDNISONE_20, Chart
from hooks import engine, valuesets
from hooks.record import Malformed, PatientRecord, Quantity, build_record, parse_date, per_record, read_concept
from tests.definitions_support import record_and_context


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-20", date(2026, 11, 20)),
    ("2026-11", date(2026, 11, 1)),
    ("2026", date(2026, 1, 1)),
    ("2026-11-20T23:30:00-05:00", date(2026, 11, 21)),  # UTC
    ("2026-11-20T08:00:00Z", date(2026, 11, 20)),
])
def test_fhir_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2026-02-30", 20261120,
                                 "0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"])  # beyond year 1-9999 in UTC
def test_bad_dates_are_malformed(bad):
    with pytest.raises(Malformed):
        parse_date(bad)


def test_unknown_codes_are_dropped_and_malformed_resources_named(kb, today):
    chart = Chart(today).ck(900, day=-3)
    chart.observation(("http://loinc.org", "8867-4", "Heart rate"), -1, value=80, unit="/min")
    chart.resources["observations"].append({"resourceType": "Observation", "id": "bad", "status": "final",
                                            "code": {"coding": "2157-6"}})
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert [o.code.groups for o in record.observations] == [frozenset({"ck"})]
    assert any("Observation/bad" in w and "coding must be an array" in w for w in record.warnings)


def test_dosage_sequences_are_read_and_a_malformed_one_is_named(kb, today):
    chart = Chart(today)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-10, period_unit="wk", resource_id="mtx")
    chart.resources["medications"][-1]["dosageInstruction"][0]["sequence"] = 2
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-10, period_unit="wk", resource_id="bad")
    chart.resources["medications"][-1]["dosageInstruction"][0]["sequence"] = "1"
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert [(m.id, m.dosages[0].sequence) for m in record.medications] == [("mtx", 2)]
    assert any("MedicationRequest/bad" in w and "sequence must be an integer" in w for w in record.warnings)


@pytest.mark.parametrize(("written", "as_needed"), [
    ({"asNeededBoolean": True}, True), ({"asNeededCodeableConcept": {"text": "pain"}}, True),
    ({"asNeededBoolean": False}, False), ({"asNeededBoolean": "false"}, False), ({"asNeededBoolean": "no"}, False),
    ({"asNeededBoolean": {"x": 1}}, False), ({}, False)])
def test_only_a_real_true_or_a_reason_makes_a_dose_as_needed(kb, today, written, as_needed):
    """An as-needed dose is not added to a scheduled total (R06, R09): a string 'false' read as true hid one."""
    chart = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-10, period_unit="wk")
    chart.resources["medications"][-1]["dosageInstruction"][0].update(written)
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert record.medications[0].dosages[0].as_needed is as_needed


@pytest.mark.parametrize(("bounds", "days", "ends"), [
    ({"boundsPeriod": {"start": "2026-01-01", "end": "2026-01-05"}}, 5, date(2026, 1, 5)),
    ({"boundsDuration": {"value": 2, "unit": "wk", "system": "http://unitsofmeasure.org", "code": "wk"}}, 14, None),
    ({"boundsDuration": {"value": 3, "unit": "days"}}, 3, None),
    ({"boundsDuration": {"value": 3, "unit": "fortnights"}}, None, None),
])
def test_a_course_keeps_its_bounded_length_even_without_a_start(kb, today, bounds, days, ends):
    chart = Chart(today)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-10, period_unit="wk", resource_id="mtx")
    resource = chart.resources["medications"][-1]
    del resource["authoredOn"]
    resource["dosageInstruction"][0]["timing"]["repeat"].pop("boundsPeriod")
    resource["dosageInstruction"][0]["timing"]["repeat"].update(bounds)
    order = build_record(chart.prefetch(), kb.valuesets, today).medications[0]
    assert (order.bounds_days, order.end) == (days, ends)


@pytest.mark.parametrize(("steps", "laid_out", "last_day"), [
    ([(60, 14), (40, 14), (20, None)], [(1, 0, 13), (2, 14, 27), (3, 28, None)], None),  # open last step
    ([(60, 14), (40, 7)], [(1, 0, 13), (2, 14, 20)], 20),  # the order ends with its last step, not its first
    ([(60, None), (40, 7)], [], None),  # a first step of unknown length: no schedule can be laid out
])
def test_a_taper_written_as_sequenced_instructions_is_laid_out_step_by_step(kb, today, steps, laid_out, last_day):
    start = today - timedelta(days=40)
    chart = Chart(today).taper_order(PREDNISONE_20, steps, start=-40)
    order = build_record(chart.prefetch(), kb.valuesets, today).medications[0]
    assert [(s.sequence, (s.first - start).days, s.last and (s.last - start).days) for s in order.steps] == laid_out
    if laid_out:
        assert order.end == (start + timedelta(days=last_day) if last_day is not None else None)


def test_a_step_may_give_its_own_dates(kb, today):
    chart = Chart(today).taper_order(PREDNISONE_20, [(60, 14), (40, 14)], start=-40)
    second = chart.resources["medications"][0]["dosageInstruction"][1]["timing"]["repeat"]
    del second["boundsDuration"]
    second["boundsPeriod"] = {"start": chart.at(-20), "end": chart.at(-11)}  # a gap of a week after step 1
    order = build_record(chart.prefetch(), kb.valuesets, today).medications[0]
    day = chart.at
    assert [(s.first.isoformat(), s.last and s.last.isoformat()) for s in order.steps] == [
        (day(-40), day(-27)), (day(-20), day(-11))]
    assert order.end.isoformat() == day(-11) and order.bounds_days == 14  # the bounds of the first step's dose


def test_step_layout_edges(kb, today):
    def steps(chart):
        order = build_record(chart.prefetch(), kb.valuesets, today).medications[0]
        return [(s.sequence, s.first.isoformat(), s.last and s.last.isoformat()) for s in order.steps], order

    chart = Chart(today).taper_order(PREDNISONE_20, [(60, 14), (40, 0), (20, 14)], start=-40)
    assert steps(chart)[0] == [(1, chart.at(-40), chart.at(-27)), (3, chart.at(-26), chart.at(-13))]  # no 0-day step
    chart = Chart(today).taper_order(PREDNISONE_20, [(60, 21), (40, 30)], start=-40)
    repeat = chart.resources["medications"][0]["dosageInstruction"][1]["timing"]["repeat"]
    del repeat["boundsDuration"]
    repeat["boundsPeriod"] = {"start": chart.at(-30), "end": chart.at(-1)}  # before step 1 has run its 21 days
    assert steps(chart)[0] == [(1, chart.at(-40), chart.at(-31)), (2, chart.at(-30), chart.at(-1))]
    chart.resources["medications"][0]["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] = {
        "start": chart.at(-40)}
    chart.resources["medications"][0]["dosageInstruction"].reverse()  # listed out of order
    assert steps(chart)[1].start.isoformat() == chart.at(-40)
    repeat["boundsPeriod"] = {"start": chart.at(-26), "end": "9999-12-31"}  # a last step to the end of time
    assert steps(chart)[0][-1] == (2, chart.at(-26), "9999-12-31")
    chart.resources["medications"][0]["dosageInstruction"].reverse()
    repeat["boundsPeriod"] = {"start": "2026-02-30"}  # a later step's bad date leaves it unbounded, not the order lost
    assert steps(chart)[0][-1][2] is None


def test_a_completed_taper_with_an_open_last_step_ends_when_that_step_began(kb, today):
    chart = Chart(today).taper_order(PREDNISONE_20, [(60, 60), (40, 60), (20, None)], start=-200, status="completed")
    order = build_record(chart.prefetch(), kb.valuesets, today).medications[0]
    assert order.end.isoformat() == chart.at(-80)


def test_medication_by_reference_to_a_contained_medication(kb, today):
    chart = Chart(today)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-10, period_unit="wk")
    order = chart.resources["medications"][0]
    order["contained"] = [{"resourceType": "Medication", "id": "m1",
                           "code": order.pop("medicationCodeableConcept")}]
    order["medicationReference"] = {"reference": "#m1"}
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert [m.medication.concept_in("methotrexate") for m in record.medications] == ["methotrexate"]


@pytest.mark.parametrize(("reference", "full_url"), [
    ("urn:uuid:5f1c0e44-8b7a-4c1e-9a7e-2b9d6c1a0f11", "urn:uuid:5f1c0e44-8b7a-4c1e-9a7e-2b9d6c1a0f11"),
    ("https://ehr.example.org/fhir/Medication/m1/_history/2", None),  # absolute, versioned
])
def test_medication_by_reference_to_a_medication_entry_of_the_bundle(kb, today, reference, full_url):
    chart = Chart(today)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-10, period_unit="wk")
    order = chart.resources["medications"][0]
    medication = {"resourceType": "Medication", "id": "m1", "code": order.pop("medicationCodeableConcept")}
    order["medicationReference"] = {"reference": reference}
    data = chart.prefetch()
    data["medications"]["entry"].append({"fullUrl": full_url, "resource": medication} if full_url
                                        else {"resource": medication})
    record = build_record(data, kb.valuesets, today)
    assert [m.medication.concept_in("methotrexate") for m in record.medications] == ["methotrexate"]


def test_a_medication_reference_that_was_not_sent_is_named(kb, today):
    chart = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-10, period_unit="wk", resource_id="mtx")
    order = chart.resources["medications"][0]
    del order["medicationCodeableConcept"]
    order["medicationReference"] = {"reference": "Medication/not-sent"}
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert record.medications == []
    assert any("MedicationRequest/mtx" in w and "Medication/not-sent was not sent" in w for w in record.warnings)


def test_a_draft_may_name_a_medication_the_chart_sent(kb, today):
    chart = Chart(today).draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", resource_id="d1")
    draft = chart.drafts[0]
    medication = {"resourceType": "Medication", "id": "m9", "code": draft.pop("medicationCodeableConcept")}
    draft["medicationReference"] = {"reference": "Medication/m9"}
    request = chart.request("order-sign")
    request["prefetch"]["medications"]["entry"].append({"resource": medication})
    _, context = engine.prepare(kb, "order-sign", request["context"], request["prefetch"], today=today)
    assert [o.medication.concept_in("methotrexate") for o in context.draft_orders] == ["methotrexate"]


@pytest.mark.parametrize(("sex", "uln"), [("female", 192), ("male", 308), ("other", 250)])
def test_the_reference_range_is_the_one_for_the_patients_sex(kb, today, sex, uln):
    chart = Chart(today, sex=sex).ck(260, day=-2)
    sexes = {"male": "248153007", "female": "248152002"}
    chart.resources["observations"][-1]["referenceRange"] = [
        {"high": {"value": 308, "unit": "U/L"}, "appliesTo": [{"coding": [
            {"system": "http://snomed.info/sct", "code": sexes["male"]}]}]},
        {"high": {"value": 192, "unit": "U/L"}, "appliesTo": [{"coding": [
            {"system": "http://snomed.info/sct", "code": sexes["female"]}]}]},
        {"high": {"value": 250, "unit": "U/L"}}]  # everyone else
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert record.observations_in("ck")[0].ref_high.value == uln


def test_a_date_time_is_read_as_a_date_in_the_zone_today_is_in(kb, today):
    """08:00 in Sydney on the 7th is the 6th in UTC: with 'today' in Sydney time, the result is from the 7th."""
    chart = Chart(today).ck(900, day=-2)
    chart.resources["observations"][-1]["effectiveDateTime"] = "2026-11-07T08:00:00+11:00"
    request = chart.request("patient-view")
    sydney, _ = engine.prepare(kb, "patient-view", request["context"], request["prefetch"], today=today,
                               zone=ZoneInfo("Australia/Sydney"))
    utc, _ = engine.prepare(kb, "patient-view", request["context"], request["prefetch"], today=today)
    assert sydney.observations_in("ck")[0].when == date(2026, 11, 7)
    assert utc.observations_in("ck")[0].when == date(2026, 11, 6)


def test_name_only_medication_is_recognised_and_noted(kb, today):
    chart = Chart(today).medication("Methotrexate 2.5mg tabs (local formulary)", 15, "mg", start=-10)
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert record.medications[0].medication.matched_by_name
    assert any("recognised by name" in w for w in record.warnings)


def test_name_matching_is_whole_word(kb):
    sets = kb.valuesets
    assert {m.group for m in sets.lookup_names("Creatine kinase total")} == {"ck"}
    assert {m.group for m in sets.lookup_names("Creatine kinase MB [Enzymatic activity]")} == {"ck_isoenzyme"}
    assert {m.group for m in sets.lookup_names("CK-MB")} == {"ck_isoenzyme"}  # a longer name at the same place wins
    assert {m.group for m in sets.lookup_names("HMG-CoA Reductase Ab, S")} == {"anti_hmgcr"}
    assert {m.group for m in sets.lookup_names("Simvistatin 10 MG")} == {"statin"}  # as Synthea spells RxNorm 316672
    assert {m.group for m in sets.lookup_names("Vytorin 10/40 oral tablet")} == {"statin"}
    assert not sets.lookup_names("checklist for muscle stuff")
    assert {m.group for m in sets.lookup_names("Sulfamethoxazole-trimethoprim DS")} >= {"tmp_smx"}


@pytest.mark.parametrize(("text", "groups"), [
    # a specific (hyperimmune) or intramuscular immune globulin is no IVIG: it hid R19's critical card
    ("tetanus immune globulin (human) 250 UNT/ML Injectable Solution", {"hyperimmune_or_im_globulin"}),
    ("HepaGam B (hepatitis B immune globulin)", {"hyperimmune_or_im_globulin"}),
    ("RhoGAM Rho(D) immune globulin", {"hyperimmune_or_im_globulin"}),
    ("immune globulin intramuscular (GamaSTAN)", {"hyperimmune_or_im_globulin"}),
    ("immune globulin 10% intravenous", {"ivig"}),
    # "calcium" in another drug's salt name is no calcium supplement: it dropped R25's "no calcium/vitamin D"
    ("leucovorin calcium 5 MG Oral Tablet", {"folic_acid"}),
    ("atorvastatin calcium 20 mg", {"statin"}),
    ("docusate calcium 240 mg", {"calcium_in_another_drug_name"}),
    ("Calcium 600 mg + D3", {"calcium"}),
    # spellings EHRs send that were missed: R24 offered a second TMP/SMX, R25 vitamin D, a DXA and alendronate
    ("Cotrimoxazole 960 mg tablet", {"tmp_smx"}),
    ("SMX-TMP 800-160 mg", {"tmp_smx"}),
    ("Septrin forte", {"tmp_smx"}),
    ("Vitamin D3 1000 IU", {"vitamin_d"}),
    ("Colecalciferol 800 unit capsule", {"vitamin_d"}),
    ("DEXA scan hip and spine", {"dxa"}),
    ("Bone densitometry (DXA)", {"dxa"}),
    ("Prolia 60 mg", {"osteoporosis_drug"}),
    ("Fosamax 70 mg weekly", {"osteoporosis_drug"}),
])
def test_a_longer_name_holding_a_shorter_one_is_read_whole(kb, text, groups):
    assert {m.group for m in kb.valuesets.lookup_names(text)} == groups


def test_containment_holds_at_every_place_a_long_text_repeats_a_name(kb):
    """Each 'creatine kinase MB' hides its 'creatine kinase', and a lone 'creatine kinase' between them still
    counts (the containment check now looks back a bounded number of words; its speed is not asserted here)."""
    sets = kb.valuesets
    text = "creatine kinase MB, creatine kinase; " * 2000
    found = [m.group for m in sets.lookup_names(text)]
    assert found.count("ck") == 2000 and found.count("ck_isoenzyme") == 2000
    assert [m.group for m in sets.lookup_names("creatine kinase MB " * 3)] == ["ck_isoenzyme"] * 3


def test_a_lab_with_an_unlisted_loinc_code_is_not_matched_by_name(kb, today):
    """CK-MB (LOINC 32673-6) is named 'Creatine kinase.MB': read as CK it would hide a high CK behind 20 U/L."""
    chart = Chart(today).observation(("http://loinc.org", "32673-6", "Creatine kinase.MB [Enzymatic activity/volume]"),
                                     -2, value=20, unit="U/L")
    chart.observation("Creatine kinase total", -1, value=900, unit="U/L")  # uncoded: the name still counts
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert [o.quantity.value for o in record.observations_in("ck")] == [900]


GENETIC_EFFECT = {"system": "http://loinc.org", "code": "53040-2",
                  "display": "Genetic variation's effect on drug metabolism"}
OTHER_IMMUNE_MYOPATHY = {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G72.49",
                         "display": "Other inflammatory and immune myopathies, not elsewhere classified"}


@pytest.mark.parametrize(("coding", "text", "exact_system", "groups"), [
    (GENETIC_EFFECT, "TPMT genotype", "http://loinc.org", {"tpmt_genotype"}),
    (GENETIC_EFFECT, "NUDT15 genotype", "http://loinc.org", {"nudt15"}),
    (GENETIC_EFFECT, "CYP2C19 genotype", "http://loinc.org", set()),  # a gene no rule reads: dropped as before
    (OTHER_IMMUNE_MYOPATHY, "Anti-HMGCR myopathy", None, {"imnm", "statin_autoimmune_myopathy", "myopathy"}),
    (OTHER_IMMUNE_MYOPATHY, None, None, {"imnm"}),
])
def test_a_generic_code_lets_its_text_say_what_it_is(kb, coding, text, exact_system, groups):
    """A TPMT genotype sent under LOINC 53040-2 was never read (a LOINC code is never matched by name), so R12 asked
    for a test already done; anti-HMGCR myopathy under ICD-10-CM G72.49 was IMNM only, and R14 let a statin through.
    A code the value sets list as generic now lets the names count beside its own groups."""
    concept = read_concept({"coding": [coding], "text": text}, "code", kb.valuesets, exact_system=exact_system)
    assert concept.groups == groups
    assert "generic_code" not in concept.groups  # the marker places nothing in the record


def test_a_specific_code_keeps_its_meaning_beside_a_generic_one(kb):
    """The narrow rule: a listed code that is not generic is never re-read by its text, nor is an unlisted LOINC
    code (another test), even beside a generic code."""
    tpmt = {"system": "http://loinc.org", "code": "41048-0", "display": "TPMT Genotype"}
    unlisted = {"system": "http://loinc.org", "code": "32673-6", "display": "Creatine kinase.MB"}
    for codings in ([GENETIC_EFFECT, tpmt], [GENETIC_EFFECT, unlisted]):
        concept = read_concept({"coding": codings, "text": "NUDT15 genotype"}, "Observation.code", kb.valuesets,
                               exact_system="http://loinc.org")
        assert "nudt15" not in concept.groups and not concept.matched_by_name


@pytest.mark.parametrize(("where", "text", "group"), [
    ("Condition.code", "Anti-HMGCR myopathy", "statin_autoimmune_myopathy"),
    ("MedicationRequest.medicationCodeableConcept", "Atorvastatin 40 mg tablet", "statin"),
])
def test_a_local_code_without_a_system_is_no_code_of_its_own(kb, where, text, group):
    """A coding with no system (a local code) counted as a code of the 'exact system' None, so its concept was never
    matched by name: a statin or anti-HMGCR myopathy charted under a local code was read by no rule (R14)."""
    concept = read_concept({"coding": [{"code": "LOCAL-17"}], "text": text}, where, kb.valuesets)
    assert group in concept.groups and concept.matched_by_name


def test_icd10_range_rows_match_malignancies(kb):
    assert {m.group for m in kb.valuesets.lookup_code("http://hl7.org/fhir/sid/icd-10-cm", "C34.90")} == {
        "malignancy"}
    assert kb.valuesets.lookup_code("http://hl7.org/fhir/sid/icd-10-cm", "D50.9") == []


def test_site_value_set_directory_adds_local_codes(tmp_path):
    (tmp_path / "site.csv").write_text("group,concept,system,code,display,source\n"
                                       "ck,creatine kinase,urn:oid:1.2.3,CK-LOCAL,CK (local),site lab\n")
    sets = valuesets.load([tmp_path])
    assert [m.group for m in sets.lookup_code("urn:oid:1.2.3", "CK-LOCAL")] == ["ck"]


def test_refuted_conditions_and_draft_medications_never_count(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-10, verification="refuted")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-10, status="draft")
    record, _ = record_and_context(kb, chart)
    assert record.conditions_in("imnm") == []
    assert record.medications_in("methotrexate") == []


def test_observation_dates_from_period_and_issued(kb, today):
    chart = Chart(today)
    chart.observation(CK, -4, value=500, unit="U/L", date_field="effectivePeriod")
    chart.observation(CK, -2, value=700, unit="U/L", date_field="issued")
    record, _ = record_and_context(kb, chart)
    assert [o.when for o in record.observations_in("ck")] == [date(2026, 11, 17), date(2026, 11, 19)]


@pytest.mark.parametrize("bad", [["2157-6"], {"code": "2157-6"}, 2157, True])
def test_a_cached_concept_never_lets_a_later_wrong_type_through(kb, bad):
    """Concepts are cached by their JSON values; a later copy with a number or an array where the code string
    belongs must still be refused, not answered from the cache."""
    from hooks.record import read_concept

    good = {"coding": [{"system": "http://loinc.org", "code": "2157-6", "display": "CK"}], "text": "CK"}
    assert read_concept(good, "Observation.code", kb.valuesets).in_group("ck")
    assert read_concept(dict(good), "Observation.code", kb.valuesets) is read_concept(good, "x", kb.valuesets)
    wrong = {"coding": [{"system": "http://loinc.org", "code": bad, "display": "CK"}], "text": "CK"}
    with pytest.raises(Malformed, match="code must be a string"):
        read_concept(wrong, "Observation.code", kb.valuesets)


@pytest.mark.parametrize(("element", "written", "read", "warning"), [
    ("id", 7, [], "Skipped Observation/7 in 'observations': id must be a string."),
    ("id", None, [""], None),
    ("status", ["final"], [], "Skipped Observation/late in 'observations': Observation must be a string."),
    ("status", {"code": "final"}, [], "Skipped Observation/late in 'observations': Observation must be a string."),
    ("status", "Final", ["final"], "Observation.status 'Final' was read as 'final': Observation/late."),
    ("status", "done", ["done"], "Observation.status 'done' is not a code of it: Observation/late."),
    ("status", None, [None], "Observation.status is missing (FHIR requires it): Observation/late."),
    ("status", " Entered-In-Error", [], None),
    ("valueString", 12, [], "Skipped Observation/late in 'observations': Observation.valueString must be a string."),
    ("valueString", "haemolysed", ["haemolysed"], None),
])
def test_an_observations_usual_elements_are_checked_as_every_other(kb, today, element, written, read, warning):
    """The id, status and valueString of the usual result are taken without the readers' calls (this runs for
    every result); anything else must still be read, named or refused exactly as those readers do."""
    chart = Chart(today).ck(900, day=-3).ck(1200, day=-2)
    prefetch = chart.prefetch()
    chart.resources["observations"][-1].update({"id": "late", element: written})  # the bundle holds this dict
    record = build_record(prefetch, kb.valuesets, today)
    attribute = {"id": "id", "status": "status", "valueString": "value_text"}[element]
    assert [getattr(o, attribute) for o in record.observations if o.quantity.value == 1200] == read
    assert record.warnings == ([warning] if warning else [])


def test_per_record_computes_once_per_record_arguments_and_context(today):
    calls: list[tuple[object, ...]] = []

    @per_record
    def counted(record: PatientRecord, context: object, group: str) -> list[str]:
        calls.append((context, group))
        return [group]

    record, other = PatientRecord(today=today), PatientRecord(today=today)
    first, second = object(), object()
    for _ in range(3):
        assert counted(record, first, "ck") == ["ck"]
    assert len(calls) == 1
    counted(record, first, "weight")  # another argument
    counted(record, second, "ck")  # another context, matched by identity
    counted(other, first, "ck")  # another record has its own answers
    assert calls == [(first, "ck"), (first, "weight"), (second, "ck"), (first, "ck")]
    assert counted(record, first, "ck") is counted(record, first, "ck")


def test_per_record_matches_unhashable_arguments_by_identity(today):
    seen: list[int] = []

    @per_record
    def counted(record: PatientRecord, params: dict[str, float]) -> float:
        seen.append(id(params))
        return params["x"]

    record = PatientRecord(today=today)
    params = {"x": 1.0}
    assert counted(record, params) == counted(record, params) == 1.0
    assert counted(record, {"x": 2.0}) == 2.0  # equal-looking but new: computed again
    assert len(seen) == 2


def test_repeated_queries_give_the_same_members_in_lists_the_caller_may_change(kb, today):
    chart = Chart(today)
    for day in (-30, -20, -10):
        chart.observation(CK, day, value=500, unit="U/L")
    record, _ = record_and_context(kb, chart)
    first = record.observations_in("ck")
    first.clear()  # a rule that sorts or trims its own list must not change what the next rule sees
    again = record.observations_in("ck")
    assert [o.when for o in again] == [today.fromordinal(today.toordinal() + d) for d in (-30, -20, -10)]
    assert len(record.observations_in("ck", since=today.fromordinal(today.toordinal() - 15))) == 1


def test_repeated_queries_give_what_counts_in_lists_the_caller_may_change(kb, today):
    """Only what counts is indexed, once per list (PatientRecord._index_members): a later question still
    gets its own list, drafts, refuted conditions, studies not done and vaccines not given stay out, and the
    current_only, active_only and since filters still read each item."""
    ecg = ("http://snomed.info/sct", "164847006", "Standard ECG")
    chart = Chart(today).condition(IMNM_SNOMED, status="resolved").condition(IMNM_SNOMED, verification="refuted")
    chart.condition(IMNM_SNOMED)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-200, end=-100, status="completed")
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-99)
    chart.medication(METHOTREXATE_2_5, 25, "mg", start=-1, status="draft")
    chart.procedure(ecg, day=-300).procedure(ecg, day=-20).procedure(ecg, day=-10, status="not-done")
    chart.immunization(IVIG_CVX, -50).immunization(IVIG_CVX, -5, status="not-done")
    record, _ = record_and_context(kb, chart)
    for _ in range(2):  # the second time from the kept lists, each emptied by its caller the time before
        assert [o.status for o in record.medications_in("methotrexate")] == ["completed", "active"]
        assert [o.status for o in record.medications_in("methotrexate", current_only=True)] == ["active"]
        assert [c.clinical_status for c in record.conditions_in("imnm")] == ["resolved", "active"]
        assert [c.clinical_status for c in record.conditions_in("imnm", active_only=True)] == ["active"]
        assert [p.status for p in record.procedures_in("ecg")] == ["completed", "completed"]
        assert len(record.procedures_in("ecg", since=today - timedelta(days=100))) == 1
        assert [i.status for i in record.immunizations_in("ivig")] == ["completed"]
        for found in (record.medications_in("methotrexate"), record.conditions_in("imnm"),
                      record.procedures_in("ecg"), record.immunizations_in("ivig")):
            found.clear()  # a rule that trims its own list must not change what the next rule sees
    other = record.with_medications(record.medications[:1])  # a record of its own answers its own orders
    assert [o.status for o in other.medications_in("methotrexate")] == ["completed"]
    assert len(record.medications_in("methotrexate")) == 2


def test_a_range_limit_without_a_unit_takes_the_results_unit(kb, today):
    chart = Chart(today).ck(900, day=-2)
    chart.resources["observations"][-1]["referenceRange"] = [{"high": {"value": 200}}]
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert record.observations_in("ck")[0].ref_high == Quantity(200, "U/L")


def test_a_quantity_keeps_its_comparator_and_refuses_an_unknown_one():
    from hooks.record import read_quantity

    bound = read_quantity({"value": 3, "unit": "ng/L", "comparator": "<"}, "Observation.valueQuantity")
    assert bound == Quantity(3.0, "ng/L", "<") and str(bound) == "<3 ng/L"
    assert read_quantity({"value": 3, "unit": "ng/L"}, "x").comparator is None
    for wrong in ("about", ["<"], {"code": "<"}, 1):  # a list once raised TypeError: HTTP 500 (found by review)
        with pytest.raises(Malformed, match="comparator must be one of"):
            read_quantity({"value": 3, "unit": "ng/L", "comparator": wrong}, "Observation.valueQuantity")


def test_a_read_quantity_is_the_value_its_constructor_builds():
    """read_quantity fills a Quantity's slots itself (its constructor is slow for a frozen dataclass): the result
    must be the same frozen value, with every field set (a field added to Quantity must be set there too)."""
    import dataclasses

    from hooks.record import read_quantity

    read = read_quantity({"value": 3, "code": "ng/L", "comparator": "<"}, "Observation.valueQuantity")
    built = Quantity(3.0, "ng/L", "<")
    assert (read, hash(read), repr(read), type(read)) == (built, hash(built), repr(built), Quantity)
    assert [getattr(read, f.name) for f in dataclasses.fields(Quantity)] == [3.0, "ng/L", "<"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.value = 4.0  # type: ignore[misc]


@pytest.mark.parametrize(("birth_date", "oldest", "youngest"), [
    ("2008", 18, 17), ("2008-11", 18, 17), ("2008-10", 18, 18), ("2008-11-21", 18, 18), ("2008-11-22", 17, 17),
    ("2026", 0, 0), ("1961", 65, 64)])
def test_a_partial_birth_date_gives_the_oldest_and_the_youngest_age_the_patient_may_be(kb, birth_date, oldest,
                                                                                      youngest):
    """The paediatric split reads the youngest (a possible 17-year-old is a child); age-related risks read the
    oldest (born in 1961 may be 65: R11's older-age risk counts)."""
    record = build_record(Chart(date(2026, 11, 21), birth_date=birth_date).prefetch(), kb.valuesets,
                          date(2026, 11, 21))
    assert (record.age_years, record.youngest_age_years) == (oldest, youngest)


@pytest.mark.parametrize(("reference", "skipped"), [
    ("Patient/someone-else", True),
    ("https://ehr.example.org/fhir/Patient/someone-else/_history/3", True),
    ("https://ehr.example.org/fhir/Patient/imnm-demo", False),
    ("Patient/imnm-demo/_history/2", False),
    ("urn:uuid:6f1d2c7e-0000-4000-8000-000000000001", False),  # a Bundle's own reference: not judged
    ("Group/clinic-list", False),
])
def test_a_resource_about_another_patient_is_skipped_and_named(kb, today, reference, skipped):
    """An EHR that mixes two charts sent another patient's CK: it was read as this patient's (found by review)."""
    chart = Chart(today).ck(9000, day=-1)
    chart.resources["observations"][-1]["subject"] = {"reference": reference}
    record = build_record(chart.prefetch(), kb.valuesets, today, patient_id="imnm-demo")
    assert (record.observations == []) is skipped
    assert any(reference in w and "not the patient in context (Patient/imnm-demo)" in w
               for w in record.warnings) is skipped


def test_another_patients_resource_is_skipped_and_a_draft_naming_another_is_checked_all_the_same(kb, today):
    """The chart's data about another patient is not read as this one's; a draft about to be signed here is still
    checked (follow-up review: daily methotrexate naming 'Patient/IMNM-demo' lost its hard stop), and named."""
    chart = Chart(today).ck(9000, day=-1).draft(METHOTREXATE_2_5, 15, "mg")
    request = chart.request("order-sign")
    request["prefetch"]["patient"]["id"] = "someone-else"
    request["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = {"reference": "Patient/IMNM-demo"}
    record, context = engine.prepare(kb, "order-sign", request["context"], request["prefetch"], today=today,
                                     warnings=(warnings := []))
    assert record.patient is None and len(context.draft_orders) == 1 and len(record.observations) == 1
    assert any("Patient/someone-else" in w for w in warnings)
    assert any("names Patient/IMNM-demo" in w and "checked as this patient's order" in w for w in warnings)
    result = engine.evaluate(kb, "order-sign", request["context"], request["prefetch"], today=today)
    assert "mtx-once-weekly-hard-stop" in {c["source"]["topic"]["code"] for c in result.cards}
