"""Speed of the main pages and API lists for each role on a large PostgreSQL database: 10 000 applications,
30 000 reviews, 1 000 experts, 300 investors. Reports p50/p95 latency and the number of SQL queries per
request (which must not grow with the page size).

    .venv/bin/python bench/pages_speed.py [--applications 10000] [--repeat 20]

Creates and drops its own database on 127.0.0.1:5432; runs the app in-process (no network).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def psql(sql):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-q", "-c", sql], check=True)


def seed(app, n_apps, n_experts, n_investors, reviews_per_app):
    """Bulk rows through SQLAlchemy Core: realistic shapes, fast to create."""
    from sqlalchemy import insert
    from app.accounts.models import User, UserRole
    from app.competitions.models import Application, Competition
    from app.core import time as clock
    from app.core.db import db
    from app.matching.models import InvestorProfile
    from app.scoring.models import ExpertAssignment, ExpertProfile, Review
    rnd = random.Random(7)
    now = clock.now()
    words = ("isotope nuclear medicine wheat drought cyber network hydrogen catalyst battery lithium copper "
             "satellite imaging water purification vaccine genome robot HPC materials steel oil refinery").split()
    with app.app_context():
        conn = db.session.connection()
        users = []
        roles = []
        uid = 0

        def add_user(role, email):
            nonlocal uid
            uid += 1
            users.append({"id": uid, "email": email, "password_hash": "x", "name": email.split("@")[0],
                          "active": True, "session_version": 1, "created_at": now, "updated_at": now,
                          "region_code": "almaty_city" if role == "akimat" else None})
            roles.append({"user_id": uid, "role": role})
            return uid
        operator = add_user("mnvo", "mnvo@bench.kz")
        council = [add_user("council", f"council{i}@bench.kz") for i in range(9)]
        leaders = [add_user("researcher", f"leader{i}@bench.kz") for i in range(n_apps // 4)]
        experts = [add_user("expert", f"expert{i}@bench.kz") for i in range(n_experts)]
        investors = [add_user("investor", f"investor{i}@bench.kz") for i in range(n_investors)]
        conn.execute(insert(User), users)
        conn.execute(insert(UserRole), roles)
        competitions = []
        for n in range(10):
            competitions.append({
                "id": n + 1, "title": {"ru": f"Конкурс {n}", "en": f"Call {n}"}, "description": {},
                "instrument": "commercialisation", "status": "review" if n < 5 else "council",
                "created_by_id": operator, "deadline": now - timedelta(days=10), "budget_kzt": Decimal(10**10),
                "max_grant_kzt": Decimal(350_000_000), "trl_min": 1, "trl_max": 9, "require_accreditation": False,
                "experts_per_application": 3, "min_foreign": 0, "irn_prefix": "DP",
                "rules": {"total_threshold": 10, "tie_break": ["excellence", "impact", "submitted_at"],
                          "cofinancing": {"scientist": 0.1}, "required_documents": []},
                "criteria": [{"key": k, "name": {"ru": k}, "weight": 1, "min": 0, "max": 5, "step": 0.5,
                              "threshold": 3} for k in ("excellence", "impact", "implementation")],
                "created_at": now, "updated_at": now})
        conn.execute(insert(Competition), competitions)
        apps = []
        for i in range(n_apps):
            text = " ".join(rnd.choice(words) for _ in range(60))
            apps.append({"id": i + 1, "competition_id": 1 + i % 10, "leader_id": leaders[i % len(leaders)],
                         "status": "admitted", "version": 1, "language": "en", "title": f"Project {i} {text[:40]}",
                         "abstract": text, "translations": {}, "keywords": text.split()[:4], "priority": 1 + i % 7,
                         "region_code": "almaty_city", "applicant_category": "scientist",
                         "requested_kzt": Decimal(rnd.randint(20, 300) * 10**6), "budget_by_year": [],
                         "cofinancing_kzt": Decimal(10**7), "cofinancing_source": "", "duration_months": 24,
                         "planned": {"patents": 1}, "ip_held": [], "investor_visible": True, "share_score_band": True,
                         "trl_claimed": 3 + i % 6, "trl_evidence": {}, "excluded_experts": [],
                         "irn": f"DP26{i + 1:06d}", "submitted_at": now - timedelta(days=12, minutes=i),
                         "receipt_sha256": "0" * 64, "formal_reasons": [], "formal_checklist": {},
                         "formal_passed": True, "created_at": now, "updated_at": now})
        for start in range(0, len(apps), 2000):
            conn.execute(insert(Application), apps[start:start + 2000])
        conn.execute(insert(ExpertProfile), [
            {"user_id": e, "organisation": "Org", "country": "KZ", "foreign": k % 3 == 0, "languages": ["en"],
             "keywords": [], "priorities": [], "texts": ["text"], "max_load": 40, "created_at": now,
             "updated_at": now} for k, e in enumerate(experts)])
        assignments, reviews = [], []
        aid = 0
        for a in apps:
            for k in range(reviews_per_app):
                aid += 1
                expert = experts[(a["id"] * 7 + k * 131) % len(experts)]
                assignments.append({"id": aid, "competition_id": a["competition_id"], "application_id": a["id"],
                                    "expert_id": expert, "status": "submitted", "source": "auto",
                                    "affinity": 1.0, "shared_terms": [], "due_at": now, "declared_at": now,
                                    "created_at": now, "updated_at": now})
                scores = {c: rnd.choice([2.5, 3, 3.5, 4, 4.5, 5]) for c in ("excellence", "impact", "implementation")}
                reviews.append({"assignment_id": aid, "status": "submitted", "scores": scores,
                                "comments": {c: "ok" for c in scores}, "overall_comment": "ok", "trl_verified": 4,
                                "trl_comment": "", "budget_justified": "yes", "budget_comment": "",
                                "submitted_at": now, "version": 1, "created_at": now, "updated_at": now})
        for start in range(0, len(assignments), 5000):
            conn.execute(insert(ExpertAssignment), assignments[start:start + 5000])
            conn.execute(insert(Review), reviews[start:start + 5000])
        conn.execute(insert(InvestorProfile), [
            {"user_id": inv, "name": f"Fund {k}", "type": "venture_fund",
             "thesis": {"en": " ".join(rnd.choice(words) for _ in range(25))}, "sectors": [], "priorities": [],
             "trl_min": 4, "trl_max": 9, "regions": [], "territories": [],
             "portfolio": [" ".join(rnd.choice(words) for _ in range(15)) for _ in range(3)],
             "requires_nda": False, "created_at": now, "updated_at": now} for k, inv in enumerate(investors)])
        for table in ("users", "user_roles", "competitions", "applications", "expert_profiles", "expert_assignments",
                      "reviews", "investor_profiles"):
            db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))"))
        db.session.commit()
        return {"operator": operator, "leader": leaders[0], "expert": experts[0], "council": council[0],
                "investor": investors[0]}


def measure(app, who, repeat):
    from sqlalchemy import event
    from app.accounts.models import User
    from app.core.db import db
    scenarios = {
        "anonymous": [("GET", "/"), ("GET", "/competitions"), ("GET", "/competitions/1")],
        "researcher": [("GET", "/dashboard"), ("GET", "/applications"), ("GET", "/api/v1/competitions")],
        "mnvo": [("GET", "/competitions/1/manage"), ("GET", "/api/v1/competitions/1/applications?per_page=100"),
                 ("GET", "/api/v1/competitions/1/applications?per_page=10"),
                 ("GET", "/competitions/1/ranking"), ("GET", "/api/v1/competitions/1/ranking")],
        "expert": [("GET", "/expert"), ("GET", "/api/v1/expert/assignments?per_page=100")],
        "council": [("GET", "/competitions/6/council")],
        "investor": [("GET", "/matching/feed"), ("GET", "/api/v1/investors/me/matches?top=20")],
    }
    role_user = {"researcher": who["leader"], "mnvo": who["operator"], "expert": who["expert"],
                 "council": who["council"], "investor": who["investor"]}
    counter = {"n": 0}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: counter.__setitem__("n", counter["n"] + 1))
    rows = []
    for role, requests in scenarios.items():
        session_id = token = None
        with app.app_context():
            user = db.session.get(User, role_user[role]) if role in role_user else None
            if user is not None:
                from app.accounts.services import issue_token
                token = issue_token(user)[0]
                session_id = user.get_id()
        client = app.test_client()
        if session_id:
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = session_id, True
        for method, url in requests:
            headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") and token else {}
            client.open(url, method=method, headers=headers)  # warm-up (model load, caches)
            times, queries, status = [], [], None
            for _ in range(repeat):
                counter["n"] = 0
                started = time.perf_counter()
                response = client.open(url, method=method, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                queries.append(counter["n"])
                status = response.status_code
            times.sort()
            rows.append({"role": role, "request": f"{method} {url}", "status": status,
                         "p50_ms": round(statistics.median(times), 1),
                         "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
                         "queries": max(queries)})
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--experts", type=int, default=1_000)
    parser.add_argument("--investors", type=int, default=300)
    parser.add_argument("--reviews-per-application", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    name = f"nauka_pages_{os.getpid()}"
    psql(f"CREATE DATABASE {name}")
    os.environ.update(DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{name}", MATCHING_MODEL="hashing",
                      INSTANCE_PATH=tempfile.mkdtemp(), REDIS_URL="")
    try:
        from flask_migrate import upgrade
        from app import create_app
        app = create_app()
        app.config.update(WTF_CSRF_ENABLED=False)
        with app.app_context():
            upgrade()
        started = time.perf_counter()
        who = seed(app, args.applications, args.experts, args.investors, args.reviews_per_application)
        print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
        rows = measure(app, who, args.repeat)
        print(json.dumps(rows, indent=1))
        print("\n| role | request | status | p50 ms | p95 ms | SQL queries |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['role']} | `{r['request']}` | {r['status']} | {r['p50_ms']} | {r['p95_ms']} | {r['queries']} |")
    finally:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
