"""Forum operations: start a thread, reply, edit, moderate, answer, subscribe, read, report.

Services flush, never commit. A refused request raises ForumError before anything is stored. Progress
hears that a trainee's posts changed through lms.activities.signals, never from here directly.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from lms.activities.signals import notify_changed
from lms.admin.services import audit
from lms.courses.models import Activity, Course, Enrolment
from lms.db import db, utcnow
from lms.forums.activity import TYPES, forum_type
from lms.forums.models import Image, Post, ReadState, Report, Subscription, Thread
from lms.i18n import _l
from lms.markup import MarkdownError, render_markdown
from lms.notifications import notify, register_event
from lms.notifications.services import site_path

register_event("forum.reply", _l("Replies in forum threads you follow"), mail_default=True, digest=True)


class ForumError(ValueError):
    """A refused request; `code` says which, `params` what the message shows."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(code)


# --- who may do what (the views ask these through lms.security.require) ------------------------------


def can_moderate(course: Course, user) -> bool:
    """The course's trainers and coordinators delete, lock, pin and see every post of a Q&A."""
    return course.can_edit(user)


def can_take_part(activity: Activity, user, enrolment: Enrolment | None) -> bool:
    """Reading and posting: active trainees of a published course's published forum, and moderators."""
    course = activity.module.course
    if can_moderate(course, user):
        return True
    return course.published and activity.published and enrolment is not None and enrolment.is_active


def edit_window() -> timedelta:
    return timedelta(minutes=current_app.config["FORUM_EDIT_MINUTES"])


def may_edit(post: Post, user, now=None) -> bool:
    """Authors edit their own post for FORUM_EDIT_MINUTES after writing it, until a moderator deleted it."""
    now = now or utcnow()
    return (
        user.is_authenticated
        and post.author_id == user.id
        and not post.is_deleted
        and now - post.created_at <= edit_window()
    )


def may_see(post: Post, user) -> bool:
    """Whether the user may read this post: in a Q&A, a trainee reads the others' replies in a thread only
    once they have posted in it (the opening post and their own they always may)."""
    thread = post.thread
    if not is_qa(thread.activity) or post.author_id == user.id:
        return True
    if can_moderate(thread.activity.module.course, user):
        return True
    if is_opening(post):
        return True
    mine = select(Post.id).where(Post.thread_id == thread.id, Post.author_id == user.id).limit(1)
    return db.session.scalar(mine) is not None


def may_mark_answer(thread: Thread, user) -> bool:
    return user.is_authenticated and (
        thread.author_id == user.id or can_moderate(thread.activity.module.course, user)
    )


# --- writing ------------------------------------------------------------------------------------------


def _render(body: str) -> str:
    body = body.strip()
    if not body:
        raise ForumError("empty")
    limit = current_app.config["FORUM_POST_MAX_CHARS"]
    if len(body) > limit:
        raise ForumError("too-long", count=limit)
    try:
        return str(render_markdown(body))
    except MarkdownError as error:
        raise ForumError("markdown", problem=str(error)) from None


def _subscribe_quietly(user_id: int, activity_id: int, thread_id: int | None) -> None:
    if not is_subscribed(user_id, activity_id, thread_id):
        db.session.add(Subscription(user_id=user_id, activity_id=activity_id, thread_id=thread_id))


def _add_post(thread: Thread, author, body: str) -> Post:
    post = Post(
        thread=thread,
        activity_id=thread.activity_id,
        author_id=author.id,
        body=body.strip(),
        body_html=_render(body),
    )
    db.session.add(post)
    db.session.flush()
    thread.last_post_at, thread.last_post_id = post.created_at, post.id
    # Authors follow the threads they write in (Moodle's default); they may unsubscribe.
    _subscribe_quietly(author.id, thread.activity_id, thread.id)
    mark_read(author.id, thread, post.id)
    notify_changed(thread.activity, author.id)
    return post


def start_thread(activity: Activity, author, title: str, body: str) -> Thread:
    title = title.strip()
    if not title:
        raise ForumError("no-title")
    thread = Thread(activity=activity, author_id=author.id, title=title[:200])
    db.session.add(thread)
    db.session.flush()
    _add_post(thread, author, body)
    notify_subscribers(thread.activity, thread, None, author)
    return thread


def reply(thread: Thread, author, body: str) -> Post:
    if thread.locked:
        raise ForumError("locked")
    post = _add_post(thread, author, body)
    thread.replies = Thread.replies + 1
    db.session.flush()
    db.session.refresh(thread, ["replies"])
    notify_subscribers(thread.activity, thread, post, author)
    return post


def edit_post(post: Post, user, body: str) -> None:
    if not may_edit(post, user):
        raise ForumError("edit-window", minutes=current_app.config["FORUM_EDIT_MINUTES"])
    post.body_html = _render(body)
    post.body, post.edited_at = body.strip(), utcnow()


def delete_post(post: Post, moderator, reason: str) -> None:
    """A moderator removes a post: its text goes, a note with the reason stays in its place."""
    if post.is_deleted:
        raise ForumError("deleted")
    reason = reason.strip()
    if not reason:
        raise ForumError("no-reason")
    thread = post.thread
    audit(
        "forum.delete-post",
        f"{thread.activity.module.course.slug}/{thread.activity.slug}/{thread.id}/{post.id}",
        reason=reason,
        author_id=post.author_id,
    )
    post.body = post.body_html = ""
    post.deleted_at, post.deleted_by_id, post.delete_reason = utcnow(), moderator.id, reason[:500]
    if post.is_answer:
        post.is_answer, thread.answered = False, False
    db.session.execute(
        update(Report)
        .where(Report.post_id == post.id, Report.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=moderator.id)
    )
    db.session.flush()
    if post.author_id:
        notify_changed(thread.activity, post.author_id)


def set_flags(thread: Thread, moderator, *, pinned: bool | None = None, locked: bool | None = None) -> None:
    if pinned is not None:
        thread.pinned = pinned
    if locked is not None:
        thread.locked = locked
    audit(
        "forum.moderate",
        f"{thread.activity.module.course.slug}/{thread.activity.slug}/{thread.id}",
        pinned=thread.pinned,
        locked=thread.locked,
    )


def mark_answer(post: Post, user, answer: bool) -> None:
    """Make a reply the thread's answer (or take that back); a thread has at most one."""
    thread = post.thread
    if not may_mark_answer(thread, user) or post.is_deleted or is_opening(post):
        raise ForumError("not-answer")
    db.session.execute(update(Post).where(Post.thread_id == thread.id).values(is_answer=False))
    db.session.flush()
    db.session.refresh(post, ["is_answer"])
    post.is_answer, thread.answered = answer, answer


def is_opening(post: Post) -> bool:
    first = db.session.scalar(select(func.min(Post.id)).where(Post.thread_id == post.thread_id))
    return post.id == first


def is_subscribed(user_id: int, activity_id: int, thread_id: int | None) -> bool:
    target = Subscription.thread_id.is_(None) if thread_id is None else Subscription.thread_id == thread_id
    return (
        db.session.scalar(
            select(Subscription.id).where(
                Subscription.user_id == user_id, Subscription.activity_id == activity_id, target
            )
        )
        is not None
    )


def set_subscription(user_id: int, activity_id: int, thread_id: int | None, on: bool) -> None:
    if on:
        _subscribe_quietly(user_id, activity_id, thread_id)
        return
    target = Subscription.thread_id.is_(None) if thread_id is None else Subscription.thread_id == thread_id
    db.session.execute(
        delete(Subscription).where(
            Subscription.user_id == user_id, Subscription.activity_id == activity_id, target
        )
    )


def mark_read(user_id: int, thread: Thread, post_id: int) -> None:
    """Remember that the user has seen the thread up to `post_id` (never going back)."""
    state = db.session.get(ReadState, (user_id, thread.id))
    if state is None:
        db.session.add(ReadState(user_id=user_id, thread_id=thread.id, last_read_post_id=post_id))
    elif state.last_read_post_id < post_id:
        state.last_read_post_id = post_id


def report_post(post: Post, user, reason: str) -> Report:
    reason = reason.strip()
    if not reason:
        raise ForumError("no-reason")
    report = Report(post=post, reporter_id=user.id, reason=reason[:500])
    db.session.add(report)
    return report


def resolve_report(report: Report, moderator) -> None:
    report.resolved_at, report.resolved_by_id = utcnow(), moderator.id


IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def add_image(activity: Activity, user, filename: str, data: bytes) -> Image:
    """Store a picture for a post after the checks course files pass: an image type by name and by its
    first bytes (an .exe renamed .png is refused), and at most FORUM_IMAGE_MAX_MB."""
    import posixpath

    from lms.courses.services import store_blob
    from lms.uploads import CONTENT_TYPES, clean_name, looks_like

    name = clean_name(filename, "image")
    suffix = posixpath.splitext(name)[1].lower()
    limit = current_app.config["FORUM_IMAGE_MAX_MB"]
    if len(data) > limit * 1024 * 1024:
        raise ForumError("image-size", mb=limit)
    if suffix not in IMAGE_TYPES or not looks_like(data, name):
        raise ForumError("image-type", types=", ".join(t.lstrip(".") for t in IMAGE_TYPES))
    image = Image(
        activity_id=activity.id,
        uploader_id=user.id,
        name=name[:200],
        sha256=store_blob(data),
        size=len(data),
        content_type=CONTENT_TYPES[suffix],
    )
    db.session.add(image)
    db.session.flush()
    return image


def with_image(body: str, image: Image | None, url: str) -> str:
    """The post's Markdown with the picture shown below it."""
    if image is None:
        return body
    alt = image.name.rsplit(".", 1)[0].replace("[", "").replace("]", "")
    return f"{body.rstrip()}\n\n![{alt}]({url})"


# --- notifications ---------------------------------------------------------------------------------------


def subscribers(activity: Activity, thread: Thread, author_id: int) -> list[int]:
    """Who follows this thread or its whole forum and may still read it, except the post's author."""
    course = activity.module.course
    followers = set(
        db.session.scalars(
            select(Subscription.user_id).where(
                Subscription.activity_id == activity.id,
                (Subscription.thread_id == thread.id) | Subscription.thread_id.is_(None),
            )
        )
    )
    followers.discard(author_id)
    if not followers:
        return []
    active = set(
        db.session.scalars(
            select(Enrolment.user_id).where(
                Enrolment.course_id == course.id,
                Enrolment.status == "active",
                Enrolment.user_id.in_(followers),
            )
        )
    )
    moderators = {u.id for u in course.trainers}
    from lms.auth.models import User

    coordinators = set(
        db.session.scalars(select(User.id).where(User.id.in_(followers), User.role == "coordinator"))
    )
    return sorted(followers & (active | moderators | coordinators))


def notify_subscribers(activity: Activity, thread: Thread, post: Post | None, author) -> None:
    """The one place forum mail leaves from: a reply goes to the thread's and the forum's subscribers
    (not its author), once per post and recipient, by each one's choice: in-app, mail or the daily
    digest. In a Q&A the mail does not quote the reply (a trainee sees it once they have replied)."""
    if post is None:
        return
    from lms.auth.models import User

    ids = subscribers(activity, thread, author.id)
    if not ids:
        return
    course = activity.module.course
    notify(
        "forum.reply",
        db.session.scalars(select(User).where(User.id.in_(ids))),
        template="forum_reply",
        context={
            "thread_title": thread.title,
            "forum_title": activity.title,
            "course_title": course.title,
            "author_name": author.name,
            "text": "" if is_qa(activity) else post.body,
        },
        link=site_path("forums.thread", thread_id=thread.id) + f"#post-{post.id}",
        key=f"post:{post.id}",
    )


def add_forum(module, title: str, author) -> Activity:
    """A new, unpublished general forum at the end of a module, that does not count for completion."""
    from lms.courses.services import slugify

    activity = Activity(
        kind="forum",
        title=title,
        slug=slugify(title, {a.slug for a in module.activities}, fallback="forum"),
        position=len(module.activities) + 1,
        published=False,
        optional=True,
        settings={},
        updated_by=author,
    )
    module.activities.append(activity)
    db.session.flush()
    return activity


def update_forum(activity: Activity, author, *, type: str, completion_posts: int, **fields) -> None:
    from lms.activities import kind_of

    if type not in TYPES:
        raise ForumError("type")
    for name, value in fields.items():
        setattr(activity, name, value)
    settings = {}
    if type != "general":
        settings["type"] = type
    if completion_posts:
        settings["completion_posts"] = completion_posts
    activity.settings = settings
    module = activity.module
    activity.body_html = kind_of(activity).render(module.course.slug, module.slug, activity.body)
    activity.version += 1
    activity.updated_by, activity.updated_at = author, utcnow()


def is_qa(activity: Activity) -> bool:
    return forum_type(activity) == "qa"
