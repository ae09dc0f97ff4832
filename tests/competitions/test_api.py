"""The competitions and applications endpoints of shared/API.md, including their error answers."""
from __future__ import annotations

import io
from datetime import timedelta

from app.core import time as clock
from tests.api.test_core import assert_error
from tests.competitions.helpers import PDF, accredited_org


def _competition_body(**over):
    return {"title": "Коммерциализация 2026", "instrument": "commercialisation",
            "deadline": (clock.now() + timedelta(days=5)).isoformat(), "opens_at": clock.now().isoformat(),
            "budget_kzt": 2_000_000_000, "max_grant_kzt": 300_000_000, "trl_min": 4, "trl_max": 7,
            "required_documents": ["project_description"], "require_accreditation": True, **over}


def _open(api_client, **over):
    response = api_client.post("/api/v1/competitions", json=_competition_body(**over))
    assert response.status_code == 201, response.get_json()
    cid = response.get_json()["id"]
    assert response.get_json()["status"] == "draft"
    for to in ("published", "open"):
        assert api_client.post(f"/api/v1/competitions/{cid}/transitions", json={"to": to}).status_code == 200
    return cid


def test_full_applicant_flow(api, make_user, app):
    org = accredited_org()
    mnvo = api.as_(make_user("mnvo"))
    head = api.as_(make_user("org_head", organisation=org.name_ru))
    leader = api.as_(make_user("researcher", organisation=org.name_ru))
    cid = _open(mnvo)

    detail = leader.get(f"/api/v1/competitions/{cid}").get_json()
    assert detail["status"] == "open" and detail["max_grant_kzt"] == 300_000_000
    assert {c["key"] for c in detail["criteria"]} >= {"excellence", "impact"}
    assert {"key", "name", "weight", "min", "max", "step", "threshold"} <= set(detail["criteria"][0])

    created = leader.post(f"/api/v1/competitions/{cid}/applications", json={
        "title": "Isotope generator", "abstract": "Abstract", "language": "en", "keywords": ["isotopes"],
        "priority": 2, "trl_claimed": 5, "requested_kzt": 200_000_000, "cofinancing_kzt": 20_000_000,
        "applicant_category": "scientist", "investor_visible": True,
        "trl_evidence": {str(i): "evidence" for i in range(1, 6)}})
    assert created.status_code == 201 and created.get_json()["status"] == "draft"
    aid = created.get_json()["id"]

    assert leader.patch(f"/api/v1/applications/{aid}", json={"duration_months": 24}).status_code == 200
    upload = leader.post(f"/api/v1/applications/{aid}/attachments",
                         data={"doc_type": "project_description", "file": (io.BytesIO(PDF), "d.pdf")},
                         content_type="multipart/form-data")
    assert upload.status_code == 201

    ineligible = leader.post(f"/api/v1/applications/{aid}/submit")
    error = assert_error(ineligible, 422)
    assert "signature" in error["fields"]

    assert head.post(f"/api/v1/applications/{aid}/sign").status_code == 200
    assert_error(head.post(f"/api/v1/applications/{aid}/sign"), 409, "already_signed")  # signed once
    # the reported break: signed, then the amount raised, then submitted on the old signature
    assert leader.patch(f"/api/v1/applications/{aid}", json={"requested_kzt": 199_000_000}).status_code == 200
    error = assert_error(leader.post(f"/api/v1/applications/{aid}/submit"), 422)
    assert "signature" in error["fields"]
    assert leader.patch(f"/api/v1/applications/{aid}", json={"requested_kzt": 199_000_000}).status_code == 200
    assert head.post(f"/api/v1/applications/{aid}/sign").status_code == 200  # an unchanged save keeps it
    assert leader.patch(f"/api/v1/applications/{aid}", json={"requested_kzt": 199_000_000}).status_code == 200
    submitted = leader.post(f"/api/v1/applications/{aid}/submit")
    assert submitted.status_code == 200, submitted.get_json()
    receipt = submitted.get_json()
    assert set(receipt) >= {"irn", "submitted_at", "receipt_sha256"} and receipt["irn"].startswith("DP")
    assert leader.post(f"/api/v1/applications/{aid}/submit").get_json() == receipt

    assert_error(leader.patch(f"/api/v1/applications/{aid}", json={"title": "x"}), 409)
    assert mnvo.get(f"/api/v1/applications/{aid}").status_code == 200


def test_submit_after_deadline_409(api, make_user):
    org = accredited_org()
    mnvo = api.as_(make_user("mnvo"))
    leader = api.as_(make_user("researcher", organisation=org.name_ru))
    cid = _open(mnvo)
    aid = leader.post(f"/api/v1/competitions/{cid}/applications", json={"title": "t"}).get_json()["id"]
    clock.freeze(clock.now() + timedelta(days=6))
    assert_error(leader.post(f"/api/v1/applications/{aid}/submit"), 409, "deadline_passed")
    assert_error(leader.post(f"/api/v1/competitions/{cid}/applications", json={"title": "t"}), 409)


def test_illegal_transition_409(api, make_user):
    mnvo = api.as_(make_user("mnvo"))
    cid = mnvo.post("/api/v1/competitions", json=_competition_body()).get_json()["id"]
    title = mnvo.get(f"/api/v1/competitions/{cid}").get_json()["title"]
    error = assert_error(mnvo.post(f"/api/v1/competitions/{cid}/transitions", json={"to": "review"}), 409)
    assert "draft" in error["message"]
    assert_error(mnvo.post(f"/api/v1/competitions/{cid}/transitions", json={"to": "nowhere"}), 422)


def test_create_competition_validation(api, make_user):
    mnvo = api.as_(make_user("mnvo"))
    error = assert_error(mnvo.post("/api/v1/competitions", json=_competition_body(
        instrument="lottery", trl_min=8, trl_max=3)), 422)
    assert "instrument" in error["fields"]
    error = assert_error(mnvo.post("/api/v1/competitions", json=_competition_body(deadline="tomorrow-ish",
                                                                                 trl_min=8, trl_max=3)), 422)
    assert "deadline" in error["fields"] and "trl_min" in error["fields"]
    assert_error(mnvo.post("/api/v1/competitions", data="not json", content_type="application/json"), 400)


def test_akimat_only_own_region(api, make_user):
    almaty = api.as_(make_user("akimat", region="almaty_city"))
    abai = api.as_(make_user("akimat", region="abai"))
    assert_error(abai.post("/api/v1/competitions", json=_competition_body(instrument="regional",
                                                                          region="almaty_city")), 403)
    created = almaty.post("/api/v1/competitions", json=_competition_body(instrument="regional"))
    assert created.status_code == 201 and created.get_json()["region"] == "almaty_city"
    cid = created.get_json()["id"]
    assert_error(abai.get(f"/api/v1/competitions/{cid}"), 404)
    assert_error(abai.post(f"/api/v1/competitions/{cid}/transitions", json={"to": "published"}), 404)
    assert_error(abai.get("/api/v1/competitions/999999"), 404)  # same answer as a missing one


def test_list_competitions_filter_and_paging(api, make_user):
    mnvo = api.as_(make_user("mnvo"))
    _open(mnvo)
    mnvo.post("/api/v1/competitions", json=_competition_body())
    researcher = api.as_(make_user("researcher"))
    body = researcher.get("/api/v1/competitions").get_json()
    assert body["total"] == 1 and body["items"][0]["status"] == "open"  # drafts are not visible
    assert mnvo.get("/api/v1/competitions?status=draft").get_json()["total"] == 1
    second = mnvo.get("/api/v1/competitions?per_page=1&page=2").get_json()
    assert second["total"] == 2 and len(second["items"]) == 1
    assert mnvo.get("/api/v1/competitions?per_page=1&page=3").get_json()["items"] == []
    assert_error(mnvo.get("/api/v1/competitions?per_page=abc"), 400)


def test_formal_check_api(api, make_user):
    org = accredited_org()
    mnvo = api.as_(make_user("mnvo"))
    cid = _open(mnvo, required_documents=[], require_accreditation=False, require_org_signature=False)
    leader = api.as_(make_user("researcher"))
    aid = leader.post(f"/api/v1/competitions/{cid}/applications", json={
        "title": "t", "abstract": "a", "keywords": ["k"], "priority": 1, "trl_claimed": 4,
        "trl_evidence": {str(i): "e" for i in range(1, 5)}, "requested_kzt": 1000, "cofinancing_kzt": 100,
        "duration_months": 12}).get_json()["id"]
    assert leader.post(f"/api/v1/applications/{aid}/submit").status_code == 200, org
    mnvo.post(f"/api/v1/competitions/{cid}/transitions", json={"to": "closed", "reason": "test"})
    error = assert_error(mnvo.post(f"/api/v1/applications/{aid}/formal-check", json={"passed": False}), 422)
    assert "reasons" in error["fields"]
    assert_error(leader.post(f"/api/v1/applications/{aid}/formal-check", json={"passed": True}), 403)
    ok = mnvo.post(f"/api/v1/applications/{aid}/formal-check", json={"passed": False, "reasons": ["incomplete"]})
    assert ok.status_code == 200 and ok.get_json()["status"] == "rejected"
    assert leader.get(f"/api/v1/applications/{aid}").get_json()["formal_check"]["reasons"] == ["incomplete"]


def test_other_researcher_cannot_see_or_patch(api, make_user):
    mnvo = api.as_(make_user("mnvo"))
    cid = _open(mnvo)
    leader = api.as_(make_user("researcher"))
    stranger = api.as_(make_user("researcher"))
    aid = leader.post(f"/api/v1/competitions/{cid}/applications", json={"title": "t"}).get_json()["id"]
    assert_error(stranger.get(f"/api/v1/applications/{aid}"), 404)
    assert_error(stranger.patch(f"/api/v1/applications/{aid}", json={"title": "x"}), 404)
    assert_error(stranger.post(f"/api/v1/applications/{aid}/submit"), 404)


def test_patch_validation_and_version(api, make_user):
    mnvo = api.as_(make_user("mnvo"))
    cid = _open(mnvo)
    leader = api.as_(make_user("researcher"))
    aid = leader.post(f"/api/v1/competitions/{cid}/applications", json={"title": "t"}).get_json()["id"]
    error = assert_error(leader.patch(f"/api/v1/applications/{aid}", json={
        "trl_claimed": 12, "requested_kzt": "lots", "language": "fr", "bogus": 1}), 422)
    assert {"trl_claimed", "requested_kzt", "language", "bogus"} <= set(error["fields"])
    version = leader.get(f"/api/v1/applications/{aid}").get_json()["version"]
    assert leader.patch(f"/api/v1/applications/{aid}", json={"title": "a", "version": version}).status_code == 200
    assert_error(leader.patch(f"/api/v1/applications/{aid}", json={"title": "b", "version": version}), 409,
                 "version_conflict")


def test_rules_are_checked_against_each_other_and_nothing_is_half_saved(api, make_user):
    """The reported breaks: a deadline before the opening, a maximum grant above the budget and a quorum of
    500 % were accepted and the competition opened."""
    from app.competitions.models import Competition
    from app.core.db import db
    mnvo = api.as_(make_user("mnvo"))
    cases = {
        "deadline": {"opens_at": (clock.now() + timedelta(days=9)).isoformat()},
        "max_grant_kzt": {"max_grant_kzt": 3_000_000_000},
        "quorum": {"quorum": 5},
        "tie_break": {"tie_break": ["charisma"]},
        "criteria.0.key": {"criteria": [{"key": {}, "name": "X"}]},
        "description": {"description": ["x"]},
        "total_threshold": {"total_threshold": 99},
    }
    for field, over in cases.items():
        error = assert_error(mnvo.post("/api/v1/competitions", json=_competition_body(**over)), 422)
        assert field in error["fields"], (field, error)
    error = assert_error(mnvo.post("/api/v1/competitions", json=_competition_body(
        deadline="0001-01-01T00:00:00+05:00", quorum=5, trl_min=8, trl_max=3)), 422)
    assert {"deadline", "quorum", "trl_min"} <= set(error["fields"])  # every problem at once
    assert db.session.scalar(db.select(db.func.count(Competition.id))) == 0
    cid = mnvo.post("/api/v1/competitions", json=_competition_body()).get_json()["id"]
    title = mnvo.get(f"/api/v1/competitions/{cid}").get_json()["title"]
    error = assert_error(mnvo.patch(f"/api/v1/competitions/{cid}", json={"title": "Renamed", "quorum": 5,
                                                                        "max_grant_kzt": 5_000_000_000}), 422)
    assert {"quorum", "max_grant_kzt"} <= set(error["fields"])
    assert mnvo.get(f"/api/v1/competitions/{cid}").get_json()["title"] == title  # refused whole


def test_drafts_refuse_garbage_by_field_and_keep_the_rest_untouched(api, make_user):
    mnvo = api.as_(make_user("mnvo"))
    cid = _open(mnvo)
    leader = api.as_(make_user("researcher"))
    app_id = leader.post(f"/api/v1/competitions/{cid}/applications", json={"title": "T", "abstract": "kept"}
                         ).get_json()["id"]
    for body, field in (({"trl_evidence": {"²": "x"}}, "trl_evidence.².key"), ({"priority": 1e400}, "priority"),
                        ({"requested_kzt": "1e10"}, "requested_kzt"), ({"requested_kzt": float("nan")}, None),
                        ({"planned": {"patents": -2}, "abstract": "lost?"}, "planned.patents"),
                        ({"planned": {"patents": float("nan")}}, None)):
        response = leader.patch(f"/api/v1/applications/{app_id}", json=body) if field != "priority" else \
            leader.patch(f"/api/v1/applications/{app_id}", data='{"priority": 1e400}',
                         content_type="application/json")
        if field is None:
            assert response.status_code in (400, 422)
            continue
        error = assert_error(response, 422)
        assert field in error["fields"], (body, error)
    assert leader.get(f"/api/v1/applications/{app_id}").get_json()["abstract"] == "kept"  # all or nothing
    assert leader.get("/api/v1/indicators").status_code == 200  # no NaN reached the indicators
