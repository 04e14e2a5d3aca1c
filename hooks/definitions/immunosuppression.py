"""Steroid-sparing agents and PJP prophylaxis (section 4.2)."""

from __future__ import annotations

from datetime import date, timedelta

from hooks.context import HookContext
from hooks.definitions.courses import given_since, protection_since
from hooks.definitions.routes import is_local_order, route_words
from hooks.record import MedicationOrder, PatientRecord, per_record

STEROID_SPARING = ("methotrexate", "azathioprine", "mycophenolate", "ivig", "rituximab", "tacrolimus",
                   "cyclosporine", "cyclophosphamide")
# the steroid-sparing agents that suppress immunity (IVIG modulates it: no live-vaccine or infection risk)
IMMUNOSUPPRESSANTS = tuple(g for g in STEROID_SPARING if g != "ivig")
PJP_PROPHYLAXIS = ("tmp_smx", "pjp_alternative")


# MedicationRequest intents that are no order: a plan, a proposal or an option says nothing was prescribed
NOT_ORDERED = frozenset({"plan", "proposal", "option"})


def steroid_sparing_since(record: PatientRecord, since: date) -> list[MedicationOrder]:
    """Steroid-sparing agents active, given or ordered on or after ``since``: ordered, not only planned or proposed
    (methotrexate charted as a plan left a patient on prednisone alone with no R05 card)."""
    return [o for o in given_since(record, *STEROID_SPARING, since=since) if o.intent not in NOT_ORDERED]


@per_record
def _pjp_protection(record: PatientRecord, context: HookContext
                    ) -> tuple[list[MedicationOrder], list[MedicationOrder]]:
    """PJP prophylaxis within the window, and what ended before its end date and is left out
    (courses.protection_since), in forms that prevent PJP (:func:`covers_pjp`)."""
    since = record.today - timedelta(days=int(context.definition("pjp_prophylaxis_window_days")))
    counted, left_out = protection_since(record, *PJP_PROPHYLAXIS, since=since)
    return [m for m in counted if covers_pjp(m)], [m for m in left_out if covers_pjp(m)]


def pjp_prophylaxis(record: PatientRecord, context: HookContext) -> list[MedicationOrder]:
    """Active TMP/SMX, atovaquone, dapsone or pentamidine, or one given within the last 4 weeks. Protection errs
    early (courses.protection_since): one that ended before its end date counts until the last day it is known to
    have been given, not until today (it may have stopped weeks ago; the missing-prophylaxis card must show)."""
    return _pjp_protection(record, context)[0]


def pjp_prophylaxis_not_counted(record: PatientRecord, context: HookContext) -> list[MedicationOrder]:
    """The prophylaxis :func:`pjp_prophylaxis` leaves out because it ended before its end date, on a day the chart
    does not give: for the card to name (courses.ended_early_list)."""
    return _pjp_protection(record, context)[1]


def pjp_not_counted_sentence(not_counted: str) -> str:
    """What a card that finds no PJP prophylaxis (R16, R24) adds: the prophylaxis :func:`pjp_prophylaxis_not_counted`
    leaves out, as courses.ended_early_list names it (``not_counted``), or nothing when none is."""
    return f" Not counted as current prophylaxis: {not_counted}." if not_counted else ""


def is_co_trimoxazole(order: MedicationOrder) -> bool:
    """A TMP/SMX order rather than trimethoprim alone: by its concept, or by the sulfamethoxazole or a brand in its
    name (a product coded as trimethoprim but named Bactrim is the combination)."""
    concept = order.medication.concept_in("tmp_smx")
    words = order.medication.words()
    return concept is not None and (concept != "trimethoprim" or "sulfamethoxazole" in words or any(
        n in words for n in ("bactrim", "septra", "co-trimoxazole", "cotrimoxazole", "tmp/smx")))


def covers_pjp(order: MedicationOrder) -> bool:
    """A form that prevents PJP: not trimethoprim alone, not a skin gel (dapsone for acne), not atovaquone with
    proguanil (malaria tablets, a quarter of the PJP dose); inhaled pentamidine is the one local form that does."""
    medication = order.medication
    words = medication.words()
    if (order.in_group("tmp_smx") and not is_co_trimoxazole(order)) or "proguanil" in words:
        return False
    inhaled = "inhal" in words or any(d.route is not None and "inhal" in route_words(d.route) for d in order.dosages)
    inhaled_pentamidine = medication.concept_in("pjp_alternative") == "pentamidine" and inhaled
    return inhaled_pentamidine or not is_local_order(order)
