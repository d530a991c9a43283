"""Serve the app and a bare Flask hello-world with the same gunicorn settings, load both with wrk, and
print req/s, p50 and p99 latency and the ratio to hello-world for the pages people use most.

The app runs on the demo data (`lms demo --no-serve`: bundled courses, a trainee enrolled, a cohort with
e-classes) in a throwaway instance folder, or on a database of its own on the PostgreSQL server given with
--database-url (dropped at the end). The trainee is logged in once; wrk sends that session cookie.

Needs wrk (Debian: apt-get install wrk) and gunicorn (the [serve] extra). Ports --port (5610) and the
next. The machine may be shared: each page is loaded right after hello-world, --repeat times, and the
ratio printed is the median of those pairs' ratios.

Usage:
    python benchmarks/pages.py [--duration 10] [--connections 8] [--workers 2] [--repeat 3] [--port 5610]
                               [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import throwaway  # noqa: E402
from tests.live import Browser, Processes, wait_until_answers  # noqa: E402

HELLO = """from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
"""


def _gunicorn(processes: Processes, app: str, port: int, workers: int, env: dict, cwd: Path):
    return processes.start(
        str(port), ["-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", app], cwd, env
    )


def _login(base: str, email: str, password: str) -> Browser:
    browser = Browser()
    status = browser.login(base, email, password)
    if status != 302:
        raise SystemExit(f"could not log in as {email}: HTTP {status}")
    return browser


def _wrk(url: str, cookie: str | None, duration: int, connections: int) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rate": rate,
        "p50": latency.get("50", "?"),
        "p99": latency.get("99", "?"),
        "bad": int(non_2xx.group(1)) if non_2xx else 0,
        "errors": errors.group(1) if errors else "",
    }


def _prepare(url: str, instance: Path) -> tuple:
    """The demo data; returns the app on it and the pages' paths (found in the database)."""
    from lms.auth.models import User
    from lms.cli import DEMO_PASSWORD, DEMO_USERS
    from lms.courses.models import Activity, Enrolment
    from lms.db import db
    from lms.demo import load_demo

    app = throwaway.make_app(url, instance, tables=False)  # the migrations make them, as `lms init` does
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        load_demo(DEMO_USERS, DEMO_PASSWORD)
        db.session.commit()
        trainee = db.session.scalar(User.by_email(DEMO_USERS[0][0]))
        enrolment = db.session.scalars(db.select(Enrolment).where(Enrolment.user_id == trainee.id)).first()
        course = enrolment.course
        activities = course.activities()
        lesson = next(a for a in activities if a.kind == "lesson")
        quiz = db.session.scalars(
            db.select(Activity).where(Activity.kind == "quiz", Activity.published.is_(True))
        ).first()
        paths = {
            "course": f"/courses/{course.slug}",
            "lesson": f"/courses/{course.slug}/learn/{lesson.module.slug}/{lesson.slug}",
            "quiz_id": quiz.id if quiz else None,
            "quiz_course": quiz.module.course.slug if quiz else None,
            "matrix": f"/progress/courses/{course.slug}/matrix",
        }
        db.engine.dispose()
    return app, paths


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for both apps")
    parser.add_argument("--database-url", help="a PostgreSQL server; a database of its own is made on it")
    parser.add_argument("--repeat", type=int, default=3, help="hello-world/page pairs per page")
    parser.add_argument("--port", type=int, default=5610, help="the app's port; hello-world is on the next")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")

    scratch = Path(tempfile.mkdtemp(prefix="lms-bench-pages-"))
    try:
        with throwaway.database(args.database_url, scratch) as url, Processes(scratch) as processes:
            _measure(args, scratch, url, processes)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _measure(args, scratch: Path, url: str, processes: Processes) -> None:
    from lms.cli import DEMO_PASSWORD, DEMO_USERS

    app, paths = _prepare(url, scratch / "instance")
    (scratch / "hello.py").write_text(HELLO)
    env = throwaway.server_env(app, LMS_LOGIN_RATE_LIMIT_IP="100000 per minute")
    app_port, hello_port = args.port, args.port + 1
    app_base, hello_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{hello_port}"
    wait_until_answers(
        f"{app_base}/login", _gunicorn(processes, "lms:create_app()", app_port, args.workers, env, ROOT)
    )
    wait_until_answers(
        f"{hello_base}/", _gunicorn(processes, "hello:app", hello_port, args.workers, env, scratch)
    )

    trainee_browser = _login(app_base, DEMO_USERS[0][0], DEMO_PASSWORD)
    trainee = trainee_browser.cookie_header()
    trainer = _login(app_base, DEMO_USERS[1][0], DEMO_PASSWORD).cookie_header()
    pages = [
        ("login page", "/login", None),
        ("catalogue", "/courses/", trainee),
        ("dashboard", "/", trainee),
        ("course page", paths["course"], trainee),
        ("lesson page", paths["lesson"], trainee),
    ]
    if paths["quiz_id"]:
        token = trainee_browser.csrf(f"{app_base}/")
        status, headers, _ = trainee_browser.request(
            f"{app_base}/quizzes/{paths['quiz_id']}/start", {"csrf_token": token}
        )
        location = urllib.parse.urlsplit(headers.get("Location", "")).path
        if status == 302 and "/attempts/" in location:
            pages.append(("quiz attempt page", location, trainee))
    pages.append(("progress matrix", paths["matrix"], trainer))

    print(
        f"gunicorn -w {args.workers}, wrk -t 2 -c {args.connections} -d {args.duration}s, "
        f"{args.repeat} pairs a page; database: {make_url(url).get_backend_name()}; cores: {os.cpu_count()}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        "Each page is loaded right after hello-world, in pairs; the ratio is the median of the pairs' "
        "ratios,\nso that whatever else the machine runs weighs on both alike.\n"
    )
    print(f"{'page':<20} {'hello/s':>8} {'req/s':>8} {'p50':>9} {'p99':>9} {'ratio':>7}  notes")
    for page, path, cookie in pages:
        pairs = []
        for _ in range(args.repeat):
            hello = _wrk(f"{hello_base}/", None, args.duration, args.connections)
            result = _wrk(f"{app_base}{path}", cookie, args.duration, args.connections)
            pairs.append((result["rate"] / hello["rate"], hello, result))
        pairs.sort(key=lambda pair: pair[0])
        ratio, hello, result = pairs[len(pairs) // 2]
        notes = []
        bad = sum(r["bad"] for _, _, r in pairs)
        if bad:
            notes.append(f"{bad} non-2xx/3xx")
        errors = [r["errors"] for _, _, r in pairs if r["errors"]]
        if errors:
            notes.append(f"socket errors: {errors[0]}")
        print(
            f"{page:<20} {hello['rate']:>8.0f} {result['rate']:>8.1f} {result['p50']:>9} {result['p99']:>9} "
            f"{ratio:>7.3f}  {'; '.join(notes)}"
        )


if __name__ == "__main__":
    main()
