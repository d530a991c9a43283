"""Discussion forums: threads and replies in Markdown, general discussion or Q&A, moderated by trainers."""

from flask import Blueprint

bp = Blueprint("forums", __name__, url_prefix="/forums")
