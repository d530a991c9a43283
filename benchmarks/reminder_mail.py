"""Sending 1,000 session reminders must not slow the pages people are reading meanwhile.

    python benchmarks/reminder_mail.py                       # `lms serve`: jobs in the web process
    python benchmarks/reminder_mail.py --mode gunicorn       # gunicorn (2 workers) beside `lms worker`
    python benchmarks/reminder_mail.py --members 1000 --port 5402

A cohort of --members trainees has a session in 20 hours. A real server runs on 127.0.0.1:--port with
the default embedded queue (instance/jobs.sqlite, SQLite database, mail written to instance/outbox/).
One logged-in trainee reads the dashboard in a loop: first with nothing else going on, then while the
scheduler's reminder job tells the whole cohort (1,000 in-app notifications, 1,000 mails rendered in
each reader's language, queued and delivered as 1,000 jobs). Prints, for both phases, the number of
page loads and their p50/p95/max in ms, and how long the 1,000 mails took to leave.
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from benchmarks import throwaway  # noqa: E402
from tests.live import Browser, Processes, wait_until_answers  # noqa: E402

PASSWORD = "correct horse battery"
LANGUAGES = ["el", "mk", "bg", "sr", "en"]


def seed(app, members: int) -> None:
    from lms.auth.models import User
    from lms.auth.services import create_user
    from lms.classroom.models import ClassSession, Cohort, CohortMember, Programme
    from lms.db import db

    with app.app_context():
        reader = create_user("reader@bench.test", "Reader", PASSWORD, role="trainee", locale="en")
        cohort = Cohort(programme=Programme(title="Bench programme"), name="Bench cohort")
        db.session.add(cohort)
        db.session.flush()
        now = datetime.now(UTC)
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"member{n}@bench.test",
                    "name": f"Member {n}",
                    "role": "trainee",
                    "locale": LANGUAGES[n % len(LANGUAGES)],
                    "active": True,
                    "created_at": now,
                }
                for n in range(members)
            ],
        )
        ids = db.session.scalars(select(User.id).where(User.email.like("member%@bench.test"))).all()
        db.session.execute(
            insert(CohortMember), [{"cohort_id": cohort.id, "user_id": uid, "added_at": now} for uid in ids]
        )
        db.session.add(CohortMember(cohort=cohort, user=reader))
        db.session.add(
            ClassSession(
                cohort=cohort,
                starts_at=now + timedelta(hours=20),
                topic="Export markets",
                place="Incubator room 2",
                online_url="https://meet.example.org/export",
            )
        )
        db.session.commit()


def start_reminders(app) -> None:
    """Put the scheduler's reminder job on the queue, as `lms scheduler` would when it is due."""
    from lms.jobs import celery_app

    with app.app_context():
        celery_app(app).tasks["classroom.session_reminders"].apply_async()


def figures(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return (
        f"{len(times):5d} loads  p50 {statistics.median(times) * 1000:7.1f} ms  "
        f"p95 {p95 * 1000:7.1f} ms  max {times[-1] * 1000:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--port", type=int, default=5402)
    parser.add_argument("--mode", choices=["serve", "gunicorn"], default="serve")
    parser.add_argument("--idle-loads", type=int, default=200)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="lms-reminder-bench-"))  # kept: the servers' logs are there
    site = f"http://127.0.0.1:{args.port}"
    # The default embedded queue (instance/jobs.sqlite) and outbox, whatever this shell's LMS_* say.
    app = throwaway.make_app(f"sqlite:///{folder / 'lms.sqlite'}", folder, BASE_URL=site, BROKER_URL=None)
    seed(app, args.members)
    env = throwaway.server_env(app, LMS_BASE_URL=site)
    env.pop("LMS_BROKER_URL", None)
    outbox = folder / "outbox"

    with Processes(folder) as processes:
        if args.mode == "serve":
            server = processes.start("serve", ["-m", "lms", "serve", "--port", str(args.port)], ROOT, env)
        else:
            bind = f"127.0.0.1:{args.port}"
            server = processes.start(
                "gunicorn", ["-m", "gunicorn", "-w", "2", "-b", bind, "lms:create_app()"], ROOT, env
            )
            processes.start("worker", ["-m", "lms", "worker", "--concurrency", "1"], ROOT, env)
        wait_until_answers(site + "/login", server)
        reader = Browser()
        assert reader.login(site, "reader@bench.test", PASSWORD) == 302

        def load() -> float:
            started = time.perf_counter()
            status, _headers, _body = reader.request(site + "/")
            assert status == 200, status
            return time.perf_counter() - started

        for _ in range(10):
            load()  # warm up: templates compiled, connections open
        idle = [load() for _ in range(args.idle_loads)]

        expected = args.members + 1  # the reader is in the cohort too
        sent_before = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
        started = time.monotonic()
        start_reminders(app)
        busy, sent = [], 0
        while sent < expected:
            busy.append(load())
            sent = (len(list(outbox.glob("*.eml"))) if outbox.exists() else 0) - sent_before
            if time.monotonic() - started > 900:
                print(f"gave up after 15 minutes with {sent} of {expected} mails sent")
                break
        took = time.monotonic() - started

    print(f"mode: {args.mode}, {args.members} cohort members, SQLite, mail to instance/outbox")
    print(f"dashboard, nothing else going on: {figures(idle)}")
    print(f"dashboard, while reminders go out: {figures(busy)}")
    print(f"{sent} reminder mails written in {took:.1f} s ({sent / took:.0f} mails/s)")
    print(f"p50 while sending / p50 idle: {statistics.median(busy) / statistics.median(idle):.2f}")


if __name__ == "__main__":
    main()
