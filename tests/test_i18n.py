"""Every user-facing string in the code and templates has a Russian, Kazakh and English translation."""
from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.config import PROJECT_ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_msgids() -> set[str]:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(PROJECT_ROOT), method_map=method_map, keywords=KEYWORDS,
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        if not message:
            continue
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(lang):
    with open(PROJECT_ROOT / "app" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def test_every_string_translated():
    msgids = _source_msgids()
    assert len(msgids) > 100
    for lang in ("ru", "kk", "en"):
        catalog = _catalog(lang)
        missing = []
        for msgid in sorted(msgids):
            message = catalog.get(msgid)
            if message is None:
                missing.append(msgid)
                continue
            strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
            if not all(strings) or message.fuzzy:
                missing.append(msgid)
        assert not missing, f"{lang}: {len(missing)} untranslated, e.g. {missing[:5]}"
