from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.admin import bp
from lms.admin.forms import (
    SendResetForm,
    SiteSettingsForm,
    UserCreateForm,
    UserEditForm,
    UserImportConfirmForm,
    UserImportForm,
    UserSearchForm,
)
from lms.admin.models import AuditEntry
from lms.admin.services import audit, save_settings, update_user
from lms.admin.user_import import (
    MAX_BYTES,
    apply_plan,
    pack,
    parse_users_csv,
    send_welcome_mails,
    unpack,
    welcome_mail,
)
from lms.auth.models import User
from lms.auth.services import AccountError, create_user, make_reset_token, self_registration_open
from lms.db import db
from lms.i18n import _, ngettext
from lms.links import external_url
from lms.mail import send_mail
from lms.security import csrf, role_required

PER_PAGE = 50


@bp.route("/")
@role_required("coordinator")
def dashboard():
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return render_template("admin/dashboard.html", counts=counts)


@bp.route("/users")
@role_required("coordinator")
def users():
    form = UserSearchForm(request.args)
    query = User.search((form.q.data or "") if form.validate() else "")
    if form.role.data:
        query = query.where(User.role == form.role.data)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("admin/users.html", form=form, page=page)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("coordinator")
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.show_enterprise(user)
    if form.validate_on_submit():
        if user.id == current_user.id and (form.role.data != user.role or not form.active.data):
            form.role.errors.append(_("You cannot change your own role or suspend yourself."))
        else:
            changes = {field.name: field.data or None for field in form if field.name in _EDITABLE}
            changes["name"] = form.name.data.strip()
            changes["role"] = form.role.data
            changes["active"] = form.active.data
            update_user(user, changes)
            before = user.enterprise, user.founder
            if form.place(user, user.country):
                if (user.enterprise, user.founder) != before:
                    audit("user.enterprise", user.email, enterprise=user.organisation, founder=user.founder)
                db.session.commit()
                flash(_("Saved %(name)s.", name=user.name), "success")
                return redirect(url_for("admin.edit_user", user_id=user.id))
            db.session.rollback()
    status = 400 if form.is_submitted() else 200
    return render_template("admin/user_edit.html", form=form, user=user, reset_form=SendResetForm()), status


_EDITABLE = {"country", "gender", "locale", "timezone"}


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("coordinator")
def new_user():
    """Add one person by hand: they get a welcome mail with a link to choose their password."""
    form = UserCreateForm()
    if request.method == "GET":
        form.locale.data = current_app.config["DEFAULT_LOCALE"]
        form.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        profile = {name: form[name].data or None for name in _EDITABLE}
        try:
            user = create_user(form.email.data, form.name.data, role=form.role.data, **profile)
        except AccountError:
            form.email.errors.append(_("An account with this e-mail already exists."))
            user = None
        if user is not None and not form.place(user, user.country):
            db.session.rollback()  # the enterprise needs a choice first: nothing is written
        elif user is not None:
            audit(
                "user.create", user.email, role=user.role, enterprise=user.organisation, founder=user.founder
            )
            # Queued with the commit: a background job sends it, and retries while the mail server fails.
            send_welcome_mails([welcome_mail(user, [], has_password=False)])
            db.session.commit()
            flash(
                _(
                    "Created %(name)s; a link to choose a password was sent to %(email)s.",
                    name=user.name,
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("admin.edit_user", user_id=user.id))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/user_new.html", form=form), status


@bp.route("/users/import", methods=["GET", "POST"])
@role_required("coordinator")
def user_import():
    """Step 1: upload a CSV and see what it would do (nothing is written)."""
    form = UserImportForm()
    if not form.validate_on_submit():
        return render_template("admin/user_import.html", form=form), 400 if form.is_submitted() else 200
    data = form.file.data.read()
    filename = (form.file.data.filename or "")[:200]
    plan = parse_users_csv(data)
    confirm_form = UserImportConfirmForm(formdata=None, data={"content": pack(data), "filename": filename})
    return render_template(
        "admin/user_import.html", form=form, plan=plan, filename=filename, confirm_form=confirm_form
    ), 200 if plan.ok else 400


# The file comes back in a hidden field: more than Flask's 500 kB default for form fields.
CONFIRM_FORM_MAX = 4 * MAX_BYTES


@bp.route("/users/import/confirm", methods=["POST"])
@csrf.exempt  # checked by the form below, after the size limit for this request is raised
@role_required("coordinator")
def user_import_confirm():
    """Step 2: check the same file again (never trust the preview) and import it, all or nothing."""
    request.max_form_memory_size = CONFIRM_FORM_MAX
    form = UserImportConfirmForm()
    data = unpack(form.content.data) if form.validate_on_submit() else None
    if data is None:
        flash(_("The import could not be confirmed (the form had expired). Nothing was imported."), "error")
        return render_template("admin/user_import.html", form=UserImportForm(formdata=None)), 400
    filename = form.filename.data or ""
    plan = parse_users_csv(data)
    if not plan.ok:
        return render_template(
            "admin/user_import.html", form=UserImportForm(formdata=None), plan=plan, filename=filename
        ), 400
    try:
        mails = apply_plan(plan, current_user, source=filename)
        send_welcome_mails(mails)
        db.session.commit()
    except (AccountError, IntegrityError):  # someone created one of these users since the check
        db.session.rollback()
        flash(
            _("One of these users was created meanwhile. Nothing was imported: upload the file again."),
            "error",
        )
        return redirect(url_for("admin.user_import"))
    flash(ngettext("Imported %(num)d user.", "Imported %(num)d users.", len(mails)), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@role_required("coordinator")
def send_reset(user_id: int):
    user = db.get_or_404(User, user_id)
    if SendResetForm().validate_on_submit():
        link = external_url("auth.reset_password", token=make_reset_token(user))
        send_mail(
            user.email,
            _("Set a new password"),
            _(
                "Hello %(name)s,\n\nyour coordinator asked for a password reset. Open this link within an "
                "hour to set a new password:\n%(link)s",
                name=user.name,
                link=link,
            ),
            html=True,
        )
        audit("user.reset_password", user.email)
        db.session.commit()
        flash(_("A password reset link was sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/settings", methods=["GET", "POST"])
@role_required("coordinator")
def settings():
    form = SiteSettingsForm(data={"self_registration": self_registration_open()})
    if form.validate_on_submit():
        save_settings({"self_registration": form.self_registration.data})
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/audit")
@role_required("coordinator")
def audit_log():
    page = db.paginate(AuditEntry.latest(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/audit.html", page=page)
