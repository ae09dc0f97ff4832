"""The JSON API under /api/v1: bearer-token authentication, JSON errors, an OpenAPI document.

Each domain's API module defines thin views over the same services the pages use, and documents each
endpoint with ``@doc`` so ``/api/v1/openapi.json`` always lists every route.
"""
from __future__ import annotations

from flask import Blueprint, g, request
from flask_babel import gettext as _

from app.accounts import services as accounts
from app.core.errors import BadRequest, Unauthorized
from app.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)

PUBLIC_ENDPOINTS = {"api.create_token", "api.openapi"}
MAX_PAGE = 1_000_000  # beyond it the row offset would not fit the database's integers


@bp.before_request
def authenticate_bearer():
    g.api_user = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    user = accounts.user_for_token(token.strip())
    if user is None:
        raise Unauthorized()
    g.api_user = user
    g.api_token = token.strip()
    g._login_user = user  # Flask-Login's current_user for this request only; no session cookie is set


@bp.after_request
def no_session_cookie(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def json_body(required: bool = True) -> dict:
    if not request.data and not required:
        return {}
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than any body of ours: refused, not a 500
        raise BadRequest(_("The input is nested too deeply."), code="malformed_json") from None
    if not isinstance(data, dict):
        raise BadRequest(_("The body must be a JSON object."), code="malformed_json")
    return data


def page_args() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 20))
    except ValueError:
        raise BadRequest("page and per_page must be integers.", code="bad_pagination") from None
    if page < 1 or per_page < 1:
        raise BadRequest("page and per_page must be positive.", code="bad_pagination")
    if page > MAX_PAGE:
        raise BadRequest(f"page must be at most {MAX_PAGE}.", code="bad_pagination")
    return page, min(per_page, 100)


def listing(items: list, total: int) -> dict:
    return {"items": items, "total": total}


from app.api import competitions, core, matching, scoring  # noqa: E402,F401  (registers routes)


def init_app(app) -> None:
    app.register_blueprint(bp, url_prefix="/api/v1")
