"""URL converters."""
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # the databases' INTEGER; larger ids cannot exist


class BoundedIntConverter(IntegerConverter):
    """Object ids in URLs: a number too large for the database is simply not found (404), not a 500."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise ValidationError()
        return number
