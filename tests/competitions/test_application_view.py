"""``application_view``: one decision of what a caller sees of an application (nothing, the teaser or the
full application), asked by the HTML page, the expert's and the investor's pages and the JSON API alike;
and the one ``application.edit`` predicate (status and deadline included) that the pages ask."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.competitions import applications as application_ops
from app.core import time as clock
from app.core.errors import NotFound
from app.core.permissions import can
from app.matching import services as matching
from app.scoring.review import assignments as assignment_ops
from tests.api.test_core import assert_error
from tests.competitions.helpers import open_competition
from tests.scoring.helpers import review_world

EVIDENCE_MARK = "Evidence for level"  # the TRL evidence block: part of the full application only
DECLARE_MESSAGE = "open once you declare whether you have a conflict of interest"


def _invited(world):
    assignment_ops.compute_assignment(world["mnvo"], world["competition"].id)
    assignment_ops.send_invitations(world["mnvo"], world["competition"].id)
    row = assignment_ops.assignments_of(world["mnvo"], world["competition"].id)[0]
    expert = next(e for e in world["experts"] if e.id == row.expert_id)
    return row, expert


def _as(auth, user):
    auth.logout()
    assert auth.login(user).status_code == 302
    auth.client.get("/?lang=en")


def test_invited_expert_sees_the_teaser_and_the_way_to_the_declaration_then_the_full_page(
        app, client, auth, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    row, expert = _invited(world)
    application = world["applications"][0]

    view = application_ops.application_view(expert, application.id)
    assert (view.level, view.reason, view.declaration_for) == ("teaser", "declaration_required", row.id)
    assert application_ops.awaits_declaration(expert, application)

    _as(auth, expert)
    page = client.get(f"/applications/{application.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert application.title in html and DECLARE_MESSAGE in html
    assert f'href="/expert/assignments/{row.id}"' in html
    assert EVIDENCE_MARK not in html and "desc.pdf" not in html and world["leaders"][0].email not in html
    for path in (f"/applications/{application.id}/receipt", f"/attachments/{application.attachments[0].id}"):
        assert client.get(path).status_code == 404  # the documents stay closed as well
    # the message is in every language
    for lang, words in (("ru", "конфликт интересов"), ("kk", "мүдделер қақтығысының")):
        assert words in client.get(f"/applications/{application.id}?lang={lang}").get_data(as_text=True)
    client.get("/?lang=en")

    assert client.post(f"/expert/assignments/{row.id}/declare", data={"accept": "1"}).status_code == 302
    assert application_ops.application_view(expert, application.id).level == "full"
    full = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert EVIDENCE_MARK in full and "desc.pdf" in full and DECLARE_MESSAGE not in full
    assert client.get(f"/applications/{application.id}/receipt").status_code == 200


def test_the_api_keeps_its_403_before_the_declaration(app, api, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    row, expert = _invited(world)
    application = world["applications"][0]
    as_expert = api.as_(expert)
    closed = assert_error(as_expert.get(f"/api/v1/applications/{application.id}"), 403, "declaration_required")
    assert "declaration" in closed["message"]
    assert as_expert.post(f"/api/v1/assignments/{row.id}/declaration", json={"conflict": False}).status_code == 200
    assert "trl_evidence" in as_expert.get(f"/api/v1/applications/{application.id}").get_json()


def test_nothing_is_identical_for_a_stranger_and_a_missing_application(app, api, client, auth, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    application = world["applications"][0]
    stranger = make_user("researcher")
    with pytest.raises(NotFound):
        application_ops.application_view(stranger, application.id)
    with pytest.raises(NotFound):
        application_ops.application_view(stranger, 987654)
    hidden = api.as_(stranger).get(f"/api/v1/applications/{application.id}")
    missing = api.as_(stranger).get("/api/v1/applications/987654")
    assert hidden.status_code == missing.status_code == 404 and hidden.get_json() == missing.get_json()
    _as(auth, stranger)
    assert client.get(f"/applications/{application.id}").status_code == 404
    assert client.get("/applications/987654").status_code == 404


@pytest.fixture
def pool(app, make_user):
    mnvo = make_user("mnvo")
    competition = open_competition(mnvo, instrument="grant", trl_min=1, trl_max=9, required_documents=[],
                                   require_accreditation=False, require_org_signature=False)
    leader = make_user("researcher")
    application = application_ops.create_application(leader, competition.id, {
        "title": "Lu-177 radiopharmaceutical", "abstract": "isotopes nuclear medicine", "priority": 5,
        "trl_claimed": 5, "trl_evidence": {str(i): f"Secret evidence {i}" for i in range(1, 6)},
        "requested_kzt": 50_000_000, "cofinancing_kzt": 10_000_000, "duration_months": 24,
        "investor_visible": True, "language": "en", "keywords": ["isotopes"]})
    application_ops.submit(leader, application.id)
    investor = make_user("investor", name="Isotope Fund")
    profile = matching.my_profile(investor)
    matching.update_profile(investor, profile.id, {"name": "Isotope Fund", "thesis": {"en": "isotopes"},
                                                   "trl_min": 4, "trl_max": 9})
    return {"leader": leader, "application": application, "investor": investor}


def test_investor_teaser_then_full_after_an_accepted_introduction(pool, api, client, auth):
    investor, leader, application = pool["investor"], pool["leader"], pool["application"]
    view = application_ops.application_view(investor, application.id)
    assert (view.level, view.reason) == ("teaser", None)
    teaser = api.as_(investor).get(f"/api/v1/applications/{application.id}").get_json()
    assert teaser["title"] == "Lu-177 radiopharmaceutical" and "trl_evidence" not in teaser and "team" not in teaser
    _as(auth, investor)
    page = client.get(f"/matching/projects/{application.id}").get_data(as_text=True)
    assert "Lu-177" in page and "Secret evidence" not in page and leader.email not in page

    intro = matching.request_introduction(investor, application.id, "hello")
    matching.answer_introduction(leader, intro.id, True, "welcome")
    assert application_ops.application_view(investor, application.id).level == "full"
    full = api.as_(investor).get(f"/api/v1/applications/{application.id}").get_json()
    assert full["trl_evidence"]["1"] == "Secret evidence 1" and "team" in full
    page = client.get(f"/matching/projects/{application.id}").get_data(as_text=True)
    assert "Secret evidence" in page and leader.email in page


def test_edit_is_one_predicate_with_the_status_and_the_deadline(app, client, auth, make_user):
    mnvo = make_user("mnvo")
    competition = open_competition(mnvo, instrument="grant", trl_min=1, trl_max=9, required_documents=[],
                                   require_accreditation=False, require_org_signature=False)
    leader = make_user("researcher")
    draft = application_ops.create_application(leader, competition.id, {"title": "Draft one", "language": "en"})
    assert can(leader, "application.edit", draft) and not can(leader, "application.withdraw", draft)
    assert not can(make_user("researcher"), "application.edit", draft)
    _as(auth, leader)
    assert f"/applications/{draft.id}/edit" in client.get(f"/applications/{draft.id}").get_data(as_text=True)
    assert f"/applications/{draft.id}/edit" in client.get("/applications").get_data(as_text=True)

    clock.freeze(competition.deadline + timedelta(seconds=1))  # the conftest unfreezes after each test
    assert not can(leader, "application.edit", draft)  # still a draft, but past the deadline
    assert f"/applications/{draft.id}/edit" not in client.get(f"/applications/{draft.id}").get_data(as_text=True)
    assert f"/applications/{draft.id}/edit" not in client.get("/applications").get_data(as_text=True)
    edit = client.get(f"/applications/{draft.id}/edit")
    assert edit.status_code == 302 and edit.headers["Location"].endswith(f"/applications/{draft.id}")
