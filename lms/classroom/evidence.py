"""The evidence behind a programme's indicator report, as one ZIP per reporting period.

Funders audit the figures against signed attendance lists and the certificate register: the ZIP holds
the report (PDF and XLSX), the lists behind its figures (CSV), the sign-in sheet of every delivered
session and the register of the certificates counted. A sign-in sheet takes about a second to render,
so the ZIP is an export job (lms.exports.tasks, a background job), never made in a request.
"""

import io
import zipfile
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

from lms.classroom.models import Programme
from lms.classroom.pdf import funder_report_html, render_document, sign_in_sheet_html
from lms.classroom.reports import funder_report, report_charts, report_rows, report_scope, size_label
from lms.db import db
from lms.exports import csv_lines, write_xlsx
from lms.exports.models import ExportJob
from lms.i18n import _


def _csv(rows) -> bytes:
    return "".join(csv_lines(rows)).encode("utf-8")


def evidence_job(job: ExportJob, target: Path, progress, processes: int) -> None:
    """The export job's runner: the ZIP of job.params' programme and period, in the language of the
    coordinator who asked for it."""
    params = job.params
    programme = db.session.get(Programme, params["programme_id"])
    start, end = (date.fromisoformat(params[key]) if params.get(key) else None for key in ("start", "end"))
    scope = report_scope(programme, start, end)
    job.total = len(scope.sessions) + 1  # the sign-in sheets and the report
    db.session.commit()
    locale = params.get("locale") or current_app.config.get("DEFAULT_LOCALE", "en")
    with force_locale(locale), target.open("wb") as file:
        write_evidence(programme, start, end, file, scope, progress)


def write_evidence(
    programme: Programme, start: date | None, end: date | None, file, scope=None, progress=None
):
    """Write the evidence ZIP to `file`; progress(done) after the report and each sign-in sheet."""
    scope = scope or report_scope(programme, start, end)
    report = funder_report(programme, start, end, scope=scope)
    attended = {}
    for session in scope.sessions:
        for record in session.records:
            if record.status in ("P", "L"):
                attended[record.user_id] = attended.get(record.user_id, 0) + 1
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("indicators.pdf", render_document(funder_report_html(report, report_charts(report))))
        xlsx = io.BytesIO()
        write_xlsx(report_rows(report), xlsx, sheet=_("Indicators"))
        archive.writestr("indicators.xlsx", xlsx.getvalue())
        archive.writestr(
            "enterprises.csv",
            _csv(
                [
                    [
                        _("Name"),
                        _("Name in Latin letters"),
                        _("Country"),
                        _("VAT or registration number"),
                        _("NACE section"),
                        _("NACE division"),
                        _("Size class"),
                        _("Participants"),
                    ],
                    *(
                        [
                            e.name,
                            e.name_latin,
                            e.country or "",
                            e.number or "",
                            e.nace_section or "",
                            e.nace_division or "",
                            size_label(e.size_class),
                            sum(1 for u in scope.participants if u.enterprise_id == e.id),
                        ]
                        for e in scope.enterprises
                    ),
                ]
            ),
        )
        archive.writestr(
            "participants.csv",
            _csv(
                [
                    [
                        _("Name"),
                        _("E-mail"),
                        _("Enterprise"),
                        _("Country"),
                        _("Gender"),
                        _("Sessions attended"),
                    ],
                    *(
                        [
                            u.name,
                            u.email,
                            u.organisation or (_("Not yet a company") if u.founder else ""),
                            u.country or "",
                            u.gender or "",
                            attended.get(u.id, 0),
                        ]
                        for u in scope.participants
                    ),
                ]
            ),
        )
        archive.writestr(
            "certificate-register.csv",
            _csv(
                [
                    [_("Code"), _("Name"), _("Course"), _("Completed on"), _("Hours"), _("Issued (UTC)")],
                    *(
                        [
                            c.code,
                            c.name,
                            c.course_title,
                            c.completed_on.isoformat(),
                            float(c.hours),
                            f"{c.issued_at:%Y-%m-%d %H:%M}",
                        ]
                        for c in scope.certificates
                    ),
                ]
            ),
        )
        if progress:
            progress(1)
        for done, session in enumerate(scope.sessions, start=2):
            day = f"{session.starts_at:%Y-%m-%d}"
            name = f"sign-in-sheets/{day}-cohort{session.cohort_id}-session{session.id}.pdf"
            archive.writestr(name, render_document(sign_in_sheet_html(session)))
            if progress:
                progress(done)
