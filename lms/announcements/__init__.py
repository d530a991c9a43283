"""Announcements of a course or a cohort: trainers and coordinators post in Markdown, optionally pinned,
scheduled, and told at once to everyone enrolled (or in the cohort) through lms.notifications."""

from flask import Blueprint

bp = Blueprint("announcements", __name__, url_prefix="/announcements")
