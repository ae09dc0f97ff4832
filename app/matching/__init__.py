def init_app(app) -> None:
    """The permission rules, the signal handlers (a submitted application is embedded), the pages, the dashboard
    panels, the menu items and ``flask matching``."""
    from app.matching import permissions  # noqa: F401  (rules)
    from app.matching import services  # noqa: F401  (signal handlers)
    from app.matching.cli import matching_cli
    from app.matching.views import bp  # also registers its dashboard panels and menu items
    app.register_blueprint(bp, url_prefix="/matching")
    app.cli.add_command(matching_cli)
