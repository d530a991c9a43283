"""Moodle's load-test sizes against a real gunicorn: S = 30 and M = 100 trainees log in, browse the
dashboard, the course and its lessons and answer a quiz (autosaved) with think time between clicks;
then the quiz closes and the whole class submits at the same moment.

    python benchmarks/load_scenario.py                         # SQLite, S then M
    python benchmarks/load_scenario.py --sizes 100 --database-url postgresql://postgres@127.0.0.1:5432/postgres

Each size gets a fresh database (SQLite in a temporary folder, or a throwaway database on the PostgreSQL
server, dropped at the end) and a fresh `gunicorn --workers 4` (2 per core on the 2-core host the figures
are for). The site, the trainees and the request timing are classroom_burst.py's (one thread per trainee,
the same Trainee and Stats). Prints, per size and request kind, n, errors, p50/p95/p99/max in ms; the p95
of the browsing requests (logins apart: a password check is slow on purpose; the closing submits apart
too, with their wall time) against the target of 150 ms; then errors, answers lost (an autosave the
server acknowledged whose value is not the one stored), attempts graded twice (a trainee with two
finished attempts, a response or a completion stored twice) and attempts left open after the close.
"""

import argparse
import os
import random
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import classroom_burst as burst  # noqa: E402
from benchmarks import throwaway  # noqa: E402

TARGET_P95_MS = 150
APART = ("login POST", "submit POST")  # a password check is slow by design; the close is reported apart


def browse(trainee: burst.Trainee, site: dict, until: float, think: tuple[float, float], rng) -> None:
    """One trainee's visit: dashboard and course page, then lessons, the course page now and then, and
    the quiz (opened, started, answers autosaved), with think time between clicks, until `until`."""
    course = site["quiz"].split("/learn/")[0]
    pages = [("dashboard GET", "/"), ("course page GET", course)]
    for kind, path in pages:
        burst.timed(kind, lambda path=path: trainee.get(path))
    lesson = 0
    while time.perf_counter() < until:
        time.sleep(rng.uniform(*think))
        if time.perf_counter() >= until:
            break
        roll = rng.random()
        if trainee.attempt is None and (roll < 0.15 or lesson >= len(site["lessons"])):
            burst.timed("quiz page GET", lambda: trainee.get(site["quiz"]))
            trainee.start(site["quiz_id"])
        elif trainee.attempt is not None and roll < 0.45:
            trainee.autosave()
        elif roll < 0.55:
            kind, path = pages[rng.randrange(2)]
            burst.timed(kind, lambda path=path: trainee.get(path))
        else:
            trainee.view_lesson(site["lessons"][lesson % len(site["lessons"])])
            lesson += 1


def _warm_up(trainee: burst.Trainee, site: dict, workers: int) -> None:
    """Every page a few times per worker, untimed, so that compiling templates and loading catalogues
    (once per process) is not counted as the class's wait."""
    trainee.open_login()
    trainee.http.post(
        trainee.base + "/login",
        data={"csrf_token": trainee.token, "email": trainee.email, "password": burst.PASSWORD},
        allow_redirects=False,
        timeout=120,
    )
    course = site["quiz"].split("/learn/")[0]
    for path in ["/", course, site["quiz"], *site["lessons"][:2]] * (2 * workers):
        trainee.get(path)


def run_size(size: int, args) -> dict:
    """One size on a fresh database and server; prints its table and returns its figures."""
    burst.STATS = burst.Stats()  # burst.timed records into this module-level table
    folder = Path(tempfile.mkdtemp(prefix=f"load_scenario_{size}_"))  # kept: gunicorn.log is there
    with throwaway.database(args.database_url, folder) as url:
        app = throwaway.make_app(url, folder / "instance")
        site = burst.seed(app, size + 1, args.lessons, legacy_hashes=False)  # the last one warms up
        # Every trainee comes from 127.0.0.1 here.
        env = throwaway.server_env(app, LMS_LOGIN_RATE_LIMIT_IP="100000 per minute")
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        server = burst.Server(env, args.port, args.workers, folder)
        try:
            return _play(size, site, engine, args, server)
        finally:
            server.stop()
            engine.dispose()


def _play(size: int, site: dict, engine, args, server) -> dict:
    from lms.progress.models import Completion
    from lms.quizzes.models import Attempt, Response

    rng = random.Random(size)
    _warm_up(burst.Trainee(server.base, size), site, args.workers)
    class_ = [burst.Trainee(server.base, n) for n in range(size)]
    start = time.perf_counter()
    until = start + args.ramp + args.seconds
    barrier = threading.Barrier(size + 1)

    def visit(index: int) -> None:
        trainee = class_[index]
        time.sleep(args.ramp * index / size)  # trainees arrive over the ramp
        trainee.open_login()
        trainee.login()
        if trainee.logged_in:
            trainee.read_token()
            browse(trainee, site, until, (args.think_min, args.think_max), random.Random(rng.random()))
            if trainee.attempt is None:  # the quiz closes: whoever had not started starts now
                trainee.start(site["quiz_id"])
            if trainee.question and trainee.sent == 0:
                trainee.autosave()
        barrier.wait()  # the quiz closes: everyone submits at the same moment
        if trainee.attempt is not None:
            trainee.submit()

    with ThreadPoolExecutor(max_workers=size + 1) as pool:
        futures = [pool.submit(visit, index) for index in range(size)]
        barrier.wait()
        close = time.perf_counter()
        for future in futures:
            future.result()
    submit_wall = time.perf_counter() - close
    browse_wall = close - start

    print(f"\n== {size} trainees, {engine.dialect.name}, gunicorn --workers {args.workers} ==")
    burst.STATS.report()
    stats = burst.STATS
    browsing = sorted(t for kind, times in stats.times.items() if not kind.startswith(APART) for t in times)
    p95 = browsing[min(len(browsing) - 1, int(0.95 * len(browsing)))] * 1000 if browsing else 0.0
    requests = sum(len(times) for times in stats.times.values())
    with engine.connect() as connection:
        values = dict(
            connection.execute(
                select(Attempt.id, Response.value)
                .join(Response, Response.attempt_id == Attempt.id)
                .where(Response.question_id.in_({t.question for t in class_ if t.question}))
            ).all()
        )
        lost = 0
        for trainee in class_:
            if trainee.attempt is None or not trainee.acknowledged:
                continue
            stored = str(values.get(trainee.attempt) or "")
            number = int(stored[1:]) if stored.startswith("v") and stored[1:].isdigit() else 0
            lost += number < trainee.acknowledged
        twice_attempts = connection.execute(
            select(Attempt.user_id)
            .where(Attempt.state == "finished")
            .group_by(Attempt.user_id, Attempt.activity_id)
            .having(func.count() > 1)
        ).all()
        twice_responses = connection.execute(
            select(Response.attempt_id)
            .group_by(Response.attempt_id, Response.question_id)
            .having(func.count() > 1)
        ).all()
        twice_completions = connection.execute(
            select(Completion.user_id)
            .group_by(Completion.user_id, Completion.activity_id)
            .having(func.count() > 1)
        ).all()
        finished = connection.scalar(select(func.count()).where(Attempt.state == "finished"))
        open_attempts = connection.scalar(select(func.count()).where(Attempt.state != "finished"))
    errors = sum(stats.errors.values())
    twice = len(twice_attempts) + len(twice_responses) + len(twice_completions)
    verdict = "met" if p95 < TARGET_P95_MS and errors == 0 else "NOT met"
    print(
        f"\nbrowsing {browse_wall:.0f} s, {requests / browse_wall:.1f} requests/s on average; "
        f"{size} submits at once took {submit_wall:.2f} s\n"
        f"p95 of browsing requests (logins and the closing submits apart) {p95:.0f} ms "
        f"(target < {TARGET_P95_MS} ms: {verdict}); "
        f"errors {errors}; answers lost {lost}; graded twice {twice} (attempts {len(twice_attempts)}, "
        f"responses {len(twice_responses)}, completions {len(twice_completions)}); "
        f"finished attempts {finished}, left open {open_attempts}"
    )
    return {"size": size, "p95": p95, "errors": errors, "lost": lost, "twice": twice}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", help="a PostgreSQL server; a throwaway database is made on it")
    parser.add_argument("--sizes", default="30,100", help="numbers of trainees, one run each (S=30, M=100)")
    parser.add_argument("--seconds", type=float, default=60.0, help="browsing time after the ramp")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds over which trainees arrive")
    parser.add_argument("--think-min", type=float, default=2.0, help="think time between clicks (s)")
    parser.add_argument("--think-max", type=float, default=6.0)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (2 per core)")
    parser.add_argument("--port", type=int, default=5300)
    parser.add_argument("--lessons", type=int, default=12)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # stop gunicorn, drop the database
    print(f"cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.1f} (the host may be shared)")
    results = [run_size(int(size), args) for size in args.sizes.split(",")]
    print("\nsize  p95 ms  errors  lost  graded twice")
    for r in results:
        print(f"{r['size']:4d}  {r['p95']:6.0f}  {r['errors']:6d}  {r['lost']:4d}  {r['twice']:12d}")


if __name__ == "__main__":
    main()
