from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, EmailField, HiddenField, SearchField, SelectField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional

from lms.admin.user_import import MAX_BYTES as USER_IMPORT_MAX_BYTES
from lms.auth.forms import ProfileFields
from lms.auth.models import EMAIL_MAX
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


class UserCreateForm(ProfileFields):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(), Length(max=EMAIL_MAX)])
    role = SelectField(_l("Role"), choices=options(ROLES))
    submit = SubmitField(_l("Create the account"))


class SendResetForm(FlaskForm):
    submit = SubmitField(_l("Send a password reset link"))


class SiteSettingsForm(FlaskForm):
    self_registration = BooleanField(_l("Anyone may create a trainee account (self-registration)"))
    submit = SubmitField(_l("Save settings"))


class UserImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Choose a .csv file.")),
            FileSize(USER_IMPORT_MAX_BYTES, message=_l("The file is larger than 2 MB.")),
        ],
        description=_l(
            "UTF-8, or what Excel saves as CSV in Greek or Cyrillic (comma, semicolon or tab between "
            "columns); at most 2 MB."
        ),
        render_kw={"accept": ".csv,.txt,text/csv"},
    )
    submit = SubmitField(_l("Preview"))


class UserImportConfirmForm(FlaskForm):
    """The previewed file comes back whole (compressed, base64) and is checked again before importing."""

    content = HiddenField(validators=[InputRequired()])
    filename = HiddenField(validators=[Optional(), Length(max=200)])
