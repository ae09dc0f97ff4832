"""Reference data of the platform: pure Python constants, no Flask, no database.

Every human-readable name is a dict ``{"ru": ..., "kk": ..., "en": ...}`` (Russian is the default
language of the platform). Codes are stable identifiers used in URLs, the API and the database.

Sources:

* the Government's Concept for creating and developing science-intensive territories 2026-2035
  (decree No. 1134 of 24 December 2025), ``shared/seeds/concept-science-territories-2026-2035.ru.txt``:
  Table 2 (regional statistics, 2024), the territories, the ВНТК priorities 2025-2027 and the six target
  indicators of Section 6;
* ``shared/DOMAIN.md``: funding instruments and their defaults, TRL table, review practice;
* ``shared/API.md``: region and instrument codes.

Everything an organiser can change per competition (amounts, TRL range, co-financing, number of experts,
criteria, thresholds) is only a *default* here: the competition copies the instrument's template.
"""
from __future__ import annotations

from typing import Any

LANGUAGES: tuple[str, ...] = ("ru", "kk", "en")
DEFAULT_LANGUAGE = "ru"

LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "ru": {"ru": "Русский", "kk": "Орыс тілі", "en": "Russian"},
    "kk": {"ru": "Казахский", "kk": "Қазақ тілі", "en": "Kazakh"},
    "en": {"ru": "Английский", "kk": "Ағылшын тілі", "en": "English"},
}


# ---------------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------------

#: Year of the regional statistics (Table 2 of the Concept).
REGION_STATS_YEAR = 2024

#: Source of the regional statistics.
REGION_STATS_SOURCE: dict[str, str] = {
    "ru": "Концепция создания и развития наукоемких территорий на 2026–2035 годы, таблица 2 "
          "«Основные характеристики плотности и дифференциации научного пространства Казахстана, 2024 год»",
    "kk": "Ғылымды қажетсінетін аумақтарды құру және дамыту тұжырымдамасы (2026–2035 жж.), 2-кесте "
          "«Қазақстанның ғылыми кеңістігінің тығыздығы мен саралануының негізгі сипаттамалары, 2024 жыл»",
    "en": "Concept for creating and developing science-intensive territories 2026-2035, Table 2 "
          "\"Main characteristics of the density and differentiation of Kazakhstan's science space, 2024\"",
}

#: The statistics fields of every region, with their units (Table 2 columns, in the order of the table).
REGION_STAT_FIELDS: list[dict[str, Any]] = [
    {
        "key": "grp_bn_kzt",
        "name": {"ru": "Валовой региональный продукт", "kk": "Өңірлік жалпы өнім",
                 "en": "Gross regional product"},
        "unit": {"ru": "млрд тенге", "kk": "млрд теңге", "en": "bn KZT"},
    },
    {
        "key": "rnd_spending_bn_kzt",
        "name": {"ru": "Расходы на НИОКР", "kk": "ҒЗТКЖ шығыстары", "en": "R&D expenditure"},
        "unit": {"ru": "млрд тенге", "kk": "млрд теңге", "en": "bn KZT"},
    },
    {
        "key": "rnd_staff",
        "name": {"ru": "Численность работников, осуществлявших НИОКР",
                 "kk": "ҒЗТКЖ-мен айналысқан қызметкерлер саны",
                 "en": "Personnel engaged in R&D"},
        "unit": {"ru": "человек", "kk": "адам", "en": "persons"},
    },
    {
        "key": "spending_per_staff_mln_kzt",
        "name": {"ru": "Затраты на одного работника", "kk": "Бір қызметкерге шаққандағы шығын",
                 "en": "Expenditure per R&D worker"},
        "unit": {"ru": "млн тенге", "kk": "млн теңге", "en": "mln KZT"},
    },
    {
        "key": "researchers_per_million",
        "name": {"ru": "Исследователи (в эквиваленте полной занятости) на 1 млн жителей",
                 "kk": "Миллион тұрғынға шаққандағы зерттеушілер (толық жұмыспен қамту баламасында)",
                 "en": "Researchers (full-time equivalent) per million inhabitants"},
        "unit": {"ru": "чел. на 1 млн", "kk": "1 млн-ға адам", "en": "per million"},
    },
]

#: The "Республика Казахстан" row of Table 2.
NATIONAL_STATS: dict[str, float | int] = {
    "grp_bn_kzt": 134_251.9,
    "rnd_spending_bn_kzt": 219.7,
    "rnd_staff": 27_146,
    "spending_per_staff_mln_kzt": 8.1,
    "researchers_per_million": 769,
}

#: Region profiles named in the Concept (Section 2, paragraph 3).
REGION_PROFILES: dict[str, dict[str, Any]] = {
    "innovation_hub": {
        "name": {"ru": "Регион с высоким потенциалом инновационного развития",
                 "kk": "Инновациялық даму әлеуеті жоғары өңір",
                 "en": "High innovation potential"},
        "focus": {"ru": "развитая инфраструктура и промышленная база, способная к технологической модернизации",
                  "kk": "технологиялық жаңғыртуға қабілетті дамыған инфрақұрылым мен өнеркәсіптік база",
                  "en": "developed infrastructure and an industrial base capable of technological upgrading"},
    },
    "resource": {
        "name": {"ru": "Сырьедобывающий регион", "kk": "Шикізат өндіруші өңір",
                 "en": "Resource-extracting region"},
        "focus": {"ru": "нефтегазохимия и экологические технологии",
                  "kk": "мұнай-газ химиясы және экологиялық технологиялар",
                  "en": "oil, gas and petrochemicals, environmental technologies"},
    },
    "industrial": {
        "name": {"ru": "Индустриальный регион", "kk": "Индустриялық өңір", "en": "Industrial region"},
        "focus": {"ru": "металлургия, энергетика и автоматизация",
                  "kk": "металлургия, энергетика және автоматтандыру",
                  "en": "metallurgy, energy and automation"},
    },
    "agrarian": {
        "name": {"ru": "Аграрный регион", "kk": "Аграрлық өңір", "en": "Agrarian region"},
        "focus": {"ru": "агротехнологии, цифровое сельское хозяйство и продовольственная безопасность",
                  "kk": "агротехнологиялар, цифрлық ауыл шаруашылығы және азық-түлік қауіпсіздігі",
                  "en": "agritech, digital agriculture and food security"},
    },
}


def _region(code: str, ru: str, kk: str, en: str, center: tuple[str, str, str], profiles: list[str],
            grp: float, rnd: float, staff: int, per_staff: float, per_million: int) -> dict[str, Any]:
    return {
        "code": code,
        "name": {"ru": ru, "kk": kk, "en": en},
        "center": {"ru": center[0], "kk": center[1], "en": center[2]},
        "profiles": profiles,
        "stats_year": REGION_STATS_YEAR,
        # Table 2 of the Concept, 2024. Every region has every figure in the table (no None needed).
        "grp_bn_kzt": grp,
        "rnd_spending_bn_kzt": rnd,
        "rnd_staff": staff,
        "spending_per_staff_mln_kzt": per_staff,
        "researchers_per_million": per_million,
        # DOMAIN.md gives "R&D staff 2024" for six regions; they equal Table 2's rnd_staff column.
        "rnd_staff_2024": staff,
    }


#: The 20 regions, in the order of API.md. Statistics: Table 2 of the Concept (2024), copied verbatim
#: (R&D expenditure is in *billions* of tenge there; Pavlodar's 1.87 and Ulytau's 0.03 as printed).
REGIONS: list[dict[str, Any]] = [
    _region("almaty_city", "г. Алматы", "Алматы қаласы", "Almaty city",
            ("Алматы", "Алматы", "Almaty"), ["innovation_hub"],
            29_240.8, 94.5, 10_628, 8.9, 2926),
    _region("astana", "г. Астана", "Астана қаласы", "Astana",
            ("Астана", "Астана", "Astana"), ["innovation_hub"],
            15_484.5, 44.8, 5_432, 8.3, 2434),
    _region("shymkent", "г. Шымкент", "Шымкент қаласы", "Shymkent",
            ("Шымкент", "Шымкент", "Shymkent"), ["innovation_hub"],
            4_407.5, 3.3, 1_162, 2.8, 480),
    _region("abai", "Область Абай", "Абай облысы", "Abai Region",
            ("Семей", "Семей", "Semey"), ["innovation_hub"],
            3_189.5, 7.0, 1_394, 5.0, 946),
    _region("akmola", "Акмолинская область", "Ақмола облысы", "Akmola Region",
            ("Кокшетау", "Көкшетау", "Kokshetau"), ["agrarian"],
            4_093.9, 4.5, 788, 5.7, 639),
    _region("aktobe", "Актюбинская область", "Ақтөбе облысы", "Aktobe Region",
            ("Актобе", "Ақтөбе", "Aktobe"), ["innovation_hub"],
            4_976.4, 3.5, 515, 6.7, 301),
    _region("almaty_region", "Алматинская область", "Алматы облысы", "Almaty Region",
            ("Конаев", "Қонаев", "Konaev"), ["agrarian"],
            5_914.8, 3.6, 455, 7.9, 160),
    _region("atyrau", "Атырауская область", "Атырау облысы", "Atyrau Region",
            ("Атырау", "Атырау", "Atyrau"), ["resource"],
            15_016.6, 0.7, 180, 4.2, 90),
    _region("east_kz", "Восточно-Казахстанская область", "Шығыс Қазақстан облысы", "East Kazakhstan Region",
            ("Усть-Каменогорск", "Өскемен", "Oskemen"), ["industrial"],
            4_800.7, 11.0, 1_060, 10.4, 660),
    _region("zhambyl", "Жамбылская область", "Жамбыл облысы", "Zhambyl Region",
            ("Тараз", "Тараз", "Taraz"), ["agrarian"],
            3_236.8, 5.3, 318, 16.7, 210),
    _region("zhetisu", "Область Жетісу", "Жетісу облысы", "Zhetisu Region",
            ("Талдыкорган", "Талдықорған", "Taldykorgan"), ["agrarian"],
            2_114.9, 0.8, 404, 2.1, 290),
    _region("west_kz", "Западно-Казахстанская область", "Батыс Қазақстан облысы", "West Kazakhstan Region",
            ("Уральск", "Орал", "Oral"), ["resource"],
            4_747.9, 1.8, 423, 4.3, 260),
    _region("karaganda", "Карагандинская область", "Қарағанды облысы", "Karaganda Region",
            ("Караганда", "Қарағанды", "Karaganda"), ["innovation_hub", "industrial"],
            9_237.1, 10.1, 1_562, 6.5, 548),
    _region("kostanay", "Костанайская область", "Қостанай облысы", "Kostanay Region",
            ("Костанай", "Қостанай", "Kostanay"), ["agrarian"],
            4_927.6, 2.6, 468, 5.5, 192),
    _region("kyzylorda", "Кызылординская область", "Қызылорда облысы", "Kyzylorda Region",
            ("Кызылорда", "Қызылорда", "Kyzylorda"), ["resource"],
            2_984.7, 1.3, 413, 3.4, 354),
    _region("mangystau", "Мангистауская область", "Маңғыстау облысы", "Mangystau Region",
            ("Актау", "Ақтау", "Aktau"), ["resource"],
            5_166.8, 17.1, 694, 24.7, 798),
    _region("pavlodar", "Павлодарская область", "Павлодар облысы", "Pavlodar Region",
            ("Павлодар", "Павлодар", "Pavlodar"), ["industrial"],
            5_150.8, 1.87, 624, 2.8, 252),
    _region("north_kz", "Северо-Казахстанская область", "Солтүстік Қазақстан облысы",
            "North Kazakhstan Region",
            ("Петропавловск", "Петропавл", "Petropavl"), ["agrarian"],
            2_653.6, 2.7, 133, 21.0, 101),
    _region("turkestan", "Туркестанская область", "Түркістан облысы", "Turkistan Region",
            ("Туркестан", "Түркістан", "Turkistan"), ["agrarian"],
            4_507.1, 2.7, 482, 5.7, 149),
    # Ulytau is not classified in the Concept's list of region profiles (hence no profile).
    _region("ulytau", "Область Ұлытау", "Ұлытау облысы", "Ulytau Region",
            ("Жезказган", "Жезқазған", "Zhezkazgan"), [],
            2_399.3, 0.03, 11, 3.1, 50),
]

REGION_CODES: tuple[str, ...] = tuple(r["code"] for r in REGIONS)
REGIONS_BY_CODE: dict[str, dict[str, Any]] = {r["code"]: r for r in REGIONS}


# ---------------------------------------------------------------------------------------------------
# Science-intensive territories
# ---------------------------------------------------------------------------------------------------

#: The three territories of the Concept (Section 5, direction 2). The Concept does not name the managing
#: companies yet (the INP and NU parks launch in Q1 2027; Kurchatov's managing company is to be designated
#: by December 2028), so the company names below are demo placeholders.
TERRITORIES: list[dict[str, Any]] = [
    {
        "code": "ntp_inp",
        "kind": "ntp",
        "name": {"ru": "Научно-технологический парк на базе Института ядерной физики",
                 "kk": "Ядролық физика институты базасындағы ғылыми-технологиялық парк",
                 "en": "Science and Technology Park of the Institute of Nuclear Physics"},
        "short": {"ru": "НТП ИЯФ", "kk": "ЯФИ ҒТП", "en": "INP S&T Park"},
        "region": "almaty_city",
        "anchor_organisation": "inp",
        "priorities": [2, 3, 5, 6],
        "focus": [
            {"ru": "Ядерная физика и ядерные технологии", "kk": "Ядролық физика және ядролық технологиялар",
             "en": "Nuclear physics and nuclear technologies"},
            {"ru": "Радиоизотопы медицинского и промышленного назначения",
             "kk": "Медициналық және өнеркәсіптік радиоизотоптар",
             "en": "Radioisotopes for medicine and industry"},
            {"ru": "Ядерная медицина", "kk": "Ядролық медицина", "en": "Nuclear medicine"},
            {"ru": "Радиационное материаловедение", "kk": "Радиациялық материалтану",
             "en": "Radiation materials science"},
            {"ru": "Радиационные технологии в сельском хозяйстве",
             "kk": "Ауыл шаруашылығындағы радиациялық технологиялар",
             "en": "Radiation technologies in agriculture"},
            {"ru": "Электронная промышленность", "kk": "Электрондық өнеркәсіп", "en": "Electronics"},
            {"ru": "Искусственный интеллект", "kk": "Жасанды интеллект", "en": "Artificial intelligence"},
        ],
        "description": {
            "ru": "Парк для развития атомной отрасли на базе ИЯФ с его производством радиоизотопов, "
                  "исследовательским реактором и ускорителями; рассматривается создание многоцелевого "
                  "исследовательского реактора в Алматы.",
            "kk": "Радиоизотоптар өндірісі, зерттеу реакторы және үдеткіштері бар ЯФИ базасында атом "
                  "саласын дамытуға арналған парк; Алматыда көпмақсатты зерттеу реакторын салу мәселесі "
                  "қарастырылуда.",
            "en": "A park for the nuclear industry built around INP's radioisotope production, research "
                  "reactor and accelerators; a multipurpose research reactor in Almaty is under consideration.",
        },
        "goals": {"launch": "2027-Q1"},
        "managing_company": {"ru": "ТОО «Управляющая компания НТП ИЯФ»",
                             "kk": "«ЯФИ ҒТП басқарушы компаниясы» ЖШС",
                             "en": "INP S&T Park Management Company LLP"},
    },
    {
        "code": "ntp_nu",
        "kind": "ntp",
        "name": {"ru": "Научно-технологический парк Назарбаев Университета",
                 "kk": "Назарбаев Университетінің ғылыми-технологиялық паркі",
                 "en": "Nazarbayev University Science and Technology Park"},
        "short": {"ru": "НТП НУ", "kk": "НУ ҒТП", "en": "NU S&T Park"},
        "region": "astana",
        "anchor_organisation": "nu",
        "priorities": [1, 2, 3, 5, 7],
        "focus": [
            {"ru": "Промышленность и транспорт", "kk": "Өнеркәсіп және көлік", "en": "Industry and transport"},
            {"ru": "Высокопроизводительные вычисления, сетевые технологии и кибербезопасность",
             "kk": "Жоғары өнімді есептеулер, желілік технологиялар және киберқауіпсіздік",
             "en": "High-performance computing, networking and cybersecurity"},
            {"ru": "Экологические и энергетические исследования",
             "kk": "Экологиялық және энергетикалық зерттеулер",
             "en": "Environmental and energy research"},
            {"ru": "Искусственный интеллект, когнитивные науки и робототехника",
             "kk": "Жасанды интеллект, когнитивтік ғылымдар және робототехника",
             "en": "Artificial intelligence, cognitive sciences and robotics"},
            {"ru": "Ресурсоэффективность и охрана окружающей среды",
             "kk": "Ресурстарды тиімді пайдалану және қоршаған ортаны қорғау",
             "en": "Resource efficiency and environmental protection"},
            {"ru": "Биологические науки", "kk": "Биология ғылымдары", "en": "Biological sciences"},
        ],
        "description": {
            "ru": "Непрерывная цепочка поддержки инновационного кластера университета: 1000 фаундеров, "
                  "более 500 резидентов, 2 «единорога» и венчурный фонд 50 млн долларов США "
                  "на 150 технологичных компаний и производств.",
            "kk": "Университеттің инновациялық кластерін қолдаудың үздіксіз тізбегі: 1000 фаундер, "
                  "500-ден астам резидент, 2 «единорог» және 150 технологиялық компания мен өндіріске "
                  "арналған 50 млн АҚШ доллары көлеміндегі венчурлық қор.",
            "en": "A continuous support chain for the university's innovation cluster: 1,000 founders, "
                  "over 500 residents, 2 unicorns and a 50 M USD venture fund for 150 technology companies.",
        },
        "goals": {"launch": "2027-Q1", "founders": 1000, "residents": 500, "unicorns": 2,
                  "venture_fund_usd": 50_000_000, "tech_companies": 150},
        "managing_company": {"ru": "Управляющая компания НТП Назарбаев Университета",
                             "kk": "Назарбаев Университеті ҒТП басқарушы компаниясы",
                             "en": "NU S&T Park Management Company"},
    },
    {
        "code": "kurchatov",
        "kind": "science_city",
        "name": {"ru": "Наукоград Курчатов", "kk": "Курчатов ғылым қаласы", "en": "Kurchatov Science City"},
        "short": {"ru": "Курчатов", "kk": "Курчатов", "en": "Kurchatov"},
        "region": "abai",
        "anchor_organisation": "nnc",
        "priorities": [1, 2, 7],
        "focus": [
            {"ru": "Реакторные и внереакторные испытания", "kk": "Реакторлық және реактордан тыс сынақтар",
             "en": "In-reactor and out-of-reactor testing"},
            {"ru": "Атомная энергетика и безопасность АЭС", "kk": "Атом энергетикасы және АЭС қауіпсіздігі",
             "en": "Nuclear power and NPP safety"},
            {"ru": "Радиоэкология и реабилитация территорий бывшего СИП",
             "kk": "Радиоэкология және бұрынғы ССП аумақтарын оңалту",
             "en": "Radioecology and remediation of the former Semipalatinsk Test Site"},
            {"ru": "Ядерное нераспространение и физическая защита",
             "kk": "Ядролық қаруды таратпау және физикалық қорғау",
             "en": "Nuclear non-proliferation and physical protection"},
            {"ru": "Материаловедение и постэкспериментальные исследования",
             "kk": "Материалтану және эксперименттен кейінгі зерттеулер",
             "en": "Materials science and post-irradiation examination"},
        ],
        "description": {
            "ru": "Наукоград вокруг Национального ядерного центра (более 1600 сотрудников): полный цикл "
                  "наукоемких услуг от проектирования и расчетного обоснования до реакторных испытаний; "
                  "статус прорабатывается с учетом строительства АЭС в области Абай.",
            "kk": "Ұлттық ядролық орталықтың (1600-ден астам қызметкер) айналасындағы ғылым қаласы: "
                  "жобалау мен есептік негіздемеден реакторлық сынақтарға дейінгі ғылымды қажетсінетін "
                  "қызметтердің толық циклі; мәртебесі Абай облысында АЭС салуды ескере отырып пысықталуда.",
            "en": "A science city around the National Nuclear Center (over 1,600 staff): a full cycle of "
                  "science-intensive services from design and safety analysis to reactor testing; the status "
                  "is being prepared in view of the nuclear power plant planned in Abai Region.",
        },
        "goals": {"managing_company_designated_by": "2028-12", "anchor_staff": 1600},
        "managing_company": {"ru": "Управляющая компания наукограда Курчатов",
                             "kk": "Курчатов ғылым қаласының басқарушы компаниясы",
                             "en": "Kurchatov Science City Management Company"},
    },
]

TERRITORY_CODES: tuple[str, ...] = tuple(t["code"] for t in TERRITORIES)
TERRITORIES_BY_CODE: dict[str, dict[str, Any]] = {t["code"]: t for t in TERRITORIES}


# ---------------------------------------------------------------------------------------------------
# Priority directions of science 2025-2027 (ВНТК)
# ---------------------------------------------------------------------------------------------------

def _kw(ru: list[str], kk: list[str], en: list[str]) -> dict[str, list[str]]:
    assert len(ru) == len(kk) == len(en)
    return {"ru": ru, "kk": kk, "en": en}


PRIORITY_DIRECTIONS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": {"ru": "Экология, окружающая среда и рациональное природопользование",
                 "kk": "Экология, қоршаған орта және табиғатты ұтымды пайдалану",
                 "en": "Ecology, environment and rational use of natural resources"},
        "keywords": _kw(
            ["экология", "мониторинг окружающей среды", "водные ресурсы", "переработка отходов",
             "качество воздуха", "адаптация к изменению климата", "радиоэкология", "рекультивация земель"],
            ["экология", "қоршаған ортаны бақылау", "су ресурстары", "қалдықтарды қайта өңдеу",
             "ауа сапасы", "климаттың өзгеруіне бейімделу", "радиоэкология", "жерді қалпына келтіру"],
            ["ecology", "environmental monitoring", "water resources", "waste recycling",
             "air quality", "climate adaptation", "radioecology", "land remediation"]),
    },
    {
        "id": 2,
        "name": {"ru": "Энергия, передовые материалы и транспорт",
                 "kk": "Энергия, озық материалдар және көлік",
                 "en": "Energy, advanced materials and transport"},
        "keywords": _kw(
            ["энергетика", "атомная энергетика", "возобновляемая энергетика", "накопители энергии",
             "водород", "новые материалы", "металлургия", "транспорт"],
            ["энергетика", "атом энергетикасы", "жаңартылатын энергия", "энергия жинақтағыштар",
             "сутегі", "жаңа материалдар", "металлургия", "көлік"],
            ["energy", "nuclear power", "renewable energy", "energy storage",
             "hydrogen", "advanced materials", "metallurgy", "transport"]),
    },
    {
        "id": 3,
        "name": {"ru": "Передовое производство, цифровые и космические технологии",
                 "kk": "Озық өндіріс, цифрлық және ғарыштық технологиялар",
                 "en": "Advanced manufacturing, digital and space technologies"},
        "keywords": _kw(
            ["передовое производство", "искусственный интеллект", "высокопроизводительные вычисления",
             "робототехника", "цифровые двойники", "космические технологии", "дистанционное зондирование",
             "автоматизация производства"],
            ["озық өндіріс", "жасанды интеллект", "жоғары өнімді есептеулер",
             "робототехника", "цифрлық егіздер", "ғарыш технологиялары", "қашықтықтан зондтау",
             "өндірісті автоматтандыру"],
            ["advanced manufacturing", "artificial intelligence", "high-performance computing",
             "robotics", "digital twins", "space technologies", "remote sensing",
             "industrial automation"]),
    },
    {
        "id": 4,
        "name": {"ru": "Интеллектуальный потенциал страны",
                 "kk": "Елдің зияткерлік әлеуеті",
                 "en": "Intellectual potential of the country"},
        "keywords": _kw(
            ["образование", "технологии казахского языка", "гуманитарные науки", "социальные науки",
             "цифровое наследие", "человеческий капитал"],
            ["білім беру", "қазақ тілі технологиялары", "гуманитарлық ғылымдар", "әлеуметтік ғылымдар",
             "цифрлық мұра", "адами капитал"],
            ["education", "Kazakh language technology", "humanities", "social sciences",
             "digital heritage", "human capital"]),
    },
    {
        "id": 5,
        "name": {"ru": "Наука о жизни и здоровье",
                 "kk": "Өмір және денсаулық туралы ғылым",
                 "en": "Life and health sciences"},
        "keywords": _kw(
            ["медицина", "ядерная медицина", "радиофармпрепараты", "биотехнология",
             "фармацевтика", "диагностика", "геномика", "общественное здоровье"],
            ["медицина", "ядролық медицина", "радиофармпрепараттар", "биотехнология",
             "фармацевтика", "диагностика", "геномика", "қоғамдық денсаулық"],
            ["medicine", "nuclear medicine", "radiopharmaceuticals", "biotechnology",
             "pharmaceuticals", "diagnostics", "genomics", "public health"]),
    },
    {
        "id": 6,
        "name": {"ru": "Устойчивое развитие агропромышленного комплекса",
                 "kk": "Агроөнеркәсіптік кешенді тұрақты дамыту",
                 "en": "Sustainable development of the agro-industrial complex"},
        "keywords": _kw(
            ["сельское хозяйство", "селекция растений", "животноводство", "точное земледелие",
             "переработка продовольствия", "орошение", "ветеринария", "защита растений"],
            ["ауыл шаруашылығы", "өсімдік селекциясы", "мал шаруашылығы", "дәл егіншілік",
             "азық-түлікті қайта өңдеу", "суару", "ветеринария", "өсімдіктерді қорғау"],
            ["agriculture", "plant breeding", "livestock", "precision farming",
             "food processing", "irrigation", "veterinary science", "plant protection"]),
    },
    {
        "id": 7,
        "name": {"ru": "Национальная безопасность и оборона, биологическая безопасность",
                 "kk": "Ұлттық қауіпсіздік және қорғаныс, биологиялық қауіпсіздік",
                 "en": "National security and defence, biological safety"},
        "keywords": _kw(
            ["кибербезопасность", "криптография", "биологическая безопасность", "ядерная безопасность",
             "радиационный контроль", "оборонные технологии", "эпидемиологический надзор"],
            ["киберқауіпсіздік", "криптография", "биологиялық қауіпсіздік", "ядролық қауіпсіздік",
             "радиациялық бақылау", "қорғаныс технологиялары", "эпидемиологиялық қадағалау"],
            ["cybersecurity", "cryptography", "biosafety", "nuclear security",
             "radiation monitoring", "defence technologies", "epidemiological surveillance"]),
    },
]

PRIORITY_IDS: tuple[int, ...] = tuple(p["id"] for p in PRIORITY_DIRECTIONS)
PRIORITIES_BY_ID: dict[int, dict[str, Any]] = {p["id"]: p for p in PRIORITY_DIRECTIONS}


# ---------------------------------------------------------------------------------------------------
# Technology readiness levels
# ---------------------------------------------------------------------------------------------------

def _q(ru: str, kk: str, en: str) -> dict[str, str]:
    return {"ru": ru, "kk": kk, "en": en}


#: TRL 1-9 (EU definitions, as used by the 2024 Law and МНВО order No. 8 of 10.01.2025). ``checklist``:
#: the yes/no questions an applicant must be able to answer "yes" to when claiming the level.
TRL_LEVELS: list[dict[str, Any]] = [
    {
        "level": 1,
        "title": _q("Выявлены базовые принципы", "Негізгі қағидаттар анықталды", "Basic principles observed"),
        "definition": _q(
            "Фундаментальные исследования начинают переходить в прикладные: наблюдаемые явления и базовые "
            "свойства описаны и опубликованы.",
            "Іргелі зерттеулер қолданбалы зерттеулерге ұласа бастайды: байқалған құбылыстар мен негізгі "
            "қасиеттер сипатталып, жарияланды.",
            "Scientific research begins to be translated into applied research: the underlying phenomena "
            "and basic properties have been observed and reported."),
        "evidence": _q(
            "Рецензируемая публикация или научный отчет, описывающие принцип.",
            "Қағидатты сипаттайтын рецензияланған жарияланым немесе ғылыми есеп.",
            "Peer-reviewed publication or research report describing the principle."),
        "checklist": [
            _q("Опубликованы ли (или приняты к печати) результаты, описывающие базовый принцип, "
               "в рецензируемом издании?",
               "Негізгі қағидатты сипаттайтын нәтижелер рецензияланатын басылымда жарияланды ма "
               "(немесе басуға қабылданды ма)?",
               "Have results describing the basic principle been published (or accepted) in a "
               "peer-reviewed venue?"),
            _q("Можете ли вы назвать научное явление, на котором основана будущая технология?",
               "Болашақ технология негізделген ғылыми құбылысты атай аласыз ба?",
               "Can you name the scientific phenomenon on which the future technology is based?"),
        ],
    },
    {
        "level": 2,
        "title": _q("Сформулирована концепция технологии", "Технология тұжырымдамасы қалыптастырылды",
                    "Technology concept formulated"),
        "definition": _q(
            "Определено практическое применение принципа; концепция технологии описана, но экспериментально "
            "еще не подтверждена.",
            "Қағидаттың практикалық қолданысы анықталды; технология тұжырымдамасы сипатталған, бірақ әлі "
            "тәжірибе жүзінде расталмаған.",
            "A practical application of the principle has been identified; the technology concept is "
            "described but not yet experimentally proven."),
        "evidence": _q(
            "Документированная концепция с анализом осуществимости и ожидаемой пользы.",
            "Орындалу мүмкіндігі мен күтілетін пайдасы талданған құжатталған тұжырымдама.",
            "Documented concept with a feasibility analysis and the expected benefits."),
        "checklist": [
            _q("Описана ли концепция технологии в документе (отчет, техническое предложение)?",
               "Технология тұжырымдамасы құжатта (есеп, техникалық ұсыныс) сипатталған ба?",
               "Is the technology concept written down in a document (report, technical proposal)?"),
            _q("Проведен ли анализ осуществимости: физические ограничения, альтернативы, ожидаемые "
               "преимущества?",
               "Орындалу мүмкіндігіне талдау жасалды ма: физикалық шектеулер, баламалар, күтілетін "
               "артықшылықтар?",
               "Has feasibility been analysed: physical limits, alternatives, expected advantages?"),
            _q("Определены ли потенциальные потребители или область применения?",
               "Әлеуетті тұтынушылар немесе қолдану саласы анықталды ма?",
               "Have potential users or the field of application been identified?"),
        ],
    },
    {
        "level": 3,
        "title": _q("Экспериментальное подтверждение концепции", "Тұжырымдаманың тәжірибелік дәлелі",
                    "Experimental proof of concept"),
        "definition": _q(
            "Лабораторные или расчетно-аналитические исследования подтвердили ключевые функции и параметры "
            "отдельных элементов технологии.",
            "Зертханалық немесе есептік-талдамалық зерттеулер технологияның жекелеген элементтерінің "
            "негізгі функциялары мен параметрлерін растады.",
            "Laboratory or analytical studies have validated the critical functions and parameters of the "
            "separate elements of the technology."),
        "evidence": _q(
            "Результаты лабораторных экспериментов или моделирования, подтверждающие ключевые параметры.",
            "Негізгі параметрлерді растайтын зертханалық эксперименттердің немесе модельдеудің нәтижелері.",
            "Laboratory or analytical results validating the key parameters."),
        "checklist": [
            _q("Получены ли экспериментальные данные, подтверждающие ключевой параметр (эффект, выход, "
               "точность)?",
               "Негізгі параметрді (әсер, шығым, дәлдік) растайтын тәжірибелік деректер алынды ма?",
               "Do you have experimental data confirming the key parameter (effect, yield, accuracy)?"),
            _q("Сопоставлены ли результаты с расчетными прогнозами или с существующими аналогами?",
               "Нәтижелер есептік болжамдармен немесе қолданыстағы аналогтармен салыстырылды ма?",
               "Have the results been compared with predictions or with existing solutions?"),
            _q("Воспроизводимы ли результаты (повторные опыты, лабораторные протоколы)?",
               "Нәтижелер қайталана ма (қайталама тәжірибелер, зертханалық хаттамалар)?",
               "Are the results reproducible (repeated runs, laboratory protocols)?"),
        ],
    },
    {
        "level": 4,
        "title": _q("Технология проверена в лаборатории", "Технология зертханада тексерілді",
                    "Technology validated in lab"),
        "definition": _q(
            "Основные компоненты собраны в лабораторный макет и испытаны совместно; работоспособность "
            "подтверждена в лабораторных условиях.",
            "Негізгі компоненттер зертханалық макетке біріктіріліп, бірге сынақтан өтті; жұмысқа "
            "қабілеттілігі зертхана жағдайында расталды.",
            "The basic components are integrated into a laboratory breadboard and tested together; "
            "operation is validated in the laboratory."),
        "evidence": _q(
            "Протокол лабораторных испытаний макета в сравнении с расчетом; определены условия реальной "
            "среды применения.",
            "Макетті зертханалық сынау хаттамасы есептік мәндермен салыстырылған; нақты қолдану ортасының "
            "шарттары анықталған.",
            "Laboratory test report comparing the breadboard with predictions; the relevant environment is "
            "defined."),
        "checklist": [
            _q("Собран ли лабораторный макет, объединяющий основные компоненты?",
               "Негізгі компоненттерді біріктіретін зертханалық макет жасалды ма?",
               "Has a laboratory breadboard integrating the main components been built?"),
            _q("Есть ли протокол испытаний макета с результатами в сравнении с прогнозом?",
               "Нәтижелері болжаммен салыстырылған макетті сынау хаттамасы бар ма?",
               "Is there a test report for the breadboard comparing the results with predictions?"),
            _q("Описаны ли требования реальной среды, в которой будет работать технология?",
               "Технология жұмыс істейтін нақты ортаның талаптары сипатталды ма?",
               "Are the requirements of the real operating environment described?"),
        ],
    },
    {
        "level": 5,
        "title": _q("Технология проверена в условиях, приближенных к реальным",
                    "Технология нақтыға жақын жағдайда тексерілді",
                    "Technology validated in relevant environment"),
        "definition": _q(
            "Макет с реалистичными компонентами испытан в условиях, моделирующих реальную среду "
            "(стенд, имитатор, пилотная площадка).",
            "Шынайы компоненттері бар макет нақты ортаны үлгілейтін жағдайда (стенд, имитатор, пилоттық "
            "алаң) сынақтан өтті.",
            "A breadboard with realistic components has been tested in a simulated or relevant environment "
            "(test bench, simulator, pilot site)."),
        "evidence": _q(
            "Отчет об испытаниях в релевантной среде; требования к масштабированию.",
            "Нақтыға жақын ортадағы сынақтар туралы есеп; ауқымдау талаптары.",
            "Report of tests in a simulated or relevant environment; scaling requirements."),
        "checklist": [
            _q("Проводились ли испытания вне лаборатории или на стенде, имитирующем реальные условия?",
               "Сынақтар зертханадан тыс жерде немесе нақты жағдайды үлгілейтін стендте жүргізілді ме?",
               "Were tests carried out outside the laboratory or on a bench simulating real conditions?"),
            _q("Использовались ли в макете компоненты, близкие к серийным?",
               "Макетте сериялыққа жақын компоненттер пайдаланылды ма?",
               "Did the test article use components close to the final ones?"),
            _q("Определены ли требования и затраты на масштабирование?",
               "Ауқымдаудың талаптары мен шығындары анықталды ма?",
               "Have the requirements and costs of scaling up been determined?"),
        ],
    },
    {
        "level": 6,
        "title": _q("Прототип продемонстрирован в условиях, приближенных к реальным",
                    "Прототип нақтыға жақын жағдайда көрсетілді",
                    "Technology demonstrated in relevant environment"),
        "definition": _q(
            "Модель или прототип, близкий к конечной системе, продемонстрирован в релевантной среде.",
            "Соңғы жүйеге жақын модель немесе прототип нақтыға жақын ортада көрсетілді.",
            "A representative model or prototype close to the final system has been demonstrated in a "
            "relevant environment."),
        "evidence": _q(
            "Отчет о демонстрации прототипа высокой степени готовности.",
            "Дайындық дәрежесі жоғары прототипті көрсету туралы есеп.",
            "Demonstration report for a high-fidelity prototype."),
        "checklist": [
            _q("Изготовлен ли прототип, близкий к конечному изделию по форме, размеру и функциям?",
               "Пішіні, өлшемі және функциялары бойынша соңғы өнімге жақын прототип жасалды ма?",
               "Has a prototype close to the final product in form, size and function been built?"),
            _q("Есть ли подписанный отчет (акт) о демонстрации прототипа в релевантной среде?",
               "Прототипті нақтыға жақын ортада көрсету туралы қол қойылған есеп (акт) бар ма?",
               "Is there a signed report (act) of the prototype demonstration in a relevant environment?"),
            _q("Подтвердил ли потенциальный потребитель готовность к испытаниям на своей площадке?",
               "Әлеуетті тұтынушы өз алаңында сынақ өткізуге дайын екенін растады ма?",
               "Has a potential customer confirmed that it is ready to host trials at its site?"),
        ],
    },
    {
        "level": 7,
        "title": _q("Прототип системы продемонстрирован в реальных условиях эксплуатации",
                    "Жүйе прототипі нақты пайдалану жағдайында көрсетілді",
                    "System prototype demonstration in operational environment"),
        "definition": _q(
            "Прототип, близкий к серийному образцу, прошел опытную эксплуатацию или полевые испытания "
            "в реальной среде.",
            "Сериялық үлгіге жақын прототип нақты ортада тәжірибелік пайдаланудан немесе далалық "
            "сынақтардан өтті.",
            "A prototype near the planned operational system has passed pilot operation or field trials "
            "in the operational environment."),
        "evidence": _q(
            "Отчет о пилотной эксплуатации или полевых испытаниях, акт заказчика.",
            "Пилоттық пайдалану немесе далалық сынақтар туралы есеп, тапсырыс берушінің актісі.",
            "Pilot or field trial report, the customer's acceptance act."),
        "checklist": [
            _q("Работал ли прототип на объекте реального потребителя (пилот, опытная эксплуатация)?",
               "Прототип нақты тұтынушының нысанында жұмыс істеді ме (пилот, тәжірибелік пайдалану)?",
               "Has the prototype operated at a real customer's site (pilot, trial operation)?"),
            _q("Есть ли акт или письмо заказчика с результатами пилота?",
               "Пилот нәтижелері көрсетілген тапсырыс берушінің актісі немесе хаты бар ма?",
               "Is there a customer's act or letter stating the pilot results?"),
            _q("Зафиксированы ли характеристики системы за период эксплуатации (надежность, "
               "производительность)?",
               "Пайдалану кезеңіндегі жүйенің сипаттамалары (сенімділік, өнімділік) тіркелді ме?",
               "Were the system's characteristics (reliability, performance) recorded over the trial period?"),
        ],
    },
    {
        "level": 8,
        "title": _q("Система завершена и квалифицирована", "Жүйе аяқталды және біліктілік сынағынан өтті",
                    "System complete and qualified"),
        "definition": _q(
            "Технология в окончательном виде прошла испытания и подтвердила соответствие требованиям; "
            "получены сертификаты или разрешения, выпущены первые изделия.",
            "Технология соңғы түрінде сынақтан өтіп, талаптарға сәйкестігін растады; сертификаттар немесе "
            "рұқсаттар алынды, алғашқы бұйымдар шығарылды.",
            "The technology in its final form has been tested and proven to meet its requirements; "
            "certificates or permits are obtained and the first units produced."),
        "evidence": _q(
            "Сертификат соответствия, протоколы квалификационных испытаний, первые произведенные единицы.",
            "Сәйкестік сертификаты, біліктілік сынақтарының хаттамалары, алғашқы өндірілген бірліктер.",
            "Certificate of conformity, qualification test reports, first units produced."),
        "checklist": [
            _q("Получен ли сертификат, регистрационное удостоверение или иное разрешение на применение?",
               "Сертификат, тіркеу куәлігі немесе қолдануға өзге рұқсат алынды ма?",
               "Has a certificate, registration or other permit for use been obtained?"),
            _q("Проведены ли квалификационные (приемочные) испытания по утвержденной программе?",
               "Бекітілген бағдарлама бойынша біліктілік (қабылдау) сынақтары өткізілді ме?",
               "Have qualification (acceptance) tests been performed to an approved programme?"),
            _q("Выпущены ли первые изделия (партия) на производственном оборудовании?",
               "Алғашқы бұйымдар (партия) өндірістік жабдықта шығарылды ма?",
               "Have the first units (a batch) been produced on production equipment?"),
        ],
    },
    {
        "level": 9,
        "title": _q("Система подтверждена в реальной эксплуатации", "Жүйе нақты пайдалануда дәлелденді",
                    "Actual system proven in operational environment"),
        "definition": _q(
            "Технология применяется в реальных условиях; есть подтвержденные продажи или данные эксплуатации.",
            "Технология нақты жағдайда қолданылады; расталған сатылымдар немесе пайдалану деректері бар.",
            "The technology is in use in its operational environment, with confirmed sales or operational "
            "data."),
        "evidence": _q(
            "Данные о продажах или эксплуатации, договоры поставки, отзывы потребителей.",
            "Сату немесе пайдалану деректері, жеткізу шарттары, тұтынушылардың пікірлері.",
            "Sales or operational data, supply contracts, customer feedback."),
        "checklist": [
            _q("Есть ли оплаченные договоры поставки или лицензионные договоры?",
               "Төленген жеткізу шарттары немесе лицензиялық шарттар бар ма?",
               "Are there paid supply or licence contracts?"),
            _q("Работает ли система у потребителей в штатном режиме не менее 6 месяцев?",
               "Жүйе тұтынушыларда кемінде 6 ай бойы қалыпты режимде жұмыс істеп тұр ма?",
               "Has the system been in routine use by customers for at least 6 months?"),
            _q("Собираются ли данные эксплуатации и отзывы для улучшения продукта?",
               "Өнімді жетілдіру үшін пайдалану деректері мен пікірлер жиналып жатыр ма?",
               "Are operational data and feedback collected to improve the product?"),
        ],
    },
]

TRL_BY_LEVEL: dict[int, dict[str, Any]] = {t["level"]: t for t in TRL_LEVELS}

#: Investors see projects from this TRL on (DOMAIN.md: "Investors see projects from TRL 4-5").
INVESTOR_MIN_TRL = 4


# ---------------------------------------------------------------------------------------------------
# Review: score scale and criteria
# ---------------------------------------------------------------------------------------------------

#: Horizon Europe scale, 0-5 in half points.
SCORE_SCALE: list[dict[str, Any]] = [
    {"score": 0, "name": _q("Не соответствует: критерий не раскрыт или не может быть оценен",
                            "Сәйкес келмейді: критерий ашылмаған немесе бағалау мүмкін емес",
                            "Fail: the criterion is not addressed or cannot be assessed")},
    {"score": 1, "name": _q("Плохо", "Нашар", "Poor")},
    {"score": 2, "name": _q("Удовлетворительно", "Қанағаттанарлық", "Fair")},
    {"score": 3, "name": _q("Хорошо", "Жақсы", "Good")},
    {"score": 4, "name": _q("Очень хорошо", "Өте жақсы", "Very good")},
    {"score": 5, "name": _q("Отлично", "Үздік", "Excellent")},
]

SCORE_MIN = 0
SCORE_MAX = 5
SCORE_STEP = 0.5
CRITERION_THRESHOLD = 3
TOTAL_THRESHOLD = 10  # of 15 (three criteria x 5)

#: Tie-break chain: higher Excellence, then higher Impact, then earlier submission.
DEFAULT_TIE_BREAK: list[str] = ["excellence", "impact", "submitted_at"]


_EXCELLENCE_DESC = _q(
    "Ясность и актуальность целей; новизна по сравнению с мировым уровнем; обоснованность методологии; "
    "достоверность заявленного уровня TRL.",
    "Мақсаттардың айқындығы мен өзектілігі; әлемдік деңгеймен салыстырғандағы жаңалығы; әдістеменің "
    "негізділігі; мәлімделген TRL деңгейінің дұрыстығы.",
    "Clarity and pertinence of the objectives; novelty beyond the state of the art; soundness of the "
    "methodology; credibility of the claimed TRL.")
_IMPACT_DESC = _q(
    "Вклад в приоритеты ВНТК и развитие региона; ожидаемые результаты (публикации, патенты, продукты); "
    "распространение и использование результатов.",
    "ЖҒТК басымдықтары мен өңірдің дамуына қосатын үлесі; күтілетін нәтижелер (жарияланымдар, патенттер, "
    "өнімдер); нәтижелерді тарату және пайдалану.",
    "Contribution to the ВНТК priorities and to regional development; expected outputs (publications, "
    "patents, products); dissemination and exploitation of results.")
_COMMERCIAL_IMPACT_DESC = _q(
    "Размер и доступность рынка; подтвержденный интерес потребителей; бизнес-модель и план выручки; "
    "охрана интеллектуальной собственности; создание рабочих мест и налоговые поступления.",
    "Нарықтың көлемі мен қолжетімділігі; тұтынушылардың расталған қызығушылығы; бизнес-модель және "
    "түсім жоспары; зияткерлік меншікті қорғау; жұмыс орындарын құру және салық түсімдері.",
    "Market size and access; confirmed customer interest; business model and revenue plan; protection of "
    "intellectual property; jobs created and tax revenue.")
_IMPLEMENTATION_DESC = _q(
    "Реалистичность плана работ и сроков; компетентность и опыт команды; обоснованность бюджета и "
    "софинансирования; управление рисками.",
    "Жұмыс жоспары мен мерзімдерінің шынайылығы; команданың құзыреттілігі мен тәжірибесі; бюджет пен "
    "қоса қаржыландырудың негізділігі; тәуекелдерді басқару.",
    "Realism of the work plan and timeline; competence and experience of the team; justification of the "
    "budget and co-financing; risk management.")


def _criterion(key: str, name: dict[str, str], description: dict[str, str], weight: float) -> dict[str, Any]:
    return {"key": key, "name": name, "description": description, "weight": weight,
            "min": SCORE_MIN, "max": SCORE_MAX, "step": SCORE_STEP, "threshold": CRITERION_THRESHOLD}


def default_criteria(instrument: str = "grant") -> list[dict[str, Any]]:
    """The default review criteria of an instrument (fresh copies, safe to modify).

    All instruments use the same three Horizon Europe criteria, each 0-5 in half points with a threshold
    of 3, and a total threshold of 10 of 15. Weights apply to the ranking only, never to the thresholds.

    Commercialisation does *not* add a fourth "commercial" criterion: a fourth criterion would change the
    maximum to 20 and make the 10-point total threshold meaningless across competitions. Instead, as in
    Horizon Europe innovation actions, its Impact criterion is "Impact and commercial potential" (market,
    customers, business model) and weighs 1.5 in the ranking. Megagrants, like ERC-style calls, put the
    weight on Excellence (1.5).
    """
    excellence_w = 1.5 if instrument == "megagrant" else 1.0
    criteria = [
        _criterion("excellence", _q("Научно-техническое качество", "Ғылыми-техникалық сапа", "Excellence"),
                   _EXCELLENCE_DESC, excellence_w),
    ]
    if instrument == "commercialisation":
        criteria.append(_criterion(
            "impact", _q("Влияние и коммерческий потенциал", "Ықпалы және коммерциялық әлеуеті",
                         "Impact and commercial potential"),
            _COMMERCIAL_IMPACT_DESC, 1.5))
    else:
        criteria.append(_criterion("impact", _q("Ожидаемые результаты и влияние", "Күтілетін нәтижелер мен ықпалы",
                                                "Impact"), _IMPACT_DESC, 1.0))
    criteria.append(_criterion(
        "implementation", _q("Качество и эффективность реализации", "Іске асырудың сапасы мен тиімділігі",
                             "Quality and efficiency of implementation"),
        _IMPLEMENTATION_DESC, 1.0))
    return criteria


# ---------------------------------------------------------------------------------------------------
# Documents and funding instruments
# ---------------------------------------------------------------------------------------------------

DOCUMENT_TYPES: list[dict[str, Any]] = [
    {"code": "project_description",
     "name": _q("Описание проекта", "Жобаның сипаттамасы", "Project description")},
    {"code": "budget_justification",
     "name": _q("Обоснование бюджета (смета расходов)", "Бюджеттің негіздемесі (шығыстар сметасы)",
                "Budget justification")},
    {"code": "cofinancing_letter",
     "name": _q("Гарантийное письмо о софинансировании", "Қоса қаржыландыру туралы кепілдік хат",
                "Co-financing commitment letter")},
    {"code": "org_charter",
     "name": _q("Устав организации", "Ұйымның жарғысы", "Charter of the organisation")},
    {"code": "state_registration",
     "name": _q("Справка о государственной регистрации юридического лица",
                "Заңды тұлғаны мемлекеттік тіркеу туралы анықтама",
                "Certificate of state registration of the legal entity")},
    {"code": "accreditation_certificate",
     "name": _q("Свидетельство об аккредитации субъекта научной деятельности",
                "Ғылыми қызмет субъектісін аккредиттеу туралы куәлік",
                "Accreditation certificate of a subject of scientific activity")},
    {"code": "ip_documents",
     "name": _q("Охранные документы на объекты интеллектуальной собственности",
                "Зияткерлік меншік объектілеріне қорғау құжаттары",
                "IP protection documents (patents, certificates)")},
    {"code": "trl_evidence",
     "name": _q("Подтверждение уровня технологической готовности (TRL)",
                "Технологиялық дайындық деңгейін (TRL) растайтын құжаттар",
                "Evidence of the technology readiness level (TRL)")},
    {"code": "team_cvs",
     "name": _q("Резюме членов команды", "Команда мүшелерінің түйіндемелері", "CVs of the team members")},
    {"code": "business_plan",
     "name": _q("Бизнес-план и план коммерциализации", "Бизнес-жоспар және коммерцияландыру жоспары",
                "Business and commercialisation plan")},
    {"code": "publications_list",
     "name": _q("Список публикаций руководителя и команды", "Жетекші мен команданың жарияланымдар тізімі",
                "Publication list of the leader and the team")},
    {"code": "leading_scientist_cv",
     "name": _q("Резюме и согласие ведущего ученого", "Жетекші ғалымның түйіндемесі мен келісімі",
                "Leading scientist's CV and letter of consent")},
    {"code": "technical_specification",
     "name": _q("Техническое задание программы", "Бағдарламаның техникалық тапсырмасы",
                "Technical specification of the programme")},
    {"code": "regional_demand_letter",
     "name": _q("Письмо, подтверждающее потребность региона (предприятие или управление акимата)",
                "Өңір қажеттілігін растайтын хат (кәсіпорын немесе әкімдік басқармасы)",
                "Letter confirming regional demand (enterprise or akimat department)")},
    {"code": "industrial_partner_letter",
     "name": _q("Письмо индустриального партнера", "Индустриялық серіктестің хаты",
                "Letter from an industrial partner")},
]

DOCUMENT_TYPES_BY_CODE: dict[str, dict[str, Any]] = {d["code"]: d for d in DOCUMENT_TYPES}

APPLICANT_CATEGORIES: list[dict[str, Any]] = [
    {"code": "scientist", "name": _q("Ученый или научная организация", "Ғалым немесе ғылыми ұйым",
                                     "Scientist or research organisation")},
    {"code": "startup", "name": _q("Новый стартап", "Жаңа стартап", "New startup")},
    {"code": "business", "name": _q("Бизнес", "Бизнес", "Business")},
]
APPLICANT_CATEGORY_CODES: tuple[str, ...] = tuple(c["code"] for c in APPLICANT_CATEGORIES)

#: Funding instruments with their default rules (DOMAIN.md, "Funding instruments"; all configurable per
#: competition). Conventions:
#:
#: * ``cofinancing`` - minimal co-financing as a fraction of the requested grant amount, per applicant
#:   category (``cofinancing_kzt >= share * requested_kzt``);
#: * ``required_documents`` - document codes (see ``DOCUMENT_TYPES`` for their names), the value that
#:   ``POST /api/v1/competitions`` takes;
#: * ``min_foreign`` - how many of the ``experts_per_application`` must be foreign. ГНТЭ historically used
#:   2 foreign of 3 experts: kept for grant, programme and megagrant funding (research excellence judged
#:   against the world level). Commercialisation grants are judged largely on the Kazakh market and
#:   industry partners, and regional competitions on the region's needs: 1 foreign expert there;
#: * ``decided_by`` - ``council`` (ННС, open vote within the budget) or ``commission`` (akimat's
#:   competition commission);
#: * ``irn_prefix`` - prefix of the registration number (ИРН) assigned at submission.
INSTRUMENTS: list[dict[str, Any]] = [
    {
        "code": "commercialisation",
        "name": _q("Грант на коммерциализацию результатов научной и научно-технической деятельности",
                   "Ғылыми және ғылыми-техникалық қызмет нәтижелерін коммерцияландыруға арналған грант",
                   "Grant for the commercialisation of R&D results"),
        "short": _q("Коммерциализация РННТД", "Коммерцияландыру гранты", "Commercialisation grant"),
        "organiser": "mnvo",
        "funding_source": "republican",
        "decided_by": "council",
        "irn_prefix": "DP",
        "max_grant_kzt": 350_000_000,
        "max_duration_months": 36,
        "trl_min": 4,
        "trl_max": 8,
        "cofinancing": {"scientist": 0.10, "startup": 0.20, "business": 0.30},
        "experts_per_application": 3,
        "min_foreign": 1,
        "require_accreditation": True,
        "required_documents": ["project_description", "budget_justification", "business_plan",
                               "cofinancing_letter", "ip_documents", "trl_evidence", "team_cvs",
                               "org_charter", "state_registration"],
        "criteria": default_criteria("commercialisation"),
        "total_threshold": TOTAL_THRESHOLD,
        "tie_break": list(DEFAULT_TIE_BREAK),
    },
    {
        "code": "megagrant",
        "name": _q("Мегагрант на крупные научные исследования", "Ірі ғылыми зерттеулерге арналған мегагрант",
                   "Megagrant for large-scale research"),
        "short": _q("Мегагрант", "Мегагрант", "Megagrant"),
        "organiser": "mnvo",
        "funding_source": "republican",
        "decided_by": "council",
        "irn_prefix": "MG",
        # Comparable Russian megagrants: ~100 M RUB a year for 3-5 years with a leading scientist and
        # >= 25 % extra-budgetary co-funding; here up to 2 bn KZT over up to 5 years.
        "max_grant_kzt": 2_000_000_000,
        "max_duration_months": 60,
        "trl_min": 2,
        "trl_max": 6,
        "cofinancing": {"scientist": 0.25, "startup": 0.25, "business": 0.25},
        "experts_per_application": 3,
        "min_foreign": 2,
        "require_accreditation": True,
        "required_documents": ["project_description", "budget_justification", "leading_scientist_cv",
                               "team_cvs", "publications_list", "cofinancing_letter", "trl_evidence",
                               "accreditation_certificate", "org_charter"],
        "criteria": default_criteria("megagrant"),
        "total_threshold": TOTAL_THRESHOLD,
        "tie_break": list(DEFAULT_TIE_BREAK),
    },
    {
        "code": "grant",
        "name": _q("Грантовое финансирование научных исследований", "Ғылыми зерттеулерді гранттық қаржыландыру",
                   "Grant funding for research"),
        "short": _q("ГФ", "ГҚ", "Grant funding"),
        "organiser": "mnvo",
        "funding_source": "republican",
        "decided_by": "council",
        "irn_prefix": "AP",
        "max_grant_kzt": 70_000_000,
        "max_duration_months": 36,
        "trl_min": 1,
        "trl_max": 4,
        "cofinancing": {"scientist": 0.0, "startup": 0.0, "business": 0.0},
        "experts_per_application": 3,
        "min_foreign": 2,
        "require_accreditation": True,
        "required_documents": ["project_description", "budget_justification", "team_cvs",
                               "publications_list", "accreditation_certificate"],
        "criteria": default_criteria("grant"),
        "total_threshold": TOTAL_THRESHOLD,
        "tie_break": list(DEFAULT_TIE_BREAK),
    },
    {
        "code": "programme",
        "name": _q("Программно-целевое финансирование", "Бағдарламалық-нысаналы қаржыландыру",
                   "Programme-targeted funding"),
        "short": _q("ПЦФ", "БНҚ", "Programme funding"),
        "organiser": "mnvo",
        "funding_source": "republican",
        "decided_by": "council",
        "irn_prefix": "BR",
        "max_grant_kzt": 1_500_000_000,
        "max_duration_months": 36,
        "trl_min": 2,
        "trl_max": 7,
        "cofinancing": {"scientist": 0.0, "startup": 0.0, "business": 0.0},
        "experts_per_application": 3,
        "min_foreign": 2,
        "require_accreditation": True,
        "required_documents": ["project_description", "technical_specification", "budget_justification",
                               "team_cvs", "publications_list", "accreditation_certificate"],
        "criteria": default_criteria("programme"),
        "total_threshold": TOTAL_THRESHOLD,
        "tie_break": list(DEFAULT_TIE_BREAK),
    },
    {
        "code": "regional",
        "name": _q("Региональный конкурс НИОКР акимата", "Әкімдіктің өңірлік ҒЗТКЖ конкурсы",
                   "Regional R&D competition of an akimat"),
        "short": _q("Региональный конкурс (МБ)", "Өңірлік конкурс (ЖБ)", "Regional competition"),
        "organiser": "akimat",
        "funding_source": "local",
        "decided_by": "commission",
        "irn_prefix": "RG",
        "max_grant_kzt": 100_000_000,
        "max_duration_months": 24,
        "trl_min": 3,
        "trl_max": 8,
        "cofinancing": {"scientist": 0.10, "startup": 0.20, "business": 0.30},
        "experts_per_application": 3,
        "min_foreign": 1,
        # Akimats fund applied work for the region, open to local enterprises that are not accredited
        # subjects of scientific activity.
        "require_accreditation": False,
        "required_documents": ["project_description", "budget_justification", "regional_demand_letter",
                               "cofinancing_letter", "team_cvs", "trl_evidence", "state_registration"],
        "criteria": default_criteria("regional"),
        "total_threshold": TOTAL_THRESHOLD,
        "tie_break": list(DEFAULT_TIE_BREAK),
    },
]

INSTRUMENT_CODES: tuple[str, ...] = tuple(i["code"] for i in INSTRUMENTS)
INSTRUMENTS_BY_CODE: dict[str, dict[str, Any]] = {i["code"]: i for i in INSTRUMENTS}

DECISION_BODIES: dict[str, dict[str, str]] = {
    "council": _q("Национальный научный совет (ННС)", "Ұлттық ғылыми кеңес (ҰҒК)", "National Science Council"),
    "commission": _q("Конкурсная комиссия акимата", "Әкімдіктің конкурстық комиссиясы",
                     "Competition commission of the akimat"),
}

FUNDING_SOURCES: dict[str, dict[str, str]] = {
    "republican": _q("Республиканский бюджет (РБ)", "Республикалық бюджет (РБ)", "Republican budget"),
    "local": _q("Местный бюджет (МБ)", "Жергілікті бюджет (ЖБ)", "Local budget"),
}


# ---------------------------------------------------------------------------------------------------
# Investors, stages, organisations
# ---------------------------------------------------------------------------------------------------

INVESTOR_TYPES: list[dict[str, Any]] = [
    {"code": "venture_fund", "name": _q("Венчурный фонд", "Венчурлық қор", "Venture fund")},
    {"code": "territory_fund", "name": _q("Специализированный фонд наукоемкой территории",
                                          "Ғылымды қажетсінетін аумақтың мамандандырылған қоры",
                                          "Science territory fund")},
    {"code": "corporate", "name": _q("Корпоративный инвестор", "Корпоративтік инвестор", "Corporate investor")},
    {"code": "angel", "name": _q("Бизнес-ангел", "Бизнес-ангел", "Business angel")},
    {"code": "state_fund", "name": _q("Государственный фонд", "Мемлекеттік қор", "State fund")},
    {"code": "development_institution", "name": _q("Институт развития", "Даму институты",
                                                   "Development institution")},
]
INVESTOR_TYPE_CODES: tuple[str, ...] = tuple(t["code"] for t in INVESTOR_TYPES)

STAGES: list[dict[str, Any]] = [
    {"code": "pre_seed", "name": _q("Предпосевная стадия", "Идея кезеңі (pre-seed)", "Pre-seed")},
    {"code": "seed", "name": _q("Посевная стадия", "Бастапқы кезең (seed)", "Seed")},
    {"code": "series_a", "name": _q("Раунд A", "A раунды", "Series A")},
    {"code": "growth", "name": _q("Стадия роста", "Өсу кезеңі", "Growth")},
]
STAGE_CODES: tuple[str, ...] = tuple(s["code"] for s in STAGES)

ORGANISATION_KINDS: list[dict[str, Any]] = [
    {"code": "university", "name": _q("Университет", "Университет", "University")},
    {"code": "research_institute", "name": _q("Научно-исследовательский институт", "Ғылыми-зерттеу институты",
                                              "Research institute")},
    {"code": "company", "name": _q("Компания", "Компания", "Company")},
    {"code": "startup", "name": _q("Стартап", "Стартап", "Startup")},
    {"code": "ngo", "name": _q("Некоммерческая организация", "Коммерциялық емес ұйым", "Non-profit organisation")},
]
ORGANISATION_KIND_CODES: tuple[str, ...] = tuple(k["code"] for k in ORGANISATION_KINDS)


# ---------------------------------------------------------------------------------------------------
# Target indicators of the Concept (Section 6)
# ---------------------------------------------------------------------------------------------------

def _years(*values: float) -> dict[int, float]:
    assert len(values) == 10
    return dict(zip(range(2026, 2036), values))


#: ``platform_tracked``: the platform measures the indicator itself (investments committed through
#: matches, patents declared in applications and reports). ``higher_is_better`` is False for a rank.
CONCEPT_TARGETS: list[dict[str, Any]] = [
    {
        "code": "tax_revenue",
        "number": 1,
        "name": _q("Налоговые поступления в бюджетную систему от участников наукоемких территорий",
                   "Ғылымды қажетсінетін аумақтарға қатысушылардан бюджет жүйесіне түсетін салық түсімдері",
                   "Tax revenue from participants of the science-intensive territories"),
        "unit": _q("млрд тенге", "млрд теңге", "bn KZT"),
        "baseline_year": 2025,
        "baseline": 2.3,
        "targets": _years(2.35, 2.4, 2.5, 3, 3.5, 4.1, 4.7, 5.5, 6, 8),
        "higher_is_better": True,
        "platform_tracked": False,
    },
    {
        "code": "gii_business_rnd_rank",
        "number": 2,
        "name": _q("Позиция Казахстана в рейтинге GII по показателю «Внутренние затраты на НИОКР, "
                   "финансируемые бизнесом»",
                   "Қазақстанның GII рейтингіндегі «Бизнес қаржыландыратын ҒЗТКЖ-ға арналған ішкі "
                   "шығындар» көрсеткіші бойынша орны",
                   "Kazakhstan's rank in the GII for gross R&D expenditure financed by business"),
        "unit": _q("место", "орын", "rank"),
        "baseline_year": 2025,
        "baseline": 31,
        "targets": _years(30, 29, 28, 27, 26, 25, 23, 22, 21, 20),
        "higher_is_better": False,
        "platform_tracked": False,
    },
    {
        "code": "researchers",
        "number": 3,
        "name": _q("Численность специалистов-исследователей, работающих в наукоемких территориях",
                   "Ғылымды қажетсінетін аумақтарда жұмыс істейтін зерттеуші мамандар саны",
                   "Researchers working in the science-intensive territories"),
        "unit": _q("человек", "адам", "persons"),
        "baseline_year": 2025,
        "baseline": 878,
        "targets": _years(900, 930, 970, 1020, 1070, 1100, 1210, 1350, 1500, 1600),
        "higher_is_better": True,
        "platform_tracked": False,
    },
    {
        "code": "private_investment",
        "number": 4,
        "name": _q("Объем привлеченных частных инвестиций для развития наукоемких территорий",
                   "Ғылымды қажетсінетін аумақтарды дамытуға тартылған жеке инвестициялар көлемі",
                   "Private investment attracted to the science-intensive territories"),
        "unit": _q("млрд тенге", "млрд теңге", "bn KZT"),
        "baseline_year": 2025,
        "baseline": 0.6,
        "targets": _years(0.65, 0.7, 0.75, 1, 1.2, 1.5, 1.8, 2.1, 2.5, 5),
        "higher_is_better": True,
        "platform_tracked": True,
    },
    {
        "code": "science_output",
        "number": 5,
        "name": _q("Объем научно-технической и наукоемкой продукции (работ, услуг) наукоемких территорий",
                   "Ғылымды қажетсінетін аумақтардың ғылыми-техникалық және ғылымды қажетсінетін өнімінің "
                   "(жұмыстарының, қызметтерінің) көлемі",
                   "Science-intensive output (goods, works, services) of the territories"),
        "unit": _q("млрд тенге", "млрд теңге", "bn KZT"),
        "baseline_year": 2025,
        "baseline": 4,
        "targets": _years(4, 4.2, 4.4, 6, 7, 8, 10, 11, 12.5, 15),
        "higher_is_better": True,
        "platform_tracked": False,
    },
    {
        "code": "patents",
        "number": 6,
        "name": _q("Число зарегистрированных патентов на изобретения в наукоемких территориях в год",
                   "Ғылымды қажетсінетін аумақтарда бір жылда тіркелген өнертабыстарға арналған "
                   "патенттер саны",
                   "Patents for inventions registered in the science-intensive territories per year"),
        "unit": _q("ед. в год", "жылына бірлік", "per year"),
        "baseline_year": 2025,
        "baseline": 9,
        "targets": _years(10, 13, 15, 17, 21, 24, 27, 30, 33, 40),
        "higher_is_better": True,
        "platform_tracked": True,
    },
]

CONCEPT_TARGETS_BY_CODE: dict[str, dict[str, Any]] = {t["code"]: t for t in CONCEPT_TARGETS}

#: Other headline figures of the Concept (Section 2), for dashboards.
CONCEPT_FACTS: dict[str, Any] = {
    "rnd_share_of_gdp_pct": 0.16,                # 2024
    "researchers_total_2024": 27_146,
    "rnd_organisations_2024": 423,
    "researchers_per_million_2024": 769,
    "commercialisation_contracts": 386,          # in 6 competitions
    "commercialisation_products_on_sale": 230,
    "innovative_output_share_of_gdp_pct_2024": 1.37,
    "innovative_output_share_of_gdp_pct_target_2035": 3.0,
    "territories_target_2035": 3,
}


def localized(names: dict[str, str], lang: str = DEFAULT_LANGUAGE) -> str:
    """The name in ``lang``, falling back to Russian, then to any language present."""
    return names.get(lang) or names.get(DEFAULT_LANGUAGE) or next(iter(names.values()), "")
