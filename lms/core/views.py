from datetime import timedelta

from flask import (
    Response,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_decimal, format_percent, get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from lms.activities import kind_of
from lms.choices import country_name
from lms.core import bp
from lms.db import db, is_lock_timeout, utcnow
from lms.i18n import (
    LANGUAGE_NAMES,
    _,
    format_clock,
    format_day,
    format_moment,
    ngettext,
    site_language,
    zone_note,
)
from lms.markup import PYGMENTS_CSS_CLASS
from lms.security import is_safe_next, session_cookie_lost_over_http


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("core/home.html")
    from lms.certificates.models import Certificate
    from lms.classroom.services import sessions_for
    from lms.courses.forms import CATEGORY_LABELS
    from lms.courses.outline import read_outlines
    from lms.courses.queries import my_enrolments, taught_courses
    from lms.progress.queries import my_progress

    enrolments = my_enrolments(current_user)
    certificates = {
        c.course_id: c
        for c in db.session.scalars(db.select(Certificate).where(Certificate.user_id == current_user.id))
    }
    return render_template(
        "core/home.html",
        enrolments=enrolments,
        progress=my_progress(current_user, read_outlines([e.course_id for e in enrolments])),
        certificates=certificates,
        upcoming=sessions_for(current_user, since=utcnow() - timedelta(hours=3), limit=3),
        taught=taught_courses(current_user) if current_user.is_trainer else [],
        categories=CATEGORY_LABELS,
    )


@bp.route("/language", methods=["POST"])
def set_language():
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400, _("Unknown language: %(code)s.", code=locale[:20]))
    session["locale"] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("core.home"))


def _error_page(error: HTTPException):
    """Every HTTP error keeps its status and gets a page in the site's style (410, 422, ... included)."""
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    if code == 503:
        current_app.logger.error("%s: %s", request.path, error.description)
    response = make_response(render_template("errors/error.html", code=code, error=error), code)
    # A 405 must say which methods are allowed, a 401 how to authenticate, a 429 when to come back.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers.setdefault(name, value)
    return response


def _csrf_error(error: CSRFError):
    cookie_lost = session_cookie_lost_over_http()
    if cookie_lost:
        current_app.logger.warning(
            "A form was sent over plain http to %s without the session cookie, which is HTTPS-only: serve "
            "the site over HTTPS, or set LMS_SESSION_COOKIE_SECURE=auto for a trusted classroom network.",
            request.host,
        )
    return render_template(
        "errors/error.html", code=400, error=error, csrf=True, cookie_lost=cookie_lost
    ), 400


def _untrusted_host(error: SecurityError):
    """A request for a host name the site is not configured for (see lms/links.py). No page in the
    site's style: its links would lead back to the same host; the operator is told where the site is."""
    current_app.logger.warning("refused a request for an untrusted host: %s", error.description)
    base = escape(current_app.config["BASE_URL"])
    body = (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>400 Bad Request</title>'
        "<h1>Unknown host</h1><p>This server does not answer to the host name in this request. "
        f'The site is at <a href="{base}">{base}</a>.</p>'
    )
    return Response(body, status=400, mimetype="text/html")


def _database_busy(error: OperationalError):
    """SQLite stayed locked by other workers' writes past the busy timeout (a server far over its load):
    nothing was written (the transaction rolls back whole), so say so with 503 and when to come back,
    rather than a 500. Any other database error is unexpected."""
    if not is_lock_timeout(error):
        raise error
    db.session.rollback()
    g.db_writer = False  # the page itself only reads (the header's user): no waiting for the lock again
    current_app.logger.warning("database busy past the timeout: %s %s", request.method, request.path)
    response = make_response(render_template("errors/error.html", code=503, error=None, busy=True), 503)
    response.headers["Retry-After"] = "5"
    return response


def _unexpected(error: Exception):
    current_app.logger.exception("unhandled error")
    db.session.rollback()
    return render_template("errors/error.html", code=500, error=None), 500


def register_error_pages(app) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SecurityError, _untrusted_host)
    # Registered for HTTPException itself: a handler for Exception (below) would otherwise also catch
    # every HTTP error that has no handler of its own and turn it into a 500.
    app.register_error_handler(HTTPException, _error_page)
    app.register_error_handler(OperationalError, _database_busy)
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, _unexpected)


def hours_label(hours) -> str:
    """'1 hour', '12 hours', '1,5 hours' (decimal separator of the reader's language)."""
    whole = hours == int(hours)
    return ngettext(
        "%(hours)s hour",
        "%(hours)s hours",
        int(hours) if whole else 2,
        hours=format_decimal(int(hours) if whole else hours),
    )


def percent_label(value: float | None) -> str:
    """A percentage as reports print it: at most one decimal, in the reader's style; "–" if none."""
    return "–" if value is None else format_percent(value / 100, "#,##0.#%")


def decimal_label(value: float, places: int) -> str:
    """A number with exactly `places` decimals in the reader's style: 3.75 is '3,75' in Greek."""
    return format_decimal(value, "#,##0." + "0" * places if places else "#,##0")


def has_highlighted_code(html: str) -> bool:
    """Whether rendered Markdown holds a highlighted code block, which needs css/pygments.css."""
    return f'class="{PYGMENTS_CSS_CLASS}"' in html


def register_template_helpers(app) -> None:
    app.jinja_env.tests["with_code"] = has_highlighted_code
    app.jinja_env.filters["hours"] = hours_label
    app.jinja_env.filters["percent"] = percent_label
    app.jinja_env.filters["decimal2"] = lambda value: format_decimal(value, "0.00")
    app.jinja_env.filters["decimal"] = decimal_label
    app.jinja_env.filters["datetime"] = format_moment
    app.jinja_env.filters["date"] = format_day
    app.jinja_env.filters["time"] = format_clock
    app.jinja_env.globals["zone_note"] = zone_note
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.globals["activity_kind"] = kind_of  # templates ask the kind, never name it

    @app.context_processor
    def _site():
        return {
            "site_name": app.config["SITE_NAME"],
            "language_names": LANGUAGE_NAMES,
            "current_locale": site_language(),
            "now": utcnow,
            "html_lang": str(get_locale()).replace("_", "-"),
        }
