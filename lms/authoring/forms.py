from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from lms.choices import options
from lms.courses.forms import CATEGORY_LABELS
from lms.forms import MarkdownText
from lms.i18n import LANGUAGE_NAMES, _l
from lms.markup import MAX_MARKDOWN_CHARS, MAX_SUMMARY_CHARS

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    slug = StringField(
        _l("Address (slug)"),
        validators=[
            InputRequired(),
            Length(max=80),
            Regexp(
                SLUG_PATTERN,
                message=_l("Use lower-case letters, digits and hyphens, e.g. digital-marketing."),
            ),
        ],
        description=_l("The course's address: /courses/<slug>. Lower-case letters, digits and hyphens."),
    )
    summary = TextAreaField(
        _l("Summary (Markdown)"), validators=[InputRequired(), MarkdownText(MAX_SUMMARY_CHARS)]
    )
    language = SelectField(_l("Language"), choices=options(LANGUAGE_NAMES.items()))
    category = SelectField(_l("Category"), choices=options(CATEGORY_LABELS.items()))
    hours = DecimalField(
        _l("Estimated hours"), places=1, validators=[InputRequired(), NumberRange(min=0, max=10000)]
    )
    published = BooleanField(_l("Published (visible in the catalogue)"))
    self_enrolment = BooleanField(_l("Trainees may enrol themselves"))
    enrolment_key = StringField(
        _l("Enrolment key"),
        validators=[Optional(), Length(max=100)],
        description=_l("Optional. When set, trainees need this key to enrol themselves."),
    )
    completion_activities = SelectField(
        _l("Completion requires"),
        choices=options([("all", _l("All required lessons and quizzes")), ("none", _l("No activities"))]),
    )
    completion_lessons = SelectField(
        _l("A lesson is complete when"),
        choices=options(
            [("marked", _l("the trainee marks it done")), ("viewed", _l("the trainee opens it"))]
        ),
    )
    completion_min_grade = IntegerField(
        _l("Minimum final grade (%)"), default=0, validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    completion_min_attendance = IntegerField(
        _l("Minimum attendance (%)"), default=0, validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    trainers = SelectMultipleField(
        _l("Trainers"),
        coerce=int,
        validators=[Optional()],
        description=_l("Only coordinators can change who teaches a course."),
    )
    submit = SubmitField(_l("Save course"))


class ModuleForm(FlaskForm):
    title = StringField(_l("Module title"), validators=[InputRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save module"))


class LessonForm(FlaskForm):
    title = StringField(_l("Lesson title"), validators=[InputRequired(), Length(max=200)])
    minutes = IntegerField(
        _l("Estimated minutes"), default=10, validators=[InputRequired(), NumberRange(min=1, max=1000)]
    )
    body = TextAreaField(
        _l("Lesson text (Markdown)"),
        validators=[Optional(), MarkdownText(MAX_MARKDOWN_CHARS)],
        description=_l(
            "Headings with #, **bold**, lists, tables, ```code```, images with ![text](images/file.png), "
            "links to lessons with [text](02-other-lesson.md)."
        ),
    )
    optional = BooleanField(_l("Optional (does not count for completion)"))
    published = BooleanField(_l("Published (trainees can read it)"), default=True)
    version = HiddenField()
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save lesson"))


class MoveForm(FlaskForm):
    direction = SelectField(choices=options([("up", _l("Move up")), ("down", _l("Move down"))]))


class DeleteForm(FlaskForm):
    submit = SubmitField(_l("Delete"))


class UploadFileForm(FlaskForm):
    file = FileField(
        _l("Image or attachment"),
        validators=[FileRequired()],
        description=_l("PNG, JPEG, GIF, WebP, PDF, TXT or CSV, at most 5 MB."),
    )
    submit = SubmitField(_l("Upload"))


class ImportCourseForm(FlaskForm):
    archive = FileField(
        _l("Course package (.zip)"),
        validators=[FileRequired()],
        description=_l("A zipped course folder with course.toml, as described in the course format guide."),
    )
    submit = SubmitField(_l("Import"))


class ImportMoodleBackupForm(FlaskForm):
    backup = FileField(
        _l("Moodle course backup (.mbz)"),
        validators=[FileRequired()],
        description=_l(
            "A backup made in Moodle (Course → Backup). It becomes a new, unpublished course; you see what "
            "could not be carried over."
        ),
    )
    slug = StringField(
        _l("Short name (optional)"),
        validators=[Optional(), Length(max=80)],
        description=_l("The last part of the course's address; by default the Moodle course's short name."),
    )
    submit = SubmitField(_l("Import from Moodle"))


class EnrolUserForm(FlaskForm):
    email = StringField(_l("Trainee's e-mail"), validators=[InputRequired(), Length(max=254)])
    submit = SubmitField(_l("Enrol"))
