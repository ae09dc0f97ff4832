"""Accounts: creating users, authenticating them, rate limiting logins, API tokens.

Every function that changes data validates, mutates and flushes; the caller's unit of work commits.
Errors are raised as
``ValidationFailed`` with per-field messages so forms, the API and the CLI report them the same way.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import (
    AKIMAT,
    ROLES,
    SELF_REGISTER_ROLES,
    ApiToken,
    Organisation,
    PasswordResetToken,
    User,
)
from app.core import audit, throttle
from app.core import time as clock
from app.core.db import db
from app.core.errors import PermissionDenied, RateLimited, Unauthorized, ValidationFailed
from app.reference import is_region

logger = logging.getLogger(__name__)



@dataclass
class NewUser:
    email: str
    password: str
    roles: list[str]
    name: str = ""
    region: str | None = None
    organisation: str | None = None
    locale: str | None = None
    extra: dict = field(default_factory=dict)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def is_valid_email(email: str) -> bool:
    """An address's syntax and domain, by email-validator (no DNS lookup: the platform may run offline)."""
    try:
        validate_email(email or "", check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def password_problems(password: str, email: str = "") -> list[str]:
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        problems.append(_("The password must be at least %(n)d characters long.", n=minimum))
    if password and not (re.search(r"[^\W\d_]", password) and re.search(r"\d", password)):
        problems.append(_("The password must contain letters and digits."))
    if password and email and password.lower() == normalise_email(email):
        problems.append(_("The password must not be your e-mail address."))
    return problems


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def validate_new_user(data: NewUser, existing_emails: set[str] | None = None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    email = normalise_email(data.email)
    if not is_valid_email(email):
        errors.setdefault("email", []).append(_("Enter a valid e-mail address."))
    elif (existing_emails is not None and email in existing_emails) or db.session.scalar(
        select(User.id).where(User.email == email)
    ):
        errors.setdefault("email", []).append(_("A user with this e-mail already exists."))
    problems = password_problems(data.password, email)
    if problems:
        errors["password"] = problems
    if not data.roles:
        errors.setdefault("role", []).append(_("Choose a role."))
    for role in data.roles:
        if role not in ROLES:
            errors.setdefault("role", []).append(
                _("Unknown role %(role)s. Use one of: %(roles)s.", role=role, roles=", ".join(ROLES)))
    if data.region and not is_region(data.region):
        errors.setdefault("region", []).append(_("Unknown region code %(code)s.", code=data.region))
    if AKIMAT in data.roles and not data.region:
        errors.setdefault("region", []).append(_("An akimat operator must be bound to a region."))
    if len(data.name or "") > 200:
        errors.setdefault("name", []).append(_("The name is too long."))
    return errors


def find_organisation(name: str) -> Organisation | None:
    """By code, short name or a name in any language, ignoring case (also for Cyrillic, which SQLite's
    lower() does not fold, so the comparison is done here)."""
    name = (name or "").strip()
    if not name:
        return None
    exact = db.session.scalar(select(Organisation).where(
        (Organisation.name_ru == name) | (Organisation.name_en == name) | (Organisation.name_kk == name)
        | (Organisation.short == name) | (Organisation.code == name)))
    if exact is not None:
        return exact
    wanted = name.casefold()
    for organisation in db.session.scalars(select(Organisation)):
        names = (organisation.name_ru, organisation.name_en, organisation.name_kk, organisation.short)
        if any(n and n.casefold() == wanted for n in names):
            return organisation
    return None


def find_or_create_organisation(name: str) -> Organisation:
    organisation = find_organisation(name)
    if organisation is None:
        organisation = Organisation(name_ru=name.strip(), accredited=False)
        db.session.add(organisation)
        db.session.flush()
    return organisation


def _build_user(data: NewUser) -> User:
    user = User(
        email=normalise_email(data.email),
        password_hash=hash_password(data.password),
        name=(data.name or "").strip(),
        region_code=data.region or None,
        locale=data.locale,
    )
    for role in dict.fromkeys(data.roles):
        user.add_role(role)
    if data.organisation:
        user.organisation = find_or_create_organisation(data.organisation)
    return user


def create_user(data: NewUser) -> User:
    errors = validate_new_user(data)
    if errors:
        raise ValidationFailed(fields=errors)
    user = _build_user(data)
    db.session.add(user)
    db.session.flush()
    logger.info("user %s created with roles %s", user.id, user.roles)
    return user


def create_users_bulk(items: list[tuple[int, NewUser]]) -> list[User]:
    """All or nothing: the first bad item raises ``ValidationFailed`` naming its line; nothing is saved."""
    seen: set[str] = set()
    users = []
    for line, data in items:
        errors = validate_new_user(data, existing_emails=seen)
        if errors:
            raise ValidationFailed(
                _("Line %(line)d: %(errors)s", line=line,
                  errors="; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())),
                fields=errors)
        seen.add(normalise_email(data.email))
        user = _build_user(data)
        db.session.add(user)
        users.append(user)
    db.session.flush()
    logger.info("%d users imported", len(users))
    return users


def register(data: NewUser) -> User:
    """Self-registration: only researchers and investors may sign themselves up."""
    if any(role not in SELF_REGISTER_ROLES for role in data.roles):
        raise PermissionDenied(_("This role is granted by an administrator or an operator."))
    return create_user(data)


# --- authentication and rate limiting -----------------------------------------------------------------

# Checked when the e-mail is unknown, so that an unknown address takes as long as a wrong password.
_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASH[method]


def _too_many(seconds: int) -> RateLimited:
    return RateLimited(_("Too many failed attempts. Try again in %(minutes)d minutes.",
                         minutes=max(1, -(-seconds // 60))), retry_after=seconds)


def authenticate(email: str, password: str, address: str = "unknown") -> User:
    """Return the user for valid credentials; raise ``Unauthorized`` or ``RateLimited``.

    Failures are counted per (address, account) and per account, never per address alone, so one person
    behind a shared address cannot lock out everyone else there. Past the per-account limit only addresses
    with no recent failure for that account may still try: a guesser is stopped, the owner is not.
    """
    email = normalise_email(email)
    account = throttle.key(email)
    pair = (account, address[:64])
    if throttle.exceeded("LOGIN_RATE_LIMIT", *pair):
        raise _too_many(throttle.retry_after("LOGIN_RATE_LIMIT", *pair))
    if throttle.exceeded("LOGIN_ACCOUNT_RATE_LIMIT", account) and throttle.used("LOGIN_RATE_LIMIT", *pair):
        raise _too_many(throttle.retry_after("LOGIN_ACCOUNT_RATE_LIMIT", account))
    user = db.session.scalar(select(User).where(User.email == email))
    valid = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    if user is None or not user.active or not valid:
        throttle.hit("LOGIN_RATE_LIMIT", *pair)
        throttle.hit("LOGIN_ACCOUNT_RATE_LIMIT", account)
        raise Unauthorized(_("Invalid e-mail or password."))
    throttle.clear("LOGIN_RATE_LIMIT", *pair)
    user.last_login_at = clock.now()
    db.session.flush()
    return user


def load_session_user(session_id: str) -> User | None:
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


# --- API tokens ------------------------------------------------------------------------------------------

def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, token_hash=_token_digest(token),
        expires_at=clock.now() + current_app.config["API_TOKEN_TTL"],
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now():
        return None
    user = row.user
    if not user.active:
        return None
    return user


def revoke_token(token: str) -> bool:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = clock.now()
    db.session.flush()
    return True


# --- password reset --------------------------------------------------------------------------------------

RESET_TTL_MINUTES = 60


def public_url(path: str) -> str:
    """A link for an e-mail: from the configured ``PUBLIC_URL``, never from the request's Host header (which
    whoever sends the request chooses)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def request_password_reset(email: str) -> None:
    """Send a single-use link valid for an hour. Answers the same whether or not the address exists."""
    from app import jobs
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        return
    if not throttle.hit("RESET_ACCOUNT_RATE_LIMIT", throttle.key(user.email)):
        logger.info("password reset for user %s not sent: too many requests", user.id)
        return
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=_token_digest(token),
                                      expires_at=clock.now() + timedelta(minutes=RESET_TTL_MINUTES)))
    jobs.submit("app.notifications.tasks.deliver", "generic", {
        "user_id": user.id, "subject": _("Password reset"),
        "body": _("To set a new password open %(url)s within an hour. If you did not ask for it, ignore this "
                  "message.", url=public_url(f"/account/reset/{token}")),
        "link": None}, queue="mail", title="password reset")
    db.session.flush()


def reset_password(token: str, password: str) -> User:
    row = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        raise ValidationFailed(_("This link is invalid or has expired. Ask for a new one."),
                               fields={"token": [_("This link is invalid or has expired. Ask for a new one.")]})
    user = db.session.get(User, row.user_id)
    problems = password_problems(password, user.email)
    if problems:
        raise ValidationFailed(fields={"password": problems})
    user.password_hash = hash_password(password)
    end_sessions(user, "password reset", tokens=True)  # every session, remembered browser and API token
    row.used_at = clock.now()
    db.session.flush()
    return user


def end_sessions(user: User, why: str = "signed out", tokens: bool = False) -> None:
    """End the user's browser sessions and "remember me" cookies (their id carries the session version), so a
    copied cookie stops working at once; with ``tokens`` (a password reset) the API tokens too."""
    user.session_version += 1
    if tokens:
        db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                           .values(revoked_at=clock.now()))
    audit.record(user, "account.sessions_ended", user, after={"why": why, "api_tokens": tokens})
