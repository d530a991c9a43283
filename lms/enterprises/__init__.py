"""Enterprises: the SMEs a programme supports, one record each, counted once in funders' reports."""

from flask import Blueprint

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises")
