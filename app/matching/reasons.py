"""Why a project and an investor match, in words: the reason objects of the engine rendered in ru/kk/en.

The engine (``ranking.py``) explains every match with objects ``{"code", "params"}`` (see
:data:`~app.matching.ranking.REASON_CODES`); this module turns them into short sentences:

* the sentences are gettext messages of the platform's catalogues (``app/translations``), rendered with
  ``flask_babel.force_locale`` in the requested language inside an app context (a request, the CLI,
  a job); outside any app context (the engine used as a library) the same compiled catalogues are read
  with Babel directly;
* amounts are Babel's compact currency format of the language (``120 млн ₸``, ``KZT1.5B``);
* regions are named by the reference data (``app.reference``), as everywhere else on the platform.

An unknown language falls back to English, an unknown code to the code itself.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.numbers import format_compact_currency
from babel.support import Translations
from flask import has_app_context
from flask_babel import force_locale
from flask_babel import gettext as flask_gettext

from app.reference import region_name

LANGUAGES = ("en", "ru", "kk")
#: Babel locales for amounts: the Kazakhstan variants write the tenge as ₸
_MONEY_LOCALES = {"en": "en", "ru": "ru_KZ", "kk": "kk_KZ"}
_TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"

Gettext = Callable[..., str]


@lru_cache(maxsize=None)
def _catalogue(lang: str) -> Translations:
    return Translations.load(str(_TRANSLATIONS), [lang])


@contextmanager
def speaking(lang: str) -> Iterator[Gettext]:
    """A ``gettext(msgid, **params)`` in ``lang`` (see the module docstring)."""
    if has_app_context():
        with force_locale(lang):
            yield flask_gettext
        return
    catalogue = _catalogue(lang)

    def gettext(msgid: str, **params: Any) -> str:
        text = catalogue.gettext(msgid)
        return text % params if params else text

    yield gettext


def money(value: float, lang: str) -> str:
    """An amount in tenge, compact (``120 млн ₸``), in the language's format."""
    return format_compact_currency(float(value), "KZT", locale=_MONEY_LOCALES.get(lang, "en"),
                                   fraction_digits=1)


def _range(_: Gettext, low: Any, high: Any, fmt: Callable[[Any], str]) -> str:
    if low is not None and high is not None:
        return f"{fmt(low)}–{fmt(high)}"
    if low is not None:
        return _("from %(low)s", low=fmt(low))
    return _("up to %(high)s", high=fmt(high))


def _sentence(_: Gettext, lang: str, code: str, params: dict[str, Any]) -> str:
    if code == "trl_in_range":
        span = _range(_, params.get("trl_min"), params.get("trl_max"), str)
        return _("TRL %(trl)s is within the investor's range (%(range)s)", trl=params.get("trl"), range=span)
    if code == "ticket_fits":
        span = _range(_, params.get("ticket_min_kzt"), params.get("ticket_max_kzt"), lambda v: money(v, lang))
        return _("The ask of %(ask)s fits the ticket (%(range)s)", ask=money(params["ask_kzt"], lang), range=span)
    if code == "region_match":
        return _("Invests in the project's region: %(region)s",
                 region=region_name(str(params.get("region")), lang))
    if code == "shared_terms":
        return _("Shared themes: %(terms)s", terms=", ".join(params.get("terms") or []))
    if code == "similar_investment":
        return _("Close to a past investment: “%(text)s”", text=params.get("text", ""))
    if code == "thesis_match":
        return _("Matches the investment thesis: “%(text)s”", text=params.get("text", ""))
    if code == "feedback_similar":
        return _("Similar to projects marked as interesting")
    return code


def reasons_text(reasons: Iterable[Mapping[str, Any] | str], lang: str = "en") -> list[str]:
    """Short human sentences for reason objects ``{"code", "params"}`` in ``lang`` (ru, kk or en);
    strings pass through."""
    lang = lang if lang in LANGUAGES else "en"
    with speaking(lang) as _:
        return [r if isinstance(r, str) else _sentence(_, lang, str(r.get("code")), dict(r.get("params") or {}))
                for r in reasons]


def reason_text(reason: Mapping[str, Any], lang: str = "en") -> str:
    """A short human sentence for one reason object in ``lang``."""
    return reasons_text([reason], lang)[0]


def render_matches(results: list[dict[str, Any]], lang: str = "en") -> list[dict[str, Any]]:
    """The engine's ``rank_investors``/``rank_projects`` results with every reason as text in ``lang``
    (in place; returned for convenience)."""
    for result in results:
        for match in result.get("matches", [result]):
            if "reasons" in match:
                match["reasons"] = reasons_text(match["reasons"], lang)
    return results
