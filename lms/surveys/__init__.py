"""Feedback surveys: rating, choice, yes/no and free-text questions, anonymous or named."""

from flask import Blueprint

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
