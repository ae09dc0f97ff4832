"""Helpers shared by forms: mapping service errors onto fields."""
from __future__ import annotations


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
