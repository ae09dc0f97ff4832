"""Input schemas: every input is validated once, completely, before anything is touched.

The JSON API and the HTML forms feed the same marshmallow schemas (WTForms only renders and checks CSRF);
services take the loaded, typed values. Messages go through gettext; errors come out in the API's
``fields`` shape (``{"name": [messages]}``, nested names joined with dots: ``criteria.0.key``).

- :func:`load` validates everything or raises ``ValidationFailed`` with every problem at once.
- :func:`load_valid` is for partial saves (autosave): it returns the valid top-level fields and the errors
  of the others, so a wrong number beside a good abstract keeps the abstract.
"""
from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from app.core.errors import ValidationFailed

MAX_MONEY = Decimal(10) ** 15          # a quadrillion tenge: far beyond any grant or budget
MAX_TEXT = 20_000
IDENTIFIER = re.compile(r"^[^\W\d_]\w{0,39}$")  # a letter, then letters, digits, underscores
LANGUAGES = ("ru", "kk", "en")


class BaseSchema(Schema):
    """Unknown keys are errors (mass assignment); messages are the platform's, translated."""

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": _l("Unknown field."),
        "type": _l("Invalid input."),
    }


def _messages(errors, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict flattened to ``{"a.0.b": [messages]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_schema"
            for sub, messages in _messages(value, name).items():
                flat.setdefault(sub, []).extend(messages)
    elif isinstance(errors, list):
        if not any(isinstance(e, (dict, list)) for e in errors):
            flat[prefix or "_schema"] = [str(e) for e in errors]
        else:
            for n, item in enumerate(errors):
                for sub, messages in _messages(item, f"{prefix}.{n}" if prefix else str(n)).items():
                    flat.setdefault(sub, []).extend(messages)
    else:
        flat[prefix or "_schema"] = [str(errors)]
    return flat


def _library_messages() -> dict[str, str]:
    """marshmallow's own default messages, in the reader's language."""
    return {
        "Missing data for required field.": _("This field is required."),
        "Field may not be null.": _("This field may not be empty."),
        "Not a valid string.": _("Enter text."),
        "Not a valid list.": _("A list is expected."),
        "Not a valid mapping type.": _("An object is expected."),
        "Invalid input type.": _("Invalid input."),
        "Not a valid integer.": _("Enter a whole number."),
        "Not a valid boolean.": _("Must be true or false."),
        "Unknown field.": _("Unknown field."),
    }


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    known = _library_messages()
    return {name: [known.get(str(m), str(m)) for m in messages]
            for name, messages in _messages(error.messages).items()}


def load(schema: Schema, data, partial: bool = False) -> dict:
    """Validate ``data`` completely; raise ``ValidationFailed`` naming every bad field."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("The body must be a JSON object."))
    try:
        return schema.load(data, partial=partial)
    except ValidationError as error:
        raise ValidationFailed(fields=field_errors(error)) from None
    except RecursionError:
        raise ValidationFailed(_("The input is nested too deeply.")) from None


def load_valid(schema: Schema, data) -> tuple[dict, dict[str, list[str]]]:
    """For partial saves: the valid top-level fields, and the errors of the others (by field). Any field may
    be absent (the schemas that use this declare no required top-level field), but what is sent is checked
    whole: a nested item (a criterion, a budget row) still needs its own required fields."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("The body must be a JSON object."))
    try:
        return schema.load(data), {}
    except ValidationError as error:
        errors = field_errors(error)
        bad = {name.split(".", 1)[0] for name in errors} | {"_schema"}
        good = {k: v for k, v in data.items() if k not in bad}
        try:
            valid = schema.load(good)
        except ValidationError as again:  # a cross-field rule that fails on the good fields alone
            errors.update(field_errors(again))
            valid = {}
        return valid, errors
    except RecursionError:
        raise ValidationFailed(_("The input is nested too deeply.")) from None


# --- fields ------------------------------------------------------------------------------------------------

class Text(fields.String):
    """A bounded, stripped string."""

    def __init__(self, max_length: int = 500, **kwargs):
        kwargs.setdefault("validate", validate.Length(max=max_length, error=_l("At most {max} characters.")))
        super().__init__(**kwargs)
        self.error_messages["invalid"] = _l("Enter text.")

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.strip() if isinstance(result, str) else result


class Int(fields.Integer):
    """A whole number in bounds: ``true``, ``1.5``, ``"²"`` and numbers beyond the database's are refused."""

    def __init__(self, minimum: int | None = None, maximum: int | None = None, **kwargs):
        self.minimum, self.maximum = minimum, maximum
        super().__init__(strict=True, **kwargs)
        self.error_messages["invalid"] = _l("Enter a whole number.")

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str):
            text = value.strip()
            if not re.fullmatch(r"[+-]?\d{1,18}", text):
                raise self.make_error("invalid")
            value = int(text)
        if isinstance(value, float):
            if not math.isfinite(value) or not value.is_integer():
                raise self.make_error("invalid")
            value = int(value)
        number = super()._deserialize(value, attr, data, **kwargs)
        if self.minimum is not None and number < self.minimum:
            raise ValidationError(_("Must be at least %(n)s.", n=self.minimum))
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(_("Must be at most %(n)s.", n=self.maximum))
        return number


class Number(fields.Field):
    """A finite number in bounds (NaN, ±Infinity, ``1e400`` and booleans are refused), as ``float``."""

    def __init__(self, minimum: float | None = None, maximum: float | None = None, **kwargs):
        self.minimum, self.maximum = minimum, maximum
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            raise ValidationError(_("Enter a number."))
        try:
            number = float(str(value).strip().replace(",", ".")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError, OverflowError):
            raise ValidationError(_("Enter a number.")) from None
        if not math.isfinite(number):
            raise ValidationError(_("Enter a number."))
        if self.minimum is not None and number < self.minimum:
            raise ValidationError(_("Must be at least %(n)s.", n=self.minimum))
        if self.maximum is not None and number > self.maximum:
            raise ValidationError(_("Must be at most %(n)s.", n=self.maximum))
        return number


class Money(fields.Field):
    """An amount of tenge as ``Decimal``: finite, non-negative (or at least ``minimum``), below 10^15.
    Spaces between thousands (``1 000 000``) are accepted; exponents (``1e10``) and decimal commas that
    could be read two ways are not."""

    def __init__(self, minimum: int = 0, **kwargs):
        self.minimum = minimum
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            raise ValidationError(_("Enter an amount in tenge."))
        text = str(value).strip().replace("\u00a0", " ").replace("\u202f", " ")
        if isinstance(value, str):
            text = text.replace(" ", "")
            if not re.fullmatch(r"\d+(\.\d{1,2})?", text):
                raise ValidationError(_("Enter an amount in tenge, digits only (e.g. 95000000)."))
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Enter an amount in tenge.")) from None
        if not amount.is_finite() or amount >= MAX_MONEY:
            raise ValidationError(_("Enter an amount below %(n)s tenge.", n="1 000 000 000 000 000"))
        if amount < self.minimum:
            raise ValidationError(_("Must be at least %(n)s.", n=self.minimum))
        return amount


class Share(Number):
    """A share between 0 and 1 (0.3 for 30 %)."""

    def __init__(self, low_open: bool = False, **kwargs):
        self.low_open = low_open
        super().__init__(minimum=0.0, maximum=1.0, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        if self.low_open and number <= 0:
            raise ValidationError(_("A share above 0 and at most 1 (e.g. 0.4 for 40 %)."))
        return number


class Flag(fields.Boolean):
    """``true`` or ``false`` only (no "yes", no 1)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError(_("Must be true or false."))
        return value


class Moment(fields.Field):
    """A date and time with its offset (ISO 8601), in years the platform can hold."""

    def _deserialize(self, value, attr, data, **kwargs):
        from app.core import time as clock
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=clock.ALMATY)
        elif isinstance(value, str) and len(value) <= 40:
            try:
                moment = clock.parse_iso(value)
            except (ValueError, OverflowError):
                moment = None
        else:
            moment = None
        if moment is None:
            raise ValidationError(_("Enter a date and time in ISO 8601, e.g. 2026-12-31T18:00:00+05:00."))
        if not 2000 <= moment.year <= 2100:
            raise ValidationError(_("Enter a date between the years 2000 and 2100."))
        return moment


class Localized(fields.Field):
    """Text in the platform's languages: ``{"ru": …, "kk": …, "en": …}``, or one string (Russian)."""

    def __init__(self, max_length: int = 500, required_one: bool = False, **kwargs):
        self.max_length, self.required_one = max_length, required_one
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = {"ru": value}
        if not isinstance(value, dict) or any(not isinstance(k, str) or not isinstance(v, str)
                                               for k, v in value.items()):
            raise ValidationError(_("Text per language: {\"ru\": …, \"kk\": …, \"en\": …}."))
        unknown = set(value) - set(LANGUAGES)
        if unknown:
            raise ValidationError(_("Languages are ru, kk and en."))
        cleaned = {k: v.strip() for k, v in value.items() if v.strip()}
        if any(len(v) > self.max_length for v in cleaned.values()):
            raise ValidationError(_("At most %(n)d characters.", n=self.max_length))
        if self.required_one and not cleaned:
            raise ValidationError(_("A title in at least one language is required."))
        return cleaned


class Identifier(fields.String):
    """A short key: letters, digits and underscores, starting with a letter (at most 40)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not IDENTIFIER.match(value):
            raise ValidationError(_("A key of letters, digits and underscores that starts with a letter "
                                    "(e.g. impact)."))
        return value
