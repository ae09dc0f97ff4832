"""A whole review round through the services: assignment, declarations, reviews, ranking, council."""

from __future__ import annotations

import pytest

from app.core import uow
from sqlalchemy import select

from app.competitions import services as comp
from app.core.audit import AuditEntry
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.scoring.council import sessions as council_ops
from app.scoring.experts import services as expert_ops
from app.scoring.review import assignments as assignment_ops
from app.scoring.review import ranking as ranking_ops
from app.scoring.review import reviews as review_ops
from app.scoring.models import ConflictRecord
from tests.scoring.helpers import FULL_REVIEW, review_world


def _assign_and_accept(world):
    assignment_ops.compute_assignment(world["mnvo"], world["competition"].id)
    assignment_ops.send_invitations(world["mnvo"], world["competition"].id)
    by_expert = {e.id: e for e in world["experts"]}
    rows = assignment_ops.assignments_of(world["mnvo"], world["competition"].id)
    for row in rows:
        assignment_ops.declare(by_expert[row.expert_id], row.id, False)
    return rows, by_expert


def test_auto_assignment_respects_k_and_load(app, make_user):
    world = review_world(make_user, n_applications=4, n_experts=6, k=2)
    rows = assignment_ops.compute_assignment(world["mnvo"], world["competition"].id)
    per_app = {}
    for row in rows:
        per_app.setdefault(row.application_id, []).append(row.expert_id)
    assert all(len(set(v)) == 2 for v in per_app.values()) and len(per_app) == 4
    # the most relevant expert is chosen: the isotope application gets an isotope expert
    isotope_app = world["applications"][0].id
    isotope_experts = {world["experts"][0].id, world["experts"][4].id}
    assert isotope_experts & set(per_app[isotope_app])
    assert all(r.shared_terms is not None for r in rows)


def test_conflicts_detected_and_excluded(app, make_user, db):
    world = review_world(make_user, n_applications=2, n_experts=4, k=2)
    insider = make_user("expert", organisation="Институт ядерной физики", name="Insider Person")
    expert_ops.update_profile(
        insider,
        {
            "texts": ["изотопы ядерная медицина радиофармпрепараты лютеций"],
            "organisation": "Институт ядерной физики",
        },
    )
    rows = assignment_ops.compute_assignment(world["mnvo"], world["competition"].id)
    assert insider.id not in {r.expert_id for r in rows}
    records = db.session.scalars(select(ConflictRecord).where(ConflictRecord.expert_id == insider.id)).all()
    assert records and records[0].source == "detected"


def test_infeasible_assignment_says_which_constraint(app, make_user):
    world = review_world(make_user, n_applications=3, n_experts=2, k=3)
    with pytest.raises(ValidationFailed) as error:
        assignment_ops.compute_assignment(world["mnvo"], world["competition"].id)
    assert "constraint" in error.value.fields


def test_manual_pairs_checked(app, make_user):
    world = review_world(make_user, n_applications=2, n_experts=3, k=2)
    researcher = world["leaders"][0]
    with pytest.raises(ValidationFailed):
        assignment_ops.add_assignments(
            world["mnvo"],
            world["competition"].id,
            [{"application_id": world["applications"][0].id, "expert_id": researcher.id}],
        )
    ok = assignment_ops.add_assignments(
        world["mnvo"],
        world["competition"].id,
        [{"application_id": world["applications"][0].id, "expert_id": world["experts"][0].id}],
    )
    assert len(ok) == 1
    with pytest.raises(ValidationFailed):  # duplicate
        assignment_ops.add_assignments(
            world["mnvo"],
            world["competition"].id,
            [{"application_id": world["applications"][0].id, "expert_id": world["experts"][0].id}],
        )


def test_blocked_expert_never_assigned(app, make_user):
    world = review_world(make_user, n_applications=2, n_experts=4, k=2)
    blocked = world["experts"][0]
    expert_ops.block_expert(world["mnvo"], blocked.id, "Audit 2026: copied reviews")
    rows = assignment_ops.compute_assignment(world["mnvo"], world["competition"].id)
    assert blocked.id not in {r.expert_id for r in rows}
    with pytest.raises(ValidationFailed):
        assignment_ops.add_assignments(
            world["mnvo"],
            world["competition"].id,
            [{"application_id": world["applications"][1].id, "expert_id": blocked.id}],
        )


def test_declaration_gate_and_conflict_release(app, make_user):
    world = review_world(make_user, n_applications=2, n_experts=5, k=2)
    assignment_ops.compute_assignment(world["mnvo"], world["competition"].id)
    assignment_ops.send_invitations(world["mnvo"], world["competition"].id)
    row = assignment_ops.assignments_of(world["mnvo"], world["competition"].id)[0]
    expert = next(e for e in world["experts"] if e.id == row.expert_id)
    with pytest.raises(PermissionDenied):
        review_ops.save_review(expert, row.id, FULL_REVIEW)
    with pytest.raises(ValidationFailed):
        assignment_ops.declare(expert, row.id, True, "")
    assignment_ops.declare(expert, row.id, True, "My former student leads this project")
    assert row.status == "released"
    active = [
        a
        for a in assignment_ops.assignments_of(world["mnvo"], world["competition"].id)
        if a.application_id == row.application_id and a.status in ("invited", "accepted")
    ]
    assert len(active) == 2 and any(a.source == "reserve" for a in active)
    with pytest.raises(Conflict):
        assignment_ops.declare(expert, row.id, False)


def test_review_scale_validation_and_lock(app, make_user):
    world = review_world(make_user, n_applications=2, n_experts=4, k=2)
    rows, experts = _assign_and_accept(world)
    row, expert = rows[0], experts[rows[0].expert_id]
    for bad in (
        {"scores": {"excellence": 5.5}},
        {"scores": {"excellence": 3.3}},
        {"scores": {"novelty": 3}},
        {"scores": {"excellence": "x"}},
        {"trl_verified": 11},
    ):
        with pytest.raises(ValidationFailed):
            review_ops.save_review(expert, row.id, bad)
    draft = review_ops.save_review(expert, row.id, {"scores": {"excellence": 4}})
    assert draft.status == "draft"
    with pytest.raises(ValidationFailed) as error:
        review_ops.save_review(expert, row.id, {"submit": True})
    assert "comments.excellence" in error.value.fields
    review_ops.save_review(expert, row.id, {**FULL_REVIEW, "submit": True})
    with pytest.raises(Conflict):
        review_ops.save_review(expert, row.id, {"scores": {"excellence": 1}})


def test_trl_difference_needs_comment(app, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    rows, experts = _assign_and_accept(world)
    with pytest.raises(ValidationFailed) as error:
        review_ops.save_review(
            experts[rows[0].expert_id], rows[0].id, {**FULL_REVIEW, "trl_verified": 3, "submit": True}
        )
    assert "trl_comment" in error.value.fields


def test_blindness_until_own_submission(app, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    rows, experts = _assign_and_accept(world)
    first, second = rows[0], rows[1]
    review_ops.save_review(experts[first.expert_id], first.id, {**FULL_REVIEW, "submit": True})
    assert review_ops.reviews_visible_to(experts[second.expert_id], second.application_id) == []
    review_ops.save_review(experts[second.expert_id], second.id, {**FULL_REVIEW, "submit": True})
    seen = review_ops.reviews_visible_to(experts[second.expert_id], second.application_id)
    assert len(seen) == 2
    other = next(r for r in seen if "expert_id" not in r)  # the other expert stays anonymous
    assert "expert_name" not in other
    # the applicant sees nothing before results
    assert review_ops.reviews_visible_to(world["leaders"][0], first.application_id) == []


def test_operator_change_needs_reason_and_is_logged(app, make_user, db):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    rows, experts = _assign_and_accept(world)
    review = review_ops.save_review(experts[rows[0].expert_id], rows[0].id, {**FULL_REVIEW, "submit": True})
    with pytest.raises(ValidationFailed):
        review_ops.amend_review(world["mnvo"], review.id, {"scores": {"excellence": 2}}, "")
    review_ops.amend_review(
        world["mnvo"], review.id, {"scores": {"excellence": 2}}, "Arithmetic error in the form"
    )
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "review.amend")).one()
    assert entry.before["scores"]["excellence"] == 4.5 and entry.after["scores"]["excellence"] == 2
    assert entry.reason


def test_full_round_to_results(app, make_user):
    world = review_world(make_user, n_applications=3, n_experts=4, k=2, budget_kzt=150_000_000)
    rows, experts = _assign_and_accept(world)
    marks = {world["applications"][0].id: 5, world["applications"][1].id: 4, world["applications"][2].id: 2}
    for row in rows:
        m = marks[row.application_id]
        review_ops.save_review(
            experts[row.expert_id],
            row.id,
            {**FULL_REVIEW, "scores": {"excellence": m, "impact": m, "implementation": m}, "submit": True},
        )
    ranking = ranking_ops.ranking(world["mnvo"], world["competition"].id)
    order = [i["id"] for i in ranking["items"]]
    assert order[0] == world["applications"][0].id
    assert ranking["items"][-1]["threshold_failures"]  # 2+2+2 fails
    assert ranking["funding_line"]["funded"] == [world["applications"][0].id]  # 100M each, budget 150M
    assert world["applications"][0].trl_verified == 5

    comp.transition(world["mnvo"], world["competition"].id, "council")
    council = [make_user("council") for _ in range(3)]
    session = council_ops.open_session(council[0], world["competition"].id, [c.id for c in council])
    for application in world["applications"]:
        for member in council:
            council_ops.vote(member, session.id, application.id, "for")
    with pytest.raises(NotFound):
        council_ops.vote(world["leaders"][0], session.id, world["applications"][0].id, "for")
    decisions = council_ops.close_session(council[0], session.id)
    funded = [d.application_id for d in decisions if d.funded]
    assert funded == [world["applications"][0].id]  # budget and thresholds hold even if everyone votes for
    uow.commit()  # the decision's notifications are jobs, run once its unit of work commits
    from app.notifications.models import Notification
    notified = {n.user_id for n in Notification.query.filter_by(kind="council_decision")}
    assert notified == {leader.id for leader in world["leaders"]}
    comp.transition(world["mnvo"], world["competition"].id, "results")
    assert world["applications"][0].status == "funded"
    assert world["applications"][2].status == "not_funded"
    # the applicant now sees anonymised reviews
    seen = review_ops.reviews_visible_to(world["leaders"][0], world["applications"][0].id)
    assert len(seen) == 2 and all("expert_id" not in r and "expert_name" not in r for r in seen)
    protocol = council_ops.protocol(world["mnvo"], world["competition"].id)
    assert len(protocol["attendees"]) == 3


def test_council_quorum_and_conflict(app, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    rows, experts = _assign_and_accept(world)
    for row in rows:
        review_ops.save_review(experts[row.expert_id], row.id, {**FULL_REVIEW, "submit": True})
    comp.transition(world["mnvo"], world["competition"].id, "council")
    council = [make_user("council") for _ in range(4)]
    session = council_ops.open_session(world["mnvo"], world["competition"].id, [c.id for c in council])
    application = world["applications"][0]
    council_ops.vote(council[0], session.id, application.id, "for")
    with pytest.raises(Conflict):  # 1 of 4 is not a quorum
        council_ops.close_session(world["mnvo"], session.id)
    council_ops.vote(council[1], session.id, application.id, "conflict")
    council_ops.vote(council[2], session.id, application.id, "for")
    decisions = council_ops.close_session(world["mnvo"], session.id)
    assert decisions[0].funded and decisions[0].votes_for == 2


def test_results_need_council_decisions(app, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    rows, experts = _assign_and_accept(world)
    with pytest.raises(Conflict):
        comp.transition(world["mnvo"], world["competition"].id, "council")
    for row in rows:
        review_ops.save_review(experts[row.expert_id], row.id, {**FULL_REVIEW, "submit": True})
    comp.transition(world["mnvo"], world["competition"].id, "council")
    with pytest.raises(Conflict):
        comp.transition(world["mnvo"], world["competition"].id, "results")


def test_every_action_audited(app, make_user, db):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    rows, experts = _assign_and_accept(world)
    review_ops.save_review(experts[rows[0].expert_id], rows[0].id, {**FULL_REVIEW, "submit": True})
    actions = {e.action for e in db.session.scalars(select(AuditEntry))}
    assert {"assignment.compute", "assignment.invite", "assignment.declare", "review.submit"} <= actions


def test_expert_sees_only_own_assignments(app, make_user):
    world = review_world(make_user, n_applications=2, n_experts=4, k=2)
    rows, experts = _assign_and_accept(world)
    mine = assignment_ops.my_assignments(experts[rows[0].expert_id])
    assert all(a.expert_id == rows[0].expert_id for a in mine)
    stranger = next(e for e in world["experts"] if e.id != rows[0].expert_id)
    with pytest.raises(NotFound):
        review_ops.review_for(stranger, rows[0].id)


def test_scheduled_reminders(app, make_user, runner, db):
    from datetime import timedelta

    from app.core import time as clock
    from app.notifications.models import Notification
    world = review_world(make_user, n_applications=1, n_experts=3, k=2, review_deadline=(
        clock.now() + timedelta(days=30)).isoformat())
    assignment_ops.compute_assignment(world["mnvo"], world["competition"].id)
    assignment_ops.send_invitations(world["mnvo"], world["competition"].id)
    uow.commit()  # the invitations' notifications are jobs, run once their unit of work commits
    before = Notification.query.count()
    assert review_ops.send_due_reminders(days=3) == 0  # nothing due soon
    clock.freeze(clock.now() + timedelta(days=28))
    result = runner.invoke(args=["scoring", "remind-due", "--days", "3"])
    assert result.exit_code == 0 and "Sent 2 reminders" in result.output
    assert Notification.query.count() == before + 2
    assert review_ops.send_due_reminders(days=3) == 0  # not again the same day
