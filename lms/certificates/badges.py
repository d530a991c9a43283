"""Open Badges 3.0: each valid certificate as an OpenBadgeCredential (a W3C Verifiable Credential).

The credential is not signed (no proof): anyone who receives it checks it by fetching its `id`, this
site's /verify/<code>.json, which answers 404 for an unknown code and 410 for a revoked one.
docs/certificates.md says what is and is not signed.
"""

from lms.certificates.models import Certificate
from lms.certificates.services import verify_url
from lms.links import external_url


def open_badge(certificate: Certificate) -> dict:
    site = external_url("core.home")
    course_url = external_url("courses.detail", slug=certificate.course.slug) if certificate.course else site
    issued = certificate.issued_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {
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
    }
