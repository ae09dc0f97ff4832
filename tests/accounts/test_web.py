import pytest


def test_register_and_login(client, db):
    response = client.post("/account/register", data={
        "name": "Асель", "email": "asel@example.kz", "organisation": "", "role": "researcher",
        "password": "Strong-pass-1", "password2": "Strong-pass-1"})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200


def test_register_cannot_pick_privileged_role(client, db):
    response = client.post("/account/register", data={
        "name": "X", "email": "x@example.kz", "role": "admin",
        "password": "Strong-pass-1", "password2": "Strong-pass-1"})
    assert response.status_code == 200  # form rejects the unknown choice
    assert client.get("/dashboard").status_code == 302


def test_register_weak_password_shows_field_error(client, db):
    response = client.post("/account/register", data={
        "name": "X", "email": "x@example.kz", "role": "researcher", "password": "abc", "password2": "abc"})
    assert response.status_code == 422
    assert 'id="password-error"' in response.get_data(as_text=True)


def test_login_wrong_password(client, make_user):
    user = make_user()
    response = client.post("/account/login", data={"email": user.email, "password": "nope-nope-1"})
    assert response.status_code == 401
    assert client.get("/dashboard").status_code == 302


def test_login_rate_limited_per_account(app, client, make_user):
    user = make_user()
    app.config["LOGIN_RATE_LIMIT"] = "3 per 5 minutes"
    for _ in range(3):
        client.post("/account/login", data={"email": user.email, "password": "wrong-pass-1"})
    response = client.post("/account/login", data={"email": user.email, "password": "Secret-pass-123"})
    assert response.status_code == 429


@pytest.mark.parametrize("target,expected", [
    ("/dashboard", "/dashboard"),
    ("https://evil.example/x", "/dashboard"),
    ("//evil.example/x", "/dashboard"),
])
def test_safe_next(client, make_user, target, expected):
    user = make_user()
    response = client.post(f"/account/login?next={target}",
                           data={"email": user.email, "password": "Secret-pass-123"})
    assert response.headers["Location"] == expected


def test_logout_invalidates(client, auth, make_user):
    auth.login(make_user())
    auth.logout()
    assert client.get("/dashboard").status_code == 302


def test_dashboard_requires_login(client):
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_language_switch_remembered(client):
    page = client.get("/?lang=kk").get_data(as_text=True)
    assert 'lang="kk"' in page
    assert 'lang="kk"' in client.get("/").get_data(as_text=True)  # remembered in the session
    assert 'lang="en"' in client.get("/?lang=en").get_data(as_text=True)


def test_language_from_browser(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_default_language_is_russian(client):
    page = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "Войти" in page  # the Russian catalogue is compiled and used


def test_kazakh_catalogue_is_used(client):
    page = client.get("/?lang=kk").get_data(as_text=True)
    assert "Кіру" in page


def test_language_switch_on_every_page(client, auth, make_user):
    for url in ("/", "/account/login", "/account/register"):
        page = client.get(url).get_data(as_text=True)
        assert "lang=kk" in page and "lang=en" in page and "lang=ru" in page


def test_404_page_is_friendly(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "<html" in response.get_data(as_text=True)


def test_csrf_enforced_when_enabled(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    response = client.post("/account/login", data={"email": user.email, "password": "Secret-pass-123"})
    assert response.status_code == 400


def test_safe_next_refuses_every_way_off_site():
    from app.accounts.views import safe_next
    for target in ("/\\evil.example/x", "//evil.example", "https://evil.example", "/\tevil", "\\\\evil", "x"):
        assert safe_next(target) is None, target
    assert safe_next("/competitions/3/review#run") == "/competitions/3/review#run"
