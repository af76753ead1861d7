"""From tagged spans to ACLED field values. Every function returns ``(value, reason)``.

Dates are resolved here (``resolve_date``), fatalities counted (``count_fatalities``), actor and
place names cleaned (``clean_name``); the word lists live in ``schemas/lexicon.json``.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from functools import lru_cache

from eventx.taxonomy import data_file

__all__ = ["fold", "to_ascii_digits", "resolve_date", "count_fatalities", "clean_name", "lexicon"]

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_MARKS = re.compile(r"[\u064B-\u065F\u0670\u0640\u200c\u200d\u200e\u200f]")


@lru_cache(maxsize=1)
def lexicon() -> dict:
    return json.loads(data_file("lexicon.json").read_text(encoding="utf-8"))


def to_ascii_digits(s: str) -> str:
    return s.translate(_DIGITS)


def fold(s: str) -> str:
    """Matching key: NFKC, ASCII digits, no diacritics/tatweel/ZWNJ, one form of alef, yeh, kaf, teh marbuta."""
    s = unicodedata.normalize("NFKC", s).translate(_DIGITS)
    s = _MARKS.sub(" ", s) if "\u200c" in s else _MARKS.sub("", s)
    s = re.sub("[إأآٱ]", "ا", s).replace("ي", "ی").replace("ى", "ی").replace("ك", "ک").replace("ة", "ه")
    return re.sub(r"\s+", " ", s).strip().lower()


@lru_cache(maxsize=1)
def _tables():
    lx = lexicon()
    months = {fold(w): int(m) for m, ws in lx["months"].items() for w in ws}
    weekdays = {fold(w): int(d) for d, ws in lx["weekdays"].items() for w in ws}
    rel_days = {fold(w): int(d) for d, ws in lx["relative_days"].items() for w in ws}
    weeks = [fold(w) for w in lx["relative_weeks"]]
    monthsrel = [fold(w) for w in lx["relative_months"]]
    pmonths = {fold(w): m for w, m in lx["persian_months"].items()}
    hmonths = {fold(w): m for w, m in lx["hijri_months"].items()}
    return months, weekdays, rel_days, weeks, monthsrel, pmonths, hmonths


@lru_cache(maxsize=1)
def _day_words() -> tuple[dict[str, int], str]:
    """Day numbers written as words ("السادس والعشرين", "هفت") and a regex alternative for them."""
    words = {fold(w): int(n) for n, ws in lexicon()["day_words"].items() for w in ws}
    alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return words, alt


def _year(y: str | None, calendar: str) -> int | None:
    """A written year; two-digit Solar Hijri years ("سال ۹۷") are 13xx as Iranian press writes them."""
    if not y:
        return None
    n = int(y)
    return n + 1300 if calendar == "persian" and n < 100 else n


@lru_cache(maxsize=16)
def _month_patterns(names: tuple[str, ...]) -> list[tuple[str, re.Pattern, re.Pattern, re.Pattern]]:
    """Per month name, longest first: 'D MONTH [YEAR]', 'MONTH D[, YEAR]' and 'MONTH [YEAR]' (compiled once)."""
    day = rf"(\d{{1,2}}|{_day_words()[1]})"
    year = r"(?:\s+(?:عام\s+|سنة\s+|سال\s+|,\s*)?(\d{4}|\d{2}(?=\s|$)))?"
    out = []
    for name in sorted(names, key=len, reverse=True):
        mon = rf"{re.escape(name)}(?:\s*ماه)?"  # Persian writes "تیرماه" / "تیر ماه"
        out.append((name, re.compile(rf"(?:^|\s){day}\s+(?:من\s+)?(?:شهر\s+)?{mon}{year}(?:\s|$)"),
                    re.compile(rf"(?:^|\s){mon}\s+(\d{{1,2}})(?:,?\s+(\d{{4}}))?(?:\s|$)"),
                    re.compile(rf"(?:^|\s){mon}{year}(?:\s|$)")))
    return out


def _month_day(s: str, names: dict[str, int], calendar: str = "gregorian"):
    """(day|None, month, year|None) from 'D MONTH [YEAR]', 'MONTH D[, YEAR]' or 'MONTH [YEAR]' with any of
    ``names``; the day may be digits or a word ("السادس والعشرين من مارس", "هفت مهر")."""
    dwords = _day_words()[0]
    for name, day_first, month_first, month_only in _month_patterns(tuple(names)):
        m = day_first.search(s)
        if m:
            d = m.group(1)
            return int(d) if d.isdigit() else dwords[d], names[name], _year(m.group(2), calendar)
        m = month_first.search(s)
        if m:
            return int(m.group(1)), names[name], _year(m.group(2), calendar)
        m = month_only.search(s)
        if m:
            return None, names[name], _year(m.group(1), calendar)
    return None


def _closest_past(published: dt.date, month: int, day: int, year: int | None) -> dt.date | None:
    try:
        if year:
            return dt.date(year, month, day)
        d = dt.date(published.year, month, day)
        return d if d <= published + dt.timedelta(days=2) else dt.date(published.year - 1, month, day)
    except ValueError:
        return None


def resolve_date(text: str | None, published: dt.date | None) -> tuple[dt.date | None, int, str]:
    """(event_date, time_precision, reason) for a time expression and the publication date.

    Weekdays resolve to the most recent such day on or before publication; with no usable
    expression the publication date is used with precision 2; with neither, no date.
    """
    months, weekdays, rel_days, weeks, monthsrel, pmonths, hmonths = _tables()
    s = fold(text or "")
    if s:
        md = _month_day(s, pmonths, "persian")
        if md:
            import jdatetime
            day, month, year = md
            pub_j = jdatetime.date.fromgregorian(date=published) if published else None
            y = year or (pub_j.year if pub_j else None)
            if y:
                try:
                    g = jdatetime.date(y, month, day or 1).togregorian()
                    if not year and published and g > published + dt.timedelta(days=2):
                        g = jdatetime.date(y - 1, month, day or 1).togregorian()
                    if day is None:  # a month only: its first day, month precision (ACLED)
                        return g, 3, f"Solar Hijri month {month}/{y} in {text!r} (no day): first day, month precision"
                    return g, 1, f"Solar Hijri date {day}/{month}/{y} in {text!r} converted with jdatetime"
                except ValueError:
                    pass
        md = _month_day(s, hmonths, "hijri")
        if md and md[0] and md[2]:
            from hijridate import Hijri
            day, month, year = md
            try:
                g = Hijri(year, month, day).to_gregorian()
                return dt.date(g.year, g.month, g.day), 1, f"Hijri date {day}/{month}/{year} in {text!r} converted with hijridate"
            except (ValueError, OverflowError):
                pass
        md = _month_day(s, months)
        if md and md[0] is None and (md[2] or published):
            _, month, year = md
            y = year or (published.year if (published.month >= month) else published.year - 1)
            return dt.date(y, month, 1), 3, (f"month {month}/{y} in {text!r} (no day): first day, month precision"
                                             + ("" if year else f"; the most recent such month by publication {published}"))
        if md:
            day, month, year = md
            if year or published:
                d = _closest_past(published or dt.date(year, 1, 1), month, day, year)
                if d:
                    return d, 1, f"calendar date in {text!r}" + ("" if year else f", year from publication {published}")
        if published:
            for phrase in sorted(rel_days, key=len, reverse=True):
                if re.search(rf"(?:^|\s){re.escape(phrase)}(?:\s|$)", s):
                    return published + dt.timedelta(days=rel_days[phrase]), 1, f"{text!r} relative to publication {published}"
            for name in sorted(weekdays, key=len, reverse=True):
                if re.search(rf"(?:^|\s)(?:یوم\s+|روز\s+|on\s+|last\s+)?{re.escape(name)}(?:\s|$)", s):
                    back = (published.weekday() - weekdays[name]) % 7
                    return (published - dt.timedelta(days=back), 1,
                            f"weekday in {text!r}: most recent on or before publication {published}")
            if any(w in s for w in weeks):
                return published, 2, f"{text!r} names the past week: publication date with week precision"
            if any(w in s for w in monthsrel):
                return published, 3, f"{text!r} names the month: publication date with month precision"
            import dateparser
            got = dateparser.parse(to_ascii_digits(text), settings={"RELATIVE_BASE": dt.datetime.combine(published, dt.time()),
                                                                     "PREFER_DATES_FROM": "past", "STRICT_PARSING": False})
            if got and abs((got.date() - published).days) < 3660:
                return got.date(), 1, f"{text!r} parsed by dateparser relative to publication {published}"
    if published:
        why = f"time expression {text!r} not understood" if text else "no date stated"
        return published, 2, f"{why}: publication date {published} with week precision (ACLED practice)"
    why = f"time expression {text!r} not understood" if text else "no date stated"
    return None, 3, f"{why} and publication date unknown: event_date left empty"


@lru_cache(maxsize=1)
def _number_tables():
    """Folded number words, multi-word number phrases and vague quantities; phrases longest first."""
    lx = lexicon()
    words = {fold(w): int(n) for n, ws in lx["number_words"].items() for w in ws}
    phrases = sorted(((w, n) for w, n in words.items() if " " in w), key=lambda x: -len(x[0]))
    vague = sorted(((fold(w), int(n)) for n, ws in lx["vague_quantities"].items() for w in ws), key=lambda x: -len(x[0]))
    return words, phrases, vague


def count_fatalities(texts: list[str]) -> tuple[int, str]:
    """The most conservative (smallest) count of killed among the fatality spans."""
    words, phrases, vague = _number_tables()
    found = []
    for t in texts:
        s = fold(t)
        m = re.search(r"\d[\d,\.]*", s)
        if m:
            try:
                found.append((int(float(m.group().replace(",", ""))), f"{t!r} is the number {m.group()}"))
                continue
            except ValueError:
                pass
        hit = next((n for w, n in vague if w in s), None)
        if hit is not None:
            found.append((hit, f"{t!r} is a vague quantity coded {hit} per ACLED practice"))
            continue
        # multi-word numbers first ("أحد عشر" is 11, not the "one" of its first word)
        phrase = next((n for w, n in phrases if f" {w} " in f" {s} "), None)
        if phrase is not None:
            found.append((phrase, f"{t!r} is the number phrase for {phrase}"))
            continue
        toks = re.sub(r"^(و|ال)", "", s).split()
        for tok in toks:
            for cand in (tok, re.sub(r"^(و|ب|ل)", "", tok)):
                if cand in words:
                    found.append((words[cand], f"{t!r} is the number word {cand!r}"))
                    break
            else:
                continue
            break
    if not found:
        return 0, "no count of killed stated" if not texts else f"fatality spans {texts!r} hold no number"
    n, why = min(found)
    return n, why + (" (smallest of several reported figures)" if len(found) > 1 else "")


# Clitics glued to the first word of an Arabic name: و/ف (and), ب/ل/ك (in, for, like) before the article,
# and ل + ال written لل. Before the article they are unambiguous; a bare و/ف needs the checks in clean_name.
_CLITIC_ART = re.compile(r"^(?:و|ف)?(?:ب|ل|ك|ک)?(?=ال\S{2,})")
_CLITIC_LIL = re.compile(r"^(?:و|ف)?لل(?=\S{2,})")
_PERSIAN_LETTERS = re.compile("[\u067E\u0686\u0698\u06AF\u06A9\u06CC]")  # پ چ ژ گ ک ی: Persian never glues و


@lru_cache(maxsize=1)
def _waw_words() -> frozenset[str]:
    return frozenset(fold(w) for w in json.loads(data_file("name_words.json").read_text(encoding="utf-8"))["waw_initial_words"])


def clean_name(text: str, known=None) -> tuple[str, str]:
    """A name as it should appear in a record: quotes, brackets and glued conjunctions/prepositions removed.

    ``known`` (optional) says whether a string is a known name (e.g. an actor alias). The name is tried as
    is first: a known name, or one whose first word is a word that starts with و (واشنطن, وزارة, from
    ``schemas/name_words.json``), is kept. A bare leading و is removed only when the rest is a known name,
    or the rest is an Arabic word of 3+ letters; a bare ف only when the rest is a known name.
    """
    s = text.strip().strip("«»\"'“”‘’()[]،,.:؛").strip()
    if not s or not re.match(r"[\u0600-\u06FF]", s):
        return (s, f"surface text {text!r} cleaned to {s!r}") if s != text else (s, "surface text")
    is_known = known or (lambda _x: False)
    first = s.split()[0]
    if is_known(s):
        t, why = s, "a known name"
    elif fold(first) in _waw_words():
        t, why = s, f"{first!r} is a word that starts with و, not the conjunction"
    elif _CLITIC_LIL.match(s):
        t, why = "ال" + _CLITIC_LIL.sub("", s), "لل is ل + the article"
    elif _CLITIC_ART.match(s) and _CLITIC_ART.match(s).end():
        t, why = _CLITIC_ART.sub("", s), "clitics before the article removed"
    elif first[0] in "وف" and len(first) > 1 and is_known(s[1:]):
        t, why = s[1:], f"leading {first[0]} removed: {s[1:]!r} is a known name"
    elif first[0] == "و" and len(first) >= 4 and not _PERSIAN_LETTERS.search(first):
        t, why = s[1:], "leading conjunction و removed"
    else:
        t, why = s, ""
    if t != text:
        return t, f"surface text {text!r} cleaned to {t!r}" + (f" ({why})" if why and t != s else "")
    return t, "surface text" + (f" ({why})" if why else "")
