"""Expert–application affinity (hashing encoder: fast, no model)."""

from __future__ import annotations

import numpy as np
import pytest

from app.scoring.review.affinity import (
    AffinityModel,
    ExpertVectors,
    application_text,
    expert_texts,
    pool,
    shared_terms,
    standardise,
)
from app.text.language import detect_language as text_language
from app.text.lexical import word_analyzer

EXPERTS = [
    {
        "id": "E1",
        "texts": [
            "Радиационное распухание аустенитных сталей при нейтронном облучении в реакторе.",
            "Гелиевое охрупчивание сталей после ионной имплантации.",
        ],
        "keywords": ["облучение", "стали"],
    },
    {
        "id": "E2",
        "texts": [
            "Засухоустойчивые сорта яровой пшеницы для степной зоны.",
            "Урожайность пшеницы и качество зерна в засушливые годы.",
        ],
    },
    {
        "id": "E3",
        "texts": [
            "Perovskite solar cells with improved stability under damp heat.",
            "Silicon photovoltaic module degradation in desert climate.",
        ],
    },
]
APPS = [
    {
        "id": "A1",
        "title": "Распухание сталей",
        "abstract": "Облучение аустенитных сталей нейтронами в реакторе ВВР-К.",
    },
    {
        "id": "A2",
        "title": "Пшеница",
        "abstract": "Новые засухоустойчивые сорта яровой пшеницы и их урожайность.",
    },
    {
        "id": "A3",
        "title": "Solar cells",
        "abstract": "Stability of perovskite solar cells and photovoltaic modules.",
    },
    {"id": "A4", "title": "Вакцины", "abstract": "Вакцина против бруцеллёза крупного рогатого скота."},
]


def test_matrix_shape_and_each_expert_prefers_their_own_topic():
    model = AffinityModel("hashing")
    scores = model.affinity(EXPERTS, APPS)
    assert scores.shape == (3, 4) and scores.dtype == np.float64
    assert np.isfinite(scores).all()
    assert scores[0].argmax() == 0 and scores[1].argmax() == 1 and scores[2].argmax() == 2
    # and each application's best expert is the right one
    assert list(scores[:, :3].argmax(axis=0)) == [0, 1, 2]


def test_dense_component_with_hashing_encoder_and_precomputed_vectors_agree():
    model = AffinityModel("hashing", weights={"dense": 0.5, "word": 0.3, "char": 0.2})
    direct = model.affinity(EXPERTS, APPS)
    ev = model.encode_experts(EXPERTS)
    av = model.encode_applications(APPS)
    assert isinstance(ev, ExpertVectors) and ev.matrix.shape[0] == sum(len(expert_texts(e)) for e in EXPERTS)
    cached = model.affinity(EXPERTS, APPS, expert_vectors=ev, application_vectors=av)
    np.testing.assert_allclose(direct, cached, atol=1e-9)
    # a list of per-expert blocks works as well (what a cache per text would hand back)
    blocks = [ev.for_expert(i) for i in range(len(EXPERTS))]
    np.testing.assert_allclose(
        direct, model.affinity(EXPERTS, APPS, expert_vectors=blocks, application_vectors=av), atol=1e-9
    )


def test_pool_between_max_and_mean_and_nan_handling():
    sims = np.array([[0.1, 0.9], [0.5, 0.2], [0.9, np.nan], [0.3, 0.3]])
    owner = np.array([0, 0, 0, 1])
    mx = pool(sims, owner, 3, 0.0)
    mean = pool(sims, owner, 3, 1.0)
    mid = pool(sims, owner, 3, 0.5)
    assert mx[0, 0] == pytest.approx(0.9) and mx[0, 1] == pytest.approx(0.9)
    assert mean[0, 0] == pytest.approx(0.5) and mean[0, 1] == pytest.approx(0.55)  # NaN left out
    assert mean[0, 0] < mid[0, 0] < mx[0, 0]
    assert mid[0, 0] == pytest.approx((0.9 + 0.5 * 0.5 + 0.25 * 0.1) / 1.75)
    assert mean[1].tolist() == [0.3, 0.3]
    assert mean[2].tolist() == [0.0, 0.0]  # no texts
    only_nan = pool(np.array([[np.nan]]), np.array([0]), 1, 0.5)
    assert np.isnan(only_nan[0, 0])


def test_standardise_rows_and_shrinkage_for_few_applications():
    rng = np.random.default_rng(0)
    m = rng.random((4, 200)) + np.arange(4)[:, None]
    z = standardise(m, shrink=0.0)
    np.testing.assert_allclose(z.mean(axis=1), 0, atol=1e-9)
    np.testing.assert_allclose(z.std(axis=1), 1, atol=1e-9)
    one_app = standardise(np.array([[0.2], [0.9]]))
    assert np.isfinite(one_app).all() and one_app[1, 0] > one_app[0, 0]
    with_nan = standardise(np.array([[1.0, np.nan, 3.0], [2.0, 2.0, 2.0]]))
    assert np.isnan(with_nan[0, 1]) and np.isfinite(with_nan[1]).all()


def test_language_detection():
    assert text_language("Радиационное распухание сталей") == "ru"
    assert text_language("Жерсеріктік деректер бойынша бидай өнімділігін болжау") == "kk"
    assert text_language("Perovskite solar cells") == "en"


def test_language_aware_lexical_gives_no_evidence_across_scripts():
    experts = [{"id": "E1", "texts": ["Perovskite solar cells stability"]}]
    apps = [
        {"id": "A1", "abstract": "Стабильность перовскитных солнечных элементов"},
        {"id": "A2", "abstract": "Perovskite solar cells under heat"},
    ]
    aware = AffinityModel("hashing").component_scores(experts, apps, components=["word"])["word"]
    assert np.isnan(aware[0, 0]) and aware[0, 1] > 0
    plain = AffinityModel("hashing", language_aware=False).component_scores(
        experts, apps, components=["word"]
    )
    assert plain["word"][0, 0] == 0.0
    # the blend fills the gap with the dense score (or 0 without one): never NaN
    assert np.isfinite(AffinityModel("hashing").affinity(experts, apps)).all()


def test_expert_without_texts_scores_zero_and_empty_inputs():
    model = AffinityModel("hashing")
    scores = model.affinity(EXPERTS + [{"id": "E4", "texts": []}], APPS)
    assert (scores[3] == 0).all()
    assert model.affinity([], APPS).shape == (0, 4)
    assert model.affinity(EXPERTS, []).shape == (3, 0)


def test_keywords_and_title_are_part_of_the_texts():
    assert application_text({"title": "T", "abstract": "A", "keywords": ["k1", "k2"]}) == "T. A. k1, k2"
    assert expert_texts({"texts": ["one", " "], "keywords": ["k"]}) == ["one", "k"]


def test_word_analyzer_stems_and_drops_stop_words():
    tokens = word_analyzer("Исследование радиационного распухания и облучения сталей")
    assert "радиац" in tokens and "и" not in tokens and "исследование" not in tokens
    assert any(" " in t for t in tokens)  # bigrams


def test_shared_terms_explain_a_pair():
    model = AffinityModel("hashing")
    model.affinity(EXPERTS, APPS)
    terms = model.shared_terms(EXPERTS[0], APPS[0], k=3)
    assert 1 <= len(terms) <= 3
    assert any(t.startswith("стал") or t.startswith("облуч") or t.startswith("аустенит") for t in terms)
    # terms are words as written in the application
    assert all(t in application_text(APPS[0]).lower() for t in terms)
    assert shared_terms(EXPERTS[2], APPS[1]) == []  # nothing in common


def test_version_names_the_configuration():
    version = AffinityModel("hashing").version
    assert "hashing" in version and "word=1" in version
