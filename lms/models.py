"""Imports every feature's models so that Alembic and create_all see the whole schema."""

from lms.admin.models import AuditEntry, SiteSetting
from lms.auth.models import User

__all__ = ["AuditEntry", "SiteSetting", "User"]
