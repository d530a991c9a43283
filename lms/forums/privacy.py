"""A user's own forum posts, in every course, for their data export (lms.privacy)."""

from sqlalchemy import select

from lms.courses.models import Activity, Course, Module
from lms.db import db
from lms.forums.models import Post, Thread
from lms.i18n import _
from lms.privacy import Table, moment


def posts(user) -> list[Table]:
    table = Table(
        "forum-posts.csv",
        _("Everything you wrote in forums; a post a moderator deleted shows the reason instead."),
        ["course", "forum", "thread", "written_utc", "edited_utc", "marked_as_answer", "message"],
    )
    for post, thread, forum, course in db.session.execute(
        select(Post, Thread, Activity, Course)
        .join(Thread, Post.thread_id == Thread.id)
        .join(Activity, Thread.activity_id == Activity.id)
        .join(Module, Activity.module_id == Module.id)
        .join(Course, Module.course_id == Course.id)
        .where(Post.author_id == user.id)
        .order_by(Post.id)
    ):
        message = (
            post.body
            if post.deleted_at is None
            else _("deleted by moderator: %(reason)s", reason=post.delete_reason)
        )
        table.rows.append(
            [
                course.title,
                forum.title,
                thread.title,
                moment(post.created_at),
                moment(post.edited_at),
                "yes" if post.is_answer else "no",
                message,
            ]
        )
    return [table]
