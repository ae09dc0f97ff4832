"""``flask matching rank`` exactly as shared/API.md describes it."""
import json


def _write(path, rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows),
                    encoding="utf-8")
    return str(path)


PROJECTS = [{"id": "p1", "title": "Lu-177", "abstract": "isotopes for nuclear medicine", "trl": 5, "ask_kzt": 1e8},
            {"id": "p2", "title": "Пшеница", "abstract": "засухоустойчивые сорта пшеницы", "trl": 6}]
INVESTORS = [{"id": "i1", "thesis": "nuclear medicine isotopes", "trl_min": 4, "trl_max": 9},
             {"id": "i2", "thesis": "агротехнологии, селекция пшеницы", "ticket_max_kzt": 5e7},
             {"id": "i3", "thesis": "cybersecurity", "regions": ["astana"]}]


def test_rank_command(runner, tmp_path):
    out = tmp_path / "r.jsonl"
    result = runner.invoke(args=["matching", "rank", "--projects", _write(tmp_path / "p.jsonl", PROJECTS),
                                 "--investors", _write(tmp_path / "i.jsonl", INVESTORS), "--top", "2",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["project_id"] for line in lines] == ["p1", "p2"]
    first = lines[0]["matches"]
    assert len(first) <= 2 and first[0]["investor_id"] == "i1" and first[0]["reasons"]
    assert all(m["investor_id"] != "i2" for m in first)  # the ask is above i2's ticket


def test_rank_command_bad_input_exit_2(runner, tmp_path):
    bad = _write(tmp_path / "p.jsonl", [PROJECTS[0], {"id": "p2"}])  # no abstract on line 2
    result = runner.invoke(args=["matching", "rank", "--projects", bad, "--investors",
                                 _write(tmp_path / "i.jsonl", INVESTORS), "--top", "2", "--out",
                                 str(tmp_path / "r.jsonl")])
    assert result.exit_code == 2 and "p.jsonl:2" in result.output
    dup = _write(tmp_path / "i2.jsonl", [INVESTORS[0], INVESTORS[0]])
    result = runner.invoke(args=["matching", "rank", "--projects", _write(tmp_path / "p2.jsonl", PROJECTS),
                                 "--investors", dup, "--top", "2", "--out", str(tmp_path / "r.jsonl")])
    assert result.exit_code == 2 and "i2.jsonl:2" in result.output
