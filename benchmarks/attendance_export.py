"""Export the attendance register of a cohort of 10,000 trainees x 20 sessions; print time and peak memory.

    python benchmarks/attendance_export.py [--trainees 10000] [--sessions 20] [--database-url URL]

The register is read in (trainee, session) order and written row by row (CSV streamed, XLSX in
openpyxl's write-only mode), so peak memory should not grow with the number of trainees: the script
also runs a tenth of the size and prints both.
"""

import argparse
import io
import random
import sys
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from benchmarks import throwaway  # noqa: E402
from lms.auth.models import User  # noqa: E402
from lms.classroom.models import AttendanceRecord, ClassSession, Cohort, CohortMember, Programme  # noqa: E402
from lms.classroom.reports import attendance_rows  # noqa: E402
from lms.db import db  # noqa: E402
from lms.enterprises.models import Enterprise  # noqa: E402
from lms.exports import csv_lines, write_xlsx  # noqa: E402

LABELS = {"P": "Present", "L": "Late", "E": "Excused", "A": "Absent"}
NAMES = ["Ελένη", "Марија", "Georgi", "Ђорђе", "Ana", "Νίκος", "Стефан"]


def build(trainees: int, sessions: int, rng: random.Random) -> Cohort:
    cohort = Cohort(programme=Programme(title="Bench programme"), name=f"Bench {trainees}")
    enterprise = Enterprise(name="SME", search_keys="")
    db.session.add_all([cohort, enterprise])
    db.session.flush()
    first_id = (db.session.scalar(text("SELECT max(id) FROM users")) or 0) + 1
    tag = uuid.uuid4().hex[:6]
    db.session.execute(
        insert(User),
        [
            {
                "id": first_id + n,
                "email": f"b{tag}{n}@example.org",
                "name": f"{NAMES[n % len(NAMES)]} {n}",
                "role": "trainee",
                "active": True,
                "enterprise_id": enterprise.id,
                "country": "GR",
                "created_at": datetime.now(UTC),
            }
            for n in range(trainees)
        ],
    )
    db.session.execute(
        insert(CohortMember),
        [
            {"cohort_id": cohort.id, "user_id": first_id + n, "added_at": datetime.now(UTC)}
            for n in range(trainees)
        ],
    )
    start = datetime(2027, 3, 1, 16, tzinfo=UTC)
    session_rows = [
        ClassSession(cohort_id=cohort.id, starts_at=start + timedelta(weeks=w), minutes=90, topic=f"S{w}")
        for w in range(sessions)
    ]
    db.session.add_all(session_rows)
    db.session.flush()
    records = [
        {
            "session_id": s.id,
            "user_id": first_id + n,
            "status": rng.choice("PPPPLEA"),
            "self_checked_in": False,
            "taken_at": datetime.now(UTC),
        }
        for s in session_rows
        for n in range(trainees)
        if rng.random() < 0.9
    ]
    for chunk in range(0, len(records), 20000):
        db.session.execute(insert(AttendanceRecord), records[chunk : chunk + 20000])
    db.session.commit()
    return cohort


def export(cohort: Cohort, fmt: str) -> int:
    rows = attendance_rows(cohort, LABELS)
    if fmt == "csv":
        return sum(len(line.encode()) for line in csv_lines(rows))
    buffer = io.BytesIO()
    write_xlsx(rows, buffer, "Attendance")
    return len(buffer.getvalue())


def measure(cohort: Cohort, fmt: str) -> tuple[float, float, int]:
    """Time one export, then run it again under tracemalloc for the peak (tracemalloc slows Python
    several times, so it must not be on while timing)."""
    started = time.perf_counter()
    size = export(cohort, fmt)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    export(cohort, fmt)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 1e6, size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trainees", type=int, default=10_000)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    rng = random.Random(7)
    with throwaway.app(args.database_url or None, TESTING=True) as app, app.test_request_context():
        results = []
        for trainees in (args.trainees // 10, args.trainees):
            started = time.perf_counter()
            cohort = build(trainees, args.sessions, rng)
            built = time.perf_counter() - started
            for fmt in ("csv", "xlsx"):
                results.append((trainees, fmt, built, *measure(cohort, fmt)))
    print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}; sessions: {args.sessions}")
    print("trainees  format  build_s  export_s  peak_MB  file_MB")
    for trainees, fmt, built, seconds, peak, size in results:
        print(f"{trainees:8d}  {fmt:6s}  {built:7.1f}  {seconds:8.2f}  {peak:7.1f}  {size / 1e6:7.2f}")


if __name__ == "__main__":
    main()
