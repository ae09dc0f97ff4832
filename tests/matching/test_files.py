"""The matching engine on files (app.matching.files.rank_files): validation with file and line, output."""

from __future__ import annotations

import json

import pytest

from app.core.jsonl import InputFileError
from app.matching.files import rank_files, read_investors, read_projects

PROJECTS = [
    {
        "id": "p1",
        "title": "Gallium-68 PET kit",
        "abstract": "Labelling peptides with gallium-68 for PET imaging "
        "of tumours; radiopharmaceutical synthesis in hospitals.",
        "keywords": ["PET", "isotopes"],
        "language": "en",
        "trl": 5,
        "priority": 5,
        "region": "almaty_city",
        "ask_kzt": 150000000,
    },
    {
        "id": "p2",
        "title": "Drought-tolerant wheat",
        "abstract": "Breeding spring wheat varieties for drought and seed production.",
        "keywords": ["wheat", "breeding"],
        "language": "en",
        "trl": 6,
        "ask_kzt": 40000000.5,
    },
    {"id": "p3", "abstract": "Credit scoring of small businesses from payments data."},
]
INVESTORS = [
    {
        "id": "nuclear",
        "name": "Isotope Fund",
        "thesis": "Radiopharmaceuticals, medical isotopes, PET imaging.",
        "sectors": ["nuclear medicine"],
        "trl_min": 4,
        "trl_max": 9,
        "ticket_min_kzt": 50000000,
        "ticket_max_kzt": 600000000,
        "regions": ["almaty_city", "astana"],
        "portfolio": ["Technetium-99m generators for hospitals.", "FDG synthesis for PET centres."],
    },
    {
        "id": "agro",
        "thesis": "Crop breeding, seeds and drought-resistant wheat.",
        "trl_min": 3,
        "portfolio": ["Marker-assisted wheat breeding."],
    },
    {
        "id": "fintech",
        "thesis": "Digital payments and credit scoring for small businesses.",
        "regions": ["astana"],
    },
]


def write(path, records=None, lines=None):
    if lines is None:
        lines = [json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path):
    return (
        write(tmp_path / "projects.jsonl", PROJECTS),
        write(tmp_path / "investors.jsonl", INVESTORS),
        tmp_path / "out.jsonl",
    )


def read_out(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_rank_files_writes_one_line_per_project_best_first(files):
    projects, investors, out = files
    assert rank_files(projects, investors, 2, out, "hashing") == 3
    rows = read_out(out)
    assert [r["project_id"] for r in rows] == ["p1", "p2", "p3"]
    for row in rows:
        assert set(row) == {"project_id", "matches"}
        assert len(row["matches"]) <= 2
        scores = [m["score"] for m in row["matches"]]
        assert scores == sorted(scores, reverse=True)
        for match in row["matches"]:
            assert set(match) == {"investor_id", "score", "reasons"}
            assert isinstance(match["score"], float)
            assert all(isinstance(r, str) and r for r in match["reasons"])
    by_id = {r["project_id"]: r for r in rows}
    assert by_id["p1"]["matches"][0]["investor_id"] == "nuclear"
    assert by_id["p2"]["matches"][0]["investor_id"] == "agro"
    # p2 asks 40 M: below the nuclear fund's ticket; p3 gives no region: the fintech region filter is off
    assert "nuclear" not in [m["investor_id"] for m in by_id["p2"]["matches"]]
    assert by_id["p3"]["matches"][0]["investor_id"] == "fintech"
    assert any("TRL 5" in r for r in by_id["p1"]["matches"][0]["reasons"])


def test_top_k_one_and_language_of_reasons(files):
    projects, investors, out = files
    rank_files(projects, investors, 1, out, "hashing", lang="kk")
    rows = read_out(out)
    assert all(len(r["matches"]) == 1 for r in rows)
    assert any("Алматы" in reason for reason in rows[0]["matches"][0]["reasons"])


def test_bad_top_k(files):
    projects, investors, out = files
    for k in (0, -1, True, 2.5):
        with pytest.raises(ValueError):
            rank_files(projects, investors, k, out, "hashing")


def test_empty_projects_and_empty_investors(tmp_path, files):
    projects, investors, out = files
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    assert rank_files(empty, investors, 3, out, "hashing") == 0
    assert out.read_text(encoding="utf-8") == ""
    assert rank_files(projects, empty, 3, out, "hashing") == 3
    assert [r["matches"] for r in read_out(out)] == [[], [], []]


def test_blank_lines_and_integer_ids_are_accepted(tmp_path):
    path = write(tmp_path / "p.jsonl", lines=["", json.dumps({"id": 7, "abstract": "Wheat."}), "   "])
    assert read_projects(path) == [{"id": "7", "abstract": "Wheat."}]


def test_nulls_count_as_absent(tmp_path):
    path = write(tmp_path / "i.jsonl", [{"id": "a", "thesis": "Wheat.", "trl_min": None, "regions": None}])
    assert read_investors(path)[0]["id"] == "a"


def expect_error(path, line, fragment, reader):
    with pytest.raises(InputFileError) as info:
        reader(path)
    err = info.value
    assert err.line == line
    assert err.path == str(path)
    assert fragment in err.message
    assert f"{path}:{line}" in str(err)


def test_malformed_json_names_the_line(tmp_path):
    path = write(tmp_path / "p.jsonl", lines=[json.dumps(PROJECTS[0]), '{"id": "p2", "abstract": ', "{}"])
    expect_error(path, 2, "malformed JSON", read_projects)
    path = write(tmp_path / "q.jsonl", lines=['["not", "an", "object"]'])
    expect_error(path, 1, "JSON object", read_projects)


@pytest.mark.parametrize(
    "record, fragment",
    [
        ({"title": "No id", "abstract": "Text."}, "'id'"),
        ({"id": "", "abstract": "Text."}, "'id'"),
        ({"id": "x"}, "'abstract'"),
        ({"id": "x", "abstract": ""}, "'abstract'"),
        ({"id": "x", "abstract": "   "}, "'abstract'"),
    ],
)
def test_missing_required_project_fields(tmp_path, record, fragment):
    path = write(tmp_path / "p.jsonl", [PROJECTS[0], PROJECTS[1], record])
    expect_error(path, 3, fragment, read_projects)


@pytest.mark.parametrize(
    "record, fragment",
    [
        ({"id": "x", "name": "No thesis"}, "'thesis'"),
        ({"id": "x", "thesis": ""}, "'thesis'"),
        ({"thesis": "No id"}, "'id'"),
    ],
)
def test_missing_required_investor_fields(tmp_path, record, fragment):
    path = write(tmp_path / "i.jsonl", [INVESTORS[0], record])
    expect_error(path, 2, fragment, read_investors)


def test_duplicate_ids(tmp_path):
    path = write(tmp_path / "p.jsonl", [PROJECTS[0], PROJECTS[1], {**PROJECTS[2], "id": "p1"}])
    expect_error(path, 3, "duplicate", read_projects)
    path = write(tmp_path / "i.jsonl", [INVESTORS[0], {**INVESTORS[1], "id": "nuclear"}])
    expect_error(path, 2, "duplicate", read_investors)


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("trl", "5", "'trl'"),
        ("trl", 5.0, "'trl'"),
        ("trl", 0, "'trl'"),
        ("trl", 10, "'trl'"),
        ("trl", True, "'trl'"),
        ("priority", 8, "'priority'"),
        ("priority", 0, "'priority'"),
        ("priority", "2", "'priority'"),
        ("language", "de", "'language'"),
        ("language", 1, "'language'"),
        ("keywords", "wheat", "'keywords'"),
        ("keywords", ["ok", 3], "'keywords'"),
        ("ask_kzt", "100", "'ask_kzt'"),
        ("ask_kzt", True, "'ask_kzt'"),
        ("ask_kzt", -1, "'ask_kzt'"),
        ("title", 5, "'title'"),
        ("region", ["almaty_city"], "'region'"),
        ("abstract", 12, "'abstract'"),
        ("id", 1.5, "'id'"),
        ("id", ["p"], "'id'"),
    ],
)
def test_wrong_project_types(tmp_path, field, value, fragment):
    path = write(tmp_path / "p.jsonl", [PROJECTS[0], {**PROJECTS[1], field: value}])
    expect_error(path, 2, fragment, read_projects)


@pytest.mark.parametrize(
    "field, value, fragment",
    [
        ("trl_min", "4", "'trl_min'"),
        ("trl_max", 12, "'trl_max'"),
        ("trl_min", 0, "'trl_min'"),
        ("ticket_min_kzt", "1", "'ticket_min_kzt'"),
        ("ticket_max_kzt", -5, "'ticket_max_kzt'"),
        ("sectors", "ai", "'sectors'"),
        ("regions", "astana", "'regions'"),
        ("regions", [1], "'regions'"),
        ("portfolio", "one deal", "'portfolio'"),
        ("portfolio", [{"text": "x"}], "'portfolio'"),
        ("name", 3, "'name'"),
        ("thesis", ["a"], "'thesis'"),
    ],
)
def test_wrong_investor_types(tmp_path, field, value, fragment):
    path = write(tmp_path / "i.jsonl", [INVESTORS[0], INVESTORS[1], {**INVESTORS[2], field: value}])
    expect_error(path, 3, fragment, read_investors)


def test_inconsistent_investor_ranges(tmp_path):
    path = write(tmp_path / "i.jsonl", [{**INVESTORS[1], "trl_min": 7, "trl_max": 5}])
    expect_error(path, 1, "trl_min", read_investors)
    path = write(tmp_path / "j.jsonl", [{**INVESTORS[1], "ticket_min_kzt": 9, "ticket_max_kzt": 1}])
    expect_error(path, 1, "ticket_min_kzt", read_investors)


def test_a_bad_file_writes_nothing(tmp_path, files):
    projects, _, out = files
    bad = write(tmp_path / "bad.jsonl", lines=[json.dumps(INVESTORS[0]), "not json"])
    with pytest.raises(InputFileError) as info:
        rank_files(projects, bad, 3, out, "hashing")
    assert info.value.line == 2 and info.value.path == str(bad)
    assert not out.exists()


def test_a_missing_file(tmp_path, files):
    _, investors, out = files
    with pytest.raises(InputFileError) as info:
        rank_files(tmp_path / "nope.jsonl", investors, 3, out, "hashing")
    assert info.value.line is None and "nope.jsonl" in str(info.value)


def test_invalid_utf8(tmp_path, files):
    _, investors, out = files
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"id": "p", "abstract": "caf\xe9"}\n'.encode("latin-1"))
    with pytest.raises(InputFileError):
        rank_files(path, investors, 3, out, "hashing")
