"""Benchmark the trainer's progress matrix and its CSV and XLSX exports on a large course.

Builds a throwaway database (SQLite in a temporary instance folder by default, or a database of its
own on the PostgreSQL server given with --database-url, dropped at the end) holding one course of
--activities activities with --trainees enrolled trainees and realistic progress, plus a second,
identical course with --small trainees. Then, logged in as a coordinator through Flask's test client,
it measures for each course:

  queries       SQL statements run by GET /progress/courses/<slug>/matrix (must not grow with trainees)
  render_ms     median time of that page over --runs requests (after one warm-up request)
  page_MB       size of the HTML page
  csv_ms        median time to fetch and consume the streamed matrix.csv
  csv_peak_MB   peak Python memory (tracemalloc) while doing so, in a separate run
  xlsx_ms, xlsx_peak_MB   the same for matrix.xlsx

Usage:
    python benchmarks/progress_matrix.py [--trainees 1000] [--activities 60]
                                          [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import csv
import io
import random
import secrets
import statistics
import sys
import time
import tracemalloc
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, insert, select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import throwaway  # noqa: E402
from lms.auth.models import User
from lms.auth.services import create_user
from lms.courses import services as courses
from lms.courses.models import Activity, Enrolment
from lms.db import db, utcnow
from lms.enterprises.models import Enterprise
from lms.progress.models import Completion, CourseCompletion
from lms.quizzes import services as quizzes
from lms.quizzes.models import Attempt, QuizSlot, Response
from lms.quizzes.spec import AnswerSpec, QuestionSpec

PASSWORD = "benchmark password"
PER_MODULE = 10  # activities per module: the last two of each are quizzes
QUIZZES_PER_MODULE = 2
TF = QuestionSpec(
    "truefalse",
    "TF",
    "Sofia is the capital of Bulgaria.",
    answers=[AnswerSpec("true", 1.0), AnswerSpec("false", 0.0)],
)
FIRST_NAMES = ["Maria", "Ελένη", "Марија", "Јована", "Georgi", "Νίκος", "Stefan", "Ana", "Иван", "Zoe"]
LAST_NAMES = ["Papadopoulou", "Παπαδοπούλου", "Стојановска", "Petrović", "Ivanov", "Nikolaidis", "Dimitrova"]
COUNTRIES = ["GR", "BG", "MK", "RS", "CY"]
COLUMNS = [
    ("trainees", "{:>8}"),
    ("activities", "{:>10}"),
    ("queries", "{:>7}"),
    ("render_ms", "{:>9.0f}"),
    ("page_MB", "{:>7.2f}"),
    ("csv_ms", "{:>6.0f}"),
    ("csv_peak_MB", "{:>11.1f}"),
    ("xlsx_ms", "{:>7.0f}"),
    ("xlsx_peak_MB", "{:>12.1f}"),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=1000, help="trainees in the big course")
    parser.add_argument("--small", type=int, default=100, help="trainees in the comparison course")
    parser.add_argument("--activities", type=int, default=60, help="activities per course")
    parser.add_argument("--runs", type=int, default=5, help="timed requests per measurement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL: a throwaway database is created there and dropped at the end",
    )
    return parser.parse_args(argv)


# --- the data -------------------------------------------------------------------------------------


def build_course(slug: str, activities: int, author: User) -> tuple[list[Activity], dict[int, int]]:
    """A published course of `activities` activities (modules of 8 lessons and 2 one-question quizzes).

    Returns the activities in course order and, for each quiz, the id of its question."""
    course = courses.create_course(author, slug=slug, title=f"Benchmark {slug}", summary="A big course.")
    course.published = True
    made: list[Activity] = []
    while len(made) < activities:
        module = courses.add_module(course, f"Module {len(made) // PER_MODULE + 1}")
        for position in range(1, min(PER_MODULE, activities - len(made)) + 1):
            if position > PER_MODULE - QUIZZES_PER_MODULE:
                activity = courses.add_quiz(module, f"Quiz {module.position}.{position}", author)
                activity.published = True
                quizzes.sync_quiz(activity, [TF])
            else:
                activity = courses.add_lesson(
                    module,
                    f"Lesson {module.position}.{position}",
                    f"# Lesson {module.position}.{position}\n\nSome text.",
                    10,
                    False,
                    True,
                    author,
                )
            made.append(activity)
    db.session.flush()
    question_of = {
        slot.activity_id: slot.question_id
        for slot in db.session.scalars(
            select(QuizSlot).where(QuizSlot.activity_id.in_([a.id for a in made if a.kind == "quiz"]))
        )
    }
    db.session.commit()
    return made, question_of


def add_trainees(slug: str, count: int, rng: random.Random) -> list[int]:
    """Bulk-insert trainees (no password: hashing a thousand would take a minute), spread over 97
    enterprises; return their ids."""
    companies = [Enterprise(name=f"{slug} Company {n}", search_keys="") for n in range(97)]
    db.session.add_all(companies)
    db.session.flush()
    db.session.execute(
        insert(User),
        [
            {
                "email": f"{slug}-{number}@example.org",
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {number}",
                "role": "trainee",
                "enterprise_id": companies[number % 97].id,
                "country": rng.choice(COUNTRIES),
            }
            for number in range(1, count + 1)
        ],
    )
    return list(db.session.scalars(select(User.id).where(User.email.like(f"{slug}-%")).order_by(User.id)))


def seed_progress(
    course_id: int,
    activities: list[Activity],
    question_of: dict[int, int],
    user_ids: list[int],
    rng: random.Random,
) -> None:
    """Enrol the trainees; each completed a random prefix of the course (lessons marked, quizzes
    passed, sometimes at the second attempt), some failed the next quiz, and some have an attempt
    still in progress. Everything goes in with bulk inserts."""
    now = utcnow()
    start = now - timedelta(days=90)
    enrolments, completions, attempts, responses, finished = [], [], [], [], []
    for user_id in user_ids:
        roll = rng.random()
        if roll < 0.1:
            done = 0
        elif roll < 0.3:
            done = len(activities)
        else:
            done = rng.randint(1, max(1, len(activities) - 1))
        enrolled_at = start + timedelta(days=rng.uniform(0, 10))
        moment = enrolled_at
        for index, activity in enumerate(activities[: done + 1]):
            moment += timedelta(minutes=rng.uniform(5, 1440))
            completed = index < done
            if activity.kind == "lesson":
                if completed:
                    completions.append(
                        {
                            "user_id": user_id,
                            "activity_id": activity.id,
                            "completed_at": moment,
                            "source": "marked",
                        }
                    )
                continue
            # A quiz: passed (after a failed try, now and then) if completed; else failed, or started.
            roll = rng.random()
            if completed:
                outcomes = [False, True] if roll < 0.3 else [True]
            else:
                outcomes = [False] if roll < 0.5 else ["started"] if roll < 0.6 else []
            for number, outcome in enumerate(outcomes, start=1):
                attempt = {
                    "activity_id": activity.id,
                    "user_id": user_id,
                    "number": number,
                    "state": "in_progress" if outcome == "started" else "finished",
                    "started_at": moment,
                    "finished_at": None if outcome == "started" else moment + timedelta(minutes=3),
                    "layout": [[{"q": question_of[activity.id], "mark": 1.0, "order": [0, 1]}]],
                    "score": None if outcome == "started" else 100.0 if outcome else 0.0,
                    "closed_by_deadline": False,
                }
                attempts.append(attempt)
                if outcome != "started":
                    responses.append(
                        {
                            "key": (activity.id, user_id, number),
                            "question_id": question_of[activity.id],
                            "value": [0] if outcome else [1],
                            "saved_at": moment + timedelta(minutes=2),
                            "fraction": 1.0 if outcome else 0.0,
                        }
                    )
            if completed:
                completions.append(
                    {"user_id": user_id, "activity_id": activity.id, "completed_at": moment, "source": "quiz"}
                )
        if done == len(activities):  # every quiz passed at 100%
            finished.append(
                {"user_id": user_id, "course_id": course_id, "completed_at": moment, "final_grade": 100.0}
            )
        enrolments.append(
            {
                "course_id": course_id,
                "user_id": user_id,
                "status": "active",
                "method": "manual",
                "enrolled_at": enrolled_at,
                "last_access_at": None
                if done == 0
                else min(now, moment + timedelta(hours=rng.uniform(0, 48))),
            }
        )
    for model, rows in ((Enrolment, enrolments), (Completion, completions), (CourseCompletion, finished)):
        if rows:
            db.session.execute(insert(model), rows)
    if attempts:
        db.session.execute(insert(Attempt), attempts)
        attempt_ids = {
            (activity_id, user_id, number): attempt_id
            for attempt_id, activity_id, user_id, number in db.session.execute(
                select(Attempt.id, Attempt.activity_id, Attempt.user_id, Attempt.number).where(
                    Attempt.activity_id.in_(question_of)
                )
            )
        }
        for response in responses:
            response["attempt_id"] = attempt_ids[response.pop("key")]
        db.session.execute(insert(Response), responses)
    db.session.commit()


def build(app, trainees: int, small: int, activities: int, seed: int) -> dict[int, str]:
    """Both courses and a coordinator; returns {number of trainees: course slug}."""
    rng = random.Random(seed)
    slugs = {}
    with app.app_context():
        coordinator = create_user("coordinator@example.org", "Coordinator", PASSWORD, role="coordinator")
        db.session.commit()
        for count in dict.fromkeys([small, trainees]):
            slug = f"bench-{count}"
            made, question_of = build_course(slug, activities, coordinator)
            course_id = made[0].module.course_id
            seed_progress(course_id, made, question_of, add_trainees(slug, count, rng), rng)
            slugs[count] = slug
        db.session.remove()
    return slugs


# --- the measurements -----------------------------------------------------------------------------


def login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"email": "coordinator@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code


@contextmanager
def counting_queries(engine):
    counter = {"queries": 0}

    def count(*args):
        counter["queries"] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


def get_page(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data()


def consume(client, url: str) -> int:
    """Fetch a streamed download and read it chunk by chunk, as a slow client would; return its size."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    size = 0
    try:
        for chunk in response.response:
            size += len(chunk)
    finally:
        response.close()
    return size


def timed(function, runs: int) -> float:
    """Median milliseconds of `runs` calls."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        function()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def peak_mb(function) -> float:
    """Peak memory Python allocated during one call, above what was allocated before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        function()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - before) / 1e6


def check_exports(client, base: str, trainees: int, activities: int) -> None:
    """The downloads hold a header and one row per trainee, with every activity as a column."""
    from openpyxl import load_workbook

    body = get_page(client, f"{base}.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert len(rows) == trainees + 1, (len(rows), trainees + 1)
    assert body.count("\n") == trainees + 1
    assert all(len(row) == activities + 8 for row in rows), "a row lacks columns"
    workbook = load_workbook(io.BytesIO(get_page(client, f"{base}.xlsx")), read_only=True)
    assert sum(1 for _ in workbook.active.iter_rows(values_only=True)) == trainees + 1
    workbook.close()


def measure(app, client, slug: str, trainees: int, activities: int, runs: int) -> dict:
    base = f"/progress/courses/{slug}/matrix"
    with app.app_context():
        engine = db.engine
    page = get_page(client, base)  # warm-up: templates compiled, connections opened
    assert page.count(b"<tr") == trainees + 1, "the matrix does not list every trainee"
    with counting_queries(engine) as counter:
        get_page(client, base)
    check_exports(client, base, trainees, activities)
    figures = {
        "trainees": trainees,
        "activities": activities,
        "queries": counter["queries"],
        "render_ms": timed(lambda: get_page(client, base), runs),
        "page_MB": len(page) / 1e6,
    }
    for fmt in ("csv", "xlsx"):
        url = f"{base}.{fmt}"
        figures[f"{fmt}_ms"] = timed(lambda url=url: consume(client, url), max(3, runs // 2 + 1))
        figures[f"{fmt}_peak_MB"] = peak_mb(lambda url=url: consume(client, url))
    return figures


def print_table(rows: list[dict]) -> None:
    print("  ".join(f"{{:>{len(name)}}}".format(name) for name, _ in COLUMNS))
    for row in rows:
        print("  ".join(template.format(row[name]) for name, template in COLUMNS))


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.activities < 1 or args.trainees < 1 or args.small < 1:
        raise SystemExit("--trainees, --small and --activities must be at least 1")
    with throwaway.app(args.database_url, SECRET_KEY=secrets.token_hex(16), PROPAGATE_EXCEPTIONS=True) as app:
        began = time.perf_counter()
        slugs = build(app, args.trainees, args.small, args.activities, args.seed)
        backend = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
        print(f"{backend}: built {len(slugs)} course(s) in {time.perf_counter() - began:.1f} s")
        client = app.test_client()
        login(client)
        rows = [
            measure(app, client, slug, count, args.activities, args.runs)
            for count, slug in sorted(slugs.items())
        ]
    print_table(rows)
    if len({row["queries"] for row in rows}) > 1:
        counts = " vs ".join(f"{row['queries']} for {row['trainees']}" for row in rows)
        print(f"WARNING: the matrix page's queries grow with the number of trainees ({counts})", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
