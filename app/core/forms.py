"""Pieces shared by every domain's forms: a checkbox-group field, the CSRF-only action form, and mapping
service errors onto fields."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (rendered by ``checkbox_group`` in templates/_macros/forms.html)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(FlaskForm):
    """A bare POST (sign, withdraw, remove, send, accept...): CSRF only."""


def apply_errors(form, fields: dict[str, list[str]]) -> None:
    """Attach a service's per-field errors to the form; unknown fields go to the form-level list."""
    leftovers = []
    for name, messages in (fields or {}).items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            errors = list(field.errors) if not isinstance(field.errors, list) else field.errors
            errors.extend(messages)
            field.errors = errors
        else:
            leftovers.extend(messages)
    if leftovers:
        form.form_errors = list(getattr(form, "form_errors", [])) + leftovers
