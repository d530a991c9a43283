"""Survey pages: the trainee answers once; the trainer authors it and reads the results."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from lms.activities.views import activity_page
from lms.charts import bar_chart
from lms.courses.queries import get_enrolment
from lms.courses.services import activity_url, slugify
from lms.db import db, utcnow
from lms.exports import csv_response, xlsx_response
from lms.forms import ActionForm
from lms.i18n import _
from lms.security import editable_activity, login_required, require
from lms.surveys import bp
from lms.surveys import services as surveys
from lms.surveys.forms import SurveyForm
from lms.surveys.models import COURSE
from lms.surveys.queries import get_survey, load_responses, summarise
from lms.surveys.spec import KINDS, MAX_QUESTIONS, Survey, check_question


def kind_labels() -> dict[str, str]:
    return {
        "rating": _("Rating from 1 to 5"),
        "choice": _("Multiple choice"),
        "yes_no": _("Yes or no"),
        "text": _("Free text"),
    }


def error_messages() -> dict[str, str]:
    return {
        "required": _("Please answer this question."),
        "invalid": _("Choose one of the answers offered."),
        "too-long": _("Your answer is too long (at most 5,000 characters)."),
    }


def yes_no_labels() -> dict[str, str]:
    return {"yes": _("Yes"), "no": _("No")}


def _for_trainee(activity_id: int):
    activity = get_survey(activity_id)
    if activity is None:
        abort(404)
    course = activity.module.course
    enrolment = get_enrolment(course, current_user)
    require(enrolment is not None and enrolment.is_active and course.published and activity.published)
    return activity


def _for_editor(activity_id: int):
    return editable_activity(activity_id, "survey")


def answer_context(activity, context: int = COURSE, values=None, errors=None, action=None) -> dict:
    """What the answer form needs: used on the course's activity page and after a classroom session."""
    return {
        "activity": activity,
        "settings": surveys.survey_of(activity),
        "answered": surveys.has_answered(activity, current_user.id, context),
        "values": values or {},
        "errors": errors or {},
        "messages": error_messages(),
        "yes_no": yes_no_labels(),
        "form": ActionForm(),
        "action": action or url_for("surveys.answer", activity_id=activity.id),
    }


def survey_page(activity) -> dict:
    """What the survey's activity page shows the current user."""
    enrolment = get_enrolment(activity.module.course, current_user)
    trainee = enrolment is not None and enrolment.is_active
    page = answer_context(activity)
    page["trainee"] = trainee
    return page


def take_answers(activity, context: int, action: str, template: str, **extra):
    """Check and store the posted answers; on a problem, the page again with what was typed (400)."""
    values = {key: value for key, value in request.form.items() if key.startswith("q-")}
    try:
        answers = surveys.check_answers(surveys.survey_of(activity), request.form)
        surveys.submit_response(activity, current_user.id, answers, context)
        db.session.commit()
    except surveys.SurveyError as error:
        db.session.rollback()
        if error.code == "already-answered":
            flash(_("You have already answered this survey: only your first answers count."), "error")
            return None
        page = answer_context(activity, context, values, error.errors, action)
        return render_template(template, survey=page, **extra), 400
    except IntegrityError:  # the same trainee's other request answered at the same moment
        db.session.rollback()
        flash(_("You have already answered this survey: only your first answers count."), "error")
        return None
    flash(_("Thank you: your answers are saved."), "success")
    return None


@bp.route("/<int:activity_id>/answer", methods=["POST"])
@login_required
def answer(activity_id: int):
    activity = _for_trainee(activity_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    page = take_answers(
        activity,
        COURSE,
        url_for("surveys.answer", activity_id=activity.id),
        "surveys/answer.html",
        course=activity.module.course,
    )
    return page or redirect(activity_url(activity))


def _question_rows(survey: Survey) -> list[dict]:
    rows = [
        {
            "key": q.key,
            "kind": q.kind,
            "text": q.text,
            "choices": "\n".join(q.choices),
            "required": q.required,
            "position": index,
        }
        for index, q in enumerate(survey.questions, start=1)
    ]
    if len(rows) < MAX_QUESTIONS:
        rows.append({"key": "", "kind": "rating", "text": "", "choices": "", "required": True, "new": True})
    return rows


def _questions_from(form) -> tuple[list, list[dict], list[str]]:
    """The questions from the editor's rows (a new one when its text is filled in), in the order of
    their position numbers; the rows as typed, and the problems."""
    rows, kept, problems = [], [], []
    for index in range(MAX_QUESTIONS + 1):
        prefix = f"question-{index}-"
        if prefix + "kind" not in form:
            break
        row = {
            "key": form.get(prefix + "key", "").strip(),
            "kind": form.get(prefix + "kind", ""),
            "text": form.get(prefix + "text", "").strip(),
            "choices": form.get(prefix + "choices", ""),
            "required": bool(form.get(prefix + "required")),
            "remove": bool(form.get(prefix + "remove")),
            "position": form.get(prefix + "position", ""),
            "new": form.get(prefix + "new") == "1",
        }
        rows.append(row)
        if row["remove"] or (row["new"] and not row["text"]):
            continue
        kept.append(row)
    taken = {row["key"] for row in kept if row["key"]}
    for row in kept:
        if not row["key"]:
            row["key"] = slugify(row["text"], taken, fallback=f"q{len(taken) + 1}")[:40].rstrip("-")
            taken.add(row["key"])
    kept.sort(key=lambda row: int(row["position"]) if row["position"].isdigit() else 10_000)
    questions = []
    for number, row in enumerate(kept, start=1):
        data = {"key": row["key"], "kind": row["kind"], "text": row["text"], "required": row["required"]}
        if row["kind"] == "choice":
            data["choices"] = [c.strip() for c in row["choices"].splitlines() if c.strip()]
        question, wrong = check_question(data, number)
        if wrong:
            problems.append(
                _("Question %(number)d (%(text)s) is not complete.", number=number, text=row["text"])
            )
        else:
            questions.append(question)
    keys = [q.key for q in questions]
    if len(set(keys)) != len(keys):
        problems.append(_("Two questions have the same key: give each its own."))
    if not questions and not problems:
        problems.append(_("A survey needs at least one question."))
    return questions, rows, problems


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):
    activity = _for_editor(activity_id)
    survey = surveys.survey_of(activity)
    form = SurveyForm(obj=activity)
    rows, problems = _question_rows(survey), []
    if request.method == "GET":
        form.intro.data, form.anonymous.data = survey.intro, survey.anonymous
    if form.is_submitted():
        questions, rows, problems = _questions_from(request.form)
        if form.validate() and not problems:
            changed = Survey(form.anonymous.data, (form.intro.data or "").strip(), questions)
            try:
                surveys.update_survey(
                    activity,
                    changed,
                    current_user,
                    title=form.title.data.strip(),
                    optional=form.optional.data,
                    published=form.published.data,
                )
            except surveys.SurveyError:
                db.session.rollback()
                problems.append(
                    _("Trainees have answered already: the survey stays as anonymous or named as it was.")
                )
            else:
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("surveys.edit", activity_id=activity.id))
    return activity_page(
        "surveys/edit.html",
        activity,
        form=form,
        rows=rows,
        problems=problems,
        kinds=[(kind, kind_labels()[kind]) for kind in KINDS],
        responses=surveys.response_count(activity),
    )


def _context() -> int | None:
    raw = request.args.get("context", "")
    return int(raw) if raw.isdigit() else None


@bp.route("/<int:activity_id>/results")
@login_required
def results(activity_id: int):
    activity = _for_editor(activity_id)
    survey = surveys.survey_of(activity)
    context = _context()
    summary = summarise(survey, load_responses(activity, context), yes_no_labels())
    charts = {
        result.question.key: bar_chart(
            result.counts,
            title=result.question.text,
            unit="",
            max_value=max(1, *(count for _label, count in result.counts)),
            empty=_("No answers yet."),
        )
        for result in summary.questions
        if result.counts
    }
    return activity_page(
        "surveys/results.html",
        activity,
        survey=survey,
        summary=summary,
        charts=charts,
        context=context,
        kinds=kind_labels(),
    )


def _export_rows(activity, survey: Survey, context: int | None):
    """One row per response: the respondent (named surveys only), then an answer per question."""
    yes_no = yes_no_labels()
    head = [] if survey.anonymous else [_("Trainee")]
    yield head + [q.text for q in survey.questions]
    for who, answers in load_responses(activity, context):
        row = [] if survey.anonymous else [who]
        for question in survey.questions:
            value = answers.get(question.key, "")
            row.append(yes_no.get(value, value) if question.kind == "yes_no" else value)
        yield row


@bp.route("/<int:activity_id>/results.<any(csv, xlsx):fmt>")
@login_required
def export(activity_id: int, fmt: str):
    activity = _for_editor(activity_id)
    survey = surveys.survey_of(activity)
    rows = list(_export_rows(activity, survey, _context()))
    name = f"{activity.module.course.slug}-{activity.slug}-{utcnow():%Y%m%d}.{fmt}"
    if fmt == "csv":
        return csv_response(rows, name)
    return xlsx_response(rows, name, sheet=_("Answers"))
