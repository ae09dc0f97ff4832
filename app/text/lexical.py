"""Lexical models: TF-IDF over words or character n-grams, and the index of shared terms.

Pure numpy / scikit-learn, no Flask. One implementation for scoring (expert affinity: words cut to stems,
and character n-grams) and matching (character n-grams of transliterated text, so that loan words meet
across scripts):

* :class:`LexicalModel`: a TF-IDF model fitted with scikit-learn; for character n-grams its ``transform``
  is vectorised with numpy over all texts at once (n-grams hashed over the code points and looked up in
  the hashed vocabulary; the same rows as scikit-learn's, about 3x faster for one text);
* :class:`WordAnalyzer`: normalised words without stop words, cut to stems, plus adjacent-pair bigrams;
* :class:`TermIndex`: word stems with an IDF over a corpus, for "the strongest shared terms" of a pair.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

from app.text.language import STEM, language_profile, lexical_key, stem, stop_words, words


# ------------------------------------------------------------------------------------------ analysers
class WordAnalyzer:
    """Normalised words without the stop words of ``domain``, cut to ``stem_length`` letters, plus
    adjacent-pair bigrams (picklable, for scikit-learn's ``analyzer=``)."""

    def __init__(self, domain: str | None = "science", stem_length: int = STEM, bigrams: bool = True):
        self.domain = domain
        self.stem_length = stem_length
        self.bigrams = bigrams
        self.stop = stop_words(domain)

    def terms(self, text: str) -> list[str]:
        return [stem(w, self.stem_length) for w in words(text) if w not in self.stop]

    def __call__(self, text: str) -> list[str]:
        terms = self.terms(text)
        if not self.bigrams:
            return terms
        return terms + [f"{a} {b}" for a, b in zip(terms, terms[1:])]


#: the word analyser of scientific texts (expert affinity)
word_analyzer = WordAnalyzer("science", STEM)


def char_wb_ngrams(text: str, low: int = 3, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries, padded with a space: the same n-grams as
    scikit-learn's ``analyzer="char_wb"`` (a word shorter than n gives itself once), but faster."""
    grams: list[str] = []
    for word in text.split():
        w = f" {word} "
        size = len(w)
        for n in range(low, high + 1):
            if n >= size:
                grams.append(w)
                break
            grams += [w[i : i + n] for i in range(size - n + 1)]
    return grams


class CharAnalyzer:
    """Picklable analyzer: :func:`~app.text.language.lexical_key` (``translit``) or lower-casing, then
    ``char_wb`` n-grams."""

    def __init__(self, ngram_range: tuple[int, int] = (3, 5), translit: bool = True):
        self.low, self.high = ngram_range
        self.translit = translit

    def prepare(self, text: str) -> str:
        return lexical_key(text) if self.translit else text.lower()

    def __call__(self, text: str) -> list[str]:
        return char_wb_ngrams(self.prepare(text), self.low, self.high)


# ------------------------------------------------------------------------------------------ hashing
_HASH_BASE = np.uint64(1_000_003)


def hash_gram(gram: str) -> int:
    """64-bit polynomial hash of an n-gram's code points (plus its length), as ``_gram_hashes_batch``."""
    h = 0
    for ch in gram:
        h = (h * 1_000_003 + ord(ch)) & 0xFFFFFFFFFFFFFFFF
    return (h + len(gram) * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF


def _gram_hashes_batch(texts: Sequence[str], low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """(document index, hash) of every ``char_wb`` n-gram of every text, with multiplicity, computed with
    numpy in one pass: every word is padded with a space and words (and texts) are joined by two spaces;
    an n-gram is kept when no space falls strictly inside it, so none crosses a word or a text."""
    parts, starts, offset = [], [], 0
    for text in texts:
        tokens = text.split()
        chunk = " " + "  ".join(tokens) + " " if tokens else ""
        starts.append(offset)
        parts.append(chunk)
        offset += len(chunk)
    size = offset
    if size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer("".join(parts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    spaces = np.concatenate([[0], np.cumsum(codes == 32)])
    doc_starts = np.asarray(starts, dtype=np.int64)
    rolling = codes.copy()
    out_docs, out_hashes = [], []
    for n in range(2, high + 1):
        if n > size:
            break
        rolling = rolling[: size - n + 1] * _HASH_BASE + codes[n - 1 :]
        if n >= low:
            start = np.flatnonzero(spaces[n - 1 : size] - spaces[1 : size - n + 2] == 0)
            out_hashes.append(rolling[start] + np.uint64((n * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF))
            out_docs.append(np.searchsorted(doc_starts, start, side="right") - 1)
    if not out_hashes:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    return np.concatenate(out_docs).astype(np.int64), np.concatenate(out_hashes)


# ------------------------------------------------------------------------------------------ TF-IDF
class LexicalModel:
    """TF-IDF on character n-grams (``char_wb``, optionally on transliterated text) or on the terms of an
    analyser such as :data:`word_analyzer`; sublinear tf, L2-normalised rows.

    ``min_df``/``max_df`` are scikit-learn's. ``fit`` ignores empty texts; ``fit_transform`` keeps one row
    per text (scikit-learn's own). ``vocabulary_`` and ``idf_`` are the fitted vectorizer's."""

    def __init__(
        self,
        ngram_range: tuple[int, int] = (3, 5),
        translit: bool = True,
        sublinear_tf: bool = True,
        *,
        analyzer=None,
        min_df: int | float = 1,
        max_df: int | float = 1.0,
    ):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.translit = translit
        self.chars = analyzer is None
        self._vectorizer = TfidfVectorizer(
            analyzer=CharAnalyzer(ngram_range, translit) if analyzer is None else analyzer,
            sublinear_tf=sublinear_tf,
            min_df=min_df,
            max_df=max_df,
            dtype=np.float32,
        )
        self.fitted = False

    @property
    def vocabulary_(self) -> dict[str, int]:
        return self._vectorizer.vocabulary_

    @property
    def idf_(self) -> np.ndarray:
        return self._vectorizer.idf_

    def _index(self) -> None:
        """The vocabulary by 64-bit hash of each n-gram, for the vectorised transform."""
        self._idf = self._vectorizer.idf_.astype(np.float64)
        self._sublinear = self._vectorizer.sublinear_tf
        vocabulary = self._vectorizer.vocabulary_
        self._size = len(vocabulary)
        if self.chars:
            grams = list(vocabulary)
            hashes = np.array([hash_gram(g) for g in grams], dtype=np.uint64)
            order = np.argsort(hashes)
            self._hashes = hashes[order]
            self._hash_index = np.array([vocabulary[g] for g in grams], dtype=np.int64)[order]
        self.fitted = True

    def fit(self, texts: Iterable[str]) -> LexicalModel:
        texts = [t for t in texts if t and t.strip()]
        self._vectorizer.fit(texts or ["-"])
        self._index()
        return self

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Fit on ``texts`` and return their rows (raises scikit-learn's ValueError on an empty
        vocabulary)."""
        matrix = self._vectorizer.fit_transform(list(texts))
        self._index()
        return matrix.tocsr()

    @property
    def dim(self) -> int:
        return self._size

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """L2-normalised TF-IDF rows, the same as scikit-learn's ``transform`` of the fitted vectorizer
        (checked in the tests); for character n-grams vectorised with numpy over all texts at once."""
        if not self.chars:
            return self._vectorizer.transform(list(texts)).tocsr()
        analyzer = self._vectorizer.analyzer
        n_docs, dim = len(texts), self.dim
        prepared = [analyzer.prepare(t) for t in texts]
        docs, hashes = _gram_hashes_batch(prepared, analyzer.low, analyzer.high)
        empty = sp.csr_matrix((n_docs, dim), dtype=np.float32)
        if not hashes.size or not dim:
            return empty
        pos = np.minimum(np.searchsorted(self._hashes, hashes), dim - 1)
        known = self._hashes[pos] == hashes
        if not known.any():
            return empty
        keys = np.sort(docs[known] * dim + self._hash_index[pos[known]])
        first = np.concatenate([[0], np.flatnonzero(keys[1:] != keys[:-1]) + 1])
        counts = np.diff(np.append(first, keys.size))
        keys = keys[first]
        rows, cols = keys // dim, keys % dim
        tf = counts.astype(np.float64)
        if self._sublinear:
            tf = np.log(tf) + 1.0
        weight = tf * self._idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=weight * weight, minlength=n_docs))
        weight /= norms[rows]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_docs))])
        return sp.csr_matrix((weight.astype(np.float32), cols.astype(np.int32), indptr), shape=(n_docs, dim))

    def transform_cached(
        self, texts: Sequence[str], cache: OrderedDict, limit: int
    ) -> tuple[sp.csr_matrix, np.ndarray]:
        """``transform`` and the language profiles of ``texts``, with an LRU cache by text of both
        (bounded to ``limit`` texts; 0 disables it)."""
        if limit <= 0:
            return self.transform(texts), profiles(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            fresh = self.transform(missing)
            for n, text in enumerate(missing):
                lo, hi = fresh.indptr[n], fresh.indptr[n + 1]
                cache[text] = (fresh.indices[lo:hi], fresh.data[lo:hi], language_profile(text))
        entries = []
        for text in texts:
            cache.move_to_end(text)
            entries.append(cache[text])
        while len(cache) > limit:
            cache.popitem(last=False)
        indptr = np.concatenate([[0], np.cumsum([len(e[0]) for e in entries])]).astype(np.int64)
        matrix = sp.csr_matrix(
            (
                np.concatenate([e[1] for e in entries]) if entries else np.zeros(0, np.float32),
                np.concatenate([e[0] for e in entries]) if entries else np.zeros(0, np.int32),
                indptr,
            ),
            shape=(len(texts), self.dim),
        )
        return matrix, np.array([e[2] for e in entries]).reshape(-1, 3)


def profiles(texts: Sequence[str]) -> np.ndarray:
    """The language profiles (en, ru, kk) of ``texts``, one row each."""
    return np.array([language_profile(t) for t in texts]).reshape(-1, 3)


# ------------------------------------------------------------------------------------------ terms
#: letters of a stem in the index of shared terms
TERM_STEM = 7
_PITCH_STOP = stop_words("pitch")


def _terms(text: str) -> list[str]:
    return [w for w in words(text) if len(w) >= 4 and w not in _PITCH_STOP]


class TermIndex:
    """Word stems with an IDF over a corpus: the "strongest shared terms" of a match."""

    def __init__(self, corpus: Iterable[str]):
        df: dict[str, int] = {}
        n = 0
        for text in corpus:
            n += 1
            for s in {stem(w, TERM_STEM) for w in _terms(text)}:
                df[s] = df.get(s, 0) + 1
        self.n = max(n, 1)
        self._df = df

    def idf(self, term: str) -> float:
        return math.log((1 + self.n) / (1 + self._df.get(term, 0))) + 1.0

    @staticmethod
    def stems(text: str) -> dict[str, str]:
        """stem -> the first (normalised) surface form in the text."""
        out: dict[str, str] = {}
        for word in _terms(text):
            out.setdefault(stem(word, TERM_STEM), word)
        return out

    def shared(
        self, project_stems: dict[str, str], investor_stems: dict[str, str], limit: int = 3
    ) -> list[str]:
        """The rarest stems both sides use, each shown in the shorter of the two surface forms."""
        common = [s for s in project_stems if s in investor_stems]
        if not common:
            return []
        max_df = max(2, int(0.15 * self.n))  # terms in many texts of the corpus are not "themes"
        common = [s for s in common if self._df.get(s, 0) <= max_df or self.n < 8]
        common.sort(key=lambda s: (-self.idf(s), project_stems[s]))
        return [min(project_stems[s], investor_stems[s], key=lambda w: (len(w), w)) for s in common[:limit]]
