from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField

from lms.choices import options
from lms.i18n import _l

CHANNEL_LABELS = {
    "app": _l("Only here"),
    "mail": _l("By e-mail"),
    "digest": _l("Daily digest"),
    "off": _l("Off"),
}


def preferences_form(events, current: dict[str, str], formdata=None) -> FlaskForm:
    """One radio group per registered event, in the order registered."""

    class PreferencesForm(FlaskForm):
        save = SubmitField(_l("Save"))

    for spec in events:
        field = RadioField(
            spec.label,
            choices=options((channel, CHANNEL_LABELS[channel]) for channel in spec.channels),
            default=current[spec.name],
        )
        setattr(PreferencesForm, f"event_{spec.name.replace('.', '__')}", field)
    return PreferencesForm(formdata=formdata)


def field_name(event_name: str) -> str:
    return f"event_{event_name.replace('.', '__')}"
