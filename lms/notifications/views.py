"""The notifications page, preferences per event type, and one-click unsubscribe from a mail."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.db import db, writing
from lms.forms import ActionForm
from lms.i18n import _
from lms.notifications import bp
from lms.notifications import services as notifications
from lms.notifications.forms import field_name, preferences_form
from lms.notifications.models import Notification
from lms.security import csrf, is_safe_next, login_required

PER_PAGE = 30
# The preferences page lists these first, in this order; events registered later (forums...) follow.
SHOWN_FIRST = (
    "announcement.new",
    "session.reminder",
    "session.changed",
    "assignment.due",
    "grade.released",
    "certificate.issued",
)


def _ordered_events():
    known = notifications.EVENTS
    first = [known[name] for name in SHOWN_FIRST if name in known]
    return first + [spec for name, spec in known.items() if name not in SHOWN_FIRST]


@bp.app_template_filter("moment_in")
def _moment_in(value, zone: str, width: str = "weekday", named: bool = False) -> str:
    return notifications.moment_in(value, zone, width, named)


@bp.route("/")
@login_required
def index():
    page = db.paginate(Notification.of(current_user.id), per_page=PER_PAGE, error_out=False)
    # The header's cached count drifts only if rows changed outside the service: set it right here.
    unread = notifications.count_unread(current_user)
    if current_user.unread_notifications != unread:
        with writing(current_user, best_effort=True):
            current_user.unread_notifications = unread
    return render_template("notifications/index.html", page=page, form=ActionForm())


def _own(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    return notification


@bp.route("/<int:notification_id>")
@login_required
def follow(notification_id: int):
    """Follow a notification: it is read now."""
    notification = _own(notification_id)
    if notification.read_at is None:
        with writing(notification, current_user, best_effort=True):
            notifications.mark_read(current_user, notification)
    target = notification.link
    return redirect(target if is_safe_next(target) else url_for("notifications.index"))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    notification = _own(notification_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    notifications.mark_read(current_user, notification)
    db.session.commit()
    return redirect(url_for("notifications.index", page=request.args.get("page", type=int)))


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    if not ActionForm().validate_on_submit():
        abort(400)
    notifications.mark_all_read(current_user)
    db.session.commit()
    flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    events = _ordered_events()
    current = notifications.preferences(current_user)
    form = preferences_form(events, current, formdata=request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        for spec in events:
            chosen = form[field_name(spec.name)].data
            if chosen != current[spec.name]:
                notifications.set_preference(current_user, spec.name, chosen)
        db.session.commit()
        flash(_("Your notification choices are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    fields = [(spec, form[field_name(spec.name)]) for spec in events]
    return render_template(
        "notifications/preferences.html", form=form, fields=fields
    ), 400 if request.method == "POST" else 200


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail program POSTs with no session; the signed token is the authority
def unsubscribe(token: str):
    found = notifications.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user, name = found
    label = (
        _("the daily digest") if name == notifications.DIGEST else str(notifications.event_spec(name).label)
    )
    if request.method == "POST":
        notifications.unsubscribe(user, name)
        db.session.commit()
        return render_template("notifications/unsubscribed.html", label=label, done=True)
    return render_template("notifications/unsubscribed.html", label=label, done=False, token=token)
