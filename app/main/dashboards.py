"""What the home page and each role's dashboard show. Domains add panels through ``register_panel``."""
from __future__ import annotations

from collections.abc import Callable

_panels: list[tuple[int, Callable]] = []
_home: list[Callable] = []


def register_panel(order: int):
    """A panel provider returns a dict for a template partial, or None when it has nothing for the user."""
    def decorator(func):
        _panels.append((order, func))
        _panels.sort(key=lambda item: item[0])
        return func
    return decorator


def register_home(func):
    _home.append(func)
    return func


def panels_for(user) -> list[dict]:
    panels = []
    for _order, provider in _panels:
        panel = provider(user)
        if panel:
            panels.append(panel)
    return panels


def home_context() -> dict:
    context: dict = {}
    for provider in _home:
        context.update(provider())
    return context
