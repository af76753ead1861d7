"""Language identification (py3langid), with a script check that keeps Persian apart from Arabic."""
from __future__ import annotations

import re

__all__ = ["SUPPORTED", "detect_language", "UnsupportedLanguage"]

SUPPORTED = ("ar", "fa", "en")
_PERSIAN_ONLY = re.compile(r"[پچژگ]|[یک](?=\s|$)|\u200c")
_ARABIC_ONLY = re.compile(r"[ةىأإؤ]|ال")


class UnsupportedLanguage(ValueError):
    pass


def _classify(text: str) -> tuple[str, float]:
    import py3langid
    code, score = py3langid.classify(text)
    return code, float(score)


def detect_language(text: str) -> tuple[str, str]:
    """(ISO 639-1 code, reason). Arabic-script text is split ar/fa by letters only Persian uses."""
    sample = text[:5000]
    code, prob = _classify(sample)
    if code in ("ar", "fa", "ur", "ps", "ku", "ckb"):
        fa = len(_PERSIAN_ONLY.findall(sample))
        ar = len(_ARABIC_ONLY.findall(sample))
        if fa or ar:
            code2 = "fa" if fa > ar * 0.5 else "ar"
            return code2, f"py3langid said {code} ({prob:.1f}); Persian-only letters {fa}, Arabic-only forms {ar} -> {code2}"
    return code, f"py3langid: {code} (score {prob:.1f})"
