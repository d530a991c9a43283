import math

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from lms.auth import bp, mails, sessions, throttle
from lms.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from lms.auth.models import User, normalise_email
from lms.auth.services import (
    AccountError,
    authenticate,
    create_registered_user,
    registration_for_token,
    self_registration_open,
    set_new_password,
    user_for_reset_token,
)
from lms.db import db, reads_first, utcnow
from lms.exports.tasks import Export, page_export, respond
from lms.forms import ActionForm
from lms.i18n import _, ngettext, site_language
from lms.security import configured_limit, is_safe_next, limiter, login_required


def _failed(response) -> bool:
    """Only failed logins count: a classroom of trainees behind one address must all get in."""
    return response.status_code != 302


def _throttled(email: str) -> int:
    """Seconds this browser must wait before a password for `email` is checked (lms/auth/throttle.py)."""
    wait = throttle.wait_seconds(email)
    if wait:
        flash(
            ngettext(
                "Too many wrong passwords were typed for this account. Try again in %(num)d minute, "
                "or log in from a device you have used before.",
                "Too many wrong passwords were typed for this account. Try again in %(num)d minutes, "
                "or log in from a device you have used before.",
                math.ceil(wait / 60),
            ),
            "error",
        )
    return wait


def _wrong_password(email: str) -> None:
    """Count it; when the free tries run out, the account's owner hears of it."""
    if throttle.failed(email):
        owner = db.session.scalar(User.by_email(email))
        if owner is not None and owner.active:
            mails.send_failed_logins_warning(owner)
            db.session.commit()  # the mail is sent when this commits
    flash(_("Wrong e-mail or password, or the account is suspended."), "error")


def _start_login(user: User, remember: bool) -> None:
    """A new login session (lms/auth/sessions.py) in the cookies."""
    sessions.start(user)
    login_user(user, remember=remember)
    if user.locale:
        session["locale"] = user.locale


@bp.route("/login", methods=["GET", "POST"])
@reads_first
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT_IP"), methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        if _throttled(form.email.data):
            status = 429
        else:
            user = authenticate(form.email.data, form.password.data)
            if user is not None:
                _start_login(user, form.remember.data)
                db.session.commit()
                target = request.args.get("next")
                response = redirect(target if is_safe_next(target) else url_for("core.home"))
                throttle.succeeded(form.email.data, response)
                return response
            _wrong_password(form.email.data)
            status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form, registration_open=self_registration_open()), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        sessions.end(current_user)
        db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT_IP"), methods=["POST"])
def register():
    if not self_registration_open():
        flash(_("Self-registration is closed. Ask your programme's coordinator for an account."), "error")
        return render_template("auth/registration_closed.html"), 403
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.locale.data = site_language()
        form.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        # The enterprise is found (or the person chooses among similar ones) before the link is sent.
        enterprise = form.read_enterprise(None, form.country.data or None)
        if enterprise is None:
            return render_template("auth/register.html", form=form), 400
        details = {
            "email": normalise_email(form.email.data),
            "name": form.name.data.strip(),
            **_profile(form),
            "enterprise": enterprise,
        }
        owner = db.session.scalar(User.by_email(details["email"]))
        if owner is None:
            mails.send_registration_link(details)
        else:
            mails.send_already_registered(owner)
        db.session.commit()  # the mail is sent when this commits
        # The same answer for a new and a taken address, so the form reveals no accounts.
        flash(
            _(
                "We sent a message to %(email)s. Open the link in it to finish creating your account.",
                email=details["email"],
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form), 400 if form.is_submitted() else 200


def _invalid_link(message: str):
    flash(message, "error")
    return render_template("auth/reset_invalid.html"), 400


@bp.route("/register/<token>", methods=["GET", "POST"])
@reads_first
def finish_registration(token: str):
    """The link mailed by the registration form: choose a password, and the account exists."""
    details = registration_for_token(token)
    if details is None:
        return _invalid_link(_("This link is not valid or has expired. Register again to get a new one."))
    if db.session.scalar(User.by_email(details["email"])) is not None:
        flash(_("This account exists already. Log in, or ask for a new password if you forgot it."), "info")
        return redirect(url_for("auth.login"))
    form = ResetPasswordForm()
    form.personal = (details["email"], details.get("name") or "")
    if form.validate_on_submit():
        try:
            user = create_registered_user(details, form.password.data)
        except AccountError:  # the same link opened twice at once
            db.session.rollback()
            return redirect(url_for("auth.login"))
        _start_login(user, remember=False)
        db.session.commit()
        flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
        return redirect(url_for("core.home"))
    return render_template(
        "auth/reset_password.html", form=form, registering=details
    ), 400 if form.is_submitted() else 200


def _profile(form) -> dict:
    return {
        field: (getattr(form, field).data or None) for field in ("country", "gender", "locale", "timezone")
    }


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.show_enterprise(current_user)
    if form.validate_on_submit():
        current_user.name = form.name.data.strip()
        for field, value in _profile(form).items():
            setattr(current_user, field, value)
        if not form.place(current_user, current_user.country):
            db.session.rollback()
            return render_template(
                "auth/profile.html", form=form, other_devices=sessions.count_others(current_user)
            ), 400
        session["locale"] = current_user.locale
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template(
        "auth/profile.html",
        form=form,
        other_devices=sessions.count_others(current_user),
    ), 400 if form.is_submitted() else 200


@page_export("my_data")
def my_data_file(fmt: str) -> Export:
    """The signed-in user's own data, one ZIP of CSV files and a README (lms.privacy): nobody else's,
    whoever asks. Made in the request, or by an export job when it is large."""
    from lms import privacy

    user = current_user._get_current_object()
    tables, made_at = privacy.tables_of(user), utcnow()
    return Export(
        filename=f"my-data-{made_at:%Y-%m-%d}.zip",
        size=privacy.cells(tables),
        write=lambda file: privacy.write_zip(user, tables, file, made_at),
        total=1,
        title=_("My data"),
        back=url_for("auth.profile"),
    )


@bp.route("/profile/my-data.zip")
@login_required
def my_data():
    return respond(my_data_file, "zip")


@bp.route("/profile/log-out-others", methods=["POST"])
@login_required
def log_out_others():
    if ActionForm().validate_on_submit():
        ended = sessions.end_all(current_user, keep_current=True)
        db.session.commit()
        flash(
            ngettext(
                "You are logged out on %(num)d other device.",
                "You are logged out on %(num)d other devices.",
                ended,
            ),
            "success",
        )
    return redirect(url_for("auth.profile"))


@bp.route("/password", methods=["GET", "POST"])
@reads_first
@login_required
def change_password():
    form = ChangePasswordForm()
    form.personal = (current_user.email, current_user.name)
    status = 200
    if form.validate_on_submit():
        if current_user.check_password(form.current.data):
            set_new_password(current_user, form.password.data, keep_this_login=True)
            db.session.commit()
            flash(_("Your password is changed. Your other devices are logged out."), "success")
            return redirect(url_for("core.home"))
        form.current.errors.append(_("This is not your current password."))
        status = 400
    elif form.is_submitted():
        status = 400
    return render_template("auth/change_password.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT_IP"), methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = db.session.scalar(User.by_email(form.email.data))
        if user is not None and user.active:
            mails.send_reset_link(user)
            db.session.commit()  # the mail is sent when this commits
        # The same answer whether or not the account exists, so the form reveals no e-mail addresses.
        flash(_("If an account exists for this e-mail, a link to set a new password is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@reads_first
def reset_password(token: str):
    user = user_for_reset_token(token)
    if user is None:
        return _invalid_link(_("This link is not valid or has expired. Ask for a new one."))
    form = ResetPasswordForm()
    form.personal = (user.email, user.name)
    if form.validate_on_submit():
        set_new_password(user, form.password.data, keep_this_login=False)
        db.session.commit()
        flash(_("Your new password is set. You can log in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 400 if form.is_submitted() else 200
