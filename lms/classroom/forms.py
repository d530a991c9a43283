from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional

from lms.choices import TIMEZONES, options
from lms.i18n import _l


class NewProgrammeForm(FlaskForm):
    title = StringField(
        _l("Programme title"),
        validators=[InputRequired(), Length(max=200)],
        description=_l("For example: SME Digital Skills 2027 - Serres"),
    )
    submit = SubmitField(_l("Save programme"))


class StatusForm(FlaskForm):
    class Meta:
        csrf = False  # part of the programme's form, which carries the token

    label = StringField(_l("Name"), validators=[InputRequired(), Length(max=40)])
    points = IntegerField(_l("Points"), validators=[InputRequired(), NumberRange(min=0, max=10)])


class ProgrammeForm(FlaskForm):
    title = StringField(
        _l("Programme title"),
        validators=[InputRequired(), Length(max=200)],
        description=_l("For example: SME Digital Skills 2027 - Serres"),
    )
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=2000)])
    funding_line = StringField(
        _l("Co-funding line"),
        validators=[Optional(), Length(max=300)],
        description=_l("Printed on sign-in sheets and reports."),
    )
    timezone = SelectField(
        _l("Time zone"),
        choices=options((tz, tz) for tz in TIMEZONES),
        description=_l("Exports, PDFs and reports give their dates and times in this zone."),
    )
    courses = SelectMultipleField(_l("Courses of the programme"), coerce=int, validators=[Optional()])
    # Present, Late, Excused, Absent: their names on attendance pages and exports, and their points.
    statuses = FieldList(FormField(StatusForm), min_entries=4, max_entries=4)
    submit = SubmitField(_l("Save programme"))


class CohortForm(FlaskForm):
    name = StringField(
        _l("Cohort name"),
        validators=[InputRequired(), Length(max=200)],
        description=_l("For example: Serres spring group"),
    )
    partner = StringField(_l("Partner organisation"), validators=[Optional(), Length(max=200)])
    timezone = SelectField(_l("Time zone"), choices=options((tz, tz) for tz in TIMEZONES))
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    submit = SubmitField(_l("Save cohort"))


class MemberForm(FlaskForm):
    email = StringField(_l("Trainee's e-mail"), validators=[InputRequired(), Length(max=254)])
    add_member = SubmitField(_l("Add to the cohort"))


class TrainersForm(FlaskForm):
    trainers = SelectMultipleField(_l("Trainers"), coerce=int, validators=[Optional()])
    save_trainers = SubmitField(_l("Save trainers"))


class ScheduleForm(FlaskForm):
    first = DateTimeLocalField(
        _l("First session (local date and time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    minutes = IntegerField(
        _l("Duration (minutes)"), default=90, validators=[InputRequired(), NumberRange(min=15, max=600)]
    )
    weeks = IntegerField(
        _l("Weekly, for how many weeks"), default=1, validators=[InputRequired(), NumberRange(min=1, max=52)]
    )
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)])
    place = StringField(_l("Place (room)"), validators=[Optional(), Length(max=200)])
    online_url = URLField(_l("Online link"), validators=[Optional(), URL(), Length(max=500)])
    trainer = SelectField(_l("Trainer"), coerce=str, validators=[Optional()])
    schedule = SubmitField(_l("Schedule"))


class SessionForm(FlaskForm):
    starts = DateTimeLocalField(
        _l("Starts (local date and time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    minutes = IntegerField(
        _l("Duration (minutes)"), validators=[InputRequired(), NumberRange(min=15, max=600)]
    )
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)])
    place = StringField(_l("Place (room)"), validators=[Optional(), Length(max=200)])
    online_url = URLField(_l("Online link"), validators=[Optional(), URL(), Length(max=500)])
    save = SubmitField(_l("Save and tell the cohort"))


class CheckInForm(FlaskForm):
    session = SelectField(_l("Session"), coerce=str, validators=[InputRequired()])
    code = StringField(_l("Code on the classroom screen"), validators=[InputRequired(), Length(max=12)])
    submit = SubmitField(_l("Check in"))


class ReportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("Until"), validators=[Optional()])


class IndicatorsForm(FlaskForm):
    """Which indicators the programme's funder asks for; the report shows those, in this order."""

    indicators = SelectMultipleField(_l("Indicators this programme reports"), validators=[Optional()])
    satisfaction_question = SelectField(
        _l("Satisfaction: the rating question it reports"),
        description=_l("Rating questions of the surveys in the programme's courses, by key."),
        validators=[Optional(), Length(max=40)],
    )
    save_indicators = SubmitField(_l("Save the choice"))
