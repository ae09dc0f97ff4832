"""Jobs used by the fault tests (imported by dotted path in worker processes)."""
import time

from app.core.db import db


def slow_count(seconds: float = 3.0, progress=None) -> dict:
    started = time.time()
    while time.time() - started < seconds:
        time.sleep(0.2)
    return {"rows": db.session.execute(db.text("SELECT 1")).scalar(), "slept": seconds}


def write_then_report(marker: str, steps: int = 4, pause: float = 0.3, progress=None) -> dict:
    """Writes through the job's unit of work, then reports progress while it still holds SQLite's write
    lock: the report must neither wait on the job itself nor fail it."""
    from app.core import audit
    audit.record(None, "test.job_write", None, after={"marker": marker})
    db.session.flush()
    for step in range(steps):
        if progress:
            progress(100 * step / steps, f"step {step}")
        time.sleep(pause)
    return {"marker": marker}
