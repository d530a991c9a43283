"""Reads for forum pages, each page in a fixed number of queries however many threads and posts there are."""

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload

from lms.auth.models import User
from lms.courses.models import Activity, Course, Module
from lms.courses.queries import get_activity
from lms.db import db
from lms.forums.models import Post, ReadState, Report, Subscription, Thread


def get_forum(activity_id: int) -> Activity | None:
    return get_activity(activity_id, "forum")


def get_thread(thread_id: int) -> Thread | None:
    return db.session.scalar(
        select(Thread)
        .where(Thread.id == thread_id)
        .options(
            joinedload(Thread.author),
            joinedload(Thread.activity)
            .joinedload(Activity.module)
            .joinedload(Module.course)
            .selectinload(Course.trainers),
        )
    )


def get_post(post_id: int) -> Post | None:
    return db.session.scalar(
        select(Post)
        .where(Post.id == post_id)
        .options(
            joinedload(Post.author),
            joinedload(Post.thread)
            .joinedload(Thread.activity)
            .joinedload(Activity.module)
            .joinedload(Module.course)
            .selectinload(Course.trainers),
        )
    )


@dataclass
class ThreadRow:
    thread: Thread
    unread: bool


def thread_list(activity: Activity, user_id: int, page: int, per_page: int) -> tuple[list[ThreadRow], bool]:
    """One page of a forum's threads, pinned first then by latest post, with their authors and whether
    the user has unread posts in each: one query. Returns (rows, whether a next page exists)."""
    rows = db.session.execute(
        select(Thread, ReadState.last_read_post_id)
        .outerjoin(ReadState, (ReadState.thread_id == Thread.id) & (ReadState.user_id == user_id))
        .where(Thread.activity_id == activity.id)
        .options(joinedload(Thread.author))
        .order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    result = [ThreadRow(thread, (last or 0) < thread.last_post_id) for thread, last in rows[:per_page]]
    return result, len(rows) > per_page


def opening_post_id(thread_id):
    """The id of a thread's opening post (its first), as a subquery; `thread_id` may be a column."""
    first = aliased(Post)
    return (
        select(func.min(first.id))
        .where(first.thread_id == thread_id)
        .correlate_except(first)
        .scalar_subquery()
    )


@dataclass
class ViewerState:
    """What the thread page needs to know about its viewer: one query."""

    posted: bool
    last_read_post_id: int
    thread_subscribed: bool
    forum_subscribed: bool


def viewer_state(thread: Thread, user_id: int) -> ViewerState:
    posted = select(func.count(Post.id)).where(Post.thread_id == thread.id, Post.author_id == user_id)
    read = select(ReadState.last_read_post_id).where(
        ReadState.thread_id == thread.id, ReadState.user_id == user_id
    )
    mine = Subscription.user_id == user_id
    on_thread = select(func.count(Subscription.id)).where(mine, Subscription.thread_id == thread.id)
    on_forum = select(func.count(Subscription.id)).where(
        mine, Subscription.activity_id == thread.activity_id, Subscription.thread_id.is_(None)
    )
    row = db.session.execute(
        select(
            posted.scalar_subquery(),
            read.scalar_subquery(),
            on_thread.scalar_subquery(),
            on_forum.scalar_subquery(),
        )
    ).one()
    return ViewerState(bool(row[0]), row[1] or 0, bool(row[2]), bool(row[3]))


def forum_subscribed(activity_id: int, user_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(func.count(Subscription.id)).where(
                Subscription.user_id == user_id,
                Subscription.activity_id == activity_id,
                Subscription.thread_id.is_(None),
            )
        )
    )


def post_page(
    thread: Thread, page: int, per_page: int, *, hide_others_of: int | None = None
) -> tuple[list[Post], bool]:
    """One page of a thread's posts, oldest first, with their authors: one query. `hide_others_of` (a
    user id) keeps only the opening post and that user's posts (a Q&A before they have posted)."""
    query = select(Post).where(Post.thread_id == thread.id)
    if hide_others_of is not None:
        query = query.where(or_(Post.author_id == hide_others_of, Post.id == opening_post_id(thread.id)))
    posts = db.session.scalars(
        query.options(joinedload(Post.author))
        .order_by(Post.id)
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    return list(posts[:per_page]), len(posts) > per_page


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class Hit:
    post: Post
    thread: Thread
    forum: Activity


def search(course: Course, words: str, user_id: int, moderator: bool, limit: int = 50) -> list[Hit]:
    """Posts of the course's forums whose text or thread title holds `words` (case-insensitive LIKE,
    with % and _ taken literally), newest first, as the user may see them: published forums only for
    trainees, no deleted text, and in a Q&A only threads where they have posted. One query."""
    pattern = f"%{escape_like(words.strip())}%"
    query = (
        select(Post, Thread, Activity)
        .join(Thread, Post.thread_id == Thread.id)
        .join(Activity, Thread.activity_id == Activity.id)
        .join(Module, Activity.module_id == Module.id)
        .where(
            Module.course_id == course.id,
            Activity.kind == "forum",
            Post.deleted_at.is_(None),
            or_(Post.body.ilike(pattern, escape="\\"), Thread.title.ilike(pattern, escape="\\")),
        )
        .options(joinedload(Post.author))
        .order_by(Post.id.desc())
        .limit(limit)
    )
    if not moderator:
        posted = select(Post.thread_id).where(Post.author_id == user_id)
        query = query.where(Activity.published.is_(True))
        # JSON is awkward to query on both databases: a Q&A is told apart in Python, and its posts kept
        # only when they open the thread, are the user's, or the user has posted in the thread.
        query = query.add_columns(
            or_(
                Post.author_id == user_id,
                Post.id == opening_post_id(Thread.id),
                Thread.id.in_(posted),
            ).label("visible")
        )
        rows = db.session.execute(query).all()
        from lms.forums.activity import forum_type

        return [
            Hit(post, thread, forum)
            for post, thread, forum, visible in rows
            if visible or forum_type(forum) != "qa"
        ]
    return [Hit(post, thread, forum) for post, thread, forum in db.session.execute(query).all()]


def open_reports(course: Course) -> list[Report]:
    return list(
        db.session.scalars(
            select(Report)
            .join(Post, Report.post_id == Post.id)
            .join(Activity, Post.activity_id == Activity.id)
            .join(Module, Activity.module_id == Module.id)
            .where(Module.course_id == course.id, Report.resolved_at.is_(None))
            .options(
                joinedload(Report.reporter),
                joinedload(Report.post).joinedload(Post.author),
                joinedload(Report.post).joinedload(Post.thread),
            )
            .order_by(Report.id)
        )
    )


def own_posts(course: Course, user_id: int) -> list[tuple[Post, Thread, Activity]]:
    """A trainee's own posts in a course's forums, oldest first, for their data export."""
    return list(
        db.session.execute(
            select(Post, Thread, Activity)
            .join(Thread, Post.thread_id == Thread.id)
            .join(Activity, Thread.activity_id == Activity.id)
            .join(Module, Activity.module_id == Module.id)
            .where(Module.course_id == course.id, Post.author_id == user_id)
            .order_by(Post.id)
        ).all()
    )


def user_names(ids) -> dict[int, str]:
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(list(ids)))).all())
