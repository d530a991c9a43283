"""Quiz operations: the bank, a quiz's questions, attempts on the server's clock, grading.

Services flush, never commit: the view or CLI command that calls them commits once.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import selectinload

from lms.activities.grades import tell_grade
from lms.activities.signals import notify_changed
from lms.courses.models import Activity, Course
from lms.db import db, utcnow
from lms.quizzes.kinds import kind_of
from lms.quizzes.models import Attempt, Question, QuestionCategory, QuizSlot, Response
from lms.quizzes.settings import GRACE_SECONDS, QuizSettings
from lms.quizzes.spec import QuestionSpec


class QuizError(ValueError):
    """A quiz action that is not allowed now; str() is a code the view turns into a message."""


# --- the bank ------------------------------------------------------------------------------------


def category_named(course: Course, name: str) -> QuestionCategory:
    name = (name or "").strip() or "Default"
    category = db.session.scalar(
        select(QuestionCategory).where(QuestionCategory.course_id == course.id, QuestionCategory.name == name)
    )
    if category is None:
        category = QuestionCategory(course=course, name=name)
        db.session.add(category)
        db.session.flush()
    return category


def add_question(course: Course, spec: QuestionSpec, default_category: str = "Default") -> Question:
    question = Question(
        course_id=course.id, category=category_named(course, spec.category or default_category)
    )
    question.update_from(spec)
    db.session.add(question)
    return question


def import_questions(
    course: Course, specs: list[QuestionSpec], default_category: str = "Imported"
) -> list[Question]:
    questions = [add_question(course, spec, default_category) for spec in specs]
    db.session.flush()
    return questions


def correct_question(question: Question, spec: QuestionSpec) -> bool:
    """Change a question in place (a correction); True if it changed. Quizzes using it are regraded
    by `regrade`, and their GIFT source is rewritten so the package export shows the correction."""
    if question.same_content(spec):
        return False
    question.update_from(spec)
    question.version += 1
    for slot in db.session.scalars(select(QuizSlot).where(QuizSlot.question_id == question.id)):
        rewrite_quiz_source(slot.activity)
    return True


# --- a quiz's questions ----------------------------------------------------------------------------


def sync_quiz(activity: Activity, specs: list[QuestionSpec]) -> None:
    """Make the quiz's fixed questions those of its GIFT source, keeping the ids of questions that
    remain (matched by name), so attempts and their grades stay attached to them."""
    course = activity.module.course
    existing = {
        slot.question.name: slot.question
        for slot in db.session.scalars(QuizSlot.of(activity.id))
        if slot.question is not None
    }
    for slot in list(db.session.scalars(QuizSlot.of(activity.id))):
        if slot.question_id is not None:
            db.session.delete(slot)
    db.session.flush()
    default_category = f"{activity.module.title} / {activity.title}"
    for position, spec in enumerate(specs, start=1):
        question = existing.pop(spec.name, None)
        if question is None:
            question = add_question(course, spec, default_category)
        elif not question.same_content(spec):
            question.update_from(spec)
            question.version += 1
        db.session.add(QuizSlot(activity_id=activity.id, position=position, question=question))
    sync_random_slots(activity)
    db.session.flush()


def sync_random_slots(activity: Activity) -> None:
    """Random slots come from the quiz settings: [{"category": ..., "count": n}] after the fixed ones."""
    course = activity.module.course
    slots = list(db.session.scalars(QuizSlot.of(activity.id)))
    for slot in slots:
        if slot.category_id is not None:
            db.session.delete(slot)
    fixed = sum(1 for slot in slots if slot.question_id is not None)
    for offset, rule in enumerate(QuizSettings.from_dict(activity.settings).random, start=1):
        category = category_named(course, rule.get("category", ""))
        db.session.add(
            QuizSlot(
                activity_id=activity.id,
                position=fixed + offset,
                category=category,
                count=max(1, int(rule.get("count", 1))),
            )
        )


def rewrite_quiz_source(activity: Activity) -> None:
    from lms.quizzes.gift import dump_gift

    questions = [slot.question for slot in db.session.scalars(QuizSlot.of(activity.id)) if slot.question]
    activity.body = dump_gift([question.to_spec() for question in questions])
    activity.version += 1


def quiz_slots(activity_id: int) -> list[QuizSlot]:
    return list(
        db.session.scalars(
            QuizSlot.of(activity_id).options(selectinload(QuizSlot.question), selectinload(QuizSlot.category))
        )
    )


# --- attempts --------------------------------------------------------------------------------------


def start_attempt(activity: Activity, user, now: datetime | None = None) -> Attempt:
    """Resume the trainee's attempt in progress, or start a new one if the quiz allows it."""
    now = now or utcnow()
    settings = QuizSettings.from_dict(activity.settings)
    attempts = list(db.session.scalars(Attempt.of(activity.id, user.id)))
    current = next((a for a in attempts if a.in_progress), None)
    if current is not None and not close_if_overdue(current, now):
        return current
    if not settings.is_open(now):
        raise QuizError("closed")
    if settings.attempts and len(attempts) >= settings.attempts:
        raise QuizError("no-attempts-left")
    number = len(attempts) + 1
    # Seeded per attempt: the shuffle and the random draw are fixed for this attempt, new for the next.
    rng = random.Random(f"{activity.id}:{user.id}:{number}:{now.timestamp()}")
    layout = _build_layout(activity, settings, rng)
    if not layout:
        raise QuizError("no-questions")
    deadlines = [
        d
        for d in (
            now + timedelta(minutes=settings.time_limit) if settings.time_limit else None,
            settings.closes_at,
        )
        if d is not None
    ]
    attempt = Attempt(
        activity_id=activity.id,
        user_id=user.id,
        number=number,
        started_at=now,
        deadline_at=min(deadlines) if deadlines else None,
        layout=layout,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _build_layout(activity: Activity, settings: QuizSettings, rng: random.Random) -> list[list[dict]]:
    chosen: list[tuple[Question, float]] = []
    used: set[int] = set()
    slots = quiz_slots(activity.id)
    for slot in slots:
        if slot.question is not None and slot.question.id not in used:
            chosen.append((slot.question, slot.mark))
            used.add(slot.question.id)
    for slot in slots:
        if slot.category is not None:
            pool = [
                q
                for q in db.session.scalars(
                    select(Question).where(Question.category_id == slot.category_id).order_by(Question.id)
                )
                if q.id not in used
            ]
            for question in rng.sample(pool, min(slot.count, len(pool))):
                chosen.append((question, slot.mark))
                used.add(question.id)
    if settings.shuffle_questions:
        rng.shuffle(chosen)
    entries = [
        {
            "q": question.id,
            "mark": mark if question.is_graded else 0.0,
            "order": kind_of(question).answer_order(question, rng, settings.shuffle_answers),
        }
        for question, mark in chosen
    ]
    size = settings.per_page or len(entries) or 1
    return [entries[i : i + size] for i in range(0, len(entries), size)]


def deadline_passed(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + timedelta(seconds=GRACE_SECONDS)


def close_if_overdue(attempt: Attempt, now: datetime) -> bool:
    """Close an abandoned attempt whose time is up, graded with what was saved; True if it is closed."""
    if attempt.in_progress and deadline_passed(attempt, now):
        finish_attempt(attempt, now, by_deadline=True)
    return not attempt.in_progress


def save_responses(attempt: Attempt, form, question_ids: list[int], now: datetime | None = None) -> bool:
    """Save the answers to `question_ids` from form data; False (nothing saved) once the time is up.

    Raises QuizError("not-in-attempt") for a question the attempt does not have.
    """
    now = now or utcnow()
    if close_if_overdue(attempt, now) or not attempt.in_progress:
        return False
    slots = {slot["q"]: slot for slot in attempt.slots()}
    if any(qid not in slots for qid in question_ids):
        raise QuizError("not-in-attempt")
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(question_ids)))}
    existing = {r.question_id: r for r in attempt.responses}
    for qid in question_ids:
        question = questions[qid]
        kind = kind_of(question)
        if not kind.has_input:
            continue
        value = kind.read(question, form, slots[qid]["order"])
        response = existing.get(qid)
        if response is None:
            response = Response(attempt=attempt, question_id=qid)
            db.session.add(response)
        response.value, response.saved_at = value, now
    db.session.flush()
    return True


def finish_attempt(attempt: Attempt, now: datetime | None = None, by_deadline: bool = False) -> bool:
    """Submit and grade; True if this call finished it. A second submit (another tab) changes nothing."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.state == "in_progress")
        .values(state="finished", finished_at=now, closed_by_deadline=by_deadline)
        .execution_options(synchronize_session=False)
    ).rowcount
    # The UPDATE went past the session: read the attempt's own columns and its responses again (a
    # last autosave may have come in meanwhile), not the course it was loaded with.
    db.session.refresh(attempt, [*inspect(Attempt).column_attrs.keys(), "responses"])
    if claimed != 1:
        return False
    grade_attempt(attempt)
    _report_progress(attempt)
    return True


def _report_progress(attempt: Attempt) -> None:
    notify_changed(attempt.activity, attempt.user_id)


def grade_attempt(attempt: Attempt, keep_manual: bool = True) -> None:
    questions = {
        q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(attempt.question_ids())))
    }
    responses = {r.question_id: r for r in attempt.responses}
    for qid in attempt.question_ids():
        question = questions.get(qid)
        if question is None or not question.is_graded:
            continue
        response = responses.get(qid)
        if response is None:
            response = Response(attempt=attempt, question_id=qid, value=None)
            db.session.add(response)
            responses[qid] = response
        if keep_manual and response.manual:
            continue
        response.fraction = kind_of(question).grade(question, response.value)
    db.session.flush()
    attempt.score = compute_score(attempt, responses)


def compute_score(attempt: Attempt, responses: dict[int, Response]) -> float | None:
    """Percent of the marks available; None while an essay waits for its grade."""
    total = achieved = 0.0
    for slot in attempt.slots():
        if not slot["mark"]:
            continue
        response = responses.get(slot["q"])
        if response is None or response.fraction is None:
            return None
        total += slot["mark"]
        achieved += slot["mark"] * response.fraction
    return round(100.0 * achieved / total, 2) if total else 100.0


def grade_response(response: Response, fraction: float, comment: str, grader) -> None:
    response.fraction = max(0.0, min(1.0, fraction))
    response.comment, response.manual = comment, True
    response.graded_by_id, response.graded_at = grader.id, utcnow()
    attempt = response.attempt
    attempt.score = compute_score(attempt, {r.question_id: r for r in attempt.responses})
    _report_progress(attempt)
    tell_marks(attempt, utcnow())


def tell_marks(attempt: Attempt, now: datetime) -> bool:
    """Tell the trainee the grade of an attempt a trainer graded essays of, once it is whole (no essay
    waits) and the quiz lets them see their marks at `now`; once per grading (the last essay's time),
    so calling it again, or at the quiz's close, tells nobody twice. True when the attempt qualified."""
    graded = [r.graded_at for r in attempt.responses if r.manual and r.graded_at is not None]
    if attempt.state != "finished" or attempt.score is None or not graded:
        return False
    if not QuizSettings.from_dict(attempt.activity.settings).review_allows("marks", now):
        return False
    release = f"attempt:{attempt.id}:graded:{max(graded):%Y%m%dT%H%M%S}"
    tell_grade(attempt.activity, attempt.user, attempt.score, release)
    return True


def release_closed_marks(now: datetime, within: timedelta) -> int:
    """Quizzes that show marks only after they close, closed in the last `within`: their trainees hear
    of the grades trainers gave their essays (run by the scheduler). Returns the attempts that qualified."""
    quizzes = db.session.scalars(select(Activity).where(Activity.kind == "quiz")).all()
    closed = [
        quiz.id
        for quiz in quizzes
        if (settings := QuizSettings.from_dict(quiz.settings)).review_marks == "after_close"
        and settings.closes_at is not None
        and now - within <= settings.closes_at <= now
    ]
    if not closed:
        return 0
    attempts = db.session.scalars(
        select(Attempt)
        .where(
            Attempt.activity_id.in_(closed),
            Attempt.state == "finished",
            Attempt.id.in_(select(Response.attempt_id).where(Response.manual.is_(True))),
        )
        .options(selectinload(Attempt.responses), selectinload(Attempt.user), selectinload(Attempt.activity))
    ).all()
    return sum(tell_marks(attempt, now) for attempt in attempts)


def regrade(activity: Activity) -> int:
    """Grade every finished attempt again with the questions as they are now; returns how many."""
    attempts = list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.activity_id == activity.id, Attempt.state == "finished")
            .options(selectinload(Attempt.responses))
        )
    )
    for attempt in attempts:
        grade_attempt(attempt)
    for user_id in {attempt.user_id for attempt in attempts}:
        notify_changed(activity, user_id)
    return len(attempts)


def close_overdue_attempts(now: datetime | None = None) -> int:
    """Close every abandoned attempt whose time is up (run by `lms quizzes close-overdue`)."""
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Attempt).where(
            Attempt.state == "in_progress",
            Attempt.deadline_at.is_not(None),
            Attempt.deadline_at < now - timedelta(seconds=GRACE_SECONDS),
        )
    ).all()
    return sum(1 for attempt in overdue if finish_attempt(attempt, now, by_deadline=True))


def quiz_grade(activity: Activity, attempts) -> float | None:
    """The trainee's grade for the quiz from their finished attempts, by the quiz's grading method."""
    return grade_by_method(attempts, QuizSettings.from_dict(activity.settings).grading)


def grade_by_method(attempts, method: str) -> float | None:
    """Attempts (objects or rows with number, state, score) to one grade: highest, average, first or last."""
    scores = [
        a.score
        for a in sorted(attempts, key=lambda a: a.number)
        if a.state == "finished" and a.score is not None
    ]
    if not scores:
        return None
    if method == "average":
        return round(sum(scores) / len(scores), 2)
    if method == "first":
        return scores[0]
    if method == "last":
        return scores[-1]
    return max(scores)
