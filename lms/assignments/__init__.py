"""Assignments: trainees hand in online text and files; trainers grade them with a rubric or a grade."""

from flask import Blueprint

bp = Blueprint("assignments", __name__, url_prefix="/assignments")
