from flask_wtf import FlaskForm
from wtforms import BooleanField, SearchField, SelectField, SubmitField
from wtforms.validators import Length, Optional

from lms.auth.forms import ProfileFields
from lms.choices import options
from lms.i18n import _l

ROLES = [("trainee", _l("Trainee")), ("trainer", _l("Trainer")), ("coordinator", _l("Coordinator"))]


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = SearchField(_l("Search by name or e-mail"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=options(ROLES, blank=_l("All roles")), validators=[Optional()])


class UserEditForm(ProfileFields):
    role = SelectField(_l("Role"), choices=options(ROLES))
    active = BooleanField(_l("Active (untick to suspend the account)"))
    submit = SubmitField(_l("Save"))


class SendResetForm(FlaskForm):
    submit = SubmitField(_l("Send a password reset link"))


class SiteSettingsForm(FlaskForm):
    self_registration = BooleanField(_l("Anyone may create a trainee account (self-registration)"))
    submit = SubmitField(_l("Save settings"))
