from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DecimalField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.i18n import _l


class NewScormForm(FlaskForm):
    title = StringField(_l("Title (empty = the package's own)"), validators=[Optional(), Length(max=200)])
    package = FileField(_l("SCORM package (.zip)"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload a SCORM package"))


class ScormForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    body = TextAreaField(_l("Description (Markdown)"), validators=[Length(max=200_000)])
    weight = DecimalField(
        _l("Weight in the final grade"),
        places=None,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    optional = BooleanField(_l("Optional"))
    published = BooleanField(_l("Published"))
    package = FileField(_l("Replace the package (.zip)"))
    submit = SubmitField(_l("Save"))
