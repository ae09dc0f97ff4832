"""Pages of the expert registry: the expert's own profile."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import ValidationFailed
from app.core.forms import apply_errors
from app.core.permissions import authorize
from app.scoring.blueprint import bp
from app.scoring.experts import services as expert_ops
from app.scoring.experts.forms import ProfileForm, profile_initial


@bp.route("/expert/profile", methods=["GET", "POST"])
@login_required
def expert_profile():
    authorize(current_user, "desk.expert")
    profile = expert_ops.profile_for(current_user)
    form, status = ProfileForm(data=profile_initial(profile)), 200
    if form.validate_on_submit():
        try:
            expert_ops.update_profile(current_user, form.payload())
        except ValidationFailed as error:
            apply_errors(form, error.fields)
        else:
            flash(_("Your expert profile was saved."), "success")
            return redirect(url_for(".expert_profile"))
    if form.is_submitted():
        status = 422
    form.add_blank_texts()
    stats = expert_ops.activity([current_user.id]).get(current_user.id)
    return render_template("scoring/expert_profile.html", form=form, profile=profile, stats=stats), status
