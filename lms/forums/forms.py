from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

from lms.choices import options
from lms.i18n import _l


class ThreadForm(FlaskForm):
    title = StringField(_l("Subject"), validators=[InputRequired(), Length(max=200)])
    body = TextAreaField(_l("Message (Markdown)"), validators=[InputRequired()])
    image = FileField(_l("Picture (optional: PNG, JPEG, GIF or WebP)"))
    submit = SubmitField(_l("Post to the forum"))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply (Markdown)"), validators=[InputRequired()])
    image = FileField(_l("Picture (optional: PNG, JPEG, GIF or WebP)"))
    submit = SubmitField(_l("Post reply"))


class EditPostForm(FlaskForm):
    body = TextAreaField(_l("Message (Markdown)"), validators=[InputRequired()])
    submit = SubmitField(_l("Save changes"))


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(min=3, max=500)])
    submit = SubmitField(_l("Confirm"))


class ForumForm(FlaskForm):
    title = StringField(_l("Forum title"), validators=[InputRequired(), Length(max=200)])
    body = TextAreaField(_l("Introduction (Markdown)"), validators=[Length(max=200_000)])
    type = SelectField(
        _l("Forum type"),
        choices=options(
            [
                ("general", _l("General discussion")),
                ("qa", _l("Questions and answers (trainees see others' replies after they reply)")),
            ]
        ),
    )
    completion_posts = IntegerField(
        _l("Complete after this many posts (0 = no rule)"),
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    optional = BooleanField(_l("Optional (does not count for completion)"))
    published = BooleanField(_l("Published (trainees can read it)"))
    submit = SubmitField(_l("Save"))
