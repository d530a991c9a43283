"""The one `new` view behind every kind's add form in the course outline (templates/authoring/course.html)."""

from collections.abc import Callable

from flask import flash, redirect, render_template, request
from flask_wtf import FlaskForm

from lms.activities import kind_of
from lms.db import db
from lms.security import editable_module


def outline_url(course) -> str:
    """The course outline in the trainer's course page, where activities are added and arranged."""
    from flask import url_for

    return url_for("authoring.course", slug=course.slug) + "#outline"


def new_activity(module_id: int, form: FlaskForm, problem: str, add: Callable):
    """Add an activity to the module the URL names (if the current user may edit its course) and send
    the trainer on to edit it. `add(module, form)` makes the activity; it may `abort(response)` with a
    page of its own (a package it refuses). A form that does not validate goes back to the outline with
    `problem` (what the form needs) flashed."""
    module = editable_module(module_id)
    if not form.validate_on_submit():
        flash(problem, "error")
        return redirect(outline_url(module.course))
    activity = add(module, form)
    db.session.commit()
    return redirect(kind_of(activity).edit_url(activity))


def activity_page(template: str, activity, **context):
    """A page about one activity (a trainer's edit, results or grading page): the template gets the
    activity and its course too. Views redirect after a POST that worked, so a page drawn for a POST
    shows a refused form again: its status is 400."""
    page = render_template(template, activity=activity, course=activity.module.course, **context)
    return page, 400 if request.method == "POST" else 200
