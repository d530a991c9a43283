"""Forums: packages, threads and replies, Q&A, moderation, answers, subscriptions, unread, search, abuse."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.courses.models import Enrolment
from lms.courses.package import PackageError, package_files, parse_package
from lms.courses.transfer import export_course, import_course
from lms.db import db, utcnow
from lms.forums import services as forums
from lms.forums.models import Image, Post, ReadState, Report, Subscription, Thread
from lms.progress.models import Completion
from tests.conftest import csrf_token, login
from tests.test_jobs import outbox
from tests.test_page_queries import StatementCounter

COURSE_TOML = (
    'slug = "talk"\ntitle = "Talk"\nsummary = "Ask."\nlanguage = "el"\ncategory = "startup"\n'
    'hours = 2\ntrainers = []\npublished = true\n\n[completion]\nactivities = "all"\nmin_grade = 0\n'
    "min_attendance = 0\n"
)
FORUM = "---\ntitle: Ερωτήσεις\ntype: qa\ncompletion_posts: 2\n---\n\n# Ρωτήστε εδώ\n\nΓια το **σχέδιο**.\n"


def _files(forum=FORUM):
    return {
        "course.toml": COURSE_TOML.encode(),
        "01-plan/module.toml": b'title = "Plan"\n',
        "01-plan/01-questions.forum.md": forum.encode(),
    }


@pytest.mark.parametrize(
    "forum",
    [
        FORUM,
        "---\ntitle: Café\n---\n\nTalk about anything.\n",
        "---\ntitle: Café\noptional: false\npublished: false\n---\n\nTalk.\n",
        "---\ntitle: Café\ncompletion_posts: 1\noptional: true\n---\n\nTalk.\n",
    ],
)
def test_a_forum_round_trips_through_a_package_byte_for_byte(app, forum):
    course, _ = import_course(parse_package(_files(forum)))
    db.session.commit()
    assert course.activities()[0].kind == "forum"
    assert package_files(export_course(course)) == _files(forum)


def test_forum_settings_from_the_package(app):
    course, _ = import_course(parse_package(_files()))
    activity = course.activities()[0]
    assert activity.settings == {"type": "qa", "completion_posts": 2} and not activity.optional
    assert "<strong>σχέδιο</strong>" in activity.body_html
    files = _files("---\ntitle: Café\n---\n\nTalk.\n")
    files["course.toml"] = files["course.toml"].replace(b'"talk"', b'"talk-2"')
    plain, _ = import_course(parse_package(files))
    assert plain.activities()[0].optional  # no rule: it does not count for completion


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("type: qa", "type: chat", "line 3: type must be general or qa"),
        ("completion_posts: 2", "completion_posts: many", "line 4: completion_posts 'many'"),
    ],
)
def test_a_bad_forum_setting_names_the_line(app, old, new, message):
    with pytest.raises(PackageError) as error:
        parse_package(_files(FORUM.replace(old, new)))
    assert message in str(error.value)


# --- pages ------------------------------------------------------------------------------------------


@pytest.fixture
def forum(create_course, create_user):
    """A published general forum in a course with a trainer; returns the activity."""
    trainer = create_user("trainer")
    course = create_course(modules=1, lessons=1, trainer=trainer)
    activity = forums.add_forum(course.modules[0], "Café", trainer)
    activity.published = True
    db.session.commit()
    return activity


def _client(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def _trainee(app, create_user, activity, **kwargs):
    user = create_user("trainee", **kwargs)
    db.session.add(Enrolment(course=activity.module.course, user=user))
    db.session.commit()
    return user, _client(app, user)


def _forum_url(activity):
    module = activity.module
    return f"/courses/{module.course.slug}/learn/{module.slug}/{activity.slug}"


def _start(client, activity, title="Pricing?", body="How do I price **cakes**?"):
    token = csrf_token(client, f"/forums/{activity.id}/new")
    response = client.post(
        f"/forums/{activity.id}/new", data={"title": title, "body": body, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/forums/threads/(\d+)", response.location).group(1))


def _reply(client, thread_id, body, expect=302):
    token = csrf_token(client, f"/forums/threads/{thread_id}")
    response = client.post(f"/forums/threads/{thread_id}", data={"body": body, "csrf_token": token})
    assert response.status_code == expect, response.get_data(as_text=True)
    return response


def test_a_thread_and_its_replies_with_markdown(app, create_user, forum):
    _asker, asker = _trainee(app, create_user, forum)
    _helper, helper = _trainee(app, create_user, forum)
    thread_id = _start(asker, forum)
    assert "Pricing?" in asker.get(_forum_url(forum)).get_data(as_text=True)
    _reply(helper, thread_id, "Cost plus *margin*.")
    page = asker.get(f"/forums/threads/{thread_id}").get_data(as_text=True)
    assert "<strong>cakes</strong>" in page and "<em>margin</em>" in page
    thread = db.session.get(Thread, thread_id)
    assert thread.replies == 1 and thread.last_post_id == db.session.scalar(select(func.max(Post.id)))


def test_an_empty_or_too_long_post_is_refused_and_keeps_the_text(app, create_user, forum):
    app.config["FORUM_POST_MAX_CHARS"] = 50
    _user, client = _trainee(app, create_user, forum)
    thread_id = _start(client, forum)
    response = _reply(client, thread_id, "x" * 60 + " typed", expect=400)
    assert "longer than 50 characters" in response.get_data(as_text=True)
    assert "x" * 60 + " typed" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Post.id))) == 1


def test_qa_trainees_see_others_replies_only_after_replying(app, create_user, forum):
    forum.settings = {"type": "qa"}
    db.session.commit()
    trainer = _client(app, forum.module.course.trainers[0])
    thread_id = _start(trainer, forum, "Your first customer?", "Tell us who.")
    _first, first = _trainee(app, create_user, forum)
    _second, second = _trainee(app, create_user, forum)
    _reply(first, thread_id, "A bakery in Serres.")
    page = second.get(f"/forums/threads/{thread_id}").get_data(as_text=True)
    assert "Tell us who." in page and "A bakery in Serres." not in page
    search = second.get(f"/forums/course/{forum.module.course.slug}/search?q=bakery").get_data(as_text=True)
    assert "A bakery in Serres." not in search
    hidden = db.session.scalar(select(Post).where(Post.body == "A bakery in Serres."))
    assert second.get(f"/forums/posts/{hidden.id}/report").status_code == 404
    page = second.get(f"/forums/threads/{thread_id}?quote={hidden.id}").get_data(as_text=True)
    assert "A bakery in Serres." not in page
    _reply(second, thread_id, "A hotel in Ohrid.")
    assert second.get(f"/forums/posts/{hidden.id}/report").status_code == 200
    page = second.get(f"/forums/threads/{thread_id}").get_data(as_text=True)
    assert "A bakery in Serres." in page and "A hotel in Ohrid." in page
    assert "A bakery" in second.get(f"/forums/course/{forum.module.course.slug}/search?q=bakery").get_data(
        as_text=True
    )
    assert "A hotel in Ohrid." in trainer.get(f"/forums/threads/{thread_id}").get_data(as_text=True)


def test_authors_edit_within_the_window_and_edited_is_shown(app, create_user, forum):
    _user, client = _trainee(app, create_user, forum)
    thread_id = _start(client, forum)
    post = db.session.scalar(select(Post).where(Post.thread_id == thread_id))
    token = csrf_token(client, f"/forums/posts/{post.id}/edit")
    client.post(f"/forums/posts/{post.id}/edit", data={"body": "Fixed *typo*", "csrf_token": token})
    page = client.get(f"/forums/threads/{thread_id}").get_data(as_text=True)
    assert "<em>typo</em>" in page and "edited" in page
    post.created_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert client.get(f"/forums/posts/{post.id}/edit").status_code == 403
    _other, other = _trainee(app, create_user, forum)
    post.created_at = utcnow()
    db.session.commit()
    assert other.get(f"/forums/posts/{post.id}/edit").status_code == 403


def test_moderators_delete_with_a_reason_lock_and_pin(app, create_user, forum):
    _user, client = _trainee(app, create_user, forum)
    thread_id = _start(client, forum)
    _reply(client, thread_id, "Buy my pills")
    spam = db.session.scalar(select(Post).where(Post.thread_id == thread_id).order_by(Post.id.desc()))
    assert client.get(f"/forums/posts/{spam.id}/delete").status_code == 403
    trainer = _client(app, forum.module.course.trainers[0])
    token = csrf_token(trainer, f"/forums/posts/{spam.id}/delete")
    trainer.post(f"/forums/posts/{spam.id}/delete", data={"reason": "advertising", "csrf_token": token})
    page = client.get(f"/forums/threads/{thread_id}").get_data(as_text=True)
    assert "deleted by moderator: advertising" in page and "Buy my pills" not in page
    again = trainer.post(f"/forums/posts/{spam.id}/delete", data={"reason": "twice", "csrf_token": token})
    assert again.status_code == 400 and "This post is deleted already." in again.get_data(as_text=True)
    assert db.session.get(Post, spam.id).delete_reason == "advertising"
    token = csrf_token(trainer, f"/forums/threads/{thread_id}")
    trainer.post(f"/forums/threads/{thread_id}/moderate", data={"action": "lock", "csrf_token": token})
    trainer.post(f"/forums/threads/{thread_id}/moderate", data={"action": "pin", "csrf_token": token})
    trainer.post(f"/forums/threads/{thread_id}/moderate", data={"action": "hide", "csrf_token": token})
    thread = db.session.get(Thread, thread_id)
    assert thread.locked and thread.pinned
    assert "locked" in _reply(client, thread_id, "More", expect=400).get_data(as_text=True)
    trainer.post(f"/forums/threads/{thread_id}/moderate", data={"action": "unpin", "csrf_token": token})
    db.session.refresh(thread)
    assert thread.locked and not thread.pinned
    assert (
        client.post(
            f"/forums/threads/{thread_id}/moderate",
            data={"action": "unlock", "csrf_token": csrf_token(client, "/")},
        ).status_code
        == 403
    )


def test_the_author_or_a_trainer_marks_the_answer(app, create_user, forum):
    _asker, asker = _trainee(app, create_user, forum)
    _helper, helper = _trainee(app, create_user, forum)
    thread_id = _start(asker, forum)
    _reply(helper, thread_id, "Cost plus margin.")
    _reply(helper, thread_id, "Or what the market pays.")
    first, second = db.session.scalars(
        select(Post).where(Post.thread_id == thread_id).order_by(Post.id)
    ).all()[1:]
    token = csrf_token(helper, f"/forums/threads/{thread_id}")
    helper.post(f"/forums/posts/{first.id}/answer", data={"answer": "1", "csrf_token": token})
    assert not db.session.get(Post, first.id).is_answer  # a helper cannot crown their own reply
    token = csrf_token(asker, f"/forums/threads/{thread_id}")
    asker.post(f"/forums/posts/{first.id}/answer", data={"answer": "1", "csrf_token": token})
    trainer = _client(app, forum.module.course.trainers[0])
    token = csrf_token(trainer, f"/forums/threads/{thread_id}")
    trainer.post(f"/forums/posts/{second.id}/answer", data={"answer": "1", "csrf_token": token})
    db.session.expire_all()
    assert [p.is_answer for p in (first, second)] == [False, True] and db.session.get(
        Thread, thread_id
    ).answered


def test_subscriptions_and_who_would_be_told_of_a_reply(app, create_user, forum):
    asker_user, asker = _trainee(app, create_user, forum)
    follower_user, follower = _trainee(app, create_user, forum)
    helper_user, helper = _trainee(app, create_user, forum)
    thread_id = _start(asker, forum)
    token = csrf_token(follower, _forum_url(forum))
    follower.post(f"/forums/{forum.id}/subscribe", data={"on": "1", "csrf_token": token})
    thread = db.session.get(Thread, thread_id)
    assert forums.subscribers(forum, thread, helper_user.id) == sorted([asker_user.id, follower_user.id])
    token = csrf_token(asker, f"/forums/threads/{thread_id}")
    asker.post(f"/forums/threads/{thread_id}/subscribe", data={"on": "0", "csrf_token": token})
    assert forums.subscribers(forum, thread, helper_user.id) == [follower_user.id]
    enrolment = db.session.scalar(Enrolment.find(forum.module.course_id, follower_user.id))
    enrolment.status = "unenrolled"
    db.session.commit()
    assert forums.subscribers(forum, thread, helper_user.id) == []
    _reply(helper, thread_id, "Hi")  # the author follows the thread they wrote in
    assert db.session.scalar(
        select(func.count(Subscription.id)).where(Subscription.user_id == helper_user.id)
    )


def test_unread_markers_per_user(app, create_user, forum):
    _asker, asker = _trainee(app, create_user, forum)
    _reader_user, reader = _trainee(app, create_user, forum)
    thread_id = _start(asker, forum)
    assert 'class="unread"' in reader.get(_forum_url(forum)).get_data(as_text=True)
    assert 'class="unread"' not in asker.get(_forum_url(forum)).get_data(as_text=True)
    reader.get(f"/forums/threads/{thread_id}")
    assert 'class="unread"' not in reader.get(_forum_url(forum)).get_data(as_text=True)
    _reply(asker, thread_id, "Anyone?")
    assert 'class="unread"' in reader.get(_forum_url(forum)).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ReadState)) == 2


def test_search_escapes_like_wildcards_and_hides_other_courses(app, create_user, forum, create_course):
    _user, client = _trainee(app, create_user, forum)
    thread_id = _start(client, forum, "Discounts", "Give 100% off?")
    _reply(client, thread_id, "Give 10 off")
    url = f"/forums/course/{forum.module.course.slug}/search"
    page = client.get(url, query_string={"q": "0%"}).get_data(as_text=True)
    assert "Give 100% off?" in page and "Give 10 off" not in page
    assert "Give 10 off" in client.get(url, query_string={"q": "GIVE 10"}).get_data(as_text=True)
    other = create_course()
    assert client.get(f"/forums/course/{other.slug}/search?q=Give").status_code == 403


def test_posting_completes_the_forum_through_the_registry(app, create_user, forum):
    forum.settings, forum.optional = {"completion_posts": 2}, False
    db.session.commit()
    user, client = _trainee(app, create_user, forum)
    thread_id = _start(client, forum)
    completed = select(Completion).where(Completion.user_id == user.id, Completion.activity_id == forum.id)
    assert db.session.scalar(completed) is None
    _reply(client, thread_id, "And another thing")
    assert db.session.scalar(completed).source == "forum"


def test_reporting_a_post_lists_it_for_moderators(app, create_user, forum):
    _author, author = _trainee(app, create_user, forum)
    _reporter, reporter = _trainee(app, create_user, forum)
    thread_id = _start(author, forum, "Rude", "You are all idiots")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread_id))
    token = csrf_token(reporter, f"/forums/posts/{post.id}/report")
    reporter.post(f"/forums/posts/{post.id}/report", data={"reason": "insulting", "csrf_token": token})
    assert db.session.scalar(select(Report.reason)) == "insulting"
    slug = forum.module.course.slug
    assert reporter.get(f"/forums/course/{slug}/reports").status_code == 403
    trainer = _client(app, forum.module.course.trainers[0])
    page = trainer.get(f"/forums/course/{slug}/reports").get_data(as_text=True)
    assert "insulting" in page and "You are all idiots" in page
    report = db.session.scalar(select(Report))
    trainer.post(f"/forums/reports/{report.id}/resolve", data={"csrf_token": csrf_token(trainer, "/")})
    assert "insulting" not in trainer.get(f"/forums/course/{slug}/reports").get_data(as_text=True)


def test_posting_is_rate_limited_per_user(app, create_user, forum):
    app.config["FORUM_POST_RATE_LIMIT"] = "3 per minute"
    _user, client = _trainee(app, create_user, forum)
    thread_id = _start(client, forum)
    _reply(client, thread_id, "two")
    _reply(client, thread_id, "three")
    _reply(client, thread_id, "four", expect=429)
    _other, other = _trainee(app, create_user, forum)
    _reply(other, thread_id, "someone else may still post")


def test_outsiders_cannot_read_or_post(app, client, create_user, forum):
    outsider = create_user("trainee")
    trainee_user, trainee = _trainee(app, create_user, forum)
    thread_id = _start(trainee, forum)
    login(client, outsider.email)
    assert client.get(f"/forums/threads/{thread_id}").status_code == 403
    assert client.get(f"/forums/{forum.id}/new").status_code == 403


def test_a_trainee_downloads_their_own_posts(app, create_user, forum):
    _me, me = _trainee(app, create_user, forum)
    _other, other = _trainee(app, create_user, forum)
    thread_id = _start(me, forum, "Mine", "My words")
    _reply(other, thread_id, "Their words")
    data = me.get(f"/forums/course/{forum.module.course.slug}/my-posts.csv").get_data(as_text=True)
    assert "My words" in data and "Their words" not in data


def test_quoting_fills_the_reply_box(app, create_user, forum):
    _user, client = _trainee(app, create_user, forum)
    thread_id = _start(client, forum, "Q", "line one\nline two")
    post = db.session.scalar(select(Post))
    page = client.get(f"/forums/threads/{thread_id}?quote={post.id}").get_data(as_text=True)
    assert "&gt; line one\n&gt; line two" in page


def _thread_with(activity, author, replies: int) -> Thread:
    thread = forums.start_thread(activity, author, "Busy", "Opening")
    for number in range(replies):
        forums.reply(thread, author, f"Reply {number}")
    db.session.commit()
    return thread


def test_thread_list_and_thread_page_queries_do_not_grow_with_posts(app, create_user, forum):
    user, client = _trainee(app, create_user, forum)
    counts = {"list": [], "thread": []}
    for size in (2, 12):
        threads = [_thread_with(forum, user, size) for _ in range(size)]
        for name, url in (("list", _forum_url(forum)), ("thread", f"/forums/threads/{threads[-1].id}")):
            client.get(url)  # marks the thread read once, so both measurements do the same work
            with StatementCounter(db.engine) as counter:
                assert client.get(url).status_code == 200
            counts[name].append(counter.count)
    assert counts["list"][0] == counts["list"][1] and counts["thread"][0] == counts["thread"][1], counts


def test_the_xss_corpus_stays_inert_in_posts_titles_and_search(app, create_user, forum):
    from tests.test_markup import XSS_PAYLOADS, assert_safe

    app.config["FORUM_POSTS_PER_PAGE"] = len(XSS_PAYLOADS) + 1
    user, client = _trainee(app, create_user, forum)
    thread = forums.start_thread(forum, user, XSS_PAYLOADS[0], "Opening")
    for payload in XSS_PAYLOADS:
        forums.reply(thread, user, payload)
        forums.start_thread(forum, user, payload[:200], payload)
    db.session.commit()
    page = client.get(f"/forums/threads/{thread.id}").get_data(as_text=True)
    body_re = r'<div class="prose" lang="en">(.*?)</div>\s*<p class="forum-post-actions">'
    bodies = re.findall(body_re, page, re.S)
    assert len(bodies) == len(XSS_PAYLOADS) + 1
    for body in bodies:
        assert_safe(body)
    assert_safe(re.search(r"<h1.*?</h1>", page, re.S).group(0))
    listing = client.get(_forum_url(forum)).get_data(as_text=True)
    assert_safe(re.search(r'<table class="data forum-threads">.*?</table>', listing, re.S).group(0))
    hits = client.get(f"/forums/course/{forum.module.course.slug}/search?q=XSS").get_data(as_text=True)
    assert_safe(re.search(r'<ol class="link-list forum-hits">.*?</ol>', hits, re.S).group(0))


def test_a_reply_tells_each_subscriber_once_but_not_its_author(app, create_user, forum):
    from lms.notifications.models import Notification

    asker_user, asker = _trainee(app, create_user, forum, locale="el", email="eleni@example.org")
    follower_user, follower = _trainee(app, create_user, forum, email="marko@example.org")
    helper_user, helper = _trainee(app, create_user, forum)
    token = csrf_token(follower, _forum_url(forum))
    follower.post(f"/forums/{forum.id}/subscribe", data={"on": "1", "csrf_token": token})
    thread_id = _start(asker, forum)
    assert db.session.scalar(select(func.count(Notification.id))) == 0  # a new thread is no reply
    _reply(helper, thread_id, "Cost plus *margin*.")
    told = db.session.execute(select(Notification.user_id, Notification.event, Notification.link)).all()
    assert sorted(row.user_id for row in told) == sorted([asker_user.id, follower_user.id])
    assert {row.event for row in told} == {"forum.reply"} and f"/forums/threads/{thread_id}" in told[0].link
    post = db.session.scalar(select(Post).order_by(Post.id.desc()))
    forums.notify_subscribers(forum, post.thread, post, helper_user)  # the same post again: nobody twice
    assert db.session.scalar(select(func.count(Notification.id))) == 2
    mails = {mail["To"]: mail for mail in outbox(app)}
    assert sorted(mails) == ["eleni@example.org", "marko@example.org"]  # one each, none to the helper
    english = mails["marko@example.org"]
    assert english["Subject"] == "New reply in Pricing?"
    assert "Cost plus *margin*." in english.get_body(("plain",)).get_content()
    greek = mails["eleni@example.org"]
    assert "Pricing?" in greek["Subject"] and greek["Subject"] != "New reply in Pricing?"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_picture_in_a_reply_is_checked_and_shown_to_readers_only(app, client, create_user, forum):
    _user, trainee = _trainee(app, create_user, forum)
    thread_id = _start(trainee, forum)
    token = csrf_token(trainee, f"/forums/threads/{thread_id}")
    fake = {"body": "My shop", "csrf_token": token, "image": (io.BytesIO(b"MZ not a png"), "shop.png")}
    response = trainee.post(f"/forums/threads/{thread_id}", data=fake, content_type="multipart/form-data")
    assert response.status_code == 400 and "A picture must be one of" in response.get_data(as_text=True)
    real = {"body": "My shop", "csrf_token": token, "image": (io.BytesIO(PNG), "shop front.png")}
    response = trainee.post(f"/forums/threads/{thread_id}", data=real, content_type="multipart/form-data")
    assert response.status_code == 302
    image = db.session.scalar(select(Image))
    page = trainee.get(f"/forums/threads/{thread_id}").get_data(as_text=True)
    assert f'src="/forums/images/{image.id}"' in page and 'alt="shop front"' in page
    with trainee.get(f"/forums/images/{image.id}") as shown:
        assert shown.status_code == 200 and shown.data == PNG and shown.mimetype == "image/png"
    login(client, create_user("trainee").email)
    assert client.get(f"/forums/images/{image.id}").status_code == 403
