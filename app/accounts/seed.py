"""Demo data of the accounts domain: the organisations and one account per role (``flask seed-demo``)."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Organisation, User
from app.accounts.services import NewUser, create_user
from app.core.db import db
from app.seed import DEMO_PASSWORD, load_json

# One account per role (the README lists them).
DEMO_ACCOUNTS = [
    {"email": "admin@demo.kz", "roles": ["admin"], "name": "Администратор платформы"},
    {"email": "mnvo@demo.kz", "roles": ["mnvo"], "name": "Айгерим Сеитова (МНВО)"},
    {"email": "akimat.almaty@demo.kz", "roles": ["akimat"], "region": "almaty_city",
     "name": "Ерлан Касымов (акимат г. Алматы)"},
    {"email": "akimat.almobl@demo.kz", "roles": ["akimat"], "region": "almaty_region",
     "name": "Динара Жумабекова (акимат Алматинской области)"},
    {"email": "akimat.abai@demo.kz", "roles": ["akimat"], "region": "abai",
     "name": "Бауыржан Омаров (акимат области Абай)"},
    {"email": "researcher@demo.kz", "roles": ["researcher"], "name": "Асель Нурланова", "org": "inp"},
    {"email": "researcher2@demo.kz", "roles": ["researcher"], "name": "Тимур Абенов", "org": "nu"},
    {"email": "orghead@demo.kz", "roles": ["org_head"], "name": "Марат Жакупов", "org": "inp"},
    {"email": "expert@demo.kz", "roles": ["expert"], "name": "Гульнара Ахметова"},
    {"email": "council@demo.kz", "roles": ["council"], "name": "Серик Байжанов (ННС)"},
    {"email": "council2@demo.kz", "roles": ["council"], "name": "Жанна Исаева (ННС)"},
    {"email": "council3@demo.kz", "roles": ["council"], "name": "Олжас Тулегенов (ННС)"},
    {"email": "investor@demo.kz", "roles": ["investor"], "name": "Demo Ventures"},
]

def seed_organisations(echo) -> int:
    created = 0
    for item in load_json("organisations.json"):
        if db.session.scalar(select(Organisation.id).where(Organisation.code == item["code"])):
            continue
        db.session.add(Organisation(
            code=item["code"], name_ru=item["name"]["ru"], name_kk=item["name"].get("kk"),
            name_en=item["name"].get("en"), short=item.get("short"), kind=item.get("kind", "research_institute"),
            region_code=item.get("region"), bin=item.get("bin"), accredited=bool(item.get("accredited")),
        ))
        created += 1
    db.session.flush()
    return created


def seed_accounts(echo) -> int:
    created = 0
    for item in DEMO_ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.email == item["email"])):
            continue
        organisation = None
        if item.get("org"):
            org = db.session.scalar(select(Organisation).where(Organisation.code == item["org"]))
            organisation = org.name_ru if org else None
        create_user(NewUser(email=item["email"], password=DEMO_PASSWORD, roles=item["roles"],
                            name=item["name"], region=item.get("region"), organisation=organisation))
        created += 1
    db.session.flush()
    return created
