from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import PasswordInput

from lms.auth.models import EMAIL_MAX, NAME_MAX
from lms.choices import (
    GENDER_CHOICES,
    TIMEZONES,
    country_choices,
    language_choices,
    options,
)
from lms.enterprises.forms import EnterpriseFields
from lms.i18n import _l

PASSWORD_MIN = 10


def _no_blank(form, field):
    if field.data is not None and not field.data.strip():
        raise ValidationError(_l("This field cannot be only spaces."))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=EMAIL_MAX)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class ProfileFields(EnterpriseFields):
    """The fields a person fills in about themselves, at registration and on their profile."""

    name = StringField(_l("Full name"), validators=[InputRequired(), Length(max=NAME_MAX), _no_blank])
    country = SelectField(_l("Country"), validators=[Optional()])
    gender = SelectField(
        _l("Gender"),
        choices=options(GENDER_CHOICES),
        validators=[Optional()],
        description=_l("Optional. Used only in anonymous statistics for the programme's funders."),
    )
    locale = SelectField(_l("Language"), validators=[InputRequired()])
    timezone = SelectField(
        _l("Time zone"), choices=options((tz, tz) for tz in TIMEZONES), validators=[InputRequired()]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()
        self.locale.choices = language_choices()


class RegisterForm(ProfileFields):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=EMAIL_MAX)])
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(min=PASSWORD_MIN, max=200)],
        description=_l("At least 10 characters. A short sentence is easy to remember."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Create my account"))

    def keep_passwords(self) -> None:
        """Show the typed (and valid) password again when the form comes back only for a choice of
        enterprise, so that the person does not type it twice more."""
        for field in (self.password, self.confirm):
            field.widget = PasswordInput(hide_value=False)


class ProfileForm(ProfileFields):
    submit = SubmitField(_l("Save"))


class NewPasswordFields(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(min=PASSWORD_MIN, max=200)],
        description=_l("At least 10 characters. A short sentence is easy to remember."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(NewPasswordFields):
    current = PasswordField(_l("Current password"), validators=[InputRequired()])
    submit = SubmitField(_l("Change password"))


class ResetPasswordForm(NewPasswordFields):
    submit = SubmitField(_l("Set password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=EMAIL_MAX)])
    submit = SubmitField(_l("Send me a link"))
