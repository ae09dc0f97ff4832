"""Matching in the web app: pool and visibility, recommendations both ways, feedback, introductions."""
from __future__ import annotations

import pytest

from app.competitions import applications as application_ops
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.matching import services
from app.text.vectors import TextVector
from tests.api.test_core import assert_error
from tests.competitions.helpers import open_competition

PROJECTS = [
    ("Lu-177 radiopharmaceutical for cancer therapy", "isotopes nuclear medicine radiopharmaceutical production",
     5, True),
    ("Drought-tolerant wheat varieties", "wheat breeding drought agronomy seeds", 6, True),
    ("Industrial cybersecurity monitoring", "intrusion detection SCADA industrial networks", 7, True),
    ("Hidden project", "isotopes nuclear medicine", 6, False),
    ("Early concept", "isotopes nuclear medicine theory", 3, True),
]


@pytest.fixture
def world(app, make_user, db):
    mnvo = make_user("mnvo")
    competition = open_competition(mnvo, instrument="grant", trl_min=1, trl_max=9, required_documents=[],
                                   require_accreditation=False, require_org_signature=False)
    apps = []
    for title, abstract, trl, visible in PROJECTS:
        leader = make_user("researcher")
        application = application_ops.create_application(leader, competition.id, {
            "title": title, "abstract": abstract, "keywords": abstract.split()[:3], "priority": 5,
            "trl_claimed": trl, "trl_evidence": {str(i): "e" for i in range(1, trl + 1)}, "requested_kzt": 50_000_000,
            "cofinancing_kzt": 10_000_000, "duration_months": 24, "investor_visible": visible,
            "language": "en"})
        application_ops.submit(leader, application.id)
        apps.append((leader, application))
    investors = []
    for name, thesis, trl in (("Isotope Fund", "nuclear medicine isotopes radiopharmaceuticals", (4, 9)),
                              ("Agro Ventures", "agriculture wheat seeds breeding", (4, 9)),
                              ("Cyber Capital", "cybersecurity industrial networks", (6, 9))):
        user = make_user("investor", name=name)
        profile = services.my_profile(user)
        services.update_profile(user, profile.id, {"name": name, "thesis": {"en": thesis}, "trl_min": trl[0],
                                                   "trl_max": trl[1],
                                                   "portfolio": [f"Past investment in {thesis}"]})
        investors.append(user)
    return {"apps": apps, "investors": investors, "competition": competition}


def test_investor_feed_ranks_and_respects_visibility(world):
    isotope_investor = world["investors"][0]
    feed = services.investor_matches(isotope_investor, top=10)
    titles = [m["application"].title for m in feed]
    assert titles[0] == "Lu-177 radiopharmaceutical for cancer therapy"
    assert "Hidden project" not in titles and "Early concept" not in titles  # not allowed / TRL 3
    assert feed[0]["reasons"]


def test_investor_trl_filter(world):
    cyber = world["investors"][2]
    titles = [m["application"].title for m in services.investor_matches(cyber, top=10)]
    assert "Lu-177 radiopharmaceutical for cancer therapy" not in titles  # TRL 5 below the fund's 6


def test_project_matches_for_leader(world):
    leader, application = world["apps"][1]
    matches = services.project_matches(leader, application.id)
    assert matches[0]["profile"].name == "Agro Ventures"
    with pytest.raises((NotFound, Exception)):
        services.project_matches(world["apps"][0][0], application.id)


def test_feedback_dismisses_until_the_project_changes(world, db):
    investor = world["investors"][0]
    _leader, target = world["apps"][0]
    with pytest.raises(ValidationFailed):
        services.give_feedback(investor, target.id, "not_relevant", "")
    services.give_feedback(investor, target.id, "not_relevant", "Too early for us")
    titles = [m["application"].title for m in services.investor_matches(investor, top=10)]
    assert target.title not in titles
    target.abstract = target.abstract + " Now with a GMP-certified production line."
    db.session.commit()
    services.invalidate_matcher()
    titles = [m["application"].title for m in services.investor_matches(investor, top=10)]
    assert target.title in titles


def test_interested_feedback_lifts_similar(world):
    investor = world["investors"][1]
    before = [m["application"].id for m in services.investor_matches(investor, top=10)]
    cyber_app = world["apps"][2][1]
    services.give_feedback(investor, cyber_app.id, "interested")
    after = [m["application"].id for m in services.investor_matches(investor, top=10)]
    assert after.index(cyber_app.id) <= before.index(cyber_app.id)


def test_introduction_gates_full_application(world, api):
    investor, (leader, application) = world["investors"][0], world["apps"][0]
    inv_api, leader_api = api.as_(investor), api.as_(leader)
    teaser = inv_api.get(f"/api/v1/applications/{application.id}").get_json()
    assert "team" not in teaser and "trl_evidence" not in teaser
    hidden = world["apps"][3][1]
    assert_error(inv_api.get(f"/api/v1/applications/{hidden.id}"), 404)
    created = inv_api.post(f"/api/v1/applications/{application.id}/introductions", json={"message": "Let's talk"})
    assert created.status_code == 201
    intro_id = created.get_json()["id"]
    assert_error(inv_api.post(f"/api/v1/introductions/{intro_id}/answer", json={"accept": True}), 404)
    assert leader_api.post(f"/api/v1/introductions/{intro_id}/answer",
                           json={"accept": True, "require_nda": True}).status_code == 200
    still = inv_api.get(f"/api/v1/applications/{application.id}").get_json()
    assert "team" not in still  # the NDA comes first
    assert inv_api.post(f"/api/v1/introductions/{intro_id}/nda").status_code == 200
    full = inv_api.get(f"/api/v1/applications/{application.id}").get_json()
    assert "team" in full and "trl_evidence" in full
    for amount in ("1e10", "12,5", 10**15, 0, float("inf"), True):  # an indicator is not inflated by typing
        refused = inv_api.post(f"/api/v1/introductions/{intro_id}/commitments",
                               json={"amount_kzt": amount, "year": 2026})
        assert refused.status_code in (400, 422) and refused.status_code != 201, (amount, refused.get_json())
    assert services.indicators()["investment_by_year"].get(2026, 0) == 0
    committed = inv_api.post(f"/api/v1/introductions/{intro_id}/commitments", json={"amount_kzt": 150_000_000,
                                                                                   "year": 2026})
    assert committed.status_code == 201
    assert services.indicators()["investment_by_year"][2026] == pytest.approx(0.15)


def test_matching_endpoints(world, api):
    investor = api.as_(world["investors"][0])
    body = investor.get("/api/v1/investors/me/matches?top=2").get_json()
    assert body["total"] <= 2 and {"application_id", "title", "trl", "score", "reasons"} <= set(body["items"][0])
    assert_error(investor.get("/api/v1/investors/me/matches?top=0"), 400)
    leader, application = world["apps"][0]
    matches = api.as_(leader).get(f"/api/v1/applications/{application.id}/matches?top=3").get_json()
    assert {"investor_id", "name", "score", "reasons"} <= set(matches["items"][0])
    assert matches["items"][0]["investor_id"] == world["investors"][0].id
    assert_error(investor.get(f"/api/v1/applications/{application.id}/matches"), 403)
    researcher = api.as_(world["apps"][1][0])
    assert_error(researcher.get("/api/v1/investors/me/matches"), 403)


def test_vectors_cached_and_recomputed_only_on_change(world, db):
    services.embed_all()
    first = {v.text_sha256 for v in db.session.query(TextVector)}
    assert first and all(v.model_name and v.model_version and v.dim for v in db.session.query(TextVector))
    services.embed_all()
    assert {v.text_sha256 for v in db.session.query(TextVector)} == first
    _leader, application = world["apps"][0]
    application.title = "Lu-177 and Ac-225 radiopharmaceuticals"
    db.session.commit()
    services.embed_all()
    after = {v.text_sha256 for v in db.session.query(TextVector)}
    assert len(after - first) == 1  # only the changed project's text was embedded again


def test_declined_introduction_cannot_be_repeated(world):
    investor, (leader, application) = world["investors"][0], world["apps"][0]
    intro = services.request_introduction(investor, application.id)
    services.answer_introduction(leader, intro.id, False)
    with pytest.raises(Conflict):
        services.request_introduction(investor, application.id)
    with pytest.raises(Conflict):
        services.record_commitment(investor, intro.id, 100)


def test_bulk_embed_command(world, runner, db):
    result = runner.invoke(args=["matching", "embed"])
    assert result.exit_code == 0, result.output
    assert "100.0%" in result.output and "projects=3" in result.output
    result = runner.invoke(args=["matching", "embed", "--force"])
    assert result.exit_code == 0 and db.session.query(TextVector).count() > 0


def test_reembed_job_from_the_web(world, make_user, client, auth):
    admin = make_user("admin")
    auth.login(admin)
    response = client.post("/matching/embed")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and b"<progress" in page.data
    auth.logout()
    auth.login(world["investors"][0])
    assert client.post("/matching/embed").status_code == 403
