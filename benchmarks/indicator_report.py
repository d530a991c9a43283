"""The indicator report of a programme and its evidence ZIP; print times and the ZIP's size.

    python benchmarks/indicator_report.py [--cohorts 4] [--members 30] [--sessions 10] [--enterprises 40]

Builds a programme of COHORTS cohorts of MEMBERS trainees each (spread over ENTERPRISES enterprises),
SESSIONS delivered sessions per cohort with attendance taken, then times the figures (the page's work),
the XLSX, the PDF and the evidence ZIP (report, lists, one sign-in sheet per delivered session), which an
export job makes outside the request.
"""

import argparse
import io
import random
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from benchmarks import throwaway  # noqa: E402
from benchmarks.certificates import timed  # noqa: E402
from lms.auth.models import User  # noqa: E402
from lms.classroom.models import AttendanceRecord, ClassSession, Cohort, CohortMember, Programme  # noqa: E402
from lms.db import db  # noqa: E402
from lms.enterprises.models import SIZE_CLASSES, Enterprise  # noqa: E402


def build(cohorts: int, members: int, sessions: int, enterprises: int, rng: random.Random) -> Programme:
    firms = [
        Enterprise(name=f"Εταιρεία {n}", name_latin=f"Etaireia {n}", size_class=rng.choice(SIZE_CLASSES))
        for n in range(enterprises)
    ]
    programme = Programme(title="Bench programme")
    db.session.add_all([programme, *firms])
    db.session.flush()
    now = datetime.now(UTC)
    for c in range(cohorts):
        cohort = Cohort(programme=programme, name=f"Cohort {c}")
        db.session.add(cohort)
        db.session.flush()
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"c{c}m{m}@example.org",
                    "name": f"Trainee {c}-{m}",
                    "role": "trainee",
                    "country": rng.choice(["GR", "MK", "BG", "RS"]),
                    "gender": rng.choice(["female", "male", None]),
                    "enterprise_id": rng.choice(firms).id,
                }
                for m in range(members)
            ],
        )
        ids = list(db.session.scalars(select(User.id).where(User.email.like(f"c{c}m%"))))
        db.session.execute(insert(CohortMember), [{"cohort_id": cohort.id, "user_id": i} for i in ids])
        for s in range(sessions):
            session = ClassSession(cohort=cohort, starts_at=now - timedelta(days=7 * (s + 1)), minutes=90)
            db.session.add(session)
            db.session.flush()
            db.session.execute(
                insert(AttendanceRecord),
                [{"session_id": session.id, "user_id": i, "status": rng.choice("PPPLEA")} for i in ids],
            )
    db.session.commit()
    return programme


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cohorts", type=int, default=4)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--enterprises", type=int, default=40)
    args = parser.parse_args()
    with throwaway.app(TESTING=True) as app, app.test_request_context():
        from lms.classroom.evidence import write_evidence
        from lms.classroom.pdf import funder_report_html, render_document
        from lms.classroom.reports import funder_report, report_charts, report_rows
        from lms.exports import write_xlsx

        programme = build(args.cohorts, args.members, args.sessions, args.enterprises, random.Random(7))
        figures_s, report = timed(lambda: funder_report(programme))
        xlsx_s, _ = timed(lambda: write_xlsx(report_rows(report), io.BytesIO()))
        pdf_s, _ = timed(lambda: render_document(funder_report_html(report, report_charts(report))))
        buffer = io.BytesIO()
        zip_s, _ = timed(lambda: write_evidence(programme, None, None, buffer))
        data = buffer.getvalue()
        files = len(zipfile.ZipFile(io.BytesIO(data)).namelist())
    sheets = args.cohorts * args.sessions
    print(f"programme: {args.cohorts} cohorts x {args.members} members, {sheets} delivered sessions")
    print(f"enterprises counted: {report.enterprises}; participants: {report.participants}")
    print("figures_s  xlsx_s  pdf_s  zip_s  zip_files  zip_MB  s_per_sign_in_sheet")
    print(
        f"{figures_s:9.2f}  {xlsx_s:6.2f}  {pdf_s:5.2f}  {zip_s:5.1f}  {files:9d}  {len(data) / 1e6:6.2f}"
        f"  {(zip_s - pdf_s) / max(sheets, 1):19.2f}"
    )


if __name__ == "__main__":
    main()
