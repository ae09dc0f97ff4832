"""A competition in review with admitted applications and a pool of experts."""

from __future__ import annotations

from datetime import timedelta

from app.competitions import applications as application_ops

from app.competitions import services as comp
from app.core import time as clock
from app.scoring.experts import services as expert_ops
from tests.competitions.helpers import accredited_org, complete_draft, open_competition

TOPICS = [
    ("Радиофармпрепараты на основе лютеция-177", "изотопы ядерная медицина радиофармпрепараты"),
    ("Кибербезопасность промышленных систем", "кибербезопасность SCADA обнаружение атак"),
    ("Засухоустойчивые сорта пшеницы", "селекция пшеница засуха агрономия"),
    ("Водородная энергетика на основе электролиза", "водород электролиз энергетика катализаторы"),
]
EXPERT_TEXTS = [
    ["Ядерная медицина: изотопы лютеций-177 и радиофармпрепараты для терапии опухолей."],
    ["Кибербезопасность SCADA, обнаружение атак на промышленные системы управления."],
    ["Селекция пшеницы на засухоустойчивость, агрономия зерновых культур."],
    ["Электролиз воды и катализаторы для водородной энергетики."],
    ["Радиофармпрепараты и изотопы: производство на исследовательском реакторе."],
    ["Засуха и урожайность пшеницы: агрономические модели."],
]


def review_world(make_user, n_applications=4, n_experts=6, k=2, foreign=(), **competition_overrides):
    org = accredited_org("Институт ядерной физики")
    mnvo = make_user("mnvo")
    head = make_user("org_head", organisation=org.name_ru)
    competition = open_competition(mnvo, experts_per_application=k, min_foreign=0, **competition_overrides)
    applications, leaders = [], []
    for i in range(n_applications):
        leader = make_user("researcher", organisation=org.name_ru, name=f"Leader Number{i}")
        title, keywords = TOPICS[i % len(TOPICS)]
        application = complete_draft(
            leader, competition, head, title=f"{title} {i}", abstract=keywords, keywords=keywords.split()
        )
        application_ops.submit(leader, application.id)
        applications.append(application)
        leaders.append(leader)
    clock.freeze(competition.deadline + timedelta(seconds=1))
    comp.transition(mnvo, competition.id, "closed")
    for application in applications:
        application_ops.formal_check(mnvo, application.id, True)
    comp.transition(mnvo, competition.id, "review")
    experts = []
    for i in range(n_experts):
        expert = make_user("expert", name=f"Expert Surname{i}")
        expert_ops.update_profile(
            expert,
            {
                "texts": EXPERT_TEXTS[i % len(EXPERT_TEXTS)],
                "foreign": i in foreign,
                "organisation": f"Org {i}",
            },
        )
        experts.append(expert)
    return {
        "competition": competition,
        "mnvo": mnvo,
        "applications": applications,
        "leaders": leaders,
        "experts": experts,
        "org": org,
    }


FULL_REVIEW = {
    "scores": {"excellence": 4.5, "impact": 4, "implementation": 3.5},
    "comments": {"excellence": "Strong", "impact": "Clear market", "implementation": "Feasible"},
    "trl_verified": 5,
    "budget_justified": "yes",
    "overall_comment": "Recommended.",
}
