"""Open Badges 3.0: each certificate as an OpenBadgeCredential (a W3C Verifiable Credential).

/verify/<code>.json is the credential as JSON; /verify/<code>.jwt is the same credential signed as a
VC-JWT (RS256) with the deployment's key (lms.certificates.signing), whose public keys are at
/.well-known/jwks.json. The recipient is identified as Open Badges 3.0 asks, by a salted SHA-256 hash of
their e-mail address, so the credential names nobody's address. Revocation is published in a signed
Bitstring Status List at /status/revocation, where a certificate's bit is its id.
docs/certificates.md says how to verify one.
"""

import base64
import gzip
import hashlib
import hmac
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.certificates.services import verify_url
from lms.certificates.signing import sign_claims
from lms.db import db
from lms.links import external_url

STATUS_LIST_BITS = 131_072  # the smallest list the W3C recommends, so a bit says little about who it is


def recipient_identifier(certificate: Certificate) -> dict | None:
    """Open Badges' IdentityObject: sha256 of the lower-case e-mail address and a salt that is stable
    for the certificate (an HMAC of its code) and unguessable without the site's secret key."""
    if certificate.user is None:
        return None
    secret = current_app.config["SECRET_KEY"].encode()
    salt = hmac.new(secret, certificate.code.encode(), hashlib.sha256).hexdigest()[:16]
    digest = hashlib.sha256((certificate.user.email.lower() + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": f"sha256${digest}",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def open_badge(certificate: Certificate) -> dict:
    site = external_url("core.home")
    course_url = external_url("courses.detail", slug=certificate.course.slug) if certificate.course else site
    issued = certificate.issued_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": verify_url(certificate.code) + ".json",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certificate.course_title,
        "issuer": {"id": site, "type": ["Profile"], "name": certificate.issuer},
        "validFrom": issued,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": certificate.name,
            "achievement": {
                "id": course_url,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": certificate.course_title,
                "description": f"Completion of the course {certificate.course_title} "
                f"({float(certificate.hours):g} hours).",
                "criteria": {
                    "narrative": "Completed every required lesson and quiz of the course and met its "
                    "completion rules."
                },
                "inLanguage": certificate.language,
            },
            "result": [{"type": ["Result"], "value": f"{certificate.grade:.0f}%"}]
            if certificate.grade is not None
            else [],
        },
        "evidence": [{"id": verify_url(certificate.code), "type": ["Evidence"], "name": "Verification page"}],
        "credentialStatus": {
            "id": f"{external_url('certificates.revocation_list')}#{certificate.id}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.id),
            "statusListCredential": external_url("certificates.revocation_list"),
        },
    }
    if identifier := recipient_identifier(certificate):
        credential["credentialSubject"]["identifier"] = [identifier]
    return credential


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def signed_open_badge(certificate: Certificate) -> str:
    """The credential as a VC-JWT: its claims plus the registered ones Open Badges 3.0 names."""
    credential = open_badge(certificate)
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": _epoch(certificate.issued_at),
        "iat": _epoch(datetime.now(UTC)),
    }
    return sign_claims(claims)


def revocation_list() -> str:
    """A signed BitstringStatusListCredential in which the bit of each revoked certificate is set."""
    revoked = db.session.scalars(select(Certificate.id).where(Certificate.revoked_at.is_not(None))).all()
    size = max(STATUS_LIST_BITS, -(-(max(revoked, default=0) + 1) // 8) * 8)
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)  # the first bit is the most significant of the first byte
    encoded = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")
    site = external_url("core.home")
    now = datetime.now(UTC)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": external_url("certificates.revocation_list"),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": site, "type": ["Profile"]},
        "validFrom": now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": external_url("certificates.revocation_list") + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    return sign_claims({**credential, "iss": site, "jti": credential["id"], "nbf": _epoch(now)})
