"""Turning a fired rule into a CDS Hooks 2.0 card (service-contract.md section 3)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hooks.rule import Action, Fired, Rule

TOPIC_SYSTEM = "urn:imnm-cds:recommendation"
OVERRIDE_SYSTEM = "urn:imnm-cds:override-reason"
SUMMARY_MAX = 139  # CDS Hooks: "<140 characters"
# A relative reference with a FHIR id (R4 id: letters, digits, '-' and '.', at most 64): what a delete's resourceId
# and the draftOrders extension may hold (the response schema checks the same).
_REFERENCE = re.compile(r"[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}")
# Markup a rule's text never writes, but chart text it quotes may hold (a sig or a display with an HTML tag, or a
# Markdown link or image to an outside site): made inert, so that the EHR shows it as text. '< 60' and '<45' stay.
_CHART_MARKUP = re.compile(r"<(?=[A-Za-z/!?])|\]\(|!\[")
_INERT = {"<": "&lt;", "](": "]\\(", "![": "!\\["}

# Coded override reasons offered on cards, by rule family (feedback keys on these codes).
OVERRIDE_REASONS: dict[str, tuple[tuple[str, str], ...]] = {
    "default": (
        ("patient-declined", "Patient declined"),
        ("already-addressed", "Already addressed elsewhere"),
        ("not-clinically-appropriate", "Not clinically appropriate for this patient"),
        ("data-incorrect", "Chart data behind this card is wrong or out of date"),
    ),
    "safety": (
        ("benefit-outweighs-risk", "Benefit outweighs risk; will monitor"),
        ("specialist-directed", "Directed by the treating specialist"),
        ("not-clinically-appropriate", "Not clinically appropriate for this patient"),
        ("data-incorrect", "Chart data behind this card is wrong or out of date"),
    ),
    "methotrexate-frequency": (
        ("oncologic-indication", "Documented oncologic indication for this schedule"),
        ("data-incorrect", "Order is already once weekly; chart data is wrong"),
    ),
}
# Every reason code a card offers, whatever its family: what feedback and a site's snooze tables may name
OVERRIDE_REASON_CODES = frozenset(code for reasons in OVERRIDE_REASONS.values() for code, _ in reasons)


def not_seen(keys: list[str]) -> str:
    """What a card or an explanation says when prefetch data the rule also reads could not be fetched."""
    return (f"The patient's {' and '.join(keys)} could not be fetched from the EHR, so anything recorded there (a "
            "study, vaccine or IVIG dose already given) was not taken into account: check the chart before acting.")


def _inert(detail: str) -> str:
    return _CHART_MARKUP.sub(lambda found: _INERT[found.group()], detail) if "<" in detail or "[" in detail else detail


@dataclass(frozen=True, slots=True)
class ChartOrder:
    """A signed order on the chart, as sent, and whether it is a prescription not yet begun (its first day after
    today): that one is withdrawn ('cancelled', no dose given), one under way is stopped."""

    resource: dict[str, Any]
    not_begun: bool = False


def build(rule: Rule, fired: Fired, unavailable: list[str] | None = None,
          on_chart: Mapping[str, ChartOrder] | None = None) -> dict[str, Any]:
    """A card whose topic code is the rule id, citing the rule's sources in the detail and in links;
    ``unavailable``: prefetch keys the rule also reads that could not be fetched (the card says so). ``on_chart``:
    the chart's orders (not drafts) by reference, as sent: an action that takes one away stops it (:func:`_action`)."""
    summary = fired.summary if len(fired.summary) <= SUMMARY_MAX else fired.summary[: SUMMARY_MAX - 1] + "…"
    cited = "; ".join(f"[{s.name}]({s.url})" if s.url else s.name for s in rule.sources)
    # the first primary source with an address, else the first with one (min keeps the first of equals)
    primary = min((s for s in rule.sources if s.url), key=lambda s: s.secondary, default=None)
    caveat = f"\n\n**Not checked:** {not_seen(unavailable)}" if unavailable else ""
    # a suggestion that cannot cancel the draft it replaces would add its order beside it: it is left out
    suggestions = [s for s in fired.suggestions if all(map(can_apply, s.actions))]
    if len(suggestions) < len(fired.suggestions):
        caveat += ("\n\n**A drafted order has no id** (or not a FHIR id), so the suggestions that cancel or replace "
                   "it are left out: change it by hand.")
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": summary,
        "indicator": fired.severity,
        "detail": f"{_inert(fired.detail.strip())}{caveat}\n\n**Sources:** {cited}\n\n*{rule.code} · decision support "
                  "only; the decision stays with the clinician.*",
        "source": {
            "label": primary.name[:120] if primary else "IMNM CDS",  # the text EHRs show as the link to source.url
            "topic": {"system": TOPIC_SYSTEM, "code": rule.id, "display": rule.title},
        },
        "overrideReasons": [{"system": OVERRIDE_SYSTEM, "code": code, "display": display}
                            for code, display in OVERRIDE_REASONS[rule.override_family]],
    }
    if primary is not None:
        card["source"]["url"] = primary.url
    links = [{"label": s.name[:120], "url": s.url, "type": "absolute"} for s in rule.sources if s.url]
    if links:
        card["links"] = links
    # Which draft orders the card is about, for EHRs and analytics that link cards to orders.
    if about := [o.reference for o in fired.about if resolvable(o.reference)]:
        card["extension"] = {"imnm-cds": {"draftOrders": about}}
    if suggestions:
        card["selectionBehavior"] = fired.selection
        card["suggestions"] = [
            {
                "label": s.label,
                "uuid": str(uuid.uuid4()),
                "isRecommended": s.is_recommended,
                "actions": [_action(a, on_chart or {}) for a in s.actions],
            }
            for s in suggestions
        ]
    return card


def resolvable(reference: str) -> bool:
    """A reference a delete can name: an order sent without an id gives "MedicationRequest/", and one with an id
    that is not a FHIR id ("x y", 80 characters) a reference the EHR cannot resolve."""
    return bool(_REFERENCE.fullmatch(reference))


def cut_summary(summary: str) -> str:
    """``summary`` within SUMMARY_MAX, cut with '...' where longer: for a rule that builds a summary around a name of
    any length (build's own cut, with '…', is the last resort for any rule)."""
    return summary if len(summary) <= SUMMARY_MAX else summary[: SUMMARY_MAX - 3] + "..."


def first_fitting(summaries: list[str]) -> str:
    """The first of ``summaries``, fullest first, that fits a card's summary (SUMMARY_MAX); the last otherwise, which
    the rule words to be short: cut off, a name in it would be unreadable."""
    return next((summary for summary in summaries if len(summary) <= SUMMARY_MAX), summaries[-1])


def can_apply(action: Action) -> bool:
    """Whether the card can send the action: a delete must name the draft it cancels (:func:`resolvable`); a
    suggestion with one it cannot send is left out of the card (and orders nothing, hooks.reconcile)."""
    return action.type != "delete" or resolvable(action.resource_id or "")


def _action(action: Action, on_chart: Mapping[str, ChartOrder]) -> dict[str, Any]:
    """The action as CDS Hooks sends it. A rule takes an order away by its reference (``delete``): a draft is deleted,
    as CDS Hooks lets a card remove a draft; a signed order on the chart is part of the record (its course is the
    history every later rule reads), so it is updated to status 'stopped' (or 'on-hold' for a hold:
    ``Action.stops_as``; 'cancelled' for a prescription not yet begun), the whole resource as sent."""
    signed = on_chart.get(action.resource_id or "") if action.type == "delete" else None
    if signed is not None:
        status = "cancelled" if action.stops_as == "stopped" and signed.not_begun else action.stops_as
        return {"type": "update", "description": action.description,
                "resource": {**signed.resource, "status": status}}
    out: dict[str, Any] = {"type": action.type, "description": action.description}
    if action.resource is not None:
        out["resource"] = action.resource
    if action.resource_id is not None:
        out["resourceId"] = action.resource_id
    return out
