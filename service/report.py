"""``imnm-cds report``: per rule, how often it fired and what clinicians did with its cards.

The table an informatics committee reviews: fired, accepted, overridden (by reason), acceptance rate
(accepted / fired: cards nobody acted on count against it, as CDS Hooks sends no feedback for ignored cards),
override rate, times snoozed, and the median latency of the calls in which the rule fired.
Output as text, JSON, or a self-contained HTML page with an inline SVG chart (no script, no network).
"""

from __future__ import annotations

import html
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, select

from service.storage.models import AuditCall, Feedback, IssuedCard


@dataclass
class RuleRow:
    rule: str
    code: str = ""
    title: str = ""
    fired: int = 0
    by_indicator: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    overridden: int = 0
    overridden_by_reason: dict[str, int] = field(default_factory=dict)
    snoozed: int = 0
    acceptance_rate: float | None = None
    override_rate: float | None = None
    median_latency_ms: float | None = None


@dataclass
class Report:
    since: str | None
    generated: str
    calls: int
    rules: list[RuleRow]
    unknown_card_feedback: int
    misdirected_feedback: int  # for a known card, posted to the other service or sent by another EHR: not counted

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Feedback joined to the card it is about, when the card's own service received it from the EHR the card was
# returned to: what sql_store.record_feedback lets snooze (client_key is the poster's iss, '' with authentication
# off, when the card's client is NULL)
_feedback_on_its_card = and_(IssuedCard.uuid == Feedback.card_uuid, IssuedCard.service_id == Feedback.service_id,
                             func.coalesce(IssuedCard.client, "") == Feedback.client_key)


def build(engine: Engine, since: datetime | None, titles: Mapping[str, tuple[str, str]], now: datetime) -> Report:
    """Aggregate the audit trail from ``since`` (None: everything kept). ``titles``: rule id -> (code, title)."""
    rows: dict[str, RuleRow] = {}

    def row(rule_id: str) -> RuleRow:
        if rule_id not in rows:
            code, title = titles.get(rule_id, ("", ""))
            rows[rule_id] = RuleRow(rule_id, code, title)
        return rows[rule_id]

    latencies: dict[str, list[float]] = defaultdict(list)
    calls = 0
    with engine.connect() as connection:
        query = select(IssuedCard.rule_id, IssuedCard.indicator, func.count()).group_by(
            IssuedCard.rule_id, IssuedCard.indicator)
        if since is not None:
            query = query.where(IssuedCard.issued_at >= since)
        for rule_id, indicator, count in connection.execute(query):
            entry = row(rule_id)
            entry.fired += count
            entry.by_indicator[indicator] = entry.by_indicator.get(indicator, 0) + count

        # One outcome per card: a card overridden after being accepted (or sent twice) counts once, last wins. Only
        # feedback the card's own service took from the EHR it was shown in counts: an item posted to the other
        # service's URL or sent by another EHR is kept, but snoozes nothing and is not the card's outcome.
        feedback = select(Feedback.card_uuid, IssuedCard.rule_id, Feedback.outcome, Feedback.override_code,
                          Feedback.override_display).join(IssuedCard, _feedback_on_its_card)
        if since is not None:
            feedback = feedback.where(IssuedCard.issued_at >= since)
        outcomes: dict[str, tuple[str, str, str]] = {}
        for card_uuid, card_rule, outcome, code, display in connection.execute(
                feedback.order_by(Feedback.outcome_at, Feedback.id)):
            outcomes[card_uuid] = (card_rule, outcome, code or display or "no reason given")
        for rule_id, outcome, reason in outcomes.values():
            entry = row(rule_id)
            if outcome == "accepted":
                entry.accepted += 1
            else:
                entry.overridden += 1
                entry.overridden_by_reason[reason] = entry.overridden_by_reason.get(reason, 0) + 1

        unknown = select(func.count()).select_from(Feedback).where(Feedback.known_card.is_(False))
        misdirected = (select(func.count()).select_from(Feedback)
                       .join(IssuedCard, IssuedCard.uuid == Feedback.card_uuid).where(~_feedback_on_its_card))
        if since is not None:
            unknown = unknown.where(Feedback.received_at >= since)
            misdirected = misdirected.where(Feedback.received_at >= since)
        unknown_count = connection.execute(unknown).scalar_one()
        misdirected_count = connection.execute(misdirected).scalar_one()

        audit = select(AuditCall.fired, AuditCall.snoozed, AuditCall.latency_ms)
        if since is not None:
            audit = audit.where(AuditCall.called_at >= since)
        snoozed: Counter[str] = Counter()
        for fired, snoozed_rules, latency in connection.execute(audit.execution_options(yield_per=1000)):
            calls += 1
            for rule_id in fired or []:
                latencies[rule_id].append(latency)
            snoozed.update(snoozed_rules or [])
    for rule_id, count in snoozed.items():
        row(rule_id).snoozed = count
    for entry in rows.values():
        if entry.fired:
            entry.acceptance_rate = round(entry.accepted / entry.fired, 4)
            entry.override_rate = round(entry.overridden / entry.fired, 4)
        if latencies.get(entry.rule):
            entry.median_latency_ms = round(statistics.median(latencies[entry.rule]), 1)
    ordered = sorted(rows.values(), key=lambda r: (-r.fired, r.code or r.rule))
    return Report(since.isoformat() if since else None, now.isoformat(timespec="seconds"), calls, ordered,
                  unknown_count, misdirected_count)


_MISDIRECTED = "Feedback posted to the other service or by another EHR than the card's (not counted above)"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _reasons(row: RuleRow) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in sorted(row.overridden_by_reason.items())) or ""


def render_text(report: Report) -> str:
    lines = [f"IMNM CDS feedback report — since {report.since or 'the start of the kept audit trail'}; "
             f"{report.calls} service calls; generated {report.generated}", ""]
    header = f"{'rule':44} {'fired':>6} {'accepted':>8} {'overrid.':>8} {'accept%':>7} {'snoozed':>7} {'median ms':>9}"
    lines += [header, "-" * len(header)]
    for row in report.rules:
        label = f"{row.code} {row.rule}".strip()[:44]
        latency = "—" if row.median_latency_ms is None else f"{row.median_latency_ms:.1f}"
        lines.append(f"{label:44} {row.fired:>6} {row.accepted:>8} {row.overridden:>8} "
                     f"{_percent(row.acceptance_rate):>7} {row.snoozed:>7} {latency:>9}")
        if row.overridden_by_reason:
            lines.append(f"{'':6}overridden by reason: {_reasons(row)}")
    if not report.rules:
        lines.append("(no cards issued in this period)")
    lines += ["", f"Feedback for card uuids this service never issued: {report.unknown_card_feedback}",
              f"{_MISDIRECTED}: {report.misdirected_feedback}"]
    return "\n".join(lines)


def render_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2)


def _chart(report: Report) -> str:
    """Horizontal grouped bars (fired / accepted / overridden) per rule, as inline SVG."""
    rules = [r for r in report.rules if r.fired or r.accepted or r.overridden]
    if not rules:
        return "<p>No cards were issued in this period.</p>"
    label_width, bar_width, row_height, bar = 330, 420, 46, 12
    top = 30
    height = top + row_height * len(rules) + 10
    most = max(max(r.fired, r.accepted, r.overridden) for r in rules) or 1
    series = (("fired", "#4c72b0"), ("accepted", "#55a868"), ("overridden", "#c44e52"))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_width + bar_width + 60}" '
             f'height="{height}" viewBox="0 0 {label_width + bar_width + 60} {height}" font-family="sans-serif" '
             'font-size="12"><title>Cards fired, accepted and overridden per rule</title>']
    for index, (name, colour) in enumerate(series):
        x = label_width + index * 110
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="16">{name}</text>')
    for index, row in enumerate(rules):
        y = top + index * row_height
        label = html.escape(f"{row.code} {row.rule}".strip())
        parts.append(f'<text x="{label_width - 8}" y="{y + 22}" text-anchor="end">{label}</text>')
        for offset, (name, colour) in enumerate(series):
            value = getattr(row, name)
            width = round(bar_width * value / most, 1)
            by = y + offset * (bar + 1)
            parts.append(f'<rect class="{name}" x="{label_width}" y="{by}" width="{width}" height="{bar}" '
                         f'fill="{colour}"><title>{label}: {value} {name}</title></rect>'
                         f'<text x="{label_width + width + 4}" y="{by + bar - 2}" font-size="10">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report) -> str:
    rows = []
    for row in report.rules:
        latency = "—" if row.median_latency_ms is None else f"{row.median_latency_ms:.1f}"
        rows.append(
            f"<tr><td>{html.escape(row.code)}</td><td>{html.escape(row.rule)}<br><small>{html.escape(row.title)}"
            f"</small></td><td>{row.fired}</td><td>{row.accepted}</td><td>{row.overridden}</td>"
            f"<td>{html.escape(_reasons(row))}</td><td>{_percent(row.acceptance_rate)}</td><td>{row.snoozed}</td>"
            f"<td>{latency}</td></tr>")
    since = html.escape(report.since or "the start of the kept audit trail")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>IMNM CDS feedback report</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}}
td:nth-child(2),td:nth-child(6),th{{text-align:left}}</style></head>
<body><h1>IMNM CDS feedback report</h1>
<p>Since {since}; {report.calls} service calls; generated {html.escape(report.generated)}.
Acceptance rate = accepted / fired (ignored cards send no feedback and count against it).</p>
{_chart(report)}
<table><thead><tr><th>#</th><th>rule</th><th>fired</th><th>accepted</th><th>overridden</th>
<th>override reasons</th><th>acceptance</th><th>snoozed</th><th>median latency (ms)</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<p>Feedback for card uuids this service never issued: {report.unknown_card_feedback}<br>
{_MISDIRECTED}: {report.misdirected_feedback}</p>
</body></html>
"""


RENDERERS = {"text": render_text, "json": render_json, "html": render_html}
