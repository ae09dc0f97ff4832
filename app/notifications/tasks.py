"""The notification job: write the in-app notice and send (or file) the e-mail, once per event."""
from __future__ import annotations

import logging

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from sqlalchemy import select

from app.accounts.models import User
from app.core import time as clock
from app.core.db import db
from app.notifications.models import Notification

logger = logging.getLogger(__name__)


def _texts(kind: str, params: dict) -> tuple[str, str, str | None]:
    from app.competitions.models import Application
    application = db.session.get(Application, params["application_id"]) if params.get("application_id") else None
    title = application.title if application else ""
    link = f"/applications/{application.id}" if application else None
    if kind == "team_invitation":
        return (_("You are invited to a project team"),
                _("You were invited to the team of the application “%(title)s”. Sign in and confirm your "
                  "participation under “My dashboard”.", title=title), "/dashboard")
    if kind == "submission_receipt":
        return (_("Application %(irn)s submitted", irn=application.irn or ""),
                _("Your application “%(title)s” was submitted. Registration number %(irn)s, receipt SHA-256 "
                  "%(sha)s.", title=title, irn=application.irn or "", sha=application.receipt_sha256 or ""), link)
    if kind == "formal_check":
        if application.formal_passed:
            return (_("Formal check passed"), _("Your application “%(title)s” passed the formal check and goes "
                                                "to the expert review.", title=title), link)
        return (_("Formal check not passed"),
                _("Your application “%(title)s” did not pass the formal check. Reasons: %(reasons)s",
                  title=title, reasons="; ".join(application.formal_reasons)), link)
    if kind == "council_decision":
        outcome = {"funded": _("funded"), "reserve": _("placed on the reserve list"),
                   "not_funded": _("not funded")}.get(application.status, application.status)
        return (_("The council's decision on %(irn)s", irn=application.irn or ""),
                _("The national science council decided on your application “%(title)s”: %(outcome)s. The "
                  "decision becomes final when the results are published.", title=title, outcome=outcome), link)
    subject = params.get("subject") or kind
    return subject, params.get("body") or subject, params.get("link")


def deliver(kind: str, params: dict, progress=None) -> dict:
    recipients: list[tuple[int | None, str, str | None]] = []
    if params.get("user_id"):
        user = db.session.get(User, params["user_id"])
        if user:
            recipients.append((user.id, user.email, user.locale))
    elif params.get("email"):
        user = db.session.scalar(select(User).where(User.email == params["email"]))
        recipients.append((user.id if user else None, params["email"], user.locale if user else None))
    sent = 0
    for user_id, email, locale in recipients:
        with force_locale(locale or "ru"):
            subject, body, link = _texts(kind, params)
        notification = Notification(user_id=user_id, email=email, kind=kind, params=params, subject=subject,
                                    body=body, link=link)
        db.session.add(notification)
        db.session.flush()
        send_email(email, subject, body)
        notification.emailed_at = clock.now()
        sent += 1
    db.session.flush()
    return {"sent": sent}


def send_email(to: str, subject: str, body: str) -> None:
    """Through Flask-Mailman's configured backend: SMTP, the outbox folder, or the tests' in-memory outbox."""
    EmailMessage(subject=subject, body=body, to=[to]).send()
