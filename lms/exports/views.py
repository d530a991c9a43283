"""An export job's page (its progress, or why it failed) and its file, for whoever asked and coordinators."""

from flask import abort, jsonify, render_template, request
from flask_login import current_user, login_required

from lms.db import db
from lms.exports import bp
from lms.exports.models import ExportJob
from lms.exports.tasks import export_key, mimetype
from lms.security import require
from lms.storage import storage


def _own_job(job_id: int) -> ExportJob:
    job = db.get_or_404(ExportJob, job_id)
    require(job.created_by_id == current_user.id or current_user.is_coordinator)
    return job


@bp.route("/exports/<int:job_id>")
@login_required
def status(job_id: int):
    job = _own_job(job_id)
    if request.args.get("format") == "json":
        return jsonify(status=job.status, done=job.done, total=job.total)
    return render_template("exports/status.html", job=job)


@bp.route("/exports/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = _own_job(job_id)
    if job.status != "done":
        abort(404)
    name = job.params.get("download_name") or job.filename
    try:
        return storage().send(
            export_key(job), mimetype=mimetype(name), as_attachment=True, download_name=name
        )
    except FileNotFoundError:
        abort(404)
