"""A survey after a classroom session: the trainer links one of the programme's surveys to a session;
those who attended it answer once, after it, in the session's context (lms.surveys keeps the answers).

Classroom depends on surveys, never the other way round.
"""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.classroom import bp
from lms.classroom.models import AttendanceRecord, ClassSession, Cohort
from lms.classroom.reports import ATTENDED
from lms.db import db, utcnow
from lms.forms import ActionForm
from lms.i18n import _
from lms.security import login_required, require
from lms.surveys.queries import answered, surveys_of_courses
from lms.surveys.views import take_answers

ASK_BEFORE_END = timedelta(minutes=15)  # the survey opens this long before the session ends


def survey_open(session: ClassSession, now) -> bool:
    return session.survey_id is not None and now >= session.ends_at - ASK_BEFORE_END


def attended(session: ClassSession, user_id: int) -> bool:
    record = db.session.scalar(AttendanceRecord.of(session.id).where(AttendanceRecord.user_id == user_id))
    return record is not None and record.status in ATTENDED


def surveys_to_answer(user, days: int = 30) -> list[ClassSession]:
    """Sessions of the last `days` the user attended whose survey is open and not yet answered by
    them: two queries."""
    now = utcnow()
    sessions = db.session.scalars(
        select(ClassSession)
        .join(AttendanceRecord, AttendanceRecord.session_id == ClassSession.id)
        .where(
            AttendanceRecord.user_id == user.id,
            AttendanceRecord.status.in_(ATTENDED),
            ClassSession.survey_id.is_not(None),
            ClassSession.starts_at >= now - timedelta(days=days),
            ClassSession.starts_at <= now,
        )
        .order_by(ClassSession.starts_at)
    ).all()
    sessions = [s for s in sessions if survey_open(s, now)]
    done = answered(user.id, [(s.survey_id, s.id) for s in sessions])
    return [s for s in sessions if (s.survey_id, s.id) not in done]


def _for_attendee(session_id: int) -> ClassSession:
    session = db.session.get(ClassSession, session_id)
    if session is None or session.survey_id is None:
        abort(404)
    require(attended(session, current_user.id))
    if not survey_open(session, utcnow()):
        abort(404)
    return session


@bp.route("/sessions/<int:session_id>/survey", methods=["GET", "POST"])
@login_required
def session_survey(session_id: int):
    from lms.surveys.views import answer_context

    session = _for_attendee(session_id)
    activity = session.survey
    action = url_for("classroom.session_survey", session_id=session.id)
    extra = {"course": activity.module.course, "class_session": session}
    if ActionForm().validate_on_submit():
        page = take_answers(activity, session.id, action, "surveys/answer.html", **extra)
        return page or redirect(url_for("classroom.index"))
    return render_template(
        "surveys/answer.html", survey=answer_context(activity, session.id, action=action), **extra
    )


@bp.route("/sessions/<int:session_id>/survey/link", methods=["POST"])
@login_required
def link_survey(session_id: int):
    """The trainer (or a coordinator) chooses the survey attendees answer after the session."""
    from flask import request

    session = db.session.get(ClassSession, session_id)
    if session is None:
        abort(404)
    require(session.cohort.can_manage(current_user))
    if not ActionForm().validate_on_submit():
        abort(400)
    chosen = request.form.get("survey_id", "")
    offered = {a.id for a in session_surveys(session.cohort)}
    if chosen and (not chosen.isdigit() or int(chosen) not in offered):
        abort(400)
    session.survey_id = int(chosen) if chosen else None
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("classroom.attendance", session_id=session.id))


def session_surveys(cohort: Cohort) -> list:
    """The surveys a session of this cohort may link: those of its programme's courses."""
    return surveys_of_courses([course.id for course in cohort.programme.courses])
