"""Who may do what. Every view checks access through these helpers and the model predicates they call."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, request
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
