"""Issue and export certificates, printing the time per certificate alone and in a bulk export.

    python benchmarks/certificates.py [--count 500] [--processes 2] [--repeat 3]

Builds a throwaway instance (SQLite), a course and COUNT trainees with Greek, Cyrillic and Latin names,
issues their certificates through the service the app uses, then measures:
  - one PDF alone in a fresh renderer (the first, with fonts and stylesheet to load) and warm ones;
  - the bulk ZIP export of all of them with 1 process and with --processes processes, --repeat times each,
    printing the minimum and the median wall time, and the CPU time per certificate (this process and its
    rendering processes together), which moves much less than wall time on a loaded machine;
  - the peak memory (max RSS) of this process and of the largest rendering process.
The target: 500 certificates in 7.5 s or less on 2 cores (15 ms a certificate).
"""

import argparse
import io
import resource
import statistics
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import throwaway  # noqa: E402
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


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (the pool's renderers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


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
    parser.add_argument("--repeat", type=int, default=3, help="runs of each bulk export (min and median)")
    args = parser.parse_args()
    with throwaway.app(TESTING=True) as app:
        static, uploads = Path(app.static_folder), Path(app.instance_path) / "uploads"
        with app.app_context(), app.test_request_context(base_url="https://lms.example.org"):
            build_s, certificates = timed(lambda: build(args.count))

            first_s, _ = timed(
                lambda: CertificateRenderer(static, uploads).render(certs.view_of(certificates[0]))
            )
            renderer = CertificateRenderer(static, uploads)
            renderer.render(certs.view_of(certificates[0]))  # warm up
            warm = [timed(lambda c=c: renderer.render(certs.view_of(c)))[0] for c in certificates[1:11]]
            alone_s = statistics.median(warm)

            rows = []
            for processes in sorted({1, args.processes}):
                walls, cpus = [], []
                for _ in range(args.repeat):
                    buffer = io.BytesIO()
                    before = cpu_seconds()
                    seconds, written = timed(
                        lambda p=processes, b=buffer: certs.export_zip(certificates, b, processes=p)
                    )
                    cpus.append((cpu_seconds() - before) / written)
                    walls.append(seconds)
                    pdfs = sum(1 for name in zipfile.ZipFile(buffer).namelist() if name.endswith(".pdf"))
                    assert written == pdfs == len(certificates)
                rows.append((processes, walls, cpus, len(buffer.getvalue())))

    print(f"certificates: {args.count} (issued in {build_s:.2f} s)")
    print(f"one PDF alone, cold renderer (fonts and stylesheet loaded): {1000 * first_s:7.1f} ms")
    print(f"one PDF alone, warm renderer (median of 10):               {1000 * alone_s:7.1f} ms")
    print(
        f"export, {args.repeat} runs each: wall time (min, median), per certificate, CPU time per certificate"
    )
    print(
        "processes  total_s_min  total_s_median  per_cert_ms_min  per_cert_ms_median  cpu_ms_per_cert  zip_MB"
    )
    for processes, walls, cpus, size in rows:
        low, mid = min(walls), statistics.median(walls)
        print(
            f"{processes:9d}  {low:11.2f}  {mid:14.2f}  {1000 * low / args.count:15.1f}"
            f"  {1000 * mid / args.count:18.1f}  {1000 * statistics.median(cpus):15.1f}  {size / 1e6:6.1f}"
        )
    own, children = (
        resource.getrusage(who).ru_maxrss / 1024 for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    print(f"peak memory (max RSS): this process {own:.0f} MB, largest rendering process {children:.0f} MB")


if __name__ == "__main__":
    main()
