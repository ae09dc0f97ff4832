"""Automatic detection of conflicts of interest between experts and applications (pure code).

Detected before any assignment (issue 4, "Conflicts of interest"):

* ``same_organisation``: the expert's organisation is the application's organisation or the organisation
  of a team member. Names are compared after normalisation: case, ``ё``, quotes (``"«»“”„'``),
  punctuation, legal forms (ТОО, АО, НАО, РГП на ПХВ, LLP, JSC, …) and common abbreviations (ИЯФ,
  КазНУ, ЕНУ, НУ, НЯЦ, …; an acronym also matches the full name it abbreviates).
* ``team_member``: the expert is on the application's team.
* ``coauthor``: a team member appears among the authors of the expert's publications: in the optional
  ``coauthors`` list of the expert, or as an author-like mention in the expert's texts ("Иванов И.О.",
  "И. О. Иванов", "Ivanov I.", "Ivan Ivanov"). Russian and Kazakh names are transliterated, so
  "Сәрсенбаев А." matches "Sarsenbayev A.".
* ``excluded_by_applicant``: the applicant asked for this expert (an expert id or a name) not to review;
  at most ``MAX_EXCLUSIONS`` entries per application.

Each reason is a ``Conflict(code, params)``. ``detect_conflicts(expert, application)`` explains one pair;
``detect_all(experts, applications)`` finds every conflicting pair through indexes (no n×m name scan).
Experts and applications are dicts (the JSON Lines records of shared/API.md) or objects with the same
attribute names.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from app.text import field as record_field
from app.text.language import to_latin

MAX_EXCLUSIONS = 3

SAME_ORGANISATION = "same_organisation"
TEAM_MEMBER = "team_member"
COAUTHOR = "coauthor"
EXCLUDED_BY_APPLICANT = "excluded_by_applicant"


@dataclass(frozen=True)
class Conflict:
    """One reason why an expert may not review an application: a stable code and its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}

    def describe(self) -> str:
        p = self.params
        if self.code == SAME_ORGANISATION:
            who = f"team member {p['member']}" if p.get("member") else "the applicant"
            return f"same organisation as {who}: {p.get('organisation', '')}"
        if self.code == TEAM_MEMBER:
            return f"the expert is on the team ({p.get('member', '')})"
        if self.code == COAUTHOR:
            return f"co-author of team member {p.get('member', '')} ({p.get('evidence', '')})"
        if self.code == EXCLUDED_BY_APPLICANT:
            return f"excluded by the applicant ({p.get('entry', '')})"
        return self.code


# --------------------------------------------------------------------------------------------------
# organisations

_QUOTES = "\"'«»“”„‟‘’‚‛`´"
_LEGAL_PHRASES = [
    "республиканское государственное предприятие на праве хозяйственного ведения",
    "республиканское государственное казенное предприятие",
    "государственное коммунальное предприятие на праве хозяйственного ведения",
    "некоммерческое акционерное общество",
    "акционерное общество",
    "товарищество с ограниченной ответственностью",
    "частное учреждение",
    "государственное учреждение",
    "общество с ограниченной ответственностью",
    "limited liability partnership",
    "limited liability company",
    "joint stock company",
    "non profit joint stock company",
    "на пхв",
]
_LEGAL_RE = re.compile("(?:^| )(?:" + "|".join(re.escape(p) for p in _LEGAL_PHRASES) + ")(?= |$)")
_LEGAL_TOKENS = {
    "тоо",
    "ао",
    "нао",
    "ргп",
    "пхв",
    "ргкп",
    "гкп",
    "гу",
    "чу",
    "ооо",
    "оао",
    "зао",
    "ип",
    "ко",
    "кгп",
    "жшс",
    "ақ",
    "кеақ",
    "мкқ",
    "llp",
    "llc",
    "jsc",
    "njsc",
    "ltd",
    "inc",
    "plc",
    "gmbh",
    "corp",
    "co",
}
_TRAILING = re.compile(
    r"( республики казахстан| рк| of the republic of kazakhstan| of kazakhstan"
    r"| мэ| мнво| мон| мз| мсх| мвд| мо)$"
)
_STOP = {"и", "имени", "им", "of", "the", "and", "for", "named", "after", "атындағы", "по", "в", "на", "de"}

#: common abbreviations and alternative names → one canonical form (compared after normalisation)
_ALIASES = {
    "казну": "казахский национальный университет аль фараби",
    "казну им аль фараби": "казахский национальный университет аль фараби",
    "казахский национальный университет имени аль фараби": "казахский национальный университет аль фараби",
    "al farabi kazakh national university": "казахский национальный университет аль фараби",
    "kaznu": "казахский национальный университет аль фараби",
    "әл фараби атындағы қазақ ұлттық университеті": "казахский национальный университет аль фараби",
    "ену": "евразийский национальный университет гумилева",
    "ену им л н гумилева": "евразийский национальный университет гумилева",
    "евразийский национальный университет имени л н гумилева": (
        "евразийский национальный университет гумилева"
    ),
    "l n gumilyov eurasian national university": "евразийский национальный университет гумилева",
    "enu": "евразийский национальный университет гумилева",
    "ну": "назарбаев университет",
    "nu": "назарбаев университет",
    "nazarbayev university": "назарбаев университет",
    "назарбаев университеті": "назарбаев университет",
    "ияф": "институт ядерной физики",
    "inp": "институт ядерной физики",
    "institute of nuclear physics": "институт ядерной физики",
    "ядролық физика институты": "институт ядерной физики",
    "няц": "национальный ядерный центр",
    "няц рк": "национальный ядерный центр",
    "national nuclear center": "национальный ядерный центр",
    "national nuclear center of the republic of kazakhstan": "национальный ядерный центр",
    "национальный ядерный центр республики казахстан": "национальный ядерный центр",
    "кбту": "казахстанско британский технический университет",
    "kbtu": "казахстанско британский технический университет",
    "kazakh british technical university": "казахстанско британский технический университет",
    "satbayev university": "казахский национальный исследовательский технический университет сатпаева",
    "казнту": "казахский национальный исследовательский технический университет сатпаева",
    "казниту": "казахский национальный исследовательский технический университет сатпаева",
    "казахский национальный исследовательский технический университет имени к и сатпаева": (
        "казахский национальный исследовательский технический университет сатпаева"
    ),
    "сатпаев университет": "казахский национальный исследовательский технический университет сатпаева",
    "казату": "казахский агротехнический исследовательский университет сейфуллина",
    "kazatu": "казахский агротехнический исследовательский университет сейфуллина",
    "казнау": "казахский национальный аграрный исследовательский университет",
    "kaznaru": "казахский национальный аграрный исследовательский университет",
    "кармедуниверситет": "медицинский университет караганды",
    "кгму": "медицинский университет караганды",
    "вкту": "восточно казахстанский технический университет серикбаева",
    "мнво": "министерство науки и высшего образования",
    "мнво рк": "министерство науки и высшего образования",
}


def _strip_accents_keep_cyrillic(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return text.replace("ё", "е").replace("Ё", "Е")


def normalise_organisation(name: str | None) -> str:
    """A comparison key for an organisation name ("" for none). Idempotent."""
    if not name:
        return ""
    return _normalise_organisation(str(name))


@lru_cache(maxsize=1 << 16)
def _normalise_organisation(name: str) -> str:
    text = _strip_accents_keep_cyrillic(name).lower()
    for q in _QUOTES:
        text = text.replace(q, " ")
    text = re.sub(r"[^\w\s]", " ", text)  # punctuation, dots of abbreviations, dashes
    text = re.sub(r"\s+", " ", text).strip()
    text = _LEGAL_RE.sub(" ", text)
    tokens = [t for t in text.split() if t not in _LEGAL_TOKENS]
    text = " ".join(tokens)
    # "республики казахстан" / "рк" / "of the republic of kazakhstan" add nothing to identity
    # "республики казахстан" / "рк" and a parent ministry's abbreviation add nothing to identity
    while True:
        stripped = re.sub(_TRAILING, "", text).strip()
        if stripped == text or not stripped:
            break
        text = stripped
    return _ALIASES.get(text, text)


def _acronym(key: str) -> str:
    words = [w for w in key.split() if w not in _STOP]
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


def same_organisation(a: str | None, b: str | None) -> bool:
    """True when two organisation names denote the same organisation (see the module docstring)."""
    ka, kb = normalise_organisation(a), normalise_organisation(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    # an acronym written out: "ИЯФ" vs "Институт ядерной физики" (only for short, single-token keys)
    for short, full in ((ka, kb), (kb, ka)):
        if " " not in short and 2 <= len(short) <= 8 and _acronym(full) == short:
            return True
    return False


def _org_keys(name: str | None) -> set[str]:
    """Keys under which an organisation is indexed: its normal form and, for a full name, its acronym."""
    key = normalise_organisation(name)
    if not key:
        return set()
    keys = {key}
    acr = _acronym(key)
    if acr and 2 <= len(acr) <= 8:
        keys.add("acr:" + acr)
    if " " not in key and 2 <= len(key) <= 8:
        keys.add("acr:" + key)
    return keys


# --------------------------------------------------------------------------------------------------
# person names

_VOWELS = set("aeiou")


def name_key(word: str) -> str:
    """A spelling-tolerant key for one name word, equal across Cyrillic and Latin spellings.

    "Иванов" and "Ivanov", "Сәрсенбаев" and "Sarsenbayev", "Есимов" and "Yessimov" share a key.
    """
    s = to_latin(word)
    s = re.sub(r"[^a-z]", "", s)
    for a, b in (
        ("shch", "s"),
        ("kh", "h"),
        ("zh", "z"),
        ("ch", "c"),
        ("sh", "s"),
        ("ts", "c"),
        ("tz", "c"),
        ("x", "ks"),
        ("w", "v"),
        ("q", "k"),
        ("j", "z"),
        ("y", "i"),
    ):
        s = s.replace(a, b)
    # an "i" glide next to a vowel ("bayev"/"baev", "yessimov"/"esimov") carries no identity
    s = re.sub(r"(?<=[aeiou])i(?=[aeiou])", "", s)
    s = re.sub(r"^i(?=[aeou])", "", s)
    s = re.sub(r"(.)\1+", r"\1", s)
    return s


_PATRONYMIC = re.compile(r"(ович|евич|вич|овна|евна|ична|инична|вна|улы|уулу|кызы|ұлы|қызы|uly|kyzy)$", re.I)
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*\.?", re.UNICODE)


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_initials(token: str) -> bool:
    core = token.replace(".", "")
    return token.endswith(".") and 1 <= len(core) <= 2 or (len(core) == 1 and core.isupper())


def person_keys(name: str | None) -> set[tuple[str, str]]:
    """(surname key, first-initial key) candidates for a person's name in any usual form.

    "Иванов И.О.", "И.О. Иванов", "Ivanov, I.", "Иван Иванов", "Иванов Иван Олегович".
    """
    if not name:
        return set()
    raw = re.sub(r"([^\W\d_])\.([^\W\d_])", r"\1. \2", str(name))  # "И.О." -> "И. О."
    toks = [t for t in _tokens(raw) if t]
    initials = [t.replace(".", "") for t in toks if _is_initials(t)]
    words = [t.replace(".", "") for t in toks if not _is_initials(t)]
    keys: set[tuple[str, str]] = set()
    if not words:
        return keys
    if initials:
        initial = name_key(initials[0])[:1]
        for w in words:
            keys.add((name_key(w), initial))
        return keys
    if len(words) == 1:
        return {(name_key(words[0]), "")}
    if len(words) >= 3 and _PATRONYMIC.search(words[-1]):
        return {(name_key(words[0]), name_key(words[1])[:1])}  # Surname Firstname Patronymic
    if len(words) >= 3 and _PATRONYMIC.search(words[1]):
        return {(name_key(words[-1]), name_key(words[0])[:1])}  # Firstname Patronymic Surname
    # "Firstname Surname" or "Surname Firstname": both readings
    return {(name_key(words[-1]), name_key(words[0])[:1]), (name_key(words[0]), name_key(words[1])[:1])}


def names_match(a: str | None, b: str | None) -> bool:
    """True when two written names plausibly denote the same person (surname and first initial agree)."""
    return bool(_full_keys(a or "") & _full_keys(b or ""))


def _author_mentions(text: str) -> dict[tuple[str, str], str]:
    """Author-like mentions in a text: surname next to initials ("Иванов И.О.", "I. Ivanov") or a
    capitalised first name next to a capitalised surname ("Ivan Ivanov"). Key → the mention as written.

    The text is cut at commas, semicolons, brackets and "and"/"и"/"мен" first, so that in an author
    list "Иванов И.О., Петров П." the initials "О." are not read as Петров's."""
    raw = re.sub(r"([^\W\d_])\.([^\W\d_])", r"\1. \2", text)
    found: dict[tuple[str, str], str] = {}

    def is_cap_word(t: str) -> bool:
        return len(t) >= 2 and t[0].isupper() and not t.isupper() and not t.endswith(".")

    for segment in _SEGMENT.split(raw):
        toks = _tokens(segment)
        for idx, tok in enumerate(toks):
            if not is_cap_word(tok):
                continue
            surname = name_key(tok)
            if len(surname) < 2:
                continue
            after = toks[idx + 1] if idx + 1 < len(toks) else ""
            before = toks[idx - 1] if idx > 0 else ""
            before2 = toks[idx - 2] if idx > 1 else ""
            if after and _is_initials(after):  # Иванов И.
                found.setdefault((surname, name_key(after.replace(".", ""))[:1]), f"{tok} {after}")
            if before and _is_initials(before):  # И. О. Иванов / I. Ivanov
                first = before2 if before2 and _is_initials(before2) else before
                found.setdefault((surname, name_key(first.replace(".", ""))[:1]), f"{first} {tok}")
            if after and is_cap_word(after):  # Ivan Ivanov (either order)
                found.setdefault((name_key(after), surname[:1]), f"{tok} {after}")
                found.setdefault((surname, name_key(after)[:1]), f"{tok} {after}")
    return found


_SEGMENT = re.compile(r"[,;:()\[\]\n]| and | и | мен | & ")


# --------------------------------------------------------------------------------------------------
# detection


def _team(application: Any) -> list[tuple[str, str]]:
    """(name, organisation) of each team member; team items are names or {"name", "organisation"}."""
    members = []
    for item in record_field(application, "team", []) or []:
        if isinstance(item, Mapping):
            members.append((str(item.get("name") or ""), str(item.get("organisation") or "")))
        elif item:
            members.append((str(item), ""))
    return members


def _exclusions(application: Any) -> list[str]:
    value = record_field(application, "exclude", None)
    if value is None:
        value = record_field(application, "excluded_experts", [])
    return [str(v) for v in (value or []) if v]


def _expert_mentions(expert: Any) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for name in record_field(expert, "coauthors", []) or []:
        for key in person_keys(str(name)):
            if key[1]:
                found.setdefault(key, f"co-author {name}")
    for text in record_field(expert, "texts", []) or []:
        for key, mention in _author_mentions(str(text)).items():
            found.setdefault(key, mention)
    return found


def _full_keys(name: str) -> set[tuple[str, str]]:
    return {k for k in person_keys(name) if k[0] and k[1]}


def detect_conflicts(expert: Any, application: Any) -> list[Conflict]:
    """Every detected reason why ``expert`` may not review ``application`` (empty list: none)."""
    return detect_all([expert], [application]).get((0, 0), [])


def detect_all(experts: Sequence[Any], applications: Sequence[Any]) -> dict[tuple[int, int], list[Conflict]]:
    """All conflicting (expert index, application index) pairs with their reasons."""
    result: dict[tuple[int, int], list[Conflict]] = defaultdict(list)

    def add(i: int, j: int, conflict: Conflict) -> None:
        known = result[(i, j)]
        if not any(c.code == conflict.code and dict(c.params) == dict(conflict.params) for c in known):
            known.append(conflict)

    # indexes over experts
    by_org: dict[str, list[int]] = defaultdict(list)
    by_person: dict[tuple[str, str], list[int]] = defaultdict(list)  # the expert's own name
    by_mention: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    by_id: dict[str, int] = {}
    for i, expert in enumerate(experts):
        for key in _org_keys(record_field(expert, "organisation", "")):
            by_org[key].append(i)
        for key in _full_keys(str(record_field(expert, "name", ""))):
            by_person[key].append(i)
        for key, mention in _expert_mentions(expert).items():
            by_mention[key].append((i, mention))
        eid = record_field(expert, "id", None)
        if eid is not None:
            by_id[str(eid)] = i

    for j, app in enumerate(applications):
        # same organisation: the application's own and each team member's
        sources = [("", str(record_field(app, "organisation", "") or ""))]
        sources += [(member, org) for member, org in _team(app) if org]
        for member, org in sources:
            hits: set[int] = set()
            for key in _org_keys(org):
                hits.update(by_org.get(key, ()))
            for i in sorted(hits):
                if same_organisation(record_field(experts[i], "organisation", ""), org):
                    params = {
                        "organisation": record_field(experts[i], "organisation", ""),
                        "application_organisation": org,
                    }
                    if member:
                        params["member"] = member
                    add(i, j, Conflict(SAME_ORGANISATION, params))
        # team membership and co-authorship
        for member, _org in _team(app):
            keys = _full_keys(member)
            for key in keys:
                for i in by_person.get(key, ()):
                    if names_match(str(record_field(experts[i], "name", "")), member):
                        add(i, j, Conflict(TEAM_MEMBER, {"member": member}))
                for i, mention in by_mention.get(key, ()):
                    add(i, j, Conflict(COAUTHOR, {"member": member, "evidence": mention}))
        # the applicant's exclusions: an expert id or a name
        for entry in _exclusions(app)[:MAX_EXCLUSIONS]:
            if entry in by_id:
                add(by_id[entry], j, Conflict(EXCLUDED_BY_APPLICANT, {"entry": entry}))
                continue
            for key in _full_keys(entry):
                for i in by_person.get(key, ()):
                    if names_match(str(record_field(experts[i], "name", "")), entry):
                        add(i, j, Conflict(EXCLUDED_BY_APPLICANT, {"entry": entry}))
    return {pair: reasons for pair, reasons in result.items() if reasons}


def conflict_pairs(experts: Sequence[Any], applications: Sequence[Any]) -> set[tuple[int, int]]:
    """Just the conflicting (expert index, application index) pairs."""
    return set(detect_all(experts, applications))


def iter_reasons(conflicts: Mapping[tuple[int, int], Iterable[Conflict]]):
    """Flatten ``detect_all``'s result into (expert index, application index, Conflict) triples."""
    for (i, j), reasons in sorted(conflicts.items()):
        for reason in reasons:
            yield i, j, reason
