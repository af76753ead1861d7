"""The actor dictionary and the actor stage (issue #8), on real sentences from ../shared/data.

Sentences are quoted from SaudiNewsNet (CC BY-NC-SA 4.0, conflict_subset.jsonl, id given), FarsNews
(farsnews_all.jsonl.gz, id given), RAMS (CC BY-SA 4.0, doc_key prefix given) and re3d (source folder
and document id prefix given); the actor span is cut from the sentence as a tagger would return it.
"""
import datetime as dt
import json

import pytest

from eventx.actors import ActorDictionaryError, actor_fields, dictionary, match, _tokens
from eventx.normalize import clean_name
from eventx.taxonomy import data_file

RAW = json.loads(data_file("actors.json").read_text(encoding="utf-8"))
NINE = {"Syria", "Iraq", "Yemen", "Lebanon", "Israel", "Palestine", "Iran", "Turkey", "Afghanistan", "Libya"}


# ---- the data
def test_dictionary_has_150_actors_with_ar_fa_en_aliases_and_codes_1_to_8():
    actors = RAW["actors"]
    assert len(actors) >= 150
    assert len({a["name"] for a in actors}) == len(actors), "actor names repeat"
    for a in actors:
        assert a["inter"] in range(1, 9), a["name"]
        for lang in ("ar", "fa", "en"):
            assert a["aliases"].get(lang), f"{a['name']} has no {lang} alias"
        for e in a.get("eras", []):
            assert e.get("inter", 1) in range(1, 9), e["name"]
    assert NINE <= {a["country"] for a in actors}
    assert len(dictionary().entries) == len(actors)


def test_no_alias_maps_to_two_actors():
    seen: dict[str, str] = {}
    clashes = []
    for a in RAW["actors"]:
        forms = [a["name"]] + [w for ws in a["aliases"].values() for w in ws]
        forms += [w for e in a.get("eras", []) for ws in e.get("aliases", {}).values() for w in ws]
        for w in forms:
            key = " ".join(_tokens(w))
            if seen.setdefault(key, a["name"]) != a["name"]:
                clashes.append((w, seen[key], a["name"]))
    assert not clashes


def test_references_and_description():
    names = {a["name"] for a in RAW["actors"]}
    refs = [(a["name"], a[ref]) for a in RAW["actors"] for ref in ("parent", "variant_of") if a.get(ref)]
    assert len(refs) >= 40 and all(target in names for _, target in refs), refs
    assert "EVENTX_ACTORS" in RAW["description"] and "code 8" in RAW["description"].lower()


# ---- real sentences, three languages: (sentence, span, event country, date, actor, inter, assoc)
AR = [
    # snn-b06923e81b0f (Asharq al-Awsat, 2015-07-21)
    ("ارتكبت الميليشيات الحوثية مجزرة في مدينة عدن، جنوب اليمن، بعدما أمطرت ضاحية دار سعد شمال المدينة بصواريخ الكاتيوشا "
     "وقنابل الهاون مما أدى إلى مقتل 43 مدنيا على الأقل وإصابة 173.", "الميليشيات الحوثية", "Yemen", "2015-07-21",
     "Houthi Movement", 2, ""),
    ("ارتكبت الميليشيات الحوثية مجزرة في مدينة عدن، جنوب اليمن، بعدما أمطرت ضاحية دار سعد شمال المدينة بصواريخ الكاتيوشا "
     "وقنابل الهاون مما أدى إلى مقتل 43 مدنيا على الأقل وإصابة 173.", "43 مدنيا", "Yemen", "2015-07-21",
     "Civilians (Yemen)", 7, ""),
    ("وذكر مصدر عسكري آخر أن المقاتلين على الأرض استفادوا من دعم مقاتلات التحالف العربي الذي شن نحو 15 غارة على مواقع "
     "المتمردين الحوثيين في التواهي وكذلك في الضاحيتين الشمالية والشرقية لعدن.", "مقاتلات التحالف العربي", "Yemen",
     "2015-07-21", "Operation Restoring Hope", 8, ""),
    ("وذكر مصدر عسكري آخر أن المقاتلين على الأرض استفادوا من دعم مقاتلات التحالف العربي الذي شن نحو 15 غارة على مواقع "
     "المتمردين الحوثيين في التواهي وكذلك في الضاحيتين الشمالية والشرقية لعدن.", "المتمردين الحوثيين", "Yemen",
     "2015-07-21", "Houthi Movement", 2, ""),
    # snn-e507b97c6e03
    ("شهدت محافظتا إدلب وحلب في شمال سوريا مجزرتين في أول أيام عيد الفطر، نفذهما طيران النظام الحربي والمروحي.",
     "طيران النظام الحربي والمروحي", "Syria", "2015-07-17", "Military Forces of Syria (2000-2024)", 1, ""),
    # snn-7cd07d26c6cd: a PMF brigade -> PMF with the brigade as associated actor
    ("وفي التفاصيل، أفاد مصدر طبي عراقي في مستشفى سامراء بأن كتائب حزب الله المنضوية في الحشد الشعبي الشيعي فقدت 27 من "
     "عناصرها في بيجي العراقية.", "كتائب حزب الله", "Iraq", "2015-07-24",
     "PMF: Popular Mobilization Forces", 3, "Kataib Hezbollah"),
    # snn-5b1239e1ac1b
    ("وقتل تنظيم داعش 4 مدنيين، بينهم طفل وسيدتان، أما تنظيم جبهة النصرة فقد قتل طفلين.", "تنظيم داعش", "Syria",
     "2015-07-21", "Islamic State (Syria)", 2, ""),
    ("وقتل تنظيم داعش 4 مدنيين، بينهم طفل وسيدتان، أما تنظيم جبهة النصرة فقد قتل طفلين.", "تنظيم جبهة النصرة", "Syria",
     "2015-07-21", "Jabhat al-Nusra", 2, ""),
    # snn-2d3c1ad61672
    ("وعلى الصعيد نفسه، قال مصدر في قوات البيشمركة إن «قوات البيشمركة تمكنت من تدمير خمس عجلات مفخخة تعود لتنظيم داعش",
     "«قوات البيشمركة", "Iraq", "2015-07-21", "Peshmerga", 1, ""),
    # snn-ae129b587928: gendarmerie is a sub-group of Turkey's police
    ("كما شنت قوات الدرك التركية، فجر الجمعة، خمس عمليات أمنية متزامنة في العاصمة أنقرة، يشتبه بأنها تأوي عناصر تتبع "
     "حزب العمال الكردستاني نشاطه.", "قوات الدرك التركية", "Turkey", "2015-08-07", "Police Forces of Turkey (2016-)", 1,
     "Gendarmerie (Turkey)"),
    # snn-dd430d9d1d6a: before August 2021 the Taliban are a rebel group
    ("قتل ستة اشخاص اليوم (الخميس)، في عملية انتحارية نفذتها حركة طالبان واستهدفت الشرطة الافغانية في جنوب كابول",
     "حركة طالبان", "Afghanistan", "2015-08-06", "Taliban", 2, ""),
    ("قتل ستة اشخاص اليوم (الخميس)، في عملية انتحارية نفذتها حركة طالبان واستهدفت الشرطة الافغانية في جنوب كابول",
     "الشرطة الافغانية", "Afghanistan", "2015-08-06", "Police Forces of Afghanistan (2004-2021)", 1, ""),
    # snn-c767c923d2a5: ل glued to the name
    ("«إن انتحاريًا فجر نفسه في سيارة مفخخة مستهدفًا حاجزًا لوحدات حماية الشعب في جنوب كوباني»", "لوحدات حماية الشعب",
     "Syria", "2015-07-21", "SDF: Syrian Democratic Forces", 2, "YPG: People's Protection Units"),
    # snn-e723fed0b696: the branch named in the span itself
    ("إلى ذلك، أعلن فرع تنظيم داعش في اليمن أمس، مسؤوليته عن تفجير سيارة خارج مسجد المؤيد الذي يستخدمه الحوثيون في صنعاء",
     "فرع تنظيم داعش في اليمن", None, None, "Islamic State (Yemen)", 2, ""),
    # snn-ffdb5d4cf647
    ("واتخذت وحدات الجيش اللبناني التدابير الميدانية اللازمة وجرت اتصالات مع قوات اليونيفيل لمعالجة الوضع».",
     "قوات اليونيفيل", "Lebanon", "2015-07-22", "UNIFIL: United Nations Interim Force in Lebanon", 8, ""),
]
FA = [
    # fars-392cf6bfe3a5
    ("ولی پذیرش تحویل شهر به ارتش سوریه از سوی نیروهای دموکراتیک سوریه، این حمله را متوقف کرد».", "ارتش سوریه", "Syria",
     None, "Military Forces of Syria (2000-2024)", 1, ""),
    ("ولی پذیرش تحویل شهر به ارتش سوریه از سوی نیروهای دموکراتیک سوریه، این حمله را متوقف کرد».",
     "نیروهای دموکراتیک سوریه", "Syria", None, "SDF: Syrian Democratic Forces", 2, ""),
    # fars-c3ce7c37b783 (Arabic letter forms ي ك as FarsNews writes Persian)
    ("-در پي تهاجم نيروهاي اسرائيلي به نواز غزه سه فلسطيني از جمله يكي از اعضاي برجسته جنبش حماس به شهادت رسيدند .",
     "جنبش حماس", "Palestine", None, "Hamas Movement", 3, ""),
    # fars-9f37893eec89
    ("«سید عبدالملک الحوثی» رهبر جنبش انصارالله یمن عصر روز یکشنبه در سخنرانی گفت", "جنبش انصارالله یمن", "Yemen", None,
     "Houthi Movement", 2, ""),
    # fars-00600eb3bef6: the longest alias wins over "طالبان"
    ("جنبش طالبان پاكستان پديده\u200cاي جديد است.", "جنبش طالبان پاكستان", None, None, "TTP: Tehrik-i-Taliban", 2, ""),
    # fars-bddf678dfb3a: IRGC with the Quds Force as associated actor
    ("از جمله ترور سردار «قاسم سلیمانی»، فرمانده نیروی قدس سپاه پاسداران انقلاب اسلامی روی آورده است.",
     "نیروی قدس سپاه پاسداران انقلاب اسلامی", "Iran", None, "IRGC: Islamic Revolutionary Guard Corps", 1, "Quds Force"),
    # fars-8524636e8cb0 (diacritics in نُجَباء)
    ("ما به عنوان مقاومت اسلامی نُجَباء یا حشد شعبی و یا به عنوان بازوی نظامی عراق", "مقاومت اسلامی نُجَباء", "Iraq", None,
     "PMF: Popular Mobilization Forces", 3, "Harakat al-Nujaba"),
    ("ما به عنوان مقاومت اسلامی نُجَباء یا حشد شعبی و یا به عنوان بازوی نظامی عراق", "حشد شعبی", "Iraq", None,
     "PMF: Popular Mobilization Forces", 3, ""),
    # fars-2c15b7e3dfdd, fars-c3e89971bf79
    ("- فرمانده ناجا تاكيد كرد: مقصران حادثه پاكدشت معرفي شدند", "ناجا", "Iran", None, "Police Forces of Iran (1989-)", 1, ""),
    ("در حال حاضر پليس عراق با اسقرار در نقاط مختلف خيابانهاي منتهي به حرم مطهر", "پليس عراق", "Iraq", None,
     "Police Forces of Iraq (2014-)", 1, ""),
]
EN = [
    # RAMS nw_RC206f8357136ab858, nw_RC2e80bfaff68032f8, nw_RCf8cc1b7c0859c7ff, nw_RCe23aff356d79d3d6
    ("The Houthis claimed at the time that the jet was flying low and was hit by anti - aircraft guns positioned in the "
     "mountains .", "The Houthis", "Yemen", None, "Houthi Movement", 2, ""),
    ("said that the missile which brought down the Emirati jet this month was acquired by AQAP in raids on military bases",
     "AQAP", "Yemen", None, "AQAP: Al Qaeda in the Arabian Peninsula", 2, ""),
    ("The YPG would hand over all seized areas to an affiliated Kurdish police force , the Asayish .", "The YPG", "Syria",
     None, "SDF: Syrian Democratic Forces", 2, "YPG: People's Protection Units"),
    ("The YPG would hand over all seized areas to an affiliated Kurdish police force , the Asayish .", "the Asayish",
     "Syria", None, "Asayish (Syria)", 3, ""),
    ("Adding to the list of enemies , Turkey resumed hostilities with the PKK -- Kurdish militant separatists -- last year",
     "the PKK", "Turkey", None, "PKK: Kurdistan Workers Party", 2, ""),
    # re3d BBC Online 62A11A900C21, CENTCOM 28829CF80D44, BBC Online AEBFCD2500E5
    ("It also noted that there was a base for Kurdish Peshmerga fighters outside Daquq", "Kurdish Peshmerga fighters",
     "Iraq", None, "Peshmerga", 1, ""),
    ("to try to improve ISIL's defenses against the Syrian Democratic Forces.", "the Syrian Democratic Forces", "Syria",
     None, "SDF: Syrian Democratic Forces", 2, ""),
    ("And on Sunday, members of IS are reported to have killed 50 former Iraqi police officers they had been holding",
     "50 former Iraqi police officers", "Iraq", None, "Police Forces of Iraq (2014-)", 1, ""),
    ("And on Sunday, members of IS are reported to have killed 50 former Iraqi police officers they had been holding",
     "members of IS", "Iraq", None, "Islamic State (Iraq)", 2, ""),
    ("a Russian military spokesman accused the US-led coalition of killing more than 60 civilians and injuring 200 others",
     "more than 60 civilians", "Iraq", None, "Civilians (Iraq)", 7, ""),
]


@pytest.mark.parametrize("sentence,span,country,date,name,inter,assoc", AR + FA + EN,
                         ids=[f"ar{i}" for i in range(len(AR))] + [f"fa{i}" for i in range(len(FA))]
                         + [f"en{i}" for i in range(len(EN))])
def test_real_sentences(sentence, span, country, date, name, inter, assoc):
    assert span in sentence
    m = match(span, country=country, date=date)
    assert (m.name, m.inter, m.assoc) == (name, inter, assoc), m.reason
    assert m.reason


# ---- code 8: state forces outside their home country
@pytest.mark.parametrize("sentence,span,country,name", [
    # fars-5e7349ed1b04: Turkish army on Iraq's Kurdistan border
    ("طي روزهاي اخير فعاليت\u200cهاي نظامي ارتش تركيه در مرزهاي كردستان عراق تشديد شده", "ارتش تركيه", "Iraq",
     "Military Forces of Turkey (2016-)"),
    # fars-246af9ede75e: US forces in Ramadi
    ("معاون بيمارستان كودكان رمادي تصريح كرد نيروهاي آمريكايي چند روز پيش نيز به بيمارستانهاي عمومي در رمادي و حديثه "
     "حمله كردند.", "نيروهاي آمريكايي", "Iraq", "Military Forces of the United States (2021-)"),
    # fars-c3ce7c37b783: Israeli forces in Gaza
    ("-در پي تهاجم نيروهاي اسرائيلي به نواز غزه سه فلسطيني از جمله يكي از اعضاي برجسته جنبش حماس به شهادت رسيدند .",
     "نيروهاي اسرائيلي", "Palestine", "Military Forces of Israel (2022-)"),
    # snn-fc1195247fd9: Emirati troops at Aden airport
    ("ولفت عبد الرقيب العمري إلى أن قوة من الجيش الإماراتي وصلت أمس تحمل المعدات والعتاد كافة اللازم لتأمين مطار عدن الدولي",
     "قوة من الجيش الإماراتي", "Yemen", "Military Forces of the United Arab Emirates (2004-)"),
    # RAMS nw_RC57bd4a5318bf8a4e, nw_RCc99d42ba0e6d18d5
    ("The Syrian Foreign Ministry said on Tuesday that French warplanes had targeted the village of Tukhan al - Kubra",
     "French warplanes", "Syria", "Military Forces of France (2017-)"),
    ("when Saudi military aircraft struck a hall in the Yemeni capital", "Saudi military aircraft", "Yemen",
     "Military Forces of Saudi Arabia (2015-)"),
])
def test_state_forces_abroad_are_code_8(sentence, span, country, name):
    assert span in sentence
    m = match(span, country=country)
    assert (m.name, m.inter) == (name, 8), m.reason
    assert f"acting in {country}" in m.reason


def test_code_8_derivation_at_home_unknown_and_non_state():
    turkey = match("ارتش ترکیه", country="Turkey")
    assert turkey.inter == 1 and "home country" in turkey.reason
    unknown = match("ارتش ترکیه")
    assert unknown.inter == 1 and "event country unknown" in unknown.reason
    russia = match("الطيران الروسي")          # listed as usually abroad: 8 even without a country
    assert russia.inter == 8 and "usually acting abroad" in russia.reason
    assert match("الطيران الروسي", country="Russia").inter == 1
    # snn-e507b97c6e03: Hezbollah fighting in Syria is a militia, not a foreign state force
    assert match("حزب الله", country="Syria").inter == 3


# ---- eras and branches
@pytest.mark.parametrize("span,country,date,name,inter", [
    ("طالبان", None, "2019-05-01", "Taliban", 2),
    ("طالبان", "Afghanistan", "2023-05-01", "Military Forces of Afghanistan (2021-)", 1),
    ("التحالف", "Yemen", "2015-04-01", "Operation Decisive Storm", 8),
    ("التحالف", "Yemen", "2015-07-21", "Operation Restoring Hope", 8),
    ("الجيش السوري", "Syria", "2025-03-06", "Military Forces of Syria (2024-)", 1),
    ("القاعدة", "Yemen", None, "AQAP: Al Qaeda in the Arabian Peninsula", 2),
    ("داعش", None, None, "Islamic State", 2),
    ("the army", "Iraq", None, "Military Forces of Iraq (2014-)", 1),
])
def test_names_follow_event_date_and_country(span, country, date, name, inter):
    m = match(span, country=country, date=date)
    assert (m.name, m.inter) == (name, inter), m.reason


def test_sub_group_parent_only_in_its_period():
    # snn-09bf7c84cdb9 (2015): Jaysh al-Islam is its own actor; after April 2018 it is a faction of the SNA
    sentence = "على الصعيد ذاته، أعلن “جيش الإسلام”، أكبر الفصائل المعارضة في سوريا حملة عسكرية على تنظيم داعش الإرهابي"
    assert "جيش الإسلام" in sentence
    m = match("“جيش الإسلام”", country="Syria", date=dt.date(2015, 8, 11))
    assert (m.name, m.assoc) == ("Jaysh al-Islam", "") and "not part of" in m.reason
    m = match("جيش الإسلام", country="Syria", date=dt.date(2019, 1, 1))
    assert (m.name, m.assoc) == ("SNA: Syrian National Army", "Jaysh al-Islam")


# ---- record fields
def test_actor_fields_assoc_from_sub_group_and_second_span():
    # snn-e507b97c6e03: "مقتل 34 عنصرا من حزب الله و17 من قوات النظام"
    f, why = actor_fields({"actor1": ["قوات النظام", "حزب الله"], "actor2": ["لواء القدس"]}, country="Syria",
                          date=dt.date(2015, 7, 21), event_class="clash")
    assert f["actor1"] == "Military Forces of Syria (2000-2024)" and f["assoc_actor_1"] == "Hezbollah"
    assert f["actor2"] == "Military Forces of Syria (2000-2024)" and f["assoc_actor_2"] == "Liwa al-Quds"
    assert f["inter1"] == 1 and "sub-group" in why["actor2"]


def test_same_group_in_both_roles_leaves_actor2_empty_with_reason():
    f, why = actor_fields({"actor1": ["قسد"], "actor2": ["قوات سوريا الديمقراطية"]}, country="Syria", event_class="clash")
    assert f["actor1"] == "SDF: Syrian Democratic Forces" and "actor2" not in f and "inter2" not in f
    assert "resolves to actor1" in why["actor2"]


def test_bare_country_name_is_its_military_forces_only_as_a_whole_span():
    for name in ("آمریکا", "آمريكا", "الولايات المتحدة", "أمريكا"):
        m = match(name, country="Syria", date=dt.date(2022, 3, 1))
        assert (m.name, m.inter) == ("Military Forces of the United States (2021-)", 8), name
        assert "names the country 'United States'" in m.reason
    m = match("Israel", country="Israel")
    assert (m.name, m.inter) == ("Military Forces of Israel (2022-)", 1)
    assert match("مسلحين في سوريا", country="Syria").inter == 3  # a place inside a span is not the state
    assert match("باكستان").inter == 0  # no forces entry for the country: kept as written


@pytest.mark.parametrize("span", ["قوات حوثية", "مسلحون حوثيون", "Houthi fighters", "شبه‌نظامیان حوثی"])
def test_adjective_forms_of_a_group_name_match(span):
    assert match(span, country="Yemen").name == "Houthi Movement"


def test_unnamed_perpetrator_is_unidentified_armed_group():
    f, why = actor_fields({"actor2": ["المدنيين"]}, country="Iraq", event_class="explosive")
    assert (f["actor1"], f["inter1"]) == ("Unidentified Armed Group (Iraq)", 3) and "no actor named" in why["actor1"]
    assert (f["actor2"], f["inter2"]) == ("Civilians (Iraq)", 7)
    f, why = actor_fields({}, country=None, event_class="explosive")
    assert "actor1" not in f and "country is unknown" in why["actor1"]
    f, _ = actor_fields({}, country="Iraq", event_class="protest")
    assert "actor1" not in f
    m = match("مسلحين مجهولين", country="Iraq")
    assert (m.name, m.inter) == ("Unidentified Armed Group (Iraq)", 3)


def test_record_gets_actor_fields():
    from eventx.pipeline import _record
    from eventx.read import Document
    from eventx.tag import Span, TaggedEvent
    text = ("وفي التفاصيل، أفاد مصدر طبي عراقي في مستشفى سامراء بأن كتائب حزب الله المنضوية في الحشد الشعبي الشيعي فقدت 27 من "
            "عناصرها في بيجي العراقية.")
    s = text.index("كتائب حزب الله")
    t = text.index("فقدت")
    ev = TaggedEvent(Span("attack", t, t + 4, "فقدت", 0.9), [Span("actor2", s, s + 14, text[s:s + 14], 0.9)])
    r = _record(Document("snn-7cd07d26c6cd", text, dt.date(2015, 7, 24), "snn"), "ar", 0, ev)
    assert (r.actor2, r.assoc_actor_2, r.inter2) == ("PMF: Popular Mobilization Forces", "Kataib Hezbollah", 3)
    if r.country:   # once geocoded, the unnamed attacker is ACLED's unidentified armed group of that country
        assert (r.actor1, r.interaction) == (f"Unidentified Armed Group ({r.country})", 33)
    else:
        assert (r.actor1, r.interaction) == ("", 30)
    assert "sub-group" in r.reasons["actor2"]


# ---- unknown actors
def test_unknown_actors_keep_surface_text_with_generic_code_and_reason():
    # snn-4847ac22ca0e names a brigade that is not in the dictionary
    m = match("ولواء صقور الجبل")
    assert (m.name, m.inter) == ("لواء صقور الجبل", 0) and "not in the actor dictionary" in m.reason
    # re3d CENTCOM 76957901E427: "killed more than 20 militants" (no group named; rebels have no ACLED catch-all)
    m = match("more than 20 militants", country="Syria")
    assert (m.name, m.inter) == ("more than 20 militants", 2) and "'militants'" in m.reason
    # acronyms match only in capitals: "is" is not the Islamic State
    m = match("the army is", country="Iraq")
    assert (m.name, m.inter) == ("the army is", 1) and "names something else" in m.reason
    m = match("الميليشيات الايرانية")       # snn-4847ac22ca0e: a generic word plus a name part
    assert (m.name, m.inter) == ("الميليشيات الايرانية", 3) and "kept as written" in m.reason


# ---- user extension
def test_eventx_actors_extends_and_overrides(tmp_path, monkeypatch):
    more = tmp_path / "more.json"
    more.write_text(json.dumps({"actors": [
        {"name": "Liwa Suqur al-Jabal", "inter": 2, "country": "Syria", "aliases": {"ar": ["لواء صقور الجبل"]}},
        {"name": "Hezbollah", "inter": 3, "country": "Lebanon", "abroad_inter": 8, "aliases": ["حزب الله"]}]},
        ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("EVENTX_ACTORS", str(more))
    assert match("ولواء صقور الجبل").name == "Liwa Suqur al-Jabal"
    assert match("حزب الله", country="Syria").inter == 8   # the user's entry replaced the shipped one
    assert match("الحوثيين").name == "Houthi Movement"      # shipped entries still there


@pytest.mark.parametrize("content,needle", [
    ({"actors": [{"name": "X", "inter": 9, "aliases": ["x"]}]}, "inter must be an ACLED actor code 1-8"),
    ({"actors": [{"name": "A", "inter": 2, "aliases": ["same"]}, {"name": "B", "inter": 2, "aliases": ["same"]}]},
     "names both 'A' and 'B'"),
    ({"actors": [{"name": "A", "inter": 2, "parent": "Nobody", "aliases": ["a"]}]}, "parent 'Nobody' is not an actor"),
    ({"actors": [{"name": "A", "inter": 2, "from": "2015/01/01", "aliases": ["a"]}]}, "not a YYYY-MM-DD date"),
    ({"actors": [{"inter": 2}]}, "needs a non-empty 'name'"),
])
def test_bad_user_file_is_a_clear_error(tmp_path, monkeypatch, content, needle):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(content), encoding="utf-8")
    monkeypatch.setenv("EVENTX_ACTORS", str(bad))
    with pytest.raises(ActorDictionaryError, match="bad.json") as e:
        match("x")
    assert needle in str(e.value)


def test_missing_user_file_is_named(monkeypatch):
    monkeypatch.setenv("EVENTX_ACTORS", "/nonexistent/actors.json")
    with pytest.raises(ActorDictionaryError, match="/nonexistent/actors.json: no such file"):
        match("x")


# ---- clean_name: the leading و bug
@pytest.mark.parametrize("text,want", [
    ("واشنطن", "واشنطن"), ("وزارة الدفاع السورية", "وزارة الدفاع السورية"), ("وادي بردى", "وادي بردى"),
    ("واسط", "واسط"), ("واشنگتن", "واشنگتن"), ("فلسطين", "فلسطين"), ("فرنسا", "فرنسا"),
    ("وحلب", "حلب"), ("والحوثيين", "الحوثيين"), ("وبالجيش", "الجيش"), ("للحوثيين", "الحوثيين"), ("«المقاومة الشعبية»", "المقاومة الشعبية"),
])
def test_clean_name_strips_the_conjunction_only_when_it_is_one(text, want):
    got, why = clean_name(text)
    assert got == want, why


def test_clean_name_uses_known_names():
    got, why = clean_name("وقسد", known=dictionary().is_alias)
    assert got == "قسد" and "known name" in why
    assert clean_name("فداعش", known=dictionary().is_alias)[0] == "داعش"
    assert clean_name("فداعش")[0] == "فداعش"        # a bare ف is stripped only before a known name
