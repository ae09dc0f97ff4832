"""The text package's pure parts: words, transliteration, stop words, languages, the lexical models."""
from __future__ import annotations

import numpy as np
import pytest

from app.text import field
from app.text import language as tl
from app.text import lexical as lx

WHEAT = "Breeding spring wheat varieties with deep roots for drought; seed production for farms."
CREDIT = "Machine-learning credit scoring of small businesses from payments data for banks."


def test_field_reads_mappings_and_objects():
    class Record:
        title = "T"
        abstract = None

    assert field({"title": "T"}, "title") == "T" == field(Record(), "title")
    assert field({"abstract": None}, "abstract", "") == "" == field(Record(), "abstract", "")
    assert field({}, "missing", 3) == 3 == field(Record(), "missing", 3)


def test_one_transliteration_table():
    # the scheme the docstring names: з→z, х→kh, ц→ts (names: "Ivanov", "Sarsenbayev", "Tsoi")
    assert tl.to_latin("Зейнолла Хасенов Цой") == "zeinolla khasenov tsoi"
    assert tl.to_latin("Сәрсенбаев Қайрат") == "sarsenbaev kairat"
    # the lexical key is that table folded onto the reduced alphabet English spelling is folded to
    assert tl.lexical_key("химия") == tl.lexical_key("himia")
    assert tl.lexical_key("цемент") == tl.lexical_key("sement")


def test_transliteration_brings_loan_words_together():
    assert tl.lexical_key("Реактор") == tl.lexical_key("reactor")
    assert tl.lexical_key("изотоп")[:4] == tl.lexical_key("isotope")[:4]
    assert tl.lexical_key("қазақ") == "kasak"


def test_words_stems_and_stop_words():
    assert tl.words("Ёлка, 3D-печать и IoT") == ["елка", "печать", "iot"]  # words of two letters or more
    assert "и" in tl.stop_words() and "the" in tl.stop_words() and "және" in tl.stop_words()
    assert "исследование" in tl.stop_words("science") and "исследование" not in tl.stop_words("pitch")
    assert "проект" in tl.stop_words("pitch") and "проект" not in tl.stop_words()
    assert tl.stem("радиационного") == "радиац"


def test_language_profile_and_detection():
    assert np.argmax(tl.language_profile("Nuclear medicine")) == 0
    assert np.argmax(tl.language_profile("Ядерная медицина и изотопы")) == 1
    assert np.argmax(tl.language_profile("Ядролық медицина және изотоптар өндірісі")) == 2
    assert np.allclose(tl.language_profile("123"), 1 / 3)
    assert tl.detect_language("Радиационное распухание сталей") == "ru"
    assert tl.detect_language("Жерсеріктік деректер бойынша бидай өнімділігін болжау") == "kk"
    assert tl.detect_language("Perovskite solar cells") == "en"
    assert tl.detect_language("") == "en"


LEXICAL_TEXTS = [
    "Производство изотопа молибден-99 для технециевых генераторов.",
    "Жоба қалқанша безі обырын радиойодпен емдеуге арналған.",
    "Actinium-225 production for targeted alpha therapy (Ac-225), 2024.",
    "",
    "a",
    "ab  c\t d\n e",
    "☢ 𝔘nicode ‘quotes’ — dashes",
    "zzzz qqqq",
]


@pytest.mark.parametrize("translit", [True, False])
def test_lexical_transform_matches_scikit_learn(translit):
    model = lx.LexicalModel(translit=translit).fit(LEXICAL_TEXTS[:3] + [WHEAT])
    ours = model.transform(LEXICAL_TEXTS + [CREDIT])
    reference = model._vectorizer.transform(LEXICAL_TEXTS + [CREDIT])
    assert ours.shape == reference.shape
    assert abs(ours - reference).max() < 1e-6
    assert model.transform([]).shape == (0, model.dim)
    assert model.transform([""]).nnz == 0


def test_char_model_without_transliteration_is_scikit_learns_char_wb():
    from sklearn.feature_extraction.text import TfidfVectorizer

    corpus = LEXICAL_TEXTS[:3] + [WHEAT, CREDIT]
    ours = lx.LexicalModel(translit=False, min_df=1, max_df=1.0).fit_transform(corpus)
    theirs = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True,
                             dtype=np.float32).fit_transform(corpus)
    assert abs(ours - theirs).max() < 1e-6


def test_word_model_and_analyzer():
    tokens = lx.word_analyzer("Исследование радиационного распухания и облучения сталей")
    assert "радиац" in tokens and "и" not in tokens and "исследование" not in tokens
    assert any(" " in t for t in tokens)
    model = lx.LexicalModel(analyzer=lx.word_analyzer)
    rows = model.fit_transform([WHEAT, CREDIT, "wheat drought"])
    assert rows.shape[0] == 3 and "wheat" in model.vocabulary_ and len(model.idf_) == model.dim
    assert abs(model.transform([WHEAT]) - rows[0]).max() < 1e-6


def test_char_wb_ngrams_match_scikit_learn():
    from sklearn.feature_extraction.text import CountVectorizer

    reference = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=False).build_analyzer()
    for text in LEXICAL_TEXTS:
        assert lx.char_wb_ngrams(text) == reference(text)
        assert sorted(lx._gram_hashes_batch([text], 3, 5)[1].tolist()) == sorted(
            lx.hash_gram(g) for g in reference(text)
        )


def test_term_index_shares_the_rarest_terms():
    index = lx.TermIndex([WHEAT, CREDIT, "Drought-tolerant wheat for the steppe"])
    shared = index.shared(index.stems(WHEAT), index.stems("Wheat breeding against drought"))
    assert set(shared) <= {"wheat", "breeding", "drought"} and shared
