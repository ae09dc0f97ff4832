"""Reference data shipped with the application (regions, territories, priority directions, TRL scale,
instruments, the Concept's targets). The data lives in ``data.py``; these helpers pick the caller's
language and validate codes. Regions are fixed by law and keyed by the codes of shared/API.md."""
from __future__ import annotations

from functools import lru_cache

from flask_babel import get_locale


def _lang(lang: str | None = None) -> str:
    if lang:
        return lang
    try:
        return str(get_locale() or "ru")
    except Exception:  # outside a request
        return "ru"


def localized(names: dict | str | None, lang: str | None = None) -> str:
    """Pick the caller's language from a {"ru","kk","en"} dict, falling back to Russian, then any."""
    if names is None:
        return ""
    if isinstance(names, str):
        return names
    lang = _lang(lang)
    return names.get(lang) or names.get("ru") or next(iter(names.values()), "")


def _data():
    from app.reference import data
    return data


@lru_cache
def regions_by_code() -> dict[str, dict]:
    return {region["code"]: region for region in _data().REGIONS}


def region_codes() -> list[str]:
    return list(regions_by_code())


def is_region(code) -> bool:
    return isinstance(code, str) and code in regions_by_code()


def region_name(code: str | None, lang: str | None = None) -> str:
    region = regions_by_code().get(code) if isinstance(code, str) else None
    return localized(region["name"], lang) if region else (code or "")


def region_choices(lang: str | None = None) -> list[tuple[str, str]]:
    return [(code, localized(r["name"], lang)) for code, r in regions_by_code().items()]


@lru_cache
def territories_by_code() -> dict[str, dict]:
    return {t["code"]: t for t in _data().TERRITORIES}


@lru_cache
def priorities_by_id() -> dict[int, dict]:
    return {p["id"]: p for p in _data().PRIORITY_DIRECTIONS}


def priority_name(pid: int | None, lang: str | None = None) -> str:
    item = priorities_by_id().get(pid or 0)
    return localized(item["name"], lang) if item else ""


@lru_cache
def trl_levels() -> dict[int, dict]:
    return {level["level"]: level for level in _data().TRL_LEVELS}


@lru_cache
def instruments() -> dict[str, dict]:
    return {item["code"]: item for item in _data().INSTRUMENTS}
