"""Forum pages: the thread list (on the forum's activity page), a thread, posting, moderation, search."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.activities.views import activity_page
from lms.courses.models import Course
from lms.courses.queries import get_enrolment
from lms.courses.services import activity_url, blob_key
from lms.db import db, writing
from lms.exports import csv_response
from lms.forms import ActionForm
from lms.forums import bp, queries
from lms.forums import services as forums
from lms.forums.activity import completion_posts, forum_type, posts_by
from lms.forums.forms import EditPostForm, ForumForm, ReasonForm, ReplyForm, ThreadForm
from lms.forums.models import Image, Report
from lms.i18n import _
from lms.security import (
    configured_limit,
    editable_activity,
    limiter,
    login_required,
    require,
)
from lms.storage import storage


def _poster_key() -> str:
    """Posting is limited per user, not per address: a classroom shares one address."""
    return f"forum-post/{current_user.get_id()}"


# One budget for starting threads and replying, shared by both pages.
post_limit = limiter.shared_limit(
    configured_limit("FORUM_POST_RATE_LIMIT"), scope="forum-post", key_func=_poster_key, methods=["POST"]
)


# What each of the thread page's moderation buttons sets (forums.set_flags).
MODERATION = {
    "pin": {"pinned": True},
    "unpin": {"pinned": False},
    "lock": {"locked": True},
    "unlock": {"locked": False},
}


def _message(error: forums.ForumError) -> str:
    return {
        "empty": _("Write a message before you post."),
        "too-long": _("Your message is longer than %(count)d characters. Nothing was posted."),
        "markdown": _("This message cannot be shown: %(problem)s"),
        "no-title": _("Give the thread a subject."),
        "locked": _("This thread is locked: it takes no more replies."),
        "edit-window": _("A post can be edited for %(minutes)d minutes after it was written."),
        "no-reason": _("Give a reason."),
        "deleted": _("This post is deleted already."),
        "not-answer": _("Only the thread's author or a trainer can mark a reply as the answer."),
        "type": _("Choose a forum type."),
        "image-size": _("The picture is larger than %(mb)d MB. Nothing was posted."),
        "image-type": _("A picture must be one of %(types)s. Nothing was posted."),
    }[error.code] % error.params


def _page_number() -> int:
    page = request.args.get("page", "1")
    return max(1, min(int(page), 100_000)) if page.isdigit() else 1


def _forum_for(activity_id: int):
    """The forum, for someone who may read it and post in it."""
    activity = queries.get_forum(activity_id)
    if activity is None:
        abort(404)
    require(forums.can_take_part(activity, current_user, get_enrolment(activity.module.course, current_user)))
    return activity


def _thread_for(thread_id: int):
    thread = queries.get_thread(thread_id)
    if thread is None:
        abort(404)
    activity = thread.activity
    require(forums.can_take_part(activity, current_user, get_enrolment(activity.module.course, current_user)))
    return thread


def _post_for(post_id: int):
    post = queries.get_post(post_id)
    if post is None:
        abort(404)
    activity = post.thread.activity
    require(forums.can_take_part(activity, current_user, get_enrolment(activity.module.course, current_user)))
    if not forums.may_see(post, current_user):
        abort(404)  # a Q&A reply the user may not read yet: as if it were not there
    return post


def _with_upload(activity, body: str, upload) -> str:
    """The post's text with the uploaded picture (checked and stored) shown below it."""
    if not upload or not upload.filename:
        return body
    try:
        data = upload.read(current_app.config["FORUM_IMAGE_MAX_MB"] * 1024 * 1024 + 1)
    finally:
        upload.close()
    image = forums.add_image(activity, current_user, upload.filename, data)
    return forums.with_image(body, image, url_for("forums.image", image_id=image.id))


@bp.route("/images/<int:image_id>")
@login_required
def image(image_id: int):
    stored = db.get_or_404(Image, image_id)
    activity = queries.get_forum(stored.activity_id)
    require(forums.can_take_part(activity, current_user, get_enrolment(activity.module.course, current_user)))
    try:
        response = storage().send(
            blob_key(stored.sha256), mimetype=stored.content_type, download_name=stored.name, max_age=3600
        )
    except FileNotFoundError:
        abort(404)
    response.cache_control.public = False
    response.cache_control.private = True
    return response


def forum_page(activity) -> dict:
    """The thread list the forum's activity page shows the current user: three queries (threads with
    their authors and read state, the forum subscription, the user's posts for completion)."""
    page = _page_number()
    per_page = current_app.config["FORUM_THREADS_PER_PAGE"]
    rows, has_next = queries.thread_list(activity, current_user.id, page, per_page)
    needed = completion_posts(activity)
    return {
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "type": forum_type(activity),
        "subscribed": queries.forum_subscribed(activity.id, current_user.id),
        "needed": needed,
        "posted": posts_by(activity.id, current_user.id) if needed else 0,
        "action_form": ActionForm(),
    }


@bp.route("/<int:activity_id>/new", methods=["GET", "POST"])
@login_required
@post_limit
def new_thread(activity_id: int):
    activity = _forum_for(activity_id)
    form = ThreadForm()
    error = None
    if form.validate_on_submit():
        try:
            body = _with_upload(activity, form.body.data, form.image.data)
            thread = forums.start_thread(activity, current_user, form.title.data, body)
        except forums.ForumError as refused:
            db.session.rollback()
            error = _message(refused)
        else:
            db.session.commit()
            return redirect(url_for("forums.thread", thread_id=thread.id))
    return activity_page("forums/new_thread.html", activity, form=form, error=error)


def _quote(post) -> str:
    """The reply box's text when quoting a post: its Markdown as a block quote, naming its author."""
    name = post.author.name if post.author else _("a former user")
    quoted = "\n".join("> " + line if line else ">" for line in post.body.splitlines())
    return _("%(name)s wrote:", name=name) + "\n" + quoted + "\n\n"


@bp.route("/threads/<int:thread_id>", methods=["GET", "POST"])
@login_required
@post_limit
def thread(thread_id: int):
    thread = _thread_for(thread_id)
    activity = thread.activity
    course = activity.module.course
    moderator = forums.can_moderate(course, current_user)
    form = ReplyForm()
    error = None
    if form.validate_on_submit():
        try:
            post = forums.reply(thread, current_user, _with_upload(activity, form.body.data, form.image.data))
        except forums.ForumError as refused:
            db.session.rollback()
            error = _message(refused)
        else:
            db.session.commit()
            page = max(1, -(-(thread.replies + 1) // current_app.config["FORUM_POSTS_PER_PAGE"]))
            return redirect(url_for("forums.thread", thread_id=thread.id, page=page) + f"#post-{post.id}")
    elif form.is_submitted() and form.body.errors:
        error = _("Write a message before you post.")
    quote = request.args.get("quote", "")
    if request.method == "GET" and quote.isdigit():
        quoted = queries.get_post(int(quote))
        visible = quoted is not None and quoted.thread_id == thread.id and not quoted.is_deleted
        if visible and forums.may_see(quoted, current_user):
            form.body.data = _quote(quoted)
    state = queries.viewer_state(thread, current_user.id)
    hidden = forums.is_qa(activity) and not moderator and not state.posted
    page = _page_number()
    posts, has_next = queries.post_page(
        thread,
        page,
        current_app.config["FORUM_POSTS_PER_PAGE"],
        hide_others_of=current_user.id if hidden else None,
    )
    if posts and posts[-1].id > state.last_read_post_id:
        with writing(best_effort=True):
            forums.mark_read(current_user.id, thread, posts[-1].id)
    return render_template(
        "forums/thread.html",
        thread=thread,
        activity=activity,
        course=course,
        posts=posts,
        page=page,
        has_next=has_next,
        state=state,
        hidden=hidden,
        moderator=moderator,
        may_answer=forums.may_mark_answer(thread, current_user),
        opening_id=posts[0].id if page == 1 and posts else None,
        form=form,
        error=error,
        action_form=ActionForm(),
        may_edit=lambda post: forums.may_edit(post, current_user),
    ), 400 if form.is_submitted() else 200


def _post_url(post) -> str:
    return url_for("forums.thread", thread_id=post.thread_id) + f"#post-{post.id}"


def _post_form(post, what: str, form, act, done: str):
    """The edit, delete and report pages of one post: when the form validates, `act()` (a ForumError
    it raises is shown on the page) and back to the post with `done` flashed; else the form again."""
    error = None
    if form.validate_on_submit():
        try:
            act()
        except forums.ForumError as refused:
            db.session.rollback()
            error = _message(refused)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(_post_url(post))
    return render_template(
        "forums/post_form.html",
        post=post,
        course=post.thread.activity.module.course,
        form=form,
        error=error,
        what=what,
    ), 400 if form.is_submitted() else 200


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    post = _post_for(post_id)
    require(forums.may_edit(post, current_user))
    form = EditPostForm(obj=post)
    return _post_form(
        post, "edit", form, lambda: forums.edit_post(post, current_user, form.body.data), _("Saved.")
    )


@bp.route("/posts/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete_post(post_id: int):
    post = _post_for(post_id)
    require(forums.can_moderate(post.thread.activity.module.course, current_user))
    form = ReasonForm()
    return _post_form(
        post,
        "delete",
        form,
        lambda: forums.delete_post(post, current_user, form.reason.data),
        _("The post was deleted; the reason is shown in its place."),
    )


@bp.route("/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
def report_post(post_id: int):
    post = _post_for(post_id)
    form = ReasonForm()
    return _post_form(
        post,
        "report",
        form,
        lambda: forums.report_post(post, current_user, form.reason.data),
        _("Thank you: the moderators will look at this post."),
    )


@bp.route("/posts/<int:post_id>/answer", methods=["POST"])
@login_required
def answer(post_id: int):
    post = _post_for(post_id)
    if ActionForm().validate_on_submit():
        try:
            forums.mark_answer(post, current_user, request.form.get("answer") == "1")
        except forums.ForumError as refused:
            db.session.rollback()
            flash(_message(refused), "error")
        else:
            db.session.commit()
    return redirect(_post_url(post))


@bp.route("/threads/<int:thread_id>/moderate", methods=["POST"])
@login_required
def moderate(thread_id: int):
    thread = _thread_for(thread_id)
    require(forums.can_moderate(thread.activity.module.course, current_user))
    flags = MODERATION.get(request.form.get("action", ""))
    if ActionForm().validate_on_submit() and flags:
        forums.set_flags(thread, current_user, **flags)
        db.session.commit()
    return redirect(url_for("forums.thread", thread_id=thread.id))


@bp.route("/<int:activity_id>/subscribe", methods=["POST"])
@login_required
def subscribe_forum(activity_id: int):
    activity = _forum_for(activity_id)
    if ActionForm().validate_on_submit():
        on = request.form.get("on") == "1"
        forums.set_subscription(current_user.id, activity.id, None, on)
        db.session.commit()
        flash(_("You follow this forum.") if on else _("You no longer follow this forum."), "success")
    return redirect(activity_url(activity))


@bp.route("/threads/<int:thread_id>/subscribe", methods=["POST"])
@login_required
def subscribe_thread(thread_id: int):
    thread = _thread_for(thread_id)
    if ActionForm().validate_on_submit():
        on = request.form.get("on") == "1"
        forums.set_subscription(current_user.id, thread.activity_id, thread.id, on)
        db.session.commit()
        flash(_("You follow this thread.") if on else _("You no longer follow this thread."), "success")
    return redirect(url_for("forums.thread", thread_id=thread.id))


def _course_for(slug: str):
    course = db.first_or_404(select(Course).where(Course.slug == slug))
    enrolment = get_enrolment(course, current_user)
    require(course.can_read(current_user, enrolment))
    return course


@bp.route("/course/<slug>/search")
@login_required
def search(slug: str):
    course = _course_for(slug)
    words = request.args.get("q", "").strip()[:100]
    moderator = forums.can_moderate(course, current_user)
    hits = queries.search(course, words, current_user.id, moderator) if len(words) >= 2 else []
    return render_template("forums/search.html", course=course, words=words, hits=hits)


@bp.route("/course/<slug>/reports")
@login_required
def reports(slug: str):
    course = db.first_or_404(select(Course).where(Course.slug == slug))
    require(forums.can_moderate(course, current_user))
    return render_template(
        "forums/reports.html", course=course, reports=queries.open_reports(course), action_form=ActionForm()
    )


@bp.route("/reports/<int:report_id>/resolve", methods=["POST"])
@login_required
def resolve_report(report_id: int):
    report = db.get_or_404(Report, report_id)
    course = report.post.thread.activity.module.course
    require(forums.can_moderate(course, current_user))
    if ActionForm().validate_on_submit():
        forums.resolve_report(report, current_user)
        db.session.commit()
    return redirect(url_for("forums.reports", slug=course.slug))


@bp.route("/course/<slug>/my-posts.csv")
@login_required
def my_posts(slug: str):
    """The trainee's own posts in the course's forums: their part of the course's data."""
    course = _course_for(slug)
    rows = [[_("Forum"), _("Thread"), _("Written"), _("Edited"), _("Message")]]
    for post, thread, forum in queries.own_posts(course, current_user.id):
        rows.append(
            [
                forum.title,
                thread.title,
                post.created_at.isoformat(),
                post.edited_at.isoformat() if post.edited_at else "",
                post.body
                if not post.is_deleted
                else _("deleted by moderator: %(reason)s", reason=post.delete_reason),
            ]
        )
    return csv_response(rows, f"{course.slug}-forum-posts.csv")


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):
    activity = editable_activity(activity_id, "forum")
    form = ForumForm(obj=activity)
    if request.method == "GET":
        form.type.data = forum_type(activity)
        form.completion_posts.data = completion_posts(activity)
    if form.validate_on_submit():
        forums.update_forum(
            activity,
            current_user,
            type=form.type.data,
            completion_posts=form.completion_posts.data,
            title=form.title.data.strip(),
            body=form.body.data or "",
            optional=form.optional.data,
            published=form.published.data,
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("forums.edit", activity_id=activity.id))
    return activity_page("forums/edit.html", activity, form=form)
