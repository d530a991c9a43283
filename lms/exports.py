"""Exports that every feature shares: CSV streamed row by row, safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterable

from flask import Response, stream_with_context

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(rows: Iterable[Iterable]) -> Iterable[str]:
    """CSV text line by line, with a BOM first so Excel reads UTF-8 (Greek, Cyrillic) correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_response(rows: Iterable[Iterable], filename: str) -> Response:
    response = Response(stream_with_context(csv_lines(rows)), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
