"""Forms of the council session and of appeals."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from app.core.forms import MultiCheckboxField
from app.scoring.forms import TEXT, VOTE_CHOICES

# --- the council ------------------------------------------------------------------------------------------

class OpenSessionForm(FlaskForm):
    attendees = MultiCheckboxField(_l("Members present"), coerce=int, validate_choice=False)
    open = SubmitField(_l("Open the session"))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.attendees.choices = [(u.id, u.display_name) for u in members]


class VoteForm(FlaskForm):
    application_id = IntegerField(validators=[InputRequired(), NumberRange(min=1)])
    choice = StringField(validators=[InputRequired(), AnyOf(VOTE_CHOICES)])


# --- appeals ----------------------------------------------------------------------------------------------

class AppealForm(FlaskForm):
    text = TextAreaField(_l("The procedural violation you appeal against"),
                         validators=[Optional(), Length(max=TEXT)])
    send = SubmitField(_l("File the appeal"))


class AppealAnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer"), validators=[Optional(), Length(max=TEXT)])
    send = SubmitField(_l("Send the answer"))
