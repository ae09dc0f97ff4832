"""Deadline day on the production setup of this machine: gunicorn (several workers), PostgreSQL, Redis, an
rq worker. 500 applicants with complete drafts submit in the last seconds before the deadline while others
keep editing drafts; 50 more try just after it. Then the invariants are checked in the database and the
figures printed; the same load on a bare Flask endpoint doing one insert gives this machine's ceiling.

    .venv/bin/python bench/deadline_day.py [--submitters 500] [--late 50] [--editors 50] [--workers 4]

Loopback only, bounded in count and time. Needs PostgreSQL on 127.0.0.1:5432 (trust) and Redis on 6379;
it creates and drops its own database.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = "postgresql://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/9"


def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-q", "-c", sql], check=True)


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


class Client:
    """One keep-alive connection per thread."""

    local = threading.local()

    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, token=None):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
        except (ConnectionError, http.client.HTTPException, OSError):
            self.local.conn = None
            return 599, {}, time.perf_counter() - started
        elapsed = time.perf_counter() - started
        try:
            payload = json.loads(data or b"{}")
        except ValueError:
            payload = {}
        return status, payload, elapsed


def wait_for(port, path="/healthz", seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server on {port} did not start")


def setup(env, n_submitters, n_late, n_editors, deadline_in):
    """Migrate, then create the competition, the applicants, their drafts and their tokens in-process."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    os.environ.update(env)
    from app import create_app
    from app.accounts.models import User
    from app.accounts.services import issue_token
    from app.competitions import applications as application_ops
    from app.competitions import services
    from app.core import time as clock
    from app.core.db import db
    app = create_app()
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"  # seeding speed only; the server uses scrypt
    with app.app_context():
        operator = User(email="op@bench.kz", password_hash="x", name="Operator")
        operator.add_role("mnvo")
        db.session.add(operator)
        db.session.commit()
        competition = services.create_competition(operator, {
            "title": "Deadline day", "instrument": "grant", "budget_kzt": 10**11,
            "deadline": (clock.now() + timedelta(seconds=deadline_in)).isoformat(), "required_documents": [],
            "require_accreditation": False, "require_org_signature": False, "trl_min": 1, "trl_max": 9})
        services.transition(operator, competition.id, "published")
        services.transition(operator, competition.id, "open")
        people = []
        total = n_submitters + n_late + n_editors
        users = []
        for i in range(total):
            user = User(email=f"applicant{i}@bench.kz", password_hash="x", name=f"Applicant {i}")
            user.add_role("researcher")
            users.append(user)
        db.session.add_all(users)
        db.session.commit()
        for i, user in enumerate(users):
            application = application_ops.create_application(user, competition.id, {
                "title": f"Project {i}", "abstract": "A complete draft. " * 20, "keywords": ["bench"],
                "priority": 1 + i % 7, "trl_claimed": 3, "trl_evidence": {"1": "e", "2": "e", "3": "e"},
                "requested_kzt": 10_000_000, "cofinancing_kzt": 1_000_000, "duration_months": 24})
            token, _row = issue_token(user)
            people.append((token, application.id))
        deadline = competition.deadline
    return people, deadline


def run_deadline_day(port, people, deadline, n_submitters, n_late, n_editors):
    client = Client(port)
    submitters = people[:n_submitters]
    late = people[n_submitters:n_submitters + n_late]
    editors = people[n_submitters + n_late:]
    results = {"submit": [], "late": [], "edit": []}
    lock = threading.Lock()
    stop_editing = threading.Event()

    def submit(person, kind):
        token, application_id = person
        status, payload, elapsed = client.request("POST", f"/api/v1/applications/{application_id}/submit",
                                                  token=token)
        with lock:
            results[kind].append((application_id, status, payload, elapsed))

    def edit(person):
        token, application_id = person
        n = 0
        while not stop_editing.is_set() and n < 200:
            status, _payload, elapsed = client.request("PATCH", f"/api/v1/applications/{application_id}",
                                                       body={"abstract": f"Edit {n}. " * 30}, token=token)
            with lock:
                results["edit"].append((application_id, status, {}, elapsed))
            n += 1
            time.sleep(0.2)

    from app.core import time as clock
    wait = (deadline - clock.now()).total_seconds() - 25
    if wait > 0:
        time.sleep(wait)
    editor_pool = ThreadPoolExecutor(max_workers=max(1, n_editors))
    for person in editors:
        editor_pool.submit(edit, person)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(lambda p: submit(p, "submit"), submitters))
    submit_wall = time.perf_counter() - started
    remaining = (deadline - clock.now()).total_seconds()
    if remaining > 0:
        time.sleep(remaining + 0.5)
    stop_editing.set()
    editor_pool.shutdown(wait=True)
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda p: submit(p, "late"), late))
    return results, submit_wall


def check_invariants(env, results):
    os.environ.update(env)
    from sqlalchemy import select
    from app import create_app
    from app.competitions.models import Application
    from app.core.db import db
    problems = []
    with create_app().app_context():
        rows = {a.id: a for a in db.session.scalars(select(Application))}
        irns = [a.irn for a in rows.values() if a.irn]
        if len(irns) != len(set(irns)):
            problems.append("duplicate ИРН")
        for application_id, status, payload, _ in results["submit"] + results["late"]:
            row = rows[application_id]
            if status == 200:
                if row.status != "submitted" or row.irn != payload.get("irn") or \
                        row.receipt_sha256 != payload.get("receipt_sha256"):
                    problems.append(f"accepted {application_id} not stored as answered")
            elif row.status == "submitted":
                problems.append(f"refused {application_id} is submitted in the database")
        for application_id, status, payload, _ in results["late"]:
            if status != 409 or (payload.get("error") or {}).get("code") != "deadline_passed":
                problems.append(f"late {application_id} answered {status}")
    return problems


def figures(name, samples, wall):
    latencies = [s[3] * 1000 for s in samples]
    statuses = {}
    for s in samples:
        statuses[s[1]] = statuses.get(s[1], 0) + 1
    return {"name": name, "requests": len(samples), "wall_s": round(wall, 2),
            "throughput_rps": round(len(samples) / wall, 1) if wall else None,
            "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            "5xx": sum(v for k, v in statuses.items() if k >= 500), "statuses": statuses}


BARE_APP = '''
import os
import secrets
from flask import Flask
from sqlalchemy import create_engine, text
app = Flask(__name__)
engine = create_engine(os.environ["BARE_DB"], pool_size=4)
with engine.begin() as c:
    c.execute(text("CREATE TABLE IF NOT EXISTS bare (id serial primary key, at timestamptz default now())"))
@app.post("/insert")
def insert():
    with engine.begin() as c:
        c.execute(text("INSERT INTO bare DEFAULT VALUES"))
    return {"ok": True}
@app.get("/healthz")
def health():
    return {"status": "ok"}
'''


def run_bare(workers, n, db_url):
    folder = Path(tempfile.mkdtemp())
    (folder / "bare.py").write_text(BARE_APP)
    env = dict(os.environ, BARE_DB=db_url.replace("postgresql://", "postgresql+psycopg://"))
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", "2",
                               "--bind", "127.0.0.1:5099", "bare:app"], cwd=folder, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(5099)
        client = Client(5099)
        samples = []
        lock = threading.Lock()

        def hit(_):
            status, payload, elapsed = client.request("POST", "/insert")
            with lock:
                samples.append((0, status, payload, elapsed))
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=64) as pool:
            list(pool.map(hit, range(n)))
        return figures("bare Flask, one INSERT", samples, time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(timeout=20)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submitters", type=int, default=500)
    parser.add_argument("--late", type=int, default=50)
    parser.add_argument("--editors", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--deadline-in", type=int, default=150, help="seconds from now to the deadline")
    args = parser.parse_args()
    name = f"nauka_bench_{os.getpid()}"
    psql(f"CREATE DATABASE {name}")
    db_url = f"{PG}/{name}"
    env = dict(os.environ, APP_ENV="production", SECRET_KEY=secrets.token_hex(32),
               PUBLIC_URL="https://bench.example.kz", DATABASE_URL=db_url,
               REDIS_URL=REDIS, MATCHING_MODEL="hashing", OMP_NUM_THREADS="1",
               INSTANCE_PATH=tempfile.mkdtemp())
    server = worker = None
    try:
        print("setting up…", flush=True)
        people, deadline = setup(env, args.submitters, args.late, args.editors, args.deadline_in)
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--threads",
                                   "2", "--bind", "127.0.0.1:5098", "wsgi:app"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(5098)
        print("waiting for the last minute before the deadline…", flush=True)
        results, wall = run_deadline_day(5098, people, deadline, args.submitters, args.late, args.editors)
        problems = check_invariants(env, results)
        report = [figures("submit before the deadline", results["submit"], wall),
                  figures("draft edits meanwhile", results["edit"], max(wall, 1)),
                  figures("submit after the deadline", results["late"], 1)]
        report.append(run_bare(args.workers, args.submitters, db_url))
        print(json.dumps({"problems": problems, "figures": report}, indent=2, ensure_ascii=False))
        print("\n| scenario | requests | throughput, req/s | p50 ms | p95 ms | p99 ms | 5xx |")
        print("|---|---|---|---|---|---|---|")
        for f in report:
            print(f"| {f['name']} | {f['requests']} | {f['throughput_rps']} | {f['p50_ms']} | {f['p95_ms']} | "
                  f"{f['p99_ms']} | {f['5xx']} |")
        print(f"\ninvariants: {'all hold' if not problems else problems[:10]}")
        sys.exit(1 if problems else 0)
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
