"""Demo competitions in every state and 60 applications (ru/kk/en) spread across them.

Seeded rows are written directly (the services refuse to back-date a submission, rightly); each
submitted application gets a real snapshot, ИРН and receipt computed by the same functions the
service uses, and real (tiny) PDF attachments. Idempotent: competitions are keyed by their Russian
title, applications by (competition, title).
"""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.accounts.models import Organisation, User
from app.accounts.services import NewUser, create_user
from app.competitions import applications as application_ops
from app.competitions import rules as R
from app.competitions import services
from app.competitions.models import (
    A_ADMITTED,
    A_DRAFT,
    A_FUNDED,
    A_NOT_FUNDED,
    A_REJECTED,
    A_RESERVE,
    A_SUBMITTED,
    Application,
    ApplicationMember,
    Attachment,
    Competition,
)
from app.core import time as clock
from app.core.db import db
from app.seed import DEMO_PASSWORD, load_json

DEMO_COMPETITIONS = [
    {"key": "comm2026", "instrument": "commercialisation", "status": "open", "region": None, "deadline_days": 21,
     "budget": 3_500_000_000, "trl": (4, 8),
     "title": {"ru": "Гранты на коммерциализацию РННТД — 2026", "kk": "РННТД коммерцияландыру гранттары — 2026",
               "en": "Commercialisation grants 2026"}},
    {"key": "comm2025", "instrument": "commercialisation", "status": "results", "region": None,
     "deadline_days": -200, "budget": 1_200_000_000, "trl": (4, 8),
     "title": {"ru": "Гранты на коммерциализацию РННТД — 2025", "kk": "РННТД коммерцияландыру гранттары — 2025",
               "en": "Commercialisation grants 2025"}},
    {"key": "mega2026", "instrument": "megagrant", "status": "review", "region": None, "deadline_days": -30,
     "budget": 8_000_000_000, "trl": (2, 7),
     "title": {"ru": "Мегагранты для ведущих учёных — 2026", "kk": "Жетекші ғалымдарға арналған мегагранттар — 2026",
               "en": "Megagrants for leading scientists 2026"}},
    {"key": "young2026", "instrument": "grant", "status": "council", "region": None, "deadline_days": -75,
     "budget": 500_000_000, "trl": (1, 4),
     "title": {"ru": "Грантовое финансирование молодых учёных — 2026",
               "kk": "Жас ғалымдарды гранттық қаржыландыру — 2026",
               "en": "Grant funding for young scientists 2026"}},
    {"key": "pcf2026", "instrument": "programme", "status": "closed", "region": None, "deadline_days": -3,
     "budget": 6_000_000_000, "trl": (2, 7),
     "title": {"ru": "Программно-целевое финансирование: энергетика и материалы — 2026",
               "kk": "Бағдарламалық-нысаналы қаржыландыру: энергетика және материалдар — 2026",
               "en": "Programme-targeted funding: energy and materials 2026"}},
    {"key": "almaty2026", "instrument": "regional", "status": "open", "region": "almaty_city", "deadline_days": 12,
     "budget": 600_000_000, "trl": (3, 8),
     "title": {"ru": "Региональный конкурс НИОКР г. Алматы — 2026",
               "kk": "Алматы қаласының өңірлік ҒЗТКЖ конкурсы — 2026",
               "en": "Almaty city regional R&D competition 2026"}},
    {"key": "abai2027", "instrument": "regional", "status": "published", "region": "abai", "deadline_days": 60,
     "opens_days": 7, "budget": 400_000_000, "trl": (3, 8),
     "title": {"ru": "Региональный конкурс области Абай: наукоград Курчатов — 2027",
               "kk": "Абай облысының өңірлік конкурсы: Курчатов ғылым қаласы — 2027",
               "en": "Abai region competition: Kurchatov science city 2027"}},
    {"key": "almobl2027", "instrument": "regional", "status": "draft", "region": "almaty_region",
     "deadline_days": 90, "budget": 300_000_000, "trl": (3, 8),
     "title": {"ru": "Агроинновации Алматинской области — 2027", "kk": "Алматы облысының агроинновациялары — 2027",
               "en": "Almaty region agro-innovation 2027"}},
]

# How many applications each competition receives, and the state of each (in order).
PLAN = {
    "comm2026": [A_DRAFT] * 4 + [A_SUBMITTED] * 13,
    "comm2025": [A_FUNDED] * 5 + [A_NOT_FUNDED] * 3 + [A_RESERVE] * 2 + [A_REJECTED] * 2,
    "mega2026": [A_ADMITTED] * 9 + [A_REJECTED] * 2,
    "young2026": [A_ADMITTED] * 8,
    "pcf2026": [A_SUBMITTED] * 7,
    "almaty2026": [A_DRAFT] * 2 + [A_SUBMITTED] * 3,
}

ORGANISERS = {None: "mnvo@demo.kz", "almaty_city": "akimat.almaty@demo.kz", "abai": "akimat.abai@demo.kz",
              "almaty_region": "akimat.almobl@demo.kz"}


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF whose page says ``text`` (ASCII)."""
    safe = "".join(ch for ch in text if 32 <= ord(ch) < 127).replace("(", "[").replace(")", "]")[:90]
    stream = f"BT /F1 14 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _competitions() -> dict[str, Competition]:
    now = clock.now()
    result = {}
    for spec in DEMO_COMPETITIONS:
        existing = db.session.scalars(select(Competition)).all()
        found = next((c for c in existing if c.title.get("ru") == spec["title"]["ru"]), None)
        if found:
            result[spec["key"]] = found
            continue
        organiser = _user(ORGANISERS[spec["region"]])
        defaults = services.template(spec["instrument"])
        deadline = (clock.now_local().replace(hour=18, minute=0, second=0, microsecond=0)
                    + timedelta(days=spec["deadline_days"]))
        opens = now + timedelta(days=spec.get("opens_days", -40 if spec["deadline_days"] > 0 else
                                              spec["deadline_days"] - 45))
        rules = defaults["rules"]
        rules["required_documents"] = rules["required_documents"][:3]
        competition = Competition(
            title=spec["title"], description={
                "ru": "Демонстрационный конкурс платформы наукоемких территорий.",
                "kk": "Ғылымды қажетсінетін аумақтар платформасының демонстрациялық конкурсы.",
                "en": "A demonstration call of the science-intensive territories platform."},
            instrument=spec["instrument"], status=spec["status"], region_code=spec["region"],
            created_by_id=organiser.id, opens_at=opens, deadline=deadline,
            review_deadline=deadline + timedelta(days=30), council_date=deadline + timedelta(days=50),
            budget_kzt=Decimal(spec["budget"]), max_grant_kzt=defaults["max_grant_kzt"],
            max_duration_months=defaults["max_duration_months"], trl_min=spec["trl"][0], trl_max=spec["trl"][1],
            require_accreditation=defaults["require_accreditation"],
            experts_per_application=defaults["experts_per_application"], min_foreign=defaults["min_foreign"],
            irn_prefix=defaults["irn_prefix"], rules=rules, criteria=defaults["criteria"],
            results_published_at=now - timedelta(days=20) if spec["status"] == "results" else None,
        )
        db.session.add(competition)
        db.session.flush()
        result[spec["key"]] = competition
    db.session.flush()
    return result


def _leader_for(item: dict, index: int) -> User:
    demo = {0: "researcher@demo.kz", 5: "researcher@demo.kz", 16: "researcher@demo.kz",
            40: "researcher@demo.kz", 1: "researcher2@demo.kz"}
    email = demo.get(index) or f"leader.{item['key']}@demo.kz"
    user = _user(email)
    if user is None:
        org = db.session.scalar(select(Organisation).where(Organisation.code == item.get("organisation")))
        name = (item.get("team") or [f"Leader {index}"])[0]
        user = create_user(NewUser(email=email, password=DEMO_PASSWORD, roles=["researcher"], name=name,
                                   organisation=org.name_ru if org else None))
    return user


def _fits(item: dict, competition: Competition) -> bool:
    trl = int(item.get("trl") or 4)
    if not competition.trl_min <= trl <= competition.trl_max:
        return False
    if competition.region_code and item.get("region") != competition.region_code:
        return False
    return float(item.get("requested_kzt") or 0) <= float(competition.max_grant_kzt or 10**13)


def seed_competitions(echo) -> int:
    competitions = _competitions()
    items = load_json("applications.json")
    if not items:
        return 0
    slots = {key: list(states) for key, states in PLAN.items()}
    order = ["almaty2026", "young2026", "mega2026", "pcf2026", "comm2025", "comm2026"]
    created = 0
    upload = Path(current_app.config["UPLOAD_PATH"])
    upload.mkdir(parents=True, exist_ok=True)
    for index, item in enumerate(items):
        target = next((k for k in order if slots[k] and _fits(item, competitions[k])), None)
        if target is None:
            target = next((k for k in order if slots[k]), None)
            if target is None:
                break
        state = slots[target].pop(0)
        competition = competitions[target]
        if db.session.scalar(select(Application.id).where(Application.competition_id == competition.id,
                                                         Application.title == item["title"])):
            continue
        _create_application(item, index, competition, state, upload)
        created += 1
    db.session.flush()
    return created


def _create_application(item, index, competition, state, upload):
    leader = _leader_for(item, index)
    trl = max(competition.trl_min, min(competition.trl_max, int(item.get("trl") or 4)))
    requested = min(Decimal(str(item.get("requested_kzt") or 50_000_000)),
                    Decimal(competition.max_grant_kzt or 10**12))
    category = item.get("applicant_category") or "scientist"
    share = (competition.rules.get("cofinancing") or {}).get(category, 0.1)
    cofinancing = max(Decimal(str(item.get("cofinancing_kzt") or 0)), (requested * Decimal(str(share))).quantize(1))
    duration = min(int(item.get("duration_months") or 24), competition.max_duration_months or 120)
    org = db.session.scalar(select(Organisation).where(Organisation.code == item.get("organisation")))
    evidence = {str(k): v for k, v in (item.get("trl_evidence") or {}).items()}
    for level in range(1, trl + 1):
        evidence.setdefault(str(level), "См. приложенный отчёт по уровню готовности.")
    years = max(1, (duration + 11) // 12)
    per_year = (requested / years).quantize(1)
    application = Application(
        competition=competition, leader_id=leader.id, organisation_id=org.id if org else leader.organisation_id,
        status=A_DRAFT, language=item.get("language", "ru"), title=item["title"], abstract=item["abstract"],
        translations={}, keywords=item.get("keywords", []), priority=item.get("priority"),
        territory=(org.code and _territory_of(org)) if org else None,
        region_code=competition.region_code or item.get("region"), applicant_category=category,
        requested_kzt=requested, cofinancing_kzt=cofinancing,
        cofinancing_source=item.get("cofinancing_source") or "Собственные средства и партнёр-индустриал",
        budget_by_year=[{"year": 2026 + y, "amount": float(per_year),
                         "breakdown": {"salaries": float(per_year * Decimal("0.45")),
                                       "equipment": float(per_year * Decimal("0.35")),
                                       "materials": float(per_year * Decimal("0.15")),
                                       "other": float(per_year * Decimal("0.05"))}} for y in range(years)],
        duration_months=duration, planned=item.get("planned") or {},
        ip_held=[{"number": p, "title": ""} if isinstance(p, str) else p for p in item.get("patents", [])],
        investor_visible=bool(item.get("investor_visible", True)), share_score_band=True, trl_claimed=trl,
        trl_evidence=evidence, excluded_experts=[], formal_reasons=[], formal_checklist={},
    )
    db.session.add(application)
    db.session.flush()
    for n, name in enumerate((item.get("team") or [])[1:], start=1):
        application.members.append(ApplicationMember(
            email=f"member{n}.{item['key']}@demo.kz".lower(), name=name, role="исполнитель",
            status="confirmed", invited_at=clock.now() - timedelta(days=40), answered_at=clock.now()))
    if index == 0:  # the demo researcher's draft waits for researcher2's confirmation
        application.members.append(ApplicationMember(
            email="researcher2@demo.kz", name="Тимур Абенов", role="инженер", status="invited",
            user_id=_user("researcher2@demo.kz").id, invited_at=clock.now() - timedelta(days=1)))
    if state == A_DRAFT:
        return application
    for doc_type in competition.rules.get("required_documents", []):
        data = tiny_pdf(f"{doc_type} - application {application.id}")
        stored = uuid.uuid4().hex
        (upload / stored).write_bytes(data)
        application.attachments.append(Attachment(
            doc_type=doc_type, filename=f"{doc_type}.pdf", stored_name=stored, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=leader.id,
            uploaded_at=competition.deadline - timedelta(days=5)))
    signer = db.session.scalar(select(User).where(User.email == "orghead@demo.kz"))
    application.org_signed_by_id = signer.id if signer else None
    application.org_signed_at = competition.deadline - timedelta(days=3)
    submitted_at = competition.deadline - timedelta(days=2, hours=index % 24, minutes=index * 7 % 60)
    if submitted_at > clock.now():
        submitted_at = clock.now() - timedelta(hours=index % 12 + 1)
    db.session.flush()
    frozen = application_ops.snapshot(application)
    frozen["submitted_at"] = submitted_at.isoformat()
    canonical = json.dumps(frozen, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    application.snapshot = frozen
    application.receipt_sha256 = hashlib.sha256(canonical.encode()).hexdigest()
    application.submitted_at = submitted_at
    application.irn = R.irn_for(competition.irn_prefix, clock.to_local(submitted_at).year, application.id)
    application.status = state
    if state in (A_ADMITTED, A_REJECTED, A_FUNDED, A_NOT_FUNDED, A_RESERVE):
        application.formal_passed = state != A_REJECTED
        application.formal_reasons = ([] if state != A_REJECTED else
                                      ["Отсутствует письмо о софинансировании от партнёра.",
                                       "Бюджет не соответствует календарному плану."])
        application.formal_checked_at = competition.deadline + timedelta(days=5)
        application.formal_checked_by_id = competition.created_by_id
    if state == A_FUNDED:
        application.awarded_kzt = requested
    return application


def _territory_of(org: Organisation) -> str | None:
    for item in load_json("organisations.json"):
        if item.get("code") == org.code:
            return item.get("territory")
    return None
