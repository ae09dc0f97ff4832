"""Investor <-> project matching engine: pure numpy / scikit-learn, no Flask, no database.

How a pair (project p, investor i) is scored
--------------------------------------------
Four similarity components, each a matrix over (projects x investors):

* ``dense_thesis``: cosine of the encoder vectors of the project text (title + abstract + keywords) and
  of the investor's thesis (plus sectors, when given);
* ``dense_portfolio``: the mean of the ``portfolio_top`` best cosines between the project and the
  investor's past investments, each portfolio item embedded on its own (not a centroid: one close past
  deal is strong evidence, a centroid of unrelated deals is not);
* ``lexical_thesis`` / ``lexical_portfolio``: the same two with a TF-IDF model on character n-grams
  (``app.text.lexical``). Texts are transliterated to a reduced Latin alphabet first, so that technical loan
  words shared by Russian, Kazakh and English ("реактор"/"reactor", "изотоп"/"isotope") still meet.

Each component is standardised per investor: z-score of the investor's scores over a reference pool of
projects (:meth:`Matcher.calibrate`; the projects being ranked when nothing was calibrated and there are
enough of them; otherwise per project over the investors). This removes the "hubness" of generic
theses and the compressed scale of e5 similarities (unrelated ~0.80, related 0.85-0.93). The lexical
components are weighted per pair by how much the two texts share a script/language (TF-IDF hardly
compares Russian with English: its scores would mostly add noise). Missing components (an investor
without a portfolio, or with only a portfolio) are replaced by the present one of the same kind. The
blend is a weighted mean of the components in use. Its weights (:data:`DEFAULT_WEIGHTS`) were chosen by
measurement on the development split of ``bench/data/matching_eval`` (``docs/benchmarks-matching.md``).

Hard filters apply only where both sides give the field: the project's TRL within
``[trl_min, trl_max]``, its ask within ``[ticket_min_kzt, ticket_max_kzt]``, its region among the
investor's regions. Every match carries reasons as objects ``{"code", "params"}``; ``reasons.py``
renders them in ru/kk/en through the message catalogues.

Feedback: :meth:`Matcher.set_feedback` takes per-investor ``{project_id: weight}`` (+1 interested,
-1 not relevant). A marked project moves by ``weights.feedback * weight``; every project moves along the
investor's Rocchio direction (sum of the marked projects' vectors, signed), by a z-score scaled by the
marks' share of the investor's evidence. Dismissed projects (weight < 0) are left out of the investor's
lists (and the investor out of the project's list) by default.

Performance: investor-side vectors (one stacked matrix) and TF-IDF rows are prepared once in the
constructor; a query is one pass of matrix products over the candidates plus ``argpartition``. With more
than ``shortlist`` candidates (and calibrated statistics) the lexical part is computed only for the best
``shortlist`` candidates by the dense score; project TF-IDF rows are LRU-cached.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import numpy as np
import scipy.sparse as sp

from app.text import field
from app.text.language import language_profile
from app.text.lexical import LexicalModel, TermIndex

__all__ = [
    "COMPONENTS",
    "PROMPT",
    "BlendWeights",
    "DEFAULT_WEIGHTS",
    "Investor",
    "LexicalModel",
    "Matcher",
    "Project",
    "REASON_CODES",
    "as_investor",
    "as_project",
    "rank_investors",
    "rank_projects",
]

#: The prompt used on both sides (symmetric matching, see MODEL.md).
PROMPT = "query: "
#: Below this many reference projects, per-investor statistics are not estimated.
MIN_REFERENCE = 20
#: Reference projects used for the statistics (a random sample beyond this).
MAX_REFERENCE = 2000
_EPS = 1e-6
#: The four similarity components, in the order of ``BlendWeights.vector()`` and of ``score_matrix``'s
#: component arrays.
COMPONENTS = ("dense_thesis", "dense_portfolio", "lexical_thesis", "lexical_portfolio")


# ============================================================================================ records
@dataclass
class Project:
    """A project as in API.md's project format."""

    id: str
    abstract: str
    title: str = ""
    keywords: list[str] = dataclass_field(default_factory=list)
    language: str | None = None
    trl: int | None = None
    priority: int | None = None
    region: str | None = None
    ask_kzt: float | None = None

    @property
    def text(self) -> str:
        """The text that is embedded: title, abstract and keywords."""
        parts = []
        title = (self.title or "").strip()
        if title:
            parts.append(title if title[-1] in ".!?" else title + ".")
        parts.append((self.abstract or "").strip())
        keywords = [k.strip() for k in self.keywords or [] if k and k.strip()]
        if keywords:
            parts.append(", ".join(keywords) + ".")
        return " ".join(p for p in parts if p)


@dataclass
class Investor:
    """An investor as in API.md's investor format. ``thesis`` may be empty if there is a portfolio."""

    id: str
    thesis: str = ""
    name: str = ""
    sectors: list[str] = dataclass_field(default_factory=list)
    trl_min: int | None = None
    trl_max: int | None = None
    ticket_min_kzt: float | None = None
    ticket_max_kzt: float | None = None
    regions: list[str] = dataclass_field(default_factory=list)
    portfolio: list[str] = dataclass_field(default_factory=list)

    @property
    def thesis_text(self) -> str:
        """The text that is embedded for the thesis: the thesis and the sectors."""
        thesis = (self.thesis or "").strip()
        sectors = [s.strip() for s in self.sectors or [] if s and s.strip()]
        if sectors:
            thesis = (thesis + " " if thesis else "") + "(" + ", ".join(sectors) + ")"
        return thesis

    @property
    def portfolio_items(self) -> list[str]:
        return [t.strip() for t in self.portfolio or [] if t and t.strip()]


def as_project(obj: Project | Mapping[str, Any]) -> Project:
    """A :class:`Project` from a dict (API.md's format; unknown keys ignored) or a Project."""
    if isinstance(obj, Project):
        return obj
    return Project(
        id=str(field(obj, "id")),
        abstract=str(field(obj, "abstract", "")),
        title=str(field(obj, "title", "")),
        keywords=[str(k) for k in field(obj, "keywords", []) or []],
        language=field(obj, "language"),
        trl=field(obj, "trl"),
        priority=field(obj, "priority"),
        region=field(obj, "region"),
        ask_kzt=field(obj, "ask_kzt"),
    )


def as_investor(obj: Investor | Mapping[str, Any]) -> Investor:
    """An :class:`Investor` from a dict (API.md's format; unknown keys ignored) or an Investor."""
    if isinstance(obj, Investor):
        return obj
    return Investor(
        id=str(field(obj, "id")),
        thesis=str(field(obj, "thesis", "")),
        name=str(field(obj, "name", "")),
        sectors=[str(s) for s in field(obj, "sectors", []) or []],
        trl_min=field(obj, "trl_min"),
        trl_max=field(obj, "trl_max"),
        ticket_min_kzt=field(obj, "ticket_min_kzt"),
        ticket_max_kzt=field(obj, "ticket_max_kzt"),
        regions=[str(r) for r in field(obj, "regions", []) or []],
        portfolio=[str(t) for t in field(obj, "portfolio", []) or []],
    )


# ============================================================================================ weights
@dataclass(frozen=True)
class BlendWeights:
    """How the standardised components are blended (chosen by measurement, see the module docstring).

    ``standardise``: ``"investor"`` (z-score of each investor's scores over the reference projects),
    ``"project"`` (z-score of each project's scores over the investors) or ``"none"`` (raw cosines).
    ``lexical_cross``: weight of the lexical components between Cyrillic and Latin texts (after
    transliteration), ``lexical_ru_kk``: between Russian and Kazakh; same language counts 1.
    ``feedback``: how far (in standardised units) one unit of feedback moves a project.
    ``blend_norm``: the blend is divided per pair by the sum of the weights in use (``"l1"``: a weighted
    mean, so pairs with and without lexical evidence keep one scale), by their Euclidean norm (``"l2"``)
    or by the dense weights only (``"dense"``).
    """

    dense_thesis: float = 1.0
    dense_portfolio: float = 1.0
    lexical_thesis: float = 0.5
    lexical_portfolio: float = 0.25
    portfolio_top: int = 2
    standardise: str = "investor"
    lexical_cross: float = 0.25
    lexical_ru_kk: float = 1.0
    feedback: float = 0.75
    blend_norm: str = "l1"

    def vector(self) -> np.ndarray:
        return np.array(
            [self.dense_thesis, self.dense_portfolio, self.lexical_thesis, self.lexical_portfolio],
            dtype=np.float64,
        )


#: The weights measured best on the development split of bench/data/matching_eval (mean MRR over the four
#: modes; ``python bench/matching_quality.py --tune``); see docs/benchmarks-matching.md.
DEFAULT_WEIGHTS = BlendWeights()


# ============================================================================================ reasons
REASON_CODES = (
    "trl_in_range",
    "ticket_fits",
    "region_match",
    "shared_terms",
    "similar_investment",
    "thesis_match",
    "feedback_similar",
)

def _clip_text(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text or "") if s and len(s.strip()) > 3]


# ============================================================================================ matcher
def _as_encoder(encoder: Any) -> Any:
    if encoder is None or isinstance(encoder, str):
        from app.text.encoders import get_encoder

        return get_encoder(encoder or "hashing")
    return encoder


def _topm_mean(sims: np.ndarray, m: int) -> np.ndarray:
    """Mean of the m largest values along the last axis, ignoring -inf (missing) entries."""
    k = sims.shape[-1]
    if k == 0:
        return np.full(sims.shape[:-1], np.nan)
    m = max(1, min(m, k))
    if m == 1:
        best = sims.max(axis=-1)
        return np.where(np.isfinite(best), best, np.nan)
    top = -np.partition(-sims, m - 1, axis=-1)[..., :m]
    finite = np.isfinite(top)
    count = finite.sum(axis=-1)
    total = np.where(finite, top, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _num(value: Any) -> float:
    return float(value) if value is not None else np.nan


class Matcher:
    """Investors prepared once; rank investors for projects, or projects for one investor.

    ``encoder``: an encoder object (``app.text.encoders``), its name, or None when every vector is
    given. ``investor_vectors``: (n_investors, d) thesis vectors, in the order of ``investors``, of
    ``Investor.thesis_text`` (a zero row for an empty thesis); ``portfolio_vectors``: one (k_i, d) array
    per investor for ``Investor.portfolio_items``, or all items stacked in that order. Vectors must come
    from ``encoder`` with the prompt :data:`PROMPT` when projects are encoded by the matcher.
    ``reference_texts``: extra texts for the TF-IDF vocabulary (e.g. the project pool).
    ``shortlist``: ranking one item against more than this many, the lexical part is computed only for
    this many best candidates by the dense score. ``lexical_cache``: TF-IDF rows of project texts kept
    (LRU) between calls; about 5 kB each.

    Ranking is safe from several threads (the caches are locked); ``calibrate`` and ``set_feedback``
    change the matcher and belong before it is shared (or build a new one, as the web app does).
    """

    def __init__(
        self,
        investors: Sequence[Investor | Mapping[str, Any]],
        encoder: Any = None,
        *,
        investor_vectors: np.ndarray | None = None,
        portfolio_vectors: Sequence[np.ndarray] | np.ndarray | None = None,
        weights: BlendWeights | None = None,
        reference_texts: Iterable[str] = (),
        feedback: Mapping[str, Mapping[str, float]] | None = None,
        shortlist: int = 100,
        lexical_cache: int = 5000,
    ):
        self.investors = [as_investor(i) for i in investors]
        self.ids = [i.id for i in self.investors]
        self._index = {inv_id: n for n, inv_id in enumerate(self.ids)}
        if len(self._index) != len(self.ids):
            raise ValueError("duplicate investor id")
        self.weights = weights or DEFAULT_WEIGHTS
        self.shortlist = max(1, int(shortlist))
        self.lexical_cache = int(lexical_cache)
        self._lex_cache: OrderedDict = OrderedDict()
        self._lex_lock = threading.Lock()
        self._region_masks: dict[str, np.ndarray] = {}
        self._encoder_arg = encoder
        self._encoder: Any = None
        self._sentence_cache: dict[int, tuple[list[str], np.ndarray]] = {}
        n = len(self.investors)

        thesis_texts = [inv.thesis_text for inv in self.investors]
        items = [inv.portfolio_items for inv in self.investors]
        self.item_owner = np.array([i for i, its in enumerate(items) for _ in its], dtype=np.int64)
        self.item_texts = [t for its in items for t in its]
        counts = np.array([len(its) for its in items], dtype=np.int64)
        self.has_thesis = np.array([bool(t) for t in thesis_texts])
        self.has_portfolio = counts > 0
        # padded (n, max_k) index of each investor's items into the stacked arrays, -1 where missing
        max_k = int(counts.max()) if n and counts.size else 0
        self.item_pad = np.full((n, max_k), -1, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) if n else np.zeros(0, dtype=np.int64)
        for i in range(n):
            self.item_pad[i, : counts[i]] = np.arange(starts[i], starts[i] + counts[i])

        # dense side
        if investor_vectors is None or (portfolio_vectors is None and len(self.item_texts)):
            enc = self.encoder
            if enc is None:
                raise ValueError("an encoder is needed when investor vectors are not given")
        if investor_vectors is None:
            present = [t for t in thesis_texts if t]
            vecs = self.encoder.encode(present, prompt=PROMPT) if present else None
            dim = vecs.shape[1] if vecs is not None else int(self.encoder.dim)
            investor_vectors = np.zeros((n, dim), dtype=np.float32)
            if vecs is not None:
                investor_vectors[self.has_thesis] = vecs
        self.thesis_vectors = np.ascontiguousarray(investor_vectors, dtype=np.float32)
        if self.thesis_vectors.shape[0] != n:
            raise ValueError("investor_vectors must have one row per investor")
        dim = self.thesis_vectors.shape[1]
        if portfolio_vectors is None:
            portfolio_vectors = (
                self.encoder.encode(self.item_texts, prompt=PROMPT)
                if self.item_texts
                else np.zeros((0, dim), dtype=np.float32)
            )
        elif not isinstance(portfolio_vectors, np.ndarray):
            parts = [np.asarray(v, dtype=np.float32).reshape(-1, dim) for v in portfolio_vectors]
            portfolio_vectors = np.concatenate(parts) if parts else np.zeros((0, dim), dtype=np.float32)
        portfolio_vectors = np.asarray(portfolio_vectors, dtype=np.float32).reshape(-1, dim)
        if portfolio_vectors.shape[0] != len(self.item_texts):
            raise ValueError("portfolio_vectors must have one row per portfolio item")
        # one matrix (thesis rows, then item rows) so that a query reads the vectors once; views into it
        self.all_vectors = np.ascontiguousarray(np.concatenate([self.thesis_vectors, portfolio_vectors]))
        self.thesis_vectors = self.all_vectors[:n]
        self.item_vectors = self.all_vectors[n:]

        # lexical side
        self.lexical = LexicalModel().fit([*thesis_texts, *self.item_texts, *reference_texts])
        self.thesis_lex = self.lexical.transform(thesis_texts)
        self.item_lex = self.lexical.transform(self.item_texts)
        self.thesis_lang = np.array([language_profile(t) for t in thesis_texts]).reshape(n, 3)
        self.item_lang = np.array([language_profile(t) for t in self.item_texts]).reshape(-1, 3)
        # language profile of each investor's portfolio as a whole (for the lexical weight)
        port_lang = np.zeros((n, 3))
        if len(self.item_texts):
            np.add.at(port_lang, self.item_owner, self.item_lang)
            port_lang /= np.maximum(counts, 1)[:, None]
        self.portfolio_lang = port_lang

        # words for the "shared terms" reason
        self.terms = TermIndex([*thesis_texts, *self.item_texts, *reference_texts])
        self.investor_stems = [
            TermIndex.stems(" ".join([inv.thesis_text, *inv.portfolio_items])) for inv in self.investors
        ]

        # filters as arrays
        self.f_trl_min = np.array([_num(i.trl_min) for i in self.investors])
        self.f_trl_max = np.array([_num(i.trl_max) for i in self.investors])
        self.f_ticket_min = np.array([_num(i.ticket_min_kzt) for i in self.investors])
        self.f_ticket_max = np.array([_num(i.ticket_max_kzt) for i in self.investors])
        self.f_regions = [set(i.regions or []) for i in self.investors]

        # statistics for standardisation (set by calibrate)
        self.stats: dict[str, np.ndarray] | None = None
        self._ref_vectors: np.ndarray | None = None

        self.feedback: dict[str, dict[str, float]] = {}
        self.feedback_vectors: dict[str, np.ndarray] = {}
        for inv_id, fb in (feedback or {}).items():
            self.set_feedback(inv_id, fb)

    # ------------------------------------------------------------------------------------ plumbing
    @property
    def encoder(self) -> Any:
        if self._encoder is None and self._encoder_arg is not None:
            self._encoder = _as_encoder(self._encoder_arg)
        return self._encoder

    def encode_projects(self, projects: Sequence[Project | Mapping[str, Any]]) -> np.ndarray:
        """Dense vectors of the projects' texts (what the web app caches per project)."""
        projects = [as_project(p) for p in projects]
        if self.encoder is None:
            raise ValueError("no encoder: pass project_vectors")
        if not projects:
            return np.zeros((0, self.thesis_vectors.shape[1]), dtype=np.float32)
        return np.asarray(self.encoder.encode([p.text for p in projects], prompt=PROMPT), dtype=np.float32)

    def _project_inputs(self, projects, project_vectors):
        projects = _Projects(projects)
        if project_vectors is None:
            project_vectors = self.encode_projects(projects)
        project_vectors = np.ascontiguousarray(project_vectors, dtype=np.float32)
        if project_vectors.shape[0] != len(projects):
            raise ValueError("project_vectors must have one row per project")
        return projects, project_vectors

    def _project_lex(self, texts: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        """TF-IDF rows and language profiles of project texts (LRU-cached)."""
        with self._lex_lock:
            return self.lexical.transform_cached(texts, self._lex_cache, self.lexical_cache)

    # ------------------------------------------------------------------------------------ components
    def _raw(
        self,
        p_vec: np.ndarray,
        p_lex: sp.csr_matrix | None,
        p_lang: np.ndarray,
        inv: np.ndarray | None = None,
        lexical: bool = True,
    ) -> np.ndarray:
        """Raw components, shape (4, n_projects, n_selected_investors); NaN where missing."""
        n_all = len(self.investors)
        everyone = inv is None or (
            len(inv) == n_all and (n_all == 0 or (inv[0] == 0 and inv[-1] == n_all - 1))
        )
        inv = np.arange(n_all) if inv is None else inv
        w = self.weights
        n_p, n_i = p_vec.shape[0], len(inv)
        out = np.full((4, n_p, n_i), np.nan)
        pad = self.item_pad if everyone else self.item_pad[inv]
        valid = pad >= 0
        has_t = self.has_thesis if everyone else self.has_thesis[inv]
        if everyone:  # every row is used: no copy of the vectors
            slot = np.where(valid, pad, 0)
            items_lex = self.item_lex
            all_sims = p_vec @ self.all_vectors.T  # one pass: (n_p, n_investors + n_items)
            out[0] = all_sims[:, :n_all]
            sims = all_sims[:, n_all:]
        else:
            used = np.unique(pad[valid])
            local = np.full(self.item_vectors.shape[0], -1, dtype=np.int64)
            local[used] = np.arange(used.size)
            slot = np.where(valid, local[pad], 0)
            items_lex = self.item_lex[used]
            rows = np.concatenate([inv, n_all + used])
            all_sims = p_vec @ self.all_vectors[rows].T
            out[0] = all_sims[:, :n_i]
            sims = all_sims[:, n_i:]
        out[0][:, ~has_t] = np.nan
        if pad.size and sims.shape[1]:
            gathered = np.where(valid[None], sims[:, slot], -np.inf)
            out[1] = _topm_mean(gathered, w.portfolio_top)
        if lexical and p_lex is not None:
            out[2] = (p_lex @ (self.thesis_lex if everyone else self.thesis_lex[inv]).T).toarray()
            out[2][:, ~has_t] = np.nan
            if pad.size and items_lex.shape[0]:
                lsims = (p_lex @ items_lex.T).toarray()
                gathered = np.where(valid[None], lsims[:, slot], -np.inf)
                out[3] = _topm_mean(gathered, w.portfolio_top)
        return out

    def _lex_gate(self, p_lang: np.ndarray, inv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-pair weights of the lexical components from the language profiles: (n_p, n_i) each."""
        w = self.weights
        compat = np.array(
            [
                [1.0, w.lexical_cross, w.lexical_cross],
                [w.lexical_cross, 1.0, w.lexical_ru_kk],
                [w.lexical_cross, w.lexical_ru_kk, 1.0],
            ]
        )
        pc = p_lang @ compat
        return pc @ self.thesis_lang[inv].T, pc @ self.portfolio_lang[inv].T

    def _standardise(
        self, raw: np.ndarray, inv: np.ndarray, stats: dict[str, np.ndarray] | None
    ) -> np.ndarray:
        mode = self.weights.standardise
        if mode == "none":
            return raw.copy()
        if mode == "investor" and stats is not None:
            mu = stats["mean"][:, inv][:, None, :]
            sd = stats["std"][:, inv][:, None, :]
            return (raw - mu) / sd
        # per project across the investors (also the fallback without statistics); with one investor,
        # across the projects being ranked instead
        axis = 1 if raw.shape[2] == 1 and raw.shape[1] > 1 else 2
        ok = np.isfinite(raw)
        count = np.maximum(ok.sum(axis=axis, keepdims=True), 1)
        vals = np.where(ok, raw, 0.0)
        mu = vals.sum(axis=axis, keepdims=True) / count
        sd = np.sqrt(
            np.maximum((np.where(ok, raw - mu, 0.0) ** 2).sum(axis=axis, keepdims=True) / count, 0.0)
        )
        sd = np.where(sd > _EPS, sd, 1.0)
        return (raw - mu) / sd

    def _blend(self, z: np.ndarray, gate_t: np.ndarray | None, gate_p: np.ndarray | None) -> np.ndarray:
        """Blend standardised components (4, n_p, n_i) into scores (n_p, n_i)."""
        w = self.weights.vector()
        z = z.copy()
        # a missing component takes the value of the present one of the same kind
        for a, b in ((0, 1), (2, 3)):
            miss_a, miss_b = np.isnan(z[a]), np.isnan(z[b])
            z[a] = np.where(miss_a, z[b], z[a])
            z[b] = np.where(miss_b, z[a], z[b])
        z = np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)
        total = w[0] * z[0] + w[1] * z[1]
        mode = self.weights.blend_norm
        if mode == "l2":
            norm = w[0] ** 2 + w[1] ** 2
        else:
            norm = w[0] + w[1]
        if gate_t is not None and (w[2] or w[3]):
            lt, lp = w[2] * gate_t, w[3] * gate_p
            total = total + lt * z[2] + lp * z[3]
            if mode == "l1":
                norm = norm + lt + lp
            elif mode == "l2":
                norm = norm + lt**2 + lp**2
        if mode == "l2":
            norm = np.sqrt(norm)
        return total / np.maximum(norm, _EPS)

    # ------------------------------------------------------------------------------------ calibration
    def calibrate(
        self,
        projects: Sequence[Project | Mapping[str, Any]],
        project_vectors: np.ndarray | None = None,
        seed: int = 0,
    ) -> Matcher:
        """Estimate each investor's mean and spread of every component over a reference pool of projects
        (at most :data:`MAX_REFERENCE`, sampled; kept for the feedback statistics). Call it with
        the project pool (the web app) or the projects in a file; with fewer than
        :data:`MIN_REFERENCE` projects it does nothing."""
        projects, vectors = self._project_inputs(projects, project_vectors)
        self.stats = self._compute_stats(projects, vectors, seed=seed)
        if len(projects) >= MIN_REFERENCE:
            idx = np.arange(len(projects))
            if len(idx) > MAX_REFERENCE:
                idx = np.sort(np.random.default_rng(seed).choice(idx, MAX_REFERENCE, replace=False))
            self._ref_vectors = vectors[idx]
        return self

    def _compute_stats(self, projects, vectors, seed=0):
        if len(projects) < MIN_REFERENCE or not self.investors:
            return None
        idx = np.arange(len(projects))
        if len(idx) > MAX_REFERENCE:
            idx = np.sort(np.random.default_rng(seed).choice(idx, MAX_REFERENCE, replace=False))
        total = np.zeros((4, len(self.investors)))
        total_sq = np.zeros((4, len(self.investors)))
        count = np.zeros((4, len(self.investors)))
        texts = [projects[i].text for i in idx]
        for start in range(0, len(idx), 128):
            sel = idx[start : start + 128]
            lex = self.lexical.transform(texts[start : start + 128])
            raw = self._raw(vectors[sel], lex, None)
            ok = np.isfinite(raw)
            vals = np.where(ok, raw, 0.0)
            total += vals.sum(axis=1)
            total_sq += (vals**2).sum(axis=1)
            count += ok.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / np.maximum(count, 1)
            var = total_sq / np.maximum(count, 1) - mean**2
        std = np.sqrt(np.maximum(var, 0.0))
        # a floor per component (a tiny spread would blow up noise): 10 % of the median spread
        for c in range(4):
            positive = std[c][std[c] > 0]
            floor = 0.1 * float(np.median(positive)) if positive.size else 1.0
            std[c] = np.maximum(std[c], max(floor, _EPS))
        return {"mean": mean, "std": std}

    # ------------------------------------------------------------------------------------ feedback
    def set_feedback(
        self, investor_id: str, feedback: Mapping[str, float], vectors: Mapping[str, np.ndarray] | None = None
    ) -> None:
        """Replace the investor's feedback: ``{project_id: weight}`` (+1 interested, -1 not relevant).
        ``vectors``: dense vectors of those projects, when they may not be among the ranked projects."""
        if investor_id not in self._index:
            raise KeyError(investor_id)
        self.feedback[investor_id] = {str(k): float(v) for k, v in feedback.items() if v}
        for pid, vec in (vectors or {}).items():
            self.feedback_vectors[str(pid)] = np.asarray(vec, dtype=np.float32)

    def _feedback_adjust(self, projects: list[Project], vectors: np.ndarray, inv: np.ndarray):
        """(n_p, n_i) additive adjustment and a mask of pairs lifted by the investor's "interested" marks.

        Rocchio: the investor's feedback direction is the weighted sum of the marked projects' vectors
        (+ interested, - not relevant); a project moves by ``weights.feedback`` times the z-score of its
        cosine with that direction (over the reference pool, else over the projects being ranked), scaled
        by the marks' share of the investor's evidence, ``n / (n + d)`` for n marks and d descriptions
        (thesis + portfolio items): marks matter most where the profile says little. A marked project
        itself also moves by ``weights.feedback`` times its own weight."""
        adj = np.zeros((len(projects), len(inv)))
        lifted = np.zeros_like(adj, dtype=bool)
        marked = [(self._index[inv_id], fb) for inv_id, fb in self.feedback.items() if fb]
        if not marked:
            return adj, lifted
        if len(inv) == len(self.investors):
            columns = [(i, i, fb) for i, fb in marked]
        else:
            where = {int(i): col for col, i in enumerate(inv)}
            columns = [(where[i], i, fb) for i, fb in marked if i in where]
        if not columns:
            return adj, lifted
        ids = projects.ids() if isinstance(projects, _Projects) else [p.id for p in projects]
        pos = {pid: n for n, pid in enumerate(ids)}
        beta = self.weights.feedback
        pool = self._ref_vectors if self._ref_vectors is not None and len(self._ref_vectors) > 1 else vectors
        for col, i, fb in columns:
            direction = np.zeros(vectors.shape[1], dtype=np.float64)
            used = 0
            for pid, weight in fb.items():
                vec = self.feedback_vectors.get(pid)
                if vec is None and pid in pos:
                    vec = vectors[pos[pid]]
                if vec is not None:
                    direction += weight * vec
                    used += 1
                if pid in pos:
                    adj[pos[pid], col] += beta * weight
            norm = np.linalg.norm(direction)
            if used and norm > _EPS and len(pool) > 1:
                direction /= norm
                ref = pool @ direction
                mu, sd = float(ref.mean()), max(float(ref.std()), _EPS)
                zf = (vectors @ direction - mu) / sd
                described = int(self.has_thesis[i]) + int((self.item_pad[i] >= 0).sum())
                adj[:, col] += beta * used / (used + max(described, 1)) * zf
                if any(w > 0 for w in fb.values()):
                    lifted[:, col] |= zf > 1.5
        return adj, lifted

    def _dismissed(self, investor_id: str) -> set[str]:
        return {pid for pid, w in self.feedback.get(investor_id, {}).items() if w < 0}

    # ------------------------------------------------------------------------------------ filters
    def _filter_mask(self, project: Project, inv: np.ndarray) -> np.ndarray:
        ok = np.ones(len(inv), dtype=bool)
        if project.trl is not None:
            lo, hi = self.f_trl_min[inv], self.f_trl_max[inv]
            ok &= ~(np.isfinite(lo) & (project.trl < lo)) & ~(np.isfinite(hi) & (project.trl > hi))
        if project.ask_kzt is not None:
            lo, hi = self.f_ticket_min[inv], self.f_ticket_max[inv]
            ok &= ~(np.isfinite(lo) & (project.ask_kzt < lo)) & ~(np.isfinite(hi) & (project.ask_kzt > hi))
        if project.region:
            mask = self._region_masks.get(project.region)
            if mask is None:
                mask = np.array([not r or project.region in r for r in self.f_regions], dtype=bool)
                self._region_masks[project.region] = mask
            ok &= mask[inv]
        return ok

    def passes_filters(self, project: Project | Mapping[str, Any], investor_id: str) -> bool:
        return bool(self._filter_mask(as_project(project), np.array([self._index[investor_id]]))[0])

    # ------------------------------------------------------------------------------------ scoring
    def score_matrix(
        self,
        projects: Sequence[Project | Mapping[str, Any]],
        project_vectors: np.ndarray | None = None,
        *,
        feedback: bool = True,
        components: bool = False,
    ):
        """Blended scores (n_projects, n_investors), without filters; with ``components=True`` also the
        raw and the standardised components (4, n_projects, n_investors). For evaluation and caching."""
        projects, vectors = self._project_inputs(projects, project_vectors)
        stats = self.stats if self.stats is not None else self._compute_stats(projects, vectors)
        inv = np.arange(len(self.investors))
        lex = self.lexical.transform([p.text for p in projects])
        raw = self._raw(vectors, lex, None, inv)
        z = self._standardise(raw, inv, stats)
        p_lang = np.array([language_profile(p.text) for p in projects]).reshape(-1, 3)
        gate_t, gate_p = self._lex_gate(p_lang, inv)
        scores = self._blend(z, gate_t, gate_p)
        if feedback:
            scores = scores + self._feedback_adjust(projects, vectors, inv)[0]
        if components:
            return scores, raw, z
        return scores

    def _score_block(self, projects: list[Project], vectors: np.ndarray, inv: np.ndarray, stats):
        """Scores (n_p, n_i) of projects x selected investors and the standardised components.

        When one side is a single item, the other has more than ``shortlist`` entries and per-investor
        statistics exist, the lexical part is computed only for the ``shortlist`` best candidates by the
        dense score; the others keep their dense-only score. (Without statistics the standardisation is
        relative to the candidates, so everything is computed.)"""
        n_p, n_i = len(projects), len(inv)
        one_vs_many = (
            stats is not None
            and self.weights.standardise == "investor"
            and ((n_p == 1 and n_i > self.shortlist) or (n_i == 1 and n_p > self.shortlist))
        )
        if not one_vs_many:
            lex, p_lang = self._project_lex([p.text for p in projects])
            raw = self._raw(vectors, lex, p_lang, inv)
            z = self._standardise(raw, inv, stats)
            gate_t, gate_p = self._lex_gate(p_lang, inv)
            return self._blend(z, gate_t, gate_p), z
        if n_i == 1:
            scores, z = self._dense_single(vectors, int(inv[0]), stats)
        else:
            z = self._standardise(self._raw(vectors, None, None, inv, lexical=False), inv, stats)
            scores = self._blend(z, None, None)
        keep = np.argpartition(-scores.ravel(), self.shortlist - 1)[: self.shortlist]
        if n_p == 1:
            sub_inv = inv[keep]
            lex, p_lang = self._project_lex([projects[0].text])
            z_s = self._standardise(self._raw(vectors, lex, p_lang, sub_inv), sub_inv, stats)
            gate_t, gate_p = self._lex_gate(p_lang, sub_inv)
            scores[:, keep] = self._blend(z_s, gate_t, gate_p)
            z[:, :, keep] = z_s
        else:
            texts = [projects[k].text for k in keep]
            lex, p_lang = self._project_lex(texts)
            z_s = self._standardise(self._raw(vectors[keep], lex, p_lang, inv), inv, stats)
            gate_t, gate_p = self._lex_gate(p_lang, inv)
            scores[keep, :] = self._blend(z_s, gate_t, gate_p)
            z[:, keep, :] = z_s
        return scores, z

    def _dense_single(self, vectors: np.ndarray, i: int, stats: dict[str, np.ndarray]):
        """Dense-only blended scores (n_p, 1) and standardised components (4, n_p, 1) of many projects for
        one investor: the same numbers as ``_raw`` + ``_standardise`` + ``_blend`` without lexical parts,
        in float32 with a single pass over the project vectors."""
        w = self.weights
        n_all = len(self.investors)
        items = self.item_pad[i][self.item_pad[i] >= 0]
        has_t = bool(self.has_thesis[i])
        rows = np.concatenate([[i] if has_t else [], n_all + items]).astype(np.int64)
        sims = vectors @ self.all_vectors[rows].T  # (n_p, rows)
        mean, std = stats["mean"][:, i], stats["std"][:, i]
        zt = (sims[:, 0] - np.float32(mean[0])) / np.float32(std[0]) if has_t else None
        port = sims[:, 1:] if has_t else sims
        zp = None
        if port.shape[1]:
            k = port.shape[1]
            m = max(1, min(w.portfolio_top, k))
            best = port.max(axis=1) if m == 1 else np.partition(port, k - m, axis=1)[:, k - m :].mean(axis=1)
            zp = (best - np.float32(mean[1])) / np.float32(std[1])
        z = np.full((4, len(vectors), 1), np.nan)
        if zt is not None:
            z[0, :, 0] = zt
        if zp is not None:
            z[1, :, 0] = zp
        zt = zp if zt is None else zt
        zp = zt if zp is None else zp
        if zt is None:  # neither a thesis nor a portfolio
            return np.zeros((len(vectors), 1)), z
        norm = (
            np.hypot(w.dense_thesis, w.dense_portfolio)
            if w.blend_norm == "l2"
            else w.dense_thesis + w.dense_portfolio
        )
        scores = (w.dense_thesis * zt + w.dense_portfolio * zp) / max(norm, _EPS)
        return scores.astype(np.float64).reshape(-1, 1), z

    # ------------------------------------------------------------------------------------ reasons
    def _reasons(
        self,
        project: Project,
        p_vec: np.ndarray,
        i: int,
        z: np.ndarray,
        lifted: bool,
        p_stems: dict[str, str],
    ) -> list[dict[str, Any]]:
        inv = self.investors[i]
        reasons: list[dict[str, Any]] = []
        if project.trl is not None and (inv.trl_min is not None or inv.trl_max is not None):
            reasons.append(
                {
                    "code": "trl_in_range",
                    "params": {"trl": project.trl, "trl_min": inv.trl_min, "trl_max": inv.trl_max},
                }
            )
        if project.ask_kzt is not None and (inv.ticket_min_kzt is not None or inv.ticket_max_kzt is not None):
            reasons.append(
                {
                    "code": "ticket_fits",
                    "params": {
                        "ask_kzt": project.ask_kzt,
                        "ticket_min_kzt": inv.ticket_min_kzt,
                        "ticket_max_kzt": inv.ticket_max_kzt,
                    },
                }
            )
        if project.region and inv.regions:
            reasons.append({"code": "region_match", "params": {"region": project.region}})
        terms = self.terms.shared(p_stems, self.investor_stems[i])
        if terms:
            reasons.append({"code": "shared_terms", "params": {"terms": terms}})
        # the best-matching text of the investor: a portfolio item or a sentence of the thesis
        zt, zp = z[0], z[1]
        items = self.item_pad[i][self.item_pad[i] >= 0]
        use_item = items.size > 0 and (
            not self.has_thesis[i] or (np.isfinite(zp) and (not np.isfinite(zt) or zp >= zt))
        )
        if use_item:
            sims = self.item_vectors[items] @ p_vec
            best = int(items[int(np.argmax(sims))])
            reasons.append(
                {
                    "code": "similar_investment",
                    "params": {"text": _clip_text(self.item_texts[best]), "index": int(best - items[0])},
                }
            )
        elif self.has_thesis[i]:
            reasons.append(
                {
                    "code": "thesis_match",
                    "params": {"text": _clip_text(self._best_sentence(i, p_vec, p_stems))},
                }
            )
        if lifted:
            reasons.append({"code": "feedback_similar", "params": {}})
        return reasons

    def _best_sentence(self, i: int, p_vec: np.ndarray, p_stems: dict[str, str] | None = None) -> str:
        thesis = (self.investors[i].thesis or "").strip()
        sentences = _sentences(thesis)
        if len(sentences) <= 1:
            return thesis
        cached = self._sentence_cache.get(i)
        if cached is None and self.encoder is not None:
            cached = (sentences, self.encoder.encode(sentences, prompt=PROMPT))
            self._sentence_cache[i] = cached
        if cached is None:  # no encoder: the sentence sharing the rarest words with the project
            p_stems = p_stems or {}
            gains = [
                sum(self.terms.idf(st) for st in TermIndex.stems(sent) if st in p_stems) for sent in sentences
            ]
            return sentences[int(np.argmax(gains))]
        return cached[0][int(np.argmax(cached[1] @ p_vec))]

    # ------------------------------------------------------------------------------------ ranking
    def rank_investors(
        self,
        projects: Sequence[Project | Mapping[str, Any]],
        top_k: int = 5,
        *,
        project_vectors: np.ndarray | None = None,
        apply_filters: bool = True,
        exclude_dismissed: bool = True,
        with_reasons: bool = True,
    ) -> list[dict[str, Any]]:
        """For every project, its best investors: ``[{"project_id", "matches": [{"investor_id", "score",
        "reasons": [{"code", "params"}]}]}]``, best first, at most ``top_k``, filters applied."""
        projects, vectors = self._project_inputs(projects, project_vectors)
        if not projects:
            return []
        stats = self.stats if self.stats is not None else self._compute_stats(projects, vectors)
        inv = np.arange(len(self.investors))
        results = []
        block = 64 if len(self.investors) <= self.shortlist else 1
        for start in range(0, len(projects), block):
            chunk = projects[start : start + block]
            cvec = vectors[start : start + block]
            if len(self.investors):
                scores, z = self._score_block(chunk, cvec, inv, stats)
                adj, lifted = self._feedback_adjust(chunk, cvec, inv)
                scores = scores + adj
            for row, project in enumerate(chunk):
                matches: list[dict[str, Any]] = []
                if len(self.investors):
                    s = scores[row].copy()
                    if apply_filters:
                        s[~self._filter_mask(project, inv)] = -np.inf
                    if exclude_dismissed:
                        for inv_id, fb in self.feedback.items():
                            if fb.get(project.id, 0) < 0:
                                s[self._index[inv_id]] = -np.inf
                    order = _top(s, top_k)
                    p_stems = TermIndex.stems(project.text) if with_reasons else {}
                    for col in order:
                        match = {"investor_id": self.ids[col], "score": _squash(s[col])}
                        if with_reasons:
                            match["reasons"] = self._reasons(
                                project, cvec[row], col, z[:, row, col], bool(lifted[row, col]), p_stems
                            )
                        matches.append(match)
                results.append({"project_id": project.id, "matches": matches})
        return results

    def rank_projects(
        self,
        investor_id: str,
        projects: Sequence[Project | Mapping[str, Any]],
        top_k: int = 10,
        *,
        project_vectors: np.ndarray | None = None,
        apply_filters: bool = True,
        exclude_dismissed: bool = True,
        with_reasons: bool = True,
    ) -> list[dict[str, Any]]:
        """The investor's best projects: ``[{"project_id", "score", "reasons": [...]}]``, best first."""
        i = self._index[investor_id]
        projects, vectors = self._project_inputs(projects, project_vectors)
        if not projects:
            return []
        stats = self.stats if self.stats is not None else self._compute_stats(projects, vectors)
        inv = np.array([i])
        scores, z = self._score_block(projects, vectors, inv, stats)
        adj, lifted = self._feedback_adjust(projects, vectors, inv)
        s = (scores + adj)[:, 0]
        dismissed = self._dismissed(investor_id) if exclude_dismissed else set()

        def eligible(n: int) -> bool:
            project = projects[n]
            if project.id in dismissed:
                return False
            return not apply_filters or bool(self._filter_mask(project, inv)[0])

        out = []
        for n in _top_lazy(s, top_k, eligible):
            item = {"project_id": projects[n].id, "score": _squash(s[n])}
            if with_reasons:
                item["reasons"] = self._reasons(
                    projects[n],
                    vectors[n],
                    i,
                    z[:, n, 0],
                    bool(lifted[n, 0]),
                    TermIndex.stems(projects[n].text),
                )
            out.append(item)
        return out

    def with_weights(self, weights: BlendWeights) -> Matcher:
        """A shallow copy using other blend weights (for evaluation); statistics are recomputed lazily."""
        clone = object.__new__(Matcher)
        clone.__dict__.update(self.__dict__)
        clone.weights = weights
        clone.stats = None
        clone.feedback = {k: dict(v) for k, v in self.feedback.items()}
        return clone


class _Projects(Sequence):
    """A read-only view of project records that converts each one to a :class:`Project` on first access,
    so that ranking 100 000 projects only converts the candidates it looks at."""

    def __init__(self, items: Sequence[Any]):
        self._items = items if isinstance(items, (list, tuple, _Projects)) else list(items)
        self._done: dict[int, Project] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, n):  # type: ignore[override]
        if isinstance(n, slice):
            return [self[k] for k in range(*n.indices(len(self)))]
        n = int(n)
        if n < 0:
            n += len(self._items)
        project = self._done.get(n)
        if project is None:
            item = self._items[n]
            project = item if type(item) is Project else as_project(item)
            self._done[n] = project
        return project

    def __iter__(self):
        return (self[n] for n in range(len(self._items)))

    def ids(self) -> list[str]:
        """The projects' ids, without converting the records."""
        return [
            self._done[n].id if n in self._done else str(field(item, "id"))
            for n, item in enumerate(self._items)
        ]


def _top(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k best finite scores, best first (ties by index)."""
    finite = np.flatnonzero(np.isfinite(scores))
    if k <= 0 or finite.size == 0:
        return []
    if finite.size > k:
        part = np.argpartition(-scores[finite], k - 1)[:k]
        finite = finite[part]
    return [int(x) for x in finite[np.lexsort((finite, -scores[finite]))]]


def _top_lazy(scores: np.ndarray, k: int, eligible) -> list[int]:
    """The k best finite scores whose index passes ``eligible``, best first, checking candidates in score
    order (so a filter costs O(k) Python calls, not one per project)."""
    if k <= 0:
        return []
    chosen: list[int] = []
    want = max(4 * k, 32)
    seen = 0
    while True:
        order = _top(scores, min(want, scores.size))
        for n in order[seen:]:
            if eligible(n):
                chosen.append(n)
                if len(chosen) == k:
                    return chosen
        if len(order) < want or want >= scores.size:
            return chosen
        seen = len(order)
        want *= 4


def _squash(value: float) -> float:
    """Blended standardised score -> (0, 1), monotone."""
    return round(float(1.0 / (1.0 + math.exp(-float(value)))), 4)


# ============================================================================================ functions
def rank_investors(
    projects: Sequence[Project | Mapping[str, Any]],
    investors: Sequence[Investor | Mapping[str, Any]],
    top_k: int = 5,
    encoder: Any = None,
    *,
    weights: BlendWeights | None = None,
    apply_filters: bool = True,
    feedback: Mapping[str, Mapping[str, float]] | None = None,
) -> list[dict[str, Any]]:
    """Rank investors for every project. The projects are the reference pool.

    Returns ``[{"project_id", "matches": [{"investor_id", "score", "reasons": [{"code", "params"}]}]}]``,
    best first, at most ``top_k`` per project (``app.matching.reasons.render_matches`` puts the reasons in
    words). ``encoder``: an encoder or its name (default ``"hashing"``).
    """
    projects = [as_project(p) for p in projects]
    matcher = Matcher(
        investors, encoder, weights=weights, reference_texts=[p.text for p in projects], feedback=feedback
    )
    vectors = matcher.encode_projects(projects)
    matcher.calibrate(projects, vectors)
    return matcher.rank_investors(projects, top_k, project_vectors=vectors, apply_filters=apply_filters)


def rank_projects(
    investor: Investor | Mapping[str, Any],
    projects: Sequence[Project | Mapping[str, Any]],
    top_k: int = 10,
    encoder: Any = None,
    *,
    weights: BlendWeights | None = None,
    apply_filters: bool = True,
    feedback: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """Rank projects for one investor: ``[{"project_id", "score", "reasons": [{"code", "params"}]}]``,
    best first. ``feedback``: this investor's ``{project_id: weight}``."""
    investor = as_investor(investor)
    projects = [as_project(p) for p in projects]
    matcher = Matcher([investor], encoder, weights=weights, reference_texts=[p.text for p in projects])
    if feedback:
        matcher.set_feedback(investor.id, feedback)
    vectors = matcher.encode_projects(projects)
    matcher.calibrate(projects, vectors)
    return matcher.rank_projects(investor.id, projects, top_k, project_vectors=vectors, apply_filters=apply_filters)
