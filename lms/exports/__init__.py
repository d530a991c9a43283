"""Exports that every feature shares: CSV streamed row by row and XLSX, safe to open in a spreadsheet,
and export jobs (tasks.py): an export that may be large is made by a background job beyond a size,
its file kept in the site's storage, its page (views.py) showing progress and offering the download.
"""

import csv
import io
from collections.abc import Iterable

from flask import Blueprint, Response, stream_with_context

bp = Blueprint("exports", __name__)

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


def write_xlsx(rows: Iterable[Iterable], file, sheet: str = "Sheet1") -> None:
    """Write rows to an XLSX in openpyxl's write-only mode (rows go to disk as they come, memory stays
    flat). Text cells are written as text, never as formulas."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31])

    def as_text(value):
        # openpyxl takes a string starting with "=" for a formula; only those need a cell forced to text
        # (a cell object per value would cost a third of the export's time).
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell

    for row in rows:
        worksheet.append([as_text(v) if isinstance(v, str) and v.startswith("=") else v for v in row])
    workbook.save(file)


def xlsx_response(rows: Iterable[Iterable], filename: str, sheet: str = "Sheet1") -> Response:
    """An XLSX written to a temporary file, then sent from it in chunks."""
    import tempfile

    handle = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response's generator)
    write_xlsx(rows, handle, sheet)
    handle.seek(0)

    def chunks():
        with handle:
            while chunk := handle.read(64 * 1024):
                yield chunk

    response = Response(
        chunks(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
