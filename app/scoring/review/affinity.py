"""Expert–application affinity (pure code: no Flask, no database).

An expert has several texts (abstracts of publications or past projects) and keywords; an application
has a title, an abstract and keywords. The affinity of expert i for application j blends three kinds of
evidence, each standardised per expert (a z-score over the applications of the round) so that an expert
whose texts happen to look alike to everything does not dominate:

* ``dense``: cosine similarity of multilingual sentence embeddings (the encoders of
  ``app.text.encoders``; the same prefix on both sides), computed per expert text and pooled over
  the expert's texts with *rank-geometric pooling*: the expert's text similarities for the application,
  sorted best first, are weighted 1, g, g², … (normalised). ``g = 0`` is max pooling, ``g = 1`` the
  plain mean; an expert is as expert as their closest work, with some credit for breadth;
* ``word``: TF-IDF cosine over words cut to their first ``STEM`` letters (``app.text.language.stem``: a
  crude but effective stemmer for Russian and Kazakh morphology), unigrams and bigrams, sublinear tf,
  pooled the same way (the lexical models are ``app.text.lexical``'s);
* ``char``: TF-IDF cosine over character 3–5-grams inside word boundaries, pooled the same way.

Lexical evidence only exists between texts of one script: a Russian abstract and an English one share no
words, and a zero there says nothing about expertise. So (``language_aware``, the default) a lexical
similarity is pooled only over the expert's texts in the application's language group (Cyrillic: Russian
and Kazakh; Latin: English), and where the expert has none, the dense z-score stands in for the lexical
one. On the evaluation set this is worth more than any choice of weights (0.19 → 0.16 loss).

The default weights and pooling were chosen by measurement on the dev half of
``bench/data/affinity_eval`` (see ``bench/scoring_quality.py`` and ``docs/benchmarks-scoring.md``).

Vectors can be computed once and passed back in (``encode_experts``/``encode_applications``), so the web
app can cache embeddings per text. ``shared_terms`` explains a pair by the terms it shares.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.text import field
from app.text.language import STEM, detect_language, normalise, stem, surface_words
from app.text.lexical import LexicalModel, word_analyzer

#: default blend weights and pooling, chosen on the dev experts of bench/data/affinity_eval with the
#: multilingual e5 encoder (bench/scoring_quality.py; held-out figures in docs/benchmarks-scoring.md)
DEFAULT_WEIGHTS = {"dense": 0.3, "word": 0.7, "char": 0.0}
DEFAULT_POOLING = {"dense": 0.5, "word": 0.0, "char": 0.0}  # g of rank-geometric pooling
#: with the hashing stand-in encoder (no semantics) only the lexical evidence counts
LEXICAL_WEIGHTS = {"dense": 0.0, "word": 1.0, "char": 0.0}
#: languages whose texts are compared lexically with each other (see ``detect_language``): Russian and
#: Kazakh share a script and much scientific vocabulary, English stands apart
DEFAULT_LANGUAGE_GROUPS = {"kk": "cyrillic", "ru": "cyrillic", "en": "en"}
#: standardisation shrinks an expert's own mean and spread towards the round's when there are few
#: applications: weight n / (n + SHRINK) on the expert's own statistics
SHRINK = 10.0


def application_text(application: Any) -> str:
    """The text of an application used for affinity: title, abstract and keywords."""
    parts = [
        str(field(application, "title", "") or "").strip(),
        str(field(application, "abstract", "") or "").strip(),
    ]
    keywords = [str(k) for k in field(application, "keywords", []) or [] if k]
    if keywords:
        parts.append(", ".join(keywords))
    return ". ".join(p for p in parts if p)


def expert_texts(expert: Any) -> list[str]:
    """The texts of an expert: each publication/project text, plus the keywords as one more text."""
    texts = [str(t).strip() for t in field(expert, "texts", []) or [] if t and str(t).strip()]
    keywords = [str(k) for k in field(expert, "keywords", []) or [] if k]
    if keywords:
        texts.append(", ".join(keywords))
    return texts


@dataclass
class ExpertVectors:
    """Dense vectors of all expert texts, stacked: ``matrix[owner == i]`` are expert i's texts."""

    matrix: np.ndarray
    owner: np.ndarray

    @classmethod
    def from_list(cls, per_expert: Sequence[np.ndarray]) -> "ExpertVectors":
        dims = {np.asarray(v).shape[1] for v in per_expert if np.asarray(v).size}
        dim = dims.pop() if dims else 0
        blocks = [np.asarray(v, dtype=np.float32).reshape(-1, dim) for v in per_expert]
        owner = (
            np.concatenate([np.full(len(b), i) for i, b in enumerate(blocks)]) if blocks else np.zeros(0, int)
        )
        matrix = np.vstack(blocks) if blocks else np.zeros((0, dim), dtype=np.float32)
        return cls(matrix.astype(np.float32), owner.astype(np.int64))

    def for_expert(self, i: int) -> np.ndarray:
        return self.matrix[self.owner == i]


def pool(similarities: np.ndarray, owner: np.ndarray, n_experts: int, g: float) -> np.ndarray:
    """Rank-geometric pooling of per-text similarities (texts × apps) into (experts × apps).

    The texts of each expert are sorted per application best first and weighted 1, g, g², …;
    ``g = 0`` is the max, ``g = 1`` the mean. NaN entries (a text that does not count for that
    application) are left out and the weights renormalised; an expert with no counting text gets NaN
    for that application, an expert without texts 0 throughout."""
    n_apps = similarities.shape[1]
    out = np.zeros((n_experts, n_apps), dtype=np.float64)
    if similarities.size == 0:
        return out
    order = np.argsort(owner, kind="stable")
    owner_sorted = owner[order]
    sims = np.asarray(similarities, dtype=np.float64)[order]
    has_nan = bool(np.isnan(sims).any())
    bounds = np.searchsorted(owner_sorted, np.arange(n_experts + 1))
    counts = np.diff(bounds)
    for count in np.unique(counts):
        if count == 0:
            continue
        experts = np.nonzero(counts == count)[0]
        rows = bounds[experts][:, None] + np.arange(count)[None, :]  # (e, count)
        block = sims[rows]  # (e, count, apps)
        if count > 1:
            block = -np.sort(-block, axis=1)  # best first, NaN last
        weights = np.power(float(g), np.arange(count)) if g > 0 else (np.arange(count) == 0).astype(float)
        if not has_nan:
            out[experts] = np.tensordot(block, weights / weights.sum(), axes=([1], [0]))
            continue
        present = ~np.isnan(block)
        wb = np.where(present, weights[None, :, None], 0.0)
        total = wb.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[experts] = np.where(
                total > 0, (np.nan_to_num(block) * wb).sum(axis=1) / np.where(total > 0, total, 1), np.nan
            )
    return out


def standardise(scores: np.ndarray, shrink: float = SHRINK) -> np.ndarray:
    """Per-expert z-scores over the applications (rows), shrunk towards the whole matrix's statistics
    when there are few applications (so that one or two applications still give sensible figures).
    NaN entries (no evidence) are ignored in the statistics and stay NaN."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.size == 0:
        return scores
    valid = ~np.isnan(scores)
    if not valid.any():
        return scores.copy()
    g_mean = float(scores[valid].mean())
    g_std = float(scores[valid].std())
    n = valid.sum(axis=1, keepdims=True)
    filled = np.where(valid, scores, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        own_mean = np.where(n > 0, filled.sum(axis=1, keepdims=True) / np.maximum(n, 1), g_mean)
        own_var = np.where(valid, (scores - own_mean) ** 2, 0.0).sum(axis=1, keepdims=True) / np.maximum(n, 1)
    own_std = np.sqrt(own_var)
    lam = n / (n + shrink)
    mean = lam * own_mean + (1 - lam) * g_mean
    std = lam * own_std + (1 - lam) * g_std
    floor = max(g_std * 0.05, 1e-9)
    return (scores - mean) / np.maximum(std, floor)


class AffinityModel:
    """Blend of dense and lexical similarities, standardised per expert (see the module docstring).

    ``encoder`` is an encoder name for ``app.text.encoders.get_encoder`` or an encoder object (e.g. a
    ``CachedEncoder``); without ``weights``, the hashing stand-in gets :data:`LEXICAL_WEIGHTS`;
    ``weights`` maps component names (``dense``, ``word``, ``char``) to blend weights; ``pooling`` is g of
    rank-geometric pooling, for all components or per component (a dict).
    """

    components = ("dense", "word", "char")

    def __init__(
        self,
        encoder: str | Any = "hashing",
        weights: Mapping[str, float] | None = None,
        pooling: float | Mapping[str, float] | None = None,
        prompt: str = "query: ",
        standardise_scores: bool = True,
        language_aware: bool = True,
        language_groups: Mapping[str, str] | None = None,
    ):
        self._encoder_spec = encoder
        self._encoder = None
        if weights is None:
            weights = LEXICAL_WEIGHTS if _is_hashing(encoder) else DEFAULT_WEIGHTS
        self.weights = {c: float(weights.get(c, 0.0)) for c in self.components}
        if pooling is None:
            pooling = DEFAULT_POOLING
        if isinstance(pooling, Mapping):
            self.pooling = {c: float(pooling.get(c, DEFAULT_POOLING[c])) for c in self.components}
        else:
            self.pooling = {c: float(pooling) for c in self.components}
        self.prompt = prompt
        self.standardise_scores = standardise_scores
        self.language_aware = language_aware
        self.language_groups = dict(language_groups or DEFAULT_LANGUAGE_GROUPS)
        self._word = None  # the word vectorizer of the last call, for shared_terms

    # -- encoders ------------------------------------------------------------------------------------
    @property
    def encoder(self):
        if self._encoder is None:
            if isinstance(self._encoder_spec, str):
                from app.text.encoders import get_encoder

                self._encoder = get_encoder(self._encoder_spec)
            else:
                self._encoder = self._encoder_spec
        return self._encoder

    @property
    def version(self) -> str:
        enc = self.encoder
        parts = ",".join(f"{c}={self.weights[c]:g}/g{self.pooling[c]:g}" for c in self.components)
        return f"affinity-1[{getattr(enc, 'name', '?')}:{getattr(enc, 'version', '?')};{parts};stem{STEM}]"

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.encoder.encode(list(texts), prompt=self.prompt), dtype=np.float32)

    def encode_experts(self, experts: Sequence[Any]) -> ExpertVectors:
        texts, owner = [], []
        for i, expert in enumerate(experts):
            for text in expert_texts(expert):
                texts.append(text)
                owner.append(i)
        matrix = (
            self.encode_texts(texts) if texts else np.zeros((0, getattr(self.encoder, "dim", 0)), np.float32)
        )
        return ExpertVectors(matrix, np.asarray(owner, dtype=np.int64))

    def encode_applications(self, applications: Sequence[Any]) -> np.ndarray:
        return self.encode_texts([application_text(a) for a in applications])

    # -- scoring -------------------------------------------------------------------------------------
    def component_scores(
        self,
        experts: Sequence[Any],
        applications: Sequence[Any],
        expert_vectors: ExpertVectors | Sequence[np.ndarray] | None = None,
        application_vectors: np.ndarray | None = None,
        components: Sequence[str] | None = None,
        pooling: Mapping[str, float] | None = None,
    ) -> dict[str, np.ndarray]:
        """Each component's pooled (experts × applications) similarity, before standardisation.

        With ``language_aware`` a lexical similarity is pooled only over the expert's texts in the
        application's language; where the expert has none it is NaN (no lexical evidence either way)."""
        pooling = dict(self.pooling, **(pooling or {}))
        wanted = [c for c in (components or self.components) if components or self.weights[c] != 0.0]
        n_exp, n_app = len(experts), len(applications)
        texts_per_expert = [expert_texts(e) for e in experts]
        owner = np.asarray([i for i, t in enumerate(texts_per_expert) for _ in t], dtype=np.int64)
        flat_texts = [t for ts in texts_per_expert for t in ts]
        app_texts = [application_text(a) for a in applications]
        out: dict[str, np.ndarray] = {}
        if "dense" in wanted:
            sims = self.dense_text_similarities(experts, applications, expert_vectors, application_vectors)
            ev_owner = sims[1]
            out["dense"] = pool(sims[0], ev_owner, n_exp, pooling["dense"])
        if ("word" in wanted or "char" in wanted) and n_exp and n_app:
            corpus = flat_texts + app_texts
            # drop terms in more than half the texts, but only when there are enough texts to tell
            max_df = 0.5 if len(corpus) >= 20 else 1.0
            mismatch = None
            if self.language_aware:
                group = self.language_groups
                t_lang = np.array([group.get(detect_language(t), "other") for t in flat_texts])
                a_lang = np.array([group.get(detect_language(t), "other") for t in app_texts])
                mismatch = t_lang[:, None] != a_lang[None, :]
            if "word" in wanted:
                vec = LexicalModel(analyzer=word_analyzer, min_df=1, max_df=max_df)
                out["word"] = self._lexical(
                    vec, corpus, len(flat_texts), owner, n_exp, pooling["word"], mismatch
                )
                self._word = vec
            if "char" in wanted:
                vec = LexicalModel(translit=False, min_df=2 if len(corpus) >= 20 else 1, max_df=max_df)
                out["char"] = self._lexical(
                    vec, corpus, len(flat_texts), owner, n_exp, pooling["char"], mismatch
                )
        for c in wanted:
            out.setdefault(c, np.zeros((n_exp, n_app)))
        return out

    def dense_text_similarities(self, experts, applications, expert_vectors=None, application_vectors=None):
        """(texts × applications) cosine similarities and the owner (expert index) of each text row."""
        if expert_vectors is None:
            expert_vectors = self.encode_experts(experts)
        elif not isinstance(expert_vectors, ExpertVectors):
            expert_vectors = ExpertVectors.from_list(expert_vectors)
        if application_vectors is None:
            application_vectors = self.encode_applications(applications)
        a = np.asarray(application_vectors, dtype=np.float32)
        if a.shape[0] != len(applications):
            raise ValueError("application_vectors must have one row per application")
        if expert_vectors.matrix.size == 0 or a.size == 0:
            return np.zeros((len(expert_vectors.owner), a.shape[0])), expert_vectors.owner
        return expert_vectors.matrix @ a.T, expert_vectors.owner

    @staticmethod
    def _lexical(vec, corpus, n_text, owner, n_exp, g, mismatch=None):
        try:
            matrix = vec.fit_transform(corpus)
        except ValueError:  # empty vocabulary (e.g. every text empty after stop words)
            return np.zeros((n_exp, len(corpus) - n_text))
        sims = (matrix[:n_text] @ matrix[n_text:].T).toarray().astype(np.float64)
        if mismatch is not None:
            sims[mismatch] = np.nan
        return pool(sims, owner, n_exp, g)

    def combine(
        self, components: Mapping[str, np.ndarray], weights: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """Blend standardised components with ``weights`` (defaults to the model's).

        Where a lexical component has no evidence (NaN: no expert text in the application's language),
        the dense z-score stands in for it, or 0 (an average pair) without a dense component."""
        weights = weights or self.weights
        z = {
            c: (standardise(m) if self.standardise_scores else np.asarray(m, dtype=np.float64))
            for c, m in components.items()
            if float(weights.get(c, 0.0)) != 0.0
        }
        if not z:
            first = next(iter(components.values()))
            return np.zeros(np.shape(first), dtype=np.float64)
        stand_in = z.get("dense")
        total = None
        for c, zc in z.items():
            if np.isnan(zc).any():
                zc = np.where(np.isnan(zc), stand_in if stand_in is not None else 0.0, zc)
                zc = np.nan_to_num(zc)
            term = float(weights[c]) * zc
            total = term if total is None else total + term
        return total

    def affinity(
        self,
        experts: Sequence[Any],
        applications: Sequence[Any],
        expert_vectors: ExpertVectors | Sequence[np.ndarray] | None = None,
        application_vectors: np.ndarray | None = None,
    ) -> np.ndarray:
        """The (n_experts × n_applications) affinity matrix; higher = more expert.

        Scores are standardised blends: about 0 for an expert's typical application, +2 and more for the
        applications closest to their work. An expert without texts scores 0 throughout."""
        if not experts or not applications:
            return np.zeros((len(experts), len(applications)))
        comps = self.component_scores(experts, applications, expert_vectors, application_vectors)
        scores = self.combine(comps)
        no_text = np.array([not expert_texts(e) for e in experts])
        scores[no_text] = 0.0
        return scores

    # -- explanations --------------------------------------------------------------------------------
    def shared_terms(self, expert: Any, application: Any, k: int = 5) -> list[str]:
        """The top ``k`` terms the expert's texts share with the application, as written in the
        application, strongest first (TF-IDF weight in the expert's texts × in the application)."""
        return shared_terms(expert, application, k, vectorizer=self._word)


def shared_terms(expert: Any, application: Any, k: int = 5, vectorizer: Any = None) -> list[str]:
    """Top ``k`` shared terms of a pair (see ``AffinityModel.shared_terms``).

    ``vectorizer`` is a fitted word TF-IDF model (from ``AffinityModel``) whose IDF reflects the
    round; without it, term weights are raw counts with stop words removed."""
    app_text = application_text(application)
    e_text = "\n".join(expert_texts(expert))
    surface: dict[str, Counter] = {}
    for word in surface_words(app_text):
        low = normalise(word)
        if low in word_analyzer.stop:
            continue
        surface.setdefault(stem(low), Counter())[low] += 1
    e_terms = Counter(t for t in word_analyzer(e_text) if " " not in t)
    a_terms = Counter(t for t in word_analyzer(app_text) if " " not in t)
    idf = {}
    if vectorizer is not None and hasattr(vectorizer, "vocabulary_"):
        vocab = vectorizer.vocabulary_
        idf = {t: float(vectorizer.idf_[vocab[t]]) for t in set(e_terms) & set(a_terms) if t in vocab}
    scored = []
    for term in set(e_terms) & set(a_terms):
        if len(term) < 3:
            continue
        weight = (1 + np.log(e_terms[term])) * (1 + np.log(a_terms[term])) * idf.get(term, 1.0) ** 2
        scored.append((weight, term))
    scored.sort(key=lambda x: (-x[0], x[1]))
    result = []
    for _, term in scored[:k]:
        forms = surface.get(term)
        result.append(forms.most_common(1)[0][0] if forms else term)
    return result


def _is_hashing(encoder: Any) -> bool:
    """True for the hashing stand-in (by name, or an encoder object of that name, cached or not)."""
    if isinstance(encoder, str):
        return encoder == "hashing"
    from app.text.encoders import HashingEncoder
    return getattr(encoder, "name", None) == HashingEncoder.name
