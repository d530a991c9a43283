"""Signed Open Badges 3.0: a VC-JWT any verifier checks with the published keys, and a revocation list."""

import base64
import gzip
import hashlib
import json

import pytest
from jwcrypto import jwk, jws
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.db import db
from tests.conftest import csrf_token
from tests.test_certificates import complete_course  # noqa: F401 (fixture)


def verify_with_jwcrypto(token: str, jwks: dict) -> dict:
    """Checks the signature with a library of its own (jwcrypto), as an outside verifier would."""
    keys = jwk.JWKSet.from_json(json.dumps(jwks))
    signed = jws.JWS()
    signed.deserialize(token)
    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==="))["kid"]
    signed.verify(keys.get_key(kid))
    return json.loads(signed.payload)


@pytest.fixture
def certificate(complete_course):  # noqa: F811
    complete_course()
    return db.session.scalar(select(Certificate))


def test_the_credential_is_signed_and_verifies_with_the_published_keys(client, certificate):
    response = client.get(f"/verify/{certificate.code}.jwt")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    token = response.get_data(as_text=True)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==="))
    assert header["alg"] == "RS256"  # the algorithm Open Badges 3.0 requires every verifier to support
    claims = verify_with_jwcrypto(token, client.get("/.well-known/jwks.json").get_json())
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["jti"] == claims["id"] and claims["iss"] == claims["issuer"]["id"]
    assert claims["nbf"] == int(certificate.issued_at.timestamp())
    assert claims["credentialSubject"]["achievement"]["name"] == "Ψηφιακό μάρκετινγκ"


def test_one_changed_character_breaks_the_signature(client, certificate):
    token = client.get(f"/verify/{certificate.code}.jwt").get_data(as_text=True)
    jwks = client.get("/.well-known/jwks.json").get_json()
    head, payload, signature = token.split(".")
    text = base64.urlsafe_b64decode(payload + "===").decode()
    forged = text.replace("Ψηφιακό", "Ψηφιακά", 1)
    forged_payload = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")
    with pytest.raises(jws.InvalidJWSSignature):
        verify_with_jwcrypto(f"{head}.{forged_payload}.{signature}", jwks)


def test_the_recipient_is_a_salted_hash_of_their_email(client, certificate):
    badge = client.get(f"/verify/{certificate.code}.json").get_json()
    [identity] = badge["credentialSubject"]["identifier"]
    assert identity["type"] == "IdentityObject" and identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    expected = hashlib.sha256((certificate.user.email.lower() + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert certificate.user.email not in json.dumps(badge)


def _revoked_bit(client, index: int) -> bool:
    token = client.get("/status/revocation").get_data(as_text=True)
    claims = verify_with_jwcrypto(token, client.get("/.well-known/jwks.json").get_json())
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    encoded = claims["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")  # multibase base64url
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "==="))
    assert len(bits) * 8 >= 131_072
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_revocation_sets_the_certificates_bit_in_the_signed_status_list(client, login_as, certificate):
    badge = client.get(f"/verify/{certificate.code}.json").get_json()
    status = badge["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    index = int(status["statusListIndex"])
    assert index == certificate.id and not _revoked_bit(client, index)
    login_as("coordinator")
    client.post(
        f"/certificates/{certificate.id}/revoke",
        data={"reason": "Wrong course", "csrf_token": csrf_token(client, "/")},
    )
    assert _revoked_bit(client, index)
    assert client.get(f"/verify/{certificate.code}.jwt").status_code == 410


def test_a_rotated_key_signs_new_credentials_and_the_old_one_still_verifies(app, client, runner, certificate):
    old_token = client.get(f"/verify/{certificate.code}.jwt").get_data(as_text=True)
    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0, result.output
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert len(jwks["keys"]) == 2 and all("d" not in key for key in jwks["keys"])  # public parts only
    new_token = client.get(f"/verify/{certificate.code}.jwt").get_data(as_text=True)
    kid = lambda token: json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==="))["kid"]  # noqa: E731
    assert kid(new_token) != kid(old_token)
    verify_with_jwcrypto(old_token, jwks)
    verify_with_jwcrypto(new_token, jwks)
    assert runner.invoke(args=["certificates", "retire-key", "--", kid(old_token)]).exit_code == 0
    published = [key["kid"] for key in client.get("/.well-known/jwks.json").get_json()["keys"]]
    assert published == [kid(new_token)]


def ob3_schema_validator():
    """1EdTech's published JSON schema of OpenBadgeCredential (tests/data/openbadges/README.md)."""
    from pathlib import Path

    from jsonschema import Draft201909Validator, FormatChecker

    schema = json.loads(
        (Path(__file__).parent / "data/openbadges/ob_v3p0_achievementcredential_schema.json").read_text()
    )
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=FormatChecker())


def test_the_credential_is_valid_against_1edtechs_ob3_json_schema(client, certificate):
    validator = ob3_schema_validator()
    badge = client.get(f"/verify/{certificate.code}.json").get_json()
    assert [error.message for error in validator.iter_errors(badge)] == []
    # The signed credential's claims too (the JWT's registered claims beside the credential's own).
    token = client.get(f"/verify/{certificate.code}.jwt").get_data(as_text=True)
    claims = verify_with_jwcrypto(token, client.get("/.well-known/jwks.json").get_json())
    assert [error.message for error in validator.iter_errors(claims)] == []
    # The schema is no rubber stamp: a credential without a subject's achievement fails it.
    broken = json.loads(json.dumps(badge))
    del broken["credentialSubject"]["achievement"]
    assert any("achievement" in error.message for error in validator.iter_errors(broken))


@pytest.mark.needs("pango", "pdfdetach")
def test_the_trainees_pdf_carries_the_signed_credential(client, tmp_path, certificate):
    """The certificate a trainee downloads embeds the signed Open Badge as a file attachment (what PDF
    readers list under attachments), and it verifies like the one at /verify/<code>.jwt."""
    import subprocess

    from tests.conftest import login

    login(client, certificate.user.email)
    page = client.get("/certificates/mine").get_data(as_text=True)
    assert f"/verify/{certificate.code}.jwt" in page and f"/verify/{certificate.code}.json" in page
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(response.data)
    listing = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True, text=True, check=True)
    assert f"open-badge-{certificate.code}.jwt" in listing.stdout
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(tmp_path / "badge.jwt"), str(pdf)], check=True)
    token = (tmp_path / "badge.jwt").read_text()
    claims = verify_with_jwcrypto(token, client.get("/.well-known/jwks.json").get_json())
    assert claims["id"].endswith(f"/verify/{certificate.code}.json")
    assert [error.message for error in ob3_schema_validator().iter_errors(claims)] == []
