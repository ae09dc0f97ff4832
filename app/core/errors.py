"""Domain errors and their mapping to HTTP: JSON under ``/api/``, friendly HTML pages elsewhere."""
from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

logger = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str | None = None, fields: dict[str, list[str]] | None = None,
                 code: str | None = None):
        self.message = message or self.default_message()
        self.fields = fields or {}
        if code:
            self.code = code
        super().__init__(self.message)
        from app.core.uow import doom
        doom()  # whoever catches it, the unit of work it interrupted is rolled back

    def default_message(self) -> str:
        return _("The request could not be processed.")


class BadRequest(DomainError):
    status, code = 400, "bad_request"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"

    def default_message(self):
        return _("Authentication is required.")


class PermissionDenied(DomainError):
    status, code = 403, "forbidden"

    def default_message(self):
        return _("You do not have permission to do this.")


class NotFound(DomainError):
    status, code = 404, "not_found"

    def default_message(self):
        return _("Not found.")


class Conflict(DomainError):
    status, code = 409, "conflict"

    def default_message(self):
        return _("The request conflicts with the current state.")


class TooLarge(DomainError):
    status, code = 413, "too_large"

    def default_message(self):
        return _("The upload is too large.")


class ValidationFailed(DomainError):
    status, code = 422, "validation_failed"

    def default_message(self):
        return _("Please correct the errors below.")


class RateLimited(DomainError):
    status, code = 429, "rate_limited"

    def __init__(self, message: str | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after

    def default_message(self):
        return _("Too many attempts. Please wait and try again.")


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def error_payload(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "validation_failed",
    429: "rate_limited", 500: "internal_error", 503: "unavailable",
}


def _messages():
    return {
        400: _("The request was malformed."),
        401: _("Authentication is required."),
        403: _("You do not have permission to do this."),
        404: _("The page or object was not found."),
        405: _("This method is not allowed here."),
        409: _("The request conflicts with the current state."),
        413: _("The upload is too large."),
        415: _("This content type is not supported."),
        422: _("Please correct the errors below."),
        429: _("Too many attempts. Please wait and try again."),
        500: _("Something went wrong on our side. The error was logged."),
    }


def _render(status: int, code: str, message: str, fields: dict | None = None):
    if wants_json():
        response = jsonify(error_payload(code, message, fields))
        response.status_code = status
        return response
    return render_template("errors/error.html", status=status, message=message, fields=fields or {}), status


def register_error_handlers(app):
    from app.core.db import db

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        response = _render(error.status, error.code, error.message, error.fields)
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            if isinstance(response, tuple):
                return response[0], response[1], {"Retry-After": str(retry_after)}
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        if status == 400 and getattr(error, "description", "").startswith("The CSRF"):
            message = _("The form expired or was sent from elsewhere. Please reload the page and try again.")
        else:
            message = _messages().get(status, error.description or "")
        response = _render(status, _HTTP_CODES.get(status, "http_error"), message)
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            if isinstance(response, tuple):
                return response[0], status, {"Allow": ", ".join(error.valid_methods)}
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

    @app.errorhandler(IntegrityError)
    def handle_integrity_error(error):
        db.session.rollback()
        logger.warning("integrity error on %s %s: %s", request.method, request.path, error.orig)
        return _render(409, "conflict", _("The change conflicts with data saved meanwhile. Nothing was saved; "
                                          "reload the page and try again."))

    @app.errorhandler(OperationalError)
    def handle_database_down(error):
        db.session.rollback()
        logger.error("database unavailable on %s %s: %s", request.method, request.path, error.orig)
        response = _render(503, "unavailable", _("The database is temporarily unavailable. Nothing was saved; "
                                                 "please try again in a minute."))
        return response

    @app.errorhandler(DBAPIError)
    def handle_database_error(error):
        db.session.rollback()
        logger.exception("database error on %s %s", request.method, request.path)
        return _render(503, "unavailable", _("The database refused the change. Nothing was saved; please try "
                                             "again."))

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500, "internal_error", _messages()[500])
