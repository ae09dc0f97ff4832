"""The review-round pages: the expert's declaration gate, review form, autosave and blindness; the operator's
assignment, ranking and exports; the council session and protocol; the applicant's anonymised reviews."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.competitions import services as comp
from app.core.db import db
from app.scoring.council import appeals as appeal_ops
from app.scoring.council import sessions as council_ops
from app.scoring.experts import services as expert_ops
from app.scoring.review import assignments as assignment_ops
from app.scoring.review import reviews as review_ops
from tests.scoring.helpers import FULL_REVIEW, review_world


def _as(auth, user):
    auth.logout()
    response = auth.login(user)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    auth.client.get("/?lang=en")  # the assertions read the English texts (the language sticks to the session)


def _invited(world):
    assignment_ops.compute_assignment(world["mnvo"], world["competition"].id)
    assignment_ops.send_invitations(world["mnvo"], world["competition"].id)
    rows = assignment_ops.assignments_of(world["mnvo"], world["competition"].id)
    experts = {e.id: e for e in world["experts"]}
    return rows, experts


def _accepted(world):
    rows, experts = _invited(world)
    for row in rows:
        assignment_ops.declare(experts[row.expert_id], row.id, False)
    return rows, experts


def _reviewed(world, marks=None):
    rows, experts = _accepted(world)
    for row in rows:
        m = (marks or {}).get(row.application_id, 4)
        review_ops.save_review(experts[row.expert_id], row.id,
                             {**FULL_REVIEW, "scores": {"excellence": m, "impact": m, "implementation": m},
                              "submit": True})
    return rows, experts


def _form(criteria_values=None, **extra):
    """The review form as posted by a browser (criteria in the order of the competition: excellence, impact,
    implementation)."""
    data = {"score_0": "4.5", "comment_0": "Strong", "score_1": "4", "comment_1": "Clear market",
            "score_2": "3.5", "comment_2": "Feasible", "trl_verified": "5", "budget_justified": "yes",
            "overall_comment": "Recommended.", "trl_comment": "", "budget_comment": "", "version": ""}
    data.update(criteria_values or {})
    data.update(extra)
    return data


def test_declaration_gate_before_full_text(app, client, auth, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    rows, experts = _invited(world)
    row = rows[0]
    expert = experts[row.expert_id]
    _as(auth, expert)
    desk = client.get("/expert").get_data(as_text=True)
    assert "Declare no conflict and accept" in desk and "Declare a conflict" in desk
    teaser = client.get(f"/expert/assignments/{row.id}")
    page = teaser.get_data(as_text=True)
    assert teaser.status_code == 200
    assert world["applications"][0].title in page and "Declare no conflict and accept" in page
    assert "Evidence for level" not in page and "desc.pdf" not in page and "score_0" not in page
    # a conflict needs a reason: the error is shown next to the field
    refused = client.post(f"/expert/assignments/{row.id}/declare", data={"conflict": "1", "reason": ""})
    assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
    accepted = client.post(f"/expert/assignments/{row.id}/declare", data={"accept": "1"})
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(f"/expert/assignments/{row.id}")
    full = client.get(f"/expert/assignments/{row.id}").get_data(as_text=True)
    assert "Evidence for level" in full and "desc.pdf" in full and 'name="score_0"' in full
    assert 'data-autosave="/expert/assignments/' in full


def test_stranger_gets_404(app, client, auth, make_user):
    world = review_world(make_user, n_applications=1, n_experts=4, k=2)
    rows, _experts = _accepted(world)
    assigned = {r.expert_id for r in rows if r.application_id == rows[0].application_id}
    stranger = next(e for e in world["experts"] if e.id not in assigned)
    _as(auth, stranger)
    assert client.get(f"/expert/assignments/{rows[0].id}").status_code == 404
    assert client.post(f"/expert/assignments/{rows[0].id}/autosave", data=_form()).status_code == 404
    _as(auth, world["leaders"][0])
    assert client.get(f"/expert/assignments/{rows[0].id}").status_code == 404
    assert client.get(f"/competitions/{world['competition'].id}/review").status_code == 404


def test_autosave_versions_and_stale_conflict(app, client, auth, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    rows, experts = _accepted(world)
    row = rows[0]
    _as(auth, experts[row.expert_id])
    url = f"/expert/assignments/{row.id}/autosave"
    first = client.post(url, data=_form({"score_1": ""}), headers={"Accept": "application/json"})
    assert first.status_code == 200, first.get_json()
    version = first.get_json()["version"]
    second = client.post(url, data=_form(version=str(version)))
    assert second.status_code == 200 and second.get_json()["version"] == version + 1
    stale = client.post(url, data=_form(version=str(version)))
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "version_conflict"
    bad = client.post(url, data=_form({"score_0": "9"}, version=str(version + 1)))
    assert bad.status_code == 422 and "scores.excellence" in bad.get_json()["error"]["fields"]


def test_out_of_scale_score_is_a_field_error(app, client, auth, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    rows, experts = _accepted(world)
    row = rows[0]
    _as(auth, experts[row.expert_id])
    response = client.post(f"/expert/assignments/{row.id}", data=_form({"score_0": "7"}, save="1"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="score_0-error"' in page and "Use the scale" in page
    incomplete = client.post(f"/expert/assignments/{row.id}",
                             data=_form({"comment_1": ""}, submit_review="1"))
    assert incomplete.status_code == 422 and 'id="comment_1-error"' in incomplete.get_data(as_text=True)


def test_submit_locks_and_other_scores_appear_only_after(app, client, auth, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    rows, experts = _accepted(world)
    first, second = rows[0], rows[1]
    _as(auth, experts[first.expert_id])
    done = client.post(f"/expert/assignments/{first.id}",
                       data=_form({"comment_0": "Unusually original method"}, submit_review="1"))
    assert done.status_code == 302
    locked = client.get(f"/expert/assignments/{first.id}").get_data(as_text=True)
    assert "is locked" in locked and 'name="score_0"' not in locked
    assert client.post(f"/expert/assignments/{first.id}/autosave", data=_form()).status_code == 409

    _as(auth, experts[second.expert_id])
    before = client.get(f"/expert/assignments/{second.id}").get_data(as_text=True)
    assert "Unusually original method" not in before and "Scores of all experts" not in before
    assert client.post(f"/expert/assignments/{second.id}", data=_form(submit_review="1")).status_code == 302
    after = client.get(f"/expert/assignments/{second.id}").get_data(as_text=True)
    assert "Scores of all experts" in after and "Unusually original method" in after
    assert experts[first.expert_id].name not in after  # the other expert stays anonymous


def test_operator_runs_assignment_job_and_sees_proposals(app, client, auth, make_user):
    world = review_world(make_user, n_applications=2, n_experts=4, k=2)
    cid = world["competition"].id
    _as(auth, world["mnvo"])
    page = client.get(f"/competitions/{cid}/review")
    assert page.status_code == 200 and "Run the assignment" in page.get_data(as_text=True)
    started = client.post(f"/competitions/{cid}/review/assign")
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    job_page = client.get(started.headers["Location"])
    assert job_page.status_code == 200
    proposals = client.get(f"/competitions/{cid}/review").get_data(as_text=True)
    assert "Proposed" in proposals and "Optimal assignment" in proposals
    assert "The last assignment run finished: 4 assignments proposed" in proposals  # the page follows the job
    assert any(e.name in proposals for e in world["experts"])
    assert "Send invitations (4)" in proposals
    sent = client.post(f"/competitions/{cid}/review/invite", follow_redirects=True)
    assert "Invitations sent: 4." in sent.get_data(as_text=True)


def test_infeasible_assignment_job_says_why(app, client, auth, make_user):
    world = review_world(make_user, n_applications=2, n_experts=2, k=3)
    cid = world["competition"].id
    _as(auth, world["mnvo"])
    started = client.post(f"/competitions/{cid}/review/assign")
    assert started.status_code == 302
    page = client.get(f"/competitions/{cid}/review").get_data(as_text=True)
    assert "The last assignment run failed." in page and "The constraints cannot all be met" in page


def test_swap_rechecks_constraints_and_shows_messages(app, client, auth, make_user):
    world = review_world(make_user, n_applications=1, n_experts=4, k=2)
    cid = world["competition"].id
    rows, _experts = _invited(world)
    _as(auth, world["mnvo"])
    refused = client.post(f"/competitions/{cid}/review/swap",
                          data={"assignment_id": rows[0].id, "expert_id": world["leaders"][0].id})
    assert refused.status_code == 422 and "This user is not an expert." in refused.get_data(as_text=True)
    spare = next(e for e in world["experts"] if e.id not in {r.expert_id for r in rows})
    swapped = client.post(f"/competitions/{cid}/review/swap",
                          data={"assignment_id": rows[0].id, "expert_id": spare.id})
    assert swapped.status_code == 302
    states = {a.expert_id: a.status for a in assignment_ops.assignments_of(world["mnvo"], cid)}
    assert states[rows[0].expert_id] == "released" and states[spare.id] == "proposed"
    missing = client.post(f"/competitions/{cid}/review/add", data={"application_id": rows[0].application_id})
    assert missing.status_code == 422 and "Choose an expert." in missing.get_data(as_text=True)


def test_import_experts_shows_row_errors(app, client, auth, make_user):
    world = review_world(make_user, n_applications=1, n_experts=2, k=2)
    cid = world["competition"].id
    _as(auth, world["mnvo"])
    bad = b"email,name,organisation\nnew@example.kz,,Org\n"
    response = client.post(f"/competitions/{cid}/review/import", data={"file": (io.BytesIO(bad), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Row 1" in response.get_data(as_text=True)
    good = b"email,name,organisation,country,foreign,keywords,texts\n" \
           b"new@example.kz,Aigerim Test,KBTU,Kazakhstan,no,\"AI, robotics\",Paper one|Paper two\n"
    response = client.post(f"/competitions/{cid}/review/import", data={"file": (io.BytesIO(good), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(f"/competitions/{cid}/review").get_data(as_text=True)
    assert "Aigerim Test" in page


def test_ranking_page_funding_line_and_exports(app, client, auth, make_user):
    world = review_world(make_user, n_applications=3, n_experts=4, k=2, budget_kzt=150_000_000)
    apps = world["applications"]
    _reviewed(world, {apps[0].id: 5, apps[1].id: 4, apps[2].id: 2})
    apps[1].title = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    cid = world["competition"].id
    _as(auth, world["mnvo"])
    response = client.get(f"/competitions/{cid}/ranking")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="sc-line"' in page and "Funding line" in page
    assert page.index(apps[0].irn) < page.index("Funding line") < page.index(apps[2].irn)
    assert "Below threshold" in page and "<svg" in page and "z-score" in page
    csv_text = client.get(f"/competitions/{cid}/ranking.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and apps[0].irn in csv_text
    xlsx = client.get(f"/competitions/{cid}/ranking.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    _as(auth, world["leaders"][0])
    assert client.get(f"/competitions/{cid}/ranking").status_code == 404


def test_operator_amends_with_a_reason(app, client, auth, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    _reviewed(world)
    application = world["applications"][0]
    _as(auth, world["mnvo"])
    reviews = client.get(f"/applications/{application.id}/reviews").get_data(as_text=True)
    assert "/amend" in reviews and "Expert Surname" in reviews  # the operator sees who reviewed
    review_id = review_ops.reviews_visible_to(world["mnvo"], application.id)[0]["review_id"]
    url = f"/reviews/{review_id}/amend"
    assert client.get(url).status_code == 200
    refused = client.post(url, data={"score_0": "2", "reason": ""})
    assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
    assert client.post(url, data={"score_0": "2", "reason": "Arithmetic error"}).status_code == 302
    _as(auth, world["leaders"][0])
    assert client.get(url).status_code == 404


def _council_world(make_user):
    world = review_world(make_user, n_applications=2, n_experts=4, k=2, budget_kzt=150_000_000)
    apps = world["applications"]
    _reviewed(world, {apps[0].id: 5, apps[1].id: 4})
    comp.transition(world["mnvo"], world["competition"].id, "council")
    world["council"] = [make_user("council", name=f"Council Member{i}") for i in range(3)]
    return world


def test_council_opens_votes_closes_and_protocol(app, client, auth, make_user):
    world = _council_world(make_user)
    cid, apps, council = world["competition"].id, world["applications"], world["council"]
    _as(auth, council[0])
    page = client.get(f"/competitions/{cid}/council").get_data(as_text=True)
    assert "Open the session" in page and "Council Member2" in page
    opened = client.post(f"/competitions/{cid}/council/open", data={"attendees": [u.id for u in council]})
    assert opened.status_code == 302
    meeting = council_ops.session_of(council[0], cid)
    page = client.get(f"/competitions/{cid}/council").get_data(as_text=True)
    assert 'name="choice" value="for"' in page and "I have a conflict" in page and "sc-line-sep" in page
    voted = client.post(f"/competitions/{cid}/council/{meeting.id}/vote",
                        data={"application_id": apps[0].id, "choice": "for"})
    assert voted.status_code == 302
    counts = client.get(f"/competitions/{cid}/council/counts").get_json()
    assert counts["counts"][str(apps[0].id)]["for"] == 1
    bad = client.post(f"/competitions/{cid}/council/{meeting.id}/vote", data={"application_id": apps[0].id,
                                                                              "choice": "maybe"})
    assert bad.status_code == 302
    no_quorum = client.post(f"/competitions/{cid}/council/{meeting.id}/close", follow_redirects=True)
    assert "No quorum yet" in no_quorum.get_data(as_text=True)
    for member in council:
        for application in apps:
            council_ops.vote(member, meeting.id, application.id, "for")
    closed = client.post(f"/competitions/{cid}/council/{meeting.id}/close")
    assert closed.status_code == 302 and closed.headers["Location"].endswith(f"/competitions/{cid}/protocol")
    protocol = client.get(f"/competitions/{cid}/protocol").get_data(as_text=True)
    assert "Signatures" in protocol and "data-print-page" in protocol and "Council Member1" in protocol
    assert "Funded" in protocol and "quorum present" in protocol
    _as(auth, world["leaders"][0])
    assert client.get(f"/competitions/{cid}/protocol").status_code == 404
    assert client.get(f"/competitions/{cid}/council").status_code == 404


def _published(world):
    meeting = council_ops.open_session(world["mnvo"], world["competition"].id, [u.id for u in world["council"]])
    for member in world["council"]:
        for application in world["applications"]:
            council_ops.vote(member, meeting.id, application.id, "for")
    council_ops.close_session(world["mnvo"], meeting.id)
    comp.transition(world["mnvo"], world["competition"].id, "results")


def test_applicant_sees_anonymised_reviews_and_appeals(app, client, auth, make_user):
    world = _council_world(make_user)
    application, leader = world["applications"][0], world["leaders"][0]
    _as(auth, leader)
    early = client.get(f"/applications/{application.id}/reviews").get_data(as_text=True)
    assert "Expert 1" not in early and "No expert review is available" in early
    _published(world)
    page = client.get(f"/applications/{application.id}/reviews").get_data(as_text=True)
    assert "Expert 1" in page and "Expert 2" in page and "Recommended." in page
    assert "Expert Surname" not in page and "/amend" not in page
    for expert in world["experts"]:
        assert expert.name not in page and expert.email not in page
    assert client.get(f"/applications/{application.id}/appeal").status_code == 200
    empty = client.post(f"/applications/{application.id}/appeal", data={"text": ""})
    assert empty.status_code == 422 and 'id="text-error"' in empty.get_data(as_text=True)
    filed = client.post(f"/applications/{application.id}/appeal",
                        data={"text": "A conflict was not declared."})
    assert filed.status_code == 302
    _as(auth, world["mnvo"])
    appeals = client.get(f"/competitions/{world['competition'].id}/appeals").get_data(as_text=True)
    assert "A conflict was not declared." in appeals
    appeal_id = appeal_ops.appeals_of(world["mnvo"], world["competition"].id)[0].id
    blank = client.post(f"/competitions/{world['competition'].id}/appeals/{appeal_id}/answer",
                        data={"answer": ""})
    assert blank.status_code == 422
    answered = client.post(f"/competitions/{world['competition'].id}/appeals/{appeal_id}/answer",
                           data={"answer": "Checked: no conflict."}, follow_redirects=True)
    assert "Checked: no conflict." in answered.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["kk", "en"])
def test_pages_render_in_every_language(app, client, auth, make_user, lang):
    world = review_world(make_user, n_applications=2, n_experts=4, k=2)
    rows, experts = _accepted(world)
    cid = world["competition"].id
    _as(auth, experts[rows[0].expert_id])
    for url in ("/expert", "/expert/profile", f"/expert/assignments/{rows[0].id}", "/dashboard"):
        response = client.get(f"{url}?lang={lang}")
        assert response.status_code == 200, url
        assert f'<html lang="{lang}">' in response.get_data(as_text=True)
    _as(auth, world["mnvo"])
    for url in (f"/competitions/{cid}/review", f"/competitions/{cid}/ranking", f"/competitions/{cid}/council",
                f"/competitions/{cid}/appeals", f"/applications/{world['applications'][0].id}/reviews",
                "/dashboard"):
        assert client.get(f"{url}?lang={lang}").status_code == 200, url


def test_expert_profile_and_dashboard_panels(app, client, auth, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    rows, experts = _invited(world)
    expert = experts[rows[0].expert_id]
    _as(auth, expert)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Invitations waiting for your answer" in dashboard and 'href="/expert"' in dashboard
    saved = client.post("/expert/profile", data={
        "organisation": "KazNU", "country": "Kazakhstan", "languages": "ru, en",
        "keywords": "isotopes, reactors", "priorities": ["2", "5"], "texts-0": "Lutetium-177 production",
        "texts-1": ""})
    assert saved.status_code == 302
    profile = expert_ops.profile_for(expert)
    assert profile.priorities == [2, 5] and profile.texts == ["Lutetium-177 production"]
    assert profile.keywords == ["isotopes", "reactors"]
    _as(auth, world["leaders"][0])
    assert client.get("/expert/profile").status_code == 403
    _as(auth, world["mnvo"])
    assert "Expert review and council" in client.get("/dashboard").get_data(as_text=True)


def test_import_experts_only_by_the_organiser_and_never_changes_existing_accounts(app, client, auth, make_user):
    from app.accounts.models import User
    from app.scoring.models import ExpertProfile
    world = review_world(make_user, n_applications=1, n_experts=2, k=2)
    cid = world["competition"].id  # a national competition
    expert = world["experts"][0]
    researcher = world["leaders"][0]
    before = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == expert.id))
    organisation, foreign = before.organisation, before.foreign
    akimat = make_user("akimat", region="abai")
    rows = (f"email,name,organisation,country,foreign,texts\n"
            f"{researcher.email},R,Org X,Germany,yes,Paper\n"
            f"{akimat.email},A,Org X,Germany,yes,Paper\n").encode()
    _as(auth, akimat)
    response = client.post(f"/competitions/{cid}/review/import", data={"file": (io.BytesIO(rows), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code in (403, 404)
    db.session.expire_all()
    assert "expert" not in db.session.get(User, researcher.id).roles
    assert "expert" not in db.session.get(User, akimat.id).roles
    auth.logout()
    _as(auth, world["mnvo"])  # the organiser itself may not rewrite an expert or grant a role either
    rows = (f"email,name,organisation,country,foreign,texts\n"
            f"{expert.email},E,Elsewhere,Germany,yes,Paper\n").encode()
    response = client.post(f"/competitions/{cid}/review/import", data={"file": (io.BytesIO(rows), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Row 1" in response.get_data(as_text=True)
    rows = b"email,name\nnot.an.expert.yet@example.kz,No Texts\n"
    response = client.post(f"/competitions/{cid}/review/import", data={"file": (io.BytesIO(rows), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    db.session.expire_all()
    after = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == expert.id))
    assert (after.organisation, after.foreign) == (organisation, foreign)
    assert db.session.scalar(select(User).where(User.email == "not.an.expert.yet@example.kz")) is None
