"""JSON Lines input and output for the file-based commands (see shared/API.md, "File formats").

A bad input file stops the command with a message naming the file and the line (``InputFileError``);
the CLI turns it into exit code 2.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any


class InputFileError(Exception):
    """A malformed input file: the message names the file and, where known, the line."""

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


Check = Callable[[dict[str, Any]], str | None]


def read_jsonl(
    path: str | Path,
    required: Iterable[str] = (),
    id_field: str | None = "id",
    types: dict[str, type | tuple[type, ...]] | None = None,
    check: Check | None = None,
) -> list[dict[str, Any]]:
    """Read a JSON Lines file into dicts, validating as it goes.

    ``required`` fields must be present and non-empty; ``types`` maps a field to the accepted Python
    types (checked only when the field is present and not null); ``id_field`` must be unique; ``check``
    may return an error message for a record. Blank lines are skipped.
    """
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(path, None, f"cannot open: {exc.strerror or exc}") from exc
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    with handle:
        try:
            lines = list(handle)
        except UnicodeDecodeError as exc:
            raise InputFileError(path, None, "not valid UTF-8") from exc
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputFileError(path, number, f"malformed JSON: {exc.msg}") from exc
        if not isinstance(record, dict):
            raise InputFileError(path, number, "each line must be a JSON object")
        for field in required:
            value = record.get(field)
            if value is None or (isinstance(value, (str, list)) and not value):
                raise InputFileError(path, number, f"missing required field {field!r}")
        for field, accepted in (types or {}).items():
            value = record.get(field)
            if value is None:
                continue
            if isinstance(value, bool) and bool not in _as_tuple(accepted):
                raise InputFileError(path, number, f"field {field!r} has the wrong type")
            if not isinstance(value, accepted):
                raise InputFileError(path, number, f"field {field!r} has the wrong type")
        if id_field is not None:
            key = record.get(id_field)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise InputFileError(path, number, f"field {id_field!r} must be a string")
            key = str(key)
            record[id_field] = key
            if key in seen:
                raise InputFileError(path, number, f"duplicate {id_field} {key!r}")
            seen.add(key)
        if check is not None:
            problem = check(record)
            if problem:
                raise InputFileError(path, number, problem)
        records.append(record)
    return records


def _as_tuple(accepted: type | tuple[type, ...]) -> tuple[type, ...]:
    return accepted if isinstance(accepted, tuple) else (accepted,)


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records one a line (UTF-8, no ASCII escaping); returns how many were written."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False))
            out.write("\n")
            count += 1
    return count
