"""Competitions lifecycle, eligibility rules, deadlines, region scoping, submission."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from app.competitions import applications as application_ops

from app.competitions import services
from app.competitions.models import Application
from app.core import audit, time as clock
from app.core.errors import Conflict, NotFound, PermissionDenied, TooLarge, ValidationFailed
from tests.competitions.helpers import PDF, accredited_org, complete_draft, open_competition


@pytest.fixture
def world(app, make_user):
    org = accredited_org()
    mnvo = make_user("mnvo")
    leader = make_user("researcher", organisation=org.name_ru)
    head = make_user("org_head", organisation=org.name_ru)
    competition = open_competition(mnvo)
    return {"org": org, "mnvo": mnvo, "leader": leader, "head": head, "competition": competition}


def test_template_defaults_from_instrument(world):
    c = world["competition"]
    assert c.irn_prefix == "DP" and c.trl_min == 4 and float(c.max_grant_kzt) == 350_000_000
    assert c.rules["cofinancing"] == {"scientist": 0.1, "startup": 0.2, "business": 0.3}
    assert [k["key"] for k in c.criteria][:2] == ["excellence", "impact"]


def test_lifecycle_guards(world, make_user):
    mnvo = world["mnvo"]
    draft = services.create_competition(mnvo, {"title": "X", "instrument": "grant", "budget_kzt": 10})
    with pytest.raises(Conflict):
        services.transition(mnvo, draft.id, "published")
    with pytest.raises(Conflict):
        services.transition(mnvo, draft.id, "open")  # illegal step: draft -> open
    services.update_competition(mnvo, draft.id, {"deadline": (clock.now() - timedelta(hours=1)).isoformat()})
    with pytest.raises(Conflict):
        services.transition(mnvo, draft.id, "published")  # a call whose deadline has passed
    services.update_competition(mnvo, draft.id, {"deadline": (clock.now() + timedelta(hours=1)).isoformat()})
    services.transition(mnvo, draft.id, "published")
    clock.freeze(clock.now() + timedelta(hours=2))
    with pytest.raises(Conflict):
        services.transition(mnvo, draft.id, "open")


def test_close_early_needs_reason(world):
    c, mnvo = world["competition"], world["mnvo"]
    with pytest.raises(Conflict):
        services.transition(mnvo, c.id, "closed")
    services.transition(mnvo, c.id, "closed", reason="technical failure of the call")
    assert c.status == "closed" and c.closed_early_reason


def test_close_after_deadline_without_reason(world):
    c, mnvo = world["competition"], world["mnvo"]
    clock.freeze(c.deadline + timedelta(seconds=1))
    services.transition(mnvo, c.id, "closed")
    assert c.status == "closed"


def test_review_needs_formal_check_done(world):
    c, mnvo = world["competition"], world["mnvo"]
    app_ = complete_draft(world["leader"], c, world["head"])
    application_ops.submit(world["leader"], app_.id)
    clock.freeze(c.deadline + timedelta(seconds=1))
    services.transition(mnvo, c.id, "closed")
    with pytest.raises(Conflict):
        services.transition(mnvo, c.id, "review")
    application_ops.formal_check(mnvo, app_.id, True)
    services.transition(mnvo, c.id, "review")


def test_akimat_region_scoping(app, make_user):
    almaty = make_user("akimat", region="almaty_city")
    abai = make_user("akimat", region="abai")
    draft = services.create_competition(almaty, {"title": "Региональный конкурс", "instrument": "regional",
                                                 "budget_kzt": 100})
    assert draft.region_code == "almaty_city"
    with pytest.raises(NotFound):
        services.get_competition_for(abai, draft.id)
    with pytest.raises(NotFound):
        services.update_competition(abai, draft.id, {"budget_kzt": 5})
    with pytest.raises(PermissionDenied):
        services.create_competition(abai, {"title": "x", "instrument": "regional", "budget_kzt": 1,
                                           "region": "almaty_city"})
    visible, _ = services.list_competitions(abai)
    assert draft not in visible


def test_researcher_cannot_create_competition(world):
    with pytest.raises(PermissionDenied):
        services.create_competition(world["leader"], {"title": "x", "instrument": "grant", "budget_kzt": 1})


def test_submit_success_and_idempotent(world):
    application = complete_draft(world["leader"], world["competition"], world["head"])
    first = application_ops.receipt(application_ops.submit(world["leader"], application.id))
    again = application_ops.receipt(application_ops.submit(world["leader"], application.id))
    assert first == again
    assert first["irn"].startswith("DP") and len(first["receipt_sha256"]) == 64
    assert application.snapshot["title"] == application.title


def test_submitted_application_is_frozen(world):
    application = complete_draft(world["leader"], world["competition"], world["head"])
    application_ops.submit(world["leader"], application.id)
    with pytest.raises(Conflict):
        application_ops.update_application(world["leader"], application.id, {"title": "new"})


@pytest.mark.parametrize("overrides,field", [
    ({"trl_claimed": 2, "trl_evidence": {"1": "a", "2": "b"}}, "trl_claimed"),
    ({"trl_claimed": 5, "trl_evidence": {"1": "a"}}, "trl_evidence"),
    ({"requested_kzt": 400_000_000, "cofinancing_kzt": 100_000_000}, "requested_kzt"),
    ({"duration_months": 48}, "duration_months"),
    ({"cofinancing_kzt": 9_000_000}, "cofinancing_kzt"),
    ({"applicant_category": "business", "cofinancing_kzt": 20_000_000}, "cofinancing_kzt"),
    ({"title": ""}, "title"),
    ({"keywords": []}, "keywords"),
])
def test_each_eligibility_rule(world, overrides, field):
    application = complete_draft(world["leader"], world["competition"], world["head"], **overrides)
    with pytest.raises(ValidationFailed) as error:
        application_ops.submit(world["leader"], application.id)
    assert field in error.value.fields
    assert db_status(application.id) == "draft"


def test_valid_boundaries_pass(world):
    # exactly the cap, exactly 10 %, exactly the maximum duration, TRL at the minimum
    application = complete_draft(world["leader"], world["competition"], world["head"], trl=4,
                                 requested_kzt=350_000_000, cofinancing_kzt=35_000_000, duration_months=36)
    assert application_ops.submit(world["leader"], application.id).status == "submitted"


def test_all_failures_reported_at_once(world):
    application = complete_draft(world["leader"], world["competition"], None, trl=2,
                                 trl_evidence={"1": "x"}, requested_kzt=500_000_000, cofinancing_kzt=0,
                                 duration_months=60)
    application_ops.invite_member(world["leader"], application.id, "member@example.kz")
    with pytest.raises(ValidationFailed) as error:
        application_ops.submit(world["leader"], application.id)
    assert {"trl_claimed", "trl_evidence", "requested_kzt", "duration_months", "cofinancing_kzt", "team",
            "signature"} <= set(error.value.fields)


def test_missing_document_and_unaccredited_org(world, make_user):
    org = accredited_org("Unaccredited LLP", accredited=False)
    leader = make_user("researcher", organisation=org.name_ru)
    application = application_ops.create_application(leader, world["competition"].id, {"title": "t"})
    with pytest.raises(ValidationFailed) as error:
        application_ops.submit(leader, application.id)
    assert "documents" in error.value.fields and "organisation" in error.value.fields


def test_blocked_leader(world, db):
    from app.competitions.models import BlockedPerson
    db.session.add(BlockedPerson(user_id=world["leader"].id, kind="leader", reason="audit 2026",
                                 since=clock.now() - timedelta(days=1)))
    db.session.commit()
    application = complete_draft(world["leader"], world["competition"], world["head"])
    with pytest.raises(ValidationFailed) as error:
        application_ops.submit(world["leader"], application.id)
    assert "leader" in error.value.fields


def test_team_confirmation_required(world, make_user):
    application = complete_draft(world["leader"], world["competition"], world["head"])
    member_user = make_user("researcher", email="member@example.kz")
    member = application_ops.invite_member(world["leader"], application.id, "member@example.kz", "Member")
    with pytest.raises(ValidationFailed):
        application_ops.submit(world["leader"], application.id)
    with pytest.raises(NotFound):
        application_ops.answer_invitation(world["leader"], member.id, True)  # only the invitee answers
    application_ops.answer_invitation(member_user, member.id, True)
    assert application_ops.submit(world["leader"], application.id).status == "submitted"


def test_deadline_one_second_before_and_after(world):
    c = world["competition"]
    application = complete_draft(world["leader"], c, world["head"])
    clock.freeze(c.deadline - timedelta(seconds=1))
    application_ops.update_application(world["leader"], application.id, {"title": "last-second edit"})
    clock.freeze(c.deadline)
    with pytest.raises(Conflict) as error:
        application_ops.submit(world["leader"], application.id)
    assert error.value.code == "deadline_passed"
    with pytest.raises(Conflict):
        application_ops.update_application(world["leader"], application.id, {"title": "too late"})


def test_deadline_given_in_another_time_zone(world):
    mnvo = world["mnvo"]
    # 18:00 in Almaty (UTC+5) is 13:00 UTC; the same instant however it is written
    c = services.create_competition(mnvo, {"title": "T", "instrument": "grant", "budget_kzt": 10,
                                           "deadline": "2030-03-01T18:00:00+05:00"})
    c2 = services.create_competition(mnvo, {"title": "T", "instrument": "grant", "budget_kzt": 10,
                                            "deadline": "2030-03-01T13:00:00Z"})
    c3 = services.create_competition(mnvo, {"title": "T", "instrument": "grant", "budget_kzt": 10,
                                            "deadline": "2030-03-01T18:00:00"})  # no offset: Almaty time
    assert c.deadline == c2.deadline == c3.deadline


def test_version_conflict(world):
    application = complete_draft(world["leader"], world["competition"], world["head"])
    version = application.version
    application_ops.update_application(world["leader"], application.id, {"title": "tab one"}, version)
    with pytest.raises(Conflict) as error:
        application_ops.update_application(world["leader"], application.id, {"title": "tab two"}, version)
    assert error.value.code == "version_conflict"
    assert db_title(application.id) == "tab one"


def test_withdraw_before_deadline(world):
    application = complete_draft(world["leader"], world["competition"], world["head"])
    application_ops.submit(world["leader"], application.id)
    application_ops.withdraw(world["leader"], application.id)
    assert application.status == "withdrawn"


def test_attachment_validation(world, app):
    application = application_ops.create_application(world["leader"], world["competition"].id, {"title": "t"})
    with pytest.raises(ValidationFailed) as error:
        application_ops.add_attachment(world["leader"], application.id, "project_description", "x.pdf",
                                io.BytesIO(b"MZ\x90\x00 not a pdf"))
    assert "file" in error.value.fields
    app.config["MAX_ATTACHMENT_BYTES"] = 100
    with pytest.raises(TooLarge):
        application_ops.add_attachment(world["leader"], application.id, "project_description", "x.pdf",
                                io.BytesIO(PDF + b"0" * 200))
    app.config["MAX_ATTACHMENT_BYTES"] = 10_000
    attachment = application_ops.add_attachment(world["leader"], application.id, "project_description", "../../x.pdf",
                                         io.BytesIO(PDF))
    assert attachment.filename == "x.pdf" and "/" not in attachment.stored_name


def test_formal_check_rules(world):
    c, mnvo = world["competition"], world["mnvo"]
    application = complete_draft(world["leader"], c, world["head"])
    application_ops.submit(world["leader"], application.id)
    with pytest.raises(Conflict):
        application_ops.formal_check(mnvo, application.id, True)  # still open
    clock.freeze(c.deadline + timedelta(seconds=1))
    services.transition(mnvo, c.id, "closed")
    with pytest.raises(ValidationFailed):
        application_ops.formal_check(mnvo, application.id, False, [])
    with pytest.raises((NotFound, PermissionDenied)):
        application_ops.formal_check(world["leader"], application.id, True)
    application_ops.formal_check(mnvo, application.id, False, ["Нет письма о софинансировании"])
    assert application.status == "rejected" and application.formal_reasons


def test_audit_entries_for_state_changes(world, db):
    from app.core.audit import AuditEntry
    application = complete_draft(world["leader"], world["competition"], world["head"])
    application_ops.submit(world["leader"], application.id)
    actions = {e.action for e in db.session.query(AuditEntry).all()}
    assert {"competition.create", "competition.transition", "application.create", "application.submit"} <= actions
    entry = db.session.query(AuditEntry).first()
    entry.action = "tampered"
    with pytest.raises(audit.AuditIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_investor_cannot_see_draft_or_apply(world, make_user):
    investor = make_user("investor")
    application = complete_draft(world["leader"], world["competition"], world["head"])
    with pytest.raises(NotFound):
        application_ops.get_application_for(investor, application.id)
    with pytest.raises(PermissionDenied):
        application_ops.create_application(investor, world["competition"].id, {"title": "x"})


def db_status(application_id):
    from app.core.db import db
    db.session.expire_all()
    return db.session.get(Application, application_id).status


def db_title(application_id):
    from app.core.db import db
    db.session.expire_all()
    return db.session.get(Application, application_id).title


def test_a_submission_is_judged_and_stamped_at_the_moment_it_arrived(world, monkeypatch):
    """Reported: sent 180 ms before the deadline, stored as submitted 108 ms after it (the check and the
    stamp read the clock separately, with the eligibility check in between)."""
    competition = world["competition"]
    application = complete_draft(world["leader"], competition, world["head"])
    arrived = competition.deadline - timedelta(milliseconds=180)
    clock.freeze(arrived)
    real = application_ops.eligibility_problems

    def slow_check(app_):
        problems = real(app_)
        clock.freeze(competition.deadline + timedelta(milliseconds=108))  # the check took its time
        return problems

    monkeypatch.setattr(application_ops, "eligibility_problems", slow_check)
    submitted = application_ops.submit(world["leader"], application.id)
    assert submitted.status == "submitted" and submitted.submitted_at == arrived < competition.deadline
