"""Speed of the matching engine once vectors exist (no model is loaded).

Random L2-normalised vectors of dimension 384 stand in for e5 embeddings; texts are synthetic but of
realistic length (sentences drawn from bench/data/matching_eval), because the lexical (TF-IDF) part and
the reasons work on text. Measured:

* building a Matcher for N investors (thesis + 4 portfolio items each; TF-IDF fit and transform of their
  texts) and calibrating it on a reference pool of projects: one-off costs, paid when profiles change;
* ranking 1 project against 10 000 investors (``Matcher.rank_investors``), top 10 with reasons;
* ranking 100 000 projects for 1 investor (``Matcher.rank_projects``), top 10 with reasons, cold (the
  shortlisted projects' TF-IDF rows are computed) and warm (the same investor again: rows cached).

At query time the dense part covers every candidate (matrix products, ``argpartition``); the TF-IDF part
is computed only for the best ``shortlist`` (default 100) candidates by the dense score: the project's
TF-IDF row times the sparse rows of the shortlisted investors, or the shortlisted projects' rows (from an
LRU cache, else transformed) times the investor's rows. Filters are checked on candidates in score order.

    python bench/matching_speed.py                    # 10 000 investors, 100 000 projects, 20 repeats
    python bench/matching_speed.py --investors 2000 --projects 20000 --repeats 5   # quicker
    python bench/matching_speed.py --blas-threads 1   # single-threaded BLAS (faster on a busy 2-core box)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.matching.ranking import Matcher, Project  # noqa: E402

DATA = ROOT / "bench" / "data" / "matching_eval"
DIM = 384


def unit(rng, n, dim=DIM):
    m = rng.standard_normal((n, dim)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m


def sentence_pool():
    sentences = []
    for name in ("projects.jsonl", "funders.jsonl"):
        for line in (DATA / name).open(encoding="utf-8"):
            rec = json.loads(line)
            for text in [
                rec.get("abstract", ""),
                rec.get("thesis_en", ""),
                rec.get("thesis_kk", ""),
                *rec.get("portfolio_ru", []),
            ]:
                sentences += [s.strip() + "." for s in text.split(".") if len(s.strip()) > 20]
    return sentences


def timed(fn, repeats):
    times = []
    result = None
    for r in range(repeats):
        t0 = time.perf_counter()
        result = fn(r)
        times.append(time.perf_counter() - t0)
    return times, result


def ms(times):
    median, low, high = 1000 * statistics.median(times), 1000 * min(times), 1000 * max(times)
    return f"median {median:7.1f} ms (min {low:.1f}, max {high:.1f})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--investors", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=4, help="portfolio items per investor")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--reference", type=int, default=500, help="projects used to calibrate")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=0,
        help="limit BLAS/OpenMP threads (threadpoolctl); 0: leave as is",
    )
    args = parser.parse_args(argv)
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads)
        print(f"BLAS/OpenMP threads limited to {args.blas_threads}")

    rng = np.random.default_rng(args.seed)
    pool = sentence_pool()

    def text(n_sentences, tag):
        picks = rng.integers(0, len(pool), n_sentences)
        return " ".join(pool[k] for k in picks) + f" #{tag}"

    regions = ["almaty_city", "astana", "abai", "karaganda", "atyrau", "east_kz"]
    investors = []
    for i in range(args.investors):
        investors.append(
            {
                "id": f"i{i}",
                "thesis": text(1, f"t{i}"),
                "portfolio": [text(1, f"i{i}.{k}") for k in range(args.items)],
                "trl_min": int(rng.integers(1, 5)),
                "trl_max": 9,
                "ticket_min_kzt": 1e6,
                "ticket_max_kzt": 1e9,
                "regions": [] if i % 3 else list(rng.choice(regions, 2, replace=False)),
            }
        )
    thesis_vectors = unit(rng, args.investors)
    portfolio_vectors = unit(rng, args.investors * args.items)

    t0 = time.perf_counter()
    matcher = Matcher(investors, None, investor_vectors=thesis_vectors, portfolio_vectors=portfolio_vectors)
    build = time.perf_counter() - t0
    print(
        f"{args.investors} investors x ({args.items} portfolio items + thesis), dim {DIM}: Matcher built in "
        f"{build:.1f} s (TF-IDF fit and rows, term index)"
    )

    t0 = time.perf_counter()
    projects = [
        Project(
            id=f"p{n}",
            abstract=text(3, f"p{n}"),
            title=f"Project {n}",
            trl=int(rng.integers(3, 9)),
            region=regions[n % len(regions)],
            ask_kzt=float(rng.integers(1, 900)) * 1e6,
        )
        for n in range(args.projects)
    ]
    project_vectors = unit(rng, args.projects)
    print(
        f"{args.projects} synthetic projects made in {time.perf_counter() - t0:.1f} s "
        f"(mean {np.mean([len(p.text) for p in projects[:1000]]):.0f} characters)"
    )

    t0 = time.perf_counter()
    matcher.calibrate(projects[: args.reference], project_vectors[: args.reference])
    print(f"calibrated on {args.reference} reference projects in {time.perf_counter() - t0:.1f} s")

    # 1 project against all investors: a different project each time (no cache effects)
    def one_project(r, reasons=True):
        n = args.reference + r
        return matcher.rank_investors(
            [projects[n]], args.top, project_vectors=project_vectors[n : n + 1], with_reasons=reasons
        )

    one_project(0)  # warm-up
    times, result = timed(one_project, args.repeats)
    assert len(result[0]["matches"]) == args.top
    print(f"\n1 project vs {args.investors} investors, top {args.top} with reasons: {ms(times)}")
    times, _ = timed(lambda r: one_project(r, reasons=False), args.repeats)
    print(f"1 project vs {args.investors} investors, top {args.top} without reasons: {ms(times)}")

    # 1 investor against all projects
    def one_investor(r, reasons=True):
        return matcher.rank_projects(
            f"i{r}", projects, args.top, project_vectors=project_vectors, with_reasons=reasons
        )

    one_investor(args.repeats + 1)  # warm-up (another investor)
    cold, result = timed(one_investor, args.repeats)
    assert len(result) == args.top
    warm, _ = timed(lambda r: one_investor(0), args.repeats)
    print(f"1 investor vs {args.projects} projects, top {args.top} with reasons, cold: {ms(cold)}")
    print(f"1 investor vs {args.projects} projects, top {args.top} with reasons, warm: {ms(warm)}")
    dense_times = []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        scores = project_vectors @ thesis_vectors[r]
        np.argpartition(-scores, args.top)[: args.top]
        dense_times.append(time.perf_counter() - t0)
    print(
        f"  for scale: one bare matrix-vector product + argpartition over {args.projects}: {ms(dense_times)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
