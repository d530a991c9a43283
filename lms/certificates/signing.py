"""The deployment's signing keys for Open Badges: VC-JWT signatures (RS256, as Open Badges 3.0 requires
every verifier to support) and their public JWKS.

Keys are JWK files in instance/keys/ (private, mode 600), made by `lms init` or on first use; `lms keys
rotate` adds a newer key, which signs from then on, while older keys stay published so credentials they
signed still verify; `lms keys retire KID` withdraws one. Several web hosts share the folder (or copy it).
"""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from joserfc import jwt
from joserfc.jwk import RSAKey

KEY_BITS = 2048


def keys_dir() -> Path:
    return Path(current_app.instance_path) / "keys"


def _key_files() -> list[Path]:
    return sorted(keys_dir().glob("badge-*.jwk.json"))  # names start with the creation time: oldest first


def create_key() -> RSAKey:
    """A new signing key, written to instance/keys/ readable by its owner only."""
    key = RSAKey.generate_key(KEY_BITS, auto_kid=True)
    folder = keys_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"badge-{stamp}-{key.kid}.jwk.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(key.as_dict(private=True), handle)
    return key


def all_keys() -> list[RSAKey]:
    return [RSAKey.import_key(json.loads(path.read_text())) for path in _key_files()]


def signing_key() -> RSAKey:
    """The newest key; the first one is made on first use."""
    files = _key_files()
    if not files:
        return create_key()
    return RSAKey.import_key(json.loads(files[-1].read_text()))


def retire_key(kid: str) -> bool:
    for path in _key_files():
        if path.name.endswith(f"-{kid}.jwk.json"):
            path.unlink()
            return True
    return False


def public_jwks() -> dict:
    return {"keys": [key.as_dict(private=False) | {"use": "sig", "alg": "RS256"} for key in all_keys()]}


def sign_claims(claims: dict) -> str:
    """A compact JWS of the claims, with the key's id in the header for verifiers to find it."""
    key = signing_key()
    return jwt.encode({"alg": "RS256", "typ": "JWT", "kid": key.kid}, claims, key)
