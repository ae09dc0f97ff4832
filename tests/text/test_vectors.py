"""The one vector cache: CachedEncoder over the text_vectors table."""
from __future__ import annotations

import numpy as np

from app.text.encoders import HashingEncoder
from app.text.vectors import CachedEncoder, TextVector, text_sha256


class Counting(HashingEncoder):
    def __init__(self):
        super().__init__(dim=64)
        self.calls: list[list[str]] = []

    def encode(self, texts, prompt="query: ", batch_size=32):
        self.calls.append(list(texts))
        return super().encode(texts, prompt, batch_size)


def test_cached_encoder_computes_only_missing_texts_once(app, db):
    inner = Counting()
    cached = CachedEncoder(inner)
    assert (cached.name, cached.version, cached.dim) == (inner.name, inner.version, 64)
    first = cached.encode(["wheat", "credit", "wheat"])
    assert inner.calls == [["wheat", "credit"]]  # one batch, each distinct text once
    np.testing.assert_allclose(first, HashingEncoder(dim=64).encode(["wheat", "credit", "wheat"]), atol=1e-7)
    again = CachedEncoder(inner).encode(["credit", "isotope", "wheat"])
    assert inner.calls[-1] == ["isotope"]
    np.testing.assert_allclose(again[[0, 2]], first[[1, 0]])
    rows = db.session.query(TextVector).all()
    assert len(rows) == 3 and {r.text_sha256 for r in rows} == {text_sha256("query: " + t)
                                                               for t in ("wheat", "credit", "isotope")}
    # another prompt is another key; nothing was committed by the cache itself
    CachedEncoder(inner).encode(["wheat"], prompt="passage: ")
    assert db.session.query(TextVector).count() == 4
    db.session.rollback()
    assert db.session.query(TextVector).count() == 0
    assert CachedEncoder(inner).encode([]).shape == (0, 64)


def test_another_model_version_does_not_reuse_vectors(app, db):
    inner = Counting()
    CachedEncoder(inner).encode(["wheat"])
    inner.version = "2"
    CachedEncoder(inner).encode(["wheat"])
    assert len(inner.calls) == 2
    assert {r.model_version for r in db.session.query(TextVector)} == {"1", "2"}


def test_store_keeps_an_existing_row(app, db):
    cached = CachedEncoder(Counting())
    key = text_sha256("query: wheat")
    cached.store({key: np.ones(64, dtype=np.float32)})
    cached.store({key: np.zeros(64, dtype=np.float32)})  # a concurrent writer's duplicate: ignored
    assert db.session.query(TextVector).count() == 1
    np.testing.assert_array_equal(cached.lookup([key])[key], np.ones(64, dtype=np.float32))
