"""SCORM pages: the trainer uploads and edits a package; the trainee plays its SCOs.

The package's HTML and JavaScript are someone else's. They are served under a signed, expiring URL
(/scorm/content/<token>/<path>) with a Content-Security-Policy `sandbox` (no allow-same-origin), and
shown in an <iframe sandbox> on the player page: the content runs in an opaque origin, so it cannot
read the LMS's cookies, storage or pages. The token names the trainee, the activity, the package and
the SCO, so the content's own relative URLs work without cookies; access is checked again on every
file. The runtime API lives in the frame (static/js/scorm-api.js, added to every HTML page served)
and posts what the SCO sets to the player page, which commits it here with the session and the CSRF
token (static/js/scorm-player.js). See docs/scorm.md.
"""

import json
import posixpath

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.activities.views import activity_page, new_activity
from lms.auth.models import User
from lms.courses.models import Activity
from lms.courses.package import PackageError, Problem
from lms.courses.queries import get_activity, get_enrolment
from lms.courses.services import activity_url, blob_key
from lms.db import db, writing
from lms.i18n import _
from lms.scorm import bp
from lms.scorm import services as scorm
from lms.scorm.forms import NewScormForm, ScormForm
from lms.scorm.models import ScormPackage, ScormTrack
from lms.security import (
    CONTENT_SECURITY_POLICY,
    csrf,
    editable_activity,
    login_required,
    require,
)
from lms.storage import storage

API_SCRIPT = "js/scorm-api.js"
MAX_COMMIT_BYTES = 512 * 1024
MAX_CHANGES = 2000


# --- loading and access ------------------------------------------------------------------------------


def get_scorm(activity_id: int) -> Activity | None:
    return get_activity(activity_id, "scorm")


def may_play(activity: Activity, user) -> tuple[bool, bool]:
    """(may open it, records as a trainee): active trainees of a published course and activity play
    and are recorded; its trainers and coordinators preview it and nothing is recorded."""
    course = activity.module.course
    if course.can_edit(user):
        return True, False
    enrolment = get_enrolment(course, user)
    trainee = enrolment is not None and enrolment.is_active and course.published and activity.published
    return trainee, trainee


def _package(activity: Activity) -> ScormPackage | None:
    return db.session.scalar(ScormPackage.of(activity.id))


def _upload_limit() -> int:
    return current_app.config["SCORM_MAX_MB"] * 1024 * 1024


def _read_upload(file) -> bytes | None:
    try:
        data = file.read(_upload_limit() + 1)
    finally:
        file.close()
    return None if len(data) > _upload_limit() else data


def _check_upload(file) -> scorm.CheckedPackage:
    data = _read_upload(file)
    label = file.filename or "package.zip"
    if data is None:
        mb = current_app.config["SCORM_MAX_MB"]
        raise PackageError([Problem(label, None, f"the package is larger than {mb} MB")])
    return scorm.check_package(data, label)


# --- the trainer's pages -------------------------------------------------------------------------------


def _errors_page(activity, module, problems):
    return render_template("scorm/errors.html", activity=activity, module=module, problems=problems), 400


@bp.route("/new/<int:module_id>", methods=["POST"])
@login_required
def new(module_id: int):
    return new_activity(
        module_id, NewScormForm(), _("Choose a SCORM package (.zip) to upload."), _add_package
    )


def _add_package(module, form: NewScormForm):
    try:
        checked = _check_upload(form.package.data)
    except PackageError as error:
        abort(make_response(_errors_page(None, module, error.problems)))
    flash(_("Package uploaded: %(title)s.", title=checked.manifest.title), "success")
    return scorm.add_scorm(module, (form.title.data or "").strip(), checked, current_user)


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def edit(activity_id: int):
    activity = editable_activity(activity_id, "scorm")
    package = _package(activity)
    form = ScormForm(obj=activity)
    if request.method == "GET":
        form.weight.data = scorm.settings_of(activity)["weight"]
    if form.validate_on_submit():
        if form.package.data and getattr(form.package.data, "filename", ""):
            try:
                package = scorm.store_package(activity, _check_upload(form.package.data), current_user)
            except PackageError as error:
                db.session.rollback()
                return _errors_page(activity, activity.module, error.problems)
        scorm.update_scorm(
            activity,
            current_user,
            title=form.title.data.strip(),
            body=form.body.data or "",
            optional=form.optional.data,
            published=form.published.data,
            weight=float(form.weight.data),
        )
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("scorm.edit", activity_id=activity.id))
    return activity_page(
        "scorm/edit.html",
        activity,
        form=form,
        package=package,
        manifest=package.parsed() if package else None,
        report=scorm.report(activity, package) if package else [],
    )


# --- the trainee's pages -------------------------------------------------------------------------------


def scorm_page(activity: Activity) -> dict:
    """What the SCORM activity's page shows the current user: the SCOs and their state."""
    package = _package(activity)
    allowed, record = may_play(activity, current_user)
    tracks = {}
    if record and package is not None:
        tracks = {
            t.sco: t
            for t in db.session.scalars(
                select(ScormTrack).where(
                    ScormTrack.activity_id == activity.id, ScormTrack.user_id == current_user.id
                )
            )
        }
    manifest = package.parsed() if package else None
    return {"package": package, "manifest": manifest, "tracks": tracks, "allowed": allowed, "record": record}


def _launch(activity_id: int, index: int):
    activity = get_scorm(activity_id)
    if activity is None:
        abort(404)
    allowed, record = may_play(activity, current_user)
    require(allowed)
    package = _package(activity)
    if package is None:
        abort(404)
    items = package.parsed().items
    if not 0 <= index < len(items):
        abort(404)
    return activity, package, items[index], record


def content_origin() -> str:
    """Where package content is served from: LMS_SCORM_ORIGIN when set (a separate origin that this
    app also answers), else this site's own origin (the sandbox makes the content's origin opaque)."""
    configured = (current_app.config.get("SCORM_ORIGIN") or "").rstrip("/")
    return configured or request.host_url.rstrip("/")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="scorm-content")


def content_token(activity: Activity, package: ScormPackage, index: int, user_id: int) -> str:
    parent = request.host_url.rstrip("/")
    return _serializer().dumps([activity.id, user_id, package.sha256[:16], index, parent])


@bp.route("/<int:activity_id>/play/<int:index>")
@login_required
def play(activity_id: int, index: int):
    activity, package, item, record = _launch(activity_id, index)
    if record:
        with writing():
            scorm.start_session(activity, package, item, current_user.id)
    token = content_token(activity, package, index, current_user.id)
    path, _sep, query = item.href.partition("?")
    source = f"{content_origin()}{url_for('scorm.content', token=token, path=path)}"
    response = Response(
        render_template(
            "scorm/play.html",
            activity=activity,
            course=activity.module.course,
            package=package,
            item=item,
            index=index,
            items=package.parsed().items,
            record=record,
            source=source + ("?" + query if query else ""),
            back=activity_url(activity),
        )
    )
    origin = content_origin()
    frames = "'self'" if origin == request.host_url.rstrip("/") else f"'self' {origin}"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-src ", f"frame-src {frames} "
    )
    return response


@bp.route("/<int:activity_id>/play/<int:index>/commit", methods=["POST"])
@login_required
def commit(activity_id: int, index: int):
    activity, package, item, record = _launch(activity_id, index)
    if (request.content_length or 0) > MAX_COMMIT_BYTES:
        return jsonify(error="too-large"), 413
    payload = request.get_json(silent=True)
    changes = payload.get("values") if isinstance(payload, dict) else None
    if not isinstance(changes, list) or len(changes) > MAX_CHANGES:
        return jsonify(error="bad-request"), 400
    pairs = [tuple(pair) if isinstance(pair, list) and len(pair) == 2 else (None, None) for pair in changes]
    if not record:
        return jsonify(recorded=False, errors={})
    finish = bool(payload.get("finish"))
    try:
        result = scorm.commit(activity, package, item, current_user.id, pairs, finish)
        db.session.commit()
    except IntegrityError:  # a twin request created the track at the same moment: once more
        db.session.rollback()
        result = scorm.commit(activity, package, item, current_user.id, pairs, finish)
        db.session.commit()
    return jsonify(recorded=True, errors=result.errors, status=result.status, score=result.score)


# --- the package's files ----------------------------------------------------------------------------


def _content_policy(origin: str, parent: str) -> str:
    own = f"'self' {origin}"
    return "; ".join(
        [
            "sandbox allow-scripts allow-forms allow-popups",
            f"default-src {own}",
            f"script-src {own} 'unsafe-inline' 'unsafe-eval'",
            f"style-src {own} 'unsafe-inline'",
            f"img-src {own} data: blob:",
            f"media-src {own} data: blob:",
            f"font-src {own} data:",
            f"connect-src {own}",
            f"frame-src {own}",
            "object-src 'none'",
            f"base-uri {own}",
            "form-action 'none'",
            f"frame-ancestors {parent}",
        ]
    )


def inject_api(html: bytes, state: dict, script_url: str) -> bytes:
    """The page with the runtime API added before anything of its own runs: the state as JSON (ASCII,
    '<' escaped, so it fits any ASCII-compatible charset and cannot close its script) and the API."""
    data = json.dumps(state, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e")
    tags = (
        f'<script type="application/json" id="lms-scorm-state">{data}</script>'
        f'<script src="{script_url}"></script>'
    ).encode()
    lower = html[:4096].lower()
    for marker in (b"<head", b"<html"):
        start = lower.find(marker)
        if start != -1:
            end = html.find(b">", start)
            if end != -1:
                return html[: end + 1] + tags + html[end + 1 :]
    doctype = lower.find(b"<!doctype")
    if doctype != -1 and (end := html.find(b">", doctype)) != -1:
        return html[: end + 1] + tags + html[end + 1 :]
    return tags + html


@bp.route("/content/<token>/<path:path>")
@csrf.exempt
def content(token: str, path: str):
    """A file of the package, for the trainee the token names, while they may still play it."""
    try:
        activity_id, user_id, digest, index, parent = _serializer().loads(
            token, max_age=current_app.config["SCORM_CONTENT_MAX_AGE"]
        )
    except (BadSignature, ValueError, TypeError):
        abort(403)
    activity = get_scorm(activity_id)
    user = db.session.get(User, user_id)
    if activity is None or user is None or not user.is_active:
        abort(403)
    allowed, record = may_play(activity, user)
    package = _package(activity)
    if not allowed or package is None or package.sha256[:16] != digest:
        abort(403)
    stored = package.files.get(path)
    mimetype = scorm.content_type(path)
    if stored is None or mimetype is None:
        abort(404)
    items = package.parsed().items
    if not 0 <= index < len(items):
        abort(404)
    origin = content_origin()
    if posixpath.splitext(path)[1].lower() in scorm.HTML_SUFFIXES:
        try:
            html = storage().read(blob_key(stored[0]))
        except FileNotFoundError:
            abort(404)
        state = scorm.launch_state(package, items[index], user, record)
        state["parent"] = parent
        state["recorded"] = record
        body = inject_api(html, state, f"{origin}{url_for('static', filename=API_SCRIPT)}")
        response = Response(body, mimetype=mimetype)
        response.cache_control.no_store = True
    else:
        try:
            response = storage().send(blob_key(stored[0]), mimetype=mimetype, max_age=3600, conditional=True)
        except FileNotFoundError:
            abort(404)
        response.cache_control.private = True
    response.headers["Content-Security-Policy"] = _content_policy(origin, parent)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of other sites' logs
    # The package's own scripts read its files with fetch/XHR (authoring tools do), from the opaque
    # origin: allowed without credentials, which shows nothing a holder of the link could not open.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
