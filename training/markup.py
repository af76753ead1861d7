"""Inline annotation markup -> character-offset spans.

Annotators never count offsets. They copy a sentence and wrap spans in brackets:

    [clash اشتباكات] عنيفة بين [actor1 الجيش] و[actor2 المسلحين] في [place إدلب]

A bracket opens with one or more labels separated by ``|``, a space, then the
span text, then ``]``. A label is a class (``clash``) or a role (``actor1``),
optionally with ``#k`` tying it to event k when the sentence holds several events:

    [airstrike#1 غارات] على [place#1 سراقب] و[clash#2 اشتباكات] في [place#2 النيرب]
    [actor1#1|actor2#2 الجيش] ...      one span, two roles in two events
    [place#1,2 إدلب]                    one span, same role in events 1 and 2

Removing the markup must give back the source sentence exactly; ``parse`` checks it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["MarkupError", "Parsed", "parse", "render"]

_OPEN = re.compile(r"\[((?:[a-z_0-9]+(?:#[0-9]+(?:,[0-9]+)*)?)(?:\|[a-z_0-9]+(?:#[0-9]+(?:,[0-9]+)*)?)*) ")


class MarkupError(ValueError):
    """A markup line that cannot be converted; the message says where and why."""


@dataclass
class Parsed:
    text: str
    triggers: list[dict] = field(default_factory=list)   # {id, class, start, end, text}
    arguments: list[dict] = field(default_factory=list)  # {trigger, role, start, end, text}


def parse(marked: str, *, classes: set[str], roles: set[str], source: str | None = None) -> Parsed:
    """Parse one marked-up sentence. ``source``, when given, must equal the plain text."""
    plain: list[str] = []
    spans: list[tuple[list[str], int, int]] = []
    i = pos = 0
    while i < len(marked):
        m = _OPEN.match(marked, i) if marked[i] == "[" else None
        if m is None:
            plain.append(marked[i])
            i += 1
            pos += 1
            continue
        close = marked.find("]", m.end())
        nxt = marked.find("[", m.end())
        if close < 0 or (0 <= nxt < close and _OPEN.match(marked, nxt)):
            raise MarkupError(f"span opened at column {i} is not closed (nested or missing ']')")
        inner = marked[m.end():close]
        if not inner or inner != inner.strip():
            raise MarkupError(f"span at column {i} is empty or has spaces at its edges: {inner!r}")
        spans.append((m.group(1).split("|"), pos, pos + len(inner)))
        plain.append(inner)
        pos += len(inner)
        i = close + 1
    text = "".join(plain)
    if source is not None and text != source:
        k = next((j for j, (a, b) in enumerate(zip(text, source)) if a != b), min(len(text), len(source)))
        raise MarkupError(f"text differs from the source sentence at column {k}: "
                          f"got {text[max(0, k - 15):k + 15]!r}, expected {source[max(0, k - 15):k + 15]!r}")

    out = Parsed(text)
    trig_by_k: dict[int, str] = {}
    pending: list[tuple[str, list[int] | None, int, int]] = []
    for labels, s, e in spans:
        for lab in labels:
            name, _, ks = lab.partition("#")
            idx = [int(k) for k in ks.split(",")] if ks else None
            if name in classes:
                if idx is not None and len(idx) != 1:
                    raise MarkupError(f"trigger {lab!r} must carry one event number")
                k = idx[0] if idx else 0
                if k in trig_by_k:
                    raise MarkupError(f"two triggers numbered #{k}" if k else
                                      "several triggers: number them #1, #2 ... and tie each argument to one")
                tid = f"T{len(out.triggers) + 1}"
                trig_by_k[k] = tid
                out.triggers.append({"id": tid, "class": name, "start": s, "end": e, "text": text[s:e]})
            elif name in roles:
                pending.append((name, idx, s, e))
            else:
                raise MarkupError(f"unknown label {name!r} (classes: {sorted(classes)}; roles: {sorted(roles)})")
    if 0 in trig_by_k and len(trig_by_k) > 1:
        raise MarkupError("several triggers: number every one #1, #2 ...")
    for role, idx, s, e in pending:
        if not trig_by_k:
            raise MarkupError(f"argument [{role} {text[s:e]}] but no trigger in the sentence")
        if idx is None:
            if len(trig_by_k) > 1:
                raise MarkupError(f"argument [{role} {text[s:e]}] needs #k: the sentence has several events")
            idx = list(trig_by_k)
        for k in idx:
            if k not in trig_by_k:
                raise MarkupError(f"argument [{role}#{k} {text[s:e]}] points to event #{k}, which has no trigger")
            out.arguments.append({"trigger": trig_by_k[k], "role": role, "start": s, "end": e, "text": text[s:e]})
    return out


def render(text: str, triggers: list[dict], arguments: list[dict]) -> str:
    """Inverse of ``parse``: write a record back as markup (for review and diffs)."""
    multi = len(triggers) > 1
    num = {t["id"]: i + 1 for i, t in enumerate(triggers)}
    labels: dict[tuple[int, int], list[str]] = {}
    for t in triggers:
        labels.setdefault((t["start"], t["end"]), []).append(t["class"] + (f"#{num[t['id']]}" if multi else ""))
    for a in arguments:
        labels.setdefault((a["start"], a["end"]), []).append(a["role"] + (f"#{num[a['trigger']]}" if multi else ""))
    out, pos = [], 0
    for (s, e), labs in sorted(labels.items()):
        out.append(text[pos:s])
        out.append(f"[{'|'.join(labs)} {text[s:e]}]")
        pos = e
    out.append(text[pos:])
    return "".join(out)
