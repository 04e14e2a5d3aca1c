"""Value sets: which codes (and, failing codes, which names) belong to which clinical group.

The data lives in the CSV files beside this module (seeded from the sourced terminology pack) and in any
site directory named in the configuration, so a site adds local codes without touching code. Everything is
read once, at start-up, into dictionaries; matching in the request path is a dictionary look-up.

Rows whose system is ``urn:imnm-cds:name`` are names: they match a concept's ``text`` or a coding's
``display`` as a whole word or phrase, for EHRs that send a medication or a local lab by name only.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NAME_SYSTEM = "urn:imnm-cds:name"
DATA_DIR = Path(__file__).parent
_WORD = re.compile(r"[a-z0-9]+")  # names and texts compared as runs of letters and digits
# a British -ising/-ised/-isation spelling is read as the -iz- one ('necrotising' is 'necrotizing'), in names and
# texts alike, so that a name is listed in one spelling
_BRITISH_IS = re.compile(r"(?<=[a-z])is(ing|ed|ation|ations)$")


def _words(text: str) -> list[str]:
    """The runs of letters and digits of ``text``, in lower case and with the -iz- spelling."""
    return [_BRITISH_IS.sub(r"iz\1", word) if "is" in word else word for word in _WORD.findall(text.lower())]


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What a value-set row says about one code: its group, the concept inside the group, its display."""

    group: str
    concept: str
    display: str


@dataclass(slots=True)
class ValueSets:
    """All value sets, indexed for constant-time look-up by (system, code) and by name."""

    by_code: dict[tuple[str, str], list[CodeInfo]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[CodeInfo]] = field(default_factory=lambda: defaultdict(list))
    icd10_ranges: list[tuple[str, str, CodeInfo]] = field(default_factory=list)
    # (group, display in lower case) -> (system, code, display): how suggested orders find their code
    by_display: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)
    longest_name_words: int = 1
    # (codings, text, by_name, exact_system) -> Concept already matched here (see hooks.record.read_concept)
    concept_cache: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False, compare=False)
    files: list[str] = field(default_factory=list)

    def add_row(self, row: dict[str, str]) -> None:
        group, system, code = row["group"].strip(), row["system"].strip(), row["code"].strip()
        info = CodeInfo(group, row.get("concept", "").strip(), row.get("display", "").strip())
        if system == NAME_SYSTEM:
            name = " ".join(_words(code))
            self.by_name[name].append(info)
            self.longest_name_words = max(self.longest_name_words, name.count(" ") + 1)
        elif system.endswith("icd-10-cm") and re.fullmatch(r"[A-Z]\d\d-[A-Z]\d\d", code):
            low, high = code.split("-")
            self.icd10_ranges.append((low, high, info))
        else:
            self.by_code[(system, code)].append(info)
            self.by_display.setdefault((group, info.display.lower()), (system, code, info.display))

    def lookup_code(self, system: str | None, code: str | None) -> list[CodeInfo]:
        if not system or not code:
            return []
        found = self.by_code.get((system, code), [])
        if not found and system.endswith("icd-10-cm") and self.icd10_ranges:
            head = code[:3].upper()
            found = [info for low, high, info in self.icd10_ranges if low <= head <= high]
        return found

    def lookup_names(self, text: str | None) -> list[CodeInfo]:
        """Every name row that stands as whole words in ``text`` (phrases of up to the longest name), except one
        that lies inside a longer name found in the text: 'creatine kinase MB' is the isoenzyme, not CK."""
        if not text:
            return []
        words = _words(text)
        longest = self.longest_name_words
        spans: list[tuple[int, int, list[CodeInfo]]] = []
        ends = [0] * len(words)  # the furthest end of a name found starting at each word
        for size in range(longest, 0, -1):  # longest first, so containment is known
            for start in range(len(words) - size + 1):
                infos = self.by_name.get(" ".join(words[start : start + size]))
                end = start + size
                # a name containing this one starts at most ``longest`` words before its end: a bounded look
                # back keeps a long text that repeats a name linear (scanning every span found was quadratic)
                if infos and not any(ends[s] >= end for s in range(max(end - longest, 0), start + 1)):
                    spans.append((start, end, infos))
                    ends[start] = max(ends[start], end)
        spans.sort(key=lambda span: (span[1] - span[0], span[0]))  # shorter names first, as before
        return [info for _, _, infos in spans for info in infos]


def load(extra_dirs: Iterable[Path | str] = ()) -> ValueSets:
    """Read every ``*.csv`` here and in the site's directories (header: group,concept,system,code,display,source)."""
    sets = ValueSets()
    for directory in (DATA_DIR, *map(Path, extra_dirs)):
        for path in sorted(directory.glob("*.csv")):
            with path.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    if row.get("group") and row.get("system") and row.get("code"):
                        sets.add_row(row)
            sets.files.append(str(path))
    return sets
