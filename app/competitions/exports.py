"""The application list of a competition as CSV and XLSX for operators (written by ``app.core.exports``,
which guards every cell against formula injection)."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from app.competitions.forms import APPLICATION_STATUS_LABELS, CATEGORY_LABELS
from app.core import time as clock
from app.core.exports import safe_cell, to_csv, to_xlsx
from app.reference import localized, priority_name, region_name


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
    return to_csv(*rows(applications))


def applications_xlsx(applications, competition) -> bytes:
    header, body = rows(applications)
    widths = (12, 48, 8, 36, 24, 22, 36, 22, 8, 8, 16, 16, 10, 18, 20, 40, 66)
    return to_xlsx(header, body, _("Applications"), widths=widths, title=competition.title_in())


def filename(competition, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f"competition-{competition.id}-applications").strip("-")
    return f"{stem}.{extension}"
