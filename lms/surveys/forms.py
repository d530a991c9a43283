from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from lms.forms import MarkdownText
from lms.i18n import _l
from lms.surveys.spec import MAX_INTRO


class SurveyForm(FlaskForm):
    """The survey's own fields; its questions are rows of inputs named question-<n>-<field>
    (views._questions_from reads them)."""

    title = StringField(_l("Survey title"), validators=[InputRequired(), Length(max=200)])
    intro = TextAreaField(_l("Introduction (Markdown, optional)"), validators=[MarkdownText(MAX_INTRO)])
    anonymous = BooleanField(
        _l("Anonymous"),
        description=_l(
            "Answers are stored without the trainee's name; this cannot change once someone answered."
        ),
    )
    optional = BooleanField(_l("Optional (does not count for completion)"))
    published = BooleanField(_l("Published (trainees can read it)"))
    submit = SubmitField(_l("Save"))
