"""Configuration classes. Secrets and service addresses come only from the environment; nothing here
does I/O beyond reading ``os.environ`` when a class is instantiated by the factory."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-insecure-change-me"


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'nauka.sqlite3'}"
    # Heroku-style URLs and the bare "postgresql://" scheme both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in ("1", "true", "yes", "on")


class Config:
    APP_ENV = "development"

    def __init__(self):
        self.INSTANCE_PATH = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))
        self.SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = _database_url(self.INSTANCE_PATH)
        self.REDIS_URL = os.environ.get("REDIS_URL", "").strip() or None
        self.MATCHING_MODEL = os.environ.get("MATCHING_MODEL", self.MATCHING_MODEL)
        # Flask-Mailman: SMTP when MAIL_SERVER is set, otherwise the file backend writes each e-mail to
        # OUTBOX_PATH (the factory fills MAIL_BACKEND and MAIL_FILE_PATH when they are left unset).
        self.MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or None
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_USE_SSL = _flag("MAIL_USE_SSL", False)
        self.MAIL_USE_TLS = _flag("MAIL_USE_TLS", not self.MAIL_USE_SSL)  # STARTTLS unless implicit TLS
        self.MAIL_DEFAULT_SENDER = (os.environ.get("MAIL_DEFAULT_SENDER") or os.environ.get("MAIL_FROM")
                                    or "noreply@nauka.kz")
        # Flask-Limiter: counters in Redis when it is configured (shared by every worker), else in memory.
        self.RATELIMIT_STORAGE_URI = (os.environ.get("RATELIMIT_STORAGE_URI", "").strip() or self.REDIS_URL
                                      or "memory://")
        self.UPLOAD_PATH = Path(os.environ.get("UPLOAD_PATH", self.INSTANCE_PATH / "uploads"))
        self.OUTBOX_PATH = Path(os.environ.get("OUTBOX_PATH", self.INSTANCE_PATH / "outbox"))
        self.CLI_LOCALE = os.environ.get("CLI_LOCALE", "en")
        # where people reach the platform: links in e-mails are built from it, never from a request's Host
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").strip()
        self.JOB_HEARTBEAT_TIMEOUT = int(os.environ.get("JOB_HEARTBEAT_TIMEOUT", self.JOB_HEARTBEAT_TIMEOUT))

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "Asia/Almaty"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "app" / "translations")
    LANGUAGES = ("ru", "kk", "en")
    TIMEZONE = "Asia/Almaty"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
    API_TOKEN_TTL = timedelta(days=30)
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = 10
    MATCHING_MODEL = "e5"
    MATCHING_TRL_MIN = 4
    JOBS_INLINE = None  # None: inline exactly when REDIS_URL is unset
    JOB_TIMEOUT = 1800
    JOB_HEARTBEAT_TIMEOUT = 120  # a running job silent this long is taken as dead and re-queued
    MAIL_TIMEOUT = 20
    RATELIMIT_KEY_PREFIX = "nauka"
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a 429
    RATELIMIT_SWALLOW_ERRORS = True  # a storage outage lets requests through (logged) rather than failing them
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Failed sign-ins per (address, account): that pair is refused for the rest of the window; other
    # accounts behind the same address (a university or ministry NAT) are not affected.
    LOGIN_RATE_LIMIT = "10 per 5 minutes"
    # Failed sign-ins per account from all addresses: past it the account is "under attack" and only
    # addresses with no recent failure for it may still try, so an attacker cannot lock its owner out.
    LOGIN_ACCOUNT_RATE_LIMIT = "30 per 15 minutes"
    RESET_RATE_LIMIT = "10 per hour"  # password-reset requests per address
    RESET_ACCOUNT_RATE_LIMIT = "3 per hour"  # reset e-mails per account (more are silently not sent)
    SEED_DEMO_ALLOWED = True


class DevelopmentConfig(Config):
    APP_ENV = "development"


class TestingConfig(Config):
    APP_ENV = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    MATCHING_MODEL = "hashing"

    def __init__(self):
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URI", "sqlite://")
        self.REDIS_URL = None
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.MAIL_BACKEND = "locmem"  # captured in app.extensions["mailman"].outbox
        self.MATCHING_MODEL = "hashing"
        self.SERVER_NAME = None


class ProductionConfig(Config):
    APP_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    SEED_DEMO_ALLOWED = False
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env():
    return CONFIGS.get(os.environ.get("APP_ENV", "development"), DevelopmentConfig)
