from datetime import timedelta

from app.core import time as clock


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_token_and_me(api, make_user):
    user = make_user("akimat", region="abai")
    me = api.as_(user).get("/api/v1/me")
    assert me.status_code == 200
    body = me.get_json()
    assert body["id"] == user.id and body["roles"] == ["akimat"] and body["region"] == "abai"


def test_no_token_401(client):
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")


def test_bad_token_401(client):
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}), 401)


def test_wrong_password_401(client, make_user):
    user = make_user()
    assert_error(client.post("/api/v1/tokens", json={"email": user.email, "password": "wrong-1"}), 401)


def test_token_malformed_body(client):
    assert_error(client.post("/api/v1/tokens", data="{nope", content_type="application/json"), 400)
    error = assert_error(client.post("/api/v1/tokens", json={"email": "a@b.kz"}), 422)
    assert "password" in error["fields"]


def test_token_revocation(api, make_user):
    session = api.as_(make_user())
    assert session.delete("/api/v1/tokens/current").status_code == 204
    assert_error(session.get("/api/v1/me"), 401)


def test_token_expiry(app, api, make_user):
    session = api.as_(make_user())
    clock.freeze(clock.now() + app.config["API_TOKEN_TTL"] + timedelta(seconds=1))
    assert_error(session.get("/api/v1/me"), 401)


def test_token_stored_hashed(api, make_user, db):
    from app.accounts.models import ApiToken
    session = api.as_(make_user())
    row = db.session.query(ApiToken).one()
    assert session.token not in row.token_hash and len(row.token_hash) == 64


def test_api_sets_no_session_cookie(api, make_user, client):
    session = api.as_(make_user())
    response = session.get("/api/v1/me")
    assert "Set-Cookie" not in response.headers


def test_unknown_api_route_json_404(client, api, make_user):
    assert_error(api.as_(make_user()).get("/api/v1/nothing-here"), 404, "not_found")


def test_method_not_allowed_json(api, make_user):
    assert_error(api.as_(make_user()).put("/api/v1/me"), 405)


def test_openapi_lists_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    import re
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_job_status_api(api, make_user, app):
    from app.jobs import enqueue
    user = make_user()
    job = enqueue("app.jobs.tasks.health_check", "t", actor=user)  # inline: no Redis configured
    body = api.as_(user).get(f"/api/v1/jobs/{job.id}").get_json()
    assert body["status"] == "done" and body["result"]["select"] == 1
    other = api.as_(make_user()).get(f"/api/v1/jobs/{job.id}")
    assert_error(other, 404)


def test_page_far_beyond_the_end(api, make_user):
    client = api.as_(make_user())
    assert client.get("/api/v1/competitions?page=1000000").get_json()["items"] == []
    assert_error(client.get("/api/v1/competitions?page=99999999999999999999"), 400, "bad_pagination")


def test_openapi_is_generated_from_the_input_and_answer_schemas(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    create = doc["paths"]["/competitions"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Competition"}
    rules = schemas["Competition"]["properties"]
    assert {"title", "deadline", "budget_kzt", "criteria", "quorum", "tie_break"} <= set(rules)
    assert rules["deadline"]["format"] == "date-time" and rules["budget_kzt"]["type"] == "number"
    assert schemas["Application"]["properties"]["trl_evidence"]["additionalProperties"]["maxLength"] == 4000
    me = doc["paths"]["/me"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert me == {"$ref": "#/components/schemas/Me"} and "roles" in schemas["Me"]["properties"]
    listed = schemas["CompetitionList"]["properties"]
    assert set(listed) == {"items", "total"}


def test_deeply_nested_json_is_refused_not_a_500(client):
    body = '{"email": "x", "n": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert_error(response, 400, "malformed_json")
