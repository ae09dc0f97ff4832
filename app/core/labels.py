"""Translated labels for codes that appear on many pages (roles, job states)."""
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "researcher": _l("Researcher"),
    "org_head": _l("Organisation head"),
    "expert": _l("Expert"),
    "council": _l("Council member"),
    "investor": _l("Investor"),
    "akimat": _l("Akimat operator"),
    "mnvo": _l("Ministry operator"),
    "admin": _l("Administrator"),
}

JOB_STATUS_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "done": _l("Done"),
    "failed": _l("Failed"),
}


def role_label(code: str) -> str:
    return str(ROLE_LABELS.get(code, code))


def job_status_label(code: str) -> str:
    return str(JOB_STATUS_LABELS.get(code, code))


COST_LABELS = {
    "salaries": _l("salaries"),
    "equipment": _l("equipment"),
    "materials": _l("materials"),
    "travel": _l("travel"),
    "services": _l("services"),
    "other": _l("other"),
}
