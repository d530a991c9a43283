"""Quiz pages: trainees take attempts; trainers set quizzes up, grade essays and read results."""

import re

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from lms.activities.views import activity_page
from lms.courses.queries import get_enrolment
from lms.courses.services import activity_url
from lms.db import db, utcnow, writing
from lms.exports.tasks import Export, page_export, respond
from lms.i18n import _
from lms.quizzes import bp
from lms.quizzes import services as quiz
from lms.quizzes.forms import (
    ActionForm,
    GradeForm,
    QuizSettingsForm,
    QuizSourceForm,
    RandomSlotForm,
)
from lms.quizzes.kinds import kind_of
from lms.quizzes.models import Attempt, Response
from lms.quizzes.queries import (
    attempts_of,
    bank,
    essays_to_grade,
    finished_attempts,
    get_attempt,
    get_quiz,
    questions_by_id,
)
from lms.quizzes.settings import QuizSettings
from lms.quizzes.spec import QuestionFormatError
from lms.security import editable_activity, login_required, require

QUIZ_ERRORS = {
    "closed": lambda: _("This quiz is not open now."),
    "no-attempts-left": lambda: _("You have used all the attempts this quiz allows."),
    "no-questions": lambda: _("This quiz has no questions yet."),
}


def _quiz_for_trainee(activity_id: int):
    activity = get_quiz(activity_id)
    if activity is None:
        abort(404)
    course = activity.module.course
    editor = course.can_edit(current_user)
    require(course.can_read(current_user, get_enrolment(course, current_user)))
    if not activity.published and not editor:
        abort(404)
    return activity


def _close_overdue(attempts, now) -> None:
    """A page that finds an abandoned attempt past its deadline closes and grades it, in a short
    transaction that begins as a writer (the attempt is read again in it, so it is graded once)."""
    overdue = [a for a in attempts if a.in_progress and quiz.deadline_passed(a, now)]
    if overdue:
        with writing(*overdue):
            for attempt in overdue:
                quiz.close_if_overdue(attempt, now)


def _own_attempt(attempt_id: int):
    attempt = get_attempt(attempt_id)
    if attempt is None:
        abort(404)
    require(attempt.is_owned_by(current_user))
    return attempt


# --- trainees ------------------------------------------------------------------------------------


@bp.route("/<int:activity_id>/start", methods=["POST"])
@login_required
def start(activity_id: int):
    activity = _quiz_for_trainee(activity_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt = quiz.start_attempt(activity, current_user)
    except quiz.QuizError as error:
        db.session.commit()  # an overdue attempt may have been closed on the way
        flash(QUIZ_ERRORS[str(error)](), "error")
        return redirect(activity_url(activity))
    attempt_id = attempt.id  # given at the flush: reading it after the commit would load the attempt again
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))


def _page_number(attempt, raw) -> int:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        number = 0
    return max(0, min(number, len(attempt.layout) - 1))


def _remaining_seconds(attempt, now) -> int | None:
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - now).total_seconds()))


def _question_views(attempt, slots, questions, responses):
    """Each question of a page with what its template needs; nothing about which answers are right."""
    views = []
    for number, slot in slots:
        question = questions[slot["q"]]
        response = responses.get(question.id)
        views.append(
            {
                "number": number,
                "question": question,
                "mark": slot["mark"],
                "kind": question.kind,
                "data": kind_of(question).display(
                    question, slot["order"], response.value if response else None
                ),
            }
        )
    return views


@bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    _close_overdue([attempt], now)
    if not attempt.in_progress:
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    page = _page_number(attempt, request.args.get("page"))
    numbered = list(enumerate(attempt.slots(), start=1))
    first = sum(len(p) for p in attempt.layout[:page])
    on_page = numbered[first : first + len(attempt.layout[page])]
    questions = questions_by_id(slot["q"] for _n, slot in on_page)
    responses = {r.question_id: r for r in attempt.responses}
    answered = {r.question_id for r in attempt.responses if r.value not in (None, "", [], {})}
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        activity=attempt.activity,
        page=page,
        questions=_question_views(attempt, on_page, questions, responses),
        navigation=[
            {"number": n, "page": i, "answered": slot["q"] in answered}
            for i, p in enumerate(attempt.layout)
            for n, slot in numbered
            if slot in p
        ],
        remaining=_remaining_seconds(attempt, now),
        form=ActionForm(),
    )


FIELD_RE = re.compile(r"^q(\d+)(?:_\d+)?$")


def _save_page(attempt) -> bool:
    """Save the answers on the page the form came from (the view commits, once it has read what it
    answers with: reading the attempt after a commit would load it again, on SQLite in a second
    writer's transaction); False once the time is up.

    400 for a form without its token, or with fields of questions that are not on that page.
    """
    if not ActionForm().validate_on_submit():
        abort(400)
    page = _page_number(attempt, request.form.get("page"))
    on_page = [slot["q"] for slot in attempt.layout[page]]
    sent = {int(m.group(1)) for key in request.form if (m := FIELD_RE.match(key))}
    try:
        if sent - set(on_page):
            raise quiz.QuizError("not-in-attempt")
        saved = quiz.save_responses(attempt, request.form, on_page)
    except quiz.QuizError:
        abort(400)
    return saved


@bp.route("/attempts/<int:attempt_id>", methods=["POST"])
@login_required
def save(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    saved = _save_page(attempt)
    go = request.form.get("go", "")
    target = _page_number(attempt, go) if go.isdigit() else _page_number(attempt, request.form.get("page"))
    db.session.commit()
    if not saved:
        flash(_("The time for this attempt was up, so the last answers were not counted."), "warning")
        return redirect(url_for("quizzes.review", attempt_id=attempt_id))
    if go == "finish":
        return redirect(url_for("quizzes.summary", attempt_id=attempt_id))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt_id, page=target))


@bp.route("/attempts/<int:attempt_id>/autosave", methods=["POST"])
@login_required
def autosave(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    saved = _save_page(attempt)
    # Whether it was saved, the time left and how typed numbers were read: never a mark, a right
    # answer or feedback.
    remaining = _remaining_seconds(attempt, utcnow())
    answer = jsonify(saved=saved, remaining=remaining, readings=_readings(attempt))
    db.session.commit()
    return answer


def _readings(attempt) -> dict[str, str]:
    """How each answer on the saved page was read, where its kind says ("Read as 2,3.")."""
    slots = attempt.layout[_page_number(attempt, request.form.get("page"))]
    questions = questions_by_id(slot["q"] for slot in slots)
    responses = {r.question_id: r for r in attempt.responses}
    readings = {}
    for slot in slots:
        question, response = questions[slot["q"]], responses.get(slot["q"])
        data = kind_of(question).display(question, slot["order"], response.value if response else None)
        if "reading" in data:
            readings[f"reading-q{question.id}"] = data["reading"]
    return readings


@bp.route("/attempts/<int:attempt_id>/summary")
@login_required
def summary(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    _close_overdue([attempt], utcnow())
    if not attempt.in_progress:
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    answered = {r.question_id for r in attempt.responses if r.value not in (None, "", [], {})}
    questions = questions_by_id(attempt.question_ids())
    rows = [
        {
            "number": n,
            "page": i,
            "answered": slot["q"] in answered,
            "input": kind_of(questions[slot["q"]]).has_input,
        }
        for n, (i, slot) in enumerate(((i, s) for i, p in enumerate(attempt.layout) for s in p), start=1)
    ]
    return render_template(
        "quizzes/summary.html",
        attempt=attempt,
        activity=attempt.activity,
        rows=rows,
        remaining=_remaining_seconds(attempt, utcnow()),
        form=ActionForm(),
    )


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if attempt.in_progress:
        quiz.finish_attempt(attempt, by_deadline=quiz.deadline_passed(attempt, utcnow()))
        db.session.commit()
    return redirect(url_for("quizzes.review", attempt_id=attempt_id))


@bp.route("/attempts/<int:attempt_id>/review")
@login_required
def review(attempt_id: int):
    attempt = get_attempt(attempt_id)
    if attempt is None:
        abort(404)
    course = attempt.activity.module.course
    editor = course.can_edit(current_user)
    require(attempt.is_owned_by(current_user) or editor)
    _close_overdue([attempt], utcnow())
    if attempt.in_progress:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    settings = QuizSettings.from_dict(attempt.activity.settings)
    now = utcnow()
    show = {
        what: editor or settings.review_allows(what, now)
        for what in ("answers", "marks", "feedback", "correct")
    }
    questions = questions_by_id(attempt.question_ids())
    responses = {r.question_id: r for r in attempt.responses}
    items = []
    for number, slot in enumerate(attempt.slots(), start=1):
        question = questions[slot["q"]]
        response = responses.get(question.id)
        value = response.value if response else None
        kind = kind_of(question)
        items.append(
            {
                "number": number,
                "question": question,
                "kind": question.kind,
                "mark": slot["mark"],
                "data": kind.display(question, slot["order"], value) if show["answers"] else None,
                "verdicts": kind.verdicts(question, slot["order"], value) if show["marks"] else {},
                "response": response,
                "feedback": kind.chosen_feedback(question, value) if show["feedback"] else [],
                "right": kind.right_answer(question) if show["correct"] else "",
            }
        )
    return render_template(
        "quizzes/review.html",
        attempt=attempt,
        activity=attempt.activity,
        items=items,
        show=show,
        settings=settings,
        editor=editor,
    )


def quiz_intro(activity) -> dict:
    """What the quiz's activity page shows a trainee: settings, their attempts, whether they may start."""
    settings = QuizSettings.from_dict(activity.settings)
    attempts = attempts_of(activity.id, current_user.id)
    now = utcnow()
    _close_overdue(attempts, now)
    in_progress = next((a for a in attempts if a.in_progress), None)
    can_start = in_progress is not None or (
        settings.is_open(now) and (not settings.attempts or len(attempts) < settings.attempts)
    )
    return {
        "settings": settings,
        "attempts": attempts,
        "in_progress": in_progress,
        "can_start": can_start,
        "grade": quiz.quiz_grade(activity, attempts),
        "show_marks": settings.review_allows("marks", now),
        "form": ActionForm(),
    }


# --- trainers ------------------------------------------------------------------------------------


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):
    activity = editable_activity(activity_id, "quiz")
    course = activity.module.course
    settings = QuizSettings.from_dict(activity.settings)
    settings_form = QuizSettingsForm(
        data={
            **vars(settings),
            "title": activity.title,
            "optional": activity.optional,
            "published": activity.published,
        }
        if request.method == "GET"
        else None
    )
    source_form = QuizSourceForm(data={"body": activity.body} if request.method == "GET" else None)
    random_form = RandomSlotForm()
    random_form.category.choices = [(c.name, f"{c.name} ({len(c.questions)})") for c in bank(course.id)]
    problem = None
    if settings_form.save_settings.data and settings_form.validate_on_submit():
        for name in vars(settings):
            if name in settings_form:
                value = settings_form[name].data
                setattr(settings, name, (value or "").strip() if name in ("opens", "closes") else value)
        activity.settings = settings.to_dict()
        activity.title = settings_form.title.data.strip()
        activity.optional, activity.published = settings_form.optional.data, settings_form.published.data
        db.session.commit()
        flash(_("Quiz settings saved."), "success")
        return redirect(url_for("quizzes.edit", activity_id=activity.id))
    if source_form.save_source.data and source_form.validate_on_submit():
        from lms.quizzes.gift import parse_gift

        try:
            specs = parse_gift(source_form.body.data or "")
        except QuestionFormatError as error:
            problem = error
        else:
            activity.body = source_form.body.data or ""
            activity.version += 1
            quiz.sync_quiz(activity, specs)
            regraded = quiz.regrade(activity)
            db.session.commit()
            flash(_("Questions saved (%(num)d).", num=len(specs)), "success")
            if regraded:
                flash(_("Finished attempts were regraded (%(num)d).", num=regraded), "info")
            return redirect(url_for("quizzes.edit", activity_id=activity.id))
    if random_form.add_random.data and random_form.validate_on_submit():
        settings.random = [
            *settings.random,
            {"category": random_form.category.data, "count": random_form.count.data},
        ]
        activity.settings = settings.to_dict()
        quiz.sync_random_slots(activity)
        db.session.commit()
        flash(_("Random questions added."), "success")
        return redirect(url_for("quizzes.edit", activity_id=activity.id))
    return activity_page(
        "quizzes/edit.html",
        activity,
        settings_form=settings_form,
        source_form=source_form,
        random_form=random_form,
        slots=quiz.quiz_slots(activity.id),
        problem=problem,
        settings=settings,
        remove_form=ActionForm(),
    )


@bp.route("/<int:activity_id>/random/<int:index>/remove", methods=["POST"])
@login_required
def remove_random(activity_id: int, index: int):
    activity = editable_activity(activity_id, "quiz")
    settings = QuizSettings.from_dict(activity.settings)
    if not ActionForm().validate_on_submit() or not 0 <= index < len(settings.random):
        abort(400)
    settings.random = [rule for i, rule in enumerate(settings.random) if i != index]
    activity.settings = settings.to_dict()
    quiz.sync_random_slots(activity)
    db.session.commit()
    return redirect(url_for("quizzes.edit", activity_id=activity.id))


def _results(activity):
    attempts = finished_attempts(activity.id)
    by_user: dict[int, list] = {}
    for attempt in attempts:
        by_user.setdefault(attempt.user_id, []).append(attempt)
    trainees = [
        {"user": items[0].user, "attempts": items, "grade": quiz.quiz_grade(activity, items)}
        for items in by_user.values()
    ]
    trainees.sort(key=lambda row: row["user"].name.casefold())
    totals: dict[int, list[float]] = {}
    for attempt in attempts:
        for response in attempt.responses:
            if response.fraction is not None:
                totals.setdefault(response.question_id, []).append(response.fraction)
    questions = questions_by_id(totals)
    facility = [
        {"question": questions[qid], "facility": 100 * sum(values) / len(values), "count": len(values)}
        for qid, values in totals.items()
    ]
    facility.sort(key=lambda row: row["facility"])
    return trainees, facility


@bp.route("/<int:activity_id>/results")
@login_required
def results(activity_id: int):
    activity = editable_activity(activity_id, "quiz")
    trainees, facility = _results(activity)
    settings = QuizSettings.from_dict(activity.settings)
    return activity_page(
        "quizzes/results.html",
        activity,
        trainees=trainees,
        facility=facility,
        settings=settings,
        pending=len(essays_to_grade(activity.id)),
        form=ActionForm(),
    )


@page_export("quiz_results")
def results_file(fmt: str, activity_id: int) -> Export:
    """A quiz's results as CSV, one row per trainee: made in the request up to EXPORT_IN_REQUEST_CELLS
    (finished attempts times 7 columns), by an export job beyond."""
    activity = editable_activity(activity_id, "quiz")
    finished = db.session.scalar(
        select(func.count())
        .select_from(Attempt)
        .where(Attempt.activity_id == activity.id, Attempt.state == "finished")
    )
    pass_mark = QuizSettings.from_dict(activity.settings).pass_mark

    def rows():
        yield ["name", "email", "organisation", "attempts", "grade", "passed", "last finished (UTC)"]
        for row in _results(activity)[0]:
            last = max(a.finished_at for a in row["attempts"])
            grade = row["grade"]
            yield [
                row["user"].name,
                row["user"].email,
                row["user"].organisation or "",
                len(row["attempts"]),
                "" if grade is None else f"{grade:.2f}",
                "" if grade is None else ("yes" if grade >= pass_mark else "no"),
                last.strftime("%Y-%m-%d %H:%M"),
            ]

    return Export(
        filename=f"{activity.module.course.slug}-{activity.slug}-results.csv",
        size=finished * 7,
        rows=rows,
        total=finished,
        title=f"{_('Results')} — {activity.title}",
        back=url_for("quizzes.results", activity_id=activity.id),
    )


@bp.route("/<int:activity_id>/results.csv")
@login_required
def results_csv(activity_id: int):
    return respond(results_file, "csv", activity_id=activity_id)


@bp.route("/<int:activity_id>/regrade", methods=["POST"])
@login_required
def regrade(activity_id: int):
    activity = editable_activity(activity_id, "quiz")
    if not ActionForm().validate_on_submit():
        abort(400)
    count = quiz.regrade(activity)
    db.session.commit()
    flash(_("Finished attempts were regraded (%(num)d).", num=count), "success")
    return redirect(url_for("quizzes.results", activity_id=activity.id))


@bp.route("/<int:activity_id>/grading")
@login_required
def grading(activity_id: int):
    activity = editable_activity(activity_id, "quiz")
    return activity_page(
        "quizzes/grading.html", activity, responses=essays_to_grade(activity.id), form=GradeForm()
    )


@bp.route("/responses/<int:response_id>/grade", methods=["POST"])
@login_required
def grade(response_id: int):
    response = db.get_or_404(Response, response_id)
    activity = editable_activity(response.attempt.activity_id, "quiz")
    if response.question.kind != "essay" or response.attempt.in_progress:
        abort(400)
    form = GradeForm()
    if not form.validate_on_submit():
        flash(_("Give a mark from 0 to 100."), "error")
    else:
        quiz.grade_response(response, float(form.mark.data) / 100, form.comment.data or "", current_user)
        from lms.admin.services import audit

        audit("quiz.grade", f"{activity.title} / {response.attempt.user.email}", mark=float(form.mark.data))
        db.session.commit()
        flash(_("Grade saved for %(name)s.", name=response.attempt.user.name), "success")
    return redirect(url_for("quizzes.grading", activity_id=activity.id))


from lms.quizzes import bank_views  # noqa: E402,F401  (the question bank's routes)
