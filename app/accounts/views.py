"""Login, logout, registration. Thin: bind the form, call a service, map its errors onto fields."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import services
from app.accounts.forms import LoginForm, RegisterForm, ResetForm, ResetRequestForm
from app.core.errors import RateLimited, Unauthorized, ValidationFailed
from app.core.forms import apply_errors
from app.extensions import limiter, login_manager

bp = Blueprint("accounts", __name__)


def init_login(app) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(services.load_session_user)


def safe_next(target: str | None) -> str | None:
    if not target:
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):  # browsers read "/\\evil.example" as "//evil.example"
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "unknown")
        except (Unauthorized, RateLimited) as error:
            form.password.errors.append(error.message)
            retry = getattr(error, "retry_after", None)
            return (render_template("accounts/login.html", form=form), error.status,
                    {"Retry-After": str(retry)} if retry else {})
        login_user(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.end_sessions(current_user._get_current_object())  # a replayed cookie no longer opens anything
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register(services.NewUser(
                email=form.email.data, password=form.password.data, roles=[form.role.data],
                name=form.name.data, organisation=form.organisation.data or None,
            ))
        except ValidationFailed as error:
            apply_errors(form, error.fields)
            return render_template("accounts/register.html", form=form), 422
        login_user(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(url_for("main.dashboard"))
    return render_template("accounts/register.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(_("If the address is registered, a link to set a new password was sent to it."), "info")
        return redirect(url_for(".login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token):
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except ValidationFailed as error:
            apply_errors(form, error.fields)
            return render_template("accounts/reset.html", form=form), 422
        flash(_("Your password was changed. Sign in with the new one."), "success")
        return redirect(url_for(".login"))
    return render_template("accounts/reset.html", form=form)
