"""Rate-limit counters live in Redis when it is configured, so every worker sees the same failures."""
import pytest

from app import create_app
from app.extensions import limiter
from tests.integration.conftest import IntegrationConfig

pytestmark = pytest.mark.integration


def test_failed_sign_ins_are_counted_in_redis_across_workers(app, make_user):
    from limits.storage import RedisStorage
    limiter.reset()
    app.config["LOGIN_RATE_LIMIT"] = "2 per 5 minutes"
    assert isinstance(limiter.storage, RedisStorage)
    user = make_user()
    first = app.test_client()
    assert first.post("/api/v1/tokens", json={"email": user.email, "password": "wrong"}).status_code == 401
    other_worker = create_app(IntegrationConfig)  # a second process would share only Redis
    other_worker.config["LOGIN_RATE_LIMIT"] = "2 per 5 minutes"
    with other_worker.app_context():
        client = other_worker.test_client()
        assert client.post("/api/v1/tokens", json={"email": user.email, "password": "wrong"}).status_code == 401
        response = client.post("/api/v1/tokens", json={"email": user.email, "password": "Secret-pass-123"})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    limiter.reset()
