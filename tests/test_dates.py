"""Date resolution on time expressions as annotated in real sentences of the eventx corpus and the
English sources (record ids in comments), against hand-computed answers."""
import datetime as dt

import pytest

from eventx.normalize import resolve_date

D = dt.date

CASES = [
    # Arabic, SaudiNewsNet (training/data/ar), published date from the article
    ("الجمعة", D(2015, 8, 1), D(2015, 7, 31), 1),                  # ar:snn-f4514e38dc3f:008
    ("السادس والعشرين من مارس", D(2015, 8, 7), D(2015, 3, 26), 1),  # ar:snn-418d1834d0a7:002, ordinal day in words
    ("مساء أول من أمس", D(2015, 7, 27), D(2015, 7, 25), 1),         # ar:snn-fcac451592c6:004, day before yesterday
    ("الليلة الماضية", D(2015, 7, 24), D(2015, 7, 23), 1),          # ar:snn-7cd07d26c6cd:011, last night
    ("الخميس", D(2015, 8, 8), D(2015, 8, 6), 1),                   # ar:snn-245c0f5d923e:011
    ("سبتمبر الماضي", D(2015, 7, 27), D(2014, 9, 1), 3),            # ar:snn-af11ac0d22fa:006, month only
    ("الأسبوع الماضي", D(2015, 7, 21), D(2015, 7, 21), 2),          # ar:snn-5dec497e6f74:002
    # Persian, FarsNews / Radio Farda (training/data/fa); publication dates chosen for the test
    ("روز دوشنبه ۲۰ اردیبهشت ماه", D(2016, 5, 10), D(2016, 5, 9), 1),  # fa:fars-9f37893eec89:011
    ("هفت مهر سال 1359", D(2016, 5, 10), D(1980, 9, 29), 1),        # fa:fars-64249d7e04dd:002, day in words
    ("روز 2 مرداد سال جاری", D(2016, 8, 1), D(2016, 7, 23), 1),      # fa:fars-2e434a1f4208:003
    ("تیرماه سال ۹۷", D(2019, 1, 1), D(2018, 6, 22), 3),             # fa:radiofarda-0233:006, two-digit year
    ("روز گذشته", D(2016, 5, 10), D(2016, 5, 9), 1),                # fa:fars-a321857dc609:005
    ("روز 13 ژانويه", D(2016, 5, 10), D(2016, 1, 13), 1),           # fa:fars-32a9f141073c:002
    # English, M2E2 and WikiEvents sentences
    ("on Friday", D(2017, 1, 21), D(2017, 1, 20), 1),   # "...protests in Europe and Asia on Friday against the inauguration"
    ("on Tuesday", D(2014, 12, 17), D(2014, 12, 16), 1),  # "...Taliban school massacre in Pakistan on Tuesday"
    ("last week", D(2016, 7, 12), D(2016, 7, 12), 2),   # "...five police officers shot in Dallas last week"
]


@pytest.mark.parametrize("text,published,want,precision", CASES)
def test_real_time_expressions(text, published, want, precision):
    got, prec, why = resolve_date(text, published)
    assert (got, prec) == (want, precision), why
    assert text in why or "week" in why


def test_month_only_without_publication_needs_a_year():
    got, prec, why = resolve_date("سبتمبر الماضي", None)
    assert got is None and "unknown" in why
    got, prec, _ = resolve_date("آذار 2013", None)
    assert (got, prec) == (D(2013, 3, 1), 3)


def test_weekday_words_are_not_read_as_day_numbers():
    # "سه" is 3 in Persian but "سه شنبه" is Tuesday: the weekday must win
    got, prec, why = resolve_date("روز سه شنبه", D(2015, 7, 23))
    assert (got, prec) == (D(2015, 7, 21), 1), why


def test_fatality_spans_of_the_real_corpus_parse():
    """Every fatalities span annotated in real Arabic and Persian news reads as a positive count."""
    from eventx.normalize import count_fatalities
    from training.corpus import load_corpus
    spans = {lang: [r["text"][a["start"]:a["end"]] for r in load_corpus() if r["lang"] == lang
                    and r.get("origin", "real") == "real" for a in r["arguments"] if a["role"] == "fatalities"]
             for lang in ("ar", "fa")}
    for lang, xs in spans.items():
        bad = [x for x in xs if count_fatalities([x])[0] <= 0]
        assert len(xs) > 40 and len(bad) <= 0.05 * len(xs), (lang, bad[:10])


@pytest.mark.parametrize("spans,n", [
    (["عشرين"], 20),           # ar:snn-7cd07d26c6cd:005
    (["ثمانية"], 8),           # ar:snn-64ed5dd404dc:011
    (["العشرات"], 10),         # ar:snn-0a8f852b9c80:003, "tens" = 10 (ACLED)
    (["يك"], 1),               # fa:fars-c701f6d9a07b:000, Arabic-script ي/ك
    (["۴۰"], 40),              # fa:hamshahri-2027:001
    (["at least 141"], 141),   # WikiEvents: "massacre in Pakistan on Tuesday that left at least 141 people dead"
    (["12", "9"], 9),          # two reports of one event: the most conservative
])
def test_real_fatality_spans(spans, n):
    from eventx.normalize import count_fatalities
    got, why = count_fatalities(spans)
    assert got == n, why


def test_compound_number_words_are_not_read_by_their_first_word():
    from eventx.normalize import count_fatalities
    assert count_fatalities(["أحد عشر شخصا"])[0] == 11
    assert count_fatalities(["اثني عشر مدنيا"])[0] == 12
    assert count_fatalities(["أحد الجنود"])[0] == 1
