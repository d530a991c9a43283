"""Attempts on the server's clock, no answer key in a trainee's pages, grading, review, results."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.courses.models import Enrolment
from lms.courses.services import add_quiz
from lms.db import db, utcnow
from lms.quizzes import services as quiz
from lms.quizzes.models import Attempt, Response
from lms.quizzes.spec import AnswerSpec, QuestionSpec
from tests.conftest import csrf_token
from tests.test_courses import QueryCounter

SECRET = "Kerkini-7731"  # an accepted short answer that appears nowhere else

QUESTIONS = [
    QuestionSpec(
        "multichoice",
        "Capital",
        "Which city is the capital of North Macedonia?",
        answers=[
            AnswerSpec("Skopje", 1.0, "FEEDBACK-RIGHT-1"),
            AnswerSpec("Ohrid", 0.0, "FEEDBACK-WRONG-1"),
            AnswerSpec("Bitola", 0.0, "FEEDBACK-WRONG-2"),
        ],
        general_feedback="GENERAL-FEEDBACK-1",
    ),
    QuestionSpec(
        "shortanswer", "Lake", "Which lake is near Serres?", answers=[AnswerSpec(SECRET, 1.0, "FEEDBACK-3")]
    ),
    QuestionSpec(
        "numerical",
        "Sum",
        "How much is 20 + 22.42?",
        answers=[AnswerSpec(value=42.42, tolerance=0.01, fraction=1.0)],
    ),
    QuestionSpec(
        "truefalse",
        "Euro",
        "Bulgaria uses the lev.",
        answers=[AnswerSpec("true", 0.0, "FEEDBACK-TF-TRUE"), AnswerSpec("false", 1.0, "FEEDBACK-TF-FALSE")],
    ),
]


@pytest.fixture
def make_quiz(create_course, create_user):
    def factory(questions=QUESTIONS, trainer=None, **settings):
        course = create_course(modules=1, lessons=1, trainer=trainer or create_user("trainer"))
        activity = add_quiz(course.modules[0], "Check your knowledge", course.trainers[0])
        activity.published = True
        activity.settings = {"per_page": 2, "shuffle_answers": False, **settings}
        quiz.sync_quiz(activity, questions)
        db.session.commit()
        return activity

    return factory


@pytest.fixture
def trainee_in(client, login_as):
    def enrol(activity):
        user = login_as("trainee")
        db.session.add(Enrolment(course=activity.module.course, user=user))
        db.session.commit()
        return user

    return enrol


def _start(client, activity):
    response = client.post(f"/quizzes/{activity.id}/start", data={"csrf_token": csrf_token(client, "/")})
    match = re.search(r"/quizzes/attempts/(\d+)$", response.headers.get("Location", ""))
    return int(match.group(1)) if match else None


def _save(client, attempt_id, page, go, **answers):
    token = csrf_token(client, "/")
    return client.post(
        f"/quizzes/attempts/{attempt_id}", data={"csrf_token": token, "page": page, "go": go, **answers}
    )


def _questions_on(client, attempt_id, page):
    html = client.get(f"/quizzes/attempts/{attempt_id}?page={page}").get_data(as_text=True)
    return html, [int(q) for q in dict.fromkeys(re.findall(r'name="q(\d+)', html))]


def _right_answers(client, attempt_id):
    """Answer every question rightly, reading only what a trainee's browser shows."""
    attempt = db.session.get(Attempt, attempt_id)
    for page in range(len(attempt.layout)):
        html, ids = _questions_on(client, attempt_id, page)
        form = {}
        for qid in ids:
            question = db.session.get(Attempt, attempt_id) and _question(qid)
            if question.kind == "multichoice":
                form[f"q{qid}"] = _position_of(html, qid, "Skopje")
            elif question.kind == "truefalse":
                form[f"q{qid}"] = "1"
            elif question.kind == "shortanswer":
                form[f"q{qid}"] = SECRET.lower()
            elif question.kind == "numerical":
                form[f"q{qid}"] = "42,42"
        last = page == len(attempt.layout) - 1
        assert _save(client, attempt_id, page, "finish" if last else str(page + 1), **form).status_code == 302


def _question(qid):
    from lms.quizzes.models import Question

    return db.session.get(Question, qid)


def _position_of(html, qid, text):
    return re.search(rf'name="q{qid}" value="(\d+)"[^>]*>\s*<span[^>]*>{text}</span>', html).group(1)


def test_take_a_quiz_from_start_to_review(client, make_quiz, trainee_in):
    activity = make_quiz()
    trainee_in(activity)
    attempt_id = _start(client, activity)
    assert attempt_id
    _right_answers(client, attempt_id)
    summary = client.get(f"/quizzes/attempts/{attempt_id}/summary").get_data(as_text=True)
    assert "Not answered yet" not in summary
    response = client.post(
        f"/quizzes/attempts/{attempt_id}/submit", data={"csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 302
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state == "finished" and attempt.score == 100.0
    review = client.get(f"/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "100%" in review and "FEEDBACK-RIGHT-1" in review and "GENERAL-FEEDBACK-1" in review


def test_no_answer_key_in_any_page_a_trainee_loads_during_the_attempt(client, make_quiz, trainee_in):
    activity = make_quiz(shuffle_answers=True)
    trainee_in(activity)
    attempt_id = _start(client, activity)
    seen = [
        client.get(f"/courses/{activity.module.course.slug}/learn/{activity.module.slug}/{activity.slug}")
    ]
    seen += [client.get(f"/quizzes/attempts/{attempt_id}?page={page}") for page in range(2)]
    seen.append(client.get(f"/quizzes/attempts/{attempt_id}/summary"))
    seen.append(
        client.post(
            f"/quizzes/attempts/{attempt_id}/autosave",
            data={"csrf_token": csrf_token(client, "/"), "page": "0"},
        )
    )
    seen.append(client.get("/static/js/attempt.js"))
    text = "".join(response.get_data(as_text=True) for response in seen)
    for secret in (SECRET, "42.42", "FEEDBACK", "GENERAL-FEEDBACK", "fraction", "correct"):
        assert secret.lower() not in text.lower(), secret
    for response in seen:
        response.close()
    # The right choice is marked up exactly like the wrong ones.
    html, _ids = _questions_on(client, attempt_id, 0)
    inputs = re.findall(r"<input type=\"radio\"[^>]*>", html)
    assert len({re.sub(r'value="\d+"|name="q\d+"|checked', "", tag) for tag in inputs}) == 1


def test_attempt_page_queries_do_not_grow_with_questions(client, make_quiz, trainee_in):
    many = [
        QuestionSpec(
            "multichoice", f"Q{i}", f"Question {i}?", answers=[AnswerSpec("a", 1.0), AnswerSpec("b", 0.0)]
        )
        for i in range(30)
    ]
    counts, user = [], None
    for questions in (QUESTIONS[:1], many):
        activity = make_quiz(questions=questions, per_page=0)
        if user is None:
            user = trainee_in(activity)
        else:
            db.session.add(Enrolment(course=activity.module.course, user=user))
            db.session.commit()
        attempt_id = _start(client, activity)
        with QueryCounter(db.engine) as counter:
            assert client.get(f"/quizzes/attempts/{attempt_id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_leaving_and_coming_back_resumes_the_attempt(client, make_quiz, trainee_in):
    activity = make_quiz()
    trainee_in(activity)
    first = _start(client, activity)
    html, ids = _questions_on(client, first, 0)
    _save(client, first, 0, "0", **{f"q{ids[0]}": "1"})
    assert _start(client, activity) == first
    html, _ = _questions_on(client, first, 0)
    assert re.search(rf'name="q{ids[0]}" value="1" checked', html)


def test_time_limit_is_enforced_by_the_server(client, make_quiz, trainee_in):
    activity = make_quiz(time_limit=10)
    trainee_in(activity)
    attempt_id = _start(client, activity)
    html, ids = _questions_on(client, attempt_id, 0)
    position = _position_of(html, ids[0], "Skopje") if _question(ids[0]).kind == "multichoice" else "1"
    _save(client, attempt_id, 0, "0", **{f"q{ids[0]}": position})
    attempt = db.session.get(Attempt, attempt_id)
    attempt.deadline_at = utcnow() - timedelta(minutes=2)  # the trainee walked away
    db.session.commit()
    response = _save(client, attempt_id, 0, "1", **{f"q{ids[1]}": "1"})
    assert "/review" in response.headers["Location"]
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state == "finished" and attempt.closed_by_deadline
    saved = {r.question_id: r.value for r in attempt.responses}
    assert saved[ids[0]] is not None and saved.get(ids[1]) is None  # the late answer was not counted
    assert attempt.score == 25.0


def test_answers_within_the_grace_period_count(app, make_quiz, create_user):
    activity = make_quiz(time_limit=1)
    user = create_user()
    start = utcnow()
    attempt = quiz.start_attempt(activity, user, now=start)
    assert attempt.deadline_at == start + timedelta(minutes=1)
    assert quiz.save_responses(attempt, {}, [], now=start + timedelta(seconds=75))
    assert not quiz.save_responses(attempt, {}, [], now=start + timedelta(seconds=95))
    assert attempt.state == "finished"


def test_abandoned_attempts_are_closed_by_the_cli(app, runner, make_quiz, create_user):
    activity = make_quiz(time_limit=5)
    attempt = quiz.start_attempt(activity, create_user(), now=utcnow() - timedelta(hours=1))
    db.session.commit()
    result = runner.invoke(args=["quizzes", "close-overdue"])
    assert "closed 1 attempts" in result.output
    db.session.refresh(attempt)
    assert attempt.state == "finished" and attempt.score == 0.0


def test_submitting_twice_grades_once(client, make_quiz, trainee_in):
    activity = make_quiz()
    trainee_in(activity)
    attempt_id = _start(client, activity)
    token = csrf_token(client, "/")
    for _ in range(2):
        assert (
            client.post(f"/quizzes/attempts/{attempt_id}/submit", data={"csrf_token": token}).status_code
            == 302
        )
    attempt = db.session.get(Attempt, attempt_id)
    assert not quiz.finish_attempt(attempt)
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
    assert db.session.scalar(select(func.count()).select_from(Response)) == 4


def test_forged_requests_are_refused_and_save_nothing(client, make_quiz, trainee_in, login_as):
    activity = make_quiz()
    trainee_in(activity)
    attempt_id = _start(client, activity)
    html, ids = _questions_on(client, attempt_id, 0)
    other_page = [slot["q"] for slot in db.session.get(Attempt, attempt_id).layout[1]]
    assert _save(client, attempt_id, 0, "0", **{f"q{other_page[0]}": "x"}).status_code == 400
    assert _save(client, attempt_id, 0, "0", q999999="1").status_code == 400
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login_as("trainee")
    assert _save(client, attempt_id, 0, "0", **{f"q{ids[0]}": "1"}).status_code == 403
    assert client.get(f"/quizzes/attempts/{attempt_id}").status_code == 403
    assert client.get(f"/quizzes/attempts/{attempt_id}/review").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_closed_quiz_and_used_up_attempts_refuse_to_start(client, make_quiz, trainee_in):
    closed = make_quiz(closes=(utcnow() - timedelta(days=1)).isoformat())
    trainee_in(closed)
    assert _start(client, closed) is None
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0


def test_attempts_allowed_and_grading_method(app, make_quiz, create_user):
    activity = make_quiz(attempts=2, grading="average")
    user = create_user()
    scores = []
    for answer in ("1", "0"):  # first attempt: the truefalse right; second: wrong
        attempt = quiz.start_attempt(activity, user)
        tf = next(q for q in attempt.question_ids() if _question(q).kind == "truefalse")
        page = next(i for i, p in enumerate(attempt.layout) if any(s["q"] == tf for s in p))
        quiz.save_responses(attempt, {f"q{tf}": answer}, [s["q"] for s in attempt.layout[page]])
        quiz.finish_attempt(attempt)
        scores.append(attempt.score)
    assert scores == [25.0, 0.0]
    with pytest.raises(quiz.QuizError, match="no-attempts-left"):
        quiz.start_attempt(activity, user)
    attempts = list(db.session.scalars(Attempt.of(activity.id, user.id)))
    assert quiz.quiz_grade(activity, attempts) == 12.5


def test_review_options_are_enforced_on_the_server(client, make_quiz, trainee_in):
    activity = make_quiz(
        review_answers="never", review_marks="never", review_feedback="never", review_correct="never"
    )
    trainee_in(activity)
    attempt_id = _start(client, activity)
    _right_answers(client, attempt_id)
    client.post(f"/quizzes/attempts/{attempt_id}/submit", data={"csrf_token": csrf_token(client, "/")})
    page = client.get(f"/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
    assert "100%" not in page and "FEEDBACK" not in page and SECRET not in page and "Skopje" not in page


def test_hidden_marks_stay_hidden_on_the_course_page_dashboard_and_certificate(client, make_quiz, trainee_in):
    from lms.certificates import services as certs

    activity = make_quiz(review_marks="never")
    course = activity.module.course
    course.completion_min_grade = 50
    trainee = trainee_in(activity)
    attempt_id = _start(client, activity)
    _right_answers(client, attempt_id)
    client.post(f"/quizzes/attempts/{attempt_id}/submit", data={"csrf_token": csrf_token(client, "/")})
    course_page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    dashboard = client.get("/").get_data(as_text=True)
    assert "Quiz · 100%" not in course_page and "100%" not in course_page
    assert "Grade so far" not in dashboard
    assert certs.issue(course, trainee, utcnow().date(), 100.0).grade is None  # the PDF and verify page too

    activity.settings = {**activity.settings, "review_marks": "immediately"}  # the same rule lets them show
    db.session.commit()
    assert "Quiz · 100%" in client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Grade so far: 100%" in client.get("/").get_data(as_text=True)


def test_right_answers_shown_only_after_close(client, make_quiz, trainee_in):
    activity = make_quiz(review_correct="after_close", closes=(utcnow() + timedelta(days=1)).isoformat())
    trainee_in(activity)
    attempt_id = _start(client, activity)
    client.post(f"/quizzes/attempts/{attempt_id}/submit", data={"csrf_token": csrf_token(client, "/")})
    assert SECRET not in client.get(f"/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)
    activity.settings = {**activity.settings, "closes": (utcnow() - timedelta(minutes=1)).isoformat()}
    db.session.commit()
    assert SECRET in client.get(f"/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)


def _review_after_choosing(client, make_quiz, trainee_in, city, **settings):
    activity = make_quiz(**settings)
    trainee_in(activity)
    attempt_id = _start(client, activity)
    html, ids = _questions_on(client, attempt_id, 0)
    _save(client, attempt_id, 0, "finish", **{f"q{ids[0]}": _position_of(html, ids[0], city)})
    client.post(f"/quizzes/attempts/{attempt_id}/submit", data={"csrf_token": csrf_token(client, "/")})
    return client.get(f"/quizzes/attempts/{attempt_id}/review").get_data(as_text=True)


def _choice_class(html, text):
    return re.search(rf'<label class="choice([^"]*)">\s*<input[^>]*>\s*<span[^>]*>{text}</span>', html).group(
        1
    )


def test_review_says_where_the_mistakes_are(client, make_quiz, trainee_in):
    """As in Moodle: a ✗ by the wrong choice, the right one marked, the mark per question, red feedback."""
    page = _review_after_choosing(client, make_quiz, trainee_in, "Ohrid")
    assert _choice_class(page, "Ohrid").strip() == "choice-wrong"
    assert _choice_class(page, "Skopje").strip() == "choice-missed"
    assert _choice_class(page, "Bitola").strip() == ""
    assert "Mark 0.00 out of 1.00" in page
    assert '<p class="feedback feedback-wrong">FEEDBACK-WRONG-1</p>' in page
    # The question navigator links to each question and says how it went.
    assert re.search(r'<a href="#question-1" class="nav-wrong" aria-label="Question 1 \(Wrong\)">', page)


def test_review_ticks_a_right_choice(client, make_quiz, trainee_in):
    right = _review_after_choosing(client, make_quiz, trainee_in, "Skopje")
    assert _choice_class(right, "Skopje").strip() == "choice-right"
    assert "Mark 1.00 out of 1.00" in right and "feedback-right" in right


def test_review_marks_no_unchosen_right_answer_when_right_answers_are_hidden(client, make_quiz, trainee_in):
    page = _review_after_choosing(client, make_quiz, trainee_in, "Ohrid", review_correct="never")
    assert _choice_class(page, "Ohrid").strip() == "choice-wrong"
    assert "choice-missed" not in page and "Right answer" not in page


ESSAY = QuestionSpec("essay", "Plan", "Describe your marketing plan.")


def test_trainer_grades_an_essay(client, make_quiz, create_user, login_as):
    trainer = create_user("trainer")
    activity = make_quiz(questions=[QUESTIONS[3], ESSAY], trainer=trainer)
    trainee = create_user()
    attempt = quiz.start_attempt(activity, trainee)
    essay_id = next(q for q in attempt.question_ids() if _question(q).kind == "essay")
    quiz.save_responses(attempt, {f"q{essay_id}": "Facebook ads for the bakery"}, [essay_id])
    quiz.finish_attempt(attempt)
    db.session.commit()
    assert attempt.score is None  # waits for the trainer
    client.post(
        "/login",
        data={"email": trainer.email, "password": "correct horse battery", "csrf_token": csrf_token(client)},
    )
    page = client.get(f"/quizzes/{activity.id}/grading").get_data(as_text=True)
    assert "Facebook ads for the bakery" in page
    response_id = db.session.scalar(select(Response.id).where(Response.question_id == essay_id))
    client.post(
        f"/quizzes/responses/{response_id}/grade",
        data={"mark": "80", "comment": "Good start", "csrf_token": csrf_token(client, "/")},
    )
    db.session.refresh(attempt)
    assert attempt.score == 40.0  # truefalse unanswered (0) + essay 80 %, over two questions
    assert "No essay is waiting" in client.get(f"/quizzes/{activity.id}/grading").get_data(as_text=True)


def test_correcting_a_question_regrades_finished_attempts(app, make_quiz, create_user):
    activity = make_quiz(questions=[QUESTIONS[3]])
    attempt = quiz.start_attempt(activity, create_user())
    qid = attempt.question_ids()[0]
    quiz.save_responses(attempt, {f"q{qid}": "0"}, [qid])  # "true"
    quiz.finish_attempt(attempt)
    assert attempt.score == 0.0
    corrected = QuestionSpec(
        "truefalse",
        "Euro",
        "Bulgaria uses the lev.",
        answers=[AnswerSpec("true", 1.0), AnswerSpec("false", 0.0)],
    )
    question = _question(qid)
    assert quiz.correct_question(question, corrected) and question.version == 2
    assert quiz.regrade(activity) == 1
    assert attempt.score == 100.0


def test_results_page_and_csv_export(client, make_quiz, create_user, login_as):
    trainer = create_user("trainer")
    activity = make_quiz(trainer=trainer)
    trainee = create_user(name='=HYPERLINK("http://evil")', organisation="Ελληνικά ΑΕ")
    attempt = quiz.start_attempt(activity, trainee)
    quiz.finish_attempt(attempt)
    db.session.commit()
    client.post(
        "/login",
        data={"email": trainer.email, "password": "correct horse battery", "csrf_token": csrf_token(client)},
    )
    page = client.get(f"/quizzes/{activity.id}/results").get_data(as_text=True)
    assert "Ελληνικά ΑΕ" in page and "Capital" in page
    response = client.get(f"/quizzes/{activity.id}/results.csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffname,email")
    assert "'=HYPERLINK" in text and "Ελληνικά ΑΕ" in text


def test_trainee_cannot_reach_trainer_quiz_pages(client, make_quiz, trainee_in):
    activity = make_quiz()
    trainee_in(activity)
    for url in (
        f"/quizzes/{activity.id}/edit",
        f"/quizzes/{activity.id}/results",
        f"/quizzes/{activity.id}/grading",
        f"/quizzes/{activity.id}/results.csv",
    ):
        assert client.get(url).status_code == 403, url
