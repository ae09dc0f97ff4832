"""Demo experts and review rounds: a round in review (mixed progress), one at the council with every review
in, and a finished round with the council's decisions. Written directly with back-dated times."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import NewUser, create_user
from app.competitions.models import (A_ADMITTED, A_FUNDED, A_NOT_FUNDED, A_RESERVE, Application, Competition)
from app.core import time as clock
from app.core.db import db
from app.scoring.models import (ACCEPTED, INVITED, SUBMITTED, CouncilSession, Decision, ExpertAssignment,
                                ExpertProfile, Review, Vote)
from app.scoring.experts.services import profile_for
from app.seed import DEMO_PASSWORD, load_json

COMMENTS = {
    "excellence": ("Новизна подтверждена сравнением с мировым уровнем; методология обоснована.",
                   "Научный задел есть, но сравнение с аналогами неполное."),
    "impact": ("Рынок и потребители описаны конкретно, есть письма поддержки.",
               "Коммерческий потенциал описан общими словами."),
    "implementation": ("План реализуем, риски и бюджет проработаны.",
                       "Календарный план слишком оптимистичен, часть затрат не обоснована."),
}


def _pseudo(seed: str, lo: float, hi: float, step: float = 0.5) -> float:
    value = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    raw = lo + value * (hi - lo)
    return round(raw / step) * step


def seed_experts(echo) -> int:
    created = 0
    items = load_json("experts.json")
    for item in items:
        user = db.session.scalar(select(User).where(User.email == item["email"].lower()))
        if user is None:
            user = create_user(NewUser(email=item["email"], password=DEMO_PASSWORD, roles=["expert"],
                                       name=item["name"]))
            created += 1
        profile = profile_for(user)
        if not profile.texts:
            profile.organisation = item.get("organisation", "")
            profile.country = item.get("country", "Kazakhstan")
            profile.foreign = bool(item.get("foreign"))
            profile.languages = item.get("languages", [])
            profile.keywords = item.get("keywords", [])
            profile.priorities = item.get("priorities", [])
            profile.texts = item.get("texts", [])
    demo = db.session.scalar(select(User).where(User.email == "expert@demo.kz"))
    if demo is not None and items:
        profile = profile_for(demo)
        if not profile.texts:
            source = items[0]
            profile.organisation = "Казахский национальный университет имени аль-Фараби"
            profile.languages = ["ru", "kk", "en"]
            profile.keywords = source.get("keywords", [])
            profile.priorities = source.get("priorities", [])
            parts = source["name"].split()
            short = parts[0] + " " + "".join(f"{p[0]}." for p in parts[1:])  # "Сейткали А.Б."
            profile.texts = [t.replace(source["name"], demo.name).replace(short, "Ахметова Г.С.")
                             for t in source.get("texts", [])]
    db.session.flush()
    from app.scoring.experts.services import embed_later
    embed_later()  # the experts' texts go into the vector cache: the first assignment only reads it
    return created


def _competition(key_title: str) -> Competition | None:
    for c in db.session.scalars(select(Competition)):
        if c.title.get("ru", "").startswith(key_title):
            return c
    return None


def _experts() -> list[ExpertProfile]:
    profiles = db.session.scalars(select(ExpertProfile).order_by(ExpertProfile.id)).all()
    return [p for p in profiles if p.texts]


def _add_review(assignment: ExpertAssignment, application: Application, quality: float, submitted: bool,
                when) -> Review:
    competition = application.competition
    scores, comments = {}, {}
    for c in competition.criteria:
        score = max(c["min"], min(c["max"], _pseudo(f"{assignment.expert_id}-{application.id}-{c['key']}",
                                                    quality - 1.0, quality + 1.0, c["step"])))
        scores[c["key"]] = score
        good, weak = COMMENTS.get(c["key"], ("Хорошо.", "Есть замечания."))
        comments[c["key"]] = good if score >= 3.5 else weak
    trl = application.trl_claimed or 4
    verified = trl if _pseudo(f"trl{assignment.id}", 0, 1, 0.01) > 0.3 else max(1, trl - 1)
    review = Review(assignment=assignment, status="submitted" if submitted else "draft", scores=scores,
                    comments=comments, overall_comment="Проект соответствует приоритетам конкурса; рекомендации "
                    "по уточнению бюджета приведены в комментариях." if submitted else "",
                    trl_verified=verified, trl_comment="" if verified == trl else
                    "Испытания проведены только в лабораторных условиях.",
                    budget_justified="yes" if quality >= 3.5 else "partly", budget_comment="",
                    submitted_at=when if submitted else None)
    db.session.add(review)
    return review


def _round(competition: Competition, mode: str) -> int:
    if competition is None or db.session.scalar(select(ExpertAssignment.id).where(
            ExpertAssignment.competition_id == competition.id)):
        return 0
    experts = _experts()
    if len(experts) < 3:
        return 0
    statuses = (A_ADMITTED, A_FUNDED, A_NOT_FUNDED, A_RESERVE)
    applications = db.session.scalars(select(Application).where(
        Application.competition_id == competition.id, Application.status.in_(statuses))
        .order_by(Application.id)).all()
    demo = db.session.scalar(select(User).where(User.email == "expert@demo.kz"))
    quality_by_status = {A_FUNDED: 4.3, A_RESERVE: 3.6, A_NOT_FUNDED: 2.6}
    created = 0
    due = competition.review_deadline or clock.now() + timedelta(days=14)
    for n, application in enumerate(applications):
        chosen = [experts[(n * 3 + k) % len(experts)] for k in range(3)]
        if mode == "review" and demo is not None and n < 3:
            chosen[0] = profile_for(demo)
        quality = quality_by_status.get(application.status, _pseudo(f"q{application.id}", 2.8, 4.4))
        for k, profile in enumerate(chosen):
            if mode == "review":
                state = [SUBMITTED, ACCEPTED, INVITED][(n + k) % 3]
                if profile.user.email == "expert@demo.kz":
                    state = INVITED if n == 0 else (ACCEPTED if n == 1 else SUBMITTED)
            else:
                state = SUBMITTED
            invited = competition.deadline + timedelta(days=6)
            assignment = ExpertAssignment(
                competition_id=competition.id, application_id=application.id, expert_id=profile.user_id,
                status=state, source="auto", affinity=round(_pseudo(f"a{application.id}{k}", 0.4, 2.4, 0.01), 2),
                shared_terms=(application.keywords or [])[:3], invited_at=invited,
                responded_at=invited + timedelta(days=1) if state != INVITED else None,
                declared_at=invited + timedelta(days=1) if state != INVITED else None, due_at=due)
            db.session.add(assignment)
            db.session.flush()
            if state == SUBMITTED:
                _add_review(assignment, application, quality, True, invited + timedelta(days=8 + k))
            elif state == ACCEPTED and k % 2 == 0:
                _add_review(assignment, application, quality, False, None)
            created += 1
        db.session.flush()
        submitted = [r.trl_verified for r in db.session.scalars(select(Review).join(ExpertAssignment).where(
            ExpertAssignment.application_id == application.id, Review.status == "submitted"))]
        if submitted:
            application.trl_verified = sorted(submitted)[len(submitted) // 2]
    if mode == "results":
        _decisions(competition, applications)
    db.session.flush()
    return created


def _decisions(competition: Competition, applications: list[Application]) -> None:
    council = [u for u in db.session.scalars(select(User)) if "council" in u.roles]
    if not council:
        return
    opened = competition.council_date or clock.now() - timedelta(days=30)
    session = CouncilSession(competition_id=competition.id, secretary_id=council[0].id,
                             members=[u.id for u in council], attendees=[u.id for u in council],
                             opened_at=opened, closed_at=opened + timedelta(hours=3),
                             notes="Заседание транслировалось онлайн.")
    db.session.add(session)
    db.session.flush()
    for application in applications:
        funded = application.status == A_FUNDED
        supported = application.status in (A_FUNDED, A_RESERVE)
        choices = ["for"] * len(council) if supported else ["against"] * (len(council) - 1) + ["abstain"]
        for member, choice in zip(council, choices):
            db.session.add(Vote(session_id=session.id, application_id=application.id, member_id=member.id,
                                choice=choice, at=opened + timedelta(hours=1)))
        db.session.add(Decision(session_id=session.id, application_id=application.id, funded=funded,
                                amount_kzt=application.requested_kzt if funded else None,
                                votes_for=choices.count("for"), votes_against=choices.count("against"),
                                votes_abstain=choices.count("abstain"), decided_at=opened + timedelta(hours=2)))


def seed_reviews(echo) -> int:
    created = _round(_competition("Мегагранты"), "review")
    created += _round(_competition("Грантовое финансирование молодых"), "council")
    created += _round(_competition("Гранты на коммерциализацию РННТД — 2025"), "results")
    return created
