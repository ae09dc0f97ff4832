from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Remember me"))
    submit = SubmitField(_l("Sign in"))


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()])
    organisation = StringField(_l("Organisation"), validators=[Length(max=300)])
    role = RadioField(_l("I am"), choices=[("researcher", _l("a researcher (project leader or team member)")),
                                          ("investor", _l("an investor or a fund"))], default="researcher")
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    password2 = PasswordField(_l("Repeat the password"),
                              validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Create the account"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()])
    submit = SubmitField(_l("Send the link"))


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    password2 = PasswordField(_l("Repeat the password"),
                              validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Set the password"))
