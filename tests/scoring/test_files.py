"""The file logic of `flask scoring affinity` and `flask scoring assign` (shared/API.md)."""

from __future__ import annotations

import json

import pytest

from app.core.jsonl import InputFileError
from app.scoring.review.assignment import AssignmentInfeasible
from app.scoring.files import affinity_files, assign_files

EXPERTS = [
    {
        "id": "E1",
        "name": "Иванов Иван",
        "organisation": "ТОО «Институт ядерной физики»",
        "texts": ["Радиационное распухание сталей при нейтронном облучении."],
        "foreign": False,
    },
    {
        "id": "E2",
        "name": "John Smith",
        "organisation": "MIT",
        "texts": ["Perovskite solar cells stability.", "Silicon photovoltaic degradation."],
        "foreign": True,
    },
    {
        "id": "E3",
        "name": "Анна Ли",
        "organisation": "КазНУ",
        "texts": ["Засухоустойчивые сорта пшеницы.", "Wheat breeding for drought."],
        "foreign": True,
    },
    {
        "id": "E4",
        "name": "Пётр Петров",
        "organisation": "КБТУ",
        "texts": ["Облучение реакторных сталей и сплавов циркония."],
        "foreign": False,
    },
]
APPS = [
    {
        "id": "A1",
        "title": "Стали",
        "abstract": "Распухание сталей под нейтронным облучением.",
        "organisation": "ИЯФ",
    },
    {"id": "A2", "title": "Solar", "abstract": "Stability of perovskite solar cells.", "team": ["Ли А."]},
    {"id": "A3", "title": "Пшеница", "abstract": "Новые засухоустойчивые сорта пшеницы."},
]


def write(path, rows):
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
        encoding="utf-8",
    )
    return path


def read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def files(tmp_path):
    return write(tmp_path / "e.jsonl", EXPERTS), write(tmp_path / "a.jsonl", APPS)


def test_affinity_all_pairs_format(files, tmp_path):
    e, a = files
    out = tmp_path / "s.jsonl"
    assert affinity_files(e, a, out, encoder_name="hashing") == 12
    rows = read(out)
    assert [(r["expert_id"], r["application_id"]) for r in rows[:3]] == [
        ("E1", "A1"),
        ("E1", "A2"),
        ("E1", "A3"),
    ]
    assert all(
        set(r) == {"expert_id", "application_id", "score"} and isinstance(r["score"], float) for r in rows
    )
    by_pair = {(r["expert_id"], r["application_id"]): r["score"] for r in rows}
    assert by_pair[("E1", "A1")] > by_pair[("E1", "A3")]


def test_affinity_listed_pairs_only_and_same_scores(files, tmp_path):
    e, a = files
    affinity_files(e, a, tmp_path / "all.jsonl", encoder_name="hashing")
    everything = {(r["expert_id"], r["application_id"]): r["score"] for r in read(tmp_path / "all.jsonl")}
    pairs = write(
        tmp_path / "p.jsonl",
        [
            {"expert_id": "E2", "application_id": "A2"},
            {"expert_id": "E1", "application_id": "A3"},
            {"expert_id": "E2", "application_id": "A2"},
        ],
    )
    assert affinity_files(e, a, tmp_path / "some.jsonl", pairs_path=pairs, encoder_name="hashing") == 2
    rows = read(tmp_path / "some.jsonl")
    assert [(r["expert_id"], r["application_id"]) for r in rows] == [("E2", "A2"), ("E1", "A3")]
    for r in rows:
        assert r["score"] == everything[(r["expert_id"], r["application_id"])]


@pytest.mark.parametrize(
    "rows,line,fragment",
    [
        ([EXPERTS[0], "{not json"], 2, "malformed JSON"),
        ([EXPERTS[0], {"id": "E9"}], 2, "texts"),
        ([EXPERTS[0], {"id": "E9", "texts": ["  "]}], 2, "texts"),
        ([EXPERTS[0], {"id": "E9", "texts": "one string"}], 2, "texts"),
        ([EXPERTS[0], {"id": "E9", "texts": ["x"], "foreign": "yes"}], 2, "foreign"),
        ([EXPERTS[0], "", EXPERTS[0]], 3, "duplicate"),
        ([{"texts": ["x"]}], 1, "id"),
    ],
)
def test_bad_experts_file_names_the_line(files, tmp_path, rows, line, fragment):
    _, a = files
    bad = write(tmp_path / "bad.jsonl", rows)
    with pytest.raises(InputFileError) as info:
        affinity_files(bad, a, tmp_path / "s.jsonl", encoder_name="hashing")
    assert info.value.line == line and fragment in info.value.message
    assert str(bad) in str(info.value)


@pytest.mark.parametrize(
    "rows,line,fragment",
    [
        ([APPS[0], {"id": "A9", "title": "no abstract"}], 2, "abstract"),
        ([APPS[0], {"id": "A9", "abstract": "x", "exclude": ["a", "b", "c", "d"]}], 2, "at most 3"),
        ([APPS[0], {"id": "A9", "abstract": "x", "team": [1]}], 2, "team"),
        ([APPS[0], {"id": "A1", "abstract": "x"}], 2, "duplicate"),
    ],
)
def test_bad_applications_file_names_the_line(files, tmp_path, rows, line, fragment):
    e, _ = files
    bad = write(tmp_path / "bad.jsonl", rows)
    with pytest.raises(InputFileError) as info:
        assign_files(
            tmp_path / "x.jsonl", 1, 2, experts_path=e, applications_path=bad, encoder_name="hashing"
        )
    assert info.value.line == line and fragment in info.value.message


def test_pairs_naming_unknown_ids(files, tmp_path):
    e, a = files
    pairs = write(
        tmp_path / "p.jsonl",
        [{"expert_id": "E1", "application_id": "A1"}, "", {"expert_id": "E1", "application_id": "A77"}],
    )
    with pytest.raises(InputFileError) as info:
        affinity_files(e, a, tmp_path / "s.jsonl", pairs_path=pairs, encoder_name="hashing")
    assert info.value.line == 3 and "A77" in info.value.message


def test_conflicts_file_naming_unknown_expert(files, tmp_path):
    e, a = files
    conflicts = write(
        tmp_path / "c.jsonl",
        [{"expert_id": "E1", "application_id": "A1"}, {"expert_id": "E42", "application_id": "A1"}],
    )
    with pytest.raises(InputFileError) as info:
        assign_files(
            tmp_path / "x.jsonl",
            1,
            2,
            experts_path=e,
            applications_path=a,
            conflicts_path=conflicts,
            encoder_name="hashing",
        )
    assert info.value.line == 2 and "E42" in info.value.message


def test_assign_from_texts_output_and_automatic_conflicts(files, tmp_path):
    e, a = files
    out = tmp_path / "x.jsonl"
    summary = assign_files(out, 1, 1, experts_path=e, applications_path=a, encoder_name="hashing")
    rows = read(out)
    assert [r["application_id"] for r in rows] == ["A1", "A2", "A3"]
    assert all(set(r) == {"application_id", "expert_ids", "affinities"} for r in rows)
    chosen = {r["application_id"]: r["expert_ids"] for r in rows}
    # E1 works at the applicant's organisation (ИЯФ = Институт ядерной физики); E3 (Анна Ли) is on A2's team
    assert chosen["A1"] == ["E4"]
    assert "E3" not in chosen["A2"]
    assert summary["conflicts_detected"] >= 2 and summary["assignments"] == 3


def test_listed_conflicts_are_respected(files, tmp_path):
    e, a = files
    conflicts = write(tmp_path / "c.jsonl", [{"expert_id": "E3", "application_id": "A3"}])
    out = tmp_path / "x.jsonl"
    assign_files(
        out, 1, 2, experts_path=e, applications_path=a, conflicts_path=conflicts, encoder_name="hashing"
    )
    assert "E3" not in {r["application_id"]: r["expert_ids"] for r in read(out)}["A3"]


def test_assign_from_affinity_file_takes_scores_as_given(tmp_path):
    scores = write(
        tmp_path / "s.jsonl",
        [
            {"expert_id": "E1", "application_id": "A1", "score": 0.9},
            {"expert_id": "E2", "application_id": "A1", "score": 0.1},
            {"expert_id": "E1", "application_id": "A2", "score": 0.8},
            {"expert_id": "E2", "application_id": "A2", "score": 0.7},
            {"expert_id": "E3", "application_id": "A2", "score": 5},
        ],
    )
    out = tmp_path / "x.jsonl"
    summary = assign_files(out, 1, 1, affinity_path=scores)
    rows = read(out)
    assert rows == [
        {"application_id": "A1", "expert_ids": ["E1"], "affinities": [0.9]},
        {"application_id": "A2", "expert_ids": ["E3"], "affinities": [5.0]},
    ]
    assert summary["total_affinity"] == pytest.approx(5.9)
    # a pair absent from the file may not be assigned: E3 is unknown for A1, so with K=2 A1 has only 2
    with pytest.raises(AssignmentInfeasible) as info:
        assign_files(out, 3, 2, affinity_path=scores)
    assert info.value.constraint == "eligible_experts" and info.value.details["application_id"] == "A1"


def test_affinity_file_with_experts_metadata_for_foreign(tmp_path):
    scores = write(
        tmp_path / "s.jsonl",
        [
            {"expert_id": x, "application_id": y, "score": s}
            for (x, y, s) in [
                ("E1", "A1", 0.9),
                ("E2", "A1", 0.1),
                ("E3", "A1", 0.2),
                ("E1", "A2", 0.9),
                ("E2", "A2", 0.3),
                ("E3", "A2", 0.1),
            ]
        ],
    )
    experts = write(
        tmp_path / "e.jsonl", [{"id": "E1"}, {"id": "E2", "foreign": True}, {"id": "E3", "foreign": True}]
    )
    out = tmp_path / "x.jsonl"
    assign_files(out, 2, 2, affinity_path=scores, experts_path=experts, min_foreign=1)
    for row in read(out):
        assert {"E2", "E3"} & set(row["expert_ids"])
    assign_files(out, 2, 2, affinity_path=scores, experts_path=experts, min_foreign=2)
    assert all(sorted(row["expert_ids"]) == ["E2", "E3"] for row in read(out))
    conflicts = write(tmp_path / "c.jsonl", [{"expert_id": "E3", "application_id": "A1"}])
    with pytest.raises(AssignmentInfeasible) as info:
        assign_files(
            out, 2, 2, affinity_path=scores, experts_path=experts, conflicts_path=conflicts, min_foreign=2
        )
    assert info.value.constraint == "eligible_foreign"
    assert "A1 has only 1 eligible foreign expert, needs 2" in str(info.value)


@pytest.mark.parametrize(
    "rows,line,fragment",
    [
        ([{"expert_id": "E1", "application_id": "A1", "score": "high"}], 1, "score"),
        ([{"expert_id": "E1", "application_id": "A1"}], 1, "score"),
        (
            [
                {"expert_id": "E1", "application_id": "A1", "score": 1},
                {"expert_id": "E1", "application_id": "A1", "score": 2},
            ],
            2,
            "duplicate pair",
        ),
        (
            [
                {"expert_id": "E1", "application_id": "A1", "score": 1},
                {"expert_id": "E7", "application_id": "A1", "score": 2},
            ],
            2,
            "unknown expert",
        ),
    ],
)
def test_bad_affinity_file(tmp_path, rows, line, fragment):
    scores = write(tmp_path / "s.jsonl", rows)
    experts = write(tmp_path / "e.jsonl", [{"id": "E1"}, {"id": "E2"}])
    with pytest.raises(InputFileError) as info:
        assign_files(tmp_path / "x.jsonl", 1, 1, affinity_path=scores, experts_path=experts)
    assert info.value.line == line and fragment in info.value.message


def test_infeasible_capacity_from_files(files, tmp_path):
    e, a = files
    with pytest.raises(AssignmentInfeasible) as info:
        assign_files(tmp_path / "x.jsonl", 3, 1, experts_path=e, applications_path=a, encoder_name="hashing")
    assert info.value.constraint in {"total_capacity", "eligible_experts"}


def test_bad_numbers_are_usage_errors(files, tmp_path):
    e, a = files
    with pytest.raises(ValueError):
        assign_files(tmp_path / "x.jsonl", 0, 1, experts_path=e, applications_path=a)
    with pytest.raises(ValueError):
        assign_files(tmp_path / "x.jsonl", 1, 1)
