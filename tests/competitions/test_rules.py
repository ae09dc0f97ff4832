"""The pure rules module: eligibility takes the data it needs; no app, no database."""
from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

from app.competitions.rules import eligibility_problems
from app.config import PROJECT_ROOT


def _application(**overrides):
    competition = SimpleNamespace(rules={"required_documents": ["project_description"],
                                         "cofinancing": {"scientist": 0.1}, "require_org_signature": True},
                                  region_code=None, trl_min=3, trl_max=6, max_grant_kzt=1000,
                                  max_duration_months=24, require_accreditation=False)
    fields = dict(competition=competition, title="Isotopes", abstract="Abstract", keywords=["isotope"], priority=1,
                  territory=None, region_code="ALA", trl_claimed=4,
                  trl_evidence={str(level): "done" for level in range(1, 5)}, requested_kzt=900,
                  cofinancing_kzt=100, duration_months=12, applicant_category="scientist",
                  attachments=[SimpleNamespace(doc_type="project_description")], members=[],
                  organisation_id=None, organisation=None, org_signed_at=None)
    fields.update(overrides)
    return SimpleNamespace(**fields)


def test_an_eligible_application_has_no_problems():
    assert eligibility_problems(_application()) == {}


def test_problems_are_keyed_by_field_and_use_the_given_names():
    problems = eligibility_problems(_application(trl_claimed=7, requested_kzt=2000, attachments=[]),
                                    leader_blocked=True, document_name=str.upper)
    assert set(problems) == {"trl_claimed", "trl_evidence", "requested_kzt", "cofinancing_kzt", "documents",
                             "leader"}
    assert "PROJECT_DESCRIPTION" in problems["documents"][0]
    assert "outside the eligible range 3–6" in problems["trl_claimed"][0]


def test_the_rules_module_imports_neither_flask_nor_the_database():
    """Loaded on its own (without the ``app`` package, whose factory needs Flask), with its two pure
    dependencies: the states and the reference data."""
    code = ("import importlib.util, sys\n"
            "def load(name, path):\n"
            "    spec = importlib.util.spec_from_file_location(name, path)\n"
            "    module = importlib.util.module_from_spec(spec); sys.modules[name] = module\n"
            "    spec.loader.exec_module(module)\n"
            "    return module\n"
            "for name in ('app', 'app.competitions', 'app.reference'):\n"
            "    sys.modules[name] = type(sys)(name)\n"
            "sys.modules['app.reference'].data = load('app.reference.data', 'app/reference/data.py')\n"
            "load('app.competitions.states', 'app/competitions/states.py')\n"
            "load('app.competitions.rules', 'app/competitions/rules.py')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_sqlalchemy', 'sqlalchemy',"
            " 'flask_babel')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PROJECT_ROOT).stdout
    assert out.strip() == "[]"
