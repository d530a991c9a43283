"""Account operations. Services flush, never commit: the caller commits once."""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms.admin.models import SiteSetting
from lms.auth.hashing import hash_password, needs_rehash
from lms.auth.models import ROLES, User, normalise_email
from lms.db import db, start_writing, utcnow
from lms.enterprises.services import apply_choice


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is shown to the user."""


def create_user(email: str, name: str, password: str | None = None, role: str = "trainee", **profile) -> User:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    email = normalise_email(email)
    user = User(email=email, name=name.strip(), role=role, **profile)
    if password:
        user.set_password(password)  # before the duplicate check: that and the insert are one write
    if db.session.scalar(User.by_email(email)) is not None:
        raise AccountError("duplicate-email")
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None; as slow for an unknown e-mail.

    The password is checked as a reader (the login view is `reads_first`); only a successful login
    then writes, in a short transaction (`record_login`)."""
    user = db.session.scalar(User.by_email(email))
    if user is None:
        User(password_hash=_dummy_hash()).check_password(password)  # spend the time of a real check
        return None
    if not user.check_password(password) or not user.active:
        return None
    record_login(user, password)
    return user


def record_login(user: User, password: str) -> None:
    """Note a successful login, and store the password with today's hashing if its hash is older or
    weaker: the new hash is computed before the write lock is taken, and kept only if no one changed
    the password in between."""
    checked = user.password_hash
    upgraded = hash_password(password) if needs_rehash(checked) else None
    start_writing(user)
    if upgraded and user.password_hash == checked:
        user.password_hash = upgraded
    user.last_login_at = utcnow()


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        user = User()
        user.set_password("not a real password")
        _DUMMY_HASH.append(user.password_hash)
    return _DUMMY_HASH[0]


def set_new_password(user: User, password: str, keep_this_login: bool) -> None:
    """A new password ends the user's other login sessions (all of them after a reset by mail link)."""
    from lms.auth import sessions

    user.set_password(password)
    sessions.end_all(user, keep_current=keep_this_login)


def self_registration_open() -> bool:
    return bool(SiteSetting.get("self_registration", current_app.config["SELF_REGISTRATION"]))


# A reset link asked for by its user lasts an hour; the link in a welcome mail, which people open days
# later, lasts as long as WELCOME_LINK_MAX_AGE. Different salts: one cannot pass for the other.
TOKEN_KINDS = {"password-reset": "PASSWORD_RESET_MAX_AGE", "welcome": "WELCOME_LINK_MAX_AGE"}


def _reset_serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=kind)


def make_reset_token(user: User, welcome: bool = False) -> str:
    # The token carries a fragment of the current hash, so it stops working once the password changes.
    kind = "welcome" if welcome else "password-reset"
    return _reset_serializer(kind).dumps({"id": user.id, "h": (user.password_hash or "")[-12:]})


def user_for_reset_token(token: str) -> User | None:
    """The user a reset or welcome token was made for, or None if it is forged, expired or already used."""
    data = None
    for kind, max_age in TOKEN_KINDS.items():
        try:
            data = _reset_serializer(kind).loads(token, max_age=current_app.config[max_age])
            break
        except (SignatureExpired, BadSignature):
            continue
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    user = db.session.get(User, data["id"])
    if user is None or not user.active or (user.password_hash or "")[-12:] != data.get("h"):
        return None
    return user


# --- self-registration ------------------------------------------------------------------------------
# The registration form answers the same for a new and a taken address: "a link is on its way". A new
# address gets a link to choose a password, which creates the account; the owner of a taken address gets
# a note instead. No account exists until the link is opened, so nobody can squat an address, and the
# token holds the typed profile but no password.

REGISTRATION_FIELDS = (
    "email",
    "name",
    "country",
    "gender",
    "locale",
    "timezone",
    "enterprise",  # what the enterprise fields said (lms.enterprises.services.apply_choice)
)


def _registration_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="registration")


def make_registration_token(details: dict) -> str:
    return _registration_serializer().dumps({key: details.get(key) for key in REGISTRATION_FIELDS})


def registration_for_token(token: str) -> dict | None:
    """The details a registration link was made for, or None if it is forged or expired."""
    try:
        data = _registration_serializer().loads(token, max_age=current_app.config["WELCOME_LINK_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("email"), str):
        return None
    return data


def create_registered_user(details: dict, password: str) -> User:
    """Create the account a registration link was made for; AccountError if the address was taken since."""
    profile = {
        key: details.get(key) for key in REGISTRATION_FIELDS if key not in ("email", "name", "enterprise")
    }
    user = create_user(details["email"], details.get("name") or "", password, **profile)
    apply_choice(user, details.get("enterprise"))
    return user
