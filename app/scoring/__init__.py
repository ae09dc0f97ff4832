"""Expert review, by sub-domain (indico's ``events/abstracts``, ``events/papers``):

- ``experts``: the expert registry (profiles, import, blocking) and conflicts of interest;
- ``review``: assignment, the review form, aggregation, the ranking and the consensus report;
- ``council``: the council session, its protocol, and appeals.

Each has its operations (services), forms and views; the models stay in ``models.py`` (one set of tables),
the permission rules in ``permissions.py``, and the pages share one blueprint, ``scoring``.
"""
from __future__ import annotations


def init_app(app) -> None:
    """Register the permission rules, the lifecycle guards, the pages, the dashboard panels, the menu item and
    the ``flask scoring`` commands."""
    from app.scoring import permissions  # noqa: F401  (rules)
    from app.scoring.council import sessions  # noqa: F401  (lifecycle guards of the competition)
    from app.scoring import views  # noqa: F401  (template helpers, dashboard panels, the menu item)
    from app.scoring.experts import views as _experts  # noqa: F401
    from app.scoring.review import views as _review  # noqa: F401
    from app.scoring.council import views as _council  # noqa: F401
    from app.scoring.blueprint import bp
    from app.scoring.cli import scoring_cli
    app.register_blueprint(bp, url_prefix="")
    app.cli.add_command(scoring_cli)
