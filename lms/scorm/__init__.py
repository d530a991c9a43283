"""SCORM packages: a trainer uploads a SCORM 1.2 or 2004 zip, trainees play it in a sandboxed frame."""

from flask import Blueprint

bp = Blueprint("scorm", __name__, url_prefix="/scorm")
