"""Every route of the app (pages and API, read from the URL map so a new route cannot escape) × every role,
anonymous, and "someone else's object": no 5xx; anonymous users are sent to sign in (pages) or get 401 (API);
the owners get in; a stranger sees exactly what they would see for an object that does not exist."""
from __future__ import annotations

import re

import pytest

from app.matching import services as matching
from app.scoring.review import assignments as assignment_ops
from app.scoring.review import reviews as review_ops
from tests.conftest import PASSWORD
from tests.scoring.helpers import FULL_REVIEW, review_world

PUBLIC = {"main.index", "main.healthz", "accounts.login", "accounts.register", "accounts.reset_request",
          "accounts.reset", "competitions.index", "competitions.detail", "competitions.results", "static",
          "api.create_token", "api.openapi"}
MISSING = 987654


def build(make_user):
    world = review_world(make_user, n_applications=2, n_experts=3, k=2)
    competition, application = world["competition"], world["applications"][0]
    assignment_ops.compute_assignment(world["mnvo"], competition.id)
    assignment_ops.send_invitations(world["mnvo"], competition.id)
    rows = assignment_ops.assignments_of(world["mnvo"], competition.id)
    assignment = next(r for r in rows if r.application_id == application.id)
    expert = next(e for e in world["experts"] if e.id == assignment.expert_id)
    assignment_ops.declare(expert, assignment.id, False)
    review = review_ops.save_review(expert, assignment.id, {**FULL_REVIEW, "submit": True})
    investor = make_user("investor")
    profile = matching.my_profile(investor)
    matching.update_profile(investor, profile.id, {"thesis": {"en": "nuclear medicine isotopes"}, "trl_min": 4})
    visible = world["applications"][1]
    intro = matching.request_introduction(investor, visible.id, "hello")
    application.investor_visible = False  # the object under test is private to investors too
    leader = world["leaders"][0]
    from app.competitions.models import Attachment
    from app.core.db import db
    attachment = db.session.query(Attachment).filter_by(application_id=application.id).first()
    job = assignment_ops.start_assignment_job(world["mnvo"], competition.id)
    owners = {
        "leader": leader, "mnvo": world["mnvo"], "expert": expert, "investor": investor,
        "admin": make_user("admin"), "council": make_user("council"),
    }
    strangers = {
        "researcher": make_user("researcher"), "expert": make_user("expert"), "investor": make_user("investor"),
        "akimat": make_user("akimat", region="abai"), "org_head": make_user("org_head", organisation="Other org"),
        "council": make_user("council"),
    }
    db.session.commit()
    ids = {"competition_id": competition.id, "application_id": application.id,
           "visible_application_id": visible.id, "assignment_id": assignment.id,
           "attachment_id": attachment.id, "introduction_id": intro.id, "review_id": review.id, "job_id": job.id,
           "profile_id": profile.id, "user_id": expert.id, "member_id": MISSING, "session_id": MISSING,
           "appeal_id": MISSING, "token": "no-such-token"}
    return owners, strangers, ids


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def url_for_rule(rule, ids, missing=False):
    def fill(match):
        name = match.group(2)
        if name == "token":
            return "no-such-token"
        return str(MISSING if missing else ids.get(name, MISSING))
    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule.rule)


def call(client, method, url, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if url.startswith("/api/"):
        return client.open(url, method=method, headers=headers, json={})
    return client.open(url, method=method, headers=headers, data={})


def login(client, user):
    client.post("/account/logout")
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    token = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    return token


def test_anonymous_everywhere(app, client, make_user):
    _owners, _strangers, ids = build(make_user)
    for rule, method in routes(app):
        url = url_for_rule(rule, ids)
        response = call(client, method, url)
        assert response.status_code < 500, (method, url, response.status_code)
        if rule.endpoint in PUBLIC:
            continue
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url, response.status_code)
        else:
            assert response.status_code == 302 and "/account/login" in response.headers["Location"], \
                (method, url, response.status_code)


@pytest.mark.parametrize("role", ["researcher", "expert", "investor", "akimat", "org_head", "council"])
def test_strangers_cannot_tell_objects_exist(app, client, make_user, role):
    _owners, strangers, ids = build(make_user)
    token = login(client, strangers[role])
    failures = []
    for rule, method in routes(app):
        if rule.endpoint in PUBLIC or not rule.arguments or rule.endpoint == "accounts.logout":
            continue
        real = call(client, method, url_for_rule(rule, ids), token)
        fake = call(client, method, url_for_rule(rule, ids, missing=True), token)
        assert real.status_code < 500 and fake.status_code < 500, (method, rule.rule, real.status_code)
        if rule.endpoint in VISIBLE_TO_ALL or set(rule.arguments) == {"competition_id"}:
            continue  # a published competition is public: only what it contains is private
        failures.append((method, rule.rule, real.status_code, fake.status_code)) \
            if real.status_code != fake.status_code else None
    assert not failures, f"{role}: a stranger can tell these objects exist: {failures}"


# Pages about a published competition that any signed-in user may open.
VISIBLE_TO_ALL = {"competitions.detail", "api.get_competition", "competitions.results"}


OWNER_PAGES = [
    ("leader", "GET", "/applications/{application_id}"),
    ("leader", "GET", "/applications/{application_id}/receipt"),
    ("leader", "GET", "/api/v1/applications/{application_id}"),
    ("leader", "GET", "/attachments/{attachment_id}"),
    ("leader", "GET", "/matching/requests"),
    ("mnvo", "GET", "/competitions/{competition_id}/manage"),
    ("mnvo", "GET", "/competitions/{competition_id}/review"),
    ("mnvo", "GET", "/competitions/{competition_id}/ranking"),
    ("mnvo", "GET", "/api/v1/competitions/{competition_id}/ranking"),
    ("mnvo", "GET", "/api/v1/competitions/{competition_id}/assignments"),
    ("mnvo", "GET", "/competitions/{competition_id}/export.csv"),
    ("mnvo", "GET", "/jobs/{job_id}"),
    ("mnvo", "GET", "/reviews/{review_id}/amend"),
    ("expert", "GET", "/expert"),
    ("expert", "GET", "/expert/assignments/{assignment_id}"),
    ("expert", "GET", "/api/v1/assignments/{assignment_id}/review"),
    ("expert", "GET", "/applications/{application_id}"),
    ("investor", "GET", "/matching/feed"),
    ("investor", "GET", "/matching/projects/{visible_application_id}"),
    ("investor", "GET", "/api/v1/investors/me/matches"),
    ("admin", "GET", "/competitions/{competition_id}/manage"),
]


def test_owners_get_in(app, client, make_user):
    owners, _strangers, ids = build(make_user)
    for who, method, template in OWNER_PAGES:
        token = login(client, owners[who])
        url = template.format(**ids)
        response = call(client, method, url, token)
        assert response.status_code == 200, (who, url, response.status_code)


def test_council_sees_the_ranking_only_at_the_council_stage(app, client, make_user):
    from app.core import uow
    owners, _strangers, ids = build(make_user)
    council = owners["council"]
    for url in ("/api/v1/competitions/{competition_id}/ranking", "/competitions/{competition_id}/ranking",
                "/competitions/{competition_id}/ranking.csv"):
        token = login(client, council)
        assert call(client, "GET", url.format(**ids), token).status_code == 404, url  # still in review
    from app.competitions.models import Competition
    from app.core.db import db
    db.session.get(Competition, ids["competition_id"]).status = "council"  # the stage under test
    uow.commit()
    token = login(client, council)
    assert call(client, "GET", "/api/v1/competitions/{competition_id}/ranking".format(**ids), token).status_code == 200


def test_matrix_covers_every_route(app):
    endpoints = {rule.endpoint for rule, _m in routes(app)}
    assert len(endpoints) > 100  # sanity: pages and API were all enumerated
    assert {"api.get_application", "competitions.application", "scoring.assignment", "matching.project"} <= endpoints


def test_attachment_served_only_to_allowed(app, client, make_user):
    owners, strangers, ids = build(make_user)
    login(client, strangers["researcher"])
    assert client.get(f"/attachments/{ids['attachment_id']}").status_code == 404
    login(client, owners["leader"])
    response = client.get(f"/attachments/{ids['attachment_id']}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF")
    login(client, owners["investor"])  # an introduction was requested, not accepted
    assert client.get(f"/attachments/{ids['attachment_id']}").status_code == 404
