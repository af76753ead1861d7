"""Fast tests for the English corpus converter (no source files needed)."""
from __future__ import annotations

import pytest

from training.convert_en import (DROP, IGNORE, IRREAL, Cue, Mention, Sent, attack_class, convert, m2e2_sentence,
                                 map_trigger, new_stats)
from training.corpus import validate


@pytest.mark.parametrize("trigger, cue, expected", [
    ("airstrikes", Cue(), "airstrike"),
    ("air strike", Cue(), "airstrike"),
    ("shelling", Cue(), "shelling"),
    ("car bomb", Cue(), "explosive"),
    ("explosion", Cue(), "explosive"),
    ("suicide bombing", Cue(), "suicide_bomb"),
    ("bombing", Cue(before="a suicide"), "suicide_bomb"),
    ("bombing", Cue(args={"actor1": "Turkey's air force"}), "airstrike"),
    ("clashes", Cue(), "clash"),
    ("clashes", Cue(sentence="Protesters clashes with police"), "riot"),
    ("attack", Cue(args={"weapon": "Grad rockets"}), "shelling"),
    ("attack", Cue(), None),                                 # broad word, nothing tells the class
    ("massacre", Cue(args={"actor2": "civilians"}), "attack"),
    ("shot", Cue(args={"actor2": "two soldiers"}), None),     # killing of non-civilians: unclear
    ("killed", Cue(args={"actor2": "civilians", "weapon": "airstrike"}), None),  # the action is named elsewhere
    ("war", Cue(), None),
    ("blast", Cue(sentence="the atomic blast over Nagasaki"), None),
])
def test_attack_class(trigger, cue, expected):
    assert attack_class(trigger, cue) == expected


def test_map_trigger_other_kinds():
    assert map_trigger("explode", "attack") == "explosive"        # KAIROS DetonateExplode default
    assert map_trigger("demonstrate", "rallied") == "protest"
    assert map_trigger("demonstrate", "holding campaign events") == DROP
    assert map_trigger("arrest", "detained") == "arrest"
    assert map_trigger("arrest", "sentenced") == DROP
    assert map_trigger("transport", "delivered", Cue(args={"weapon": "anti-tank missiles"})) == "shipment"
    assert map_trigger("transport", "deployed", Cue(args={"weapon": "troops"})) == DROP
    assert map_trigger("transport", "traveled", Cue(args={"weapon": "the minister"})) == IGNORE
    assert map_trigger("agreement", "ceasefire") == "agreement"
    assert map_trigger("agreement", "treaty") == DROP
    assert map_trigger("attack", "riot", Cue(after="police during")) == DROP  # "riot police"


def test_irrealis():
    assert map_trigger("attack", "airstrikes", Cue(before="the coalition will continue")) == IRREAL
    assert map_trigger("arrest", "arrested", Cue(before="no suspects were")) == IRREAL
    assert map_trigger("arrest", "capture", Cue(before="asked Cuba to")) == IRREAL
    assert map_trigger("arrest", "arrested", Cue(before="In May she was")) == "arrest"  # a month, not a modal
    assert map_trigger("demonstrate", "protest", Cue(before="gathered in Aleppo to")) == "protest"


M2E2_ITEM = {  # JMEE layout: document offsets with inclusive ends; "sentence" lacks its last character
    "sentence_id": "VOA_EN_NW_2016.01.01.1_3", "sentence_start": 100, "sentence_end": 151,
    "sentence": "Russian warplanes bombed rebels in Idlib on Tuesday",
    "words": ["Russian", "warplanes", "bombed", "rebels", "in", "Idlib", "on", "Tuesday", "."],
    "index": [["100", "106"], ["108", "116"], ["118", "123"], ["125", "130"], ["132", "133"], ["135", "139"],
              ["141", "142"], ["144", "150"], ["151", "151"]],
    "golden-entity-mentions": [{"entity-type": t, "start": i, "end": i + 1}
                               for t, i in (("GPE", 0), ("WEA", 1), ("ORG", 3), ("GPE", 5))],
    "golden-event-mentions": [{"trigger": {"start": 2, "end": 3}, "event_type": "Conflict:Attack",
                               "arguments": [{"role": "Attacker", "start": 0, "end": 1},
                                             {"role": "Instrument", "start": 1, "end": 2},
                                             {"role": "Target", "start": 3, "end": 4},
                                             {"role": "Place", "start": 5, "end": 6}]}],
}


def test_m2e2_record_offsets():
    st = new_stats()
    rec = convert("m2e2", m2e2_sentence(M2E2_ITEM, st), st)
    assert rec["text"] == "Russian warplanes bombed rebels in Idlib on Tuesday."  # last character restored
    assert [(t["class"], t["text"]) for t in rec["triggers"]] == [("airstrike", "bombed")]
    got = {(a["role"], rec["text"][a["start"]:a["end"]]) for a in rec["arguments"]}
    assert got == {("actor1", "Russian"), ("weapon", "warplanes"), ("actor2", "rebels"), ("place", "Idlib")}
    assert rec["doc_id"] == "VOA_EN_NW_2016.01.01.1" and rec["lang"] == "en" and rec["origin"] == "real"
    assert validate([rec])[0] == []


def _sent(text, etype, trigger, args=()):
    """A one-event sentence; spans are found by searching their text."""
    span = lambda w: (text.index(w), text.index(w) + len(w))  # noqa: E731
    return Sent("en:test:1", "doc", text, [Mention(etype, *span(trigger), [(r, *span(w), None) for r, w in args])])


def test_unmappable_conflict_trigger_drops_sentence():
    st = new_stats()
    assert convert("m2e2", _sent("Government forces launched an offensive near Aleppo.", "Conflict:Attack",
                                 "offensive", [("Place", "Aleppo")]), st) is None
    assert st["sentences_dropped"] == {"unclear attack trigger": 1}


def test_non_acled_trigger_leaves_a_negative_and_die_alone_is_dropped():
    st = new_stats()
    rec = convert("m2e2", _sent("The ministers met in Geneva on Monday.", "Contact:Meet", "met"), st)
    assert rec["triggers"] == [] and rec["arguments"] == []
    assert convert("m2e2", _sent("Five people were killed in Idlib.", "Life:Die", "killed"), st) is None
    assert convert("rams", _sent("The ministers met in Geneva.", "contact.collaborate.meet", "met"), st) is None


def test_argument_equal_to_trigger_or_pronoun_is_dropped():
    st = new_stats()
    sent = _sent("They carried out airstrikes on Raqqa.", "Conflict:Attack", "airstrikes",
                 [("Attacker", "They"), ("Instrument", "airstrikes"), ("Place", "Raqqa")])
    rec = convert("m2e2", sent, st)
    assert [(a["role"], a["text"]) for a in rec["arguments"]] == [("place", "Raqqa")]
    assert validate([rec])[0] == []
