"""Sign-in and reset throttling (Flask-Limiter storage): per (address, account) and per account, never a
whole address, so one person behind a shared NAT cannot lock out the others."""
from tests.conftest import PASSWORD


def _login(client, email, password, address="10.0.0.1"):
    return client.post("/account/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_failures_for_one_account_do_not_lock_out_others_behind_the_same_address(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per 5 minutes"
    victim, colleague = make_user(), make_user()
    for _ in range(5):
        _login(client, victim.email, "wrong-pass-1")
    assert _login(client, victim.email, PASSWORD).status_code == 429
    assert _login(client, colleague.email, PASSWORD).status_code == 302


def test_refused_page_says_why(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "2 per 5 minutes"
    user = make_user()
    for _ in range(2):
        _login(client, user.email, "wrong-pass-1")
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


def test_account_under_attack_still_opens_to_its_owner(app, client, make_user):
    app.config.update(LOGIN_RATE_LIMIT="3 per 5 minutes", LOGIN_ACCOUNT_RATE_LIMIT="5 per 15 minutes")
    user = make_user()
    for n in range(6):  # a guesser spreads failures over many addresses
        _login(client, user.email, "wrong-pass-1", address=f"192.0.2.{n}")
    assert _login(client, user.email, PASSWORD, address="192.0.2.0").status_code == 429  # a guessing address
    assert _login(client, user.email, PASSWORD, address="198.51.100.7").status_code == 302  # the owner


def test_a_success_forgets_the_pair_s_failures(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per 5 minutes"
    user = make_user()
    for _ in range(2):
        _login(client, user.email, "wrong-pass-1")
    assert _login(client, user.email, PASSWORD).status_code == 302
    client.post("/account/logout")
    for _ in range(2):
        _login(client, user.email, "wrong-pass-1")
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_unknown_address_counts_like_a_wrong_password(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "2 per 5 minutes"
    for _ in range(2):
        assert _login(client, "nobody@example.kz", "wrong-pass-1").status_code == 401
    assert _login(client, "nobody@example.kz", "wrong-pass-1").status_code == 429


def test_api_token_answers_json_429(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "2 per 5 minutes"
    user = make_user()
    for _ in range(2):
        assert client.post("/api/v1/tokens", json={"email": user.email, "password": "x"}).status_code == 401
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert response.headers["Retry-After"]


def test_reset_requests_limited_per_address(app, client, make_user):
    app.config["RESET_RATE_LIMIT"] = "2 per hour"
    user = make_user()
    for _ in range(2):
        assert client.post("/account/reset", data={"email": user.email}).status_code == 302
    page = client.post("/account/reset", data={"email": user.email})
    assert page.status_code == 429
    assert "<html" in page.get_data(as_text=True)
    assert client.get("/account/reset").status_code == 200  # only sending is limited
    api_like = client.post("/account/reset", data={"email": user.email}, headers={"Accept": "application/json"})
    assert api_like.get_json()["error"]["code"] == "rate_limited"


def test_reset_mails_limited_per_account(app, client, make_user, mail_outbox):
    app.config["RESET_ACCOUNT_RATE_LIMIT"] = "2 per hour"
    user = make_user()
    for n in range(4):  # from different addresses: the per-address limit is not what stops it
        response = client.post("/account/reset", data={"email": user.email},
                               environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
        assert response.status_code == 302  # the answer does not tell
    assert len(mail_outbox) == 2
