"""Notifications: one service every feature calls (`notify`), in-app and by mail, with per-user
preferences per event type (`register_event`), a daily digest and one-click unsubscribe."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from lms.notifications.services import notify, register_event  # noqa: E402

__all__ = ["bp", "notify", "register_event"]
