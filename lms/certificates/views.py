"""Certificates: public verification, a trainee's downloads, and the coordinator's register and exports."""

import io

from flask import Response, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.admin.models import SiteSetting
from lms.admin.services import audit
from lms.auth.models import User
from lms.certificates import badges, bp
from lms.certificates import services as certs
from lms.certificates.badges import open_badge, signed_open_badge
from lms.certificates.forms import (
    CertificateFilterForm,
    CertificateSettingsForm,
    ExportForm,
    IssueForm,
    RevokeForm,
    VerifyForm,
)
from lms.certificates.models import Certificate
from lms.certificates.signing import public_jwks, signing_key
from lms.courses.models import Course
from lms.db import db, utcnow
from lms.exports import tasks
from lms.exports.models import ExportJob
from lms.i18n import _
from lms.progress.services import ON_COURSE_COMPLETED
from lms.security import configured_limit, limiter, login_required, require, role_required

# A completed course earns its certificate at once.
if certs.issue_on_completion not in ON_COURSE_COMPLETED:
    ON_COURSE_COMPLETED.append(certs.issue_on_completion)


def _lookup(code: str) -> Certificate | None:
    """Always one indexed query, whether or not the code could exist: the same time for every answer."""
    normalised = certs.normalise_code(code) or "-"
    return db.session.scalar(Certificate.by_code(normalised))


@bp.route("/verify")
@limiter.limit(configured_limit("VERIFY_RATE_LIMIT"))
def verify_form():
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(
            url_for("certificates.verify", code=certs.normalise_code(form.code.data) or form.code.data)
        )
    return render_template("certificates/verify.html", form=form, certificate=None, looked_up=False)


@bp.route("/verify/<path:code>")
@limiter.limit(configured_limit("VERIFY_RATE_LIMIT"))
def verify(code: str):
    if code.endswith(".json"):
        return verify_json(code[:-5])
    if code.endswith(".jwt"):
        return verify_jwt(code[:-4])
    certificate = _lookup(code)
    status = 200 if certificate is not None else 404
    return render_template(
        "certificates/verify.html",
        form=VerifyForm(formdata=None, code=code[:40]),
        certificate=certificate,
        looked_up=True,
    ), status


def verify_json(code: str):
    certificate = _lookup(code)
    if certificate is None:
        return jsonify(error="unknown certificate"), 404
    if not certificate.is_valid:
        return jsonify(
            error="revoked",
            revoked_on=certificate.revoked_at.date().isoformat(),
        ), 410
    response = jsonify(open_badge(certificate))
    response.mimetype = "application/vc+ld+json"
    return response


def verify_jwt(code: str):
    """The credential signed as a VC-JWT, for a wallet or an employer's verifier."""
    certificate = _lookup(code)
    if certificate is None or not certificate.is_valid:
        return verify_json(code)  # the same 404 or 410 as the JSON
    return Response(signed_open_badge(certificate), mimetype="application/vc+jwt")


@bp.route("/.well-known/jwks.json")
def jwks():
    """The public keys that sign this site's credentials (older ones stay until retired)."""
    signing_key()  # the first key is made on first use, so the set is never empty
    response = jsonify(public_jwks())
    response.cache_control.max_age = 3600
    return response


@bp.route("/status/revocation")
@limiter.limit(configured_limit("VERIFY_RATE_LIMIT"))
def revocation_list():
    """The signed Bitstring Status List of revoked certificates (bit = certificate id)."""
    response = Response(badges.revocation_list(), mimetype="application/vc+jwt")
    response.cache_control.max_age = 300
    return response


@bp.route("/certificates/mine")
@login_required
def mine():
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == current_user.id)
        .order_by(Certificate.issued_at.desc())
    ).all()
    return render_template("certificates/mine.html", certificates=certificates)


@bp.route("/certificates/<int:certificate_id>.pdf")
@login_required
def download(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    require(certificate.can_download(current_user))
    if not certificate.is_valid and not current_user.is_coordinator:
        abort(410)
    # The signed Open Badge travels inside the PDF (a file attachment, as PDF readers show them), so
    # the one file holds both what people read and what wallets and verifiers check.
    attachments = (
        [
            (
                f"open-badge-{certificate.code}.jwt",
                signed_open_badge(certificate),
                "Open Badges 3.0 credential, signed (VC-JWT)",
            )
        ]
        if certificate.is_valid
        else []
    )
    pdf = certs.renderer().render(certs.view_of(certificate), attachments)
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        download_name=certs.file_name(certificate),
        as_attachment=request.args.get("inline") != "1",
    )


def _course_choices(blank: str):
    courses = db.session.scalars(select(Course).order_by(Course.title)).all()
    return [("", blank)] + [(str(course.id), course.title) for course in courses]


@bp.route("/certificates/")
@role_required("coordinator")
def register():
    form = CertificateFilterForm(request.args)
    form.course.choices = _course_choices(_("All courses"))
    valid = form.validate()
    query = certs.certificates_query(
        course_id=int(form.course.data) if valid and form.course.data else None,
        since=form.since.data if valid else None,
        until=form.until.data if valid else None,
        status=form.status.data if valid else "",
    )
    page = db.paginate(query, per_page=50, error_out=False)
    issue_form, export_form = IssueForm(), ExportForm()
    issue_form.course.choices = _course_choices("—")
    export_form.course.choices = _course_choices(_("All courses"))
    return render_template(
        "certificates/register.html",
        form=form,
        page=page,
        issue_form=issue_form,
        export_form=export_form,
        revoke_form=RevokeForm(),
    )


@bp.route("/certificates/issue", methods=["POST"])
@role_required("coordinator")
def issue():
    form = IssueForm()
    form.course.choices = _course_choices("—")
    if not form.validate_on_submit():
        flash(_("Give the trainee's e-mail, the course and a reason."), "error")
        return redirect(url_for("certificates.register"))
    user = db.session.scalar(User.by_email(form.email.data))
    course = db.session.get(Course, int(form.course.data)) if form.course.data else None
    if user is None or course is None:
        flash(_("No account has this e-mail, or the course does not exist."), "error")
        return redirect(url_for("certificates.register"))
    certificate = certs.issue(
        course, user, utcnow().date(), None, by=current_user, reason=form.reason.data.strip()
    )
    audit(
        "certificate.issue",
        certificate.code,
        user=user.email,
        course=course.slug,
        reason=form.reason.data.strip(),
    )
    db.session.commit()
    flash(_("Certificate %(code)s issued to %(name)s.", code=certificate.code, name=user.name), "success")
    return redirect(url_for("certificates.register"))


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@role_required("coordinator")
def revoke(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give a reason to revoke a certificate."), "error")
    else:
        certs.revoke(certificate, form.reason.data.strip(), current_user)
        db.session.commit()
        flash(_("Certificate %(code)s is revoked.", code=certificate.code), "success")
    return redirect(url_for("certificates.register"))


@bp.route("/certificates/exports", methods=["POST"])
@role_required("coordinator")
def start_export():
    form = ExportForm()
    form.course.choices = _course_choices("")
    if not form.validate_on_submit():
        abort(400)
    job = ExportJob(
        kind="certificates",
        created_by_id=current_user.id,
        params={"course_id": int(form.course.data) if form.course.data else None, "status": ""},
    )
    tasks.start(job)
    db.session.commit()
    return redirect(url_for("exports.status", job_id=job.id))


@bp.route("/certificates/settings", methods=["GET", "POST"])
@role_required("coordinator")
def settings():
    current = certs.settings()
    signatories = (current["signatories"] + [{}, {}])[:2]
    form = CertificateSettingsForm(
        data={
            "issuer": current["issuer"],
            "funding_line": current["funding_line"],
            "signatory1_name": signatories[0].get("name", ""),
            "signatory1_title": signatories[0].get("title", ""),
            "signatory2_name": signatories[1].get("name", ""),
            "signatory2_title": signatories[1].get("title", ""),
        }
    )
    if form.validate_on_submit():
        chosen = [
            {
                "name": form[f"signatory{n}_name"].data.strip(),
                "title": form[f"signatory{n}_title"].data.strip(),
            }
            for n in (1, 2)
            if form[f"signatory{n}_name"].data.strip() or form[f"signatory{n}_title"].data.strip()
        ]
        value = {
            "issuer": form.issuer.data.strip(),
            "funding_line": (form.funding_line.data or "").strip(),
            "signatories": chosen,
        }
        SiteSetting.put("certificates", value)
        audit("settings.change", "certificates", **value)
        db.session.commit()
        flash(
            _("Certificate settings saved. New certificates use them; issued ones keep their issuer."),
            "success",
        )
        return redirect(url_for("certificates.settings"))
    return render_template("certificates/settings.html", form=form), 400 if form.is_submitted() else 200
