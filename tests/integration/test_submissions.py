"""Concurrent submissions on PostgreSQL: unique ИРН, idempotent double submits, nothing half-saved."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.services import NewUser, create_user
from app.competitions import applications as application_ops
from app.competitions import services
from app.competitions.models import Application
from app.core import time as clock
from app.core import uow
from app.core.db import db

pytestmark = pytest.mark.integration
PASSWORD = "Strong-pass-1"


def _setup(n):
    mnvo = create_user(NewUser(email="mnvo@example.kz", password=PASSWORD, roles=["mnvo"]))
    competition = services.create_competition(mnvo, {
        "title": "Concurrency", "instrument": "grant", "budget_kzt": 10**10,
        "deadline": (clock.now() + timedelta(hours=1)).isoformat(), "required_documents": [],
        "require_accreditation": False, "require_org_signature": False})
    services.transition(mnvo, competition.id, "published")
    services.transition(mnvo, competition.id, "open")
    leaders, ids = [], []
    for i in range(n):
        leader = create_user(NewUser(email=f"leader{i}@example.kz", password=PASSWORD, roles=["researcher"]))
        application = application_ops.create_application(leader, competition.id, {
            "title": f"Project {i}", "abstract": "a", "keywords": ["k"], "priority": 3, "trl_claimed": 3,
            "trl_evidence": {"1": "e", "2": "e", "3": "e"}, "requested_kzt": 1000, "cofinancing_kzt": 100,
            "duration_months": 12})
        leaders.append(leader.email)
        ids.append(application.id)
    uow.commit()  # the setup is its own unit of work: the concurrent clients below run in other sessions
    return leaders, ids


def _submit(app, email, application_id, times=1):
    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD}).get_json()["token"]
    answers = []
    for _ in range(times):
        response = client.post(f"/api/v1/applications/{application_id}/submit",
                               headers={"Authorization": f"Bearer {token}"})
        answers.append((response.status_code, response.get_json()))
    return answers


def test_parallel_submits_get_unique_irns(app):
    leaders, ids = _setup(40)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda pair: _submit(app, *pair)[0], zip(leaders, ids)))
    assert all(status == 200 for status, _ in results), results
    irns = [body["irn"] for _, body in results]
    assert len(set(irns)) == 40
    db.session.expire_all()
    stored = db.session.scalars(select(Application.irn).where(Application.status == "submitted")).all()
    assert sorted(stored) == sorted(irns)


def test_double_submit_race_gives_one_receipt(app):
    leaders, ids = _setup(1)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: _submit(app, leaders[0], ids[0])[0], range(6)))
    statuses = {status for status, _ in results}
    assert statuses == {200}, results
    receipts = {(body["irn"], body["receipt_sha256"]) for _, body in results}
    assert len(receipts) == 1
    assert db.session.scalar(select(func.count(Application.id)).where(Application.irn.is_not(None))) == 1


def test_deadline_day_in_small(app):
    """The deadline-day scenario in small: 30 submit concurrently before the deadline while others edit,
    10 try after it. Every success is stored once with its own ИРН; every late one gets the deadline error
    and is not stored as submitted."""
    leaders, ids = _setup(40)
    with ThreadPoolExecutor(max_workers=8) as pool:
        early = list(pool.map(lambda pair: _submit(app, *pair)[0], zip(leaders[:30], ids[:30])))
    competition = db.session.get(Application, ids[0]).competition
    clock.freeze(competition.deadline + timedelta(seconds=1))
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            late = list(pool.map(lambda pair: _submit(app, *pair)[0], zip(leaders[30:], ids[30:])))
    finally:
        clock.freeze(None)
    assert all(status == 200 for status, _ in early)
    assert all(status == 409 and body["error"]["code"] == "deadline_passed" for status, body in late)
    db.session.expire_all()
    rows = {a.id: a for a in db.session.scalars(select(Application))}
    for (status, body), application_id in zip(early, ids[:30]):
        assert rows[application_id].irn == body["irn"] and rows[application_id].status == "submitted"
    assert all(rows[i].status == "draft" and rows[i].irn is None for i in ids[30:])
    assert len({r.irn for r in rows.values() if r.irn}) == 30
