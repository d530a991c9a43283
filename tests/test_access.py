"""Every route x every kind of visitor gets the expected status. A new route without a row here fails."""

import pytest
from sqlalchemy import select

from lms.db import db
from tests.conftest import login
from tests.system import missing

ROLES = ("anonymous", "trainee", "trainer", "coordinator")
LOGIN = 302  # anonymous visitors of a protected page are sent to the login page
# A PDF for someone allowed to have it; without Pango (WeasyPrint) the server says it cannot make one.
PDF = 503 if missing("pango") else 200

# endpoint: (URL to GET, expected status for anonymous, trainee, trainer, coordinator)
MATRIX = {
    "core.home": ("/", 200, 200, 200, 200),
    "core.set_language": ("/language", 405, 405, 405, 405),
    "auth.login": ("/login", 200, 302, 302, 302),
    "auth.logout": ("/logout", 405, 405, 405, 405),
    "auth.register": ("/register", 200, 302, 302, 302),
    "auth.finish_registration": ("/register/not-a-token", 400, 400, 400, 400),
    "auth.profile": ("/profile", LOGIN, 200, 200, 200),
    "auth.log_out_others": ("/profile/log-out-others", 405, 405, 405, 405),
    "auth.my_data": ("/profile/my-data.zip", LOGIN, 200, 200, 200),
    "auth.change_password": ("/password", LOGIN, 200, 200, 200),
    "auth.forgot_password": ("/password/forgot", 200, 200, 200, 200),
    "auth.reset_password": ("/password/reset/not-a-token", 400, 400, 400, 400),
    "admin.dashboard": ("/admin/", LOGIN, 403, 403, 200),
    "admin.users": ("/admin/users", LOGIN, 403, 403, 200),
    "admin.edit_user": ("/admin/users/{user_id}", LOGIN, 403, 403, 200),
    "admin.new_user": ("/admin/users/new", LOGIN, 403, 403, 200),
    "admin.user_import": ("/admin/users/import", LOGIN, 403, 403, 200),
    "admin.user_import_confirm": ("/admin/users/import/confirm", 405, 405, 405, 405),
    "admin.send_reset": ("/admin/users/{user_id}/reset-password", 405, 405, 405, 405),
    "admin.settings": ("/admin/settings", LOGIN, 403, 403, 200),
    "admin.audit_log": ("/admin/audit", LOGIN, 403, 403, 200),
    "enterprises.index": ("/enterprises/", LOGIN, 403, 403, 200),
    "enterprises.new": ("/enterprises/new", LOGIN, 403, 403, 200),
    "enterprises.detail": ("/enterprises/{enterprise_id}", LOGIN, 403, 403, 200),
    "enterprises.merge": ("/enterprises/merge", 405, 405, 405, 405),
    "enterprises.duplicates": ("/enterprises/duplicates", LOGIN, 403, 403, 200),
    "enterprises.keep_apart": ("/enterprises/duplicates/apart", 405, 405, 405, 405),
    # The course is taught by another trainer; the trainee is not enrolled.
    "courses.catalogue": ("/courses/", 200, 200, 200, 200),
    "courses.detail": ("/courses/{slug}", 200, 200, 200, 200),
    "courses.enrol": ("/courses/{slug}/enrol", 405, 405, 405, 405),
    "courses.unenrol": ("/courses/{slug}/unenrol", 405, 405, 405, 405),
    "courses.activity": ("/courses/{slug}/learn/{module}/{activity}", LOGIN, 403, 403, 200),
    "courses.file": ("/courses/{slug}/files/images/pic.png", LOGIN, 403, 403, 200),
    "authoring.index": ("/author/", LOGIN, 403, 200, 200),
    "authoring.new_course": ("/author/new", LOGIN, 403, 200, 200),
    "authoring.import_zip": ("/author/import", 405, 405, 405, 405),
    "authoring.import_moodle": ("/author/import-moodle", 405, 405, 405, 405),
    "authoring.course": ("/author/courses/{slug}", LOGIN, 403, 403, 200),
    "authoring.export_zip": ("/author/courses/{slug}/export.zip", LOGIN, 403, 403, 200),
    "authoring.add_module": ("/author/courses/{slug}/modules", 405, 405, 405, 405),
    "authoring.module": ("/author/courses/{slug}/modules/{module_id}", LOGIN, 403, 403, 200),
    "authoring.change_module": ("/author/courses/{slug}/modules/{module_id}/move", 405, 405, 405, 405),
    "authoring.new_activity": ("/author/modules/{module_id}/new/quiz", 405, 405, 405, 405),
    "authoring.new_lesson": ("/author/courses/{slug}/modules/{module_id}/lessons/new", LOGIN, 403, 403, 200),
    "authoring.activity": ("/author/courses/{slug}/activities/{activity_id}", LOGIN, 403, 403, 200),
    "authoring.change_activity": (
        "/author/courses/{slug}/activities/{activity_id}/delete",
        405,
        405,
        405,
        405,
    ),
    "authoring.preview": ("/author/courses/{slug}/preview", 405, 405, 405, 405),
    "authoring.upload_file": ("/author/courses/{slug}/files", 405, 405, 405, 405),
    "authoring.course_participants": ("/author/courses/{slug}/participants", LOGIN, 403, 403, 200),
    "authoring.unenrol_participant": ("/author/courses/{slug}/participants/1/unenrol", 405, 405, 405, 405),
    # The attempt is the target trainee's: nobody else may see it in progress; the course's editors review it.
    "quizzes.start": ("/quizzes/{quiz_id}/start", 405, 405, 405, 405),
    "quizzes.attempt": ("/quizzes/attempts/{attempt_id}", LOGIN, 403, 403, 403),
    "quizzes.save": ("/quizzes/attempts/{attempt_id}", LOGIN, 403, 403, 403),
    "quizzes.autosave": ("/quizzes/attempts/{attempt_id}/autosave", 405, 405, 405, 405),
    "quizzes.summary": ("/quizzes/attempts/{attempt_id}/summary", LOGIN, 403, 403, 403),
    "quizzes.submit": ("/quizzes/attempts/{attempt_id}/submit", 405, 405, 405, 405),
    "quizzes.review": ("/quizzes/attempts/{attempt_id}/review", LOGIN, 403, 403, 302),
    "quizzes.edit": ("/quizzes/{quiz_id}/edit", LOGIN, 403, 403, 200),
    "quizzes.remove_random": ("/quizzes/{quiz_id}/random/0/remove", 405, 405, 405, 405),
    "quizzes.results": ("/quizzes/{quiz_id}/results", LOGIN, 403, 403, 200),
    "quizzes.results_csv": ("/quizzes/{quiz_id}/results.csv", LOGIN, 403, 403, 200),
    "quizzes.regrade": ("/quizzes/{quiz_id}/regrade", 405, 405, 405, 405),
    "quizzes.grading": ("/quizzes/{quiz_id}/grading", LOGIN, 403, 403, 200),
    "quizzes.grade": ("/quizzes/responses/1/grade", 405, 405, 405, 405),
    "quizzes.bank_page": ("/quizzes/bank/{slug}", LOGIN, 403, 403, 200),
    "quizzes.question": ("/quizzes/questions/{question_id}", LOGIN, 403, 403, 200),
    "progress.mark_done": ("/progress/activities/{activity_id}/done", 405, 405, 405, 405),
    "progress.overview": ("/progress/courses/{slug}", LOGIN, 403, 403, 200),
    "progress.course_matrix": ("/progress/courses/{slug}/matrix", LOGIN, 403, 403, 200),
    "progress.export": ("/progress/courses/{slug}/matrix.xlsx", LOGIN, 403, 403, 200),
    "progress.gradebook": ("/progress/courses/{slug}/gradebook", LOGIN, 403, 403, 200),
    # The certificate is the target trainee's.
    "certificates.verify_form": ("/verify", 200, 200, 200, 200),
    "certificates.verify": ("/verify/{code}", 200, 200, 200, 200),
    "certificates.jwks": ("/.well-known/jwks.json", 200, 200, 200, 200),
    "certificates.revocation_list": ("/status/revocation", 200, 200, 200, 200),
    "certificates.mine": ("/certificates/mine", LOGIN, 200, 200, 200),
    "certificates.download": ("/certificates/{certificate_id}.pdf", LOGIN, 403, 403, PDF),
    "certificates.register": ("/certificates/", LOGIN, 403, 403, 200),
    "certificates.issue": ("/certificates/issue", 405, 405, 405, 405),
    "certificates.revoke": ("/certificates/{certificate_id}/revoke", 405, 405, 405, 405),
    "certificates.start_export": ("/certificates/exports", 405, 405, 405, 405),
    # An export job started by someone else (no one): its page is for coordinators.
    "exports.status": ("/exports/{job_id}", LOGIN, 403, 403, 200),
    "exports.download": ("/exports/{job_id}/download", LOGIN, 403, 403, 404),
    "certificates.settings": ("/certificates/settings", LOGIN, 403, 403, 200),
    # The cohort is taught by another trainer; the trainee is not in it.
    "classroom.index": ("/classroom/", LOGIN, 200, 200, 200),
    "classroom.create_programme": ("/classroom/programmes", 405, 405, 405, 405),
    "classroom.programme": ("/classroom/programmes/{programme_id}", LOGIN, 403, 403, 200),
    "classroom.cohort": ("/classroom/cohorts/{cohort_id}", LOGIN, 403, 403, 200),
    "classroom.remove_member": ("/classroom/cohorts/{cohort_id}/members/1/remove", 405, 405, 405, 405),
    "classroom.attendance": ("/classroom/sessions/{session_id}/attendance", LOGIN, 403, 403, 200),
    "assignments.work": ("/assignments/{assignment_id}/work", 405, 405, 405, 405),
    "assignments.file": ("/assignments/files/{assignment_file_id}", LOGIN, 403, 403, 200),
    "assignments.edit": ("/assignments/{assignment_id}/edit", LOGIN, 403, 403, 200),
    "assignments.grading": ("/assignments/{assignment_id}/grading", LOGIN, 403, 403, 200),
    "assignments.grade": ("/assignments/{assignment_id}/grade/{user_id}", LOGIN, 403, 403, 200),
    "assignments.extension": ("/assignments/{assignment_id}/extension/{user_id}", 405, 405, 405, 405),
    "assignments.release": ("/assignments/{assignment_id}/release", 405, 405, 405, 405),
    "assignments.download_all": ("/assignments/{assignment_id}/submissions.zip", LOGIN, 403, 403, 200),
    "surveys.answer": ("/surveys/{survey_id}/answer", 405, 405, 405, 405),
    "surveys.edit": ("/surveys/{survey_id}/edit", LOGIN, 403, 403, 200),
    "surveys.results": ("/surveys/{survey_id}/results", LOGIN, 403, 403, 200),
    "surveys.export": ("/surveys/{survey_id}/results.xlsx", LOGIN, 403, 403, 200),
    # The session's survey is for those who attended it: nobody here did.
    "classroom.session_survey": ("/classroom/sessions/{session_id}/survey", LOGIN, 403, 403, 403),
    "classroom.link_survey": ("/classroom/sessions/{session_id}/survey/link", 405, 405, 405, 405),
    "scorm.new": ("/scorm/new/{module_id}", 405, 405, 405, 405),
    "scorm.edit": ("/scorm/{scorm_id}/edit", LOGIN, 403, 403, 200),
    "scorm.play": ("/scorm/{scorm_id}/play/0", LOGIN, 403, 403, 200),
    "scorm.commit": ("/scorm/{scorm_id}/play/0/commit", 405, 405, 405, 405),
    # The content URL carries its own signed token (the sandboxed frame sends no cookies): the target
    # trainee's token opens it for anyone holding it, a forged one for nobody.
    "scorm.content": ("/scorm/content/{scorm_token}/content/index.html", 200, 200, 200, 200),
    "scorm.content_forged": ("/scorm/content/forged/content/index.html", 403, 403, 403, 403),
    "forums.new_thread": ("/forums/{forum_id}/new", LOGIN, 403, 403, 200),
    "forums.thread": ("/forums/threads/{thread_id}", LOGIN, 403, 403, 200),
    "forums.edit_post": ("/forums/posts/{post_id}/edit", LOGIN, 403, 403, 403),  # only its author
    "forums.delete_post": ("/forums/posts/{post_id}/delete", LOGIN, 403, 403, 200),
    "forums.report_post": ("/forums/posts/{post_id}/report", LOGIN, 403, 403, 200),
    "forums.answer": ("/forums/posts/{post_id}/answer", 405, 405, 405, 405),
    "forums.moderate": ("/forums/threads/{thread_id}/moderate", 405, 405, 405, 405),
    "forums.subscribe_forum": ("/forums/{forum_id}/subscribe", 405, 405, 405, 405),
    "forums.subscribe_thread": ("/forums/threads/{thread_id}/subscribe", 405, 405, 405, 405),
    "forums.search": ("/forums/course/{slug}/search?q=plan", LOGIN, 403, 403, 200),
    "forums.reports": ("/forums/course/{slug}/reports", LOGIN, 403, 403, 200),
    "forums.resolve_report": ("/forums/reports/{report_id}/resolve", 405, 405, 405, 405),
    "forums.my_posts": ("/forums/course/{slug}/my-posts.csv", LOGIN, 403, 403, 200),
    "forums.edit": ("/forums/{forum_id}/edit", LOGIN, 403, 403, 200),
    "forums.image": ("/forums/images/{image_id}", LOGIN, 403, 403, 200),
    "classroom.screen": ("/classroom/sessions/{session_id}/screen", LOGIN, 403, 403, 200),
    "classroom.mark_all_present": (
        "/classroom/sessions/{session_id}/attendance/all-present",
        405,
        405,
        405,
        405,
    ),
    "classroom.undo_all_present": ("/classroom/sessions/{session_id}/attendance/undo", 405, 405, 405, 405),
    "classroom.check_in": ("/classroom/check-in", LOGIN, 200, 200, 200),
    "classroom.new_calendar_feed": ("/classroom/calendar/new", 405, 405, 405, 405),
    "classroom.calendar": ("/classroom/calendar/not-a-token.ics", 404, 404, 404, 404),
    "classroom.attendance_export": ("/classroom/cohorts/{cohort_id}/attendance.xlsx", LOGIN, 403, 403, 200),
    "classroom.sign_in_sheet": ("/classroom/sessions/{session_id}/sign-in.pdf", LOGIN, 403, 403, PDF),
    "classroom.report": ("/classroom/programmes/{programme_id}/report", LOGIN, 403, 403, 200),
    "classroom.report_export": ("/classroom/programmes/{programme_id}/report.xlsx", LOGIN, 403, 403, 200),
    "classroom.report_list": (
        "/classroom/programmes/{programme_id}/report/enterprises",
        LOGIN,
        403,
        403,
        200,
    ),
    "classroom.report_evidence": ("/classroom/programmes/{programme_id}/evidence", 405, 405, 405, 405),
    "classroom.edit_session": ("/classroom/sessions/{session_id}/edit", LOGIN, 403, 403, 200),
    "classroom.cancel_session": ("/classroom/sessions/{session_id}/cancel", 405, 405, 405, 405),
    # The notification is the target trainee's (their certificate): nobody else finds it.
    "notifications.index": ("/notifications/", LOGIN, 200, 200, 200),
    "notifications.follow": ("/notifications/{notification_id}", LOGIN, 404, 404, 404),
    "notifications.mark_read": ("/notifications/{notification_id}/read", 405, 405, 405, 405),
    "notifications.mark_all_read": ("/notifications/read-all", 405, 405, 405, 405),
    "notifications.preferences": ("/notifications/preferences", LOGIN, 200, 200, 200),
    "notifications.unsubscribe": ("/notifications/unsubscribe/not-a-token", 404, 404, 404, 404),
    # The announcements are the course's (another trainer's, the trainee not enrolled) and the cohort's.
    "announcements.course": ("/announcements/courses/{slug}", LOGIN, 403, 403, 200),
    "announcements.cohort": ("/announcements/cohorts/{cohort_id}", LOGIN, 403, 403, 200),
    "announcements.edit": ("/announcements/{announcement_id}/edit", LOGIN, 403, 403, 200),
    "announcements.delete": ("/announcements/{announcement_id}/delete", 405, 405, 405, 405),
}


# Second rows for a route, under a name of their own.
EXTRA_ROWS = {"scorm.content_forged"}


def test_every_route_has_a_row_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints - MATRIX.keys() == set(), "add the new routes to MATRIX"
    assert MATRIX.keys() - endpoints - EXTRA_ROWS == set(), "remove rows of routes that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, create_user, create_course, role):
    from lms.assignments.services import Upload, add_assignment, save_work
    from lms.certificates.services import issue
    from lms.classroom.models import ClassSession, Cohort, Programme
    from lms.courses.models import Enrolment
    from lms.courses.services import add_quiz, put_file
    from lms.enterprises.services import create_enterprise
    from lms.exports.models import ExportJob
    from lms.forums.models import Post
    from lms.forums.services import add_forum, add_image, report_post, start_thread
    from lms.quizzes.services import start_attempt, sync_quiz
    from lms.quizzes.spec import AnswerSpec, QuestionSpec
    from lms.surveys.services import add_survey, submit_response

    target = create_user("trainee", email="target@example.org")
    course = create_course(trainer=create_user("trainer"))
    put_file(course, "images/pic.png", b"\x89PNG\r\n\x1a\nx")
    db.session.commit()
    module, activity = course.modules[0], course.modules[0].activities[0]
    names = {
        "user_id": target.id,
        "slug": course.slug,
        "module": module.slug,
        "activity": activity.slug,
        "module_id": module.id,
        "activity_id": activity.id,
    }
    quiz = add_quiz(module, "Quiz", course.trainers[0])
    true_or_false = [AnswerSpec("true", 1.0), AnswerSpec("false", 0.0)]
    sync_quiz(quiz, [QuestionSpec("truefalse", "TF", "Sofia is in Bulgaria.", answers=true_or_false)])
    db.session.add(Enrolment(course=course, user=target))
    attempt = start_attempt(quiz, target)
    db.session.commit()
    certificate = issue(course, target, attempt.started_at.date(), None)
    job = ExportJob(kind="certificates", params={})
    db.session.add(job)
    db.session.commit()
    cohort = Cohort(programme=Programme(title="P", courses=[course]), name="C", trainers=[course.trainers[0]])
    session = ClassSession(cohort=cohort, starts_at=attempt.started_at, minutes=60)
    db.session.add(session)
    db.session.commit()
    names |= {"programme_id": cohort.programme_id, "cohort_id": cohort.id, "session_id": session.id}
    enterprise = create_enterprise(name="Пекара ДООЕЛ", country="MK", number="4030000375897")
    target.enterprise = enterprise
    db.session.commit()
    names |= {"enterprise_id": enterprise.id}
    names |= {"code": certificate.code, "certificate_id": certificate.id, "job_id": job.id}
    names |= {"quiz_id": quiz.id, "attempt_id": attempt.id, "question_id": attempt.question_ids()[0]}
    assignment = add_assignment(module, "Plan", course.trainers[0])
    assignment.settings, assignment.published = {"max_files": 1}, True
    work = save_work(assignment, target.id, "My plan", [Upload("plan.pdf", b"%PDF-1.4 plan")], set(), True)
    db.session.commit()
    names |= {"assignment_id": assignment.id, "assignment_file_id": work.files[0].id}
    survey = add_survey(module, "Feedback", course.trainers[0])
    survey.published, session.survey_id = True, survey.id
    submit_response(survey, target.id, {"overall": 4})
    db.session.commit()
    names |= {"survey_id": survey.id}
    forum = add_forum(module, "Café", course.trainers[0])
    forum.published = True
    thread = start_thread(forum, target, "Plan?", "Is my plan good?")
    report = report_post(db.session.scalar(select(Post)), target, "spam")
    image = add_image(forum, target, "shop.png", b"\x89PNG\r\n\x1a\n" + bytes(16))
    db.session.commit()
    names |= {"forum_id": forum.id, "thread_id": thread.id, "post_id": report.post_id, "report_id": report.id}
    names["image_id"] = image.id
    from lms.announcements.services import post
    from lms.notifications.models import Notification

    announcement = post(course.trainers[0], course=course, title="News", body="News")
    db.session.commit()
    notification = db.session.scalar(db.select(Notification).where(Notification.user_id == target.id))
    names |= {"announcement_id": announcement.id, "notification_id": notification.id}
    from itsdangerous import URLSafeTimedSerializer

    from lms.scorm.services import add_scorm, check_package
    from tests.scorm_package import scorm_12_zip

    checked = check_package(scorm_12_zip(), "p.zip")
    scorm = add_scorm(module, "Cash flow", checked, course.trainers[0])
    scorm.published = True
    db.session.commit()
    signer = URLSafeTimedSerializer(client.application.config["SECRET_KEY"], salt="scorm-content")
    token = signer.dumps([scorm.id, target.id, checked.sha256[:16], 0, "http://localhost"])
    names |= {"scorm_id": scorm.id, "scorm_token": token}
    if role != "anonymous":
        assert login(client, create_user(role).email).status_code == 302
    failures = []
    for endpoint, (url, *expected) in MATRIX.items():
        with client.get(url.format(**names)) as response:
            status = response.status_code
        if status != expected[ROLES.index(role)]:
            failures.append(f"{endpoint} {url}: got {status}, expected {expected[ROLES.index(role)]}")
    assert failures == []


def test_unknown_object_is_404_for_coordinator(client, login_as):
    login_as("coordinator")
    assert client.get("/admin/users/999999").status_code == 404
