def init_app(app) -> None:
    """The permission rules, the pages, the dashboard panels, the menu items and the home page."""
    from app.competitions import dashboard  # noqa: F401  (panels, menu items, home)
    from app.competitions import permissions  # noqa: F401  (rules)
    from app.competitions.views import bp
    app.register_blueprint(bp, url_prefix="")
