"""Template globals and filters: permissions, locale-aware money and dates, language switch URLs."""
from __future__ import annotations

from decimal import Decimal

from flask import request, url_for
from flask_babel import format_datetime, format_decimal, get_locale
from markupsafe import Markup

from app.core import time as clock
from app.core.labels import job_status_label, role_label
from app.core.permissions import can
from app.reference import localized, priority_name, region_name


def money(value, currency: str = "KZT") -> str:
    if value is None or value == "":
        return "—"
    text = format_decimal(Decimal(value), format="#,##0")
    return f"{text} ₸" if currency == "KZT" else f"{text} {currency}"


def breakdown(value) -> str:
    """A budget row's cost breakdown: free text as written, or {category: amount} as shares."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        from app.core.labels import COST_LABELS
        total = sum(float(v) for v in value.values() if isinstance(v, (int, float))) or 1.0
        return ", ".join(f"{COST_LABELS.get(k, k)} {float(v) / total:.0%}" for k, v in value.items()
                         if isinstance(v, (int, float)))
    return str(value)


def local_datetime(value, fmt: str = "medium") -> str:
    if value is None:
        return "—"
    return format_datetime(clock.to_local(value), fmt)


def lang_url(lang: str) -> str:
    args = dict(request.args)
    args["lang"] = lang
    endpoint = request.endpoint or "main.index"
    try:
        return url_for(endpoint, **(request.view_args or {}), **args)
    except Exception:
        return url_for("main.index", lang=lang)


_nav_providers = []


def register_nav(provider):
    """A provider returns a list of {"url", "label"} for the current user (empty when none apply)."""
    _nav_providers.append(provider)
    return provider


def nav_items() -> list[dict]:
    items = []
    for provider in _nav_providers:
        items.extend(provider() or [])
    return items


def init_jinja(app) -> None:
    app.jinja_env.globals.update(
        can=can, lang_url=lang_url, current_locale=lambda: str(get_locale() or "ru"),
        region_name=region_name, priority_name=priority_name, localized=localized,
        nav_items=nav_items, role_label=role_label, job_status_label=job_status_label,
    )
    app.jinja_env.filters.update(money=money, local_dt=local_datetime, breakdown=breakdown)
    app.jinja_env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
    app.jinja_env.globals["nl2br"] = lambda text: Markup("<br>").join((text or "").splitlines())
