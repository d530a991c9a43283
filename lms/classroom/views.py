"""E-classroom pages: coordinators run programmes and cohorts, trainers take attendance, trainees check in."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.calendar import events_for
from lms.classroom import bp, feedback
from lms.classroom import services as classroom
from lms.classroom.forms import (
    CheckInForm,
    CohortForm,
    IndicatorsForm,
    MemberForm,
    NewProgrammeForm,
    ProgrammeForm,
    ReportForm,
    ScheduleForm,
    SessionForm,
    TrainersForm,
)
from lms.classroom.indicators import BY_KEY, INDICATORS
from lms.classroom.models import EXCUSED, ClassSession, Cohort, CohortMember, Programme
from lms.classroom.reports import (
    attendance_rows,
    drill_down,
    funder_report,
    report_charts,
    report_rows,
    report_scope,
)
from lms.courses.models import Course
from lms.db import db, utcnow
from lms.exports import tasks as exports
from lms.exports.models import ExportJob
from lms.exports.tasks import Export, page_export, respond
from lms.forms import ActionForm
from lms.i18n import _, ngettext
from lms.links import external_url
from lms.progress.services import ATTENDANCE_PROVIDERS
from lms.qr import qr_svg
from lms.security import login_required, require, role_required
from lms.surveys.queries import rating_keys

# Course completion rules can require attendance: this feature is where it comes from.
if classroom.attendance_percent not in ATTENDANCE_PROVIDERS:
    ATTENDANCE_PROVIDERS.append(classroom.attendance_percent)

CHECK_IN_ERRORS = {
    "not-member": lambda: _("This session belongs to a cohort you are not in."),
    "closed": lambda: _("Check-in is open from 15 minutes before the session until its end."),
    "wrong-code": lambda: _("That code is wrong or has expired. Type the code shown on the screen now."),
    "already": lambda: _("You have already checked in to this session."),
    "locked": lambda: _(
        "Too many wrong codes for this session. Ask your trainer to mark you present on the attendance page."
    ),
}
CHECK_IN_WAIT = lambda seconds: ngettext(  # noqa: E731
    "Several wrong codes: wait %(num)d second, then type the code shown on the screen now.",
    "Several wrong codes: wait %(num)d seconds, then type the code shown on the screen now.",
    seconds,
)


@bp.route("/")
@login_required
def index():
    programmes = (
        db.session.scalars(select(Programme).order_by(Programme.title)).all()
        if current_user.is_coordinator
        else []
    )
    taught = (
        db.session.scalars(
            select(Cohort).where(Cohort.trainers.any(User.id == current_user.id)).order_by(Cohort.name)
        ).all()
        if current_user.is_trainer
        else []
    )
    upcoming = classroom.sessions_for(current_user, since=utcnow() - timedelta(hours=3), limit=20)
    return render_template(
        "classroom/index.html",
        to_answer=feedback.surveys_to_answer(current_user),
        programmes=programmes,
        taught=taught,
        upcoming=upcoming,
        form=NewProgrammeForm(),
    )


def _course_choices(form):
    form.courses.choices = [
        (c.id, c.title) for c in db.session.scalars(select(Course).order_by(Course.title))
    ]


@bp.route("/programmes", methods=["POST"])
@role_required("coordinator")
def create_programme():
    form = NewProgrammeForm()
    if not form.validate_on_submit():
        flash(_("A programme needs a title."), "error")
        return redirect(url_for("classroom.index"))
    programme = Programme(title=form.title.data.strip())
    db.session.add(programme)
    db.session.commit()
    return redirect(url_for("classroom.programme", programme_id=programme.id))


@bp.route("/programmes/<int:programme_id>", methods=["GET", "POST"])
@role_required("coordinator")
def programme(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    form = ProgrammeForm(
        obj=programme,
        data={"courses": [c.id for c in programme.courses], "statuses": programme.statuses}
        if request.method == "GET"
        else None,
    )
    _course_choices(form)
    cohort_form = CohortForm(prefix="cohort", data={"timezone": programme.timezone})
    if form.submit.data and form.validate_on_submit():
        programme.title, programme.summary = form.title.data.strip(), form.summary.data or ""
        programme.funding_line = form.funding_line.data or ""
        programme.timezone = form.timezone.data
        programme.courses = list(
            db.session.scalars(select(Course).where(Course.id.in_(form.courses.data or [])))
        )
        programme.statuses = [
            {"key": old["key"], "label": entry["label"].strip(), "points": entry["points"]}
            for old, entry in zip(programme.statuses, form.statuses.data, strict=True)
        ]
        db.session.commit()
        flash(_("Programme saved."), "success")
        return redirect(url_for("classroom.programme", programme_id=programme.id))
    if cohort_form.submit.data and cohort_form.validate_on_submit():
        cohort = Cohort(
            programme=programme,
            name=cohort_form.name.data.strip(),
            partner=cohort_form.partner.data or "",
            timezone=cohort_form.timezone.data,
            starts_on=cohort_form.starts_on.data,
            ends_on=cohort_form.ends_on.data,
        )
        db.session.add(cohort)
        db.session.commit()
        return redirect(url_for("classroom.cohort", cohort_id=cohort.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "classroom/programme.html", programme=programme, form=form, cohort_form=cohort_form
    ), status


def _cohort(cohort_id: int) -> Cohort:
    cohort = db.session.scalar(
        select(Cohort)
        .where(Cohort.id == cohort_id)
        .options(
            selectinload(Cohort.members).selectinload(CohortMember.user),
            selectinload(Cohort.trainers),
            selectinload(Cohort.sessions).selectinload(ClassSession.records),
        )
    )
    if cohort is None:
        abort(404)
    require(cohort.can_manage(current_user))
    return cohort


def _people(role: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role != "trainee" if role == "trainer" else User.role == role, User.active)
            .order_by(User.name)
        )
    )


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@login_required
def cohort(cohort_id: int):
    cohort = _cohort(cohort_id)
    member_form, trainers_form = MemberForm(prefix="member"), TrainersForm(prefix="trainers")
    schedule_form = ScheduleForm(prefix="schedule")
    trainers_form.trainers.choices = [(u.id, u.name) for u in _people("trainer")]
    schedule_form.trainer.choices = [("", "—")] + [(str(u.id), u.name) for u in _people("trainer")]
    if request.method == "GET":
        trainers_form.trainers.data = [t.id for t in cohort.trainers]
    if request.method == "POST":
        require(current_user.is_coordinator)  # trainers see the cohort; coordinators change it
    if member_form.add_member.data and member_form.validate_on_submit():
        user = db.session.scalar(User.by_email(member_form.email.data))
        if user is None:
            member_form.email.errors.append(_("No account has this e-mail."))
        else:
            classroom.add_member(cohort, user, by=current_user)
            db.session.commit()
            flash(_("%(name)s is in the cohort and enrolled in its courses.", name=user.name), "success")
            return redirect(url_for("classroom.cohort", cohort_id=cohort.id))
    if trainers_form.save_trainers.data and trainers_form.validate_on_submit():
        cohort.trainers = list(
            db.session.scalars(
                select(User).where(User.id.in_(trainers_form.trainers.data or []), User.role != "trainee")
            )
        )
        db.session.commit()
        flash(_("Trainers saved."), "success")
        return redirect(url_for("classroom.cohort", cohort_id=cohort.id))
    if schedule_form.schedule.data and schedule_form.validate_on_submit():
        trainer = (
            db.session.get(User, int(schedule_form.trainer.data)) if schedule_form.trainer.data else None
        )
        sessions = classroom.schedule(
            cohort,
            schedule_form.first.data,
            schedule_form.minutes.data,
            schedule_form.weeks.data,
            trainer=trainer,
            place=schedule_form.place.data or "",
            online_url=schedule_form.online_url.data or "",
            topic=schedule_form.topic.data or "",
        )
        db.session.commit()
        flash(_("%(num)d sessions scheduled.", num=len(sessions)), "success")
        return redirect(url_for("classroom.cohort", cohort_id=cohort.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "classroom/cohort.html",
        cohort=cohort,
        member_form=member_form,
        trainers_form=trainers_form,
        schedule_form=schedule_form,
        attendance=classroom.cohort_attendance(cohort),
    ), status


@bp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/remove", methods=["POST"])
@role_required("coordinator")
def remove_member(cohort_id: int, user_id: int):
    cohort = _cohort(cohort_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    classroom.remove_member(cohort, user_id)
    db.session.commit()
    return redirect(url_for("classroom.cohort", cohort_id=cohort.id))


def _session(session_id: int) -> ClassSession:
    session = db.session.get(ClassSession, session_id)
    if session is None:
        abort(404)
    require(session.cohort.can_manage(current_user))
    return session


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@role_required("coordinator")
def edit_session(session_id: int):
    """Move a session, change its room or link, or cancel it; the cohort is told (lms.notifications)."""
    session = _session(session_id)
    form = SessionForm(obj=session if request.method == "GET" else None)
    zone = ZoneInfo(session.cohort.timezone)
    if request.method == "GET":
        form.starts.data = session.starts_at.astimezone(zone).replace(tzinfo=None)
    if form.validate_on_submit():
        told = classroom.change_session(
            session,
            starts_local=form.starts.data,
            minutes=form.minutes.data,
            place=form.place.data or "",
            online_url=form.online_url.data or "",
            topic=form.topic.data or "",
        )
        db.session.commit()
        flash(
            _("The session is saved; its members are told.") if told else _("The session is saved."),
            "success",
        )
        return redirect(url_for("classroom.cohort", cohort_id=session.cohort_id))
    return render_template(
        "classroom/session_edit.html", session=session, form=form, cancel_form=ActionForm()
    ), 400 if request.method == "POST" else 200


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@role_required("coordinator")
def cancel_session(session_id: int):
    session = _session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    classroom.cancel_session(session)
    db.session.commit()
    flash(_("The session is cancelled; its members are told."), "success")
    return redirect(url_for("classroom.cohort", cohort_id=session.cohort_id))


ATTENDANCE_ERRORS = {
    "not-started": lambda: _(
        "This session has not started yet: attendance can be taken from 15 minutes before it starts. "
        "Before that, only an excused absence can be recorded."
    ),
    "invalid": lambda: _("Choose one of the programme's statuses for trainees of this session."),
}
UNDO_KEY = "attendance-undo"  # in the login session: what the last "Mark all present" did


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(session_id: int):
    session = _session(session_id)
    now = utcnow()
    roll = sorted(classroom.session_roll(session), key=lambda m: m.user.name.casefold())
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        statuses = {}
        for member in roll:
            key = request.form.get(f"status-{member.user_id}")
            if key:
                statuses[member.user_id] = key
        try:
            classroom.take_attendance(session, statuses, current_user, now)
        except classroom.ClassroomError as error:
            flash(ATTENDANCE_ERRORS[str(error)](), "error")
            return _attendance_page(session, roll, now), 400
        db.session.commit()
        flash(_("Attendance saved."), "success")
        return redirect(url_for("classroom.attendance", session_id=session.id))
    return _attendance_page(session, roll, now)


def _attendance_page(session: ClassSession, roll, now):
    undo = flask_session.get(UNDO_KEY)
    return render_template(
        "classroom/attendance.html",
        session=session,
        members=roll,
        later=sorted(
            (m for m in session.cohort.members if m not in roll and m.left_at is None),
            key=lambda m: m.user.name.casefold(),
        ),
        records={r.user_id: r for r in session.records},
        statuses=session.cohort.programme.statuses,
        labels=status_labels(session.cohort.programme),
        failures=classroom.failed_check_ins(session),
        open=session.attendance_open(now),
        excused=EXCUSED,
        undo=undo if undo and undo["session"] == session.id else None,
        form=ActionForm(),
        surveys=feedback.session_surveys(session.cohort),
    )


@bp.route("/sessions/<int:session_id>/attendance/all-present", methods=["POST"])
@login_required
def mark_all_present(session_id: int):
    session = _session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    now = utcnow()
    try:
        marked = classroom.mark_all_present(session, current_user, now)
    except classroom.ClassroomError as error:
        flash(ATTENDANCE_ERRORS[str(error)](), "error")
        return redirect(url_for("classroom.attendance", session_id=session.id))
    db.session.commit()
    flask_session[UNDO_KEY] = {"session": session.id, "users": marked, "at": now.isoformat()}
    flash(
        ngettext("%(num)d trainee marked present.", "%(num)d trainees marked present.", len(marked)),
        "success",
    )
    return redirect(url_for("classroom.attendance", session_id=session.id))


@bp.route("/sessions/<int:session_id>/attendance/undo", methods=["POST"])
@login_required
def undo_all_present(session_id: int):
    session = _session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    undo = flask_session.pop(UNDO_KEY, None)
    if undo and undo["session"] == session.id:
        undone = classroom.undo_mark_all(
            session, undo["users"], datetime.fromisoformat(undo["at"]), current_user
        )
        db.session.commit()
        flash(ngettext("%(num)d mark taken back.", "%(num)d marks taken back.", undone), "info")
    return redirect(url_for("classroom.attendance", session_id=session.id))


@bp.route("/sessions/<int:session_id>/screen")
@login_required
def screen(session_id: int):
    """For the classroom's projector: the current check-in code, its QR code, when it changes, and how
    many wrong codes were typed (someone guessing shows up here)."""
    session = _session(session_id)
    now = utcnow()
    code = classroom.check_in_code(session, now)
    link = external_url("classroom.check_in", session=session.id, code=code)
    return render_template(
        "classroom/screen.html",
        session=session,
        code=code,
        qr=qr_svg(link),
        link=link,
        failures=sum(classroom.failed_check_ins(session).values()),
        expires_in=classroom.CODE_PERIOD - int(now.timestamp()) % classroom.CODE_PERIOD,
    )


@bp.route("/check-in", methods=["GET", "POST"])
@login_required
def check_in():
    now = utcnow()
    open_sessions = [
        s
        for s in classroom.sessions_for(current_user, since=now - timedelta(hours=12))
        if s.check_in_open(now) and s.cohort.is_member(current_user.id)
    ]
    form = CheckInForm(
        data={"session": request.args.get("session", ""), "code": request.args.get("code", "")}
        if request.method == "GET"
        else None
    )
    form.session.choices = [(str(s.id), f"{s.topic or s.cohort.name}") for s in open_sessions] or [("", "—")]
    if form.validate_on_submit():
        session = (
            db.session.get(ClassSession, int(form.session.data)) if form.session.data.isdigit() else None
        )
        if session is None:
            abort(404)
        try:
            classroom.check_in(session, current_user, form.code.data, now, address=request.remote_addr or "")
        except classroom.CheckInWait as wait:
            db.session.commit()
            flash(CHECK_IN_WAIT(wait.seconds), "error")
            return render_template("classroom/check_in.html", form=form, sessions=open_sessions), 429
        except classroom.ClassroomError as error:
            db.session.commit()  # a wrong code is counted even though the answer is an error
            flash(CHECK_IN_ERRORS[str(error)](), "error")
            status = 429 if str(error) == "locked" else 400
            return render_template("classroom/check_in.html", form=form, sessions=open_sessions), status
        db.session.commit()
        flash(_("You are checked in. Welcome!"), "success")
        return redirect(url_for("classroom.index"))
    return render_template(
        "classroom/check_in.html", form=form, sessions=open_sessions
    ), 400 if request.method == "POST" else 200


@bp.route("/calendar/new", methods=["POST"])
@login_required
def new_calendar_feed():
    """Make the user's feed address (a new secret; the old address stops working) and show it once."""
    if not ActionForm().validate_on_submit():
        abort(400)
    token = classroom.new_calendar_token(current_user)
    db.session.commit()
    page = render_template(
        "classroom/calendar_feed.html", feed_url=external_url("classroom.calendar", token=token)
    )
    return Response(page, headers={"Cache-Control": "no-store"})


@bp.route("/calendar/<token>.ics")
def calendar(token: str):
    """A personal iCalendar feed: the secret token in the URL stands for the login a calendar app lacks."""
    user = classroom.user_for_calendar_token(token)
    if user is None:
        abort(404)
    since = utcnow() - timedelta(days=30)
    body = classroom.calendar(
        user,
        classroom.sessions_for(user, since=since),
        current_app.config["SITE_NAME"],
        extra=events_for(user, since),
    )
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})


# --- exports and the funder report ---------------------------------------------------------------


def status_labels(programme: Programme) -> dict[str, str]:
    """The programme's status names in the reader's language (the defaults are translated)."""
    known = {"Present": _("Present"), "Late": _("Late"), "Excused": _("Excused"), "Absent": _("Absent")}
    return {s["key"]: known.get(s["label"], s["label"]) for s in programme.statuses}


@page_export("attendance")
def attendance_file(fmt: str, cohort_id: int) -> Export:
    """A cohort's attendance register: made in the request up to EXPORT_IN_REQUEST_CELLS cells (members
    times sessions), by an export job beyond."""
    cohort = db.get_or_404(Cohort, cohort_id)
    require(cohort.can_manage(current_user))
    members = db.session.scalar(
        select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id == cohort.id)
    )
    sessions = db.session.scalar(
        select(func.count()).select_from(ClassSession).where(ClassSession.cohort_id == cohort.id)
    )
    labels = status_labels(cohort.programme)
    return Export(
        filename=f"attendance-{cohort.id}-{utcnow():%Y%m%d}.{fmt}",
        size=(members + 1) * (sessions + 6),
        rows=lambda: attendance_rows(cohort, labels),
        sheet=_("Attendance"),
        total=members,
        title=_("Attendance register of %(cohort)s", cohort=cohort.name),
        back=url_for("classroom.cohort", cohort_id=cohort.id),
    )


@bp.route("/cohorts/<int:cohort_id>/attendance.<any(csv, xlsx):fmt>")
@login_required
def attendance_export(cohort_id: int, fmt: str):
    return respond(attendance_file, fmt, cohort_id=cohort_id)


@bp.route("/sessions/<int:session_id>/sign-in.pdf")
@login_required
def sign_in_sheet(session_id: int):
    session = _session(session_id)
    from lms.classroom.pdf import render_document, sign_in_sheet_html  # WeasyPrint loads only when needed

    pdf = render_document(sign_in_sheet_html(session))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="sign-in-{session.id}.pdf"'},
    )


def _period(programme: Programme):
    form = ReportForm(request.args)
    valid = form.validate()
    return form, (form.start.data if valid else None), (form.end.data if valid else None)


def _report(programme: Programme):
    form, start, end = _period(programme)
    report = funder_report(programme, start, end)
    return form, report, report_charts(report)


@bp.route("/programmes/<int:programme_id>/report", methods=["GET", "POST"])
@role_required("coordinator")
def report(programme_id: int):
    programme = db.get_or_404(Programme, programme_id)
    choice = IndicatorsForm(prefix="choice")
    choice.indicators.choices = [(i.key, i.title) for i in INDICATORS]
    keys = rating_keys([c.id for c in programme.courses])
    current = programme.satisfaction_question
    choice.satisfaction_question.choices = [(key, f"{key}: {text}") for key, text in keys]
    if current not in {key for key, _text in keys}:
        choice.satisfaction_question.choices.insert(0, (current, current))
    if request.method == "POST":
        if not choice.validate_on_submit():
            abort(400)
        programme.indicators = [i.key for i in INDICATORS if i.key in (choice.indicators.data or [])]
        if choice.satisfaction_question.data:
            programme.satisfaction_question = choice.satisfaction_question.data
        db.session.commit()
        flash(_("The report shows the chosen indicators."), "success")
        return redirect(url_for("classroom.report", programme_id=programme.id, **request.args))
    form, report, charts = _report(programme)
    choice.indicators.data = report.indicators
    choice.satisfaction_question.data = current
    return render_template(
        "classroom/report.html",
        programme=programme,
        form=form,
        report=report,
        charts=charts,
        choice=choice,
        definitions={i.key: i.definition for i in INDICATORS},
        lists={i.key: i.lists for i in INDICATORS},
        period={"start": form.start.data or "", "end": form.end.data or ""},
    )


@bp.route("/programmes/<int:programme_id>/report/<key>")
@role_required("coordinator")
def report_list(programme_id: int, key: str):
    """The enterprises, participants, sessions or certificates behind one figure of the report."""
    programme = db.get_or_404(Programme, programme_id)
    indicator = BY_KEY.get(key)
    if indicator is None or not indicator.lists:
        abort(404)
    form, start, end = _period(programme)
    group = request.args.get("group", "")[:20]
    items = drill_down(report_scope(programme, start, end), key, group)
    return render_template(
        "classroom/report_list.html",
        programme=programme,
        indicator=indicator,
        group=group,
        items=items,
        form=form,
        labels=status_labels(programme),
    )


@bp.route("/programmes/<int:programme_id>/evidence", methods=["POST"])
@role_required("coordinator")
def report_evidence(programme_id: int):
    """Start the ZIP of evidence for the reporting period: the report (PDF, XLSX), the lists behind it,
    every delivered session's sign-in sheet and the certificate register. It is made by an export job
    (a second a sign-in sheet); the job's page shows its progress and offers the download."""
    programme = db.get_or_404(Programme, programme_id)
    form, start, end = _period(programme)
    if not ActionForm().validate_on_submit():
        abort(400)
    job = ExportJob(
        kind="evidence",
        created_by_id=current_user.id,
        params={
            "programme_id": programme.id,
            "start": start.isoformat() if start else "",
            "end": end.isoformat() if end else "",
            "locale": str(get_locale()),
            "title": _("Evidence for %(programme)s", programme=programme.title),
            "back": url_for("classroom.report", programme_id=programme.id, start=start or "", end=end or ""),
        },
    )
    exports.start(job)  # queued: the job is sent when this request commits
    db.session.commit()
    return redirect(url_for("exports.status", job_id=job.id))


@page_export("indicators")
def report_file(fmt: str, programme_id: int) -> Export:
    """The indicator report as XLSX or PDF: made in the request up to EXPORT_IN_REQUEST_CELLS (the
    programme's memberships times its sessions, which the figures read), by an export job beyond."""
    if not current_user.is_coordinator:
        abort(403)
    programme = db.get_or_404(Programme, programme_id)
    cohorts = select(Cohort.id).where(Cohort.programme_id == programme.id)
    members = db.session.scalar(
        select(func.count()).select_from(CohortMember).where(CohortMember.cohort_id.in_(cohorts))
    )
    sessions = db.session.scalar(
        select(func.count()).select_from(ClassSession).where(ClassSession.cohort_id.in_(cohorts))
    )
    filename = f"indicators-{programme.id}-{utcnow():%Y%m%d}.{fmt}"

    def write_pdf(file) -> None:
        from lms.classroom.pdf import funder_report_html, render_document  # WeasyPrint loads when needed

        _form, report, charts = _report(programme)
        file.write(render_document(funder_report_html(report, charts)))

    return Export(
        filename=filename,
        size=(members + 1) * (sessions + 1),
        rows=(lambda: report_rows(_report(programme)[1])) if fmt == "xlsx" else None,
        write=write_pdf if fmt == "pdf" else None,
        sheet=_("Indicators"),
        total=1,
        title=_("Indicators of %(programme)s", programme=programme.title),
        back=url_for("classroom.report", programme_id=programme.id, **request.args),
    )


@bp.route("/programmes/<int:programme_id>/report.<any(xlsx, pdf):fmt>")
@role_required("coordinator")
def report_export(programme_id: int, fmt: str):
    return respond(report_file, fmt, programme_id=programme_id)
