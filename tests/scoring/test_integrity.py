"""No single council member or expert bends a decision (the reproductions of the integrity issue): every
refused request leaves the state as it was."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.competitions import services as comp
from app.core import uow
from app.core.db import db
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.scoring.council import sessions as council_ops
from app.scoring.review import assignments as assignment_ops
from app.scoring.review import ranking as ranking_ops
from app.scoring.review import reviews as review_ops
from app.scoring.models import ConsensusReport, CouncilSession, Vote
from tests.api.test_core import assert_error
from tests.scoring.helpers import FULL_REVIEW, review_world


def _reviewed_world(make_user, marks):
    world = review_world(make_user, n_applications=len(marks), n_experts=4, k=2)
    assignment_ops.compute_assignment(world["mnvo"], world["competition"].id)
    assignment_ops.send_invitations(world["mnvo"], world["competition"].id)
    experts = {e.id: e for e in world["experts"]}
    rows = assignment_ops.assignments_of(world["mnvo"], world["competition"].id)
    for row in rows:
        assignment_ops.declare(experts[row.expert_id], row.id, False)
        m = marks[[a.id for a in world["applications"]].index(row.application_id)]
        review_ops.save_review(experts[row.expert_id], row.id,
                             {**FULL_REVIEW, "scores": {"excellence": m, "impact": m, "implementation": m},
                              "submit": True})
    world["rows"], world["by_expert"] = rows, experts
    return world


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_one_council_member_cannot_decide_a_competition_alone(app, api, make_user):
    world = _reviewed_world(make_user, [4, 3])
    cid = world["competition"].id
    comp.transition(world["mnvo"], cid, "council")
    members = [make_user("council") for _ in range(3)]
    uow.commit()
    lone = api.as_(members[0])
    # a lone member names themself the whole session
    assert_error(lone.post(f"/api/v1/competitions/{cid}/council",
                           json={"members": [members[0].id], "attendees": [members[0].id]}), 403)
    assert _count(CouncilSession) == 0
    organiser = api.as_(world["mnvo"])
    assert_error(organiser.post(f"/api/v1/competitions/{cid}/council", json={"members": [members[0].id]}), 422)
    # every attendee box unticked: nobody is present, not everybody
    assert_error(organiser.post(f"/api/v1/competitions/{cid}/council", json={"attendees": []}), 422)
    assert _count(CouncilSession) == 0
    opened = organiser.post(f"/api/v1/competitions/{cid}/council",
                            json={"attendees": [members[0].id, members[1].id]})
    assert opened.status_code == 201, opened.get_json()
    session_id = opened.get_json()["id"]
    first = world["applications"][0].id
    absent = api.as_(members[2])
    assert_error(absent.post(f"/api/v1/council/{session_id}/votes",
                             json={"application_id": first, "choice": "for"}), 403)
    assert lone.post(f"/api/v1/council/{session_id}/votes",
                     json={"application_id": first, "choice": "conflict"}).status_code == 200
    assert_error(lone.post(f"/api/v1/council/{session_id}/votes",
                           json={"application_id": first, "choice": "for"}), 409)  # a conflict is final
    assert db.session.scalar(select(Vote.choice).where(Vote.member_id == members[0].id)) == "conflict"
    assert _count(Vote) == 1
    # a member who is not the secretary cannot close the session for everyone
    assert_error(lone.post(f"/api/v1/council/{session_id}/close"), 403)
    assert db.session.get(CouncilSession, session_id).closed_at is None
    outsider = api.as_(make_user("council"))
    assert_error(outsider.post(f"/api/v1/council/{session_id}/close"), 403)
    assert db.session.get(CouncilSession, session_id).closed_at is None


def test_a_secretary_opens_with_the_whole_council(app, api, make_user):
    world = _reviewed_world(make_user, [4])
    cid = world["competition"].id
    comp.transition(world["mnvo"], cid, "council")
    members = [make_user("council") for _ in range(3)]
    uow.commit()
    secretary = api.as_(members[1])
    opened = secretary.post(f"/api/v1/competitions/{cid}/council", json={})
    assert opened.status_code == 201
    assert set(opened.get_json()["members"]) == {m.id for m in members}


def test_one_expert_cannot_rewrite_an_applications_result(app, client, auth, make_user):
    world = _reviewed_world(make_user, [4.5, 2])
    cid = world["competition"].id
    low = world["applications"][1]
    ranking_before = [i["id"] for i in ranking_ops.ranking(world["mnvo"], cid)["items"]]
    rows = [r for r in world["rows"] if r.application_id == low.id]
    author, other = world["by_expert"][rows[0].expert_id], world["by_expert"][rows[1].expert_id]
    uow.commit()
    # the reported break, through the expert's page: scores no expert gave, as a "consensus"
    auth.login(author)
    response = client.post(f"/expert/assignments/{rows[0].id}/consensus", data={
        "majority": "We all agree it is excellent", "score_0": "5", "score_1": "5", "score_2": "5"})
    assert response.status_code == 422
    assert _count(ConsensusReport) == 0
    assert [i["id"] for i in ranking_ops.ranking(world["mnvo"], cid)["items"]] == ranking_before
    # within the experts' own scores it is recorded, and then it is its rapporteur's alone
    ranking_ops.write_consensus(author, low.id, "Agreed: weak", "", {"excellence": 2, "impact": 2,
                                                                   "implementation": 2})
    uow.commit()
    with pytest.raises(NotFound):
        ranking_ops.write_consensus(other, low.id, "Overwritten", "", {"excellence": 2, "impact": 2,
                                                                    "implementation": 2})
    uow.rollback()
    assert db.session.scalar(select(ConsensusReport.majority)) == "Agreed: weak"
    # and never after the expert review stage
    comp.transition(world["mnvo"], cid, "council")
    uow.commit()
    with pytest.raises(Conflict):
        ranking_ops.write_consensus(author, low.id, "Late", "", {"excellence": 2, "impact": 2, "implementation": 2})
    uow.rollback()
    assert db.session.scalar(select(ConsensusReport.majority)) == "Agreed: weak"


def test_an_expert_cannot_fake_the_registry_or_hide_from_conflict_checks(app, make_user):
    from app.core.audit import AuditEntry
    from app.scoring.experts import services as expert_ops
    expert = make_user("expert")
    expert_ops.update_profile(expert, {"organisation": "Институт ядерной физики", "texts": ["Isotopes"]})
    uow.commit()
    profile = expert_ops.profile_for(expert)
    for change, field in (({"organisation": ""}, "organisation"), ({"foreign": True}, "foreign"),
                          ({"country": "Germany"}, "country"), ({"priorities": [9]}, "priorities.0"),
                          ({"texts": "not a list"}, "texts")):
        with pytest.raises(ValidationFailed) as refused:
            expert_ops.update_profile(expert, {"keywords": ["changed"], **change})
        assert field in refused.value.fields, (change, refused.value.fields)
        uow.rollback()
        db.session.expire_all()
        assert (profile.organisation, profile.foreign, profile.country, profile.keywords) == (
            "Институт ядерной физики", False, "Kazakhstan", [])
    expert_ops.update_profile(expert, {"organisation": "НЯЦ", "keywords": ["reactors"]})
    uow.commit()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "expert.profile")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.before["organisation"] == "Институт ядерной физики" and entry.after["organisation"] == "НЯЦ"


def test_a_review_submitted_without_an_overall_comment_is_a_field_error(app, api, make_user):
    world = review_world(make_user, n_applications=1, n_experts=2, k=2)
    assignment_ops.compute_assignment(world["mnvo"], world["competition"].id)
    assignment_ops.send_invitations(world["mnvo"], world["competition"].id)
    row = assignment_ops.assignments_of(world["mnvo"], world["competition"].id)[0]
    expert = next(e for e in world["experts"] if e.id == row.expert_id)
    assignment_ops.declare(expert, row.id, False)
    uow.commit()
    client = api.as_(expert)
    body = {k: v for k, v in FULL_REVIEW.items() if k != "overall_comment"}
    error = assert_error(client.put(f"/api/v1/assignments/{row.id}/review", json={**body, "submit": True}), 422)
    assert "overall_comment" in error["fields"]
    error = assert_error(client.put(f"/api/v1/assignments/{row.id}/review",
                                    json={**FULL_REVIEW, "trl_verified": "²", "scores": {"impact": 1e400}}), 422)
    assert {"trl_verified"} <= set(error["fields"])


def test_a_conflict_found_after_the_assignment_releases_it_and_its_review_stops_counting(app, make_user):
    from app.accounts.models import Organisation
    from app.scoring.experts import services as expert_ops
    from app.scoring.models import ExpertAssignment
    world = _reviewed_world(make_user, [4.5, 2])
    cid = world["competition"].id
    high = world["applications"][0]
    row = next(r for r in world["rows"] if r.application_id == high.id)
    expert = world["by_expert"][row.expert_id]
    before = next(i for i in ranking_ops.ranking(world["mnvo"], cid)["items"] if i["id"] == high.id)
    assert before["complete"]
    # the expert moves to the applicant's organisation: a same-organisation conflict
    organisation = db.session.get(Organisation, high.organisation_id)
    expert_ops.update_profile(expert, {"organisation": organisation.name_ru})
    uow.commit()
    assignment_ops.compute_assignment(world["mnvo"], cid)
    uow.commit()
    db.session.expire_all()
    assert db.session.get(ExpertAssignment, row.id).status == "released"
    item = next(i for i in ranking_ops.ranking(world["mnvo"], cid)["items"] if i["id"] == high.id)
    counted = review_ops.reviews_visible_to(world["mnvo"], high.id)
    assert all(r.get("expert_id") != expert.id for r in counted)
    assert not item["complete"]  # the ranking (cached per process) saw the release
    proposed = db.session.scalars(select(ExpertAssignment).where(
        ExpertAssignment.application_id == high.id, ExpertAssignment.status == "proposed")).all()
    assert proposed and all(p.expert_id != expert.id for p in proposed)  # a replacement is proposed
