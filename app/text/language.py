"""Words, scripts and languages of the platform's three working languages (Russian, Kazakh, English).

Pure Python, no Flask. Everything that cuts text into words, transliterates it, drops stop words, stems it
or tells its language lives here, once, for scoring and matching alike.

Transliteration: one table, :data:`TRANSLIT`, Cyrillic (Russian and Kazakh) to Latin in the simplified
BGN/PCGN-like spelling people use for their names in passports and on papers: з→z, х→kh, ц→ts, ж→zh,
ы→y, ю→yu, я→ya, щ→sh, the Kazakh letters to their base Latin letter (ә→a, қ→k, ң→n, ө→o, ұ/ү→u, і→i).
:func:`to_latin` applies it (name matching in ``app.scoring.experts.conflicts`` builds on it). :func:`lexical_key`
folds the same table and English spelling onto one reduced alphabet for character n-grams, so that
technical loan words meet across scripts ("реактор"/"reactor" → "reaktor"): the table's values are folded
by :data:`LEXICAL_FOLD` (kh→h, ts→s, z→s, y→i), English by digraphs (ph→f, th→t, ch→h, ck→k, qu→kv) and
letters (x→ks, w→v, y→i, z→s, soft c→s, hard c→k), and doubled letters are collapsed.

Stop words: :data:`STOP_WORDS` holds the function words of each language; :data:`DOMAIN_STOP_WORDS` the
words every text of a domain uses ("science": abstracts of papers and applications, "pitch": project
pitches and investment theses), which say nothing about the topic. :func:`stop_words` unites them.

Stemming: :func:`stem` cuts a word to its first letters. For Russian and Kazakh (rich inflection,
agglutination) a prefix of 6–7 letters was measured better than a suffix-stripping stemmer on our
evaluation sets (``bench/``), and it does no harm for English technical terms.

Language: :func:`language_profile` gives the shares (en, ru, kk) of a text's letters,
:func:`detect_language` the dominant one.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np

LANGUAGES = ("en", "ru", "kk")

# ------------------------------------------------------------------------------------------ tokenisation
#: a word: a letter, then letters or digits (at least two characters)
WORD_RE = re.compile(r"[^\W\d_][^\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower-case, ``ё`` as ``е``."""
    return text.lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """The words of ``text``, normalised (:func:`normalise`), in order."""
    return WORD_RE.findall(normalise(text))


def surface_words(text: str) -> list[str]:
    """The words of ``text`` as written (for showing them back), in order."""
    return WORD_RE.findall(text)


# ------------------------------------------------------------------------------------------ transliteration
#: The one Cyrillic → Latin table (see the module docstring for the scheme).
TRANSLIT: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}
KAZAKH_LETTERS = "әғқңөұүһі"
CYRILLIC_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя" + KAZAKH_LETTERS
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def to_latin(text: str) -> str:
    """Lower-case ``text``, drop diacritics (й→и, ё→е) and transliterate Cyrillic with :data:`TRANSLIT`."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(TRANSLIT.get(ch, ch) for ch in text)


#: How the table's spellings fold for the lexical key (the same reductions as English spelling's)
LEXICAL_FOLD = {"kh": "h", "ts": "s", "z": "s", "y": "i", "yu": "iu", "ya": "ia"}
_ENGLISH_DIGRAPHS = (("ph", "f"), ("th", "t"), ("ch", "h"), ("ck", "k"), ("qu", "kv"))
_SOFT_C = re.compile(r"c(?=[eiy])")
_DOUBLE = re.compile(r"(.)\1")
_LEXICAL = str.maketrans({**{k: LEXICAL_FOLD.get(v, v) for k, v in TRANSLIT.items()},
                          "x": "ks", "w": "v", "y": "i", "z": "s"})
_HARD_C = str.maketrans({"c": "k"})


def lexical_key(text: str) -> str:
    """``text`` lower-cased on the reduced Latin alphabet shared by Russian, Kazakh and English spelling
    ("реактор"/"reactor" → "reaktor", "технология"/"technology" → "tehnologi…"), for character n-grams."""
    text = unicodedata.normalize("NFC", text.lower())
    for pair in _ENGLISH_DIGRAPHS:  # English digraphs first: Cyrillic "ч" -> "ch" must stay "ch"
        text = text.replace(*pair)
    text = _SOFT_C.sub("s", text).translate(_LEXICAL).translate(_HARD_C)
    return _DOUBLE.sub(r"\1", text)


# ------------------------------------------------------------------------------------------ stop words
def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Function words of each language
STOP_WORDS: dict[str, frozenset[str]] = {
    "ru": _set("""
        и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было
        вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас
        нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем
        была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем
        ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец
        два об другой хоть после над больше тот через эти нас про всего них какая много разве три эту моя
        впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между
        также это которые который которая которое
    """),
    "kk": _set("""
        және мен бен пен да де та те бұл осы ол олар үшін бойынша арқылы сол біз сіз оның жоқ бар еді болып
        болады болды туралы ретінде сияқты немесе бірақ тек әр барлық кейін дейін ал кезінде түрде қазір тиіс
        и
    """),
    "en": _set("""
        a an the and or of to in on for with by from at as is are was were be been being this that these
        those it its we our their them they which who while will than into between within over per through
        under via without also can has have not such
    """),
}

#: Words every text of a domain uses
DOMAIN_STOP_WORDS: dict[str, dict[str, frozenset[str]]] = {
    "science": {
        "ru": _set("""
            являются является данной данный работе работы работа исследование исследования результаты
            результатов статье статья используя использованием основе
        """),
        "kk": _set("жұмыс зерттеу нәтижелері нәтижесінде негізінде қолдану"),
        "en": _set("""
            using based study paper results show shows present presents proposed approach method methods new
            used use
        """),
    },
    "pitch": {
        "ru": _set("""
            является проект проекта проекте проектом разработка разработки разработан разработаны
            разрабатывается разрабатываются технология технологии технологию система системы систему систем
            основе позволяет позволяют использование использования помощью создание создания новый новых новые
            решение решения предлагается предназначен предназначена предназначено предназначены получение
            получения данных данные производство производства производстве производству применение применения
            повышение повышения снижение снижения использованием обеспечение обеспечения условиях условия
            результате результаты основа казахстана казахстане казахстан отечественный отечественного
            отечественных местных местного
        """),
        "kk": _set("""
            арналған негізінде жоба жобасы жобаның әзірлеу әзірлейді әзірленеді мүмкіндік береді жүйе жүйесі
            жүйесін технология технологиясы технологиясын қазақстан қазақстанның қазақстандық
        """),
        "en": _set("""
            using new based use used uses develop develops developed development project projects system
            systems technology technologies solution solutions company companies product products platform
            service services approach make makes more most other first next local high low large small real
            time data production increase reduce improve application kazakhstan kazakh
        """),
    },
}


def stop_words(domain: str | None = None, languages: Iterable[str] = LANGUAGES) -> frozenset[str]:
    """The function words of ``languages``, plus the words of ``domain`` ("science" or "pitch")."""
    out: set[str] = set()
    for lang in languages:
        out |= STOP_WORDS[lang]
        if domain:
            out |= DOMAIN_STOP_WORDS[domain][lang]
    return frozenset(normalise(w) for w in out)


# ------------------------------------------------------------------------------------------ stemming
#: letters kept of a word by :func:`stem` (see the module docstring)
STEM = 6


def stem(word: str, length: int = STEM) -> str:
    """The stem of a normalised word: its first ``length`` letters."""
    return word[:length]


# ------------------------------------------------------------------------------------------ languages
_DROP_LATIN = str.maketrans("", "", LATIN_LETTERS)
_DROP_CYR = str.maketrans("", "", CYRILLIC_LETTERS)
_DROP_KK = str.maketrans("", "", KAZAKH_LETTERS)
#: in Kazakh prose 6–10 % of the Cyrillic letters are Kazakh-specific; at 4 % a text counts as Kazakh
KAZAKH_SHARE = 0.04


def language_profile(text: str) -> np.ndarray:
    """Fractions (en, ru, kk) of the text's letters: Latin letters count as English, Cyrillic as Kazakh
    when Kazakh-specific letters are frequent enough, as Russian otherwise; a third each without letters."""
    low = text.lower()
    size = len(low)
    latin = size - len(low.translate(_DROP_LATIN))
    cyr = size - len(low.translate(_DROP_CYR))
    kk = size - len(low.translate(_DROP_KK))
    total = latin + cyr
    if total == 0:
        return np.array([1 / 3, 1 / 3, 1 / 3])
    kk_share = min(1.0, (kk / cyr) / KAZAKH_SHARE) if cyr else 0.0
    return np.array([latin / total, cyr / total * (1 - kk_share), cyr / total * kk_share])


def detect_language(text: str) -> str:
    """``"kk"``, ``"ru"`` or ``"en"``: the dominant language of :func:`language_profile` (``"en"`` stands
    for any Latin text and for a text without letters; Cyrillic wins over Latin only with more letters)."""
    en, ru, kk = language_profile(text)
    if en >= ru + kk or en == ru == kk:
        return "en"
    return "kk" if kk >= ru else "ru"
