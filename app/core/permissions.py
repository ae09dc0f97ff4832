"""Authorization in one place: named rules, registered by each domain, asked by services and templates.

A rule is ``rule(user, obj) -> bool``. Services call ``authorize(user, "competition.manage", obj)``;
views and templates only ever ask ``can(...)`` for display. Objects a user may not see raise
``NotFound`` (``hide=True``), so a forbidden object is indistinguishable from a missing one.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.core.errors import NotFound, PermissionDenied, Unauthorized

Rule = Callable[[Any, Any], bool]
_rules: dict[str, Rule] = {}


def rule(name: str):
    def decorator(func: Rule) -> Rule:
        if name in _rules and _rules[name] is not func:
            raise RuntimeError(f"permission rule {name!r} registered twice")
        _rules[name] = func
        return func
    return decorator


def role_rule(name: str, *roles: str) -> Rule:
    """Register a rule that only asks for one of ``roles`` (desks, menus, role-wide lists)."""
    def check(user, _obj=None) -> bool:
        return user.has_role(*roles)
    check.__name__ = check.__qualname__ = f"has_role_for_{name.replace('.', '_')}"
    return rule(name)(check)


def is_authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can(user, action: str, obj: Any = None) -> bool:
    try:
        check = _rules[action]
    except KeyError:
        raise KeyError(f"unknown permission {action!r}") from None
    if not is_authenticated(user) or not getattr(user, "active", True):
        return False
    return bool(check(user, obj))


def authorize(user, action: str, obj: Any = None, hide: bool = False) -> None:
    """Raise unless ``user`` may perform ``action`` on ``obj``."""
    if not is_authenticated(user):
        raise Unauthorized()
    if not can(user, action, obj):
        if hide:
            raise NotFound()
        raise PermissionDenied()


def registered_rules() -> list[str]:
    return sorted(_rules)
