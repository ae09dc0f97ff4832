"""Migrations: one head, and ``upgrade`` on an empty database yields exactly the models' schema."""
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from app import create_app
from app.config import PROJECT_ROOT, TestingConfig
from app.core.db import db


def test_single_head():
    config = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def _diff_after_upgrade(url):
    class Cfg(TestingConfig):
        def __init__(self):
            super().__init__()
            self.SQLALCHEMY_DATABASE_URI = url
    app = create_app(Cfg)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)


def test_upgrade_matches_models_sqlite(tmp_path):
    diff = _diff_after_upgrade(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    assert diff == [], diff


def test_audit_log_append_only_in_database(tmp_path):
    class Cfg(TestingConfig):
        def __init__(self):
            super().__init__()
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    app = create_app(Cfg)
    with app.app_context():
        upgrade()
        import pytest
        from sqlalchemy import text
        from sqlalchemy.exc import DatabaseError
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO audit_log (at, action, object_type) VALUES "
                                    "('2026-01-01 00:00:00', 'x', 'y')"))
        with pytest.raises(DatabaseError), db.engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET action = 'z'"))
        with pytest.raises(DatabaseError), db.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log"))
