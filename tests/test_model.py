"""The shipped tagger: loads with checksums, refuses tampered or mismatched weights, meets its floors."""
import json
import shutil

import pytest

from eventx.tag import Tagger, TaggerError, default_model_dir, word_windows


def test_shipped_weights_are_small_safetensors_with_checksums():
    d = default_model_dir()
    files = {p.name for p in d.iterdir()}
    assert {"tagger.safetensors", "tagger.json", "SHA256SUMS"} <= files
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in files)
    assert sum(p.stat().st_size for p in d.iterdir()) < 60e6


def test_tampered_weights_are_refused(tmp_path, encoder_dir):
    d = tmp_path / "m"
    shutil.copytree(default_model_dir(), d)
    data = bytearray((d / "tagger.safetensors").read_bytes())
    data[-10] ^= 0xFF
    (d / "tagger.safetensors").write_bytes(bytes(data))
    with pytest.raises(TaggerError, match="checksum"):
        Tagger.from_pretrained(d)


def test_weights_tied_to_their_encoder(tmp_path, encoder_dir):
    import hashlib
    d = tmp_path / "m"
    shutil.copytree(default_model_dir(), d)
    meta = json.loads((d / "tagger.json").read_text())
    meta["encoder_fingerprint"] = "sha256:" + "0" * 64
    (d / "tagger.json").write_text(json.dumps(meta))
    sums = (d / "SHA256SUMS").read_text().splitlines()
    new = hashlib.sha256((d / "tagger.json").read_bytes()).hexdigest()
    (d / "SHA256SUMS").write_text("\n".join(f"{new}  tagger.json" if l.endswith("tagger.json") else l for l in sums) + "\n")
    with pytest.raises(TaggerError, match="trained on encoder"):
        Tagger.from_pretrained(d)


def test_sliding_windows_cover_every_word():
    wins = word_windows([3] * 100, 40)
    covered = set()
    for lo, hi in wins:
        assert sum([3] * (hi - lo)) <= 40 or hi - lo == 1
        covered |= set(range(lo, hi))
    assert covered == set(range(100)) and len(wins) > 1


def test_long_sentence_is_tagged_whole(encoder_dir):
    tagger = Tagger.from_pretrained()
    clause = "واندلعت اشتباكات عنيفة بين الجيش والمسلحين في ريف حلب "
    text = clause * 40  # far beyond the 128-piece window
    events = tagger.predict([text])[0]
    assert all(text[e.trigger.start:e.trigger.end] == e.trigger.text for e in events)
    if events:  # predictions reach the end of the sentence, not only the first window
        assert max(e.trigger.start for e in events) > len(text) // 2


@pytest.mark.slow
def test_shipped_model_meets_recorded_floors(encoder_dir):
    from training.evaluate import check_floors, evaluate
    res = {split: evaluate(None, (split,)) for split in ("dev", "test")}
    assert check_floors(res) == []


def _train(out, *extra):
    from training.train import main
    assert main(["--limit", "24", "--max-steps", "3", "--out", str(out), *extra]) == 0
    return json.loads((out / "tagger.json").read_text()), (out / "tagger.safetensors").read_bytes()


def test_training_is_reproducible_from_its_seed_and_honours_a_step_budget(tmp_path, encoder_dir):
    meta, w1 = _train(tmp_path / "a")
    _, w2 = _train(tmp_path / "b")
    assert meta["steps"] == 3 and meta["config"]["max_steps"] == 3
    assert w1 == w2  # same config and seed: byte-identical weights
    meta3, w3 = _train(tmp_path / "c", "--seed", "14", "--exclude-lang", "ar")
    assert w3 != w1 and meta3["excluded_languages"] == ["ar"] and meta3["config"]["seed"] == 14
    Tagger.from_pretrained(tmp_path / "a").predict(["Gunmen attacked a checkpoint in Mosul."])  # a loadable tagger
