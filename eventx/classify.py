"""Event class -> ACLED event_type / sub_event_type, by the rules in ``schemas/taxonomy.json``.

The rules name predicates defined here; each takes the event's normalized context and returns
whether it holds. Every decision comes back with its reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from eventx.normalize import fold, lexicon
from eventx.taxonomy import taxonomy

__all__ = ["EventContext", "classify", "fighting_reported", "PREDICATES"]


@dataclass
class EventContext:
    event_class: str
    inter1: int = 0
    inter2: int = 0
    fatalities: int = 0
    has_actor2: bool = False
    fighting_reported: bool = True


PREDICATES = {
    "actor1_is_state": lambda c: c.inter1 in (1, 8),
    "no_fighting": lambda c: not c.fighting_reported,
    "has_actor2": lambda c: c.has_actor2,
    "has_fatalities_and_state_actor2": lambda c: c.fatalities > 0 and c.inter2 in (1, 8),
    "actor1_is_mob": lambda c: c.inter1 in (4, 5) and c.inter2 == 7,
}


def fighting_reported(sentence: str) -> tuple[bool, str]:
    """Whether a capture came with fighting: False when the sentence says it did not ("دون قتال",
    "بدون درگیری", "without a fight", a withdrawal or hand-over); ACLED then codes a non-violent transfer."""
    padded = f" {fold(sentence)} "
    for ph, key in _no_fighting():
        if key in padded:
            return False, f"the sentence says {ph!r}: no fighting reported"
    return True, "no phrase saying the capture came without fighting"


@lru_cache(maxsize=1)
def _no_fighting() -> list[tuple[str, str]]:
    """(phrase as written, its padded folded form) for every language's no-fighting phrase."""
    return [(ph, f" {fold(ph)} ") for phrases in lexicon()["no_fighting"].values() for ph in phrases]


def classify(ctx: EventContext) -> tuple[str, str, list[str], str]:
    """(event_type, sub_event_type, tags, reason) for an event of class ``ctx.event_class``."""
    spec = taxonomy()["classes"][ctx.event_class]
    for rule in spec.get("rules", []):
        if PREDICATES[rule["if"]](ctx):
            et, st = rule["then"]
            return et, st, list(spec.get("tags", [])), f"class {ctx.event_class} and {rule['if']} -> {et}/{st}"
    et, st = spec["default"]
    return et, st, list(spec.get("tags", [])), f"class {ctx.event_class} -> {et}/{st} (taxonomy default)"
