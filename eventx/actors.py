"""Actor stage: an actor span -> ACLED actor name, inter code and associated actor, with the reason.

The dictionary is data: ``schemas/actors.json`` (its ``description`` documents every field), extended
or overridden by the JSON files named in ``EVENTX_ACTORS``. A span is cleaned
(``eventx.normalize.clean_name``), folded (``eventx.normalize.fold``) and the longest dictionary alias
inside it wins. The match then resolves, in this order: a named sub-group to its parent (the sub-group
goes to ``assoc``), a transnational actor to its branch in the event country (Islamic State ->
Islamic State (Syria)), the name valid on the event date (eras), and the code: state forces acting
outside their home country are 8. Spans with no alias fall back to the generic-word table.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

from eventx.geocode import countries, country_names
from eventx.normalize import clean_name, fold, lexicon
from eventx.taxonomy import data_file

__all__ = ["ActorMatch", "ActorDictionary", "ActorDictionaryError", "dictionary", "match", "match_actor",
           "unidentified", "actor_fields"]

_EDGE = "\"'«»“”‘’()[]{}،,.:;؛!?؟"
_ARABIC = re.compile(r"[\u0600-\u06FF]")
# Arabic clitics glued to the first word of a name: و/ف + ب/ل/ك before the article, or ل+ال written لل.
_ART = re.compile(r"^(?:و|ف)?(?:ب|ل|ک)?(?=ال\S{2,})")
_LIL = re.compile(r"^(?:و|ف)?لل(?=\S{2,})")
# Short Latin acronyms (IS, MIT, ANA) are also English words once lowercased: they match only as written.
_ACRONYM = re.compile(r"[A-Z][A-Z.\-]{1,5}")


class ActorDictionaryError(ValueError):
    """An actor dictionary file is malformed; the message names the file, the entry and the problem."""


@dataclass(frozen=True)
class Era:
    name: str
    start: dt.date | None = None
    end: dt.date | None = None
    inter: int | None = None

    def covers(self, d: dt.date) -> bool:
        return (self.start is None or self.start <= d) and (self.end is None or d <= self.end)


@dataclass(frozen=True)
class Entry:
    name: str
    inter: int
    country: str
    eras: tuple[Era, ...]          # eras[0] is the entry's own name
    kind: str = ""
    parent: str = ""
    parent_period: Era | None = None   # when the sub-group belongs to its parent (None: always)
    variant_of: str = ""
    assume_abroad: bool = False
    abroad_inter: int | None = None
    source: str = ""


@dataclass(frozen=True)
class ActorMatch:
    """The result for one span: ``name`` and ``inter`` go to actorN/interN, ``assoc`` to assoc_actor_N."""
    name: str
    inter: int
    reason: str
    assoc: str = ""
    entry: str = ""                # the dictionary entry that matched; "" for generic words and unknown text


def _tokens(s: str) -> list[str]:
    """Folded words with edge punctuation removed (aliases and spans go through the same function)."""
    return [t for t in (w.strip(_EDGE) for w in fold(s).split()) if t]


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Folded country name (``geocode.country_names``) -> ACLED country name."""
    table = countries()
    out: dict[str, str] = {}
    for name, cc in country_names():
        out.setdefault(" ".join(_tokens(name)), table[cc]["name"])
    return out


def _first_forms(tok: str) -> list[str]:
    """A name's first word and the forms it has without glued clitics, most literal first."""
    forms = [tok]
    if _ARABIC.match(tok):
        if _LIL.match(tok):
            forms.append("ال" + _LIL.sub("", tok))
        m = _ART.match(tok)
        if m and m.end():
            forms.append(tok[m.end():])
        if tok[0] in "وفبلک" and len(tok) > 3:   # و/ف (and), ب/ل/ک (in, for, like) glued to a name without article
            forms.append(tok[1:])
        if tok.startswith("ال") and len(tok) > 4:
            forms.append(tok[2:])
    return list(dict.fromkeys(forms))


def _date(value, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ActorDictionaryError(f"{where}: {value!r} is not a YYYY-MM-DD date") from None


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"event date {value!r} is not a date or YYYY-MM-DD string") from None


def _alias_lists(raw, where: str) -> dict[str, list[str]]:
    """Aliases as {language: [...]}; a plain list (older user files) counts as language 'any'."""
    if raw is None:
        return {}
    if isinstance(raw, list):
        raw = {"any": raw}
    if not isinstance(raw, dict) or not all(isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v)
                                            for v in raw.values()):
        raise ActorDictionaryError(f"{where}: aliases must be a list of non-empty strings or an object "
                                   f"{{language: [strings]}}, got {raw!r}")
    return raw


def _code(value, where: str, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 8:
        raise ActorDictionaryError(f"{where}: inter must be an ACLED actor code 1-8, got {value!r}")
    return value


class ActorDictionary:
    """Entries, the alias index and the generic-word table from one or more dictionary files."""

    def __init__(self, sources: Sequence[tuple[str, dict]]):
        """``sources``: (label, parsed JSON) pairs, highest priority first (user files, then the shipped one)."""
        self.entries: dict[str, Entry] = {}
        self.aliases: dict[str, tuple[str, int | None]] = {}   # folded alias -> (entry name, era index or None)
        self.alias_lang: dict[str, str] = {}
        self.alias_text: dict[str, str] = {}
        self.acronyms: dict[str, str] = {}   # folded key -> the acronym as written
        self.generic: dict[str, dict] = {}
        self.generic_text: dict[str, str] = {}
        self.qualifiers: set[str] = set()
        self.unidentified: dict = {}
        for label, data in sources:
            self._add_source(label, data)
        for e in self.entries.values():
            for ref in ("parent", "variant_of"):
                target = getattr(e, ref)
                if target and target not in self.entries:
                    raise ActorDictionaryError(f"{e.source}: actor {e.name!r}: {ref} {target!r} is not an actor in the dictionary")
        self.variants: dict[tuple[str, str], str] = {(e.variant_of, fold(e.country)): e.name
                                                     for e in self.entries.values() if e.variant_of}
        self.max_len = max((len(k.split()) for k in list(self.aliases) + list(self.generic)), default=1)
        # A bare country name as an actor ("Russia struck...", آمریکا) is the state acting: ACLED codes
        # its military forces. Only whole spans: "gunmen in Syria" must not become the Syrian army.
        forces: dict[str, str] = {}
        for e in self.entries.values():
            if e.kind == "military" and not (e.parent or e.variant_of):
                forces.setdefault(e.country, e.name)
        self.country_forces = {k: forces[c] for k, c in _country_names().items() if c in forces}
        if not self.unidentified:
            raise ActorDictionaryError("no dictionary file gives 'unidentified' (the actor for unnamed perpetrators)")

    def _add_source(self, label: str, data: dict) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("actors", []), list):
            raise ActorDictionaryError(f"{label}: expected a JSON object with an 'actors' list")
        mine: dict[str, str] = {}   # aliases of this file, to catch one alias naming two actors
        for i, a in enumerate(data.get("actors", [])):
            where = f"{label}: actor #{i + 1}"
            if not isinstance(a, dict) or not isinstance(a.get("name"), str) or not a["name"].strip():
                raise ActorDictionaryError(f"{where}: every actor needs a non-empty 'name'")
            name = a["name"]
            where = f"{label}: actor {name!r}"
            unknown = set(a) - {"name", "inter", "country", "aliases", "kind", "parent", "parent_from", "parent_until",
                                "variant_of", "from", "until", "eras", "assume_abroad", "abroad_inter"}
            if unknown:
                raise ActorDictionaryError(f"{where}: unknown field(s) {sorted(unknown)}")
            inter = _code(a.get("inter"), where)
            if a.get("kind", "") not in ("", "military", "police"):
                raise ActorDictionaryError(f"{where}: kind must be 'military' or 'police', got {a['kind']!r}")
            eras = [Era(name, _date(a.get("from"), where), _date(a.get("until"), where), None)]
            era_aliases: list[tuple[int | None, dict]] = [(None, _alias_lists(a.get("aliases"), where))]
            for k, e in enumerate(a.get("eras", []), start=1):
                ew = f"{where}, era {k}"
                if not isinstance(e, dict) or not isinstance(e.get("name"), str) or not e["name"].strip():
                    raise ActorDictionaryError(f"{ew}: every era needs a non-empty 'name'")
                eras.append(Era(e["name"], _date(e.get("from"), ew), _date(e.get("until"), ew),
                                _code(e.get("inter"), ew, allow_none=True)))
                era_aliases.append((k, _alias_lists(e.get("aliases"), ew)))
            if name in self.entries:   # a higher-priority file already defines this actor: it replaces this one
                continue
            period = None
            if a.get("parent_from") or a.get("parent_until"):
                period = Era(a.get("parent", ""), _date(a.get("parent_from"), where), _date(a.get("parent_until"), where))
            self.entries[name] = Entry(name, inter, a.get("country", ""), tuple(eras), a.get("kind", ""),
                                       a.get("parent", ""), period, a.get("variant_of", ""), bool(a.get("assume_abroad")),
                                       _code(a.get("abroad_inter"), where, allow_none=True), label)
            for era_ix, by_lang in era_aliases:
                for lang, words in by_lang.items():
                    for w in [name] * (era_ix is None) + words:
                        key = " ".join(_tokens(w))
                        if mine.get(key, name) != name:
                            raise ActorDictionaryError(f"{label}: alias {w!r} names both {mine[key]!r} and {name!r}")
                        mine[key] = name
                        if key not in self.aliases:
                            self.aliases[key] = (name, era_ix)
                            self.alias_lang[key] = lang
                            self.alias_text[key] = w
                            if _ACRONYM.fullmatch(w):
                                self.acronyms[key] = w
        for i, g in enumerate(data.get("generic", [])):
            where = f"{label}: generic entry #{i + 1}"
            if not isinstance(g, dict) or not isinstance(g.get("words"), list) or not g.get("label"):
                raise ActorDictionaryError(f"{where}: needs 'label', 'inter' and a 'words' list")
            _code(g.get("inter"), where)
            if "name" in g and "{country}" not in g["name"]:
                raise ActorDictionaryError(f"{where}: 'name' must contain {{country}}, got {g['name']!r}")
            for w in g["words"]:
                key = " ".join(_tokens(w))
                if key not in self.generic:
                    self.generic[key], self.generic_text[key] = g, w
        self.qualifiers |= {" ".join(_tokens(q)) for q in data.get("qualifiers", [])}
        if data.get("unidentified") and not self.unidentified:
            u = data["unidentified"]
            if "{country}" not in u.get("name", "") or not isinstance(u.get("classes"), list):
                raise ActorDictionaryError(f"{label}: 'unidentified' needs a name with {{country}} and a 'classes' list")
            _code(u.get("inter"), f"{label}: unidentified")
            self.unidentified = u

    # ---- matching
    def is_alias(self, text: str) -> bool:
        return " ".join(_tokens(text)) in self.aliases

    def _longest(self, toks: list[str], table: Mapping[str, object], raw: str = ""):
        """(key, start, end) of the longest table key found as whole words in ``toks``, earliest on ties.

        ``raw`` is the span as written: an acronym alias must appear in it in capitals."""
        best = None
        for i in range(len(toks)):
            for first in _first_forms(toks[i]):
                for j in range(min(len(toks), i + self.max_len), i, -1):
                    key = " ".join([first] + toks[i + 1:j])
                    if key in table and (best is None or len(key) > len(best[0])):
                        if key in self.acronyms and not re.search(rf"(?<!\w){re.escape(self.acronyms[key])}(?!\w)", raw):
                            continue
                        best = (key, i, j)
                        break
        return best

    def match(self, text: str, *, country: str | None = None, date=None) -> ActorMatch:
        """The actor a span names. ``country`` (ACLED country of the event) and ``date`` refine name and code."""
        if not isinstance(text, str):
            raise TypeError(f"actor span must be a string, got {type(text).__name__}")
        date = _as_date(date)
        name, _ = clean_name(text, known=self.is_alias)
        toks = _tokens(name)
        hits = self._all_hits(toks, name)
        if not hits:
            for first in _first_forms(toks[0]) if toks else ():
                entry = self.country_forces.get(" ".join([first] + toks[1:]))
                if entry:
                    why = (f"{text!r} names the country {self.entries[entry].country!r}: a state acting in a conflict "
                           f"event is coded as its forces, {entry!r}")
                    return self._resolve(self.entries[entry], None, country, date, why)
            return self._generic(text, name, toks, country, date)
        (key, i, j), rest = hits[0], hits[1:]
        entry, era_ix = self.aliases[key]
        shown = self.alias_text[key]
        how = f"is an alias of {entry!r}" if (i, j) == (0, len(toks)) else f"contains {shown!r}, an alias of {entry!r}"
        m = self._resolve(self.entries[entry], era_ix, country, date, f"{text!r} {how} in the actor dictionary")
        if not rest:
            return m
        # Further actors named in the same span ("قوات النظام وحزب الله") are its associated actors.
        more = [self._resolve(self.entries[self.aliases[k][0]], self.aliases[k][1], country, date, "") for k, _, _ in rest]
        assoc = [x for x in dict.fromkeys([m.assoc] + [y for o in more for y in (o.name, o.assoc)]) if x and x != m.name]
        why = m.reason + "".join(f"; the span also names {self.alias_text[k]!r}" for k, _, _ in rest)
        return ActorMatch(m.name, m.inter, why + (f": assoc_actor {'; '.join(assoc)!r}" if assoc else ""), "; ".join(assoc), m.entry)

    def _all_hits(self, toks: list[str], raw: str) -> list[tuple[str, int, int]]:
        """Non-overlapping aliases in the span, the longest first (it names the actor), then the others in order."""
        hit = self._longest(toks, self.aliases, raw)
        if not hit:
            return []
        key, i, j = hit
        left = self._all_hits(toks[:i], raw)
        right = [(k, a + j, b + j) for k, a, b in self._all_hits(toks[j:], raw)]
        return [hit] + sorted(left + right, key=lambda h: h[1])

    def _resolve(self, e: Entry, era_ix: int | None, country: str | None, date: dt.date | None, why: str) -> ActorMatch:
        notes, assoc, matched = [why], "", e.name
        if e.parent and e.parent_period and date and not e.parent_period.covers(date):
            notes.append(f"not part of {e.parent!r} on {date}")
        elif e.parent:
            assoc = self._era(e, era_ix, date)[0]
            e, era_ix = self.entries[e.parent], None
            notes.append(f"a named sub-group of {e.name!r}: actor {e.name!r}, assoc_actor {assoc!r}")
        if country and (e.name, fold(country)) in self.variants:
            e, era_ix = self.entries[self.variants[(e.name, fold(country))]], None
            notes.append(f"event in {country}: its branch there is {e.name!r}")
        name, inter, era_why = self._era(e, era_ix, date)
        if era_why:
            notes.append(era_why)
        inter, code_why = self._abroad(e, inter, country)
        notes.append(code_why)
        return ActorMatch(name, inter, "; ".join(n for n in notes if n), assoc, matched)

    @staticmethod
    def _era(e: Entry, era_ix: int | None, date: dt.date | None) -> tuple[str, int, str]:
        """(name, home code, reason) of the entry on the event date."""
        if len(e.eras) == 1:
            era, why = e.eras[0], ""
        elif era_ix is not None:
            era, why = e.eras[era_ix], f"the alias belongs to the name {e.eras[era_ix].name!r}"
        elif date is None:
            era, why = e.eras[0], f"no event date: the dictionary's first name {e.eras[0].name!r}"
        else:
            era = next((x for x in e.eras if x.covers(date)), None)
            why = f"name valid on {date}: {era.name!r}" if era else \
                f"no listed name covers {date}: the dictionary's first name {e.eras[0].name!r}"
            era = era or e.eras[0]
        return era.name, era.inter or e.inter, why

    @staticmethod
    def _abroad(e: Entry, inter: int, country: str | None) -> tuple[int, str]:
        """Code 8 rule: state forces acting outside their home country are external forces."""
        abroad = e.abroad_inter or (8 if inter == 1 else inter)
        if not e.country or abroad == inter:
            return inter, f"code {inter}"
        if country:
            if fold(country) == fold(e.country):
                return inter, f"code {inter}: acting in its home country {e.country}"
            return abroad, f"code {abroad}: forces of {e.country} acting in {country} (code {inter} at home)"
        if e.assume_abroad:
            return abroad, f"code {abroad}: event country unknown and forces of {e.country} are listed as usually acting abroad"
        return inter, f"code {inter}: event country unknown, home code of {e.country} kept"

    def _generic(self, text: str, name: str, toks: list[str], country, date) -> ActorMatch:
        """No alias: a generic word gives the code; an unnamed group gets ACLED's name for it in the event country."""
        covered, best = set(), None
        i = 0
        while i < len(toks):
            hit = self._longest(toks[i:], self.generic)
            if not hit:
                break
            key, a, b = hit
            covered |= set(range(i + a, i + b))
            if best is None or len(key) > len(best):
                best = key
            i += b
        if best is None:
            return ActorMatch(name, 0, f"{text!r} not in the actor dictionary and no generic word: kept as written, code unknown (0)")
        g = self.generic[best]
        numbers = {fold(w) for ws in lexicon()["number_words"].values() for w in ws}
        named = [t for k, t in enumerate(toks) if k not in covered and t not in self.qualifiers
                 and t not in numbers and not t.replace(",", "").isdigit()]
        base = f"{text!r} not in the actor dictionary; generic word {self.generic_text[best]!r} ({g['label']}, code {g['inter']})"
        if not named and country:
            if g.get("name"):
                acled = g["name"].format(country=country)
                return ActorMatch(acled, g["inter"], f"{base} and no group named: {acled!r} in the event country")
            if g.get("kind"):
                state = next((e for e in self.entries.values() if e.kind == g["kind"] and fold(e.country) == fold(country)), None)
                if state:
                    n, inter, era_why = self._era(state, None, date)
                    return ActorMatch(n, inter, "; ".join(x for x in (f"{base}: the {g['kind']} of the event country {country} is {n!r}",
                                                                        era_why, f"code {inter}: acting at home") if x), "", state.name)
        if named:
            why = f"{base}: kept as written because it names something else ({' '.join(named)!r})"
        else:
            why = f"{base}: event country unknown, so kept as written"
        return ActorMatch(name, g["inter"], why)

    def unidentified_actor(self, country: str | None, event_class: str | None) -> ActorMatch | None:
        """ACLED's 'Unidentified Armed Group (Country)' for a violent event that names no perpetrator."""
        u = self.unidentified
        if event_class not in u["classes"]:
            return None
        if not country:
            return ActorMatch("", 0, f"no actor named for this {event_class} event and the event country is unknown, so no "
                                     f"{u['name']!r} can be given")
        n = u["name"].format(country=country)
        return ActorMatch(n, u["inter"], f"no actor named for this {event_class} event: {n!r} (code {u['inter']})")


def _user_files() -> list[str]:
    return [p for p in os.environ.get("EVENTX_ACTORS", "").split(os.pathsep) if p.strip()]


@lru_cache(maxsize=8)
def _load(user_files: tuple[str, ...]) -> ActorDictionary:
    sources = []
    for p in user_files:
        path = Path(p)
        if not path.is_file():
            raise ActorDictionaryError(f"EVENTX_ACTORS: {p}: no such file")
        try:
            sources.append((str(path), json.loads(path.read_text(encoding="utf-8"))))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ActorDictionaryError(f"EVENTX_ACTORS: {p}: not valid UTF-8 JSON ({e})") from None
    sources.append(("schemas/actors.json", json.loads(data_file("actors.json").read_text(encoding="utf-8"))))
    return ActorDictionary(sources)


def dictionary() -> ActorDictionary:
    """The shipped dictionary plus the EVENTX_ACTORS files (re-read when the variable changes)."""
    return _load(tuple(_user_files()))


def match(text: str, *, country: str | None = None, date=None) -> ActorMatch:
    """The actor an actor span names (see ``ActorDictionary.match``)."""
    return dictionary().match(text, country=country, date=date)


def match_actor(text: str, country: str | None = None, date=None) -> tuple[str, int, str]:
    """(ACLED actor name, inter code, reason) for an actor span."""
    m = match(text, country=country, date=date)
    return m.name, m.inter, m.reason


def unidentified(country: str | None, event_class: str | None) -> ActorMatch | None:
    return dictionary().unidentified_actor(country, event_class)


def actor_fields(spans: Mapping[str, Sequence[str]], *, country: str | None = None, date=None,
                 event_class: str | None = None) -> tuple[dict, dict]:
    """Record fields (actorN, interN, assoc_actor_N) and their reasons from the actor spans of one event.

    The first span of a slot is the actor; the other spans of the slot and a matched sub-group are its
    associated actors. A violent event with no actor1 gets 'Unidentified Armed Group (Country)'.
    """
    fields: dict = {}
    reasons: dict = {}
    for n, slot in ((1, "actor1"), (2, "actor2")):
        texts = list(spans.get(slot) or [])
        if texts:
            m = match(texts[0], country=country, date=date)
            if n == 2 and len(texts) == 1 and not m.assoc and m.name and m.name == fields.get("actor1"):
                # One group given both roles is a tagging slip far more often than an intra-group event;
                # a named sub-group (assoc actor) on the other side is kept.
                reasons[slot] = f"{texts[0]!r} resolves to actor1 ({m.name!r}) again: actor2 left empty"
                continue
            others = [match(t, country=country, date=date) for t in texts[1:]]
            assoc = [x for x in dict.fromkeys([m.assoc] + [y for o in others for y in (o.name, o.assoc)]) if x and x != m.name]
            fields[slot], fields[f"inter{n}"] = m.name, m.inter
            if assoc:
                fields[f"assoc_actor_{n}"] = "; ".join(assoc)
            reasons[slot] = m.reason + "".join(f"; also {t!r}: {o.reason}" for t, o in zip(texts[1:], others))
        elif n == 1:
            u = unidentified(country, event_class)
            if u is not None:
                if u.name:
                    fields[slot], fields[f"inter{n}"] = u.name, u.inter
                reasons[slot] = u.reason
    return fields, reasons
