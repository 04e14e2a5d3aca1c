"""TPMT and NUDT15 results read as CPIC metabolizer phenotypes (for azathioprine safety, R12).

Labs report these tests in many shapes: a category in words ("Normal metabolizer", "Intermediate activity",
"Deficient"), a star-allele diplotype ("*1/*3A") or an allele named homozygous ("Homozygous TPMT*3A"), an enzyme
activity number against a reference range, or an interpretation flag. This module turns each into one of ``normal`` /
``intermediate`` / ``poor``, or says it cannot (``None``) rather than guess; words that disagree, within one result as
between results, are read as the lower activity. An RBC TPMT activity measured within 90 days after a transfusion
reflects donor cells and is not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from hooks.record import PENDING_STATUSES, Observation, PatientRecord

Status = Literal["normal", "intermediate", "poor"]
# A number below the lab's normal range with no category: intermediate or deficient, cannot tell which.
Reading = Literal["normal", "intermediate", "poor", "low-unspecified"]
RANK: dict[str, int] = {"normal": 0, "intermediate": 1, "low-unspecified": 2, "poor": 3}

TRANSFUSION_WINDOW_DAYS = 90
TRANSFUSION_GROUP = "transfusion"

# A category the lab rules out ("not a poor metabolizer") says nothing for itself: it is taken out before the words
# below are checked, the most severe first, so "Poor metabolizer (not intermediate)" still reads as poor.
_CATEGORY = r"(an? )?(poor|intermediate)( metaboli[sz]er)?"
_RULED_OUT = re.compile(rf"\bnot {_CATEGORY}(\s*(/|,|or|nor|and)\s*{_CATEGORY})*\b")
# "Not a normal metabolizer", "below normal activity": intermediate or poor, the lab does not say which (they were
# read as normal, "normal" standing in them)
_NOT_NORMAL = re.compile(r"\b(not (an? )?normal|not within (the )?normal|(below|less than|under|outside( of)?|"
                         r"lower than) (the )?normal)\b")
_NO_VARIANTS = re.compile(r"\bno variants? (detected|found|identified)\b")
_POOR = re.compile(r"\b(poor|deficien\w*|absent|no (enzyme )?activity|compound heterozygo\w*|very low|"
                   r"undetectable|low activity|low metaboli[sz]er|"
                   r"two (non-?functional|no[ -]function|variant) alleles)\b")
_INTERMEDIATE = re.compile(r"\b(intermediate|heterozygo\w*|reduced|decreased|partial(ly)? deficient|"
                           r"one (non-?functional|no[ -]function|variant) allele)\b")
_NORMAL = re.compile(r"\b(normal|wild[ -]?type|high activity|extensive metaboli[sz]er|rapid|"
                     r"negative for (the )?(common )?variants?)\b")
# "low" that is no measure of activity: a low risk, the low end of the normal range
_LOW = re.compile(r"\b(low(?![ -](risk|likelihood|probability|chance|normal|end of (the )?normal))|"
                  r"below (the )?(normal|reference)( range)?|below range)\b")
# "*1/*3A", also with the gene before each allele: "TPMT*3A/TPMT*3C", "TPMT *3A / TPMT *3C"
_DIPLOTYPE = re.compile(r"\*\s*(\d+[a-z]?)\s*/\s*(?:[a-z][a-z0-9]*\s*)?\*\s*(\d+[a-z]?)", re.I)
_NORMAL_ALLELES = {"1", "1a", "1s"}
# "Homozygous" names its allele after it ("homozygous for the *3A allele", "homozygous wild-type") or before it
# ("c.415C>T homozygous"): a variant allele twice is a poor metabolizer, the normal one twice a normal metabolizer.
# A star allele is named, a variant in HGVS ("c.415C>T", "p.Arg139Cys") or in words is always a variant.
_ALLELE = (r"(?:(?:tpmt|nudt15)\s*)?(?:\*\s*(?P<star>\d+[a-z]?)\b|(?P<normal>wild[ -]?type|wt|normal|reference)\b|"
           r"[cp]\.\s*[a-z]*\d+\S*|(?:variant|mutant|mutat\w*|deficien\w*|non-?functional|no[ -]function|null|"
           r"loss[ -]of[ -]function)\b)")
_HOMOZYGOUS = re.compile(r"(?<!\bnot )\bhomozygo\w*")
_ALLELE_AFTER = re.compile(rf"\s*(?:for\s+)?(?:the\s+|an?\s+)?{_ALLELE}")
_ALLELE_BEFORE = re.compile(rf"{_ALLELE}\s*(?:alleles?\s*)?[:(,-]?\s*$")
_POOR_FLAGS = {"LL", "<<", "AA", "CRITICAL LOW"}
_LOW_FLAGS = {"L", "LOW", "<", "A", "ABN", "ABNORMAL"}
_NORMAL_FLAGS = {"N", "NORMAL", "H", "HIGH"}


@dataclass(frozen=True, slots=True)
class Result:
    """One interpreted TPMT or NUDT15 result, with the words it was read from."""

    gene: Literal["TPMT", "NUDT15"]
    kind: Literal["phenotype", "genotype"]
    reading: Reading
    when: date | None
    shown: str
    observation_id: str

    def describe(self) -> str:
        day = self.when.isoformat() if self.when else "undated"
        return f"{self.gene} {self.kind} '{self.shown}' on {day} ({self.reading.replace('-', ' ')})"


def from_words(text: str | None) -> Reading | None:
    """A category from free text: a diplotype, an allele named homozygous and the category words ("low" alone is
    unspecified), each read; where they disagree ("genotype normal; phenotype low") the lower activity wins."""
    words = (text or "").strip().lower()
    if not words:
        return None
    rest = _RULED_OUT.sub(" ", words)
    found = [reading for reading in (_diplotype(words), _homozygous(rest), _category(words, rest)) if reading]
    return max(found, key=RANK.__getitem__, default=None)


def _diplotype(words: str) -> Status | None:
    diplotype = _DIPLOTYPE.search(words)
    if diplotype is None:
        return None
    variant = sum(1 for allele in diplotype.groups() if allele.lower() not in _NORMAL_ALLELES)
    return ("normal", "intermediate", "poor")[variant]


def _homozygous(words: str) -> Status | None:
    """Poor for a variant allele named homozygous anywhere, else normal for the normal allele named so."""
    found: set[Status] = set()
    for homozygous in _HOMOZYGOUS.finditer(words):
        allele = (_ALLELE_AFTER.match(words, homozygous.end())
                  or _ALLELE_BEFORE.search(words, 0, homozygous.start()))
        if allele is not None:
            normal = bool(allele["normal"]) or (allele["star"] or "") in _NORMAL_ALLELES
            found.add("normal" if normal else "poor")
    return "poor" if "poor" in found else "normal" if found else None


def _category(words: str, ruled_out: str) -> Reading | None:
    """The category words, the most severe first; a stated category explains a "low" beside it, while "normal"
    beside "low" or "below normal" is discordant and reads low (``ruled_out``: ``words`` less the ruled-out ones)."""
    rest = _NOT_NORMAL.sub(" ", ruled_out)
    if _POOR.search(rest):
        return "poor"
    if _INTERMEDIATE.search(rest):
        return "intermediate"
    if _NOT_NORMAL.search(words) or _LOW.search(rest):
        return "low-unspecified"
    if _NORMAL.search(rest):
        return "normal"
    if rest != words or _NO_VARIANTS.search(words):  # only ruled-out categories, or no variant found
        return "normal"
    return None


def read(observation: Observation) -> tuple[Reading, str] | None:
    """The category of one result and the text it was read from; None if it cannot be read. A coded value and a
    text that disagree are read as the lower activity, as the words of one text are."""
    texts: list[tuple[str, str]] = []
    if observation.value_concept is not None:
        texts.append((observation.value_concept.words(), observation.value_concept.label))
    if observation.value_text:
        texts.append((observation.value_text, observation.value_text.strip()))
    in_words = [(found, shown_as) for text, shown_as in texts if (found := from_words(text)) is not None]
    if in_words:
        return max(in_words, key=lambda reading: RANK[reading[0]])
    flags = set(observation.interpretation)
    quantity = observation.quantity
    shown = str(quantity) if quantity is not None else "/".join(observation.interpretation)
    for flag in flags:
        found = from_words(flag)
        if found is not None:
            return found, flag
    if flags & _POOR_FLAGS:
        return "poor", shown
    if quantity is not None and observation.ref_low is not None:
        low = observation.ref_low
        if low.unit is None or quantity.unit is None or low.unit.lower() == quantity.unit.lower():
            if quantity.value >= low.value:
                return "normal", f"{shown} (normal range from {low.value:g})"
            return "low-unspecified", f"{shown} (below the normal range from {low.value:g})"
    if flags & _NORMAL_FLAGS:
        return "normal", shown
    if flags & _LOW_FLAGS:
        return "low-unspecified", shown
    return None


def _as_reported(observation: Observation) -> str:
    """A result that could not be read, as the lab sent it (quoted), for the card to show rather than call it none."""
    has_value = observation.quantity is not None or observation.value_text or observation.value_concept is not None
    flags = "/".join(observation.interpretation)
    return " ".join(filter(None, (observation.value_label if has_value else "with no value",
                                  f"flagged {flags}" if flags else "")))


def _transfused_before(record: PatientRecord, day: date | None) -> date | None:
    """The latest transfusion in the 90 days up to ``day`` (which makes an RBC activity result unreliable)."""
    if day is None:
        return None
    start = day - timedelta(days=TRANSFUSION_WINDOW_DAYS)
    found = [p.when for p in record.procedures_in(TRANSFUSION_GROUP, since=start) if p.when and p.when <= day]
    return max(found, default=None)


def _is_genotype(observation: Observation) -> bool:
    words = observation.code.words()
    return observation.in_group("tpmt_genotype") or any(w in words for w in ("genotyp", "genetic", "dna",
                                                                              "allele", "pgx", "diplotype"))


@dataclass(slots=True)
class Summary:
    """What the chart says about one gene: the worst valid reading, every result read, and what was set aside."""

    gene: Literal["TPMT", "NUDT15"]
    status: Reading | None = None
    basis: Result | None = None
    results: list[Result] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # each with its value as reported


def summarise(record: PatientRecord, gene: Literal["TPMT", "NUDT15"]) -> Summary:
    """The gene's status: the most severe reading among valid results (a discordant pair errs on the safe side)."""
    groups = ("tpmt_phenotype", "tpmt_genotype") if gene == "TPMT" else ("nudt15",)
    summary = Summary(gene)
    for observation in record.observations_in(*groups):
        if observation.status in PENDING_STATUSES:  # entered-in-error and cancelled are never read
            continue
        genotype = gene == "NUDT15" or _is_genotype(observation)
        reading = read(observation)
        label = observation.code.label
        if reading is None:
            summary.unreadable.append(f"{label} {_as_reported(observation)} ({observation.when or 'undated'})")
            continue
        result = Result(gene, "genotype" if genotype else "phenotype", reading[0], observation.when, reading[1],
                        observation.id)
        transfused = None if genotype else _transfused_before(record, observation.when)
        if transfused is not None:
            summary.invalid.append(f"{result.describe()}: transfusion on {transfused.isoformat()} within "
                                   f"{TRANSFUSION_WINDOW_DAYS} days before the test")
            continue
        summary.results.append(result)
    if summary.results:
        worst = max(summary.results, key=lambda r: (RANK[r.reading], r.when or date.min))
        summary.status, summary.basis = worst.reading, worst
    return summary
