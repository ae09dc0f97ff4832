"""The ``scoring`` blueprint. Its routes are defined by the sub-domains' view modules (``experts.views``,
``review.views``, ``council.views``) and its template helpers, panels and menu item by ``scoring.views``;
one blueprint keeps every endpoint name (``scoring.assignment``, ``scoring.council``, ...) unchanged."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("scoring", __name__)
