"""Forms and validators that every feature shares."""

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from lms.i18n import _l


class ActionForm(FlaskForm):
    """A bare POST that carries only its CSRF token: start, submit, remove, regrade."""


class NewActivityForm(FlaskForm):
    """The course outline's add form of a kind: a title is all a new activity needs (it is edited next)."""

    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])


def iso_datetime(form, field):
    """A date and time written in ISO 8601 (with its time zone), as quiz and assignment dates are."""
    if field.data:
        try:
            datetime.fromisoformat(field.data)
        except ValueError:
            raise ValidationError(_l("Write a date and time like 2027-03-01T09:00+02:00.")) from None


class MarkdownText:
    """A WTForms validator for Markdown fields: at most `limit` characters, and text the renderer accepts
    (lms.markup refuses text too complex to render in bounded time); the message says what to change."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field) -> None:
        from wtforms.validators import StopValidation

        from lms.markup import MarkdownError, markdown_problem, render_markdown

        text = field.data or ""
        if problem := markdown_problem(text, self.limit):
            raise StopValidation(problem)
        try:
            render_markdown(text)
        except MarkdownError as error:
            raise StopValidation(str(error)) from None
