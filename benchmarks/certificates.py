"""Issue and export certificates, printing the time per certificate alone and in a bulk export.

    python benchmarks/certificates.py [--count 500] [--processes 2]

Builds a throwaway instance (SQLite), a course and COUNT trainees with Greek, Cyrillic and Latin names,
issues their certificates through the service the app uses, then measures:
  - one PDF alone in a fresh renderer (the first, with fonts and stylesheet to load) and warm ones;
  - the bulk ZIP export of all of them with 1 process and with --processes processes.
The target: in bulk on 2 cores, the time per certificate approaches half of one PDF's time alone.
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms import create_app  # noqa: E402
from lms.auth.models import User  # noqa: E402
from lms.certificates import services as certs  # noqa: E402
from lms.certificates.pdf import CertificateRenderer  # noqa: E402
from lms.courses.models import Course  # noqa: E402
from lms.db import db  # noqa: E402

NAMES = [
    "Ελένη Παπαδοπούλου",
    "Марија Стојановска",
    "Georgi Dimitrov",
    "Ђорђе Петровић",
    "Ana Kovačević",
    "Αικατερίνη-Παναγιώτα Χατζηγεωργίου-Παπαδοπούλου",
]


def build(count: int) -> list:
    course = Course(
        slug="bench",
        title="Ψηφιακό μάρκετινγκ για μικρές επιχειρήσεις",
        summary="",
        hours=12,
        language="el",
        published=True,
    )
    db.session.add(course)
    users = [
        User(email=f"t{n}@example.org", name=f"{NAMES[n % len(NAMES)]} {n}", role="trainee")
        for n in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    certificates = [certs.issue(course, user, date(2027, 3, 14), None) for user in users]
    db.session.commit()
    return certificates


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": instance,
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/bench.sqlite",
            }
        )
        with app.app_context(), app.test_request_context(base_url="https://lms.example.org"):
            db.create_all()
            build_s, certificates = timed(lambda: build(args.count))
            static, uploads = Path(app.static_folder), Path(instance) / "uploads"

            first_s, _ = timed(
                lambda: CertificateRenderer(static, uploads).render(certs.view_of(certificates[0]))
            )
            renderer = CertificateRenderer(static, uploads)
            renderer.render(certs.view_of(certificates[0]))  # warm up
            warm = [timed(lambda c=c: renderer.render(certs.view_of(c)))[0] for c in certificates[1:11]]
            alone_s = statistics.median(warm)

            rows = []
            for processes in sorted({1, args.processes}):
                buffer = io.BytesIO()
                seconds, written = timed(
                    lambda p=processes, b=buffer: certs.export_zip(certificates, b, processes=p)
                )
                pdfs = sum(1 for name in zipfile.ZipFile(buffer).namelist() if name.endswith(".pdf"))
                assert written == pdfs == len(certificates)
                rows.append((processes, seconds, seconds / written, len(buffer.getvalue())))

    print(f"certificates: {args.count} (issued in {build_s:.2f} s)")
    print(f"one PDF alone, cold renderer (fonts and stylesheet loaded): {1000 * first_s:7.1f} ms")
    print(f"one PDF alone, warm renderer (median of 10):               {1000 * alone_s:7.1f} ms")
    print("processes  total_s  per_certificate_ms  ratio_to_alone  zip_MB")
    for processes, seconds, per, size in rows:
        print(f"{processes:9d}  {seconds:7.1f}  {1000 * per:18.1f}  {per / alone_s:14.2f}  {size / 1e6:6.1f}")


if __name__ == "__main__":
    main()
