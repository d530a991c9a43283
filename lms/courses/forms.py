from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SearchField, SelectField, SubmitField
from wtforms.validators import Length, Optional

from lms.choices import options
from lms.i18n import LANGUAGE_NAMES, _l

CATEGORY_LABELS = {
    "marketing": _l("Marketing"),
    "ict": _l("ICT"),
    "startup": _l("Start-up skills"),
    "other": _l("Other"),
}


class CatalogueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = SearchField(_l("Search courses"), validators=[Optional(), Length(max=100)])
    category = SelectField(
        _l("Category"),
        choices=options(CATEGORY_LABELS.items(), blank=_l("All categories")),
        validators=[Optional()],
    )
    language = SelectField(
        _l("Language"),
        choices=options(LANGUAGE_NAMES.items(), blank=_l("All languages")),
        validators=[Optional()],
    )


class EnrolForm(FlaskForm):
    key = PasswordField(_l("Enrolment key"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("Enrol me"))


class UnenrolForm(FlaskForm):
    confirm = HiddenField(default="yes")
    submit = SubmitField(_l("Leave this course"))
