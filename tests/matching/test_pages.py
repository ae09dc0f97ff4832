"""The matching pages: the investor's feed and filters, feedback, introductions (with the NDA), the full
application only after acceptance, commitments and the indicators, the leader's side, profiles, panels."""
from __future__ import annotations

import re

import pytest

from app.competitions import applications as application_ops
from app.matching import services
from app.matching.models import Commitment, InvestorProfile, MatchFeedback
from tests.competitions.helpers import open_competition

PROJECTS = [
    # title, abstract, TRL, visible to investors, region
    ("Lu-177 radiopharmaceutical for cancer therapy",
     "isotopes nuclear medicine radiopharmaceutical production", 5, True, "almaty_city"),
    ("Drought-tolerant wheat varieties", "wheat breeding drought agronomy seeds", 6, True, "akmola"),
    ("Industrial cybersecurity monitoring", "intrusion detection SCADA industrial networks", 7, True,
     "astana"),
    ("Hidden isotope project", "isotopes nuclear medicine", 6, False, "almaty_city"),
]
EVIDENCE = "Laboratory test report no. 4471"
MEMBER_EMAIL = "engineer.team@example.kz"


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def world(app, make_user, db):
    mnvo = make_user("mnvo")
    competition = open_competition(mnvo, instrument="grant", trl_min=1, trl_max=9, required_documents=[],
                                   require_accreditation=False, require_org_signature=False)
    apps = []
    for n, (title, abstract, trl, visible, region) in enumerate(PROJECTS):
        leader = make_user("researcher", name=f"Leader Person {n}")
        application = application_ops.create_application(leader, competition.id, {
            "title": title, "abstract": abstract, "keywords": abstract.split()[:3], "priority": 5,
            "trl_claimed": trl, "trl_evidence": {str(i): f"{EVIDENCE} level {i}" for i in range(1, trl + 1)},
            "requested_kzt": 50_000_000, "cofinancing_kzt": 10_000_000, "duration_months": 24,
            "investor_visible": visible, "language": "en", "region": region})
        if n == 0:
            member = make_user("researcher", email=MEMBER_EMAIL, name="Team Engineer")
            invitation = application_ops.invite_member(leader, application.id, MEMBER_EMAIL, "Team Engineer", "engineer")
            application_ops.answer_invitation(member, invitation.id, True)
        application_ops.submit(leader, application.id)
        apps.append((leader, application))
    investors = []
    for name, thesis, trl in (("Isotope Fund", "nuclear medicine isotopes radiopharmaceuticals", (4, 9)),
                              ("Agro Ventures", "agriculture wheat seeds breeding", (4, 9))):
        user = make_user("investor", name=name)
        profile = services.my_profile(user)
        services.update_profile(user, profile.id, {
            "name": name, "thesis": {"en": thesis}, "trl_min": trl[0], "trl_max": trl[1],
            "portfolio": [f"Past investment in {thesis}"]})
        investors.append(user)
    return {"apps": apps, "investors": investors, "competition": competition, "mnvo": mnvo}


def _app_id(world, n):
    return world["apps"][n][1].id


# --- the feed --------------------------------------------------------------------------------------------

def test_feed_shows_teasers_with_reasons_in_the_language(world, client, auth):
    auth.login(world["investors"][0])
    for lang, phrase in (("ru", "в диапазоне инвестора"), ("kk", "инвестордың ауқымында"),
                         ("en", "is within the investor")):
        response = client.get(f"/matching/feed?lang={lang}")
        assert response.status_code == 200
        body = _text(response)
        assert f'<html lang="{lang}">' in body
        assert "Lu-177 radiopharmaceutical for cancer therapy" in body
        assert phrase in body, lang
        assert 'class="score-bar"' in body
        assert "Leader Person" not in body and MEMBER_EMAIL not in body  # anonymised


def test_feed_never_shows_a_hidden_project_and_its_page_is_404(world, client, auth):
    auth.login(world["investors"][0])
    body = _text(client.get("/matching/feed"))
    assert "Hidden isotope project" not in body
    assert client.get(f"/matching/projects/{_app_id(world, 3)}").status_code == 404
    assert client.get("/matching/projects/999999").status_code == 404
    response = client.post(f"/matching/projects/{_app_id(world, 3)}/introduction", data={})
    assert response.status_code == 404


def test_filters_apply(world, client, auth):
    auth.login(world["investors"][0])
    body = _text(client.get("/matching/feed?trl_min=6&lang=en"))
    assert "Lu-177 radiopharmaceutical" not in body  # TRL 5
    assert "Drought-tolerant wheat varieties" in body
    body = _text(client.get("/matching/feed?region=astana&lang=en"))
    assert "Industrial cybersecurity monitoring" in body and "Drought-tolerant" not in body
    body = _text(client.get("/matching/feed?max_ask=10000000&lang=en"))
    assert "Lu-177" not in body and "Drought-tolerant" not in body
    body = _text(client.get("/matching/feed?winners=y&lang=en"))
    assert "Lu-177" not in body  # nobody is funded yet
    body = _text(client.get("/matching/feed?instrument=grant&priority=5&lang=en"))
    assert "Lu-177" in body


def test_funded_projects_wear_the_winner_badge(world, client, auth, db):
    application = world["apps"][0][1]
    application.status = "funded"
    db.session.commit()
    auth.login(world["investors"][0])
    body = _text(client.get("/matching/feed?winners=y&lang=en"))
    assert "Lu-177" in body and "Grant winner" in body and "Drought-tolerant" not in body


BAD_FILTERS = [
    ("trl_min=abc", "Lu-177"), ("trl_min=7&trl_max=5", "Industrial cybersecurity"), ("region=mars", "Lu-177"),
    ("priority=99", "Lu-177"), ("max_ask=lots", "Lu-177"), ("max_ask=-5", "Lu-177"),
    ("instrument=lottery", "Lu-177"), ("trl_max=1e9", "Lu-177"), ("priority=1%27%20OR%201=1", "Lu-177")]


def test_bad_filter_values_are_field_errors_not_500(world, client, auth):
    auth.login(world["investors"][0])
    for query, shown in BAD_FILTERS:
        response = client.get(f"/matching/feed?{query}&lang=en")
        assert response.status_code == 200, query
        body = _text(response)
        assert 'class="error"' in body, query
        assert shown in body, query  # the bad value is ignored, the valid ones apply
    assert "Lu-177" in _text(client.get("/matching/feed?winners=&trl_min=&region="))


def test_researcher_cannot_open_the_investor_feed(world, client, auth):
    auth.login(world["apps"][0][0])
    assert client.get("/matching/feed").status_code == 403
    assert client.get("/matching/profile").status_code == 403


def test_a_leader_opening_the_investor_view_goes_to_the_application(world, client, auth):
    leader, application = world["apps"][0]
    auth.login(leader)
    response = client.get(f"/matching/projects/{application.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{application.id}")


def test_anonymous_is_sent_to_login(client, app):
    for path in ("/matching/feed", "/matching/requests", "/matching/indicators", "/matching/profile"):
        response = client.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]


# --- feedback ----------------------------------------------------------------------------------------------

def test_not_relevant_needs_a_reason(world, client, auth, db):
    auth.login(world["investors"][0])
    target = _app_id(world, 0)
    response = client.post(f"/matching/projects/{target}/dismiss?lang=en", data={f"d{target}-reason": "  "})
    assert response.status_code == 422
    body = _text(response)
    assert f'id="d{target}-reason-error"' in body
    assert "Say briefly why it is not relevant." in body
    assert db.session.query(MatchFeedback).count() == 0


def test_not_relevant_hides_and_interested_is_recorded(world, client, auth, db):
    auth.login(world["investors"][0])
    target, other = _app_id(world, 0), _app_id(world, 2)
    response = client.post(f"/matching/projects/{target}/dismiss?trl_min=4",
                           data={f"d{target}-reason": "Not our stage"})
    assert response.status_code == 302 and "trl_min=4" in response.headers["Location"]
    assert "Lu-177" not in _text(client.get("/matching/feed"))
    response = client.post(f"/matching/projects/{other}/interested", data={})
    assert response.status_code == 302
    verdicts = {fb.application_id: fb.verdict for fb in db.session.query(MatchFeedback)}
    assert verdicts == {target: "not_relevant", other: "interested"}


def test_not_relevant_error_on_the_project_page(world, client, auth):
    auth.login(world["investors"][0])
    target = _app_id(world, 0)
    response = client.post(f"/matching/projects/{target}/dismiss?from=project&lang=en", data={})
    assert response.status_code == 422
    assert f'id="d{target}-reason-error"' in _text(response)


# --- introductions, the NDA, the full application, commitments -----------------------------------------

def test_introduction_nda_full_application_and_commitment(world, client, auth, app):
    investor = world["investors"][0]
    leader, application = world["apps"][0]
    page = f"/matching/projects/{application.id}?lang=en"

    auth.login(investor)
    teaser = _text(client.get(page))
    assert "Lu-177" in teaser and "isotopes nuclear medicine" in teaser
    assert EVIDENCE not in teaser and MEMBER_EMAIL not in teaser and leader.email not in teaser
    response = client.post(f"/matching/projects/{application.id}/introduction?from=project",
                           data={f"r{application.id}-message": "We fund radiopharmaceuticals."})
    assert response.status_code == 302
    waiting = _text(client.get(page))
    assert "Introduction requested" in waiting and EVIDENCE not in waiting

    auth.logout()
    auth.login(leader)
    requests_page = _text(client.get("/matching/requests?lang=en"))
    assert "We fund radiopharmaceuticals." in requests_page and "Isotope Fund" in requests_page
    intro = services.introductions_for_leader(leader)[0]
    response = client.post(f"/matching/introductions/{intro.id}/answer",
                           data={f"a{intro.id}-accept": "Accept", f"a{intro.id}-require_nda": "y",
                                 f"a{intro.id}-answer": "Welcome, please sign the NDA."})
    assert response.status_code == 302
    assert "Waiting for the investor to accept the non-disclosure agreement." in _text(
        client.get("/matching/requests?lang=en"))

    auth.logout()
    auth.login(investor)
    before_nda = _text(client.get(page))
    assert "I accept the non-disclosure agreement" in before_nda
    assert EVIDENCE not in before_nda and MEMBER_EMAIL not in before_nda
    assert client.post(f"/matching/introductions/{intro.id}/nda", data={}).status_code == 302
    full = _text(client.get(page))
    assert EVIDENCE in full and MEMBER_EMAIL in full and leader.email in full
    assert "Record a commitment" in full

    bad = client.post(f"/matching/projects/{application.id}/introductions/{intro.id}/commitment?lang=en",
                      data={"c-amount_kzt": "a lot", "c-year": "2026"})
    assert bad.status_code == 422 and 'id="c-amount_kzt-error"' in _text(bad)
    zero = client.post(f"/matching/projects/{application.id}/introductions/{intro.id}/commitment?lang=en",
                       data={"c-amount_kzt": "0", "c-year": "2026"})
    assert zero.status_code == 422 and "Enter the amount committed." in _text(zero)
    response = client.post(f"/matching/projects/{application.id}/introductions/{intro.id}/commitment",
                           data={"c-amount_kzt": "150 000 000", "c-year": "2026", "c-note": "Seed round"})
    assert response.status_code == 302
    from app.core.db import db
    assert db.session.query(Commitment).one().amount_kzt == 150_000_000

    auth.logout()
    auth.login(world["mnvo"])
    indicators = _text(client.get("/matching/indicators?lang=en"))
    assert "150,000,000" in indicators
    assert "<svg" in indicators and "target-line" in indicators


def test_someone_elses_introduction_cannot_be_answered_or_used(world, client, auth):
    investor, other_investor = world["investors"]
    application = world["apps"][0][1]
    intro = services.request_introduction(investor, application.id, "hello")
    auth.login(world["apps"][1][0])  # another leader
    assert client.post(f"/matching/introductions/{intro.id}/answer", data={f"a{intro.id}-accept": "y"}
                       ).status_code == 404
    auth.logout()
    auth.login(other_investor)
    # the NDA form as the page sends it: refused because the introduction is not theirs, and nothing kept
    assert client.post(f"/matching/introductions/{intro.id}/nda", data={f"n{intro.id}-submit": "y"}
                       ).status_code == 404
    from app.core.db import db
    db.session.expire_all()
    assert intro.nda_accepted_at is None
    response = client.post(f"/matching/projects/{application.id}/introductions/{intro.id}/commitment",
                           data={"c-amount_kzt": "5", "c-year": "2026"})
    assert response.status_code == 404


def test_declined_introduction(world, client, auth):
    investor = world["investors"][0]
    leader, application = world["apps"][0]
    intro = services.request_introduction(investor, application.id, "")
    auth.login(leader)
    client.post(f"/matching/introductions/{intro.id}/answer",
                data={f"a{intro.id}-decline": "Decline", f"a{intro.id}-answer": "Not now"})
    auth.logout()
    auth.login(investor)
    body = _text(client.get(f"/matching/projects/{application.id}?lang=en"))
    assert "declined" in body and "Not now" in body and EVIDENCE not in body
    response = client.post(f"/matching/projects/{application.id}/introduction?from=project", data={})
    assert response.status_code == 302  # a conflict is flashed, not an error page


# --- the leader's side -----------------------------------------------------------------------------------

def test_leader_sees_recommended_investors(world, client, auth):
    leader, application = world["apps"][1]
    auth.login(leader)
    response = client.get(f"/matching/recommendations/{application.id}?lang=en")
    assert response.status_code == 200
    body = _text(response)
    assert "Agro Ventures" in body and "Why it matches" in body
    assert body.index("Agro Ventures") < body.index("Isotope Fund")
    other = world["apps"][2][0]
    auth.logout()
    auth.login(other)
    assert client.get(f"/matching/recommendations/{application.id}").status_code in (403, 404)


def test_leader_dashboard_panel_counts_requests(world, client, auth):
    leader, application = world["apps"][0]
    services.request_introduction(world["investors"][0], application.id, "hi")
    auth.login(leader)
    body = _text(client.get("/dashboard?lang=en"))
    assert "1 investor asks for an introduction." in body
    assert f"/matching/recommendations/{application.id}" in body
    assert "/matching/requests" in body


def test_investor_dashboard_shows_the_pipeline_and_top_matches(world, client, auth):
    auth.login(world["investors"][0])
    body = _text(client.get("/dashboard?lang=en"))
    assert "chart-funnel" in body and "Matched" in body and "Committed" in body
    assert "Lu-177" in body
    assert 'href="/matching/feed"' in body  # the menu item


# --- profiles ----------------------------------------------------------------------------------------------

def test_investor_edits_the_profile(world, client, auth, db):
    investor = world["investors"][1]
    auth.login(investor)
    page = _text(client.get("/matching/profile?lang=en"))
    assert "agriculture wheat seeds breeding" in page
    response = client.post("/matching/profile", data={
        "name": "Agro Ventures II", "type": "corporate", "thesis_en": "precision agriculture",
        "thesis_kk": "дәл егіншілік", "sectors": "agritech, seeds", "priorities": ["6"], "trl_min": "5",
        "trl_max": "8", "ticket_min_kzt": "10 000 000", "ticket_max_kzt": "500000000", "regions": ["akmola"],
        "territories": ["ntp_inp"], "stage": "seed", "portfolio": "Seeds startup\nIrrigation sensors",
        "requires_nda": "y"})
    assert response.status_code == 302
    profile = db.session.query(InvestorProfile).filter_by(user_id=investor.id).one()
    assert profile.name == "Agro Ventures II" and profile.type == "corporate"
    assert profile.thesis == {"en": "precision agriculture", "kk": "дәл егіншілік"}
    assert profile.portfolio == ["Seeds startup", "Irrigation sensors"] and profile.priorities == [6]
    assert profile.ticket_min_kzt == 10_000_000 and profile.requires_nda and profile.regions == ["akmola"]


def test_profile_errors_are_shown_next_to_fields(world, client, auth):
    auth.login(world["investors"][0])
    response = client.post("/matching/profile?lang=en", data={
        "name": "Isotope Fund", "type": "venture_fund", "trl_min": "8", "trl_max": "5",
        "ticket_min_kzt": "9", "ticket_max_kzt": "1", "regions": ["mars"]})
    assert response.status_code == 422
    body = _text(response)
    assert 'id="regions-error"' in body
    response = client.post("/matching/profile?lang=en", data={
        "name": "Isotope Fund", "type": "venture_fund", "trl_min": "8", "trl_max": "5",
        "ticket_min_kzt": "9", "ticket_max_kzt": "1"})
    assert response.status_code == 422
    body = _text(response)
    assert 'id="trl_min-error"' in body and 'id="ticket_min_kzt-error"' in body
    response = client.post("/matching/profile?lang=en", data={
        "name": "Isotope Fund", "type": "venture_fund", "ticket_max_kzt": "1e999", "priorities": ["abc"]})
    assert response.status_code == 422  # too large for the money columns; not a priority: field errors
    assert 'id="ticket_max_kzt-error"' in _text(response) and 'id="priorities-error"' in _text(response)


def test_admin_lists_and_creates_investors(world, client, auth, make_user, db):
    admin = make_user("admin")
    auth.login(admin)
    listing = _text(client.get("/matching/investors?lang=en"))
    assert "Isotope Fund" in listing and "Agro Ventures" in listing
    assert client.get("/matching/investors/new?lang=en").status_code == 200
    bad = client.post("/matching/investors/new?lang=en", data={"email": "not-an-email", "name": "X",
                                                               "type": "angel"})
    assert bad.status_code == 422 and 'id="email-error"' in _text(bad)
    response = client.post("/matching/investors/new", data={
        "email": "new.fund@example.kz", "name": "Steppe Angels", "type": "angel",
        "thesis_ru": "агротехнологии", "trl_min": "4", "trl_max": "7"})
    assert response.status_code == 302, _text(response)
    profile = db.session.query(InvestorProfile).filter_by(name="Steppe Angels").one()
    assert profile.user.email == "new.fund@example.kz" and profile.trl_max == 7
    assert client.get(f"/matching/investors/{profile.id}/edit?lang=en").status_code == 200
    response = client.post(f"/matching/investors/{profile.id}/edit", data={
        "name": "Steppe Angels", "type": "angel", "thesis_en": "agritech", "stage": "seed"})
    assert response.status_code == 302
    db.session.refresh(profile)
    assert profile.thesis == {"en": "agritech"} and profile.stage == "seed"


def test_mnvo_creates_investors(world, client, auth):
    auth.login(world["mnvo"])
    response = client.post("/matching/investors/new", data={"email": "fund@example.kz", "name": "Fund",
                                                            "type": "angel"})
    assert response.status_code == 302


def test_investor_admin_pages_are_closed_to_others(world, client, auth):
    auth.login(world["investors"][0])
    assert client.get("/matching/investors").status_code == 403
    assert client.get("/matching/investors/new").status_code == 403
    other_profile = services.my_profile(world["investors"][1]).id
    assert client.get(f"/matching/investors/{other_profile}/edit").status_code == 404


# --- indicators and languages ------------------------------------------------------------------------------

def test_indicators_page_draws_targets(world, client, auth):
    auth.login(world["mnvo"])
    body = _text(client.get("/matching/indicators?lang=en"))
    assert "Private investment attracted" in body and "Patents for inventions" in body
    assert body.count("<svg") >= 2 and "2035" in body
    assert 'href="/matching/indicators"' in body  # the menu item for МНВО
    ru = _text(client.get("/matching/indicators?lang=ru"))
    assert "Объем привлеченных частных инвестиций" in ru


def test_pages_render_in_english(world, client, auth):
    investor = world["investors"][0]
    leader, application = world["apps"][0]
    services.request_introduction(investor, application.id, "hi")
    auth.login(investor)
    for path in ("/matching/feed", f"/matching/projects/{application.id}", "/matching/profile",
                 "/matching/requests", "/matching/indicators", "/dashboard"):
        response = client.get(f"{path}?lang=en")
        assert response.status_code == 200, path
        body = _text(response)
        assert '<html lang="en">' in body
        assert "style=" not in body and not re.search(r"<script(?![^>]*\bsrc=)", body), path
    auth.logout()
    auth.login(leader)
    for path in (f"/matching/recommendations/{application.id}", "/matching/requests", "/dashboard"):
        response = client.get(f"{path}?lang=en")
        assert response.status_code == 200, path
        assert "style=" not in _text(response)
