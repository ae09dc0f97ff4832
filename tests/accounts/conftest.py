import pytest


@pytest.fixture(autouse=True)
def _empty_rate_limits(app):
    """Rate-limit counters start empty (Flask-Limiter's storage outlives a test when the app is reused)."""
    from app.extensions import limiter
    limiter.reset()


@pytest.fixture
def mail_outbox(app):
    """The e-mails sent so far (Flask-Mailman's in-memory backend), emptied for this test."""
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox
