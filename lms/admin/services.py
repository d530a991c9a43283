"""Coordinator operations on users and settings; each one leaves a line in the audit log."""

from flask_login import current_user

from lms.admin.models import AuditEntry, SiteSetting
from lms.auth import sessions
from lms.auth.models import User
from lms.db import db


def audit(action: str, target: str = "", **details) -> AuditEntry:
    actor_id = current_user.id if current_user and current_user.is_authenticated else None
    entry = AuditEntry(action=action, target=target, details=details, actor_id=actor_id)
    db.session.add(entry)
    return entry


def update_user(user: User, changes: dict) -> dict:
    """Apply changes to a user; returns {field: [old, new]} for what really changed, and audits it."""
    changed = {}
    for field, value in changes.items():
        old = getattr(user, field)
        if old != value:
            setattr(user, field, value)
            changed[field] = [old, value]
    if changed.keys() & {"role", "active"}:
        sessions.end_all(user)  # the next request loads the new role, or none for a suspended account
    if "role" in changed:
        audit("user.role", user.email, old=changed["role"][0], new=changed["role"][1])
    if "active" in changed:
        audit("user.suspend" if not user.active else "user.reactivate", user.email)
    if changed.keys() - {"role", "active"}:
        audit("user.edit", user.email, fields=sorted(changed.keys() - {"role", "active"}))
    return changed


def save_settings(values: dict) -> None:
    for key, value in values.items():
        if SiteSetting.get(key) != value:
            SiteSetting.put(key, value)
            audit("settings.change", key, value=value)
