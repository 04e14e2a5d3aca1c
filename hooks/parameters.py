"""Site-overridable [design] thresholds.

Each rule declares its parameters (name, default, unit, meaning) in its own module; the shared definitions of
clinical-rules.md section 4 declare theirs in :data:`DEFINITIONS`. ``hooks/thresholds.toml`` lists them all with
their defaults (generated, and checked current by a test); a site copies it, edits values and points the
configuration's ``[clinical] thresholds_file`` at the copy. Unknown names in a site file are an error at start-up,
so a typo never silently leaves a default in force; so is a dose a rule offers above the limit of the check that
reads the same order (``Param.at_most``): lowering R32's cap for a child's prednisolone without R19's dose would
have R19 suggest an order that R32 then flags.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from hooks.rule import Param, Rule

DEFINITIONS_SECTION = "definitions"

DEFINITIONS: dict[str, Param] = {
    "ck_uln_fallback": Param(200, "U/L", "CK upper limit of normal used when the lab gives no reference range."),
    "weight_max_age_days": Param(30, "days", "A body weight older than this is stale for adult dosing."),
    "weight_max_age_days_paediatric": Param(7, "days", "A body weight older than this is stale for a child."),
    "height_max_age_days": Param(365, "days", "A height older than this is stale for adult BSA."),
    "height_max_age_days_paediatric": Param(30, "days", "A height older than this is stale for a child's BSA."),
    "paediatric_age_years": Param(18, "years", "Below this age the patient is paediatric."),
    "ttx_peq_mg_per_kg": Param(0.5, "mg/kg/day", "T_tx: first glucocorticoid course at or above this PEQ..."),
    "ttx_peq_mg": Param(30, "mg/day", "... or at or above this absolute PEQ (or any IV methylprednisolone pulse)."),
    "ttx_adult_min_weight_kg": Param(30, "kg", "With no weight on file, an adult is taken to weigh at least this "
                                               "much: a course below this weight's mg/kg threshold is not T_tx."),
    "nsti_onset_max_days": Param(30, "days", "An NSTI condition counts when its onset is this recent."),
    "nsti_marker_window_hours": Param(72, "hours", "Infection markers for free-text necrotizing myositis."),
    "ici_window_days": Param(365, "days", "An immune checkpoint inhibitor given this recently makes an ICI context."),
    "pjp_prophylaxis_window_days": Param(28, "days", "PJP prophylaxis given this recently counts as present."),
    "hbv_dna_max_age_days": Param(365, "days", "An HBV DNA result this recent can follow up a positive HBV marker "
                                               "(R10, R26): not detected, or below the limit of quantification."),
    "taper_gc_window_days": Param(90, "days", "Taper in progress: the daily PEQ was lowered this recently..."),
    "taper_sparing_window_days": Param(180, "days", "... or a steroid-sparing agent stopped or reduced this recently."),
    "relapse_ck_max_age_days": Param(14, "days", "Possible relapse needs a CK at most this old."),
    "relapse_nadir_multiple": Param(2.0, "x nadir", "Possible relapse: latest CK above the ULN and at least this "
                                                    "multiple of the nadir CK."),
    "dose_gap_bridge_days": Param(7, "days", "A gap this short in a drug's doses (a late refill) is no stop: its days "
                                             "count in a run of glucocorticoid days, a dose back within it is no "
                                             "taper step, and combination therapy runs on."),
}


class ParameterError(ValueError):
    """A site thresholds file names a parameter that does not exist, or gives it a non-number."""


def _declared(rules: Iterable[Rule]) -> dict[str, Mapping[str, Param]]:
    """Every section's parameters: the shared definitions and each rule's."""
    return {DEFINITIONS_SECTION: DEFINITIONS} | {rule.id: rule.parameters for rule in rules}


def load(rules: Iterable[Rule], site_file: Path | str | None = None) -> dict[str, dict[str, float]]:
    """Defaults, overridden by the site's TOML file (``[rule-id] name = value``), with every ``at_most`` held."""
    declared = _declared(rules)
    table = {section: {name: p.default for name, p in params.items()} for section, params in declared.items()}
    if site_file is not None:
        with open(site_file, "rb") as handle:
            overrides: Mapping[str, object] = tomllib.load(handle)
        for section, values in overrides.items():
            if section not in table or not isinstance(values, dict):
                raise ParameterError(f"{site_file}: unknown section [{section}]")
            for name, value in values.items():
                if name not in table[section]:
                    raise ParameterError(f"{site_file}: unknown parameter {section}.{name}")
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ParameterError(f"{site_file}: {section}.{name} must be a number")
                table[section][name] = value
    _check_limits(table, declared, site_file)
    return table


def _check_limits(table: Mapping[str, Mapping[str, float]], declared: Mapping[str, Mapping[str, Param]],
                  site_file: Path | str | None) -> None:
    for section, params in declared.items():
        for name, param in params.items():
            if param.at_most is None:
                continue
            limit_section, _, limit_name = param.at_most.rpartition(".")
            if limit_name not in table.get(limit_section, {}):
                raise ParameterError(f"{section}.{name}: at_most names no parameter ({param.at_most})")
            value, limit = table[section][name], table[limit_section][limit_name]
            if value > limit:
                raise ParameterError(f"{site_file or 'defaults'}: {section}.{name} = {value:g} may not exceed "
                                     f"{param.at_most} = {limit:g}")


def render_toml(rules: Iterable[Rule]) -> str:
    """The documented thresholds file: every parameter with its default, unit and meaning."""
    lines = ["# IMNM CDS [design] thresholds and their defaults (clinical-rules.md).",
             "# Generated by `imnm-cds thresholds`; copy, edit, and set [clinical] thresholds_file to override.",
             ""]
    sections: list[tuple[str, str, Mapping[str, Param]]] = [
        (DEFINITIONS_SECTION, "Shared definitions (section 4)", DEFINITIONS)]
    sections += [(r.id, f"{r.code} {r.title}", r.parameters) for r in rules if r.parameters]
    for section, title, params in sections:
        lines += [f"# {title}", f"[{section}]"]
        for name, p in params.items():
            limit = f" At most {p.at_most}." if p.at_most else ""
            lines.append(f"{name} = {p.default!r}  # {p.unit}: {p.doc}{limit}")
        lines.append("")
    return "\n".join(lines)
