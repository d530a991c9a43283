"""The account mails: every link in them is built from BASE_URL (lms/links.py), never the Host header."""

from contextlib import nullcontext

from flask import current_app
from flask_babel import force_locale, get_locale

from lms.auth.models import User
from lms.auth.services import make_registration_token, make_reset_token
from lms.i18n import BABEL_LOCALES, _
from lms.links import external_url
from lms.mail import send_mail
from lms.notifications.services import send_account_mail


def _lang() -> str:
    """The language the mail is being written in (the reader's, or the person's at the keyboard)."""
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def _site() -> str:
    return current_app.config["SITE_NAME"]


def _in_language_of(user: User):
    """A mail to someone other than the person at the keyboard is written in the reader's language."""
    return force_locale(BABEL_LOCALES.get(user.locale, user.locale)) if user.locale else nullcontext()


def send_reset_link(user: User) -> None:
    """templates/mail/password_reset.txt: a link to set a new password, valid PASSWORD_RESET_MAX_AGE."""
    link = external_url("auth.reset_password", token=make_reset_token(user))
    send_account_mail("password_reset", {"link": link}, user)


def send_registration_link(details: dict) -> None:
    send_mail(
        details["email"],
        _("Finish creating your account"),
        _(
            "Hello %(name)s,\n\nto finish creating your account on %(site)s, open this link and choose "
            "your password:\n%(link)s\n\nIf you did not ask for an account, ignore this message: "
            "nothing is created without the link.",
            name=details["name"],
            site=_site(),
            link=external_url("auth.finish_registration", token=make_registration_token(details)),
        ),
        html=True,
        lang=_lang(),
    )


def send_already_registered(user: User) -> None:
    with _in_language_of(user):
        _send_already_registered(user)


def _send_already_registered(user: User) -> None:
    send_mail(
        user.email,
        _("You already have an account"),
        _(
            "Hello %(name)s,\n\nsomeone, perhaps you, tried to create an account on %(site)s with this "
            "e-mail address. You already have one: log in at %(login)s, or if you forgot your password, "
            "set a new one at %(forgot)s.\n\nIf it was not you, ignore this message: nothing has changed.",
            name=user.name,
            site=_site(),
            login=external_url("auth.login"),
            forgot=external_url("auth.forgot_password"),
        ),
        html=True,
        lang=_lang(),
    )


def send_failed_logins_warning(user: User) -> None:
    with _in_language_of(user):
        _send_failed_logins_warning(user)


def _send_failed_logins_warning(user: User) -> None:
    send_mail(
        user.email,
        _("Wrong passwords were typed for your account"),
        _(
            "Hello %(name)s,\n\nseveral wrong passwords were just typed for your account on %(site)s. "
            "Logins for it from new devices now have to wait a little after each wrong try; from a "
            "device where you have logged in before, you can log in as usual.\n\nIf it was you, there "
            "is nothing to do. If not, someone may be guessing: make sure your password is not used "
            "anywhere else, or change it at %(link)s.",
            name=user.name,
            site=_site(),
            link=external_url("auth.change_password"),
        ),
        html=True,
        lang=_lang(),
    )
