"""Site-overridable [design] thresholds.

Each rule declares its parameters (name, default, unit, meaning) in its own module; the shared definitions of
clinical-rules.md section 4 declare theirs in :data:`DEFINITIONS`. ``hooks/thresholds.toml`` lists them all with
their defaults (generated, and checked current by a test); a site copies it, edits values and points the
configuration's ``[clinical] thresholds_file`` at the copy. Unknown names in a site file are an error at start-up,
so a typo never silently leaves a default in force; so is a value of the other sign than its default's (a negative
window, a positive NIF), and a value beyond another parameter or a number it is bound by (``Param.at_most``,
``Param.at_least``): lowering R32's cap for a child's prednisolone without R19's dose would have R19 suggest an
order that R32 then flags, an IVIG course that ends at a break shorter than R17's window for recent IVIG would end
while IVIG is still recent, an age below a vaccine's licence would offer it off-licence, and an anti-CD20 window
shorter than 12 months would pass a live vaccine while B cells are depleted. One error names every unknown, moved or
malformed value of the file.
"""

from __future__ import annotations

import operator
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from hooks.rule import Param, Rule

DEFINITIONS_SECTION = "definitions"

DEFINITIONS: dict[str, Param] = {
    "ck_uln_fallback": Param(200, "U/L", "CK upper limit of normal used when the lab gives no reference range."),
    "troponin_i_fallback_uln_ng_l": Param(1000, "ng/L", "With no reference range and no flag from the lab, a troponin "
                                                        "I above this (1 ng/mL) counts as above the ULN (R19, R20, "
                                                        "R31): the 99th-percentile upper reference limits of current "
                                                        "hs and contemporary troponin I assays are about 10-100 ng/L "
                                                        "[verify]."),
    "weight_max_age_days": Param(30, "days", "A body weight older than this is stale for adult dosing."),
    "weight_max_age_days_paediatric": Param(7, "days", "A body weight older than this is stale for a child."),
    "height_max_age_days": Param(365, "days", "A height older than this is stale for adult BSA."),
    "height_max_age_days_paediatric": Param(30, "days", "A height older than this is stale for a child's BSA."),
    "paediatric_age_years": Param(18, "years", "Below this age the patient is paediatric."),
    "rzv_min_age": Param(18, "years", "Recombinant zoster vaccine is licensed from this age: offered (R28, R29) only "
                                      "to a patient surely this old, whatever the paediatric age.", at_least=18),
    "hepb_cpg_min_age": Param(18, "years", "The CpG-adjuvanted hepatitis B vaccine is licensed from this age: offered "
                                           "(R29) only to a patient surely this old, else the paediatric series.",
                             at_least=18),
    "ttx_peq_mg_per_kg": Param(0.5, "mg/kg/day", "T_tx: first glucocorticoid course at or above this PEQ..."),
    "ttx_peq_mg": Param(30, "mg/day", "... or at or above this absolute PEQ (or any IV methylprednisolone pulse)."),
    "ttx_adult_min_weight_kg": Param(30, "kg", "With no weight on file, an adult is taken to weigh at least this "
                                               "much: a course below this weight's mg/kg threshold is not T_tx."),
    "ttx_episode_gap_days": Param(30, "days", "T_tx's episode: glucocorticoid courses at the T_tx level joined "
                                              "across gaps of at most this (a washout before a biopsy), and a run "
                                              "of them that ends at most this long before the onset, are this "
                                              "episode's treatment; one over longer before is another illness's."),
    "ttx_new_episode_after_days_off": Param(180, "days", "T_tx's episode: this many days or more with no systemic "
                                                         "glucocorticoid and no steroid-sparing agent (a drug-free "
                                                         "remission) end it, and treatment at the T_tx level after "
                                                         "begins a new one (a relapse re-induced on the same "
                                                         "condition); a shorter pause is the same episode's flare. "
                                                         "[sign-off]"),
    "stress_cover_max_hydrocortisone_mg_day": Param(300, "mg/day", "Hydrocortisone (with cortisone, in hydrocortisone "
                                                                   "equivalents) at most this much a day is adrenal "
                                                                   "cover, not immunosuppression (R01, R02): 200 "
                                                                   "mg/day in septic shock (Surviving Sepsis 2021) "
                                                                   "and adrenal crisis, up to 300 in older regimens "
                                                                   "[verify]."),
    "nsti_onset_max_days": Param(30, "days", "An NSTI condition counts when its onset is this recent."),
    "nsti_marker_window_hours": Param(72, "hours", "Infection markers for free-text necrotizing myositis."),
    "ici_window_days": Param(365, "days", "An immune checkpoint inhibitor given this recently makes an ICI context."),
    "anti_cd20_in_use_days": Param(365, "days", "Rituximab (or another anti-CD20) given this recently is still in "
                                                "use, its B cells depleted: not advised again (R16), the line being "
                                                "given (R17; R22 asks for the CK these two then need), a PJP risk "
                                                "(R24), high-level immunosuppression (R28), the course a draft of it "
                                                "is compared with (R21). A site may lengthen it, not shorten it: "
                                                "section 4.2 counts anti-CD20 within 12 months as high-level "
                                                "immunosuppression, and a shorter window would let a live vaccine "
                                                "(R28) or the missing PJP prophylaxis (R24) pass while B cells are "
                                                "still depleted.", at_least=365),
    "pjp_prophylaxis_window_days": Param(28, "days", "PJP prophylaxis given this recently counts as present."),
    "hbv_dna_max_age_days": Param(365, "days", "An HBV DNA result this recent can follow up a positive HBV marker "
                                               "(R10, R16, R26): not detected, or below the limit of quantification."),
    "taper_gc_window_days": Param(90, "days", "Taper in progress: the daily PEQ was lowered this recently..."),
    "taper_sparing_window_days": Param(180, "days", "... or a steroid-sparing agent stopped or reduced this recently."),
    "relapse_ck_max_age_days": Param(14, "days", "Possible relapse needs a CK at most this old."),
    "relapse_nadir_multiple": Param(2.0, "x nadir", "Possible relapse: latest CK above the ULN and at least this "
                                                    "multiple of the nadir CK."),
    "dose_gap_bridge_days": Param(7, "days", "A gap this short in a drug's doses (a late refill) is no stop: its days "
                                             "count in a run of glucocorticoid days, a dose back within it is no "
                                             "taper step, combination therapy runs on, and an IVIG course whose "
                                             "next cycle is at most this late is still in use (R15, R17)."),
    "ivig_course_break_days": Param(180, "days", "A longer break between two IVIG cycles ends a course: its cycles "
                                                 "do not count toward the current one (R17), and the gap between "
                                                 "the current course's last two cycles sets when its next cycle is "
                                                 "due (R15, R17). Longer than any maintenance interval (IVIG spaced "
                                                 "to every 8-12 weeks).",
                                    at_least="imnm-refractory-next-line.ivig_recent_days"),
    "ivig_maintenance_max_interval_days": Param(
        84, "days", "The longest spacing between IVIG cycles read as a maintenance schedule (12 weeks): a course "
                    "spaced at most this far apart is in use until its next cycle is overdue (R15, R17, R22); a "
                    "longer gap is no schedule, and only the rule's recency window counts.",
        at_most="definitions.ivig_course_break_days"),
}

# Parameters that moved from a rule's section to the shared definitions: a site file that still sets one under
# its old section is refused with the new place named, with what it means there and its bounds (the rules it now
# drives; a floor the old name did not have), never silently ignored.
MOVED = {"imnm-refractory-next-line.ivig_course_break_days": "definitions.ivig_course_break_days",
         "giop-bone-protection.adult_age_years": "definitions.paediatric_age_years",
         "vaccinate-before-immunosuppression.rzv_min_age": "definitions.rzv_min_age",
         "mtx-weekly-dose-range.naive_lookback_days": "mtx-start-prerequisites.new_start_lookback_days",
         "srp-add-rituximab-inadequate-response.hbsag_max_age_days": "hbv-screen-before-rituximab.hbsag_max_age_days",
         **dict.fromkeys(("srp-add-rituximab-inadequate-response.rituximab_window_days",
                          "imnm-refractory-next-line.rituximab_recent_days",
                          "pjp-prophylaxis-missing.anti_cd20_window_days",
                          "live-vaccine-while-immunosuppressed.anti_cd20_days"), "definitions.anti_cd20_in_use_days")}


class ParameterError(ValueError):
    """A site thresholds file names a parameter that does not exist, gives it a non-number, or sets a value
    beyond a bound (``at_most``, ``at_least``) on another parameter."""


def _declared(rules: Iterable[Rule]) -> dict[str, Mapping[str, Param]]:
    """Every section's parameters: the shared definitions and each rule's."""
    return {DEFINITIONS_SECTION: DEFINITIONS} | {rule.id: rule.parameters for rule in rules}


def load(rules: Iterable[Rule], site_file: Path | str | None = None) -> dict[str, dict[str, float]]:
    """Defaults, overridden by the site's TOML file (``[rule-id] name = value``), with every bound held."""
    declared = _declared(rules)
    table = {section: {name: p.default for name, p in params.items()} for section, params in declared.items()}
    if site_file is not None:
        with open(site_file, "rb") as handle:
            overrides: Mapping[str, object] = tomllib.load(handle)
        problems = _override(table, declared, overrides)
        if problems:
            raise ParameterError("\n".join(f"{site_file}: {problem}" for problem in problems))
    _check_limits(table, declared, site_file)
    return table


def _override(table: dict[str, dict[str, float]], declared: Mapping[str, Mapping[str, Param]],
              overrides: Mapping[str, object]) -> list[str]:
    """Set the site's values in ``table``, and say everything the file gets wrong at once: a copy of an older
    release's thresholds file is mended in one round, not one start-up per name."""
    problems: list[str] = []
    moved: dict[str, list[str]] = {}  # a new place, and the old names the file still sets for it
    for section, values in overrides.items():
        if section not in table or not isinstance(values, dict):
            problems.append(f"unknown section [{section}]")
            continue
        for name, value in values.items():
            if name not in table[section]:
                if (new_place := MOVED.get(f"{section}.{name}")) is not None:
                    moved.setdefault(new_place, []).append(f"{section}.{name}")
                else:
                    problems.append(f"unknown parameter {section}.{name}")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                problems.append(f"{section}.{name} must be a number")
            elif value * declared[section][name].default < 0:  # a NIF is negative; a window or a dose is not
                problems.append(f"{section}.{name} = {value:g} has the wrong sign (its default is "
                                f"{declared[section][name].default:g})")
            else:
                table[section][name] = value
    return problems + [_moved(new_place, old_names, declared) for new_place, old_names in moved.items()]


def _moved(new_place: str, old_names: list[str], declared: Mapping[str, Mapping[str, Param]]) -> str:
    """Old names a site file still sets, the place they moved to, and what that parameter means and is bound by
    (one shared definition may replace several rules' parameters, and drive more rules than the old name did)."""
    section, _, name = new_place.partition(".")
    several = len(old_names) > 1
    names = f"{', '.join(old_names[:-1])} and {old_names[-1]}" if several else old_names[0]
    return (f"unknown parameter{'s' if several else ''} {names} ({'they have' if several else 'it has'} moved: set "
            f"{name} under [{section}]{', one value for all' if several else ''}). {new_place}: "
            f"{_meaning(declared[section][name])}")


# A cross-parameter bound: its Param field, the comparison a value breaks it by, and what the error says.
_BOUNDS: tuple[tuple[str, Callable[[float, float], bool], str], ...] = (
    ("at_most", operator.gt, "may not exceed"),
    ("at_least", operator.lt, "may not be below"),
)


def _bounds(param: Param) -> list[tuple[str, str | float, Callable[[float, float], bool], str]]:
    """(bound, the parameter it names or its number, the comparison that breaks it, the error's words) for each
    bound set."""
    return [(bound, other, breaks, words) for bound, breaks, words in _BOUNDS
            if (other := getattr(param, bound)) is not None]


def _shown(limit: str | float) -> str:
    return limit if isinstance(limit, str) else f"{limit:g}"


def _meaning(param: Param) -> str:
    """What a parameter means, and its bounds: 'Recombinant zoster vaccine is licensed from this age: ... At least
    18.'"""
    return param.doc + "".join(f" {bound.replace('_', ' ').capitalize()} {_shown(other)}."
                               for bound, other, _, _ in _bounds(param))


def _check_limits(table: Mapping[str, Mapping[str, float]], declared: Mapping[str, Mapping[str, Param]],
                  site_file: Path | str | None) -> None:
    for section, params in declared.items():
        for name, param in params.items():
            for bound, other, breaks, words in _bounds(param):
                if isinstance(other, str):
                    limit_section, _, limit_name = other.rpartition(".")
                    if limit_name not in table.get(limit_section, {}):
                        raise ParameterError(f"{section}.{name}: {bound} names no parameter ({other})")
                    limit, named = table[limit_section][limit_name], f"{other} = "
                else:
                    limit, named = other, ""  # a number, shown as it stands
                value = table[section][name]
                if breaks(value, limit):
                    raise ParameterError(f"{site_file or 'defaults'}: {section}.{name} = {value:g} {words} "
                                         f"{named}{limit:g}")


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
            lines.append(f"{name} = {p.default!r}  # {p.unit}: {_meaning(p)}")
        lines.append("")
    return "\n".join(lines)
