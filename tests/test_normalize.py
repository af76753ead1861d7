"""Normalization on real-style sentences in all three languages (not the seed articles)."""
import datetime as dt

import pytest

from eventx.normalize import clean_name, count_fatalities, resolve_date
from eventx.pipeline import match_actor

PUB = dt.date(2015, 7, 21)  # a Tuesday


@pytest.mark.parametrize("expr,want,prec", [
    ("أمس", dt.date(2015, 7, 20), 1), ("فجر اليوم", PUB, 1), ("يوم الأحد", dt.date(2015, 7, 19), 1),
    ("الثلاثاء", PUB, 1), ("14 تموز", dt.date(2015, 7, 14), 1), ("١٤ يوليو", dt.date(2015, 7, 14), 1),
    ("3 كانون الأول", dt.date(2014, 12, 3), 1), ("دیروز", dt.date(2015, 7, 20), 1),
    ("روز یکشنبه", dt.date(2015, 7, 19), 1), ("۲۸ تیر ۱۳۹۴", dt.date(2015, 7, 19), 1),
    ("۱۰ شهریور ۱۴۰۲", dt.date(2023, 9, 1), 1), ("yesterday", dt.date(2015, 7, 20), 1),
    ("on Monday", dt.date(2015, 7, 20), 1), ("12 March 2014", dt.date(2014, 3, 12), 1),
    ("الأسبوع الماضي", PUB, 2), ("in recent days", PUB, 2), ("earlier this month", PUB, 3),
    ("5 شوال 1436", dt.date(2015, 7, 21), 1),
])
def test_dates(expr, want, prec):
    got, p, why = resolve_date(expr, PUB)
    assert (got, p) == (want, prec), why
    assert why


def test_no_date_uses_publication_week_precision_and_says_so():
    d, p, why = resolve_date(None, PUB)
    assert (d, p) == (PUB, 2) and "publication" in why


def test_no_date_and_no_publication_is_empty_never_today():
    d, p, why = resolve_date(None, None)
    assert d is None and "unknown" in why
    d, p, why = resolve_date("أمس", None)
    assert d is None


@pytest.mark.parametrize("spans,n", [
    (["43"], 43), (["٤٣"], 43), (["۴۳"], 43), (["ثلاثة"], 3), (["سه"], 3), (["three"], 3),
    (["العشرات"], 10), (["dozens"], 12), (["hundreds"], 100), (["12", "9"], 9), ([], 0),
])
def test_fatalities(spans, n):
    got, why = count_fatalities(spans)
    assert got == n, why


@pytest.mark.parametrize("text,name,code", [
    ("الميليشيات الحوثية", "Houthi Movement", 2), ("والحوثيين", "Houthi Movement", 2),
    ("طائرات التحالف", "Operation Restoring Hope", 8), ("نیروهای آمریکایی", "Military Forces of the United States (2021-)", 8),
    ("نيروهاي آمريكايي", "Military Forces of the United States (2021-)", 8), ("Syrian regime forces", "Military Forces of Syria (2000-2024)", 1),
    ("«هيئة تحرير الشام»", "HTS: Hayat Tahrir al-Sham", 2),
])
def test_actor_dictionary(text, name, code):
    got, inter, why = match_actor(text)
    assert (got, inter) == (name, code), why


def test_unknown_actor_keeps_surface_text_with_generic_code():
    name, code, why = match_actor("مدنيين عزل")
    assert name == "مدنيين عزل" and code == 7 and "not in the actor dictionary" in why
    name, code, why = match_actor("Zorgonian brigade")
    assert code == 0 and name == "Zorgonian brigade"


def test_clean_name_strips_clitics_and_quotes():
    assert clean_name("وبالجيش")[0] == "الجيش"
    assert clean_name("«المقاومة الشعبية»")[0] == "المقاومة الشعبية"
    assert clean_name("Raqqa")[0] == "Raqqa"
