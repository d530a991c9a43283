from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.choices import options
from lms.i18n import _l


class DoneForm(FlaskForm):
    done = HiddenField(default="1")


class MatrixFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    sort = SelectField(
        _l("Sort by"),
        choices=options(
            [
                ("name", _l("Name")),
                ("progress", _l("Progress")),
                ("last_access", _l("Last access")),
                ("grade", _l("Grade")),
            ]
        ),
        validators=[Optional()],
    )
    cohort = SelectField(_l("Cohort"), coerce=str, choices=[], validators=[Optional()])
    inactive_days = IntegerField(
        _l("Highlight no activity for (days)"),
        default=7,
        validators=[Optional(), NumberRange(min=1, max=365)],
    )


class OverrideForm(FlaskForm):
    user_id = HiddenField(validators=[InputRequired()])
    activity_id = HiddenField()  # empty: the final grade
    grade = DecimalField(_l("Grade (%)"), places=1, validators=[InputRequired(), NumberRange(min=0, max=100)])
    reason = StringField(
        _l("Reason (kept in the audit log)"), validators=[InputRequired(), Length(min=3, max=500)]
    )
    submit = SubmitField(_l("Override"))
