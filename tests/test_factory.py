import secrets

import pytest

from app import create_app
from app.config import ProductionConfig


@pytest.fixture(autouse=True)
def _public_url(monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "https://nauka.example.kz")


def test_production_refuses_an_address_taken_from_requests(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delenv("PUBLIC_URL")
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app(ProductionConfig)


def test_production_refuses_a_secret_of_one_repeated_character(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a" * 40)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_refuses_default_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_starts_with_real_secret(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_seed_demo_refused_in_production(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    app = create_app(ProductionConfig)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "production" in result.output


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_security_headers(client):
    response = client.get("/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_core_imports_no_domain():
    """Each domain registers itself with ``init_app``; ``app/core`` depends on none of them."""
    import ast

    from app.config import PROJECT_ROOT
    domains = ("accounts", "competitions", "scoring", "matching", "notifications", "jobs", "main", "api", "seed")
    offending = []
    for path in sorted((PROJECT_ROOT / "app" / "core").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            offending += [f"{path.name}: {n}" for n in names if n.split(".")[:2][-1] in domains
                          and n.startswith("app.")]
    assert offending == []


def test_every_domain_registers_itself(app):
    from app import DOMAINS
    assert {"main", "accounts", "jobs", "notifications", "api", "competitions", "matching", "scoring"} <= set(
        app.blueprints)
    assert {"users", "jobs", "scoring", "matching", "seed-demo"} <= set(app.cli.commands)
    assert DOMAINS.index("app.competitions") < DOMAINS.index("app.scoring")  # scoring guards competitions


def test_the_demo_seed_steps_are_one_ordered_list():
    from app.seed.demo import STEPS
    names = [name for name, _func in STEPS]
    assert names[:2] == ["organisations", "accounts"] and names[-1] == "embeddings"
    assert names.index("competitions and applications") < names.index("experts") < names.index("review rounds")
