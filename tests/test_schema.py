import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from eventx.classify import PREDICATES, EventContext, classify
from eventx.schema import ACLED_COLUMNS, EventRecord, interaction_code
from eventx.taxonomy import CLASSES, SUB_EVENT_TYPES, taxonomy

ROOT = Path(__file__).resolve().parent.parent


def rec(**kw):
    base = dict(event_type="Battles", sub_event_type="Armed clash", time_precision=1, event_class="clash",
                event_date="2020-01-22", inter1=1, inter2=2)
    base.update(kw)
    return EventRecord(**base)


def test_interaction_is_derived_lower_code_first():
    assert rec(inter1=2, inter2=1).interaction == 12
    assert rec(inter1=8, inter2=0).interaction == 80
    assert interaction_code(7, 3) == 37


def test_interaction_typed_by_hand_is_rejected():
    with pytest.raises(ValidationError, match="interaction"):
        rec(interaction=11)


def test_unknown_sub_event_type_is_an_error_not_other():
    with pytest.raises(ValidationError, match="sub_event_type"):
        rec(sub_event_type="Skirmish")


def test_sub_event_must_belong_to_event_type():
    with pytest.raises(ValidationError, match="does not belong"):
        rec(sub_event_type="Air/drone strike")


@pytest.mark.parametrize("field,value", [("time_precision", 4), ("geo_precision", 0), ("latitude", 91),
                                         ("longitude", -181), ("fatalities", -1), ("inter1", 9)])
def test_out_of_range_values_name_the_field(field, value):
    with pytest.raises(ValidationError) as e:
        rec(**{field: value})
    assert field in str(e.value)


def test_disorder_type_and_year_follow_the_event():
    r = rec()
    assert r.disorder_type == "Political violence" and r.year == 2020
    p = rec(event_type="Protests", sub_event_type="Excessive force against protesters", event_class="protest")
    assert p.disorder_type == "Political violence; Demonstrations"
    with pytest.raises(ValidationError, match="disorder_type"):
        rec(disorder_type="Demonstrations")


def test_acled_row_order_and_json_round_trip():
    r = rec(evidence=[{"field": "trigger", "start": 3, "end": 9, "text": "clashes"}], reasons={"event_date": "stated"})
    row = r.to_acled_row()
    assert tuple(row) == ACLED_COLUMNS and len(ACLED_COLUMNS) == 31
    assert row["event_date"] == "2020-01-22" and row["interaction"] == 12
    assert EventRecord.from_json(r.to_json()) == r


def test_extra_fields_are_rejected():
    with pytest.raises(ValidationError, match="nonsense"):
        rec(nonsense=1)


def test_committed_json_schema_matches_the_code():
    committed = json.loads((ROOT / "schemas" / "event_record.schema.json").read_text())
    assert committed == json.loads(json.dumps(EventRecord.model_json_schema())), \
        "schemas/event_record.schema.json drifted from eventx/schema.py: run `make schema`"


def test_taxonomy_mappings_are_valid_acled_pairs():
    for name, spec in taxonomy()["classes"].items():
        for et, st in [spec["default"]] + [r["then"] for r in spec.get("rules", [])]:
            assert st in SUB_EVENT_TYPES[et], (name, et, st)
        for r in spec.get("rules", []):
            assert r["if"] in PREDICATES, f"{name}: rule names unknown predicate {r['if']}"


def test_every_acled_sub_event_type_is_reachable():
    contexts = [EventContext(c, inter1=i1, inter2=i2, fatalities=f, has_actor2=h, fighting_reported=fr)
                for c in CLASSES for i1 in (0, 1, 2, 5) for i2 in (0, 1, 7) for f in (0, 3)
                for h in (False, True) for fr in (True, False)]
    reached = {classify(ctx)[1] for ctx in contexts}
    wanted = {s for subs in SUB_EVENT_TYPES.values() for s in subs}
    assert len(wanted) == 25
    assert wanted <= reached, wanted - reached


def test_capture_rules_and_shipment_tag():
    assert classify(EventContext("capture", inter1=1))[1] == "Government regains territory"
    assert classify(EventContext("capture", inter1=2))[1] == "Non-state actor overtakes territory"
    assert classify(EventContext("capture", inter1=2, fighting_reported=False))[1] == "Non-violent transfer of territory"
    et, st, tags, why = classify(EventContext("shipment"))
    assert (et, st, tags) == ("Strategic developments", "Other", ["weapons shipment"]) and "shipment" in why
