"""Reference data and demo seed files: pure, fast checks (no app, no database).

Covers ``app/reference/data.py`` (codes and trilingual names) and the demo content in ``app/seed/data``
(``applications.json``, ``experts.json``, ``investors.json``, ``organisations.json``).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from app.reference import data as ref

DATA = Path(__file__).resolve().parents[1] / "app" / "seed" / "data"
LANGS = {"ru", "kk", "en"}

#: The 20 region codes of shared/API.md, in its order.
API_REGION_CODES = [
    "almaty_city", "astana", "shymkent", "abai", "akmola", "aktobe", "almaty_region", "atyrau", "east_kz",
    "zhambyl", "zhetisu", "west_kz", "karaganda", "kostanay", "kyzylorda", "mangystau", "pavlodar", "north_kz",
    "turkestan", "ulytau",
]
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
EMAIL_RE = re.compile(r"^[a-z0-9._-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def organisations() -> dict[str, dict]:
    return {o["code"]: o for o in _load("organisations.json")}


@pytest.fixture(scope="module")
def applications() -> list[dict]:
    return _load("applications.json")


@pytest.fixture(scope="module")
def experts() -> list[dict]:
    return _load("experts.json")


@pytest.fixture(scope="module")
def investors() -> list[dict]:
    return _load("investors.json")


# ------------------------------------------------------------------------------------------ reference data

def test_region_codes_equal_api_contract():
    assert list(ref.REGION_CODES) == API_REGION_CODES
    assert set(ref.REGIONS_BY_CODE) == set(API_REGION_CODES)


def _name_dicts(value, path="data"):
    """Every dict that looks like a translation (has an "ru" key), with where it was found."""
    if isinstance(value, dict):
        if "ru" in value:
            yield path, value
        for key, item in value.items():
            yield from _name_dicts(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _name_dicts(item, f"{path}[{index}]")


def test_every_name_dict_has_all_three_languages():
    constants = {name: getattr(ref, name) for name in dir(ref) if name.isupper()}
    found = 0
    for name, value in constants.items():
        for path, names in _name_dicts(value, name):
            found += 1
            assert LANGS <= set(names), f"{path} lacks {LANGS - set(names)}"
            for lang in LANGS:
                assert names[lang], f"{path}[{lang}] is empty"
    assert found > 100  # the walk really visited the reference data


@pytest.mark.parametrize("collection", ["REGIONS", "TERRITORIES", "PRIORITY_DIRECTIONS", "INVESTOR_TYPES",
                                        "STAGES", "APPLICANT_CATEGORIES", "ORGANISATION_KINDS", "INSTRUMENTS"])
def test_named_collections_have_trilingual_names(collection):
    for item in getattr(ref, collection):
        assert set(item["name"]) >= LANGS, (collection, item.get("code", item.get("id")))


def test_trl_levels_complete():
    assert [t["level"] for t in ref.TRL_LEVELS] == list(range(1, 10))
    assert set(ref.TRL_BY_LEVEL) == set(range(1, 10))
    for level in ref.TRL_LEVELS:
        for field in ("title", "definition", "evidence"):
            assert set(level[field]) >= LANGS, (level["level"], field)


def test_priority_directions_are_one_to_seven():
    assert list(ref.PRIORITY_IDS) == list(range(1, 8))


def test_territory_codes():
    assert set(ref.TERRITORY_CODES) == {"ntp_inp", "ntp_nu", "kurchatov"}


# ------------------------------------------------------------------------------------------- seed files

def test_seed_files_load(applications, experts, investors, organisations):
    assert isinstance(applications, list) and applications
    assert isinstance(experts, list) and experts
    assert isinstance(investors, list) and investors
    assert organisations


def test_organisations_reference_known_codes(organisations):
    for org in organisations.values():
        assert org["region"] in ref.REGION_CODES, org["code"]
        assert org["territory"] is None or org["territory"] in ref.TERRITORY_CODES, org["code"]
        assert set(org["name"]) >= LANGS, org["code"]


# ------------------------------------------------------------------------------------------- applications

def test_sixty_applications_with_language_mix(applications):
    assert len(applications) == 60
    assert Counter(a["language"] for a in applications) == {"ru": 30, "kk": 15, "en": 15}


def test_application_keys_unique(applications):
    keys = [a["key"] for a in applications]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", k) for k in keys)


def test_application_trl_range_and_spread(applications):
    trls = [a["trl"] for a in applications]
    assert min(trls) == 2 and max(trls) == 8
    assert all(isinstance(t, int) and 2 <= t <= 8 for t in trls)
    assert sum(2 <= t <= 3 for t in trls) >= 8
    assert sum(4 <= t <= 6 for t in trls) >= 35
    assert sum(7 <= t <= 8 for t in trls) >= 3


def test_every_priority_present(applications):
    counts = Counter(a["priority"] for a in applications)
    assert set(counts) == set(ref.PRIORITY_IDS)
    assert min(counts.values()) >= 5


def test_application_codes_exist_and_agree(applications, organisations):
    for a in applications:
        assert a["region"] in ref.REGION_CODES, a["key"]
        assert a["organisation"] in organisations, a["key"]
        assert organisations[a["organisation"]]["region"] == a["region"], a["key"]
        assert a["applicant_category"] in ref.APPLICANT_CATEGORY_CODES, a["key"]
    regions = Counter(a["region"] for a in applications)
    assert regions["almaty_city"] >= 6
    for region in ("astana", "abai", "east_kz", "karaganda"):
        assert regions[region] >= 3, region


def test_trl_evidence_covers_every_level(applications):
    for a in applications:
        assert set(a["trl_evidence"]) == {str(level) for level in range(1, a["trl"] + 1)}, a["key"]
        assert all(text.strip() for text in a["trl_evidence"].values()), a["key"]


def test_application_texts(applications):
    for a in applications:
        words = len(a["abstract"].split())
        assert 80 <= words <= 160, (a["key"], words)
        assert 4 <= len(a["keywords"]) <= 7, a["key"]
        assert 2 <= len(a["team"]) <= 4, a["key"]
        assert a["title"].strip(), a["key"]
        if a["language"] == "kk":
            assert KAZAKH_LETTERS & set(a["abstract"]), a["key"]
            assert KAZAKH_LETTERS & set("".join(a["trl_evidence"].values())), a["key"]


def test_application_money_and_duration(applications):
    for a in applications:
        requested, cofinancing = a["requested_kzt"], a["cofinancing_kzt"]
        assert 20_000_000 <= requested <= 350_000_000, a["key"]
        if a["trl"] <= 3:
            assert requested <= 70_000_000, a["key"]
        share = {"scientist": 0.10, "startup": 0.20, "business": 0.30}[a["applicant_category"]]
        assert cofinancing >= share * requested, a["key"]
        assert 12 <= a["duration_months"] <= 36, a["key"]
        assert isinstance(a["investor_visible"], bool), a["key"]
        assert set(a["planned"]) == {"patents", "products", "jobs", "revenue_kzt"}, a["key"]
        for patent in a["patents"]:
            assert re.fullmatch(r"KZ \d{4,5}", patent), (a["key"], patent)


def test_demo_accounts_lead_the_expected_applications(applications):
    # app/competitions/seed.py gives items 0, 5, 16 and 40 to researcher@demo.kz (INP) and item 1 to
    # researcher2@demo.kz (NU).
    for index in (0, 5, 16, 40):
        assert applications[index]["organisation"] == "inp", index
    assert applications[1]["organisation"] == "nu"


# ------------------------------------------------------------------------------------------------ experts

def test_fifteen_experts_with_foreigners(experts):
    assert len(experts) == 15
    assert sum(1 for e in experts if e["foreign"]) >= 5
    for e in experts:
        if e["foreign"]:
            assert e["country"] != "Kazakhstan", e["key"]


def test_expert_keys_and_emails_unique(experts):
    assert len({e["key"] for e in experts}) == len(experts)
    emails = [e["email"] for e in experts]
    assert len(set(emails)) == len(emails)
    assert all(EMAIL_RE.match(email) for email in emails)


def test_experts_cover_every_priority(experts):
    covered = {p for e in experts for p in e["priorities"]}
    assert covered == set(ref.PRIORITY_IDS)


def test_expert_texts(experts):
    for e in experts:
        assert 3 <= len(e["texts"]) <= 5, e["key"]
        for text in e["texts"]:
            assert 50 <= len(text.split()) <= 100, (e["key"], len(text.split()))
        assert e["keywords"] and e["languages"], e["key"]


def test_demo_conflicts_are_present(experts, applications, organisations):
    # two experts work where some applicants work (the Russian name as in organisations.json) ...
    applicant_orgs = {organisations[a["organisation"]]["name"]["ru"] for a in applications}
    assert sum(1 for e in experts if e["organisation"] in applicant_orgs) >= 2
    # ... and one expert co-authored with a team member ("Surname I." in the expert's author lists)
    texts = " ".join(t for e in experts for t in e["texts"])
    members = {m for a in applications if a["language"] == "ru" for m in a["team"][1:]}
    cited = [m for m in members if f"{m.split()[0]} {m.split()[1][0]}." in texts]
    assert cited


# ---------------------------------------------------------------------------------------------- investors

def test_at_least_twenty_investors(investors):
    assert len(investors) >= 20


def test_investor_keys_and_emails_unique(investors, experts):
    assert len({i["key"] for i in investors}) == len(investors)
    emails = [i["email"] for i in investors] + [e["email"] for e in experts]
    assert len(set(emails)) == len(emails)
    assert all(EMAIL_RE.match(email) for email in emails)


def test_investor_ranges(investors):
    for i in investors:
        assert 1 <= i["trl_min"] <= i["trl_max"] <= 9, i["key"]
        assert 0 < i["ticket_min_kzt"] <= i["ticket_max_kzt"], i["key"]


def test_investor_codes(investors):
    for i in investors:
        assert i["type"] in ref.INVESTOR_TYPE_CODES, i["key"]
        assert i["stage"] in ref.STAGE_CODES, i["key"]
        assert set(i["regions"]) <= set(ref.REGION_CODES), i["key"]
        assert set(i["territories"]) <= set(ref.TERRITORY_CODES), i["key"]
        assert set(i["priorities"]) <= set(ref.PRIORITY_IDS) and i["priorities"], i["key"]
    assert {t for i in investors for t in i["territories"]} == set(ref.TERRITORY_CODES)


def test_investor_texts(investors):
    for i in investors:
        assert set(i["thesis"]) == LANGS, i["key"]
        assert all(i["thesis"][lang].strip() for lang in LANGS), i["key"]
        assert KAZAKH_LETTERS & set(i["thesis"]["kk"]), i["key"]
        assert i["sectors"], i["key"]
        assert 3 <= len(i["portfolio"]) <= 5, i["key"]
