"""Who may do what. Every view checks access through these helpers and the model predicates they call."""

from functools import wraps
from urllib.parse import urlsplit

from flask import Response, abort, current_app, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_login import login_required as _login_required
from flask_wtf.csrf import CSRFProtect

from lms.i18n import _l

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

csrf = CSRFProtect()
# Storage is chosen in init_security: memory:// for one process, Redis when LMS_REDIS_URL is set.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

login_required = _login_required


@login_manager.user_loader
def _load_user(user_id: str):
    """Session and remember-me cookies name a login session; it must still exist (lms/auth/sessions.py)."""
    from lms.auth import sessions

    return sessions.load(user_id)


def configured_limit(config_key: str):
    """A Flask-Limiter limit read from the app's configuration when a request is checked."""
    from flask import current_app

    return lambda: current_app.config[config_key]


def role_required(*roles: str):
    """Allow users holding any of `roles` (or a role that includes one); 401 for anonymous, 403 else."""

    def decorator(view):
        @wraps(view)
        @_login_required
        def wrapped(*args, **kwargs):
            if not any(current_user.has_role(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require(allowed: bool) -> None:
    """Abort with 403 unless a permission predicate said yes: `require(course.can_edit(current_user))`."""
    if not allowed:
        abort(403)


def editable_course(slug: str):
    """The course a URL names (with its outline), if the current user may edit it; 404 or 403 if not."""
    from lms.courses.queries import get_course_outline

    course = get_course_outline(slug)
    if course is None:
        abort(404)
    require(course.can_edit(current_user))
    return course


def editable_module(module_id: int):
    """The module a URL names (to add an activity to), if the current user may edit its course."""
    from lms.courses.models import Module
    from lms.db import db

    module = db.get_or_404(Module, module_id)
    require(module.course.can_edit(current_user))
    return module


def editable_activity(activity_id: int, kind: str):
    """The activity of this kind a URL names, if the current user may edit its course; 404 or 403 if not."""
    from lms.courses.queries import get_activity

    activity = get_activity(activity_id, kind)
    if activity is None:
        abort(404)
    require(activity.module.course.can_edit(current_user))
    return activity


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site are accepted as a `next` redirect (no scheme, no host, no //)."""
    if not target:
        return False
    parts = urlsplit(target)
    return (
        not parts.scheme
        and not parts.netloc
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    )


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "frame-src https://www.youtube-nocookie.com https://player.vimeo.com",
    ]
)


COOKIE_SECURE_CHOICES = (True, False, "auto")


def configure_cookie_security(app) -> None:
    """Resolve SESSION_COOKIE_SECURE (see lms/config.py) and apply it to the remember-me cookie too."""
    secure = app.config["SESSION_COOKIE_SECURE"]
    app.extensions["lms.cookie_secure_defaulted"] = secure is None
    if secure is None:
        secure = "auto" if (app.debug or app.testing) else True
    if secure not in COOKIE_SECURE_CHOICES:
        raise RuntimeError(f"SESSION_COOKIE_SECURE must be true, false or auto, not {secure!r}")
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.response_class = CookieResponse


def relax_cookie_security_for_development(app) -> None:
    """The development server serves plain http, also to phones on a classroom network: unless the
    setting was chosen by the administrator, cookies are HTTPS-only exactly when a request is HTTPS."""
    if app.extensions.get("lms.cookie_secure_defaulted"):
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = "auto"


class CookieResponse(Response):
    """Resolves secure="auto" (SESSION_COOKIE_SECURE, REMEMBER_COOKIE_SECURE) per request: a cookie is
    Secure when the request came over HTTPS (behind a proxy, as ProxyFix reports it)."""

    def set_cookie(self, key, *args, secure=False, **kwargs):
        if secure == "auto":
            secure = has_request_context() and request.is_secure
        super().set_cookie(key, *args, secure=secure, **kwargs)


def session_cookie_lost_over_http() -> bool:
    """True when this plain-http request arrived without the session cookie although cookies are
    HTTPS-only: the browser dropped it (it keeps Secure cookies over http only for localhost), so
    nothing that needs a session, such as logging in, can work at this address."""
    config = current_app.config
    return (
        config["SESSION_COOKIE_SECURE"] is True
        and not request.is_secure
        and config["SESSION_COOKIE_NAME"] not in request.cookies
    )


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_security(app) -> None:
    login_manager.init_app(app)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)
    app.after_request(_security_headers)
