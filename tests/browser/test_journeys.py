"""Every role's journey, end to end, in headless Chromium against the live seeded server (see conftest.py).

Each journey opens one browser context per person, saves screenshots of its key screens to
test-artifacts/browser/<journey>/, runs axe-core (WCAG 2 A/AA, no serious or critical violation) on its key
pages, and fails on any JavaScript error. The journeys do not depend on each other's order: each picks the
records it works on when it runs (new names, or seeded rows it alone changes).
"""
from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.browser.helpers import ARTIFACTS, check_a11y, digits, tiny_pdf

pytestmark = pytest.mark.browser

ALMATY = ZoneInfo("Asia/Almaty")


# --- small page helpers ---------------------------------------------------------------------------------

def wait_autosave(page) -> None:
    """Wait for the autosave the last keystroke scheduled (1.5 s debounce), so that a following button
    press sends the version the server has (the draft forms detect concurrent edits by version)."""
    with page.expect_request(lambda r: r.url.endswith("/autosave") and r.method == "POST", timeout=6000) as info:
        pass
    info.value.response()


def transition_button(page, to: str):
    return page.locator(f"form.transition-form:has(input[name='to'][value='{to}']) button[type=submit]")


def field_error(page, field_id: str):
    """The error shown next to an input: inside the same .field, referenced by aria-describedby."""
    field = page.locator(f".field:has(#{field_id})")
    error = field.locator(f"#{field_id}-error")
    assert error.is_visible(), f"no error is shown next to #{field_id}"
    control = page.locator(f"#{field_id}")
    assert control.get_attribute("aria-invalid") == "true"
    assert f"{field_id}-error" in (control.get_attribute("aria-describedby") or "")
    return error


def no_js_errors(*persons) -> None:
    errors = [f"{p.name}: {e}" for p in persons for e in p.console_errors]
    assert not errors, "JavaScript errors: " + "; ".join(errors)


def competition_id(server, title_ru: str) -> int:
    from app.competitions.models import Competition
    from app.core.db import db

    def find():
        return next(c.id for c in db.session.scalars(select(Competition)) if c.title.get("ru") == title_ru)
    return server.query(find)


# --- 1. the researcher ----------------------------------------------------------------------------------

COMM_2026 = "Гранты на коммерциализацию РННТД — 2026"
COMM_2026_KK = "РННТД коммерцияландыру гранттары — 2026"


def test_researcher_applies_in_kazakh(people, live_server):
    """Registers, switches to Kazakh with the keyboard, drafts an application in Kazakh with TRL 5 and its
    evidence, invites a team member who confirms in her own browser, gets the organisation head's signature,
    is stopped by an eligibility error shown next to the field, fixes it, submits and keeps the receipt."""
    email = f"aigerim.{uuid.uuid4().hex[:8]}@example.kz"
    password = "Zertteu-2026-kz"
    researcher = people("researcher")
    page = researcher.page

    # Self-registration; the organisation's English name links the account to the accredited ИЯФ.
    researcher.goto("/account/register")
    check_a11y(researcher, "registration form")
    form = page.locator("main form")
    form.locator("#name").fill("Айгерім Сапарова")
    form.locator("#email").fill(email)
    form.locator("#organisation").fill("Institute of Nuclear Physics")
    form.locator("input[name=role][value=researcher]").check()
    form.locator("#password").fill(password)
    form.locator("#password2").fill(password)
    researcher.shot("register")
    researcher.submit_and_wait(form.locator("[type=submit]"))
    assert page.url.endswith("/dashboard"), researcher.flash_text()
    assert "Институт ядерной физики" in page.locator("main").inner_text()

    # Kazakh, with the keyboard alone.
    researcher.switch_language_with_keyboard("kk")
    researcher.shot("dashboard-kk")
    check_a11y(researcher, "dashboard in Kazakh")

    # The open commercialisation call, in Kazakh.
    page.locator("nav.mainnav a[href='/competitions']").click()
    page.get_by_role("link", name=COMM_2026_KK).click()
    assert page.locator("h1").inner_text().strip() == COMM_2026_KK
    researcher.shot("competition")
    check_a11y(researcher, "competition page")
    page.locator("a.btn[href^='/applications/new?competition=']").click()
    assert page.locator("#language").input_value() == "kk"
    page.locator("#title").fill("Лютеций-177 радиофармпрепаратын циклотронда өндіру технологиясы")
    page.locator("#applicant_category").select_option("scientist")
    check_a11y(researcher, "new application")
    researcher.submit_and_wait(page.locator("main form [type=submit]"))
    match = re.search(r"/applications/(\d+)/edit", page.url)
    assert match, page.url
    application_id = int(match.group(1))
    edit_url = f"/applications/{application_id}/edit"

    # The draft: project, budget (co-financing 5 %: below the 10 % the rules ask of scientists), TRL 5.
    draft = page.locator("form#draft")
    draft.locator("#abstract").fill(
        "Жоба ИЯФ циклотронында лютеций-177 изотопын алудың отандық технологиясын әзірлеуге бағытталған. "
        "Зертханалық сынақтар аяқталды, технология тиісті ортада расталды.")
    draft.locator("#keywords").fill("изотоптар, ядролық медицина, циклотрон")
    draft.locator("#priority").select_option("5")
    draft.locator("#territory").select_option("ntp_inp")
    draft.locator("#requested_kzt").fill("120000000")
    draft.locator("#duration_months").fill("24")
    draft.locator("#budget_rows-0-year").fill("2026")
    draft.locator("#budget_rows-0-amount").fill("60000000")
    draft.locator("#budget_rows-0-breakdown").fill("жабдық, материалдар")
    draft.locator("#budget_rows-1-year").fill("2027")
    draft.locator("#budget_rows-1-amount").fill("60000000")
    draft.locator("#budget_rows-1-breakdown").fill("клиникаға дейінгі сынақтар")
    draft.locator("#cofinancing_kzt").fill("6000000")
    draft.locator("#cofinancing_source").fill("Серіктес: «Изотоп» ЖШС")
    draft.locator("#planned_patents").fill("2")
    draft.locator("#ip_held").fill("KZ 35123 — Лютеций-177 алу әдісі")
    draft.locator("#trl_claimed").select_option("5")
    evidence = {
        1: "Негізгі қағидалар жарияланған: рецензияланған мақала, 2019.",
        2: "Технология тұжырымдамасы мен техникалық-экономикалық негіздеме құжатталған.",
        3: "Зертханалық тәжірибелер негізгі параметрлерді растады (есеп №12).",
        4: "Технология зертханада расталды: сынақ хаттамасы 2024.",
        5: "Тиісті ортада (циклотрон залы) сынақтар өтті: есеп №31, масштабтау талаптары.",
    }
    for level, text in evidence.items():
        box = draft.locator(f"details.trl-level[data-level='{level}']")
        assert box.get_attribute("open") is not None, f"TRL {level} evidence is not opened as required"
        box.locator(f"#evidence_{level}").fill(text)
    wait_autosave(page)
    researcher.submit_and_wait(draft.locator("#save"))
    assert page.locator(".flash-success").count() == 1, researcher.flash_text()
    assert page.locator("#trl_claimed").input_value() == "5"
    assert page.locator("#evidence_5").input_value() == evidence[5]

    # Team: invite researcher2 by e-mail.
    team = page.locator("#team form.subpanel")
    team.locator("#email").fill("researcher2@demo.kz")
    team.locator("#role").fill("инженер-радиохимик")
    researcher.submit_and_wait(team.locator("#invite"))
    assert "researcher2@demo.kz" in page.locator("#team table").inner_text()

    # Documents: the three the call requires, as small valid PDFs.
    for doc_type in ("project_description", "budget_justification", "business_plan"):
        upload = page.locator("#attachments form.subpanel")
        upload.locator("#doc_type").select_option(doc_type)
        upload.locator("#file").set_input_files(
            {"name": f"{doc_type}.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf(doc_type)})
        researcher.submit_and_wait(upload.locator("#upload"))
        assert page.locator(f"#attachments a:has-text('{doc_type}.pdf')").count() == 1, researcher.flash_text()
    assert page.locator("#attachments .doc-checklist li.missing").count() == 0
    researcher.shot("draft-complete")
    check_a11y(researcher, "application draft")

    # The attachment downloads as the same PDF.
    with page.expect_download() as download_info:
        page.locator("#attachments a:has-text('business_plan.pdf')").click()
    assert download_info.value.path().read_bytes().startswith(b"%PDF-")

    # The invited member confirms in her own browser.
    member = people("member")
    member.login("researcher2@demo.kz")
    member.goto("/invitations")
    card = member.page.locator("li.card", has_text="Лютеций-177")
    check_a11y(member, "team invitations")
    member.shot("invitation")
    member.submit_and_wait(card.locator("button[name=accept]"))
    assert member.page.url.endswith(f"/applications/{application_id}")

    # The head of ИЯФ signs from the dashboard.
    head = people("orghead")
    head.login("orghead@demo.kz")
    head.page.locator("ul.sign-list a", has_text="Лютеций-177").click()
    check_a11y(head, "application awaiting signature")
    head.submit_and_wait(head.page.locator("form[action$='/sign'] button"))
    assert head.dialogs, "signing did not ask for confirmation"
    head.shot("signed")
    assert head.page.locator(".flash-success").count() == 1, head.flash_text()

    # Submit: refused, the co-financing error is next to its field and in the summary at the top.
    researcher.goto(edit_url)
    assert "researcher2@demo.kz" in page.locator("#team table").inner_text()
    researcher.submit_and_wait(page.locator("#submit_application"))
    assert researcher.dialogs, "submitting did not ask for confirmation"
    assert page.locator("#problems").is_visible()
    assert page.locator("#problems a[href='#cofinancing_kzt']").count() == 1
    assert page.locator("#problems li").count() == 1, page.locator("#problems").inner_text()
    error = field_error(page, "cofinancing_kzt")
    assert "10" in error.inner_text()
    researcher.shot("eligibility-error")
    check_a11y(researcher, "draft with an eligibility error")

    # Fix it and submit again: the change voids the head's signature (it covered the old amounts) ...
    page.locator("#cofinancing_kzt").fill("18000000")
    researcher.submit_and_wait(page.locator("#submit_application"))
    assert page.locator("#problems").is_visible()
    assert "cofinancing_kzt" not in page.locator("#problems").inner_html()
    assert page.locator("#problems li").count() == 1, page.locator("#problems").inner_text()
    # ... so the head signs what is there now, and the submission goes through.
    head.goto("/dashboard")
    head.page.locator("ul.sign-list a", has_text="Лютеций-177").click()
    head.submit_and_wait(head.page.locator("form[action$='/sign'] button"))
    assert head.page.locator(".flash-success").count() == 1, head.flash_text()
    researcher.goto(edit_url)
    researcher.submit_and_wait(page.locator("#submit_application"))
    assert page.url.endswith(f"/applications/{application_id}/receipt"), page.url
    irn = page.locator("strong.irn").inner_text().strip()
    assert re.fullmatch(r"DP\d{8}", irn), irn
    sha = page.locator("code.hash").inner_text().strip()
    researcher.shot("receipt")
    check_a11y(researcher, "receipt")
    receipt_pdf = ARTIFACTS / "researcher_applies_in_kazakh" / "receipt.pdf"
    page.pdf(path=str(receipt_pdf))
    assert receipt_pdf.read_bytes().startswith(b"%PDF-")

    from app.competitions.models import Application
    from app.core.db import db
    stored = live_server.query(lambda: (lambda a: (a.status, a.irn, a.receipt_sha256, a.language,
                                                   a.organisation.code, a.trl_claimed))(
        db.session.get(Application, application_id)))
    assert stored == ("submitted", irn, sha, "kk", "inp", 5)
    assert re.fullmatch(r"[0-9a-f]{64}", sha)

    # The submission receipt also arrives as an in-app notification.
    researcher.goto("/notifications/")
    assert irn in page.locator("main").inner_text()
    no_js_errors(researcher, member, head)


# --- 2. the akimat operator -----------------------------------------------------------------------------

ALMATY_2026 = "Региональный конкурс НИОКР г. Алматы — 2026"


def test_akimat_runs_a_regional_competition(people, live_server):
    """Creates a regional competition from the template, publishes and opens it, closes it once its deadline
    has passed; closes the seeded Almaty call early (with a reason) and runs its formal check, where a
    rejection without reasons is refused next to the field."""
    operator = people("akimat")
    page = operator.page
    operator.login("akimat.almaty@demo.kz")
    check_a11y(operator, "operator dashboard")

    operator.goto("/competitions/new")
    operator.shot("templates")
    check_a11y(operator, "template picker")
    page.locator("a.btn[href$='instrument=regional']").click()
    rules = page.locator("form#rules")
    # Prefilled from the regional template.
    assert rules.locator("#max_grant_kzt").input_value() == "100000000"
    assert rules.locator("#trl_min").input_value() == "3"
    assert rules.locator("input[name=required_documents][value=regional_demand_letter]").is_checked()
    check_a11y(operator, "new competition form")
    title = f"Смарт-город Алматы {uuid.uuid4().hex[:6]}"
    rules.locator("#title_ru").fill(title)
    rules.locator("#title_kk").fill(f"Алматы ақылды қала {title[-6:]}")
    rules.locator("#description_ru").fill("Прикладные разработки для городского хозяйства Алматы.")
    rules.locator("#budget_kzt").fill("300000000")
    deadline = datetime.now(ALMATY).replace(microsecond=0) + timedelta(seconds=12)
    rules.locator("#deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M:%S"))
    operator.submit_and_wait(rules.locator("#submit"))
    match = re.search(r"/competitions/(\d+)$", page.url)
    assert match, f"{page.url}: {operator.flash_text()}"
    new_id = int(match.group(1))
    operator.shot("created-draft")

    operator.submit_and_wait(transition_button(page, "published"))
    operator.submit_and_wait(transition_button(page, "open"))
    assert page.locator(".lifecycle li.current").count() == 1
    assert "/competitions/" in page.url and page.locator(".flash-success").count() == 1, operator.flash_text()
    operator.shot("opened")
    check_a11y(operator, "open competition, operator view")

    # Meanwhile: the seeded Almaty call closes early, with a reason, and gets its formal check.
    seeded = competition_id(live_server, ALMATY_2026)
    operator.goto(f"/competitions/{seeded}")
    operator.submit_and_wait(transition_button(page, "closed"))
    assert page.locator(".flash-error").count() == 1, "closing before the deadline without a reason passed"
    page.locator("#reason").fill("Бюджет перераспределён решением маслихата.")
    operator.submit_and_wait(transition_button(page, "closed"))
    assert page.locator(".flash-success").count() == 1, operator.flash_text()
    assert "маслихата" in page.locator("main").inner_text()

    operator.goto(f"/competitions/{seeded}/manage")
    operator.shot("manage-closed")
    check_a11y(operator, "applications and statistics")
    checks = page.locator("#applications a[href$='/formal-check']")
    assert checks.count() >= 2
    first_check = checks.nth(0).get_attribute("href")
    second_check = checks.nth(1).get_attribute("href")

    operator.goto(first_check)
    check_a11y(operator, "formal check")
    form = page.locator("main form.panel")
    form.locator("input[name=decision][value=reject]").check()
    operator.submit_and_wait(form.locator("#save"))
    field_error(page, "reasons")
    operator.shot("formal-check-needs-reasons")
    check_a11y(operator, "formal check with an error")
    reasons = "Отсутствует письмо о потребности региона.\nБюджет не соответствует календарному плану."
    page.locator("#reasons").fill(reasons)
    page.locator("input[name=decision][value=reject]").check()
    operator.submit_and_wait(page.locator("main form.panel #save"))
    assert "/manage" in page.url, operator.flash_text()

    operator.goto(second_check)
    page.locator("input[name=decision][value=pass]").check()
    operator.submit_and_wait(page.locator("main form.panel #save"))
    operator.shot("formal-check-done")

    from app.competitions.models import Application
    from app.core.db import db
    rejected_id = int(re.search(r"/applications/(\d+)/", first_check).group(1))
    passed_id = int(re.search(r"/applications/(\d+)/", second_check).group(1))
    outcome = live_server.query(lambda: [(db.session.get(Application, i).status,
                                          db.session.get(Application, i).formal_reasons)
                                         for i in (rejected_id, passed_id)])
    assert outcome == [("rejected", reasons.splitlines()), ("admitted", [])]

    # Back to the new competition: after its deadline it closes without a reason.
    remaining = (deadline - datetime.now(ALMATY)).total_seconds()
    if remaining > -1:
        time.sleep(remaining + 1.5)
    operator.goto(f"/competitions/{new_id}")
    operator.submit_and_wait(transition_button(page, "closed"))
    assert page.locator(".flash-success").count() == 1, operator.flash_text()
    assert page.locator(".lifecycle li[aria-current=step]").inner_text().strip() == "Закрыт"
    operator.shot("closed-after-deadline")

    from app.competitions.models import Competition
    state = live_server.query(lambda: (lambda c: (c.status, c.region_code, c.instrument, c.closed_early_reason))(
        db.session.get(Competition, new_id)))
    assert state == ("closed", "almaty_city", "regional", None)
    no_js_errors(operator)


# --- 3. the expert ---------------------------------------------------------------------------------------

MEGA_2026 = "Мегагранты для ведущих учёных — 2026"


def _invited_assignment(server):
    """expert@demo.kz's pending invitation in the megagrant round, and another expert who accepted the
    same application but has not submitted yet."""
    from app.accounts.models import User
    from app.core.db import db
    from app.scoring.models import ExpertAssignment

    def find():
        expert = db.session.scalar(select(User).where(User.email == "expert@demo.kz"))
        mine = db.session.scalars(select(ExpertAssignment).where(
            ExpertAssignment.expert_id == expert.id, ExpertAssignment.status == "invited",
            ExpertAssignment.declared_at.is_(None)).order_by(ExpertAssignment.id)).first()
        other = db.session.scalars(select(ExpertAssignment).where(
            ExpertAssignment.application_id == mine.application_id, ExpertAssignment.status == "accepted",
            ExpertAssignment.expert_id != expert.id)).first()
        return (mine.id, mine.application_id, mine.application.title, mine.application.trl_claimed,
                other.id, other.expert.email, other.expert.name)
    return server.query(find)


def _fill_review(page, scores: list[str], comment: str, trl: int, overall: str) -> None:
    form = page.locator("form#review-form")
    for i, score in enumerate(scores):
        form.locator(f"#score_{i}").select_option(score)
        form.locator(f"#comment_{i}").fill(f"{comment} ({i + 1})")
    form.locator("#trl_verified").select_option(str(trl))
    form.locator("input[name=budget_justified][value=partly]").check()
    form.locator("#budget_comment").fill("Статья «оборудование» завышена примерно на 10 %.")
    form.locator("#overall_comment").fill(overall)


def test_expert_declares_scores_and_then_sees_the_others(people, live_server):
    """Signs in with the keyboard, declares no conflict on an invited assignment, saves a draft, submits;
    the other experts' scores appear only after the submission, anonymised."""
    assignment_id, application_id, title, trl, other_id, other_email, other_name = _invited_assignment(live_server)
    expert = people("expert")
    page = expert.page
    expert.login_with_keyboard("expert@demo.kz")
    page.locator("nav.mainnav a[href='/expert']").click()
    card = page.locator(f"#invitation-{assignment_id}")
    assert card.is_visible()
    expert.shot("desk")
    check_a11y(expert, "expert desk")

    # The teaser before the declaration: title and abstract only.
    card.get_by_role("link", name=title).click()
    assert page.locator("#application").count() == 0
    expert.shot("teaser")
    check_a11y(expert, "assignment before the declaration")
    expert.submit_and_wait(page.locator("main form[action$='/declare'] button[name=accept]"))
    assert page.locator("form#review-form").is_visible(), expert.flash_text()
    assert page.locator("#others").count() == 0
    check_a11y(expert, "review form")

    # A draft, saved and still there after a reload.
    _fill_review(page, ["4", "3.5", "4.5"], "Черновая оценка", trl,
                 "Сильная команда; рекомендую уточнить план коммерциализации.")
    wait_autosave(page)
    expert.submit_and_wait(page.locator("form#review-form button[name=save]"))
    assert page.locator(".flash-success").count() == 1, expert.flash_text()
    page.reload()
    assert page.locator("#score_0").input_value() == "4"
    assert page.locator("#score_2").input_value() == "4.5"
    assert page.locator("#overall_comment").input_value().startswith("Сильная команда")
    expert.shot("draft-saved")

    # Another expert of the same application submits first; she does not see expert@'s draft either.
    other = people("other-expert")
    other.login(other_email)
    other.goto(f"/expert/assignments/{other_id}")
    _fill_review(other.page, ["3", "3", "3.5"], "Оценка второго эксперта", trl,
                 "Проект реализуем, но риски недооценены.")
    wait_autosave(other.page)
    other.submit_and_wait(other.page.locator("form#review-form button[name=submit_review]"))
    others_box = other.page.locator("#others")
    assert others_box.is_visible()
    assert "Черновая оценка" not in other.page.locator("main").inner_text()
    other.shot("other-expert-submitted")

    # Still blind before submitting: nothing of the other review on expert@'s page.
    page.reload()
    assert page.locator("#others").count() == 0
    assert "Оценка второго эксперта" not in page.locator("main").inner_text()

    # Submit: the review locks, and the others' scores appear, anonymised.
    page.locator("#comment_1").fill("Влияние на отрасль описано убедительно (2)")
    wait_autosave(page)
    expert.submit_and_wait(page.locator("form#review-form button[name=submit_review]"))
    assert expert.dialogs, "submitting the review did not ask for confirmation"
    assert page.locator("form#review-form").count() == 0, expert.flash_text()
    others = page.locator("#others")
    assert others.is_visible()
    rows = others.locator("table tbody tr")
    assert rows.count() == 2
    text = others.inner_text()
    assert "Оценка второго эксперта" in text
    assert other_name not in page.locator("main").inner_text()
    assert other_email not in page.content()
    header_cells = [rows.nth(i).locator("th").inner_text() for i in range(2)]
    assert all(re.match(r"Эксперт \d", h) for h in header_cells), header_cells
    expert.shot("submitted-with-others")
    check_a11y(expert, "submitted review with the others' scores")

    from app.core.db import db
    from app.scoring.models import ExpertAssignment
    status = live_server.query(lambda: (lambda a: (a.status, a.review.status, a.review.scores))(
        db.session.get(ExpertAssignment, assignment_id)))
    assert status[0] == "submitted" and status[1] == "submitted"
    assert status[2] == {"excellence": 4.0, "impact": 3.5, "implementation": 4.5}
    no_js_errors(expert, other)


# --- 4. the council --------------------------------------------------------------------------------------

YOUNG_2026 = "Грантовое финансирование молодых учёных — 2026"


def test_council_decides_and_the_applicant_sees_anonymised_reviews(people, live_server):
    """The secretary opens the session, three members vote in their own browsers (the counts update live),
    the session closes with the decisions, the protocol is produced, the ministry publishes the results, and
    an applicant reads the outcome and anonymised reviews in English."""
    young = competition_id(live_server, YOUNG_2026)
    secretary = people("council-secretary")
    page = secretary.page
    secretary.login("council@demo.kz")
    page.locator(f"main a[href='/competitions/{young}/council']").click()
    assert page.url.endswith(f"/competitions/{young}/council")
    assert page.locator("input[name=attendees]").count() == 3
    assert all(box.is_checked() for box in page.locator("input[name=attendees]").all())
    check_a11y(secretary, "council session before opening")
    secretary.submit_and_wait(page.locator("main form button[name=open]"))
    assert page.locator(".flash-success").count() == 1, secretary.flash_text()
    cards = page.locator("article.sc-vote-card")
    ids = [int(card.get_attribute("id").removeprefix("app-")) for card in cards.all()]
    assert len(ids) == 8
    secretary.shot("session-open")
    check_a11y(secretary, "council session")

    def vote_all(person, choices: dict[int, str]) -> None:
        for app_id in ids:
            choice = choices.get(app_id, "for")
            person.submit_and_wait(person.page.locator(f"#app-{app_id} form.sc-vote button[value={choice}]"))
            assert person.page.locator(
                f"#app-{app_id} form.sc-vote button[value={choice}][aria-pressed=true]").count() == 1

    vote_all(secretary, {})
    member2 = people("council-member-2")
    member2.login("council2@demo.kz")
    member2.goto(f"/competitions/{young}/council")
    vote_all(member2, {ids[-1]: "against"})
    member3 = people("council-member-3")
    member3.login("council3@demo.kz")
    member3.goto(f"/competitions/{young}/council")
    vote_all(member3, {ids[-1]: "against", ids[-2]: "abstain"})
    member3.shot("member-voted")

    # The secretary's page counts the others' votes without a reload.
    page.wait_for_function(
        f"() => document.querySelector('[data-count=\"{ids[-1]}:against\"]').textContent === '2'", timeout=15_000)
    assert page.locator(f"[data-count='{ids[0]}:for']").inner_text() == "3"

    secretary.submit_and_wait(page.locator("form[action$='/close'] button"))
    assert page.url.endswith(f"/competitions/{young}/protocol"), secretary.flash_text()
    protocol_text = page.locator("article.sc-protocol").inner_text()
    assert "Серик Байжанов" in protocol_text
    secretary.shot("protocol")
    check_a11y(secretary, "protocol")
    protocol_pdf = ARTIFACTS / "council_decides_and_the_applicant_sees_anonymised_reviews" / "protocol.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(protocol_pdf))
    page.emulate_media(media="screen")
    assert protocol_pdf.read_bytes().startswith(b"%PDF-")

    from app.competitions.models import Application
    from app.core.db import db
    statuses = live_server.query(lambda: {i: db.session.get(Application, i).status for i in ids})
    assert set(statuses.values()) <= {"funded", "reserve", "not_funded"}
    assert statuses[ids[-1]] == "not_funded"  # 1 for, 2 against

    # The ministry publishes the results.
    operator = people("mnvo")
    operator.login("mnvo@demo.kz")
    operator.goto(f"/competitions/{young}")
    operator.submit_and_wait(transition_button(operator.page, "results"))
    assert operator.page.locator(".flash-success").count() == 1, operator.flash_text()
    operator.shot("results-published")

    # An applicant of the competition sees the outcome and the anonymised reviews.
    from app.scoring.models import ExpertAssignment

    def applicant_and_experts():
        application = next(db.session.get(Application, i) for i in ids
                           if db.session.get(Application, i).leader.email.startswith("leader."))
        experts = [a.expert for a in db.session.scalars(select(ExpertAssignment).where(
            ExpertAssignment.application_id == application.id))]
        return (application.id, application.leader.email, application.status,
                [e.name for e in experts], [e.email for e in experts])
    application_id, leader_email, outcome, expert_names, expert_emails = live_server.query(applicant_and_experts)
    applicant = people("applicant", locale="en-GB")
    applicant.login(leader_email)
    assert applicant.page.locator("html").get_attribute("lang") == "en"
    applicant.goto(f"/applications/{application_id}")
    labels = {"funded": "Funded", "not_funded": "Not funded", "reserve": "Reserve list"}
    assert labels[outcome] in applicant.page.locator("header.page-head").inner_text()
    applicant.shot("outcome")
    check_a11y(applicant, "application outcome")
    applicant.page.locator(f"main a[href='/applications/{application_id}/reviews']").click()
    assert applicant.page.url.endswith(f"/applications/{application_id}/reviews")
    main = applicant.page.locator("main").inner_text()
    assert re.search(r"Expert 1\b", main) and re.search(r"Expert 3\b", main), main[:500]
    assert "Проект соответствует приоритетам конкурса" in main  # the experts' comments are shown
    for name in expert_names:
        assert name not in main, f"an expert's name is shown to the applicant: {name}"
    html = applicant.page.content()
    for email in expert_emails:
        assert email not in html
    applicant.shot("anonymised-reviews")
    check_a11y(applicant, "anonymised reviews")
    applicant.goto(f"/competitions/{young}/results")
    applicant.shot("funded-projects")
    no_js_errors(secretary, member2, member3, operator, applicant)


# --- 5. the investor -------------------------------------------------------------------------------------

def test_investor_meets_a_project_and_commits(people, live_server):
    """Sees matched projects with reasons, filters them, asks for an introduction; the leader accepts with an
    NDA; the investor accepts the NDA, sees the full application, records a commitment; the Concept's
    indicators page counts it."""
    ministry = people("mnvo")
    ministry.login("mnvo@demo.kz")
    ministry.page.locator("nav.mainnav a[href='/matching/indicators']").click()
    before = digits(ministry.page.locator("ul.stats li").first.locator(".stat").inner_text())

    investor = people("investor")
    page = investor.page
    investor.login("investor@demo.kz")
    page.locator("nav.mainnav a[href='/matching/feed']").click()
    cards = page.locator("article.match-card")
    assert cards.count() > 0
    assert cards.first.locator(".reasons li").count() >= 1
    all_count = cards.count()
    investor.shot("feed")
    check_a11y(investor, "investor feed")

    # Filter: Almaty city, TRL 5 and up.
    filters = page.locator("form.feed-filters")
    filters.locator("#region").select_option("almaty_city")
    filters.locator("#trl_min").select_option("5")
    investor.submit_and_wait(filters.locator("button[type=submit]"))
    assert "region=almaty_city" in page.url and "trl_min=5" in page.url
    cards = page.locator("article.match-card")
    assert 0 < cards.count() <= all_count
    investor.shot("feed-filtered")
    check_a11y(investor, "filtered feed")

    from app.competitions.models import Application
    from app.core.db import db
    from app.matching.models import Introduction

    def pick(card_ids):
        for app_id in card_ids:
            application = db.session.get(Application, app_id)
            asked = db.session.scalar(select(Introduction.id).where(Introduction.application_id == app_id))
            if application.leader.email.startswith("leader.") and asked is None:
                assert application.region_code == "almaty_city" and application.trl >= 5
                return app_id, application.leader.email, application.title
        raise AssertionError("no project without an introduction in the filtered feed")
    card_ids = [int(c.get_attribute("id").removeprefix("p")) for c in cards.all()]
    project_id, leader_email, title = live_server.query(lambda: pick(card_ids))

    card = page.locator(f"#p{project_id}")
    card.locator("details.action-box:has(form[action*='/introduction']) summary").click()
    message = card.locator("textarea[name$='message']")
    assert message.evaluate("el => el === document.activeElement")
    message.fill("Demo Ventures: готовы обсудить посевной раунд, интересует пилот в Алматы.")
    investor.submit_and_wait(card.locator("form[action*='/introduction'] button[type=submit]"))
    assert page.url.endswith(f"/matching/projects/{project_id}"), investor.flash_text()
    assert page.locator("#wait-title").is_visible()
    assert page.locator("#team-title").count() == 0  # the summary only, so far
    investor.shot("introduction-requested")
    check_a11y(investor, "project summary, introduction requested")

    # The project's leader accepts, asking for an NDA.
    leader = people("leader")
    leader.login(leader_email)
    leader.goto("/matching/requests")
    intro_id = live_server.query(lambda: db.session.scalar(select(Introduction.id).where(
        Introduction.application_id == project_id)))
    request_card = leader.page.locator(f"#intro-{intro_id}")
    assert "посевной раунд" in request_card.inner_text()
    check_a11y(leader, "introduction requests")
    request_card.locator("textarea[name$='answer']").fill("Рады знакомству, вышлем презентацию.")
    request_card.locator("input[name$='require_nda']").check()
    leader.shot("request")
    leader.submit_and_wait(request_card.locator("input[name$='accept']"))
    assert leader.page.locator(".flash-success").count() == 1, leader.flash_text()

    # The investor accepts the NDA, then sees the full application.
    page.reload()
    assert page.locator("#nda-title").is_visible()
    investor.submit_and_wait(page.locator("form[action$='/nda'] button"))
    assert page.locator("#team-title").is_visible(), investor.flash_text()
    assert leader_email in page.locator("main").inner_text()
    assert page.locator("#trl-title").is_visible()
    investor.shot("full-application")
    check_a11y(investor, "full application after the NDA")

    # A commitment.
    amount = 150_000_000
    commit = page.locator("form.commit-form")
    commit.locator("#c-amount_kzt").fill("150 000 000")
    commit.locator("#c-note").fill("Посевной раунд, соглашение подписано.")
    investor.submit_and_wait(commit.locator("[type=submit]"))
    assert page.locator(".flash-success").count() == 1, investor.flash_text()
    investor.shot("committed")

    from app.matching.models import Commitment
    recorded = live_server.query(lambda: [(int(c.amount_kzt), c.year) for c in db.session.scalars(
        select(Commitment).where(Commitment.application_id == project_id))])
    assert recorded == [(amount, datetime.now(ALMATY).year)]

    # The Concept's indicators count it.
    ministry.page.reload()
    after = digits(ministry.page.locator("ul.stats li").first.locator(".stat").inner_text())
    assert abs(after - before - amount) <= 1, (before, after)
    ministry.shot("indicators")
    check_a11y(ministry, "indicators")
    no_js_errors(investor, leader, ministry)
