"""Split text into sentences and words, keeping character offsets into the original text.

Offsets always point into the text as given: nothing here rewrites characters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Sentence", "split_sentences", "word_spans", "MAX_WORDS"]

# Arabic diacritics (harakat, superscript alef) and ZWNJ/ZWJ belong inside words:
# Python's \w does not match combining marks, and Persian joins compounds with ZWNJ.
_WORD = re.compile(r"[\w\u064B-\u065F\u0670\u06D6-\u06ED\u200C\u200D]+", re.UNICODE)
_TOKEN = re.compile(r"[\w\u064B-\u065F\u0670\u06D6-\u06ED\u200C\u200D]+|[^\s]", re.UNICODE)

# Sentence ends: Latin and Arabic full stop / question / exclamation marks, and the
# Arabic full stop U+06D4. A break needs whitespace after the mark.
_END = re.compile(r"([.!?؟۔…]+[\"'”»)\]]*)(\s+)")
# Latin abbreviations that end in a period but do not end a sentence.
_ABBREV = {"mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "sgt", "st", "jan", "feb",
           "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "vs",
           "u.s", "u.n", "u.k", "e.g", "i.e", "etc", "approx", "inc", "co", "corp", "jr", "sr"}
# Sentences longer than this many words are cut at the clause mark nearest the middle
# (، ؛ ; ,) so that no unpunctuated run becomes one giant "sentence".
MAX_WORDS = 80
_CLAUSE = re.compile(r"[،؛;,:]\s+|\s+(?=و\S)")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def word_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the words and punctuation marks in ``text[start:end]``.

    A word is a run of letters, digits, combining marks and ZWNJ (so Persian
    compounds such as ``نیروهای‌مسلح`` and Arabic words with clitics such as
    ``وبالجيش`` stay one word); every other non-space character is its own token.
    """
    end = len(text) if end is None else end
    return [(m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]


def _is_abbrev(text: str, dot: int) -> bool:
    m = re.search(r"([A-Za-z][A-Za-z.]*)$", text[max(0, dot - 12):dot])
    if not m:
        return False
    w = m.group(1).lower().rstrip(".")
    return w in _ABBREV or len(w) == 1


def _cut_long(text: str, s: int, e: int) -> list[tuple[int, int]]:
    words = _WORD.findall(text[s:e])
    if len(words) <= MAX_WORDS:
        return [(s, e)]
    mid = s + (e - s) // 2
    cuts = [m.end() for m in _CLAUSE.finditer(text, s, e) if s < m.end() < e]
    if not cuts:  # no clause mark at all: cut at the space nearest the middle
        cuts = [m.end() for m in re.finditer(r"\s+", text[s:e])]
        cuts = [s + c for c in cuts]
    if not cuts:
        return [(s, e)]
    cut = min(cuts, key=lambda c: abs(c - mid))
    return _cut_long(text, s, cut) + _cut_long(text, cut, e)


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences; each keeps its offsets into ``text``.

    Lines are never joined (news paragraphs end in newlines); inside a line the
    split is after ``. ! ? ؟ …`` followed by whitespace, except after Latin
    abbreviations; over-long sentences are cut at clause marks.
    """
    out: list[Sentence] = []
    for line in re.finditer(r"[^\n]+", text):
        ls, le = line.start(), line.end()
        pieces, cur = [], ls
        for m in _END.finditer(text, ls, le):
            if m.group(1).startswith(".") and len(m.group(1)) == 1 and _is_abbrev(text, m.start(1)):
                continue
            pieces.append((cur, m.end(1)))
            cur = m.end()
        pieces.append((cur, le))
        for s, e in pieces:
            for s2, e2 in _cut_long(text, s, e):
                # trim whitespace at both ends, keep offsets exact
                while s2 < e2 and text[s2].isspace():
                    s2 += 1
                while e2 > s2 and text[e2 - 1].isspace():
                    e2 -= 1
                if e2 > s2 and _WORD.search(text, s2, e2):
                    out.append(Sentence(s2, e2, text[s2:e2]))
    return out
