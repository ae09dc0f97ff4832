"""User accounts, organisations and roles: sign-in, registration, password reset, ``flask users``."""
from __future__ import annotations


def init_app(app) -> None:
    from app.accounts.cli import users_cli
    from app.accounts.views import bp, init_login
    init_login(app)
    app.register_blueprint(bp, url_prefix="/account")
    app.cli.add_command(users_cli)
