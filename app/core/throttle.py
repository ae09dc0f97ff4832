"""Counting events against limits that services check themselves (failed sign-ins, reset e-mails).

Flask-Limiter's decorators limit requests; some limits count only *outcomes* (a wrong password, an e-mail
actually sent) and are decided inside a service, where a decorator cannot see them. These helpers use the
same Flask-Limiter storage and strategy (Redis when configured, memory otherwise), so one reset clears both.
Limits are named by a config key holding a limit string such as ``"10 per 5 minutes"``. A storage outage
counts nothing and refuses nothing (logged), like ``RATELIMIT_SWALLOW_ERRORS`` does for the decorators.
"""
from __future__ import annotations

import hashlib
import logging
import time

from flask import current_app
from limits import RateLimitItem, parse

from app.extensions import limiter

logger = logging.getLogger(__name__)


def key(value: str) -> str:
    """A short, fixed-length storage key part for a user-supplied value (an e-mail address)."""
    return hashlib.sha256((value or "").encode("utf-8")).hexdigest()[:32]


def _item(config_key: str) -> RateLimitItem:
    return parse(current_app.config[config_key])


def _unavailable(config_key: str, exc: Exception) -> None:
    logger.warning("rate-limit storage unavailable for %s, not counted: %s", config_key, exc)


def _enabled() -> bool:
    return bool(limiter.enabled and current_app.config.get("RATELIMIT_ENABLED", True))


def hit(config_key: str, *identifiers: str) -> bool:
    """Count one event; False when this one went over the limit."""
    if not _enabled():
        return True
    try:
        return limiter.limiter.hit(_item(config_key), config_key, *identifiers)
    except Exception as exc:  # noqa: BLE001  (storage down: let the request through)
        _unavailable(config_key, exc)
        return True


def exceeded(config_key: str, *identifiers: str) -> bool:
    """True when the limit is used up (the next event would go over it)."""
    if not _enabled():
        return False
    try:
        return not limiter.limiter.test(_item(config_key), config_key, *identifiers)
    except Exception as exc:  # noqa: BLE001
        _unavailable(config_key, exc)
        return False


def used(config_key: str, *identifiers: str) -> int:
    """How many events were counted in the current window."""
    if not _enabled():
        return 0
    try:
        item = _item(config_key)
        return item.amount - limiter.limiter.get_window_stats(item, config_key, *identifiers).remaining
    except Exception as exc:  # noqa: BLE001
        _unavailable(config_key, exc)
        return 0


def retry_after(config_key: str, *identifiers: str) -> int:
    """Seconds until the window that holds these events ends (at least one)."""
    try:
        stats = limiter.limiter.get_window_stats(_item(config_key), config_key, *identifiers)
        return max(1, int(stats.reset_time - time.time()))
    except Exception:  # noqa: BLE001
        return 60


def clear(config_key: str, *identifiers: str) -> None:
    if not _enabled():
        return
    try:
        limiter.limiter.clear(_item(config_key), config_key, *identifiers)
    except Exception as exc:  # noqa: BLE001
        _unavailable(config_key, exc)
