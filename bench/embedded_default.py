"""The embedded default as `make run` serves it (SQLite file, jobs on a worker thread, no Redis), measured where
people wait: a bare page as the baseline, a new investor's profile save, "run the assignment" (the request, then
the job to its end, twice: the second run reads the vector cache) and a draft's autosave.

    .venv/bin/python bench/embedded_default.py [--keep DIR]

Builds a fresh instance in a temporary folder (migrate, seed the demo: about a minute), serves it with
`flask run` on a free port, and prints the figures with their ratio to the bare page measured in the same run.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
PASSWORD = "Demo2026pass"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timed(func):
    started = time.perf_counter()
    result = func()
    return result, time.perf_counter() - started


def _login(base: str, email: str) -> requests.Session:
    session = requests.Session()
    token = _csrf(session.get(base + "/account/login").text)
    session.post(base + "/account/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return session


def _wait_job(session, base, job_id, limit=600.0):
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        status = session.get(f"{base}/jobs/{job_id}/status").json()
        if status["status"] in ("done", "failed"):
            return status, time.perf_counter() - started
        time.sleep(0.1)
    raise RuntimeError("the job did not finish")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", help="use (and keep) this instance folder")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="embedded-bench-"))
    env = {**os.environ, "INSTANCE_PATH": str(folder), "APP_ENV": "development"}
    env.pop("DATABASE_URL", None), env.pop("REDIS_URL", None)
    env.setdefault("MATCHING_MODEL_DIR", str(ROOT / "instance" / "models" / "multilingual-e5-small"))
    if not (folder / "nauka.sqlite3").exists():
        subprocess.run(FLASK + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        _done, seconds = _timed(lambda: subprocess.run(FLASK + ["seed-demo"], cwd=ROOT, env=env, check=True,
                                                      capture_output=True))
        print(f"seed-demo: {seconds:.1f} s")
    port = _port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(FLASK + ["run", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        time.sleep(15)  # the worker thread loads the model with the first request; let it
        bare = statistics.median(_timed(lambda: requests.get(base + "/healthz"))[1] for _ in range(20))
        rows = [("bare page (/healthz), median of 20", bare)]

        investor = requests.Session()
        token = _csrf(investor.get(base + "/account/register").text)
        email = f"bench{int(time.time())}@example.kz"
        investor.post(base + "/account/register", data={
            "csrf_token": token, "email": email, "name": "Bench Fund", "organisation": "", "role": "investor",
            "password": "Very-long-pass-1", "password2": "Very-long-pass-1"})
        token = _csrf(investor.get(base + "/matching/profile").text)
        response, seconds = _timed(lambda: investor.post(base + "/matching/profile", allow_redirects=False, data={
            "csrf_token": token, "name": "Bench Fund", "type": "venture_fund", "thesis_kk": "",
            "thesis_ru": "Ядерная медицина, радиофармпрепараты, изотопы", "thesis_en": "",
            "sectors": "медицина", "ticket_min_kzt": "1 000 000", "ticket_max_kzt": "500 000 000"}))
        assert response.status_code == 302, response.status_code
        rows.append(("a new investor's profile save (embedding off the request)", seconds))

        operator = _login(base, "mnvo@demo.kz")
        api_token = requests.post(base + "/api/v1/tokens", json={"email": "mnvo@demo.kz",
                                                                  "password": PASSWORD}).json()["token"]
        competition = requests.get(base + "/api/v1/competitions?status=review",
                                   headers={"Authorization": f"Bearer {api_token}"}).json()["items"][0]["id"]
        for run in ("first", "second"):
            token = _csrf(operator.get(f"{base}/competitions/{competition}/review").text)
            response, seconds = _timed(lambda: operator.post(f"{base}/competitions/{competition}/review/assign",
                                                             data={"csrf_token": token}, allow_redirects=False))
            job_id = re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1)
            rows.append((f"run the assignment, {run} run: the request", seconds))
            status, waited = _wait_job(operator, base, job_id)
            assert status["status"] == "done", status
            rows.append((f"run the assignment, {run} run: the job to its end", seconds + waited))

        leader = _login(base, "researcher@demo.kz")
        page = leader.get(base + "/applications")
        draft = next((m for m in re.findall(r'/applications/(\d+)/edit', page.text)), None)
        if draft:
            form = leader.get(f"{base}/applications/{draft}/edit").text
            fields = dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form))
            fields["abstract"] = "Autosaved by the benchmark."
            response, seconds = _timed(lambda: leader.post(f"{base}/applications/{draft}/autosave", data=fields))
            rows.append((f"a draft's autosave (HTTP {response.status_code})", seconds))
    finally:
        server.terminate()
        server.wait(timeout=10)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"{'where people wait':<62} {'seconds':>9} {'× bare':>9}")
    for label, seconds in rows:
        print(f"{label:<62} {seconds:9.3f} {seconds / bare:9.1f}")


if __name__ == "__main__":
    main()
