"""Jobs that belong to no domain."""
from __future__ import annotations

import os
import socket

from app.core.db import db


def health_check(note: str = "", progress=None) -> dict:
    """Proves the queue path end to end: runs in a worker, talks to the database, returns who ran it."""
    if progress:
        progress(50, "checking the database")
    dialect = db.engine.dialect.name
    value = db.session.execute(db.text("SELECT 1")).scalar()
    return {"pid": os.getpid(), "host": socket.gethostname(), "database": dialect, "select": value,
            "note": note}
