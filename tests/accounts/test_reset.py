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
