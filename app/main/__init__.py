"""The home page and the dashboard, whose panels the other domains register."""
from __future__ import annotations


def init_app(app) -> None:
    from app.main.views import bp
    app.register_blueprint(bp)
