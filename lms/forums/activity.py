"""The forum kind: an introduction in Markdown, then the trainees' threads and replies.

In a course package it is NN-slug.forum.md: front matter (title, type, completion_posts), then the
introduction. Only the forum itself travels in the package; its threads are the trainees' data.
"""

from sqlalchemy import func, select

from lms.activities.base import NEW_BY_TITLE, OWN_COMPLETION, ActivityKind
from lms.courses.package import ActivitySpec
from lms.db import db
from lms.forums.models import Post
from lms.i18n import _l

TYPES = ("general", "qa")
KEYS = ("title", "type", "completion_posts", "optional", "published")


def forum_type(activity) -> str:
    return (activity.settings or {}).get("type", "general")


def completion_posts(activity) -> int:
    return int((activity.settings or {}).get("completion_posts", 0))


class ForumKind(ActivityKind):
    name = "forum"
    label = _l("Forum")
    icon = "💬"
    suffix = ".forum.md"
    features = frozenset({OWN_COMPLETION})
    page_template = "forums/_page.html"
    edit_endpoint = "forums.edit"
    new_endpoint = NEW_BY_TITLE
    new_label = _l("Add a forum")
    new_title = _l("Forum title")
    new_problem = _l("A forum needs a title.")

    def add(self, module, title, author):
        from lms.forums.services import add_forum

        return add_forum(module, title, author)

    markdown_body = True

    def read(self, reader, path, text, slug, position, settings):
        parsed = reader.front_matter(path, text, KEYS)
        if parsed is None:
            return None
        values, body = parsed
        if "title" not in values or not values["title"][1]:
            reader.problem(path, 1, "front matter needs a 'title'")
            return None
        if not reader.markdown(path, body, "forum introduction"):
            return None
        result = {}
        if "type" in values:
            number, raw = values["type"]
            if raw not in TYPES:
                reader.problem(path, number, f"type must be {' or '.join(TYPES)}")
            elif raw != "general":
                result["type"] = raw
        posts = 0
        if "completion_posts" in values:
            number, raw = values["completion_posts"]
            if not raw.isdigit() or not 0 <= int(raw) <= 100:
                reader.problem(path, number, f"completion_posts '{raw}' must be a whole number from 0 to 100")
            else:
                posts = int(raw)
                if posts:
                    result["completion_posts"] = posts
        return ActivitySpec(
            kind=self.name,
            slug=slug,
            position=position,
            title=values["title"][1],
            body=body,
            # Without a rule a forum does not count for completion, unless the package says it does.
            optional=reader.flag(path, values, "optional", not posts),
            published=reader.flag(path, values, "published", True),
            settings=result,
        )

    def write(self, spec):
        settings = spec.settings or {}
        lines = [f"title: {spec.title}"]
        if settings.get("type", "general") != "general":
            lines.append(f"type: {settings['type']}")
        posts = int(settings.get("completion_posts", 0))
        if posts:
            lines.append(f"completion_posts: {posts}")
        if spec.optional != (not posts):
            lines.append(f"optional: {'true' if spec.optional else 'false'}")
        if not spec.published:
            lines.append("published: false")
        header = "".join(line + "\n" for line in lines)
        return f"---\n{header}---\n\n{spec.body}", None

    def page_context(self, activity):
        from lms.forums.views import forum_page

        return {"forum": forum_page(activity)}

    def is_complete(self, activity, user_id, grade):
        needed = completion_posts(activity)
        return needed > 0 and posts_by(activity.id, user_id) >= needed


def posts_by(activity_id: int, user_id: int) -> int:
    """The trainee's posts in a forum that still stand (a deleted post does not count)."""
    return db.session.scalar(
        select(func.count(Post.id)).where(
            Post.activity_id == activity_id, Post.author_id == user_id, Post.deleted_at.is_(None)
        )
    )
