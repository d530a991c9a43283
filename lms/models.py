"""Imports every feature's models so that Alembic and create_all see the whole schema."""

from lms.admin.models import AuditEntry, SiteSetting
from lms.auth.models import User
from lms.courses.models import Activity, Course, CourseFile, Enrolment, Module

__all__ = ["Activity", "AuditEntry", "Course", "CourseFile", "Enrolment", "Module", "SiteSetting", "User"]
