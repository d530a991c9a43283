from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from lms.announcements.models import BODY_MAX, TITLE_MAX
from lms.forms import MarkdownText
from lms.i18n import _l


class AnnouncementForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Announcement (Markdown)"), validators=[InputRequired(), MarkdownText(BODY_MAX)])
    pinned = BooleanField(_l("Pin it above the others"))
    publish_at = DateTimeLocalField(
        _l("Publish at (empty: now)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    tell = BooleanField(_l("Tell everyone when it is published (notification and e-mail)"), default=True)
    save = SubmitField(_l("Post announcement"))
