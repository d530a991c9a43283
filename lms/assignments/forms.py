from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.assignments.settings import FILE_TYPES
from lms.choices import options
from lms.forms import iso_datetime
from lms.i18n import _l


class WorkForm(FlaskForm):
    text = TextAreaField(_l("Your answer (Markdown)"), validators=[Length(max=100_000)])
    files = MultipleFileField(_l("Files"))
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit for grading"))


class AssignmentForm(FlaskForm):
    title = StringField(_l("Assignment title"), validators=[InputRequired(), Length(max=200)])
    body = TextAreaField(_l("Instructions (Markdown)"), validators=[Length(max=200_000)])
    due = StringField(_l("Due (date and time, empty = none)"), validators=[Optional(), iso_datetime])
    cutoff = StringField(_l("Cut-off (date and time, empty = none)"), validators=[Optional(), iso_datetime])
    online_text = BooleanField(_l("Trainees write an online text"))
    max_files = IntegerField(
        _l("Files a trainee may hand in (0 = none)"), validators=[InputRequired(), NumberRange(min=0, max=20)]
    )
    file_types = StringField(
        _l("Allowed file types"),
        description=_l("Separated by commas, among: %(types)s", types=", ".join(FILE_TYPES)),
        validators=[Length(max=200)],
    )
    max_mb = IntegerField(_l("Largest file (MB)"), validators=[InputRequired(), NumberRange(min=1, max=100)])
    max_grade = IntegerField(
        _l("Maximum grade (points, without a rubric)"),
        validators=[InputRequired(), NumberRange(min=1, max=1000)],
    )
    rubric = TextAreaField(
        _l("Rubric (optional)"),
        description=_l("One criterion a line: Criterion | level = points | level = points"),
        validators=[Length(max=20_000)],
    )
    resubmit = BooleanField(_l("Trainees may submit again after submitting"))
    pass_mark = IntegerField(
        _l("Complete when graded at least (%)"), validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    weight = DecimalField(
        _l("Weight in the final grade"),
        places=None,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    release = SelectField(
        _l("Show grades to trainees"),
        choices=options(
            [("each", _l("As each is graded")), ("together", _l("All together, when I release them"))]
        ),
    )
    optional = BooleanField(_l("Optional (does not count for completion)"))
    published = BooleanField(_l("Published (trainees can read it)"))
    submit = SubmitField(_l("Save"))


class GradeForm(FlaskForm):
    points = DecimalField(_l("Grade (points)"), places=None, validators=[Optional()])
    feedback = TextAreaField(_l("Feedback (Markdown)"), validators=[Length(max=100_000)])
    feedback_file = FileField(_l("Feedback file (optional)"))
    submit = SubmitField(_l("Save grade"))


class ExtensionForm(FlaskForm):
    due = StringField(_l("New due date and time"), validators=[InputRequired(), iso_datetime])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(min=3, max=500)])
    grant = SubmitField(_l("Grant extension"))
