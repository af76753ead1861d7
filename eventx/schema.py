"""The record contract: ``EventRecord``, one ACLED row plus eventx's evidence and reasons."""
from __future__ import annotations

import datetime as dt
from enum import Enum, IntEnum
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from eventx.taxonomy import CLASSES, SUB_EVENT_TYPES, disorder_for

__all__ = ["EventRecord", "Evidence", "EventType", "SubEventType", "DisorderType", "ActorCode",
           "EventClass", "ACLED_COLUMNS", "interaction_code"]

# ACLED's column order (acledR codebook), used by to_acled_row() and the CSV writer.
ACLED_COLUMNS = ("event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
                 "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
                 "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
                 "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
                 "fatalities", "tags", "timestamp")

EventType = Enum("EventType", {e.replace("/", "_").replace(" ", "_").upper(): e for e in SUB_EVENT_TYPES}, type=str)
SubEventType = Enum("SubEventType", {s.replace("/", "_").replace(" ", "_").replace("-", "_").upper(): s
                                     for subs in SUB_EVENT_TYPES.values() for s in subs}, type=str)
DisorderType = Enum("DisorderType", {d.replace(";", "").replace(" ", "_").upper(): d
                                     for subs in SUB_EVENT_TYPES.values() for d in subs.values()}, type=str)
EventClass = Enum("EventClass", {c.upper(): c for c in CLASSES}, type=str)


class ActorCode(IntEnum):
    """ACLED's inter codes; 0 means no actor in that slot."""
    NONE = 0
    STATE_FORCES = 1
    REBEL_GROUPS = 2
    POLITICAL_MILITIAS = 3
    IDENTITY_MILITIAS = 4
    RIOTERS = 5
    PROTESTERS = 6
    CIVILIANS = 7
    EXTERNAL_OTHER_FORCES = 8


def interaction_code(inter1: int, inter2: int) -> int:
    """ACLED interaction: both codes, lower first; ``X0`` when the actor acts alone."""
    if inter1 == 0 and inter2 == 0:
        return 0
    if inter2 == 0 or inter1 == 0:
        return 10 * max(inter1, inter2)
    lo, hi = sorted((inter1, inter2))
    return 10 * lo + hi


class Evidence(BaseModel):
    """A source span that supports one field: character offsets into the input text."""
    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str = Field(description="'trigger' or the argument role (actor1, actor2, place, time, fatalities, weapon)")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    doc_id: str = Field(default="", description="the document the offsets point into, when a record merges "
                                                  "reports from several documents (empty: the record's doc_id)")

    @model_validator(mode="after")
    def _order(self):
        if self.end < self.start:
            raise ValueError(f"evidence end {self.end} is before start {self.start}")
        return self


class EventRecord(BaseModel):
    """One event as an ACLED row (ACLED's column names) plus eventx's own fields."""
    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=True)

    event_id_cnty: str = ""
    event_date: Optional[dt.date] = Field(None, description="empty when no date is stated and the publication date is unknown")
    year: Optional[int] = None
    time_precision: int = Field(ge=1, le=3, description="1 day, 2 week, 3 month")
    disorder_type: Optional[DisorderType] = None
    event_type: EventType
    sub_event_type: SubEventType
    actor1: str = ""
    assoc_actor_1: str = ""
    inter1: ActorCode = ActorCode.NONE
    actor2: str = ""
    assoc_actor_2: str = ""
    inter2: ActorCode = ActorCode.NONE
    interaction: Optional[int] = Field(None, description="derived from inter1/inter2; never set by hand")
    civilian_targeting: str = Field("", pattern=r"^(|Civilian targeting)$")
    iso: Optional[int] = Field(None, ge=0, le=999)
    region: str = ""
    country: str = ""
    admin1: str = ""
    admin2: str = ""
    admin3: str = ""
    location: str = ""
    latitude: Optional[float] = Field(None, ge=-90, le=90)
    longitude: Optional[float] = Field(None, ge=-180, le=180)
    geo_precision: int = Field(3, ge=1, le=3)
    source: str = ""
    source_scale: str = ""
    notes: str = ""
    fatalities: int = Field(0, ge=0)
    tags: str = ""
    timestamp: Optional[int] = None
    # eventx's own fields
    event_class: EventClass
    language: str = Field("", pattern=r"^([a-z]{2,3})?$")
    doc_id: str = ""
    confidence: float = Field(1.0, ge=0, le=1)
    evidence: list[Evidence] = Field(default_factory=list)
    reasons: dict[str, str] = Field(default_factory=dict, description="field -> why it has its value")

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        i1, i2 = int(data.get("inter1") or 0), int(data.get("inter2") or 0)
        derived = interaction_code(i1, i2)
        given = data.get("interaction")
        if given not in (None, "") and int(given) != derived:
            raise ValueError(f"interaction {given} contradicts inter1={i1}, inter2={i2} (derived: {derived}); "
                             "interaction is derived, do not set it by hand")
        data["interaction"] = derived
        return data

    @field_validator("inter1", "inter2", mode="before")
    @classmethod
    def _code(cls, v):
        return 0 if v in (None, "") else v

    @model_validator(mode="after")
    def _consistent(self):
        et, st = self.event_type, self.sub_event_type
        if st not in SUB_EVENT_TYPES[et]:
            raise ValueError(f"sub_event_type {st!r} does not belong to event_type {et!r} "
                             f"(allowed: {', '.join(SUB_EVENT_TYPES[et])})")
        want = disorder_for(et, st)
        if self.disorder_type is None:
            object.__setattr__(self, "disorder_type", want)
        elif self.disorder_type != want:
            raise ValueError(f"disorder_type {self.disorder_type!r} does not match {et}/{st} (expected {want!r})")
        if self.event_date is not None:
            if self.year is None:
                object.__setattr__(self, "year", self.event_date.year)
            elif self.year != self.event_date.year:
                raise ValueError(f"year {self.year} contradicts event_date {self.event_date}")
        derived = interaction_code(int(self.inter1), int(self.inter2))
        if self.interaction != derived:  # after assignment of inter1/inter2
            object.__setattr__(self, "interaction", derived)
        return self

    def to_acled_row(self) -> dict[str, Any]:
        """The ACLED columns, in ACLED's order, as plain values (dates ISO, empty cells as '')."""
        d = self.model_dump(mode="json")
        return {c: ("" if d[c] is None else d[c]) for c in ACLED_COLUMNS}

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, s: str | bytes) -> "EventRecord":
        return cls.model_validate_json(s)
