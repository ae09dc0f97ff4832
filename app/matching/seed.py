"""Demo investors and funds (modelled on public facts, not real deals), a few introductions and commitments,
and the vectors of the whole pool so the first feed opens at once."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import NewUser, create_user
from app.competitions.models import A_FUNDED, Application
from app.core import time as clock
from app.core.db import db
from app.matching.models import Commitment, Introduction, InvestorProfile
from app.seed import DEMO_PASSWORD, load_json


def seed_investors(echo) -> int:
    created = 0
    for n, item in enumerate(load_json("investors.json")):
        email = "investor@demo.kz" if n == 0 else item["email"].lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(NewUser(email=email, password=DEMO_PASSWORD, roles=["investor"], name=item["name"]))
        if db.session.scalar(select(InvestorProfile.id).where(InvestorProfile.user_id == user.id)):
            continue
        if n == 0:
            user.name = item["name"]
        db.session.add(InvestorProfile(
            user_id=user.id, name=item["name"], type=item.get("type", "venture_fund"), thesis=item.get("thesis", {}),
            sectors=item.get("sectors", []), priorities=item.get("priorities", []), trl_min=item.get("trl_min"),
            trl_max=item.get("trl_max"), ticket_min_kzt=item.get("ticket_min_kzt"),
            ticket_max_kzt=item.get("ticket_max_kzt"), regions=item.get("regions", []),
            territories=item.get("territories", []), stage=item.get("stage"), portfolio=item.get("portfolio", []),
            requires_nda=n % 4 == 1))
        created += 1
    db.session.flush()
    return created


def seed_deals(echo) -> int:
    if db.session.scalar(select(Introduction.id)):
        return 0
    investors = db.session.scalars(select(InvestorProfile).order_by(InvestorProfile.id)).all()
    winners = db.session.scalars(select(Application).where(Application.status == A_FUNDED,
                                                           Application.investor_visible.is_(True))
                                 .order_by(Application.id)).all()
    if not investors or not winners:
        return 0
    created = 0
    now = clock.now()
    for n, application in enumerate(winners[:4]):
        profile = investors[(n * 3 + 1) % len(investors)]
        intro = Introduction(investor_id=profile.user_id, application_id=application.id, status="accepted",
                             message="Готовы обсудить участие в следующем раунде.", answer="Будем рады встрече.",
                             answered_at=now - timedelta(days=40 - n))
        db.session.add(intro)
        db.session.flush()
        amount = (Decimal(application.requested_kzt) * Decimal("0.6")).quantize(Decimal(1))
        db.session.add(Commitment(introduction_id=intro.id, investor_id=profile.user_id,
                                  application_id=application.id, amount_kzt=amount,
                                  year=2026 if n < 3 else 2025, territory=application.territory,
                                  note="Соглашение о софинансировании подписано."))
        created += 1
    demo_project = db.session.scalar(select(Application).join(User, Application.leader_id == User.id).where(
        User.email == "researcher@demo.kz", Application.investor_visible.is_(True),
        Application.status != "draft"))
    demo_investor = db.session.scalar(select(User).where(User.email == "investor@demo.kz"))
    if demo_project is not None and demo_investor is not None:
        db.session.add(Introduction(investor_id=demo_investor.id, application_id=demo_project.id,
                                    message="Интересует ваш проект: можем ли мы получить презентацию?"))
        created += 1
    db.session.flush()
    return created


def seed_embeddings(echo) -> int:
    from app.matching.services import embed_all
    try:
        result = embed_all()
    except Exception as exc:  # the model may be missing on a half-installed machine: the jobs will retry
        echo(f"  embeddings skipped: {exc}")
        return 0
    return result["projects"] + result["theses"] + result["portfolio_items"]
