"""The application list of a competition as CSV and XLSX for operators.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some with a tab or
carriage return) as a formula, so every such text cell is prefixed with a quote (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import re

from flask_babel import gettext as _

from app.competitions.forms import APPLICATION_STATUS_LABELS, CATEGORY_LABELS
from app.core import time as clock
from app.reference import localized, priority_name, region_name

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Numbers stay numbers; text that a spreadsheet would read as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def _columns():
    def formal(a):
        if a.formal_passed is None:
            return ""
        outcome = _("passed") if a.formal_passed else _("rejected")
        return "; ".join([outcome, *a.formal_reasons]) if a.formal_reasons else outcome

    return [
        (_("IRN"), lambda a: a.irn or ""),
        (_("Title"), lambda a: a.title),
        (_("Language"), lambda a: a.language),
        (_("Organisation"), lambda a: a.organisation.name if a.organisation else ""),
        (_("Leader"), lambda a: a.leader.display_name if a.leader else ""),
        (_("Region"), lambda a: region_name(a.region_code)),
        (_("Priority direction"), lambda a: priority_name(a.priority)),
        (
            _("Applicant category"),
            lambda a: (
                localized(CATEGORY_LABELS[a.applicant_category])
                if a.applicant_category in CATEGORY_LABELS
                else a.applicant_category
            ),
        ),
        (_("TRL claimed"), lambda a: a.trl_claimed),
        (_("TRL verified"), lambda a: a.trl_verified),
        (_("Requested, KZT"), lambda a: float(a.requested_kzt or 0)),
        (_("Co-financing, KZT"), lambda a: float(a.cofinancing_kzt or 0)),
        (_("Duration, months"), lambda a: a.duration_months),
        (_("Status"), lambda a: str(APPLICATION_STATUS_LABELS.get(a.status, a.status))),
        (
            _("Submitted (Asia/Almaty)"),
            lambda a: clock.to_local(a.submitted_at).strftime("%Y-%m-%d %H:%M:%S") if a.submitted_at else "",
        ),
        (_("Formal check"), formal),
        (_("Receipt SHA-256"), lambda a: a.receipt_sha256 or ""),
    ]


def rows(applications) -> tuple[list[str], list[list]]:
    columns = _columns()
    header = [name for name, _get in columns]
    body = [[safe_cell(get(a)) for _name, get in columns] for a in applications]
    return header, body


def applications_csv(applications) -> str:
    header, body = rows(applications)
    out = io.StringIO()
    out.write("\ufeff")  # a BOM, so Excel reads the Cyrillic as UTF-8
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows(body)
    return out.getvalue()


def applications_xlsx(applications, competition) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    header, body = rows(applications)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Applications")[:31]
    sheet.append([safe_cell(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
    sheet.freeze_panes = "A2"
    widths = (12, 48, 8, 36, 24, 22, 36, 22, 8, 8, 16, 16, 10, 18, 20, 40, 66)
    for index, width in enumerate(widths[: len(header)], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    workbook.properties.title = safe_cell(competition.title_in())
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def filename(competition, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f"competition-{competition.id}-applications").strip("-")
    return f"{stem}.{extension}"
