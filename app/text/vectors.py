"""The one vector cache: a text's dense vector per (model name, model version, SHA-256 of the text).

Any text (an application, an expert's publication, an investor's thesis or portfolio item) is embedded once
per model build, whoever asks: scoring (expert texts and applications for the assignment) and matching
(the project pool and the investors) share the rows. A changed text has another hash, a rebuilt model
another version, so stale vectors are never used; they are simply no longer asked for.

:class:`CachedEncoder` wraps any encoder of :mod:`app.text.encoders` and implements the same ``Encoder``
protocol: ``encode`` looks the texts up by hash, computes only the missing ones (each distinct text once,
in one batch) and stores them. It only flushes, never commits: the caller's unit of work (the request, the
CLI command, the job) commits. Rows are written with ``INSERT … ON CONFLICT DO NOTHING`` so two workers
embedding the same text at once do not fail each other.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

import numpy as np
from sqlalchemy import Index, Integer, LargeBinary, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core import time as clock
from app.core.db import UTCDateTime, db

#: hashes looked up per query
_CHUNK = 500


def text_sha256(text: str) -> str:
    """The key of a text: SHA-256 of its UTF-8 bytes, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TextVector(db.Model):
    """One text's vector from one build of one model."""

    __tablename__ = "text_vectors"
    __table_args__ = (
        UniqueConstraint("model_name", "model_version", "text_sha256", name="uq_text_vectors_model_text"),
        Index("ix_text_vectors_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_name: Mapped[str] = mapped_column(String(200), nullable=False)
    model_version: Mapped[str] = mapped_column(String(64), nullable=False)
    text_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    dim: Mapped[int] = mapped_column(Integer, nullable=False)
    vector: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # float32, little-endian
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class CachedEncoder:
    """``encoder`` with its vectors kept in :class:`TextVector` (see the module docstring).

    The key of a text includes the prompt (``"query: "`` and ``"passage: "`` give different vectors).
    ``session`` defaults to Flask-SQLAlchemy's scoped session. ``computed`` counts the texts this instance
    had to encode (the rest came from the cache)."""

    def __init__(self, encoder, session=None):
        if isinstance(encoder, CachedEncoder):
            encoder = encoder.encoder
        self.encoder = encoder
        self._session = session
        self.computed = 0

    @property
    def name(self) -> str:
        return self.encoder.name

    @property
    def version(self) -> str:
        return str(self.encoder.version)

    @property
    def dim(self) -> int:
        return int(self.encoder.dim)

    @property
    def session(self):
        return self._session if self._session is not None else db.session

    def lookup(self, hashes: list[str]) -> dict[str, np.ndarray]:
        """The cached vectors of ``hashes`` under this model build."""
        found: dict[str, np.ndarray] = {}
        name, version = self.name, self.version
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start:start + _CHUNK]
            rows = self.session.execute(select(TextVector.text_sha256, TextVector.vector).where(
                TextVector.model_name == name, TextVector.model_version == version,
                TextVector.text_sha256.in_(chunk)))
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype="<f4").copy()
        return found

    def store(self, vectors: dict[str, np.ndarray]) -> None:
        """Insert vectors by hash (an existing row for the same key is kept) and flush."""
        if not vectors:
            return
        session = self.session
        now = clock.now()
        rows = [{"model_name": self.name, "model_version": self.version, "text_sha256": key,
                 "dim": int(vec.shape[0]), "vector": np.ascontiguousarray(vec, dtype="<f4").tobytes(),
                 "created_at": now} for key, vec in vectors.items()]
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:  # pragma: no cover - the two databases the platform supports
            insert = None
        if insert is not None:
            from app.core.uow import cache_writes
            statement = insert(TextVector.__table__).on_conflict_do_nothing(
                index_elements=["model_name", "model_version", "text_sha256"])
            with cache_writes() as target:
                for start in range(0, len(rows), _CHUNK):
                    target.execute(statement, rows[start:start + _CHUNK])
        else:  # pragma: no cover
            session.add_all(TextVector(**row) for row in rows)
        session.flush()

    def encode(self, texts: list[str], prompt: str = "query: ", batch_size: int = 32) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        keys = [text_sha256(prompt + text) for text in texts]
        found = self.lookup(keys)
        missing = {key: text for key, text in zip(keys, texts) if key not in found}
        if missing:
            fresh = np.asarray(self.encoder.encode(list(missing.values()), prompt=prompt, batch_size=batch_size),
                               dtype=np.float32)
            new = dict(zip(missing, fresh))
            self.store(new)
            found.update(new)
            self.computed += len(missing)
        return np.stack([found[key] for key in keys]).astype(np.float32, copy=False)
