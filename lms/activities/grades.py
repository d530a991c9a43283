"""Telling a trainee that a grade of theirs is there to see, the same way for every graded kind
(an assignment's submission, a quiz attempt with essays a trainer graded): one event, one mail."""

from lms.i18n import _l
from lms.notifications.services import notify, register_event, site_path

register_event("grade.released", _l("Grades and feedback on your work"))


def activity_link(activity) -> str:
    """The trainee's page of the activity, as a site path (notify makes it absolute for mail)."""
    return site_path(
        "courses.activity",
        slug=activity.module.course.slug,
        module_slug=activity.module.slug,
        activity_slug=activity.slug,
    )


def tell_grade(activity, user, grade: float | None, release: str) -> None:
    """Tell the trainee their grade in the activity is released; once per `release` (what makes this
    release one of its own: the grading's time, say), however often it is called."""
    notify(
        "grade.released",
        [user],
        template="grade_released",
        context={"activity": activity, "course": activity.module.course, "grade": grade},
        link=activity_link(activity),
        key=f"{activity.kind}:{activity.id}:{release}",
    )
