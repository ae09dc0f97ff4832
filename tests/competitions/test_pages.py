"""The HTML pages of competitions and applications: rendering in three languages, forms bound to the
services, errors next to fields, region scoping, autosave with version checks, attachments, exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask import g
from flask_babel import refresh

from app.accounts.models import Organisation
from app.competitions import applications as application_ops
from app.competitions import services
from app.competitions.models import Application, Competition
from app.core import time as clock
from app.core.db import db
from tests.conftest import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
XSS = '<script>alert("x")</script>'


# --- helpers ---------------------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """Collect what a browser would send for one <form> (found by its id or an action substring)."""

    def __init__(self, match):
        super().__init__(convert_charrefs=True)
        self.match, self.inside, self.fields = match, False, []
        self._select = self._textarea = None
        self._options: list = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = self.match(a)
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "file", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((a["name"], a.get("value", "y")))
            else:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea = [a.get("name"), ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            chosen = (
                [v for v, selected in self._options if selected] or [self._options[0][0]]
                if self._options
                else []
            )
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea[0], self._textarea[1].lstrip("\n")))
            self._textarea = None


def form_data(html: str, form_id: str | None = None, action: str | None = None) -> dict:
    reader = FormReader(
        lambda a: (form_id and a.get("id") == form_id) or (action and action in a.get("action", ""))
    )
    reader.feed(html)
    data: dict = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


@pytest.fixture
def sign_in(client):
    """Switch the test client to ``user`` (None: anonymous). The tests share one app context, so the user
    Flask-Login cached in ``g`` is dropped too."""

    def switch(user=None):
        g.pop("_login_user", None)
        refresh()
        with client.session_transaction() as session:
            session.clear()
        if user is not None:
            response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)

    return switch


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    app.config["UPLOAD_PATH"] = tmp_path / "uploads"
    return tmp_path


def make_competition(operator, open_it=True, **overrides):
    data = {
        "title": {"ru": "Конкурс 2026", "kk": "Байқау 2026", "en": "Call 2026"},
        "instrument": "commercialisation",
        "deadline": (clock.now() + timedelta(days=10)).isoformat(),
        "budget_kzt": 1_000_000_000,
        "required_documents": ["project_description"],
        "require_accreditation": False,
        "require_org_signature": False,
        **overrides,
    }
    competition = services.create_competition(operator, data)
    if open_it:
        services.transition(operator, competition.id, "published")
        services.transition(operator, competition.id, "open")
    return competition


def complete_draft(leader, competition, **overrides):
    data = {
        "title": "Радиофармпрепарат Lu-177",
        "abstract": "Доклинические испытания.",
        "language": "ru",
        "keywords": ["изотопы"],
        "priority": 5,
        "trl_claimed": 4,
        "trl_evidence": {str(n): f"Evidence {n}" for n in range(1, 5)},
        "requested_kzt": 100_000_000,
        "cofinancing_kzt": 10_000_000,
        "applicant_category": "scientist",
        "duration_months": 24,
        **overrides,
    }
    application = application_ops.create_application(leader, competition.id, data)
    application_ops.add_attachment(leader, application.id, "project_description", "desc.pdf", io.BytesIO(PDF))
    return application


def submitted(leader, competition, **overrides):
    return application_ops.submit(leader, complete_draft(leader, competition, **overrides).id)


# --- competitions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang,title", [("ru", "Конкурс 2026"), ("kk", "Байқау 2026"), ("en", "Call 2026")])
def test_list_and_detail_render_in_each_language(client, make_user, lang, title):
    competition = make_competition(make_user("mnvo"))
    page = client.get(f"/competitions?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page and title in page
    assert 'class="countdown" data-deadline="' in page
    response = client.get(f"/competitions/{competition.id}?lang={lang}")
    detail = response.get_data(as_text=True)
    assert response.status_code == 200 and title in detail
    assert "TRL 4" in detail and "350" in detail  # the template's TRL range and maximum grant
    home = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert title in home  # open competitions on the home page


def test_list_filters_by_status_and_instrument(client, make_user):
    operator = make_user("mnvo")
    make_competition(operator, title={"en": "Open commercialisation"})
    make_competition(operator, open_it=False, instrument="megagrant", title={"en": "Draft megagrant"})
    services.transition(
        operator,
        make_competition(operator, open_it=False, instrument="grant", title={"en": "Published grant"}).id,
        "published",
    )
    page = client.get("/competitions?lang=en").get_data(as_text=True)
    assert "Open commercialisation" in page and "Published grant" in page
    assert "Draft megagrant" not in page  # drafts are visible only to their organisers
    page = client.get("/competitions?lang=en&instrument=grant").get_data(as_text=True)
    assert "Published grant" in page and "Open commercialisation" not in page
    page = client.get("/competitions?lang=en&status=open").get_data(as_text=True)
    assert "Open commercialisation" in page and "Published grant" not in page
    assert client.get("/competitions?status=nonsense&instrument=%3Cx%3E").status_code == 200


def test_organiser_creates_edits_and_moves_a_competition_through_forms(client, make_user, sign_in):
    sign_in(make_user("mnvo"))
    assert client.get("/competitions/new").status_code == 200  # the template picker
    page = client.get("/competitions/new?instrument=commercialisation").get_data(as_text=True)
    data = _rules_form(page)
    assert data["max_grant_kzt"] == "350000000" and data["trl_min"] == "4"
    deadline = clock.to_local(clock.now() + timedelta(days=20)).replace(microsecond=0, tzinfo=None)
    data.update(
        {
            "title_ru": "Новый конкурс",
            "title_en": "New call",
            "budget_kzt": "500000000",
            "deadline": deadline.strftime("%Y-%m-%dT%H:%M:%S"),
        }
    )
    response = client.post("/competitions/new?instrument=commercialisation", data=data)
    assert response.status_code == 302
    competition = db.session.scalars(db.select(Competition)).one()
    assert competition.region_code is None and competition.title["en"] == "New call"
    assert clock.to_local(competition.deadline).replace(tzinfo=None) == deadline  # read as Asia/Almaty time

    data = _rules_form(client.get(f"/competitions/{competition.id}/edit").get_data(as_text=True))
    n = len(competition.criteria)
    data.update(
        {
            "cofinancing_startup": "15",
            "max_grant_kzt": "",
            "priorities": ["2", "5"],
            f"criteria-{n}-key": "team",
            f"criteria-{n}-name_en": "Team",
            f"criteria-{n}-weight": "0.5",
            f"criteria-{n}-min": "0",
            f"criteria-{n}-max": "5",
            f"criteria-{n}-step": "0.5",
            f"criteria-{n}-threshold": "2",
            "criteria-0-remove": "y",
        }
    )
    response = client.post(f"/competitions/{competition.id}/edit", data=data)  # ties still by excellence
    assert response.status_code == 422 and 'id="tie_break-error"' in response.get_data(as_text=True)
    data["tie_break"] = "impact, submitted_at"
    response = client.post(f"/competitions/{competition.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(competition)
    assert competition.rules["cofinancing"]["startup"] == pytest.approx(0.15)
    assert competition.max_grant_kzt is None and competition.rules["priorities"] == [2, 5]
    assert [k["key"] for k in competition.criteria][-1] == "team" and len(competition.criteria) == n

    data["trl_min"], data["trl_max"] = "7", "3"  # a service rule, shown next to its field
    response = client.post(f"/competitions/{competition.id}/edit", data=data)
    assert response.status_code == 422 and 'id="trl_min-error"' in response.get_data(as_text=True)

    for to in ("published", "open"):
        client.post(f"/competitions/{competition.id}/transition", data={"to": to})
    db.session.refresh(competition)
    assert competition.status == "open"
    page = client.post(
        f"/competitions/{competition.id}/transition", data={"to": "closed"}, follow_redirects=True
    ).get_data(as_text=True)
    assert competition.status == "open" and 'class="flash flash-error"' in page  # early close needs a reason
    client.post(f"/competitions/{competition.id}/transition", data={"to": "closed", "reason": "Budget cut"})
    db.session.refresh(competition)
    assert competition.status == "closed" and competition.closed_early_reason == "Budget cut"
    page = client.post(
        f"/competitions/{competition.id}/transition", data={"to": "archived"}, follow_redirects=True
    ).get_data(as_text=True)
    assert competition.status == "closed" and "flash-error" in page  # illegal step: explained, no 500


def _rules_form(page: str) -> dict:
    return form_data(page, form_id="rules")


def test_open_competition_only_extends_the_deadline(client, make_user, sign_in):
    operator = make_user("mnvo")
    competition = make_competition(operator)
    sign_in(operator)
    page = client.get(f"/competitions/{competition.id}/edit").get_data(as_text=True)
    assert 'name="budget_kzt"' not in page  # only dates and the description once open
    data = _rules_form(page)
    later = clock.to_local(competition.deadline + timedelta(days=3)).replace(microsecond=0, tzinfo=None)
    data["deadline"] = later.strftime("%Y-%m-%dT%H:%M:%S")
    data["description_en"] = "Extended."
    assert client.post(f"/competitions/{competition.id}/edit", data=data).status_code == 302
    db.session.refresh(competition)
    assert clock.to_local(competition.deadline).replace(tzinfo=None) == later


def test_akimat_sees_only_its_region(client, make_user, sign_in):
    almaty = make_user("akimat", region="almaty_city")
    draft = make_competition(almaty, open_it=False, instrument="regional")
    assert draft.region_code == "almaty_city"
    sign_in(make_user("akimat", region="astana"))
    for url in (
        f"/competitions/{draft.id}",
        f"/competitions/{draft.id}/edit",
        f"/competitions/{draft.id}/manage",
        f"/competitions/{draft.id}/export.csv",
    ):
        assert client.get(url).status_code == 404, url
    page = client.get("/competitions/new?instrument=regional").get_data(as_text=True)
    assert 'value="astana"' in page and 'value="almaty_city"' not in page  # its own region only
    sign_in(almaty)
    data = _rules_form(client.get(f"/competitions/{draft.id}/edit").get_data(as_text=True))
    data["title_kk"] = "Өңірлік байқау"
    assert client.post(f"/competitions/{draft.id}/edit", data=data).status_code == 302
    db.session.refresh(draft)
    assert draft.title["kk"] == "Өңірлік байқау" and draft.region_code == "almaty_city"


def test_researcher_cannot_create_or_manage(client, make_user, sign_in):
    competition = make_competition(make_user("mnvo"))
    sign_in(make_user("researcher"))
    assert client.get("/competitions/new").status_code == 403
    assert client.get(f"/competitions/{competition.id}/manage").status_code == 404
    assert (
        client.post(
            f"/competitions/{competition.id}/transition", data={"to": "closed", "reason": "x"}
        ).status_code
        == 403
    )
    assert db.session.get(Competition, competition.id).status == "open"


# --- applications ----------------------------------------------------------------------------------------


def test_researcher_creates_a_draft_and_saves_it(client, make_user, sign_in):
    competition = make_competition(make_user("mnvo"))
    sign_in(make_user("researcher"))
    assert client.get(f"/applications/new?competition={competition.id}").status_code == 200
    response = client.post(
        f"/applications/new?competition={competition.id}",
        data={"title": "Мой проект", "language": "ru", "applicant_category": "startup"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    application = db.session.scalars(db.select(Application)).one()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'data-autosave="/applications/{application.id}/autosave"' in page
    assert "TRL 9" in page and 'id="evidence_9"' in page  # every level with its checklist
    data = form_data(page, form_id="draft")
    data.update(
        {
            "abstract": "Аннотация",
            "keywords": "изотопы, медицина",
            "title_en": "My project",
            "budget_rows-0-year": "2027",
            "budget_rows-0-amount": "50000000",
            "ip_held": "KZ 123 — Способ",
            "trl_claimed": "5",
            "evidence_1": "Статья",
            "planned_patents": "2",
            "investor_visible": "y",
        }
    )
    response = client.post(f"/applications/{application.id}/edit", data=data)
    assert response.status_code == 302
    db.session.refresh(application)
    assert (
        application.keywords == ["изотопы", "медицина"]
        and application.translations["en"]["title"] == "My project"
    )
    assert application.budget_by_year[0]["year"] == 2027 and application.ip_held == [
        {"number": "KZ 123", "title": "Способ"}
    ]
    assert application.trl_claimed == 5 and application.trl_evidence["1"] == "Статья"
    assert application.planned == {"patents": 2} and application.investor_visible


def test_autosave_returns_the_version_and_refuses_a_stale_one(client, make_user, sign_in):
    leader = make_user("researcher")
    application = application_ops.create_application(leader, make_competition(make_user("mnvo")).id, {"title": "A"})
    sign_in(leader)
    data = form_data(
        client.get(f"/applications/{application.id}/edit").get_data(as_text=True), form_id="draft"
    )
    version = int(data["version"])
    data["abstract"] = "Saved as I type"
    response = client.post(f"/applications/{application.id}/autosave", data=data)
    assert response.status_code == 200 and response.get_json()["version"] == version + 1
    data["abstract"] = "Typed in another tab"  # still carries the old version
    response = client.post(f"/applications/{application.id}/autosave", data=data)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "version_conflict"
    db.session.refresh(application)
    assert application.abstract == "Saved as I type"
    data["version"] = str(version + 1)
    data["requested_kzt"] = "not a number"
    response = client.post(f"/applications/{application.id}/autosave", data=data)
    assert response.status_code == 200 and "requested_kzt" in response.get_json()["errors"]


def test_autosave_keeps_the_valid_fields_beside_a_wrong_one(client, make_user, sign_in):
    """The reported loss: a valid abstract typed beside −2 patents was not stored at all."""
    leader = make_user("researcher")
    application = application_ops.create_application(leader, make_competition(make_user("mnvo")).id,
                                              {"title": "A", "requested_kzt": 5_000_000})
    sign_in(leader)
    data = form_data(client.get(f"/applications/{application.id}/edit").get_data(as_text=True), form_id="draft")
    data.update({"abstract": "An abstract worth keeping", "planned_patents": "-2", "duration_months": "24"})
    response = client.post(f"/applications/{application.id}/autosave", data=data)
    assert response.status_code == 200, response.get_json()
    assert set(response.get_json()["errors"]) == {"planned_patents"}  # named by its input
    db.session.refresh(application)
    assert application.abstract == "An abstract worth keeping" and application.duration_months == 24
    assert (application.planned or {}).get("patents") is None
    data.update({"version": str(response.get_json()["version"]), "requested_kzt": "12,5x"})
    response = client.post(f"/applications/{application.id}/autosave", data=data)
    assert "requested_kzt" in response.get_json()["errors"]
    db.session.refresh(application)
    assert application.requested_kzt == 5_000_000  # an unreadable amount keeps the stored one
    page = client.post(f"/applications/{application.id}/edit", data=data)  # the full save: all or nothing
    assert page.status_code == 422 and 'id="planned_patents-error"' in page.get_data(as_text=True)


def test_autosave_of_someone_elses_draft_is_not_found(client, make_user, sign_in):
    application = application_ops.create_application(
        make_user("researcher"), make_competition(make_user("mnvo")).id, {"title": "A"}
    )
    sign_in(make_user("researcher"))
    assert client.post(f"/applications/{application.id}/autosave", data={"title": "B"}).status_code == 404
    assert client.get(f"/applications/{application.id}/edit").status_code == 404


def test_submit_with_problems_shows_each_next_to_its_field(client, make_user, sign_in):
    leader = make_user("researcher")
    competition = make_competition(make_user("mnvo"), max_grant_kzt=1_000_000)
    application = application_ops.create_application(
        leader, competition.id, {"title": "Only a title", "requested_kzt": 5_000_000, "trl_claimed": 2}
    )
    sign_in(leader)
    response = client.post(f"/applications/{application.id}/submit")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'class="error-summary"' in page
    for name in (
        "abstract",
        "keywords",
        "priority",
        "requested_kzt",
        "duration_months",
        "trl_claimed",
        "documents",
        "trl_evidence",
    ):
        assert f'id="{name}-error"' in page, name
    assert 'href="#attachments"' in page  # the summary links to the section to fix
    assert db.session.get(Application, application.id).status == "draft"


def test_submit_from_the_draft_form_saves_then_gives_the_receipt(client, make_user, sign_in):
    leader = make_user("researcher")
    application = complete_draft(leader, make_competition(make_user("mnvo")), abstract="")
    sign_in(leader)
    data = form_data(
        client.get(f"/applications/{application.id}/edit").get_data(as_text=True), form_id="draft"
    )
    data["abstract"] = "Typed just before pressing Submit"
    response = client.post(f"/applications/{application.id}/submit", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/receipt")
    db.session.refresh(application)
    assert application.status == "submitted" and application.abstract.startswith("Typed")
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert application.irn in receipt and application.receipt_sha256 in receipt
    assert re.search(r"[0-9a-f]{64}", receipt) and "Asia/Almaty" in receipt
    assert client.post(f"/applications/{application.id}/submit").status_code == 302  # a retry: same receipt
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "TRL 4" in page and "/withdraw" in page
    client.post(f"/applications/{application.id}/withdraw")
    assert db.session.get(Application, application.id).status == "withdrawn"


def test_submit_after_the_deadline_is_flashed(client, make_user, sign_in):
    leader = make_user("researcher")
    application = complete_draft(leader, make_competition(make_user("mnvo")))
    sign_in(leader)
    clock.freeze(application.competition.deadline + timedelta(seconds=1))
    response = client.post(f"/applications/{application.id}/submit", follow_redirects=True)
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    assert db.session.get(Application, application.id).status == "draft"
    assert client.get(f"/applications/{application.id}/edit").status_code == 302  # read-only now


def test_attachments_pdf_only_and_private(client, make_user, sign_in):
    leader = make_user("researcher")
    application = application_ops.create_application(leader, make_competition(make_user("mnvo")).id, {"title": "A"})
    sign_in(leader)
    response = client.post(
        f"/applications/{application.id}/attachments",
        data={"doc_type": "project_description", "file": (io.BytesIO(b"MZ\x90 not a pdf"), "evil.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and 'id="file-error"' in response.get_data(as_text=True)
    response = client.post(
        f"/applications/{application.id}/attachments",
        data={"doc_type": "project_description", "file": (io.BytesIO(PDF), "описание.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    attachment = db.session.get(Application, application.id).attachments[0]
    download = client.get(f"/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    sign_in(make_user("researcher"))
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    sign_in(None)
    assert client.get(f"/attachments/{attachment.id}").status_code == 302  # to the login page


def test_team_invitation_confirmed_in_the_members_account(client, make_user, sign_in):
    leader, member = make_user("researcher"), make_user("researcher")
    application = application_ops.create_application(leader, make_competition(make_user("mnvo")).id, {"title": "A"})
    sign_in(leader)
    response = client.post(f"/applications/{application.id}/members", data={"email": "not-an-email"})
    assert response.status_code == 422 and 'id="email-error"' in response.get_data(as_text=True)
    response = client.post(
        f"/applications/{application.id}/members",
        data={"email": member.email, "name": "Member", "role": "Engineer"},
    )
    assert response.status_code == 302
    sign_in(member)
    page = client.get("/invitations").get_data(as_text=True)
    assert "A" in page and "/invitations/" in page
    member_row = db.session.get(Application, application.id).members[0]
    client.post(f"/invitations/{member_row.id}", data={"accept": "1"})
    assert db.session.get(Application, application.id).members[0].status == "confirmed"
    assert "A" in client.get("/dashboard").get_data(as_text=True)


def test_org_head_signs_from_the_application_page(client, make_user, sign_in):
    org = Organisation(name_ru="Университет", accredited=True, region_code="astana")
    db.session.add(org)
    db.session.commit()
    leader = make_user("researcher", organisation="Университет")
    head = make_user("org_head", organisation="Университет")
    competition = make_competition(make_user("mnvo"), require_org_signature=True)
    application = application_ops.create_application(leader, competition.id, {"title": "Signed project"})
    sign_in(head)
    assert "Signed project" in client.get("/dashboard").get_data(as_text=True)
    client.post(f"/applications/{application.id}/sign")
    assert db.session.get(Application, application.id).org_signed_at is not None


# --- operators -------------------------------------------------------------------------------------------


def test_manage_page_charts_and_audit(client, make_user, sign_in):
    operator = make_user("mnvo")
    competition = make_competition(operator)
    submitted(make_user("researcher"), competition)
    sign_in(operator)
    page = client.get(f"/competitions/{competition.id}/manage?lang=en").get_data(as_text=True)
    assert page.count("<svg") >= 5 and "Applications by claimed TRL" in page
    assert "application.submit" in page and "competition.transition" in page  # the audit trail
    assert "/export.csv" in page and "/export.xlsx" in page
    assert 'style="' not in page and "<script>" not in page  # the CSP allows neither


def test_formal_check_requires_reasons_when_rejecting(client, make_user, sign_in):
    operator, leader = make_user("mnvo"), make_user("researcher")
    competition = make_competition(operator)
    application = submitted(leader, competition)
    sign_in(operator)
    assert (
        client.get(f"/applications/{application.id}/formal-check", follow_redirects=True).status_code == 200
    )
    services.transition(operator, competition.id, "closed", "Enough applications")
    page = client.get(f"/applications/{application.id}/formal-check").get_data(as_text=True)
    assert 'name="check_documents_complete"' in page
    response = client.post(
        f"/applications/{application.id}/formal-check", data={"decision": "reject", "reasons": " "}
    )
    assert response.status_code == 422 and 'id="reasons-error"' in response.get_data(as_text=True)
    # the checklist binds: "team confirmed" unticked, "pass" without a word is refused and nothing changes
    ticked = {"check_documents_complete": "y", "check_organisation_eligible": "y", "check_scope": "y",
              "check_budget_within_limits": "y"}
    response = client.post(f"/applications/{application.id}/formal-check", data={"decision": "pass", **ticked})
    assert response.status_code == 422 and 'id="reasons-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "submitted"
    response = client.post(
        f"/applications/{application.id}/formal-check",
        data={"decision": "reject", "reasons": "No budget justification\nWrong template"},
    )
    assert response.status_code == 302
    assert db.session.get(Application, application.id).status == "rejected"
    sign_in(leader)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "No budget justification" in page and "Wrong template" in page


def test_formal_check_page_is_for_organisers_only(client, make_user, sign_in):
    leader = make_user("researcher")
    application = submitted(leader, make_competition(make_user("mnvo")))
    sign_in(leader)
    assert client.get(f"/applications/{application.id}/formal-check").status_code == 404
    assert (
        client.post(f"/applications/{application.id}/formal-check", data={"decision": "pass"}).status_code
        == 404
    )


def test_exports_escape_formula_injection(client, make_user, sign_in):
    from openpyxl import load_workbook

    operator = make_user("mnvo")
    competition = make_competition(operator)
    submitted(make_user("researcher"), competition, title='=HYPERLINK("http://evil","click")')
    sign_in(operator)
    response = client.get(f"/competitions/{competition.id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][1] == '\'=HYPERLINK("http://evil","click")'
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    response = client.get(f"/competitions/{competition.id}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["B2"].value.startswith("'=") and sheet["B2"].data_type == "s"
    assert sheet["K2"].value == 100_000_000  # numbers stay numbers


def test_xss_in_titles_is_escaped(client, make_user, sign_in):
    operator = make_user("mnvo")
    competition = make_competition(operator, title={"ru": XSS, "en": XSS})
    application = submitted(make_user("researcher"), competition, title=XSS)
    sign_in(operator)
    for url in (
        "/competitions",
        f"/competitions/{competition.id}",
        f"/competitions/{competition.id}/manage",
        f"/applications/{application.id}",
        "/dashboard",
        "/",
    ):
        page = client.get(url).get_data(as_text=True)
        assert XSS not in page, url
        assert "&lt;script&gt;" in page, url
    response = client.get(f"/competitions/{competition.id}/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1][1] == XSS and response.mimetype == "text/csv"  # data, not markup: a text/csv attachment
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_results_page_lists_funded_projects_in_each_language(client, make_user):
    operator = make_user("mnvo")
    competition = make_competition(operator)
    application = submitted(
        make_user("researcher"),
        competition,
        title="Проект",
        language="ru",
        translations={"en": {"title": "Project", "abstract": ""}},
    )
    assert client.get(f"/competitions/{competition.id}/results").status_code == 404  # not published yet
    competition.status, application.status, application.awarded_kzt = "results", "funded", 90_000_000
    db.session.commit()
    assert "Проект" in client.get(f"/competitions/{competition.id}/results?lang=ru").get_data(as_text=True)
    refresh()  # the tests share one app context, where Flask-Babel caches the locale
    page = client.get(f"/competitions/{competition.id}/results?lang=en").get_data(as_text=True)
    assert "Project" in page and "90" in page


def test_dashboard_panels(client, make_user, sign_in):
    operator, leader = make_user("mnvo"), make_user("researcher")
    competition = make_competition(operator, title={"en": "Panel call"})
    application_ops.create_application(leader, competition.id, {"title": "Panel draft"})
    sign_in(leader)
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Panel draft" in page and "My applications" in page
    sign_in(operator)
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Competitions I manage" in page and "Panel call" in page


def test_garbage_input_is_answered_with_field_errors_not_500(client, make_user, sign_in):
    operator, leader = make_user("mnvo"), make_user("researcher")
    competition = make_competition(operator)
    application = application_ops.create_application(leader, competition.id, {"title": "A"})
    garbage = {
        "trl_min": "abc",
        "trl_max": "",
        "deadline": "31/12/2026",
        "budget_kzt": "1e999999",
        "priorities": ["99", "x"],
        "criteria-0-weight": "nan",
        "total_threshold": "inf",
        "criteria-0-key": "x" * 100,
        "cofinancing_startup": "-5",
        "quorum": "NaN",
        "experts_per_application": "3.5",
        "aggregation": "mode",
        "region": "mars",
    }
    sign_in(operator)
    for url in ("/competitions/new?instrument=grant", f"/competitions/{competition.id}/edit"):
        response = client.post(url, data=garbage)
        assert response.status_code in (409, 422), (url, response.status_code)
    assert client.post(f"/competitions/{competition.id}/transition", data={"to": "<b>"}).status_code == 302
    assert client.get(f"/competitions/{competition.id}/manage?status=%00").status_code == 200
    sign_in(leader)
    bad = {
        "version": "-1",
        "language": "xx",
        "priority": "12",
        "trl_claimed": "ten",
        "requested_kzt": "NaN",
        "cofinancing_kzt": "sNaN",
        "budget_rows-0-year": "1066",
        "budget_rows-0-amount": "Infinity",
        "planned_jobs": "-3",
        "region": "mars",
        "excluded_experts": "a\nb\nc\nd",
    }
    for url in (f"/applications/{application.id}/edit", f"/applications/{application.id}/submit"):
        response = client.post(url, data=bad)
        assert response.status_code == 422, (url, response.status_code)
    response = client.post(f"/applications/{application.id}/autosave", data=bad)
    assert response.status_code == 200 and response.is_json  # every bad input named, none stored
    assert {"language", "priority", "trl_claimed", "requested_kzt", "cofinancing_kzt", "region",
            "planned_jobs", "excluded_experts"} <= set(response.get_json()["errors"])
    db.session.refresh(application)
    assert application.region_code != "mars" and application.language in ("ru", "kk", "en")
    data = form_data(
        client.get(f"/applications/{application.id}/edit").get_data(as_text=True), form_id="draft"
    )
    data["excluded_experts"] = "a\nb\nc\nd"
    response = client.post(f"/applications/{application.id}/edit", data=data)
    assert response.status_code == 422 and 'id="excluded_experts-error"' in response.get_data(as_text=True)
    assert client.get("/applications/new?competition=abc").status_code == 404
    assert (
        client.post(f"/applications/{application.id}/attachments", data={"doc_type": "zzz"}).status_code
        == 422
    )
    assert client.post("/invitations/999", data={"accept": "1"}).status_code == 404
