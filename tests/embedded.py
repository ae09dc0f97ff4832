"""The embedded default as `make run` starts it: a SQLite file and jobs on a worker thread of the process."""
from __future__ import annotations

from app import create_app
from app.config import TestingConfig
from app.core.db import db


def embedded_app(folder, routes: dict | None = None):
    """An app on ``folder/embedded.sqlite3`` with the schema created; ``routes`` adds test views
    ``{"/path": (view, ["POST"])}`` before the first request."""
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'embedded.sqlite3'}"
    config.JOBS_MODE = "thread"
    config.INSTANCE_PATH = folder
    config.UPLOAD_PATH = folder / "uploads"
    app = create_app(config)
    for path, (view, methods) in (routes or {}).items():
        app.add_url_rule(path, view.__name__, view, methods=methods)
    with app.app_context():
        db.create_all()
    return app


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
