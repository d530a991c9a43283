"""Forms that every feature shares."""

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A bare POST that carries only its CSRF token: start, submit, remove, regrade."""
