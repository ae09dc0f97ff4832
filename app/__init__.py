"""Application factory: configuration, extensions, blueprints, errors, CLI, Jinja, logging."""
from __future__ import annotations

import os

from flask import Flask

from app.core.uow import BoundaryFlask
from app.config import DEFAULT_SECRET_KEY, PROJECT_ROOT, config_from_env


def create_app(config=None) -> Flask:
    """Build the app. ``config`` is a config class, an instance, an import string or a mapping."""
    app = BoundaryFlask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    _load_config(app, config)
    _check_production(app)
    from app.core.routing import BoundedIntConverter
    app.url_map.converters["int"] = BoundedIntConverter

    from app.core.logging import configure_logging
    configure_logging(app)

    from app.extensions import babel, csrf, limiter, login_manager, mail, migrate
    from app.core.db import db
    from app.core.i18n import select_locale, select_timezone

    db.init_app(app)
    from app.core.db import init_engine_events
    init_engine_events(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    _configure_mail(app)
    mail.init_app(app)
    limiter.init_app(app)

    from app import models  # noqa: F401  (register every model with SQLAlchemy)

    from app.core.errors import register_error_handlers
    register_error_handlers(app)
    _init_domains(app)

    from app.core.jinja import init_jinja
    init_jinja(app)

    @app.before_request
    def fresh_request_state():
        """Per-request caches start empty even when an outer app context (tests, CLI) is reused."""
        from flask import g
        from flask_babel import refresh
        g.pop("_login_user", None)
        refresh()

    from app.core.security import init_security
    init_security(app)
    return app


def _load_config(app: Flask, config) -> None:
    if config is None:
        config = config_from_env()
    if isinstance(config, str):
        from werkzeug.utils import import_string
        config = import_string(config)
    if isinstance(config, type):
        config = config()
    if isinstance(config, dict):
        base = config_from_env()()
        app.config.from_object(base)
        app.config.update(config)
    else:
        app.config.from_object(config)
    app.instance_path = str(app.config.get("INSTANCE_PATH") or app.instance_path)
    os.makedirs(app.instance_path, exist_ok=True)


def _configure_mail(app: Flask) -> None:
    """SMTP when a server is configured; otherwise the file backend keeps every e-mail in the outbox folder
    (tests keep them in memory: ``app.extensions["mailman"].outbox``)."""
    if not app.config.get("MAIL_BACKEND"):
        fallback = "locmem" if app.testing else "file"
        app.config["MAIL_BACKEND"] = "smtp" if app.config.get("MAIL_SERVER") else fallback
    if not app.config.get("MAIL_FILE_PATH"):
        app.config["MAIL_FILE_PATH"] = str(app.config["OUTBOX_PATH"])


def _check_production(app: Flask) -> None:
    if app.config.get("APP_ENV") == "production":
        key = app.config.get("SECRET_KEY") or ""
        if not str(app.config.get("PUBLIC_URL", "")).startswith("https://"):
            raise RuntimeError("APP_ENV=production needs PUBLIC_URL, the https:// address people use (links in "
                               "e-mails are built from it).")
        if key == DEFAULT_SECRET_KEY or len(key) < 32 or len(set(key)) < 12:  # 40 × "a" is no secret
            raise RuntimeError(
                "APP_ENV=production needs SECRET_KEY set in the environment to a random value of at "
                "least 32 characters (python -c 'import secrets; print(secrets.token_hex(32))')."
            )


# Each domain registers itself (blueprints, CLI group, permission rules, signal handlers, dashboard panels and
# menu items) with its ``init_app(app)``, in this order: the order of the menu items, and of the blueprints.
DOMAINS = (
    "app.main",
    "app.accounts",
    "app.jobs",
    "app.notifications",
    "app.api",
    "app.competitions",
    "app.matching",
    "app.scoring",
    "app.seed",
)


def _init_domains(app: Flask) -> None:
    from importlib import import_module
    for name in DOMAINS:
        import_module(name).init_app(app)
