from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from lms.auth import bp
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
    create_user,
    make_reset_token,
    self_registration_open,
    user_for_reset_token,
)
from lms.db import db
from lms.i18n import _, site_language
from lms.mail import send_mail
from lms.security import configured_limit, is_safe_next, limiter, login_required


def _login_account_key() -> str:
    return "login:" + normalise_email(request.form.get("email", ""))


def _failed(response) -> bool:
    """Only failed logins count: a classroom of trainees behind one address must all get in."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured_limit("LOGIN_RATE_LIMIT_IP"), methods=["POST"], deduct_when=_failed)
@limiter.limit(
    configured_limit("LOGIN_RATE_LIMIT_ACCOUNT"),
    methods=["POST"],
    key_func=_login_account_key,
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            if user.locale:
                session["locale"] = user.locale
            db.session.commit()
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("core.home"))
        flash(_("Wrong e-mail or password, or the account is suspended."), "error")
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form, registration_open=self_registration_open()), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/register", methods=["GET", "POST"])
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
    status = 200
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.name.data, form.password.data, **_profile(form))
        except AccountError:
            form.email.errors.append(_("An account with this e-mail already exists."))
            status = 409
        else:
            if not form.place(user, user.country):
                db.session.rollback()  # the person chooses an enterprise first; nothing is kept
                form.keep_passwords()
                return render_template("auth/register.html", form=form), 400
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
            return redirect(url_for("core.home"))
    elif form.is_submitted():
        status = 400
    return render_template("auth/register.html", form=form), status


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
            return render_template("auth/profile.html", form=form), 400
        session["locale"] = current_user.locale
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        if current_user.check_password(form.current.data):
            current_user.set_password(form.password.data)
            db.session.commit()
            flash(_("Your password is changed."), "success")
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
            link = url_for("auth.reset_password", token=make_reset_token(user), _external=True)
            send_mail(
                user.email,
                _("Set a new password"),
                _(
                    "Hello %(name)s,\n\nto set a new password for %(site)s, open this link within an hour:\n"
                    "%(link)s\n\nIf you did not ask for it, ignore this message.",
                    name=user.name,
                    site=current_app.config["SITE_NAME"],
                    link=link,
                ),
            )
        # The same answer whether or not the account exists, so the form reveals no e-mail addresses.
        flash(_("If an account exists for this e-mail, a link to set a new password is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = user_for_reset_token(token)
    if user is None:
        flash(_("This link is not valid or has expired. Ask for a new one."), "error")
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        db.session.commit()
        flash(_("Your new password is set. You can log in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 400 if form.is_submitted() else 200
