import re
from datetime import timedelta

from app.core import time as clock
from app.notifications.models import Notification


def _link(db):
    body = db.session.query(Notification).order_by(Notification.id.desc()).first().body
    return re.search(r"/account/reset/([\w-]+)", body).group(1)


def test_reset_is_single_use(client, make_user, db):
    user = make_user()
    assert client.post("/account/reset", data={"email": user.email}).status_code == 302
    token = _link(db)
    response = client.post(f"/account/reset/{token}", data={"password": "Brand-new-pass-9",
                                                           "password2": "Brand-new-pass-9"})
    assert response.status_code == 302
    assert client.post("/account/login", data={"email": user.email, "password": "Brand-new-pass-9"}).status_code == 302
    again = client.post(f"/account/reset/{token}", data={"password": "Other-pass-99", "password2": "Other-pass-99"})
    assert again.status_code == 422


def test_reset_expires(client, make_user, db):
    user = make_user()
    client.post("/account/reset", data={"email": user.email})
    token = _link(db)
    clock.freeze(clock.now() + timedelta(minutes=61))
    response = client.post(f"/account/reset/{token}", data={"password": "Brand-new-pass-9",
                                                           "password2": "Brand-new-pass-9"})
    assert response.status_code == 422


def test_reset_unknown_email_looks_the_same(client, db):
    response = client.post("/account/reset", data={"email": "nobody@example.kz"})
    assert response.status_code == 302
    assert db.session.query(Notification).count() == 0


def test_signing_out_ends_the_session_even_for_a_replayed_cookie(app, make_user):
    from tests.conftest import PASSWORD
    user = make_user()
    browser = app.test_client()
    response = browser.post("/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    stolen = {c.key: c.value for c in browser._cookies.values()}  # the cookies as someone copied them
    assert browser.get("/dashboard").status_code == 200
    assert browser.post("/account/logout").status_code == 302
    replay = app.test_client()
    for name, value in stolen.items():
        replay.set_cookie(name, value)
    assert replay.get("/dashboard").status_code == 302  # back to the sign-in page, not the dashboard


def test_a_password_reset_revokes_the_api_tokens(client, make_user, db, api):
    user = make_user()
    token_client = api.as_(user)
    assert token_client.get("/api/v1/me").status_code == 200
    assert client.post("/account/reset", data={"email": user.email}).status_code == 302
    response = client.post(f"/account/reset/{_link(db)}", data={"password": "Brand-new-pass-9",
                                                                "password2": "Brand-new-pass-9"})
    assert response.status_code == 302
    assert token_client.get("/api/v1/me").status_code == 401


def test_reset_links_never_follow_the_host_header(app, client, make_user, db):
    user = make_user()
    response = client.post("/account/reset", data={"email": user.email}, headers={"Host": "evil.example"})
    assert response.status_code == 302
    body = db.session.query(Notification).order_by(Notification.id.desc()).first().body
    assert "evil.example" not in body and app.config["PUBLIC_URL"] + "/account/reset/" in body
