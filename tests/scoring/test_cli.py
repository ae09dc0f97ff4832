"""``flask scoring affinity|assign`` exactly as shared/API.md describes them."""
import json


def _write(path, rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows),
                    encoding="utf-8")
    return str(path)


EXPERTS = [
    {"id": "e1", "name": "A", "texts": ["Nuclear medicine isotopes lutetium therapy"], "foreign": True},
    {"id": "e2", "name": "B", "texts": ["Wheat breeding drought agronomy"], "foreign": False},
    {"id": "e3", "name": "C", "texts": ["Cybersecurity intrusion detection SCADA"], "foreign": True},
]
APPS = [
    {"id": "a1", "title": "Lu-177 radiopharmaceutical", "abstract": "isotopes for nuclear medicine therapy"},
    {"id": "a2", "title": "Drought-tolerant wheat", "abstract": "breeding wheat for drought"},
]


def _read(path):
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def test_affinity_all_pairs(runner, tmp_path):
    out = tmp_path / "s.jsonl"
    result = runner.invoke(args=["scoring", "affinity", "--experts", _write(tmp_path / "e.jsonl", EXPERTS),
                                 "--applications", _write(tmp_path / "a.jsonl", APPS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = _read(out)
    assert len(rows) == 6 and set(rows[0]) == {"expert_id", "application_id", "score"}
    score = {(r["expert_id"], r["application_id"]): r["score"] for r in rows}
    assert score[("e1", "a1")] > score[("e1", "a2")]


def test_assign_and_infeasible(runner, tmp_path):
    experts, apps = _write(tmp_path / "e.jsonl", EXPERTS), _write(tmp_path / "a.jsonl", APPS)
    out = tmp_path / "x.jsonl"
    result = runner.invoke(args=["scoring", "assign", "--experts", experts, "--applications", apps,
                                 "--per-application", "2", "--max-load", "1", "--out", str(out)])
    assert result.exit_code == 3 and "Infeasible" in result.output  # 3 experts × 1 < 2 × 2
    result = runner.invoke(args=["scoring", "assign", "--experts", experts, "--applications", apps,
                                 "--per-application", "1", "--max-load", "1", "--min-foreign", "1",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = {r["application_id"]: r for r in _read(out)}
    assert rows["a1"]["expert_ids"] == ["e1"]
    assert set(rows["a1"]) == {"application_id", "expert_ids", "affinities"}


def test_bad_input_exit_2_names_line(runner, tmp_path):
    bad = _write(tmp_path / "e.jsonl", [EXPERTS[0], "{broken", EXPERTS[1]])
    result = runner.invoke(args=["scoring", "affinity", "--experts", bad, "--applications",
                                 _write(tmp_path / "a.jsonl", APPS), "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and "e.jsonl:2" in result.output
    dup = _write(tmp_path / "a2.jsonl", [APPS[0], APPS[0]])
    result = runner.invoke(args=["scoring", "assign", "--experts", _write(tmp_path / "e2.jsonl", EXPERTS),
                                 "--applications", dup, "--per-application", "1", "--max-load", "2",
                                 "--out", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2 and "a2.jsonl:2" in result.output
