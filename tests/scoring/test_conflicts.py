"""Automatic conflict-of-interest detection."""

from __future__ import annotations

import pytest

from app.scoring.experts.conflicts import (
    COAUTHOR,
    EXCLUDED_BY_APPLICANT,
    SAME_ORGANISATION,
    TEAM_MEMBER,
    detect_all,
    detect_conflicts,
    name_key,
    names_match,
    normalise_organisation,
    person_keys,
    same_organisation,
)


def codes(expert, application):
    return sorted(c.code for c in detect_conflicts(expert, application))


@pytest.mark.parametrize(
    "a,b",
    [
        ("ТОО «Институт ядерной физики»", "ИЯФ"),
        ('РГП на ПХВ "Институт ядерной физики" МЭ РК', "Institute of Nuclear Physics"),
        ("Назарбаев Университет", "Nazarbayev University"),
        ("NU", "назарбаев университет"),
        ('АО "Казахстанско-Британский технический университет"', "КБТУ"),
        ("КазНУ им. аль-Фараби", "Казахский национальный университет имени аль-Фараби"),
        ("Satbayev University", "КазНИТУ"),
        ("  national nuclear center of the republic of kazakhstan ", "НЯЦ РК"),
        ("ТОО 'Астана Хаб'", "Астана Хаб"),
        ("Astana IT University LLP", "ASTANA IT UNIVERSITY"),
    ],
)
def test_same_organisation_after_normalisation(a, b):
    assert same_organisation(a, b)


@pytest.mark.parametrize(
    "a,b",
    [
        (
            "Казахский национальный университет",
            "Казахский национальный аграрный исследовательский университет",
        ),
        ("Институт ядерной физики", "Институт физики"),
        ("", ""),
        (None, "ИЯФ"),
        ("КБТУ", "КазНУ"),
    ],
)
def test_different_organisations(a, b):
    assert not same_organisation(a, b)


def test_normalisation_is_idempotent():
    key = normalise_organisation("«Институт  ядерной физики», ТОО")
    assert key == normalise_organisation(key) == "институт ядерной физики"


@pytest.mark.parametrize(
    "a,b",
    [
        ("Иванов", "Ivanov"),
        ("Сәрсенбаев", "Sarsenbayev"),
        ("Есимов", "Yessimov"),
        ("Жақсылықов", "Zhaksylykov"),
        ("Хасенов", "Khassenov"),
        ("Цой", "Tsoy"),
        ("Юсупов", "Yusupov"),
        ("Ергалиев", "Yergaliyev"),
    ],
)
def test_name_keys_agree_across_scripts(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    "a,b,match",
    [
        ("Иванов И.О.", "Иван Олегович Иванов", True),
        ("Иванов Иван Олегович", "Ivanov I.", True),
        ("И. О. Иванов", "Ivan Ivanov", True),
        ("Ivanov, I.", "Иванов Игорь", True),
        ("Иванов И.", "Иванов П.", False),
        ("Иванов", "Иванов Иван", False),  # a bare surname is not enough
        ("Петров Пётр", "Иванов Иван", False),
    ],
)
def test_names_match(a, b, match):
    assert names_match(a, b) is match


def test_person_keys_forms():
    assert ("ivanov", "i") in person_keys("Иванов И.О.")
    assert ("ivanov", "i") in person_keys("И.О. Иванов")
    assert person_keys("Иванов Иван Олегович") == {("ivanov", "i")}


def test_same_organisation_as_applicant():
    expert = {"id": "E1", "organisation": "ТОО «Институт ядерной физики»", "texts": ["x"]}
    application = {"id": "A1", "organisation": "ИЯФ", "abstract": "y"}
    conflicts = detect_conflicts(expert, application)
    assert [c.code for c in conflicts] == [SAME_ORGANISATION]
    assert "member" not in conflicts[0].params
    assert conflicts[0].params["organisation"] == "ТОО «Институт ядерной физики»"


def test_same_organisation_as_a_team_member():
    expert = {"id": "E1", "organisation": "Nazarbayev University", "texts": ["x"]}
    application = {
        "id": "A1",
        "organisation": "КазНУ",
        "abstract": "y",
        "team": ["Иванов И.", {"name": "Анна Ли", "organisation": "Назарбаев Университет"}],
    }
    conflicts = detect_conflicts(expert, application)
    assert [c.code for c in conflicts] == [SAME_ORGANISATION]
    assert conflicts[0].params["member"] == "Анна Ли"


def test_coauthorship_from_texts_across_scripts_and_name_forms():
    expert = {
        "id": "E1",
        "name": "Smith J.",
        "organisation": "MIT",
        "texts": [
            "Smith J., Sarsenbayev A.K. and Petrov P. Radiation damage in steels. J. Nucl. Mater. 2021."
        ],
    }
    application = {"id": "A1", "abstract": "y", "team": ["Сәрсенбаев Асқар Қайратұлы"]}
    conflicts = detect_conflicts(expert, application)
    assert [c.code for c in conflicts] == [COAUTHOR]
    assert conflicts[0].params["member"] == "Сәрсенбаев Асқар Қайратұлы"
    assert "Sarsenbayev" in conflicts[0].params["evidence"]


def test_coauthorship_from_coauthors_list_and_initials_first():
    expert = {
        "id": "E1",
        "texts": ["И. О. Иванов, Петров П.П. Исследование сплавов."],
        "coauthors": ["Anna Lee"],
    }
    assert codes(expert, {"id": "A1", "abstract": "y", "team": ["Иван Иванов"]}) == [COAUTHOR]
    assert codes(expert, {"id": "A2", "abstract": "y", "team": ["Lee A."]}) == [COAUTHOR]
    # the initials of one author are not read as the next author's
    assert codes(expert, {"id": "A3", "abstract": "y", "team": ["Олег Петров"]}) == []


def test_no_coauthorship_from_a_bare_surname_or_a_different_initial():
    expert = {"id": "E1", "texts": ["The Ivanov method for steels was improved; see Petrov P. (2019)."]}
    assert codes(expert, {"id": "A1", "abstract": "y", "team": ["Иван Иванов"]}) == []
    assert codes(expert, {"id": "A2", "abstract": "y", "team": ["Сергей Петров"]}) == []


def test_expert_on_the_team():
    expert = {"id": "E1", "name": "Жанар Ермекова", "texts": ["x"]}
    application = {"id": "A1", "abstract": "y", "team": ["Ермекова Ж."]}
    assert codes(expert, application) == [TEAM_MEMBER]


def test_exclusions_by_id_and_by_name():
    e1 = {"id": "E1", "name": "Иванов Иван Олегович", "texts": ["x"]}
    e2 = {"id": "E2", "name": "Anna Lee", "texts": ["x"]}
    e3 = {"id": "E3", "name": "Petr Petrov", "texts": ["x"]}
    application = {"id": "A1", "abstract": "y", "exclude": ["E2", "Ivanov I."]}
    found = detect_all([e1, e2, e3], [application])
    assert set(found) == {(0, 0), (1, 0)}
    assert all(c.code == EXCLUDED_BY_APPLICANT for reasons in found.values() for c in reasons)
    assert found[(1, 0)][0].params == {"entry": "E2"}


def test_only_the_first_three_exclusions_count():
    experts = [{"id": f"E{i}", "texts": ["x"]} for i in range(5)]
    application = {"id": "A1", "abstract": "y", "exclude": ["E0", "E1", "E2", "E3"]}
    assert set(detect_all(experts, [application])) == {(0, 0), (1, 0), (2, 0)}


def test_several_reasons_for_one_pair_and_descriptions():
    expert = {"id": "E1", "name": "Anna Lee", "organisation": "КБТУ", "texts": ["Lee A., Kim B. Robots."]}
    application = {
        "id": "A1",
        "organisation": "Kazakh-British Technical University",
        "abstract": "y",
        "team": ["Kim Boris"],
        "exclude": ["E1"],
    }
    reasons = detect_conflicts(expert, application)
    assert sorted(c.code for c in reasons) == sorted([SAME_ORGANISATION, COAUTHOR, EXCLUDED_BY_APPLICANT])
    assert all(c.describe() for c in reasons)
    assert reasons[0].as_dict()["code"] == reasons[0].code


def test_detect_all_indexes_many_pairs():
    experts = [{"id": f"E{i}", "organisation": f"Org {i % 5}", "texts": ["x"]} for i in range(50)]
    applications = [{"id": f"A{j}", "organisation": f"ORG {j % 5}.", "abstract": "y"} for j in range(40)]
    found = detect_all(experts, applications)
    assert set(found) == {(i, j) for i in range(50) for j in range(40) if i % 5 == j % 5}


def test_objects_with_attributes_work_too():
    class Expert:
        id = "E1"
        name = "Anna Lee"
        organisation = "ИЯФ"
        texts = ["x"]

    class Application:
        id = "A1"
        organisation = "Институт ядерной физики"
        team = []
        abstract = "y"

    assert codes(Expert(), Application()) == [SAME_ORGANISATION]
