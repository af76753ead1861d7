"""Convert the English event corpora (M2E2, RAMS, WikiEvents) into the eventx corpus format.

    python -m training.convert_en      # writes training/data/en/{m2e2,rams,wikievents}.jsonl + CONVERSION_STATS.json

Source event types are mapped to eventx classes only where the mapping is clean (tables below,
repeated in training/data/en/DATA_CARD.md). Broad attack types are decided by the trigger word,
then by the words just before it and the instrument. A sentence holding a conflict trigger whose
class stays unclear is dropped whole, so that it never becomes a false negative.
re3d and cameo_ner are not converted: they carry no event triggers (see the data card).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from eventx.segment import split_sentences, word_spans
from training.corpus import DATA, ROOT, make_record, norm_text, validate, write_jsonl

SRC = ROOT.parent / "shared" / "data" / "en"
OUT = DATA / "en"

LICENSES = {
    "m2e2": "US government work (VOA text; M2E2 repo has no licence file)",
    "rams": "CC BY-SA 4.0",
    "wikievents": "MIT",
}

# ---- mapping tables -------------------------------------------------------------------------
# Source event type -> kind. A type listed as a prefix (ending in ".") covers its subtypes.
# Kinds: attack/explode (classified by words), demonstrate, riot, arrest, transport, agreement;
# "context": violence named without an action (Life.Die...): not a trigger, and a sentence left
# with no mapped trigger is dropped; "ignore": not an ACLED event, trigger removed.
KINDS = {
    "m2e2": {"Conflict:Attack": "attack", "Conflict:Demonstrate": "demonstrate",
             "Justice:Arrest-Jail": "arrest", "Movement:Transport": "transport",
             "Life:Die": "context", "Life:Injure": "context"},
    "wikievents": {"Conflict.Attack.DetonateExplode": "explode", "Conflict.Attack.Unspecified": "attack",
                   "Conflict.Demonstrate.Unspecified": "demonstrate",
                   "Conflict.Demonstrate.DemonstrateWithViolence": "riot",
                   "Justice.ArrestJailDetain.": "arrest", "Movement.Transportation.": "transport",
                   "Life.Die.": "context", "Life.Injure.": "context", "GenericCrime.": "context",
                   "ArtifactExistence.DamageDestroyDisableDismantle.": "context",
                   "Control.ImpedeInterfereWith.": "context"},
    # RAMS annotates one event per window: types not listed here are not used at all
    "rams": {"conflict.attack.": "attack", "conflict.demonstrate.": "demonstrate",
             "justice.arrestjaildetain.": "arrest",
             **{f"movement.transportartifact.{s}": "transport" for s in (
                 "n/a", "bringcarryunload", "disperseseparate", "grantentry", "receiveimport",
                 "sendsupplyexport", "smuggleextract")},
             "government.agreements.acceptagreementcontractceasefire": "agreement"},
}
NEGATIVES = {"m2e2": True, "wikievents": True, "rams": False}  # RAMS leaves most events unannotated

# Source role (lower case; RAMS role names without the evtNNNargNN prefix) -> eventx role.
ROLES = {
    "attacker": "actor1", "agent": "actor1", "demonstrator": "actor1", "entity": "actor1",
    "jailer": "actor1", "giver": "actor1", "transporter": "actor1", "participant1": "actor1",
    "target": "actor2", "victim": "actor2", "person": "actor2", "detainee": "actor2",
    "recipient": "actor2", "police": "actor2", "regulator": "actor2", "participant2": "actor2",
    "instrument": "weapon", "explosivedevice": "weapon", "artifact": "weapon", "passengerartifact": "weapon",
    "place": "place", "destination": "place",
    "time-within": "time", "time-at-beginning": "time", "time-at-end": "time", "time-starting": "time",
    "time-ending": "time", "time-before": "time", "time-after": "time", "time-holds": "time",
}
SKIP_ROLES = {("demonstrate", "target")}  # KAIROS: what is protested against, not an intervening actor2
ACTOR_TYPES = {"PER", "ORG", "GPE", "NORP", "SID"}  # entity types an actor may have (when the source types them)
NOT_A_NAME = set("he she it they we us them you i me him her his its their our who whom which that those these "
                 "this one all everyone someone anyone there here dead wounded injured killed casualties victim "
                 "victims others".split())  # argument spans dropped (also bare numbers: fatalities, not actors)

# Attack words, in order: the first class whose pattern matches wins (on the trigger, else on its context).
REMOTE = [
    ("suicide_bomb", r"suicide"),
    ("chemical", r"chemical|chlorine|sarin|nerve agents?|poison gas|toxic gas|gas attacks?"),
    ("airstrike", r"air ?strikes?|air ?raids?|air ?attacks?|drones?|warplanes?|war ?planes?|jets?|aircraft|"
                  r"air ?forces?|aerial|helicopters?|gunships?|planes?|barrel"),
    ("shelling", r"shell(s|ed|ing)?|artillery|mortars?|rockets?|missiles?|katyushas?|howitzers?|barrages?"),
    ("grenade", r"grenades?"),
    ("explosive", r"bombs?|bombings?|car|roadside|ieds?|improvised explosive|explosives?|explosions?|blasts?|"
                  r"detonat\w*|explod\w*|landmines?|mines|booby|blew|blown|blow(s|ing)? up|"
                  r"(set|sets|setting|went|go|goes|gone) off"),
]
WORDS = [
    ("clash", r"clash(es|ed|ing)?|fighting|fought|battl(e|es|ed|ing)|gun ?battles?|fire ?fights?|skirmish(es)?|"
              r"shoot-?outs?|crossfire|exchanged? fire"),
    ("riot", r"riots?|rioting"),
    ("sexual_violence", r"rap(e|ed|es|ing)"),
    ("abduction", r"abduct\w*|kidnap\w*|hostages?"),
    ("looting", r"loot\w*|arson|torch(ed|ing)"),
]
WEAPON_NOUN = r"bombs?|explosives?"  # a weapon, not an action: the words before it must say which kind
KILL = r"kill(s|ed|ing)?|massacr\w*|slaughter\w*|murder\w*|shot|shoot(s|ing|ings)?|gunned down|opened fire|" \
       r"gunfire|stabb\w*|executed|executions?|beat(en|ing)?|assassinat\w*|lynch\w*"
DEFAULT_OK = r"attack\w*|assaults?|carried out"  # generic words a source type's default class may apply to
GENERIC = r"attack\w*|strikes?|struck|hit(s|ting)?|raid(s|ed|ing)?|bombed|bombard\w*|fired?|fires|firing|" \
          r"targeted|targets?|launch\w*|assaults?|carried out|pummel\w*|sprayed"
DENY = r"nuclear|atomic|hiroshima|nagasaki|radiation|cyber"  # sentence never used for attacks
CIVILIANS = r"civilians?|villagers?|residents?|worshipp?ers?|protesters?|demonstrators?|children|child|women|" \
            r"students?|schoolchildren|schoolgirls?|families|farmers?|journalists?|reporters?|passengers?|" \
            r"shoppers?|pilgrims?|refugees?|migrants?|peasants?|bystanders?|patients?|aid workers?|teachers?|" \
            r"mourners?|spectators?|tourists?|churchgoers|infants|babies"
CROWD = r"protest\w*|demonstrat\w*|rioters?|fans|mobs?"  # a "clash" in a sentence naming these is a riot
PROTEST = r"protest\w*|demonstrat\w*|rall(y|ies|ied|ying)|march(es|ed|ing)?|sit-?ins?|vigils?|" \
          r"processions?|gather(ed|ing|ings)?|assembl\w*|converged"
ARREST = r"arrest\w*|detain\w*|detention|custody|captur\w*|caught|held|rounded up|round-?ups?|imprison\w*|" \
         r"jail(ed)?|incarcerat\w*|apprehend\w*|seized"
WEAPONS = r"weapons?|arms|armaments?|ammunition|munitions?|missiles?|rockets?|drones?|guns?|rifles?|artillery|" \
          r"mortars?|tanks?|armou?red vehicles?|military vehicles?|explosives?|bombs?|grenades?|firearms?|" \
          r"man ?-? ?portable|manpads|air defen[cs]e systems?|launchers?|warplanes?|fighter jets?|helicopters?|" \
          r"military equipment|materiel"
MILITARY = r"troops?|forces?|soldiers?|fighters?|army|militants?|marines?|militia\w*|military|rebels?|" \
           r"reinforcements?|battalions?|brigades?|personnel|jihadists?|paramilitar\w*"
DELIVERY = r"deliver\w*|ship\w*|suppl\w*|resuppl\w*|send\w*|sent|provid\w*|donat\w*|transfer\w*|smuggl\w*|" \
           r"traffick\w*|export\w*|import\w*|transport\w*|brought|bring\w*|carr(y|ied|ies|ying)|airlift\w*|" \
           r"dispatch\w*|arriv\w*"
AGREEMENT = r"cease-?fires?|truces?|armistice|peace (deal|agreement|accord|treaty)s?"
# Not a reported event (guidelines 1): a modal, plan, threat or negation in the 4 words before the
# trigger, a modal in the 2 words after it, or "to" + a bare verb ("to attack"). Such sentences are dropped.
IRREALIS = r"will|would|could|should|may|might|must|shall|can|cannot|wo|plans?|planned|planning|threat\w*|" \
           r"vow\w*|promis\w*|intend\w*|wants?|wanted|potential|possible|possibility|prospect|chance|fears?|" \
           r"try|trying|urged?|calls? for|called for|not|no|never|\w*n['’]t|without|den(y|ied|ies)|" \
           r"prevent\w*|avoid\w*|stop|halt|ban|if|unless|whether"
MODAL = r"will|would|could|should|may|might|must|shall"
MODIFIES = r"police|gear|squads?|flags?|helicopters?|jets?|planes?|aircraft|drones?|dogs?|warrants?|movements?"

DROP, IRREAL, IGNORE, CONTEXT = "drop", "irrealis", "ignore", "context"


@dataclass
class Cue:
    """What the mapping may look at besides the trigger."""
    before: str = ""  # the 4 words before the trigger
    after: str = ""  # the 2 words after it
    sentence: str = ""
    args: dict[str, str] = field(default_factory=dict)  # eventx role -> this trigger's argument texts
    victims: str = ""  # victims of Life.Die/Injure mentions in the sentence


def _has(pattern: str, text: str, case: bool = False) -> bool:
    return bool(re.search(rf"\b(?:{pattern})\b", text if case else text.lower()))


def _full(pattern: str, text: str) -> bool:
    return bool(re.fullmatch(rf"(?:{pattern})", text.lower().strip()))


def _remote(text: str) -> str | None:
    return next((c for c, p in REMOTE if _has(p, text)), None)


def attack_class(trigger: str, cue: Cue | None = None, default: str | None = None) -> str | None:
    """eventx class of an attack trigger, or None when unclear."""
    cue = cue or Cue()
    context = f"{cue.before} {cue.args.get('weapon', '')} {cue.args.get('actor1', '')}"
    if _has(DENY, f"{cue.sentence} {trigger}"):
        return None
    if _full(WEAPON_NOUN, trigger):
        return _remote(context)
    cls = _remote(trigger)
    if cls == "explosive":  # a bomb dropped from the air, or carried by a suicide attacker
        return {"airstrike": "airstrike", "suicide_bomb": "suicide_bomb"}.get(_remote(context), cls)
    if cls:
        return cls
    cls = next((c for c, p in WORDS if _has(p, trigger)), None)
    if cls == "clash" and _has(CROWD, cue.sentence):
        return "riot"
    if cls:
        return cls
    targets = cue.args.get("actor2", "")
    if _full(KILL, trigger):  # killing named alone: an attack only on civilians, and only with no weapon word
        return "attack" if _has(CIVILIANS, f"{targets} {cue.victims}") and not _remote(context) else None
    if _full(GENERIC, trigger):
        return _remote(context) or (default if _full(DEFAULT_OK, trigger) else None) \
            or ("attack" if _has(CIVILIANS, targets) else None)
    return None


def irrealis(trigger: str, cue: Cue, kind: str = "") -> bool:
    """Planned, threatened, hypothetical or negated ("will attack", "did not arrest", "to capture").
    Case-sensitive ("In May" is a date); "to protest" is left alone (a rally's purpose)."""
    bare_verb = cue.before.split()[-1:] == ["to"] and re.fullmatch(r"[a-z]+", trigger) \
        and not re.search(r"(s|ing|ed)$", trigger) and kind != "demonstrate"
    return _has(IRREALIS, cue.before, case=True) or _has(MODAL, cue.after, case=True) or bool(bare_verb)


def map_trigger(kind: str, trigger: str, cue: Cue | None = None) -> str:
    """A class, or DROP/IRREAL (drop the sentence), IGNORE (not an ACLED event) or CONTEXT."""
    cue = cue or Cue()
    if kind in (IGNORE, CONTEXT):
        return kind
    if _has(MODIFIES, cue.after.split(" ")[0]):  # "riot police", "battle flag", "attack helicopters"
        return DROP
    cls = _map(kind, trigger, cue)
    return IRREAL if cls not in (DROP, IGNORE) and irrealis(trigger, cue, kind) else cls


def _map(kind: str, trigger: str, cue: Cue) -> str:
    if kind in ("attack", "explode"):
        return attack_class(trigger, cue, default="explosive" if kind == "explode" else None) or DROP
    if kind in ("demonstrate", "riot"):
        if _has(r"riot\w*|clash\w*|violen\w*", trigger):
            return "riot"
        return "riot" if kind == "riot" else "protest" if _has(PROTEST, trigger) else DROP
    if kind == "arrest":
        return "arrest" if _full(ARREST, trigger) else DROP
    if kind == "transport":
        moved = cue.args.get("weapon", "")
        if _has(WEAPONS, moved):
            return "shipment" if _has(DELIVERY, trigger) else DROP
        return DROP if _has(MILITARY, f"{moved} {cue.args.get('actor1', '')}") else IGNORE
    if kind == "agreement":
        return "agreement" if _has(AGREEMENT, trigger) else DROP
    raise ValueError(kind)


# ---- reading the sources ---------------------------------------------------------------------
@dataclass
class Mention:
    type: str
    start: int
    end: int
    args: list[tuple[str, int, int, str | None]] = field(default_factory=list)  # role, start, end, entity type


@dataclass
class Sent:
    rid: str
    doc_id: str
    text: str
    mentions: list[Mention]


def _kind(source: str, etype: str) -> str:
    table = KINDS[source]
    if etype in table:
        return table[etype]
    pre = [k for k in table if k.endswith(".") and etype.startswith(k)]
    return table[max(pre, key=len)] if pre else IGNORE


def read_m2e2(st: dict) -> list[Sent]:
    """M2E2: JMEE JSON; token offsets come from ``index`` (document offsets, inclusive end)."""
    items: dict[str, dict] = {}
    for raw in (json.load(gzip.open(SRC / "m2e2" / "text_only_event.json.gz")),
                json.load(open(SRC / "m2e2" / "text_multimedia_event.json", encoding="utf-8"))):
        for x in raw:
            st["input"]["records"] += 1
            if x["sentence_id"] in items:  # the same sentence in both files: union of its events
                st["input"]["duplicate sentence_id (events merged)"] += 1
                have = items[x["sentence_id"]]["golden-event-mentions"]
                keys = {(e["trigger"]["start"], e["trigger"]["end"], e["event_type"]) for e in have}
                have += [e for e in x["golden-event-mentions"]
                         if (e["trigger"]["start"], e["trigger"]["end"], e["event_type"]) not in keys]
            else:
                items[x["sentence_id"]] = x
    st["input"]["sentences"] = len(items)
    return [s for s in (m2e2_sentence(x, st) for x in items.values()) if s]


def m2e2_sentence(x: dict, st: dict) -> Sent | None:
    """One JMEE item -> Sent with character offsets (None if its words cannot be placed)."""
    placed = m2e2_offsets(x, st)
    if placed is None:
        st["sentences_dropped"]["token offsets do not match the text"] += 1
        return None
    text, spans = placed
    ents = {(m["start"], m["end"]): m["entity-type"] for m in x["golden-entity-mentions"]}
    mentions = []
    for e in x["golden-event-mentions"]:
        st["input"]["events"] += 1
        t = e["trigger"]
        m = Mention(e["event_type"], spans[t["start"]][0], spans[t["end"] - 1][1])
        for a in e["arguments"]:
            st["input"]["arguments"] += 1
            m.args.append((a["role"], spans[a["start"]][0], spans[a["end"] - 1][1], ents.get((a["start"], a["end"]))))
        mentions.append(m)
    sid = x["sentence_id"]
    return Sent(f"en:m2e2:{sid}", sid.rsplit("_", 1)[0], text, mentions)


def m2e2_offsets(x: dict, st: dict) -> tuple[str, list[tuple[int, int]]] | None:
    """(text, char span of each word). The "sentence" field lacks the last character of the
    sentence (off by one in the source): it is restored from the last word."""
    text, s0 = x["sentence"], x["sentence_start"]
    spans = [(int(i) - s0, int(j) - s0 + 1) for i, j in x["index"]]
    last, (i, j) = x["words"][-1], spans[-1]
    if j > len(text) and i <= len(text) and last.startswith(text[i:]):
        text += last[len(text) - i:]
        st["input"]["last character restored"] += 1
    pos = 0
    for k, (w, (i, j)) in enumerate(zip(x["words"], spans)):
        if text[i:j] != w:  # fall back to searching the word after the previous one
            i = text.find(w, pos)
            if i < 0:
                return None
            spans[k] = (i, i + len(w))
            st["input"]["word offsets repaired by search"] += 1
        pos = spans[k][1]
    return text, spans


def read_rams(st: dict) -> list[Sent]:
    """RAMS: keep the sentence holding the trigger (tokens joined by spaces) and the arguments in it.
    Examples from one article (same URL) share a doc_id; one sentence annotated in several examples
    becomes one record with all their events."""
    groups: dict[tuple[str, str], Sent] = {}
    for name in ("dev", "test"):
        for line in open(SRC / "rams" / f"{name}.jsonlines", encoding="utf-8"):
            d = json.loads(line)
            st["input"]["examples"] += 1
            (ts, te, [[etype, _]]), = d["evt_triggers"]
            if _kind("rams", etype) == IGNORE:
                st["triggers_dropped"][etype]["type not used"] += 1
                continue
            first = 0
            for sent in d["sentences"]:
                if first <= ts < first + len(sent):
                    break
                first += len(sent)
            starts, pos = [], 0
            for w in sent:
                starts.append(pos)
                pos += len(w) + 1
            text = " ".join(sent)
            span = lambda a, b: (starts[a - first], starts[b - first] + len(sent[b - first]))  # noqa: E731
            m = Mention(etype, *span(ts, te))
            for _, (a, b), role in d["gold_evt_links"]:
                st["input"]["arguments"] += 1
                if not (first <= a and b < first + len(sent)):
                    st["arguments_dropped"]["outside the trigger's sentence"] += 1
                    continue
                num, rname = re.fullmatch(r"evt\d+arg(\d+)(\w+)", role).groups()
                m.args.append((f"{rname}{int(num)}" if rname == "participant" else rname, *span(a, b), None))
            doc = "rams-" + hashlib.sha1(d["source_url"].encode()).hexdigest()[:12]
            g = groups.setdefault((doc, text), Sent(f"en:rams:{d['doc_key']}", doc, text, []))
            if any((x.start, x.end, x.type) == (m.start, m.end, m.type) for x in g.mentions):
                st["input"]["same event annotated twice"] += 1
                continue
            g.mentions.append(m)
    st["input"]["sentences"] = len(groups)
    st["input"]["events"] = sum(len(g.mentions) for g in groups.values())
    return list(groups.values())


def read_wikievents(st: dict) -> list[Sent]:
    """WikiEvents: whole documents, every sentence a record. A "sentence" of the files often holds
    several sentences: each is re-split with ``eventx.segment.split_sentences`` (offsets kept)."""
    out = []
    for name in ("dev", "test"):
        for line in open(SRC / "wikievents" / f"{name}.jsonl", encoding="utf-8"):
            d = json.loads(line)
            st["input"]["documents"] += 1
            st["input"]["sentences"] += len(d["sentences"])
            toks, pieces = [], []  # token -> (piece index, start, end) relative to its piece
            for words, stext in d["sentences"]:
                parts = split_sentences(stext)
                st["input"]["sentences after re-splitting"] += len(parts)
                for w, a, b in words:
                    a, b = a - words[0][1], b - words[0][1]
                    assert stext[a:b] == w, (d["doc_id"], w)
                    p = next((p for p in parts if p.start <= a and b <= p.end), None)
                    toks.append((len(pieces) + parts.index(p), a - p.start, b - p.start) if p else (None, 0, 0))
                pieces += parts
            sents = [Sent(f"en:wikievents:{d['doc_id']}:{k:03d}", d["doc_id"], p.text, [])
                     for k, p in enumerate(pieces)]
            ents = {e["id"]: e for e in d["entity_mentions"]}
            for e in d["event_mentions"]:
                st["input"]["events"] += 1
                (k, s0, _), (k2, _, e0) = toks[e["trigger"]["start"]], toks[e["trigger"]["end"] - 1]
                if k is None or k != k2:
                    st["triggers_dropped"][e["event_type"]]["crosses a sentence boundary"] += 1
                    continue
                m = Mention(e["event_type"], s0, e0)
                for a in e["arguments"]:
                    st["input"]["arguments"] += 1
                    ent = ents[a["entity_id"]]
                    (ka, s1, _), (kb, _, e1) = toks[ent["start"]], toks[ent["end"] - 1]
                    if ka != k or kb != k:
                        st["arguments_dropped"]["outside the trigger's sentence"] += 1
                        continue
                    m.args.append((a["role"], s1, e1, ent["entity_type"]))
                sents[k].mentions.append(m)
            out.extend(sents)
    return out


# ---- one sentence -> one record --------------------------------------------------------------
def _role(kind: str, role: str) -> str | None:
    return None if (kind, role.lower()) in SKIP_ROLES else ROLES.get(role.lower())


def decide(source: str, sent: Sent) -> list[tuple[Mention, str]]:
    """Each mention with its class, or DROP/IRREAL/IGNORE/CONTEXT."""
    text = sent.text
    victims = " ".join(text[s:e] for m in sent.mentions if _kind(source, m.type) == CONTEXT
                       for r, s, e, _ in m.args if r.lower() == "victim")
    out = []
    for m in sent.mentions:
        kind = _kind(source, m.type)
        args: dict[str, str] = defaultdict(str)
        for r, s, e, _ in m.args:
            if _role(kind, r) and (s, e) != (m.start, m.end):
                args[_role(kind, r)] += " " + text[s:e]
        cue = Cue(before=" ".join(re.findall(r"[\w'’-]+", text[:m.start])[-4:]),
                  after=" ".join(re.findall(r"[\w'’-]+", text[m.end:])[:2]),
                  sentence=text, args=args, victims=victims)
        out.append((m, map_trigger(kind, text[m.start:m.end], cue)))
    return out


def convert(source: str, sent: Sent, st: dict) -> dict | None:
    """The corpus record for one sentence, or None when the sentence is dropped (reason counted)."""
    text, toks = sent.text, word_spans(sent.text)
    decided = decide(source, sent)
    mapped = [(m, c) for m, c in decided if c not in (DROP, IRREAL, IGNORE, CONTEXT)]
    bad = next(((m, c) for m, c in decided if c in (DROP, IRREAL)), None)
    if bad or (not mapped and (not NEGATIVES[source] or any(c == CONTEXT for _, c in decided))):
        if bad:
            why = ("trigger not a reported event (modal, plan, negation)" if bad[1] == IRREAL
                   else f"unclear {_kind(source, bad[0].type)} trigger")
            if bad[1] == DROP:
                st["unclear_trigger_words"][text[bad[0].start:bad[0].end].lower()] += 1
        else:
            why = ("violence named (Life.Die/Injure...) but no mapped trigger" if NEGATIVES[source]
                   else "no mapped event (not used as a negative: other events unannotated)")
        st["sentences_dropped"][why] += 1
        for m, c in decided:
            st["triggers_dropped"][m.type][{DROP: "unclear class: sentence dropped",
                                            IRREAL: "not a reported event: sentence dropped"}
                                           .get(c, "in a dropped sentence")] += 1
        return None
    for m, c in decided:
        if c in (IGNORE, CONTEXT):
            st["triggers_dropped"][m.type][{IGNORE: "not an ACLED event: removed",
                                            CONTEXT: "violence context, not a trigger: removed"}[c]] += 1
    triggers, tid_of = _triggers(mapped, toks, st)
    arguments = _arguments(source, mapped, tid_of, triggers, text, toks, st)
    return make_record(rid=sent.rid, doc_id=sent.doc_id, lang="en", source=source, license=LICENSES[source],
                       text=text, triggers=triggers, arguments=arguments, origin="real", published=None)


def _widen(toks: list[tuple[int, int]], s: int, e: int) -> tuple[int, int]:
    inside = [t for t in toks if t[0] < e and t[1] > s]
    return inside[0][0], inside[-1][1]


def _overlaps(s: int, e: int, spans) -> bool:
    return any(s < e2 and s2 < e for s2, e2 in spans)


def _triggers(mapped, toks, st) -> tuple[list[dict], dict[int, str]]:
    """Triggers widened to whole words; two source events on one word become one trigger."""
    triggers, tid_of, by_span = [], {}, {}
    for m, c in sorted(mapped, key=lambda mc: mc[0].start):
        s, e = _widen(toks, m.start, m.end)
        if (s, e) in by_span:
            tid_of[id(m)] = by_span[(s, e)]
            st["triggers_dropped"][m.type]["same span as another trigger: merged"] += 1
        elif _overlaps(s, e, by_span):
            st["triggers_dropped"][m.type]["overlaps another trigger"] += 1
        else:
            by_span[(s, e)] = tid_of[id(m)] = f"T{len(triggers) + 1}"
            triggers.append({"id": tid_of[id(m)], "class": c, "start": s, "end": e})
            st["triggers_kept"][c] += 1
            st["type_to_class"][m.type][c] += 1
    return triggers, tid_of


def _arguments(source, mapped, tid_of, triggers, text, toks, st) -> list[dict]:
    """Mapped arguments; no span overlaps a trigger or (unless identical) another argument."""
    tspans = [(t["start"], t["end"]) for t in triggers]
    cands = []
    for m, _ in mapped:
        for r, s, e, etype in m.args if id(m) in tid_of else ():
            role = _role(_kind(source, m.type), r)
            s, e = _widen(toks, s, e)
            if role is None:
                st["arguments_dropped"][f"role not mapped: {r}"] += 1
            elif text[s:e].lower() in NOT_A_NAME or re.fullmatch(r"[\d,.]+", text[s:e]):
                st["arguments_dropped"]["pronoun, number or empty word"] += 1
            elif role.startswith("actor") and etype and etype.upper() not in ACTOR_TYPES:
                st["arguments_dropped"][f"actor is a {etype.upper()} entity"] += 1
            elif _overlaps(s, e, tspans):
                st["arguments_dropped"]["overlaps a trigger"] += 1
            else:
                cands.append({"trigger": tid_of[id(m)], "role": role, "start": s, "end": e})
    out, kept, seen = [], set(), set()
    for a in sorted(cands, key=lambda a: (a["end"] - a["start"], a["start"])):  # shorter spans first
        span = (a["start"], a["end"])
        if (a["trigger"], *span) in seen:
            st["arguments_dropped"]["same span twice for one trigger"] += 1
        elif span not in kept and _overlaps(*span, kept):
            st["arguments_dropped"]["overlaps another argument (kept the shorter)"] += 1
        else:
            kept.add(span)
            seen.add((a["trigger"], *span))
            out.append(a)
            st["arguments_kept"][a["role"]] += 1
    return sorted(out, key=lambda a: (a["trigger"], a["start"]))


# ---- main ------------------------------------------------------------------------------------
def new_stats() -> dict:
    return {"input": Counter(), "sentences_kept": 0, "sentences_with_events": 0, "sentences_negative": 0,
            "sentences_dropped": Counter(), "triggers_kept": Counter(), "type_to_class": defaultdict(Counter),
            "triggers_dropped": defaultdict(Counter), "unclear_trigger_words": Counter(),
            "arguments_kept": Counter(), "arguments_dropped": Counter(), "splits": Counter()}


def main() -> int:
    readers = {"m2e2": read_m2e2, "rams": read_rams, "wikievents": read_wikievents}
    seen: set[str] = set()
    all_stats, all_recs = {}, []
    for source, read in readers.items():
        st, recs = new_stats(), []
        for sent in read(st):
            key = norm_text(sent.text)
            if key in seen:  # same text twice (VOA captions, one RAMS article in several windows...)
                st["sentences_dropped"]["duplicate text (kept the first)"] += 1
                continue
            rec = convert(source, sent, st)
            if rec is None:
                continue
            seen.add(key)
            recs.append(rec)
            st["splits"][rec["split"]] += 1
        st["sentences_kept"] = len(recs)
        st["sentences_with_events"] = sum(1 for r in recs if r["triggers"])
        st["sentences_negative"] = len(recs) - st["sentences_with_events"]
        st["unclear_trigger_words"] = dict(st["unclear_trigger_words"].most_common())
        write_jsonl(OUT / f"{source}.jsonl", recs)
        all_stats[source] = st
        all_recs += recs
        print(f"{source}: {len(recs)} sentences ({st['sentences_with_events']} with events), "
              f"triggers {dict(st['triggers_kept'].most_common())}, dropped {sum(st['sentences_dropped'].values())}")
    stats_json = json.dumps(all_stats, indent=1, ensure_ascii=False, sort_keys=True)
    (OUT / "CONVERSION_STATS.json").write_text(stats_json + "\n", encoding="utf-8")
    errors, _ = validate(all_recs)
    for e in errors[:50]:
        print("ERROR", e)
    print(f"{len(all_recs)} records, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
