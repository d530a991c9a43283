from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from lms.auth.models import EMAIL_MAX, NAME_MAX
from lms.auth.passwords import PASSWORD_HINT, PASSWORD_MAX, password_problem
from lms.choices import (
    GENDER_CHOICES,
    TIMEZONES,
    country_choices,
    language_choices,
    options,
)
from lms.enterprises.forms import EnterpriseFields
from lms.i18n import _l


def _no_blank(form, field):
    if field.data is not None and not field.data.strip():
        raise ValidationError(_l("This field cannot be only spaces."))


def _strong_password(form, field):
    """Long enough and hard to guess; not built from the owner's e-mail address or name."""
    personal = [*getattr(form, "personal", ())]
    personal += [getattr(form, name).data or "" for name in ("email", "name") if hasattr(form, name)]
    problem = password_problem(field.data or "", *personal)
    if problem:
        raise ValidationError(problem)


def _new_password(label):
    return PasswordField(
        label,
        validators=[InputRequired(), Length(max=PASSWORD_MAX), _strong_password],
        description=PASSWORD_HINT,
    )


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
    submit = SubmitField(_l("Create my account"))


class ProfileForm(ProfileFields):
    submit = SubmitField(_l("Save"))


class NewPasswordFields(FlaskForm):
    personal: tuple[str, ...] = ()  # the owner's e-mail address and name, set by the view

    password = _new_password(_l("New password"))
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
