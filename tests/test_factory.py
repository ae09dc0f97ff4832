import pytest

from app import create_app
from app.config import ProductionConfig


def test_production_refuses_default_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_starts_with_real_secret(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_seed_demo_refused_in_production(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "y" * 40)
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
