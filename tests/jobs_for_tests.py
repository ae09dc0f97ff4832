"""Jobs used by the fault tests (imported by dotted path in worker processes)."""
import time

from app.core.db import db


def slow_count(seconds: float = 3.0, progress=None) -> dict:
    started = time.time()
    while time.time() - started < seconds:
        time.sleep(0.2)
    return {"rows": db.session.execute(db.text("SELECT 1")).scalar(), "slept": seconds}
