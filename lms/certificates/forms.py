from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from lms.choices import options
from lms.i18n import _l


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET lookup that changes nothing

    code = SearchField(
        _l("Certificate code"),
        validators=[InputRequired(), Length(max=40)],
        description=_l("The code printed under the QR code, e.g. K7QM-3XHP-9TRW-4ZDA."),
    )


class CertificateFilterForm(FlaskForm):
    class Meta:
        csrf = False

    course = SelectField(_l("Course"), coerce=str, validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=options([("valid", _l("Valid")), ("revoked", _l("Revoked"))], blank=_l("All")),
        validators=[Optional()],
    )
    since = DateField(_l("Completed from"), validators=[Optional()])
    until = DateField(_l("Completed until"), validators=[Optional()])


class IssueForm(FlaskForm):
    email = StringField(_l("Trainee's e-mail"), validators=[InputRequired(), Length(max=254)])
    course = SelectField(_l("Course"), coerce=str, validators=[InputRequired()])
    reason = StringField(
        _l("Reason (kept with the certificate and in the audit log)"),
        validators=[InputRequired(), Length(min=3, max=500)],
    )
    submit = SubmitField(_l("Issue certificate"))


class RevokeForm(FlaskForm):
    reason = StringField(
        _l("Reason (shown on the verify page)"), validators=[InputRequired(), Length(min=3, max=500)]
    )
    submit = SubmitField(_l("Revoke"))


class ExportForm(FlaskForm):
    course = SelectField(_l("Course"), coerce=str, validators=[Optional()])
    submit = SubmitField(_l("Export PDFs and register (.zip)"))


class CertificateSettingsForm(FlaskForm):
    issuer = StringField(_l("Issuing organisation"), validators=[InputRequired(), Length(max=200)])
    funding_line = TextAreaField(
        _l("Co-funding line"),
        validators=[Optional(), Length(max=300)],
        description=_l("Printed at the bottom, beside the EU emblem."),
    )
    signatory1_name = StringField(_l("First signatory: name"), validators=[Optional(), Length(max=120)])
    signatory1_title = StringField(_l("First signatory: title"), validators=[Optional(), Length(max=120)])
    signatory2_name = StringField(_l("Second signatory: name"), validators=[Optional(), Length(max=120)])
    signatory2_title = StringField(_l("Second signatory: title"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Save"))
