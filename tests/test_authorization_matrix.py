"""Every route of the app (pages and API, read from the URL map so a new route cannot escape) × every role,
anonymous, and "someone else's object": no 5xx; anonymous users are sent to sign in (pages) or get 401 (API);
the owners get in; a stranger sees exactly what they would see for an object that does not exist; and a refused
write leaves the database exactly as it was (every table's rows, the audit log included)."""
from __future__ import annotations

import hashlib
import io
import re
from types import SimpleNamespace

import pytest

from app.matching import services as matching
from app.scoring.review import assignments as assignment_ops
from app.scoring.review import reviews as review_ops
from tests.conftest import PASSWORD, new_user
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
    ids = {"competition_id": competition.id, "application_id": application.id,
           "visible_application_id": visible.id, "assignment_id": assignment.id,
           "attachment_id": attachment.id, "introduction_id": intro.id, "review_id": review.id, "job_id": job.id,
           "profile_id": profile.id, "user_id": expert.id, "member_id": MISSING, "session_id": MISSING,
           "appeal_id": MISSING, "token": "no-such-token"}
    signed = lambda users: {role: SimpleNamespace(id=u.id, email=u.email) for role, u in users.items()}  # noqa: E731
    return signed(owners), signed(strangers), ids


@pytest.fixture(scope="module")
def world(shared_app):
    """The world is built once for the module (it is the slow part); each test runs in a SAVEPOINT on top
    of it, rolled back at its end, so no test sees another's writes."""
    with shared_app.layer(lambda: build(new_user)) as built:
        yield built


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


# Well-formed bodies (what an allowed user would send), so that a refused write is refused by authorization
# and not by form or JSON validation (CSRF is off in tests; the routes whose forms have no required field,
# the ActionForm buttons among them, are well-formed with an empty form). A diagnostic run that logged every
# failed form validation and every 400/422 found none outside the public routes. Not exercised with a body
# that names real objects:
# - the public routes (accounts.*, api.create_token): not refused, they are the way in;
# - competitions.new_application: its competition comes from the query string, which the URL map does not
#   carry, and it has no URL argument: only the anonymous case applies (refused before the form);
# - the council session, membership and appeal routes (scoring.vote, scoring.close_council,
#   scoring.answer_appeal, api.council_vote, api.council_close, api.answer_membership,
#   competitions.answer_invitation, competitions.remove_member): the world has no council session, pending
#   membership or appeal, so their ids are MISSING and they are refused by the lookup; their bodies are
#   well-formed all the same.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORMS = {
    "competitions.transition": {"to": "closed", "reason": "Matrix"},
    "competitions.invite": {"email": "member.matrix@example.kz", "name": "Matrix Member", "role": "engineer"},
    "competitions.upload": lambda ids: {"doc_type": "budget", "file": (io.BytesIO(PDF), "budget.pdf")},
    "competitions.formal_check": {"decision": "pass"},
    "competitions.answer_invitation": {"accept": "y"},
    "competitions.edit_application": {"title": "Matrix title"},
    "competitions.autosave": {"title": "Matrix title"},
    "matching.dismiss": lambda ids: {f"d{ids['application_id']}-reason": "not_relevant"},
    "matching.request_introduction": lambda ids: {f"r{ids['application_id']}-message": "hello"},
    "matching.answer": lambda ids: {f"a{ids['introduction_id']}-accept": "y"},
    "matching.record_commitment": {"c-amount_kzt": "1000000", "c-year": "2026"},
    "matching.profile": {"name": "Matrix Fund", "thesis_en": "isotopes"},
    "matching.new_investor": {"name": "Matrix Fund", "email": "fund.matrix@example.kz"},
    "matching.edit_investor": {"name": "Matrix Fund"},
    "scoring.add_expert": lambda ids: {"application_id": ids["application_id"], "expert_id": ids["user_id"]},
    "scoring.swap_expert": lambda ids: {"assignment_id": ids["assignment_id"], "expert_id": ids["user_id"]},
    "scoring.import_experts": lambda ids: {"file": (io.BytesIO(b"email,name\nx.matrix@example.kz,X Y\n"),
                                                    "experts.csv")},
    "scoring.vote": lambda ids: {"application_id": ids["application_id"], "choice": "for"},
    "scoring.assignment": {"excellence": "4", "impact": "4", "implementation": "4", "overall_comment": "Fine"},
    "scoring.autosave": {"excellence": "4"},
    "scoring.declare": {"conflict": "n"},
    "scoring.decline": {"reason": "busy"},
    "scoring.appeal": {"text": "The procedure was violated."},
    "scoring.answer_appeal": {"answer": "Answered."},
    "scoring.amend": {"excellence": "4", "reason": "Typo"},
}
JSON = {
    "api.update_competition": {"title_en": "Matrix"},
    "api.transition_competition": {"to": "closed", "reason": "Matrix"},
    "api.create_application": {"title": "Matrix project"},
    "api.update_application": {"duration_months": 24},
    "api.invite_member": {"email": "member.matrix@example.kz", "name": "Matrix Member", "role": "engineer"},
    "api.answer_membership": {"accept": True},
    "api.formal_check": {"passed": True},
    "api.investor_feedback": lambda ids: {"application_id": ids["application_id"], "verdict": "up"},
    "api.request_introduction": {"message": "hello"},
    "api.answer_introduction": {"accept": True},
    "api.record_commitment": {"amount_kzt": 1_000_000, "year": 2026},
    "api.create_assignments": {"auto": True},
    "api.declaration": {"conflict": False},
    "api.decline": {"reason": "busy"},
    "api.put_review": {**FULL_REVIEW, "submit": True},
    "api.open_council": lambda ids: {"members": [ids["user_id"]], "attendees": [ids["user_id"]]},
    "api.council_vote": lambda ids: {"application_id": ids["application_id"], "choice": "for"},
}
MULTIPART = {"api.upload_attachment": lambda ids: {"doc_type": "budget", "file": (io.BytesIO(PDF), "b.pdf")}}


def body(endpoint, ids):
    for table in (FORMS, JSON, MULTIPART):
        if endpoint in table:
            value = table[endpoint]
            return value(ids) if callable(value) else dict(value)
    return {}


def call(client, method, url, token=None, endpoint=None, ids=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = body(endpoint, ids or {}) if method != "GET" else {}
    if url.startswith("/api/") and endpoint not in MULTIPART:
        return client.open(url, method=method, headers=headers, json=payload)
    return client.open(url, method=method, headers=headers, data=payload)


def fingerprint():
    """Every table's row count and a hash of its rows in key order (the audit log, jobs, notifications and
    tokens included): any write a refused request kept shows here. Raw SQL on the test's connection: it
    runs a thousand times in this module."""
    from app.core.db import db
    connection = db.session.connection()
    state = {}
    for table in db.metadata.sorted_tables:
        order = ", ".join(column.name for column in table.primary_key.columns)
        rows = connection.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY {order}").fetchall()
        state[table.name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


def changed(before, after):
    return sorted(name for name in after if before.get(name) != after[name])


def login(client, user):
    client.post("/account/logout")
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    token = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}).get_json()["token"]
    return token


def test_anonymous_everywhere(app, client, world):
    _owners, _strangers, ids = world
    state = fingerprint()
    for rule, method in routes(app):
        url = url_for_rule(rule, ids)
        response = call(client, method, url, endpoint=rule.endpoint, ids=ids)
        assert response.status_code < 500, (method, url, response.status_code)
        if rule.endpoint in PUBLIC:
            state = fingerprint() if method != "GET" else state
            continue
        if method != "GET":
            after = fingerprint()
            assert not changed(state, after), (method, url, response.status_code, changed(state, after))
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url, response.status_code)
        else:
            assert response.status_code == 302 and "/account/login" in response.headers["Location"], \
                (method, url, response.status_code)


@pytest.mark.parametrize("role", ["researcher", "expert", "investor", "akimat", "org_head", "council"])
def test_strangers_cannot_tell_objects_exist(app, client, world, role):
    _owners, strangers, ids = world
    token = login(client, strangers[role])
    failures, writes = [], []
    missing = {name: MISSING for name in ids}
    state = fingerprint()
    for rule, method in routes(app):
        if rule.endpoint in PUBLIC or not rule.arguments or rule.endpoint == "accounts.logout":
            continue
        real = call(client, method, url_for_rule(rule, ids), token, rule.endpoint, ids)
        after_real = fingerprint() if method != "GET" else state
        fake = call(client, method, url_for_rule(rule, ids, missing=True), token, rule.endpoint, missing)
        after_fake = fingerprint() if method != "GET" else state
        assert real.status_code < 500 and fake.status_code < 500, (method, rule.rule, real.status_code)
        assert not changed(after_real, after_fake), (method, rule.rule, fake.status_code,
                                                     changed(after_real, after_fake))  # no such object
        public = rule.endpoint in VISIBLE_TO_ALL or set(rule.arguments) == {"competition_id"}
        if changed(state, after_real) and (not public or real.status_code >= 400):
            writes.append((method, rule.rule, real.status_code, changed(state, after_real)))
        state = after_fake
        if public:
            continue  # a published competition is public: only what it contains is private
        failures.append((method, rule.rule, real.status_code, fake.status_code)) \
            if real.status_code != fake.status_code else None
    assert not failures, f"{role}: a stranger can tell these objects exist: {failures}"
    assert not writes, f"{role}: a refused request, or one on someone else's object, changed the database: {writes}"


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


def test_owners_get_in(app, client, world):
    owners, _strangers, ids = world
    for who, method, template in OWNER_PAGES:
        token = login(client, owners[who])
        url = template.format(**ids)
        response = call(client, method, url, token)
        assert response.status_code == 200, (who, url, response.status_code)


def test_council_sees_the_ranking_only_at_the_council_stage(app, client, world):
    from app.core import uow
    owners, _strangers, ids = world
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


def test_attachment_served_only_to_allowed(app, client, world):
    owners, strangers, ids = world
    login(client, strangers["researcher"])
    assert client.get(f"/attachments/{ids['attachment_id']}").status_code == 404
    login(client, owners["leader"])
    response = client.get(f"/attachments/{ids['attachment_id']}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF")
    login(client, owners["investor"])  # an introduction was requested, not accepted
    assert client.get(f"/attachments/{ids['attachment_id']}").status_code == 404
