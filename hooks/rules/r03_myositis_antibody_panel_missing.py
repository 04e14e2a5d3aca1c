"""R03: a suspected or known inflammatory myopathy without anti-HMGCR and anti-SRP results. The antibodies
define the IMNM subtype (and its treatment), and the usual classification criteria do not score them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import antibodies, ck, cohorts, diagnosis
from hooks.record import Observation, PatientRecord
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import BETTERIDGE_2019, ENMC_224, EULAR_ACR_2017, PINAL_FERNANDEZ_2018, SEED_001

RULE = Rule(
    id="myositis-antibody-panel-missing",
    number=3,
    title="Myositis antibody panel missing",
    hooks=("patient-view",),
    severities=("info",),
    also_reads=("procedures",),
    summary="Suspected or known IIM/IMNM (or CK >=1,000 U/L with a myopathy) and anti-HMGCR or anti-SRP never "
            "resulted.",
    sources=(SEED_001, ENMC_224, EULAR_ACR_2017, PINAL_FERNANDEZ_2018, BETTERIDGE_2019),
    parameters={
        "ck_min_u_per_l": Param(1000, "U/L", "A CK at or above this, with a myopathy condition, starts the work-up."),
        "ck_window_days": Param(30, "days", "How recent that CK must be."),
        "tsh_recent_days": Param(90, "days", "A TSH resulted this recently is not suggested again."),
    },
)

ANTIBODIES = antibodies.ANTIBODIES
PANEL = ("Myositis-specific and myositis-associated antibody panel (anti-synthetases incl. Jo-1, Mi-2, MDA5, "
         "TIF1-gamma, NXP2, SAE, PM/Scl, Ku, Ro52)")
PANEL_MEMBERS_ORDERED = "Myositis-specific and myositis-associated antibodies"  # then the members ordered

DETAIL = """\
**Myositis antibodies {heading}.** {why}. **{undecided}.**{have}

{steps} (anti-HMGCR and anti-SRP define the IMNM subtype and guide its treatment){panel}.{specific}
Record statin exposure, including red yeast rice: {statins}. Arrange MRI of the thighs and EMG, and a muscle
biopsy (MHC-I, C5b-9, p62 stains): ENMC requires a biopsy to diagnose seronegative IMNM.{done}

The 2017 EULAR/ACR classification criteria do not score anti-HMGCR or anti-SRP, so IMNM can fall below the
"probable" threshold: do not use a low score to withhold treatment."""


def _cohort(record: PatientRecord, context: HookContext) -> tuple[str | None, str | None]:
    """Why the work-up applies (None: it does not), and the qualifying recent CK for the facts."""
    params = context.params(RULE)
    since = record.today - timedelta(days=int(params["ck_window_days"]))
    limit = params["ck_min_u_per_l"]
    # a bound that may reach the limit counts ('<1,200' may be 1,100: ck.switches_on); one below it ('<800') does not
    high = [p for p in ck.series(record, context) if p.day >= since and ck.switches_on(p.span.at_least(limit))]
    top = max(high, key=lambda p: p.value) if high else None
    high_ck = top.shown(top.span.at_least(limit), f"{limit:,.0f} U/L or more") if top else None
    conditions = record.conditions_in(*cohorts.INFLAMMATORY_MYOPATHY, active_only=True)
    if conditions:
        return f"Myositis diagnosis on file: {conditions[0].code.label}", high_ck
    if cohorts.is_iim(record, context):
        return "IMNM by antibody, raised CK and a myopathy condition", high_ck
    myopathy = record.conditions_in(*cohorts.MYOPATHY_GROUPS, active_only=True)
    if high_ck and myopathy:
        return f"CK {high_ck} with {myopathy[0].code.label}", high_ck
    return None, high_ck


def _names(groups: Collection[str]) -> str:
    return " and ".join(ANTIBODIES[g] for g in groups)


def _antibody_steps(missing: list[str], unread: Mapping[str, Observation], repeat_how: str) -> str:
    """'Order anti-SRP', 'Repeat anti-HMGCR <repeat_how>', or 'Order anti-SRP and repeat anti-HMGCR ...'."""
    steps = [f"order {_names(missing)}"] if missing else []
    if unread:
        steps.append(f"repeat {_names(unread)} {repeat_how}")
    joined = " and ".join(steps)
    return joined[0].upper() + joined[1:]


@dataclass(frozen=True, slots=True)
class Panel:
    """The myositis antibody panel as the chart has it: its results in (``on_file``) and the members with none
    (``missing``; none once the whole panel has resulted). The panel is ordered for the missing members only, and
    not at all when none is missing: a result in is not ordered again."""

    on_file: list[antibodies.PanelResult]
    missing: list[str]

    @classmethod
    def of(cls, record: PatientRecord) -> Panel:
        on_file = antibodies.panel_results(record)
        names = {r.name for r in on_file}
        return cls(on_file, [] if antibodies.WHOLE_PANEL in names else
                   [m for m in antibodies.PANEL_MEMBERS if m not in names])

    @property
    def specific_positive(self) -> list[antibodies.PanelResult]:
        """The myositis-specific antibodies read as positive: another is then unlikely (Betteridge 2019)."""
        return [r for r in self.on_file if r.specific_positive]

    @property
    def wanted(self) -> str:
        """The card's words for the panel order, after the IMNM antibodies."""
        if not self.on_file:
            return ", plus a myositis-specific and myositis-associated antibody panel"
        if self.missing:
            return f", plus the myositis panel antibodies with no result on file ({', '.join(self.missing)})"
        return "; the myositis antibody panel is on file"

    def order(self, patient: str | None) -> list[Action]:
        """The panel order, noting which results are in and not wanted again (none once none is missing). The
        panel is one request (a line blot): its members are named in the note, not ordered one by one."""
        if not self.missing:
            return []
        if not self.on_file:
            return [Action("create", "Myositis antibody panel", resource=orders.service_request(
                patient, orders.text_concept(PANEL)))]
        # the order's text names only the antibodies ordered: a lab reading it would run the ones named
        note = (f"Results wanted: {', '.join(self.missing)}. Already resulted, not to repeat: "
                f"{'; '.join(map(str, self.on_file))}.")
        return [Action("create", "Myositis antibody panel (the antibodies not on file)",
                       resource=orders.service_request(patient, orders.text_concept(
                           f"{PANEL_MEMBERS_ORDERED}: {', '.join(self.missing)}"), note=note))]


def _suggestions(record: PatientRecord, context: HookContext, missing: list[str],
                 unread: Mapping[str, Observation], panel: Panel) -> tuple[list[Suggestion], str]:
    pid, sets = context.patient_id, context.valuesets
    loinc = antibodies.ORDER_LOINC
    tests = [Action("create", f"{ANTIBODIES[g]} antibody", resource=orders.service_request(pid, orders.lab_concept(
        sets, g, loinc[g], text=f"{ANTIBODIES[g]} antibody"))) for g in missing]
    # a result read as neither positive nor negative is repeated by another method, with the result it settles
    tests += [Action("create", f"Repeat {ANTIBODIES[g]} antibody", resource=orders.service_request(
        pid, orders.lab_concept(sets, g, loinc[g], text=f"{ANTIBODIES[g]} antibody, repeat by another method or "
                                                        "at a reference laboratory"),
        note=f"Previous result {antibodies.quoted(o)}: neither positive nor negative")) for g, o in unread.items()]
    tests += panel.order(pid)
    # beside a positive myositis-specific antibody, anti-HMGCR and anti-SRP are unlikely: offered, not pre-selected
    suggestions = [Suggestion(_antibody_steps(missing, unread, "(another method or reference lab)")
                              + (" + myositis antibody panel" if panel.missing else ""), tests,
                              is_recommended=not panel.specific_positive)]
    already: list[str] = []
    tsh = diagnosis.last_done(record, "tsh", within_days=int(context.params(RULE)["tsh_recent_days"]))
    if tsh is None:
        suggestions.append(Suggestion("TSH", [Action("create", "TSH", resource=orders.service_request(
            pid, orders.lab_concept(sets, "tsh", "3016-3", text="TSH")))]))
    else:
        already.append(f"TSH: {tsh}")
    studies = (
        ("mri_thigh", "MRI both thighs (STIR)", "MRI thighs", lambda: orders.procedure_concept(
            sets, "mri_thigh", "26235-2", text="MRI both thighs with STIR sequences (oedema pattern, biopsy site)")),
        ("emg", "EMG", "EMG", lambda: orders.text_concept("Electromyography (EMG) with nerve conduction studies")),
        ("muscle_biopsy", "Muscle biopsy referral", "muscle biopsy", lambda: orders.text_concept(
            "Referral for muscle biopsy (MHC-I, C5b-9 and p62 stains; guided by MRI)")),
    )
    for group, label, short, code in studies:
        done = diagnosis.last_done(record, group)
        if done is None:
            suggestions.append(Suggestion(label, [Action("create", label, resource=orders.service_request(
                pid, code()))]))
        else:
            already.append(f"{short}: {done}")
    return suggestions, "; ".join(already)


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    why, high_ck = _cohort(record, context)
    status = {g: (next((s for _, s in reversed(antibodies.results(record, g))), None)) for g in ANTIBODIES}
    # resulted, but as neither positive nor negative ('Equivocal'): not missing, to be repeated
    unread = {g: o for g in ANTIBODIES if (o := antibodies.unread(record, g)) is not None}
    nsti = cohorts.nsti(record, context)
    ici = cohorts.ici_exposure(record, context)
    facts: dict[str, Any] = {
        "cohort": why, "ck_at_or_above_threshold_recent": high_ck,
        **{g: status[g] or (f"neither positive nor negative ({antibodies.quoted(unread[g])})" if g in unread
                            else "never resulted") for g in ANTIBODIES},
        "nsti": "; ".join(nsti) or None, "ici_context": ", ".join(o.label for o in ici) or None,
    }
    if why is None:
        return Quiet("no suspected or known myositis, and no recent CK >= threshold with a myopathy condition", facts)
    if nsti:
        return Quiet("necrotizing soft-tissue infection context: the myositis work-up does not apply", facts)
    if ici:
        return Quiet("checkpoint-inhibitor context: myositis there is worked up as an immune-related adverse "
                     "event (R31), not with this panel", facts)
    missing = [g for g in ANTIBODIES if status[g] is None and g not in unread]
    if not missing and not unread:
        return Quiet("anti-HMGCR and anti-SRP have both resulted", facts)
    panel = Panel.of(record)
    facts["panel_on_file"] = "; ".join(map(str, panel.on_file)) or None
    facts["panel_missing"] = ", ".join(panel.missing) or None
    suggestions, done = _suggestions(record, context, missing, unread, panel)
    facts["work_up_on_file"] = done or None
    have = "".join(f" {ANTIBODIES[g][0].upper()}{ANTIBODIES[g][1:]} is {status[g]}."
                   for g in ANTIBODIES if status[g] is not None)
    have += f" On file from the myositis panel: {'; '.join(map(str, panel.on_file))}." if panel.on_file else ""
    positive = " and ".join(r.name for r in panel.specific_positive)
    # only the antibodies the card offers are called unlikely: one already positive is named as the chart has it
    offered = [*missing, *unread]
    imnm_positive = _names([g for g in ANTIBODIES if status[g] == "positive"])
    question = "the IMNM subtype" if imnm_positive else "IMNM"
    specific = (f" {positive[0].upper()}{positive[1:]} is myositis-specific, and these antibodies are usually "
                "mutually exclusive (Betteridge et al., J Autoimmun 2019)"
                + (f", though {imnm_positive} is positive beside it on this chart" if imnm_positive else "")
                + f": {_names(offered)} {'is' if len(offered) == 1 else 'are'} unlikely to be positive, so "
                f"{'it is' if len(offered) == 1 else 'they are'} offered, not pre-selected, for when {question} is "
                "still in question" + ("" if imnm_positive else " (a necrotizing biopsy, for instance)") + "."
                if positive else "")
    statins = record.medications_in("statin", "red_yeast_rice")
    statin_text = (", ".join(f"{m.label} (from {m.start.isoformat() if m.start else 'undated'})" for m in statins)
                   if statins else "none on file, so ask")
    facts["statin_exposure"] = statin_text
    found = "; ".join([*([f"{_names(missing)} never resulted"] if missing else []),
                       *([f"{_names(unread)} resulted neither positive nor negative"] if unread else [])])
    undecided = antibodies.serology(record).undecided or ""  # the same antibodies, each result quoted
    return Fired(
        severity="info",
        summary=first_fitting([f"Myositis work-up: {found} ({positive} positive). Order "
                               f"{'it' if len(offered) == 1 else 'them'} if {question} is still in question",
                               f"Myositis work-up: {found} ({positive} positive)"]) if positive else
                f"Myositis work-up: {found}. " + ("Order the myositis antibodies" if missing else
                                                  "Repeat by another method or at a reference lab"),
        detail=DETAIL.format(heading="incomplete" if missing else "not settled", why=why,
                             undecided=undecided[:1].upper() + undecided[1:], have=have,
                             steps=_antibody_steps(missing, unread, antibodies.REPEAT), panel=panel.wanted,
                             specific=specific,
                             statins=statin_text, done=f" Already on file: {done}." if done else ""),
        facts=facts,
        suggestions=suggestions,
        selection="any",
    )
