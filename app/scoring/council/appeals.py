"""Appeals against a decision: filing, answering, the operator's list."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app import jobs
from app.competitions import applications as application_ops
from app.competitions import services as competitions
from app.competitions.models import RESULTS, Application
from app.core import audit
from app.core import time as clock
from app.core.db import db
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.permissions import authorize
from app.scoring.models import Appeal

logger = logging.getLogger(__name__)


# --- appeals ---------------------------------------------------------------------------------------------

def file_appeal(actor, application_id: int, text: str) -> Appeal:
    application = application_ops.get_application_for(actor, application_id)
    if application.leader_id != actor.id:
        raise PermissionDenied()
    competition = application.competition
    if competition.status not in (RESULTS,) or competition.results_published_at is None:
        raise Conflict(_("An appeal can be filed once results are published."), code="wrong_state")
    days = int((competition.rules or {}).get("appeal_days", 10))
    if clock.now() > competition.results_published_at + timedelta(days=days):
        raise Conflict(_("The appeal period of %(n)d days has ended.", n=days), code="deadline_passed")
    if not (text or "").strip():
        raise ValidationFailed(fields={"text": [_("Describe the procedural violation.")]})
    appeal = Appeal(application_id=application.id, applicant_id=actor.id, text=text.strip()[:10000])
    db.session.add(appeal)
    db.session.flush()
    audit.record(actor, "appeal.file", appeal, scope_id=competition.id)
    db.session.flush()
    return appeal


def answer_appeal(actor, appeal_id: int, answer: str) -> Appeal:
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound()
    application = db.session.get(Application, appeal.application_id)
    authorize(actor, "competition.manage", application.competition, hide=True)
    if not (answer or "").strip():
        raise ValidationFailed(fields={"answer": [_("Write the answer.")]})
    if appeal.answered_at is not None:
        raise Conflict(_("The appeal was already answered."), code="already_answered")
    appeal.answer, appeal.answered_by_id, appeal.answered_at = answer.strip(), actor.id, clock.now()
    audit.record(actor, "appeal.answer", appeal, scope_id=application.competition_id)
    jobs.submit("app.notifications.tasks.deliver", "generic", {
        "user_id": appeal.applicant_id, "subject": _("Your appeal was answered"), "body": answer.strip()[:2000],
        "link": f"/applications/{application.id}"}, queue="mail", title="appeal answer")
    db.session.flush()
    return appeal


def appeals_of(actor, competition_id: int) -> list[Appeal]:
    competition = competitions.get_competition_for(actor, competition_id)
    authorize(actor, "competition.manage", competition, hide=True)
    return db.session.scalars(select(Appeal).join(Application, Appeal.application_id == Application.id)
                              .where(Application.competition_id == competition.id).order_by(Appeal.id)).all()
