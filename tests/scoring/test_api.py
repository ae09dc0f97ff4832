"""The scoring endpoints of shared/API.md, including their error answers and blindness via the API."""
from tests.api.test_core import assert_error
from tests.scoring.helpers import FULL_REVIEW, review_world


def test_scoring_api_round(api, make_user):
    world = review_world(make_user, n_applications=2, n_experts=4, k=2)
    cid = world["competition"].id
    operator = api.as_(world["mnvo"])
    auto = operator.post(f"/api/v1/competitions/{cid}/assignments", json={"auto": True})
    assert auto.status_code == 200, auto.get_json()
    items = operator.get(f"/api/v1/competitions/{cid}/assignments").get_json()["items"]
    assert len(items) == 4 and {"id", "application_id", "expert_id", "status"} <= set(items[0])
    assert operator.post(f"/api/v1/competitions/{cid}/invitations").get_json()["invited"] == 4

    experts = {e.id: e for e in world["experts"]}
    row = items[0]
    expert = api.as_(experts[row["expert_id"]])
    mine = expert.get("/api/v1/expert/assignments").get_json()
    assert mine["total"] >= 1 and all(a["expert_id"] == row["expert_id"] for a in mine["items"])

    # the review form is closed until the declaration
    assert_error(expert.put(f"/api/v1/assignments/{row['id']}/review", json=FULL_REVIEW), 403)
    closed = assert_error(expert.get(f"/api/v1/applications/{row['application_id']}"), 403, "declaration_required")
    assert "declaration" in closed["message"]
    listed = next(a for a in expert.get("/api/v1/expert/assignments").get_json()["items"] if a["id"] == row["id"])
    assert listed["title"] and listed["abstract"]  # enough to judge a conflict before opening the full text
    assert expert.post(f"/api/v1/assignments/{row['id']}/declaration", json={"conflict": False}).status_code == 200
    full = expert.get(f"/api/v1/applications/{row['application_id']}").get_json()
    assert "trl_evidence" in full

    bad = expert.put(f"/api/v1/assignments/{row['id']}/review", json={"scores": {"excellence": 7}})
    assert "scores.excellence" in assert_error(bad, 422)["fields"]
    unknown = expert.put(f"/api/v1/assignments/{row['id']}/review", json={"scores": {"charisma": 3}})
    assert_error(unknown, 422)
    saved = expert.put(f"/api/v1/assignments/{row['id']}/review", json={**FULL_REVIEW, "submit": True})
    assert saved.status_code == 200 and saved.get_json()["status"] == "submitted"
    assert_error(expert.put(f"/api/v1/assignments/{row['id']}/review", json=FULL_REVIEW), 409)

    # a second expert of the same application sees nothing of the first review before submitting
    other_row = next(i for i in items if i["application_id"] == row["application_id"] and i["id"] != row["id"])
    other = api.as_(experts[other_row["expert_id"]])
    other.post(f"/api/v1/assignments/{other_row['id']}/declaration", json={"conflict": False})
    assert other.get(f"/api/v1/applications/{row['application_id']}/reviews").get_json()["items"] == []
    assert other.get(f"/api/v1/assignments/{other_row['id']}/review").get_json()["others"] == []

    # a stranger expert cannot touch the assignment
    stranger = api.as_(make_user("expert"))
    assert_error(stranger.post(f"/api/v1/assignments/{row['id']}/declaration", json={"conflict": False}), 404)
    assert_error(stranger.get(f"/api/v1/competitions/{cid}/ranking"), 404)

    ranking = operator.get(f"/api/v1/competitions/{cid}/ranking").get_json()
    assert ranking["total"] == 2 and {"rank", "total", "threshold_failures", "proposed"} <= set(ranking["items"][0])
    # council members decide on the ranking at the council stage; the live ranking of a round still in
    # expert review (titles, partial scores, expert names) stays the organiser's
    assert api.as_(make_user("council")).get(f"/api/v1/competitions/{cid}/ranking").status_code == 404


def test_assignment_api_errors(api, make_user):
    world = review_world(make_user, n_applications=1, n_experts=3, k=2)
    cid = world["competition"].id
    operator = api.as_(world["mnvo"])
    assert_error(operator.post(f"/api/v1/competitions/{cid}/assignments", json={}), 422)
    bad_pair = operator.post(f"/api/v1/competitions/{cid}/assignments", json={"pairs": [
        {"application_id": world["applications"][0].id, "expert_id": world["leaders"][0].id}]})
    assert_error(bad_pair, 422)
    researcher = api.as_(world["leaders"][0])
    assert_error(researcher.post(f"/api/v1/competitions/{cid}/assignments", json={"auto": True}), 404)
    assert_error(researcher.get("/api/v1/expert/assignments"), 403)
