"""How a drug is given: the route of an order (by code or in words) and local forms that do not act systemically.

Every rule that reads a route reads it here (R07's IV pulse, R08's replacement route, R11's eye drops, the
steroid timeline's creams, the prednis(ol)one drafts R06, R32 and R33 check), so they agree on what 'IV' or
'topical' means. So does the question whether a tablet can be offered at all (:func:`swallowing_impaired`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from hooks.record import SNOMED, Concept, Condition, MedicationOrder, PatientRecord

V3_ROUTE = "http://terminology.hl7.org/CodeSystem/v3-RouteOfAdministration"
# Routes by code, in SNOMED CT and in HL7 v3 RouteOfAdministration (the IntravenousInjection and
# IntravenousInfusion value sets): a coded route with no display text still says IV. Every rule reads a route
# through route_says_iv/im/sc/oral below, so all read the same codes.
IV_ROUTE_CODES = {SNOMED: ("47625008", "255560000"),  # intravenous route; intravenous
                  V3_ROUTE: ("IVINJ", "IVINJBOL", "IVPUSH", "IVRPUSH", "IVSPUSH", "IVINF")}
IM_ROUTE_CODES = {SNOMED: ("78421000",), V3_ROUTE: ("IM",)}  # intramuscular
ORAL_ROUTE_CODES = {SNOMED: ("26643006",), V3_ROUTE: ("PO",)}
SC_ROUTE_CODES = {SNOMED: ("34206005",), V3_ROUTE: ("SQ",)}  # subcutaneous

# A route named only to be ruled out ('IM (not IV)', 'non-IV', 'SC (not for IV use)', 'never IV') is not the order's
# route: the negation reaches to the end of its parenthesis or clause
_NEGATED_ROUTE = re.compile(r"\b(?:not|non|never)\b[^,;()]*")
# Into a vein, in a route's words ("IV", "IVPB", "IV piggyback"); under the skin, into a muscle, by mouth
_IV_WORDS = re.compile(r"(?<![-\w])(intravenous\w*|iv|ivpb)\b")
_SC_WORDS = re.compile(r"subcut|\bsc\b|\bsq\b")
_IM_WORDS = re.compile(r"intramusc|\bim\b")
_ORAL_WORDS = re.compile(r"\b(?:oral|po|by mouth)\b")


def route_words(route: Concept) -> str:
    """The route's text and displays in lower case, padded with spaces, without the routes it names only to rule
    out: every reader of a route in words reads these."""
    return _without_negated_routes(route.words())


@functools.lru_cache(maxsize=4096)  # a chart writes the same few routes on every order, and rules ask many times
def _without_negated_routes(words: str) -> str:
    return f" {_NEGATED_ROUTE.sub(' ', words)} "


def route_says_iv(route: Concept) -> bool:
    """The route is into a vein, by code or in words (never from a negation: 'IM (not IV)', 'non-IV')."""
    return route_is(route, IV_ROUTE_CODES) or _IV_WORDS.search(route_words(route)) is not None


def route_says_sc(route: Concept) -> bool:
    return route_is(route, SC_ROUTE_CODES) or _SC_WORDS.search(route_words(route)) is not None


def route_says_im(route: Concept) -> bool:
    return route_is(route, IM_ROUTE_CODES) or _IM_WORDS.search(route_words(route)) is not None


def route_says_oral(route: Concept) -> bool:
    return route_is(route, ORAL_ROUTE_CODES) or _ORAL_WORDS.search(route_words(route)) is not None


def route_is(route: Concept, codes: Mapping[str, tuple[str, ...]]) -> bool:
    """The route carries one of ``codes`` (code system -> codes), e.g. :data:`IV_ROUTE_CODES`."""
    return any(route.has_code(system, *in_system) for system, in_system in codes.items())


# In the order of R08's replacement route: a route saying two of them is read as the first
_ROUTES = (("sc", route_says_sc), ("im", route_says_im), ("oral", route_says_oral), ("iv", route_says_iv))
# An injectable dose form in a product's name ('Auto-Injector', 'Injection', 'Injectable Solution', 'Prefilled
# Syringe', 'Pen Injector'): methotrexate for myositis given that way is given under the skin.
_INJECTABLE_FORM = re.compile(r"\binject|\bsyringe\b")
_ORAL_FORM = re.compile(r"\b(?:oral|tablets?|capsules?)\b")


def route_of(order: MedicationOrder) -> str | None:
    """'sc', 'im', 'oral' or 'iv' by the order's route (by code or in words); with none read, by its product's dose
    form: an injectable is 'sc', a tablet or an oral form 'oral'. None when neither says. R08's replacement route
    and continuing's rewrite test read it."""
    route = order.route
    if route is not None:
        found = next((name for name, says in _ROUTES if says(route)), None)
        if found is not None:
            return found
    words = order.medication.words()
    if _INJECTABLE_FORM.search(words):
        return "sc"
    return "oral" if _ORAL_FORM.search(words) else None


# Words in a medication's name that mark a local (non-systemic) form of a systemic drug's ingredient. Rectal forms
# are not among them: a hydrocortisone enema is absorbed enough to count as a systemic course.
_LOCAL_FORMS = re.compile(r"\b(ophthalmic|topical|ointment|cream|eye drops?|otic|gel|lotion|shampoo|"
                          r"inhalation|inhaler|nasal)\b")


@functools.lru_cache(maxsize=4096)  # asked of every order's name and routes by several definitions in each call
def is_local_form(words: str) -> bool:
    """True for eye drops, creams, inhalers and other local forms (e.g. cyclosporine ophthalmic emulsion)."""
    return _LOCAL_FORMS.search(words.lower()) is not None


def is_local_order(order: MedicationOrder) -> bool:
    """A local form (polymyxin B/trimethoprim eye drops), by the product's name or by a route that says so on
    every instruction: too little reaches the blood to act systemically."""
    if is_local_form(order.medication.words()):
        return True
    routes = [d.route for d in order.dosages]
    return bool(routes) and all(r is not None and is_local_form(route_words(r)) for r in routes)


def systemic(orders: list[MedicationOrder]) -> list[MedicationOrder]:
    """Leave out local forms (tacrolimus ointment, prednisolone eye drops): they are not systemic therapy."""
    return [o for o in orders if not is_local_order(o)]


# How a suggested oral order is given while the swallow is impaired: the patient may be nil by mouth until a swallow
# assessment (R19), so a liquid goes by mouth only once that is safe, else down a nasogastric tube; a drug with an IV
# form (R19's glucocorticoid after the pulses) may be given as that instead
_ONCE_SWALLOWING_IS_SAFE = "by mouth once swallowing is safe (or via {})"
ONCE_SWALLOWING_IS_SAFE = _ONCE_SWALLOWING_IS_SAFE.format("NG tube")
ONCE_SWALLOWING_IS_SAFE_OR_IV = _ONCE_SWALLOWING_IS_SAFE.format("NG tube / IV equivalent")


def swallowing_impaired(record: PatientRecord) -> list[Condition]:
    """Active dysphagia on the problem list: no tablet to be swallowed is suggested. R25 gives zoledronic acid IV
    instead of alendronate for it, R05 methotrexate subcutaneously and mycophenolate as the oral suspension (folic
    acid once swallowing is safe), R24 TMP/SMX as the oral suspension."""
    return record.conditions_in("dysphagia", active_only=True)
