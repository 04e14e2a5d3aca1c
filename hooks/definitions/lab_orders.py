"""The tests more than one card orders, each defined once: one code, display and text for every card (a LOINC code
for a lab test; the ECG and the echocardiogram, procedures, a SNOMED CT one).

An EHR's duplicate-order check is keyed on the code: the same test ordered by two cards under two codes (HCV
antibody as 13955-0 and 16128-1; a blood count as WBC + haemoglobin + platelets, as a CBC with and as one without a
differential; an ECG as a SNOMED CT procedure, an "EKG study" and an "EKG 12 channel panel") passes it and is done
twice. Each card still orders what it needs (it must stand alone when it fires alone; where several cards of
one response order a test, hooks.reconcile keeps one tests-only copy); why it orders the test goes in the
order's note, never in its text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.record import LOINC, SNOMED
from hooks.rule import Action
from hooks.valuesets import ValueSets


@dataclass(frozen=True, slots=True)
class LabTest:
    """A test to order: its short name (for the action), the value-set group its code is a member of, what the order
    says (None: the code's display), and the code's system."""

    label: str
    group: str
    code: str
    text: str | None = None
    system: str = LOINC

    def concept(self, sets: ValueSets) -> dict[str, Any]:
        return orders.procedure_concept(sets, self.group, self.code, system=self.system, text=self.text)

    def request(self, context: HookContext, *, note: str | None = None, priority: str = "routine") -> dict[str, Any]:
        return orders.service_request(context.patient_id, self.concept(context.valuesets), note=note,
                                      priority=priority)

    def action(self, context: HookContext, label: str | None = None, *, note: str | None = None,
               priority: str = "routine") -> Action:
        """The create action that orders it, described as ``label`` (default: its short name)."""
        return Action("create", label or self.label, resource=self.request(context, note=note, priority=priority))


# One blood count for every card, with the automated differential: the ANC and lymphocyte count it adds are what
# methotrexate, azathioprine and TMP/SMX monitoring and an anti-CD20 baseline read, and it costs an IVIG haemolysis
# check or a cancer screen nothing (the haemoglobin and platelets are in it). R10's baseline WBC, haemoglobin and
# platelets are this one order.
CBC = LabTest("CBC with differential", "cbc", "57021-8", "CBC with differential")
ALT = LabTest("ALT", "alt", "1742-6")
AST = LabTest("AST", "ast", "1920-8")
# not confounded by muscle injury, as ALT and AST are in IMNM
GGT = LabTest("GGT", "ggt", "2324-2")
BMP = LabTest("Basic metabolic panel", "bmp", "51990-0", "Basic metabolic panel")
HBSAG = LabTest("HBsAg", "hbsag", "5196-1")
ANTI_HBC = LabTest("Anti-HBc total", "anti_hbc", "16933-4")
ANTI_HBS = LabTest("Anti-HBs", "anti_hbs", "22322-2")
HBV_DNA = LabTest("HBV DNA", "hbv_dna", "42595-9", "HBV DNA PCR (quantitative)")
# 13955-0 is HCV Ab [Presence] in Serum or Plasma by Immunoassay, the screening test; 16128-1 is in serum only
HCV_AB = LabTest("HCV antibody", "hcv_ab", "13955-0", "HCV antibody")
IGG = LabTest("IgG", "igG", "2465-3", "IgG, serum")
IGA = LabTest("IgA", "igA", "2458-8", "IgA, serum")
IGM = LabTest("IgM", "igM", "2472-9", "IgM, serum")
ESR = LabTest("ESR", "esr", "30341-2", "Erythrocyte sedimentation rate (ESR)")
CRP = LabTest("CRP", "crp", "1988-5", "C-reactive protein (CRP)")
# The heart (R04, R19, R20, R31). Troponin I by the high-sensitivity assay, the usual one now (R20's and R31's rows
# name it); the rules read a troponin I result from either assay (every code of the troponin_i group).
HS_TROPONIN_I = LabTest("High-sensitivity troponin I", "troponin_i", "89579-7")
NT_PROBNP = LabTest("NT-proBNP", "nt_probnp", "33762-6")
# A 12-lead ECG is a procedure ordered, so its SNOMED CT procedure code, as the echocardiogram's: LOINC 11524-6 "EKG
# study" and 34534-8 "EKG 12 channel panel" name the report and its results, and CPT 93000 is a billing code.
ECG = LabTest("12-lead ECG", "ecg", "268400002", "12-lead ECG", system=SNOMED)
ECHO = LabTest("Transthoracic echocardiogram", "echocardiogram", "252418006", "Transthoracic echocardiogram",
               system=SNOMED)

SHARED: tuple[LabTest, ...] = (CBC, ALT, AST, GGT, BMP, HBSAG, ANTI_HBC, ANTI_HBS, HBV_DNA, HCV_AB, IGG, IGA, IGM,
                               ESR, CRP, HS_TROPONIN_I, NT_PROBNP, ECG, ECHO)

# A panel that reports every result of tests other cards order: ordered on one card, it draws them too, so another
# card need not order them again (hooks.reconcile). The comprehensive metabolic panel (LOINC 24323-8, R30's basic
# cancer screen) is the basic metabolic panel's eight analytes (glucose, urea nitrogen, creatinine, sodium, potassium,
# chloride, CO2, calcium) with albumin, total protein, ALP, ALT, AST and total bilirubin (as the Synthea R4 bundles
# report both panels' results, ../shared/data/synthea-r4).
CMP_LOINC = "24323-8"
INCLUDES: Mapping[tuple[str, str], tuple[LabTest, ...]] = MappingProxyType({(LOINC, CMP_LOINC): (BMP, ALT, AST)})
# (system, code) of a test -> those of the panels that include it
INCLUDED_IN: Mapping[tuple[str, str], frozenset[tuple[str, str]]] = MappingProxyType({
    (test.system, test.code): frozenset(panel for panel, tests in INCLUDES.items() if test in tests)
    for tests in INCLUDES.values() for test in tests})
