def init_app(app) -> None:
    """The notification pages and their menu item."""
    from app.notifications.views import bp
    app.register_blueprint(bp, url_prefix="/notifications")
