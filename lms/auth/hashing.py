"""Password storage: argon2id at OWASP's recommended parameters (the policy on what a password may be is
in lms/auth/passwords.py).

OWASP's Password Storage Cheat Sheet asks for argon2id with 19 MiB of memory, 2 iterations and 1 degree
of parallelism (its first choice), or scrypt with N=2^17, r=8, p=1. On two cores one argon2id check takes
about 16 ms and one such scrypt check about 410 ms; Werkzeug's default scrypt (N=2^15), which stored the
first passwords, takes about 70 ms and is below OWASP's figure. `benchmarks/password_hashing.py` measures
them. A hash of an older scheme still verifies, and a successful login replaces it (`needs_rehash`).
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

ARGON2_PREFIX = "$argon2"
# OWASP: m=19456 KiB (19 MiB), t=2, p=1. Raise them here; older hashes are upgraded on their next login.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    if not stored.startswith(ARGON2_PREFIX):
        return check_password_hash(stored, password)  # Werkzeug's scrypt or pbkdf2, from before argon2id
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for a hash made with another scheme or weaker parameters than today's."""
    return not stored.startswith(ARGON2_PREFIX) or _hasher.check_needs_rehash(stored)
