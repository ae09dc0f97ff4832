"""Tables for spreadsheets: CSV and XLSX downloads that cannot smuggle a formula.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some with a tab or
carriage return) as a formula, so every such text cell gets a leading quote (OWASP "CSV injection"), and
XLSX text cells are typed as strings whatever they hold. Each domain builds its header and rows; these
helpers write them.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Numbers stay numbers; text that a spreadsheet would read as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(header: Sequence, rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # a BOM, so spreadsheet programs read the Cyrillic as UTF-8
    writer = csv.writer(out)
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def to_xlsx(header: Sequence, rows: Iterable[Sequence], sheet_title: str, widths: Sequence[int] = (),
            title: str | None = None) -> bytes:
    """One sheet: a bold, frozen header row, then the rows; ``widths`` of the first columns in characters."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    sheet.append([safe_cell(v) for v in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths[: len(header)], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    if title is not None:
        workbook.properties.title = safe_cell(title)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download(body, mimetype: str, filename: str) -> Response:
    """An attachment that no cache keeps (exports hold names and money)."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                                      "Cache-Control": "no-store"})
