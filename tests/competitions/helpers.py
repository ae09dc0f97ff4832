"""Builders for competitions tests: an open competition and a complete, eligible draft."""
from __future__ import annotations

import io
from datetime import timedelta

from app.accounts.models import Organisation
from app.competitions import applications as application_ops
from app.competitions import services
from app.core import time as clock
from app.core.db import db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_competition(operator, instrument="commercialisation", region=None, deadline_in=timedelta(days=10),
                     **overrides):
    data = {"title": {"ru": "Конкурс коммерциализации 2026", "en": "Commercialisation call 2026"},
            "instrument": instrument, "deadline": (clock.now() + deadline_in).isoformat(),
            "opens_at": clock.now().isoformat(), "budget_kzt": 1_000_000_000,
            "required_documents": ["project_description"], **overrides}
    if region:
        data["region"] = region
    competition = services.create_competition(operator, data)
    services.transition(operator, competition.id, "published")
    services.transition(operator, competition.id, "open")
    return competition


def accredited_org(name="Nazarbayev University", region="astana", accredited=True):
    org = Organisation(name_ru=name, accredited=accredited, region_code=region)
    db.session.add(org)
    db.session.commit()
    return org


def researcher_with_org(make_user, org=None, email=None):
    org = org or accredited_org()
    user = make_user("researcher", organisation=org.name_ru, email=email)
    return user


def complete_draft(leader, competition, org_head=None, trl=5, **overrides):
    data = {"title": "Радиофармпрепарат на основе Lu-177", "abstract": "Разработка и доклинические испытания.",
            "language": "ru", "keywords": ["изотопы", "ядерная медицина"], "priority": 5, "trl_claimed": trl,
            "trl_evidence": {str(level): f"Evidence for level {level}" for level in range(1, trl + 1)},
            "requested_kzt": 100_000_000, "cofinancing_kzt": 10_000_000, "applicant_category": "scientist",
            "duration_months": 24, "investor_visible": True, **overrides}
    application = application_ops.create_application(leader, competition.id, data)
    application_ops.add_attachment(leader, application.id, "project_description", "desc.pdf", io.BytesIO(PDF))
    if org_head is not None:
        application_ops.sign_application(org_head, application.id)
    return application
