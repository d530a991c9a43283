"""Wrong passwords slow a guesser down without locking the owner out (ASVS 2.2.1, OWASP "device cookies").

A hard per-account limit lets anyone lock anyone out by typing wrong passwords for them. Instead:

- The first LOGIN_FREE_FAILURES wrong passwords for an e-mail address (in LOGIN_FAILURE_WINDOW seconds)
  cost nothing; each one after them makes the next try wait, 1 minute, then 2, 4, ... up to
  LOGIN_DELAY_MAX. While it waits, a login for that address is refused without checking the password.
  Counting is by e-mail address, whether or not an account has it, so the delay reveals no account.
- A browser that has logged in to the account before carries a signed device cookie (sent to /login
  only). Its wrong passwords count against that device alone, so the owner's phone still logs in with
  the right password while somebody else is guessing.
- When the free tries run out, the account's owner is mailed (by the view).

Counters live in the rate limiter's storage: memory for one process, Redis when LMS_REDIS_URL is set.
"""

import hashlib
import hmac
import math
import secrets
import time

from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from lms.auth.models import normalise_email
from lms.security import limiter

DEVICE_COOKIE = "lms_device"
DEVICE_COOKIE_DAYS = 365
DEVICE_ACCOUNTS_MAX = 10  # a shared classroom computer remembers this many accounts


def _clock() -> float:
    return time.time()


def _account(email: str) -> str:
    """A keyed hash of the address: neither the counters nor the cookie hold e-mail addresses."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, normalise_email(email).encode(), hashlib.sha256).hexdigest()[:24]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _device() -> dict:
    """This browser's device cookie: {"d": device id, "a": [accounts it logged in to]}, or {}."""
    try:
        data = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        return {}
    ok = isinstance(data, dict) and isinstance(data.get("d"), str) and isinstance(data.get("a"), list)
    return data if ok else {}


def known_device(email: str) -> bool:
    """Whether this browser has logged in to the account of `email` before."""
    return _account(email) in _device().get("a", [])


def _key(email: str) -> str:
    device = _device()
    if _account(email) in device.get("a", []):
        return f"login-failures/device/{device['d']}/{_account(email)}"
    return f"login-failures/account/{_account(email)}"


def wait_seconds(email: str) -> int:
    """Seconds before a login for `email` from this browser is checked again; 0 when it is now."""
    until = limiter.storage.get(_key(email) + "/until")
    return max(0, math.ceil(until - _clock())) if until else 0


def failed(email: str) -> bool:
    """Count a wrong password; True when this one used up the free tries (time to tell the owner)."""
    config = current_app.config
    key = _key(email)
    failures = limiter.storage.incr(key, expiry=config["LOGIN_FAILURE_WINDOW"])
    free = config["LOGIN_FREE_FAILURES"]
    if failures >= free:
        delay = min(60 * 2 ** (failures - free), config["LOGIN_DELAY_MAX"])
        limiter.storage.clear(key + "/until")
        limiter.storage.incr(key + "/until", expiry=delay + 1, amount=math.ceil(_clock() + delay))
    return failures == free and not known_device(email)


def succeeded(email: str, response) -> None:
    """A right password: forget this browser's failures and remember it as a device of the account."""
    key = _key(email)
    limiter.storage.clear(key)
    limiter.storage.clear(key + "/until")
    device = _device()
    accounts = [a for a in device.get("a", []) if a != _account(email)]
    value = {"d": device.get("d") or secrets.token_urlsafe(16), "a": [_account(email), *accounts]}
    value["a"] = value["a"][:DEVICE_ACCOUNTS_MAX]
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps(value),
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        path=url_for("auth.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
