"""A whole class at once, against a real gunicorn: logins, a quiz page opened together, an autosave
storm with lesson views during which a worker, then the whole server, is killed with SIGKILL, and
simultaneous submits.

    python benchmarks/classroom_burst.py                      # SQLite in a temporary folder
    python benchmarks/classroom_burst.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python benchmarks/classroom_burst.py --legacy-hashes      # passwords stored as before argon2id

Needs gunicorn (the `serve` extra) and requests. Prints, per request kind, the number of requests,
errors (any status that is not the expected one, or a dropped connection) and p50/p95/p99 in ms; the
wall time of each burst; then answers acknowledged by the server but not in the database (lost),
duplicated rows and, on SQLite, the integrity check. Requests cut off by a SIGKILL are counted apart
(`killed`): the client retries them as the quiz page's autosave does, and they are not errors.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import throwaway  # noqa: E402

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
TEXT_INPUT_RE = re.compile(r'<input type="text" name="q(\d+)"')
ATTEMPT_RE = re.compile(r"/quizzes/attempts/(\d+)")
RETRIES = 10  # a request cut off by a kill is tried again for about 30 s, backing off


# --- the site ------------------------------------------------------------------------------------


def seed(app, trainees: int, lessons: int, legacy_hashes: bool) -> dict:
    """A published course with lessons completed by viewing and a one-page quiz; enrolled trainees."""
    from lms.auth.models import User
    from lms.auth.services import create_user
    from lms.courses import services as courses
    from lms.courses.models import Enrolment
    from lms.db import db
    from lms.quizzes import services as quiz
    from lms.quizzes.spec import AnswerSpec, QuestionSpec

    with app.app_context():
        trainer = create_user("trainer@burst.test", "Trainer", PASSWORD, role="trainer")
        course = courses.create_course(
            trainer, slug="burst", title="Burst", summary="A class.", hours=2, published=True
        )
        course.completion_lessons = "viewed"
        module = courses.add_module(course, "Module 1")
        for number in range(1, lessons + 1):
            courses.add_lesson(
                module, f"Lesson {number}", f"# Lesson {number}\n\nText.", 5, False, True, trainer
            )
        activity = courses.add_quiz(module, "Check", trainer)
        activity.published = True
        activity.settings = {"per_page": 2, "shuffle_answers": False}
        quiz.sync_quiz(
            activity,
            [
                QuestionSpec(
                    "multichoice",
                    "Capital",
                    "Capital?",
                    answers=[AnswerSpec("Skopje", 1.0), AnswerSpec("Ohrid", 0.0)],
                ),
                QuestionSpec("shortanswer", "Word", "A word?", answers=[AnswerSpec("v1", 1.0)]),
            ],
        )
        if legacy_hashes:
            from werkzeug.security import generate_password_hash

            stored = generate_password_hash(PASSWORD)  # Werkzeug's scrypt, as stored before argon2id
        else:
            stored = User(email="x", name="x")
            stored.set_password(PASSWORD)
            stored = stored.password_hash
        for number in range(trainees):
            user = User(
                email=f"t{number}@burst.test", name=f"Trainee {number}", role="trainee", password_hash=stored
            )
            db.session.add(Enrolment(course=course, user=user))
        db.session.commit()
        return {
            "quiz": f"/courses/burst/learn/{module.slug}/{activity.slug}",
            "quiz_id": activity.id,
            "lessons": [
                f"/courses/burst/learn/{module.slug}/{a.slug}"
                for a in module.activities
                if a.kind == "lesson"
            ],
        }


class Server:
    def __init__(self, env: dict, port: int, workers: int, folder: Path):
        self.command = [
            sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
            "--pid", str(folder / "gunicorn.pid"), "--graceful-timeout", "5", "lms:create_app()",
        ]  # fmt: skip
        self.env, self.folder, self.workers = env, folder, workers
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(folder / "gunicorn.log", "ab")  # noqa: SIM115
        self._start()

    def _start(self):
        self.process = subprocess.Popen(self.command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self._wait_until_up(self.folder)
        except BaseException:
            self.stop()
            raise

    def _wait_until_up(self, folder):
        for _ in range(300):
            if self.process.poll() is not None:
                break
            try:
                if (
                    requests.get(self.base + "/login", timeout=10).status_code == 200
                    and len(self.worker_pids()) == self.workers
                ):
                    return
            except requests.RequestException:
                pass  # not up yet
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start: see " + str(folder / "gunicorn.log"))

    def worker_pids(self) -> list[int]:
        listed = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True
        )
        return [int(pid) for pid in listed.stdout.split()]

    def kill_a_worker(self) -> int:
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_everything_and_restart(self) -> float:
        """SIGKILL the master and every worker at once (a crash of the whole server), then start again;
        returns the seconds the site was down."""
        start = time.perf_counter()
        for pid in [*self.worker_pids(), self.process.pid]:
            os.kill(pid, signal.SIGKILL)
        self.process.wait()
        self._start()
        return time.perf_counter() - start

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


# --- measuring -----------------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.times = defaultdict(list)
        self.errors = defaultdict(int)
        self.killed = defaultdict(int)
        self.samples = defaultdict(list)
        self.lock = threading.Lock()

    def record(self, kind: str, seconds: float, ok: bool, detail: str = ""):
        with self.lock:
            self.times[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1
                if len(self.samples[kind]) < 3:
                    self.samples[kind].append(detail)

    def report(self):
        print(
            f"\n{'request kind':34} {'n':>6} {'errors':>7} {'killed':>7}"
            f" {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  (ms)"
        )
        for kind, times in self.times.items():
            ordered = sorted(times)

            def pct(p, ordered=ordered):
                return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

            print(
                f"{kind:34} {len(times):6d} {self.errors[kind]:7d} {self.killed[kind]:7d} "
                f"{pct(50):7.0f} {pct(95):7.0f} {pct(99):7.0f} {ordered[-1] * 1000:7.0f}"
            )
            for sample in self.samples[kind]:
                print(f"    e.g. {sample}")


STATS = Stats()


def timed(kind: str, call, expect=(200,), retries: int = 0):
    """Run one request; a connection cut by a killed worker is retried like the browser's autosave."""
    for attempt in range(retries + 1):
        start = time.perf_counter()
        try:
            response = call()
        except requests.ConnectionError as error:
            if attempt < retries:
                with STATS.lock:
                    STATS.killed[kind] += 1
                time.sleep(min(0.2 * 2**attempt, 4.0))  # back off while the server comes back
                continue
            STATS.record(kind, time.perf_counter() - start, False, f"connection: {error.__class__.__name__}")
            return None
        ok = response.status_code in expect
        STATS.record(kind, time.perf_counter() - start, ok, f"{response.status_code} {response.text[:80]!r}")
        return response if ok else None
    return None


class Trainee:
    def __init__(self, base: str, number: int):
        self.base = base
        self.email = f"t{number}@burst.test"
        self.http = requests.Session()
        self.token = None
        self.logged_in = False
        self.attempt = None
        self.question = None
        self.sent = 0  # the number in the last autosaved answer the server acknowledged
        self.acknowledged = 0

    def get(self, path, **kw):
        return self.http.get(self.base + path, allow_redirects=False, timeout=120, **kw)

    def post(self, path, data, **kw):
        return self.http.post(
            self.base + path,
            data={"csrf_token": self.token, **data},
            allow_redirects=False,
            timeout=120,
            **kw,
        )

    def open_login(self):
        self.http = requests.Session()
        page = self.get("/login")
        self.token = CSRF_RE.search(page.text).group(1)

    def login(self, kind="login POST"):
        response = timed(
            kind, lambda: self.post("/login", {"email": self.email, "password": PASSWORD}), expect=(302,)
        )
        self.logged_in = response is not None

    def read_token(self):
        """The CSRF token of the logged-in session, as the next page shows it (outside the timed burst)."""
        if self.logged_in:
            self.token = CSRF_RE.search(self.get("/").text).group(1)

    def open_quiz(self, path):
        return timed("quiz page GET (stale access)", lambda: self.get(path)) is not None

    def start(self, quiz_id):
        response = timed("quiz start POST", lambda: self.post(f"/quizzes/{quiz_id}/start", {}), expect=(302,))
        started = response is not None and ATTEMPT_RE.search(response.headers.get("Location", ""))
        if not started:
            if response is not None:  # redirected elsewhere: back to the quiz page with a message
                STATS.record("quiz start POST (no attempt)", 0, False, response.headers.get("Location", ""))
            return False
        self.attempt = int(started.group(1))
        page = timed("attempt page GET", lambda: self.get(f"/quizzes/attempts/{self.attempt}"))
        if page is not None:
            self.question = int(TEXT_INPUT_RE.search(page.text).group(1))
        return page is not None

    def autosave(self, kind="autosave POST"):
        self.sent += 1
        number = self.sent
        data = {"page": "0", f"q{self.question}": f"v{number}"}
        response = timed(
            kind, lambda: self.post(f"/quizzes/attempts/{self.attempt}/autosave", data), retries=RETRIES
        )
        if response is not None and response.json().get("saved"):
            self.acknowledged = max(self.acknowledged, number)

    def view_lesson(self, path, kind="lesson page GET"):
        timed(kind, lambda: self.get(path), retries=RETRIES)  # a trainee reloads a page that did not come

    def submit(self):
        timed("submit POST", lambda: self.post(f"/quizzes/attempts/{self.attempt}/submit", {}), expect=(302,))


def together(trainees, action, threads: int | None = None) -> float:
    """Everyone at once (a barrier releases them together); the wall time of the burst."""
    barrier = threading.Barrier(len(trainees) + 1)

    def run(trainee):
        barrier.wait()
        action(trainee)

    with ThreadPoolExecutor(max_workers=threads or len(trainees)) as pool:
        futures = [pool.submit(run, t) for t in trainees]
        barrier.wait()
        start = time.perf_counter()
        for future in futures:
            future.result()
    return time.perf_counter() - start


def storm(trainees, seconds: float, every: float, lessons: list[str], stop_when=None, label=""):
    """Each trainee autosaves every `every` seconds and opens a lesson every other autosave (no lesson
    when `lessons` is empty)."""
    end = time.perf_counter() + seconds

    def run(index_trainee):
        index, trainee = index_trainee
        time.sleep(every * index / len(trainees))  # spread the class over the period
        step = 0
        while time.perf_counter() < end and not (stop_when and stop_when.is_set()):
            started = time.perf_counter()
            trainee.autosave("autosave POST" + label)
            if lessons and step % 2 == 1:
                trainee.view_lesson(lessons[(index + step) % len(lessons)], "lesson page GET" + label)
            step += 1
            time.sleep(max(0.0, every - (time.perf_counter() - started)))

    with ThreadPoolExecutor(max_workers=len(trainees)) as pool:
        list(pool.map(run, enumerate(trainees)))


# --- the situations ------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", help="PostgreSQL server URL; SQLite in a temporary folder if not given"
    )
    parser.add_argument("--trainees", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=5300)
    parser.add_argument("--lessons", type=int, default=12)
    parser.add_argument("--storm-seconds", type=float, default=20.0)
    parser.add_argument(
        "--autosave-only", action="store_true", help="the storm autosaves without opening lessons"
    )
    parser.add_argument("--legacy-hashes", action="store_true", help="store passwords with Werkzeug's scrypt")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # stop gunicorn and drop the database

    folder = Path(tempfile.mkdtemp(prefix="classroom_burst_"))  # kept: gunicorn.log is there
    with throwaway.database(args.database_url, folder) as url:
        app = throwaway.make_app(url, folder / "instance")
        site = seed(app, args.trainees, args.lessons, args.legacy_hashes)
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        print(
            f"{engine.dialect.name}, {args.trainees} trainees, "
            f"gunicorn with {args.workers} sync workers on port {args.port}"
        )
        server = Server(throwaway.server_env(app), args.port, args.workers, folder)
        try:
            run_situations(server, site, engine, args)
        finally:
            server.stop()
            engine.dispose()


def run_situations(server, site, engine, args):
    from lms.auth.models import User
    from lms.courses.models import Enrolment
    from lms.db import utcnow
    from lms.progress.models import Completion
    from lms.quizzes.models import Attempt, Response

    class_ = [Trainee(server.base, n) for n in range(args.trainees)]
    walls = {}

    def burst_login(group, kind):
        for trainee in group:
            trainee.open_login()
        wall = together(group, lambda t: t.login(kind))
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(Trainee.read_token, group))
        return wall

    # 1. Logins: 30 at once, then the whole class at once.
    walls["30 logins at once"] = burst_login(class_[:30], "login POST (30 at once)")
    walls[f"{len(class_)} logins at once"] = burst_login(class_, f"login POST ({len(class_)} at once)")
    with engine.connect() as connection:
        upgraded = connection.scalar(select(func.count()).where(User.password_hash.like("$argon2%")))
    print(f"passwords stored with argon2id after the logins: {upgraded} of {len(class_) + 1}")

    # 2. The class opens the quiz page together, each reloading once, with a last access older than 5 min.
    with engine.begin() as connection:
        connection.execute(update(Enrolment).values(last_access_at=utcnow() - timedelta(minutes=10)))

    def open_twice(trainee):
        trainee.reached = trainee.open_quiz(site["quiz"]) | trainee.open_quiz(site["quiz"])

    walls["quiz page opened together (x2)"] = together(class_, open_twice)
    walls["quiz started together"] = together(class_, lambda t: t.start(site["quiz_id"]))
    ready = [t for t in class_ if t.question]

    # 3. 40 log in again (new devices) while the others autosave: does anyone wait behind a login?
    logging_in, saving = ready[:40], ready[40:]
    for trainee in logging_in:
        trainee.attempt_keep = (trainee.attempt, trainee.question, trainee.http, trainee.token)
        trainee.open_login()
    done = threading.Event()
    saver = threading.Thread(
        target=lambda: storm(saving, 60, 1.0, site["lessons"], stop_when=done, label=" (during logins)")
    )
    saver.start()
    time.sleep(1.0)
    walls["40 logins while others autosave"] = together(
        logging_in, lambda t: t.login("login POST (40, during autosaves)")
    )
    done.set()
    saver.join()
    for trainee in logging_in:
        trainee.attempt, trainee.question, trainee.http, trainee.token = trainee.attempt_keep

    # 4. The autosave storm (one every 2 s per trainee) with lesson views; halfway, a worker is killed.
    with engine.begin() as connection:
        connection.execute(update(Enrolment).values(last_access_at=utcnow() - timedelta(minutes=10)))
    killer = threading.Timer(
        args.storm_seconds / 2, lambda: print(f"killed worker {server.kill_a_worker()} (SIGKILL)")
    )
    killer.start()
    start = time.perf_counter()
    storm_lessons = [] if args.autosave_only else site["lessons"]
    storm(ready, args.storm_seconds, 2.0, storm_lessons)
    walls["autosave storm"] = time.perf_counter() - start
    saves = len(STATS.times["autosave POST"])
    print(f"autosave storm: {saves / walls['autosave storm']:.0f} autosaves/s")

    # 4b. The storm again for a short while, and the whole server (master and workers) is killed and
    # started again: its requests are counted apart, as they include the restart.
    crasher = threading.Timer(
        3.0,
        lambda: print(
            f"killed the whole server (SIGKILL), down {server.kill_everything_and_restart():.1f} s"
        ),
    )
    crasher.start()
    storm(ready, 8.0, 2.0, storm_lessons, label=" (server killed)")
    crasher.join()

    # 5. Everyone submits at once.
    walls["submit together"] = together(ready, lambda t: t.submit())

    STATS.report()
    print()
    for name, seconds in walls.items():
        print(f"{name:40} {seconds:6.2f} s")

    # What the database holds: every acknowledged answer, each thing once.
    with engine.connect() as connection:
        values = dict(
            connection.execute(
                select(Attempt.id, Response.value)
                .join(Response, Response.attempt_id == Attempt.id)
                .where(Response.question_id.in_({t.question for t in ready}))
            ).all()
        )
        lost = 0
        for trainee in ready:
            stored = values.get(trainee.attempt)
            stored = stored if isinstance(stored, str) else str(stored or "")
            number = int(stored[1:]) if stored.startswith("v") and stored[1:].isdigit() else 0
            lost += number < trainee.acknowledged
        attempts = connection.execute(
            select(Attempt.user_id, func.count()).group_by(Attempt.user_id).having(func.count() > 1)
        ).all()
        responses = connection.execute(
            select(Response.attempt_id, Response.question_id, func.count())
            .group_by(Response.attempt_id, Response.question_id)
            .having(func.count() > 1)
        ).all()
        completions = connection.execute(
            select(Completion.user_id, Completion.activity_id, func.count())
            .group_by(Completion.user_id, Completion.activity_id)
            .having(func.count() > 1)
        ).all()
        unfinished = connection.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.finished_at.is_(None))
        )
        integrity = (
            connection.exec_driver_sql("PRAGMA integrity_check").scalar()
            if engine.dialect.name == "sqlite"
            else "n/a"
        )
    errors = sum(STATS.errors.values())
    print(
        f"\nerrors {errors}, lost acknowledged answers {lost} (of {len(ready)} trainees' last answers), "
        f"duplicates {len(attempts) + len(responses) + len(completions)} "
        f"(attempts {len(attempts)}, responses {len(responses)}, completions {len(completions)}), "
        f"attempts left open {unfinished}, trainees without the quiz page after two loads "
        f"{sum(not t.reached for t in class_)}, without an attempt {len(class_) - len(ready)}, "
        f"integrity check {integrity}"
    )


if __name__ == "__main__":
    main()
