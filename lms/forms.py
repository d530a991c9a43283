"""Forms that every feature shares."""

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A bare POST that carries only its CSRF token: start, submit, remove, regrade."""


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
