"""Login sessions kept on the server, so that logging out really ends one (DESIGN.md, "Cookie sessions
outlive logout").

Flask's session cookie and Flask-Login's remember-me cookie are signed, not stored: a copy stays valid
until it expires. Each login therefore gets a random LoginSession row whose id travels in both cookies
(User.get_id() is "<user id>:<session id>"); the user loader accepts a cookie only while its row exists.
Logging out deletes the row; "log out other devices", a password change or reset, a role change and a
suspension delete the user's other rows or all of them. Functions flush, never commit.
"""

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, func, select

from lms.auth.models import LoginSession, User
from lms.db import db, prepared, utcnow


def max_age() -> timedelta:
    """How long a login lasts at most: as long as the longer of the two cookies that can carry it."""
    config = current_app.config
    return max(config["REMEMBER_COOKIE_DURATION"], config["PERMANENT_SESSION_LIFETIME"])


def start(user: User) -> None:
    """A new login session for `user`, who from now on carries its id (call before login_user)."""
    db.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.created_at < utcnow() - max_age()
        )
    )
    login = LoginSession(id=secrets.token_urlsafe(32), user_id=user.id)
    db.session.add(login)
    db.session.flush()
    user.login_session_id = login.id


@prepared
def _live_session_user():
    return (
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == bindparam("user_id"),
            LoginSession.id == bindparam("session_id"),
            LoginSession.created_at >= bindparam("since"),
        )
    )


def load(cookie_id: str) -> User | None:
    """The active user whose live login session `cookie_id` ("<user id>:<session id>") names, in one query."""
    user_id, _, session_id = cookie_id.partition(":")
    if not user_id.isdigit() or not session_id:
        return None  # a cookie from before login sessions existed, or a forged one
    user = db.session.scalar(
        _live_session_user(),
        {"user_id": int(user_id), "session_id": session_id, "since": utcnow() - max_age()},
    )
    if user is None or not user.is_active:
        return None
    user.login_session_id = session_id
    return user


def end(user: User) -> None:
    """Log out of this device: its session and remember-me cookies stop working, even copied."""
    db.session.execute(delete(LoginSession).where(LoginSession.id == user.login_session_id))


def end_all(user: User, keep_current: bool = False) -> int:
    """Log `user` out everywhere (or everywhere but here); returns how many sessions ended."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_current and user.login_session_id:
        query = query.where(LoginSession.id != user.login_session_id)
    return db.session.execute(query).rowcount


def count_others(user: User) -> int:
    """Live login sessions of `user` besides this one: devices that would be logged out."""
    return db.session.scalar(
        select(func.count())
        .select_from(LoginSession)
        .where(
            LoginSession.user_id == user.id,
            LoginSession.id != (user.login_session_id or ""),
            LoginSession.created_at >= utcnow() - max_age(),
        )
    )
