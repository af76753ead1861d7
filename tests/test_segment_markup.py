import pytest

from eventx.segment import MAX_WORDS, split_sentences, word_spans
from training.markup import MarkupError, parse, render
from eventx.taxonomy import CLASSES, ROLES

C, R = set(CLASSES), set(ROLES)


@pytest.mark.parametrize("text,n", [
    ("قصفت الطائرات إدلب. وقتل ثلاثة مدنيين! هل انتهى؟ نعم", 4),
    ("نیروها وارد شهر شدند. درگیری ادامه دارد؟ بله", 3),
    ("U.S. forces hit Raqqa on Monday. Dr. Smith said 3 died.", 2),
    ("عنوان الخبر\n\nالفقرة الأولى. الفقرة الثانية", 3),
])
def test_sentences_keep_offsets(text, n):
    ss = split_sentences(text)
    assert len(ss) == n
    assert all(text[s.start:s.end] == s.text for s in ss)


def test_long_unpunctuated_run_is_cut_not_kept_whole():
    text = " ".join(["كلمة"] * (MAX_WORDS * 3))
    ss = split_sentences(text)
    assert len(ss) >= 3 and all(len(s.text.split()) <= MAX_WORDS for s in ss)
    assert "".join(text[s.start:s.end] for s in ss).replace(" ", "") == text.replace(" ", "")


def test_words_keep_clitics_zwnj_and_diacritics():
    for w in ["وبالجيش", "نیروهای\u200cمسلح", "مُقَاتِلُونَ", "می\u200cشوند"]:
        assert [(0, len(w))] == word_spans(w)
    assert [("الجيش"), ("،")] == ["الجيش،"[a:b] for a, b in word_spans("الجيش،")]


def test_markup_round_trip_multi_event():
    m = "[airstrike#1 غارات] على [place#1 سراقب] و[clash#2 اشتباكات] بين [actor1#1|actor1#2 الجيش] في [place#2 النيرب]"
    p = parse(m, classes=C, roles=R)
    assert p.text == "غارات على سراقب واشتباكات بين الجيش في النيرب"
    assert [t["class"] for t in p.triggers] == ["airstrike", "clash"]
    owners = {(a["role"], a["text"], a["trigger"]) for a in p.arguments}
    assert ("place", "سراقب", "T1") in owners and ("place", "النيرب", "T2") in owners
    assert ("actor1", "الجيش", "T1") in owners and ("actor1", "الجيش", "T2") in owners
    for t in p.triggers + p.arguments:
        assert p.text[t["start"]:t["end"]] == t["text"]
    assert parse(render(p.text, p.triggers, p.arguments), classes=C, roles=R).arguments == p.arguments


@pytest.mark.parametrize("bad,msg", [
    ("[clash a] [clash b]", "several triggers"), ("[actor1 x]", "no trigger"), ("[foo x]", "unknown label"),
    ("[clash x", "not closed"), ("[clash#1 a] [airstrike#2 b] [place c]", "needs #k"),
    ("[clash#1 a] [place#3 b]", "no trigger"), ("[clash  x]", "spaces"),
])
def test_markup_errors(bad, msg):
    with pytest.raises(MarkupError, match=msg):
        parse(bad, classes=C, roles=R)


def test_markup_must_reproduce_source():
    with pytest.raises(MarkupError, match="differs"):
        parse("[clash اشتباكات] عنيفه", classes=C, roles=R, source="اشتباكات عنيفة")
