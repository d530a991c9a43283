from flask_wtf import FlaskForm
from flask_wtf.file import FileField
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

from lms.choices import options
from lms.forms import ActionForm, iso_datetime  # noqa: F401 (the quiz views import ActionForm from here)
from lms.i18n import _l

REVIEW_CHOICES = [
    ("immediately", _l("Immediately after the attempt")),
    ("after_close", _l("After the quiz closes")),
    ("never", _l("Never")),
]


class QuizSettingsForm(FlaskForm):
    title = StringField(_l("Quiz title"), validators=[InputRequired(), Length(max=200)])
    pass_mark = IntegerField(_l("Pass mark (%)"), validators=[InputRequired(), NumberRange(min=0, max=100)])
    time_limit = IntegerField(
        _l("Time limit (minutes, 0 = none)"), validators=[InputRequired(), NumberRange(min=0, max=600)]
    )
    attempts = IntegerField(
        _l("Attempts allowed (0 = unlimited)"), validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    grading = SelectField(
        _l("Grade from several attempts"),
        choices=options(
            [
                ("highest", _l("Highest")),
                ("average", _l("Average")),
                ("first", _l("First attempt")),
                ("last", _l("Last attempt")),
            ]
        ),
    )
    opens = StringField(_l("Opens (date and time, empty = always)"), validators=[Optional(), iso_datetime])
    closes = StringField(_l("Closes (date and time, empty = never)"), validators=[Optional(), iso_datetime])
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_answers = BooleanField(_l("Shuffle the answers within questions"))
    per_page = IntegerField(
        _l("Questions per page (0 = all on one page)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    review_answers = SelectField(_l("Trainees see their answers"), choices=options(REVIEW_CHOICES))
    review_marks = SelectField(_l("Trainees see their marks"), choices=options(REVIEW_CHOICES))
    review_feedback = SelectField(_l("Trainees see the feedback"), choices=options(REVIEW_CHOICES))
    review_correct = SelectField(_l("Trainees see the right answers"), choices=options(REVIEW_CHOICES))
    completion = SelectField(
        _l("The quiz counts as complete when"),
        choices=options(
            [("passed", _l("the trainee passes it")), ("attempted", _l("the trainee finishes an attempt"))]
        ),
    )
    optional = BooleanField(_l("Optional (does not count for completion)"))
    published = BooleanField(_l("Published (trainees can take it)"))
    save_settings = SubmitField(_l("Save settings"))


class QuizSourceForm(FlaskForm):
    body = TextAreaField(_l("Questions (GIFT format)"), validators=[Optional(), Length(max=500_000)])
    save_source = SubmitField(_l("Save questions"))


class RandomSlotForm(FlaskForm):
    category = SelectField(_l("Category"), coerce=str)
    count = IntegerField(
        _l("How many random questions"), default=1, validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    add_random = SubmitField(_l("Add random questions"))


class ImportQuestionsForm(FlaskForm):
    file = FileField(_l("GIFT or Moodle XML file"))
    text = TextAreaField(
        _l("…or paste GIFT or Moodle XML here"), validators=[Optional(), Length(max=2_000_000)]
    )
    category = StringField(
        _l("Category for questions without one"),
        default="Imported",
        validators=[InputRequired(), Length(max=200)],
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Import"))


class QuestionForm(FlaskForm):
    source = TextAreaField(
        _l("The question in GIFT format"), validators=[InputRequired(), Length(max=100_000)]
    )
    submit = SubmitField(_l("Save the correction and regrade"))


class GradeForm(FlaskForm):
    mark = DecimalField(_l("Mark (%)"), places=0, validators=[InputRequired(), NumberRange(min=0, max=100)])
    comment = TextAreaField(_l("Comment for the trainee"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save grade"))
