"""A user's own forum posts, in every course, for their data export (lms.privacy)."""

from sqlalchemy import select

from lms.courses.models import Activity, Course
from lms.db import db
from lms.forums.models import Post, Thread
from lms.i18n import _
from lms.privacy import Table, moment, to_course


def posts(user) -> list[Table]:
    table = Table(
        "forum-posts.csv",
        _("Everything you wrote in forums; a post a moderator deleted shows the reason instead."),
        ["course", "forum", "thread", "written_utc", "edited_utc", "marked_as_answer", "message"],
    )
    for post, thread, forum, course in db.session.execute(
        to_course(
            select(Post, Thread, Activity, Course).join(Thread, Post.thread_id == Thread.id),
            Thread.activity_id,
        )
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
