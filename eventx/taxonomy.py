"""The event taxonomy, read from ``schemas/taxonomy.json`` (data, not code)."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

__all__ = ["taxonomy", "data_file", "CLASSES", "ROLES", "SUB_EVENT_TYPES", "EVENT_TYPES", "disorder_for"]


def data_file(name: str):
    """A file shipped in the ``schemas/`` folder (installed as ``eventx.schemas``)."""
    return resources.files("eventx.schemas").joinpath(name)


@lru_cache(maxsize=1)
def taxonomy() -> dict:
    return json.loads(data_file("taxonomy.json").read_text(encoding="utf-8"))


CLASSES: tuple[str, ...] = tuple(taxonomy()["classes"])
ROLES: tuple[str, ...] = tuple(taxonomy()["roles"])
SUB_EVENT_TYPES: dict[str, dict[str, str]] = taxonomy()["sub_event_types"]
EVENT_TYPES: tuple[str, ...] = tuple(SUB_EVENT_TYPES)


def disorder_for(event_type: str, sub_event_type: str) -> str:
    return SUB_EVENT_TYPES[event_type][sub_event_type]
