"""The evidence behind a programme's indicator report, as one ZIP per reporting period.

Funders audit the figures against signed attendance lists and the certificate register: the ZIP holds
the report (PDF and XLSX), the lists behind its figures (CSV), the sign-in sheet of every delivered
session and the register of the certificates counted.
"""

import io
import zipfile
from datetime import date

from lms.classroom.models import Programme
from lms.classroom.pdf import funder_report_html, render_document, sign_in_sheet_html
from lms.classroom.reports import funder_report, report_charts, report_rows, report_scope, size_label
from lms.exports import csv_lines, write_xlsx
from lms.i18n import _


def _csv(rows) -> bytes:
    return "".join(csv_lines(rows)).encode("utf-8")


def evidence_zip(programme: Programme, start: date | None, end: date | None) -> bytes:
    scope = report_scope(programme, start, end)
    report = funder_report(programme, start, end, scope=scope)
    attended = {}
    for session in scope.sessions:
        for record in session.records:
            if record.status in ("P", "L"):
                attended[record.user_id] = attended.get(record.user_id, 0) + 1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
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
        for session in scope.sessions:
            day = f"{session.starts_at:%Y-%m-%d}"
            name = f"sign-in-sheets/{day}-cohort{session.cohort_id}-session{session.id}.pdf"
            archive.writestr(name, render_document(sign_in_sheet_html(session)))
    return buffer.getvalue()
