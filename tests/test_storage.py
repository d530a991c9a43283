"""One storage interface: the instance folder, and S3-compatible object storage (against moto's server, an
in-process fake of S3, when it is installed)."""

import contextlib
import io
import socket
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.courses.models import CourseFile
from lms.db import db
from lms.storage import LocalStorage, S3Storage, StorageError, open_storage, storage
from tests import ports
from tests.conftest import csrf_token
from tests.test_authoring import PNG, _upload
from tests.test_certificates import complete_course  # noqa: F401 (a fixture)

# One fake S3 server for the module (and tests/test_hosts.py): in one pytest-xdist worker, not one each.
pytestmark = pytest.mark.xdist_group("servers")

BUCKET = "lms-test"
CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "region_name": "eu-central-1",
}


def _free_port(ports) -> int:
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip(f"no free port in {ports} for the fake S3 server")


@pytest.fixture(scope="module")
def s3_endpoint():
    server_module = pytest.importorskip(
        "moto.server", reason="no fake S3 to test against: pip install 'moto[server]'"
    )
    port = _free_port(ports.S3)
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()  # (it would wait forever for a port in use: hence _free_port)
    endpoint = f"http://127.0.0.1:{port}"
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):  # moto keeps buckets per process
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["region_name"]}
        )
    yield endpoint
    server.stop()


@pytest.fixture(params=["folder", "s3"])
def backend(request, tmp_path):
    if request.param == "folder":
        return LocalStorage(tmp_path / "files")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(BUCKET, f"run-{tmp_path.name}", endpoint_url=endpoint, **CREDENTIALS)


def test_every_backend_saves_reads_versions_and_deletes(backend, tmp_path):
    assert not backend.exists("exports/a.zip")
    with pytest.raises(FileNotFoundError):
        backend.read("exports/a.zip")
    backend.save("exports/a.zip", b"first")
    first = backend.version("exports/a.zip")
    backend.save("exports/a.zip", b"second, longer")
    assert backend.read("exports/a.zip") == b"second, longer"
    assert backend.version("exports/a.zip") != first
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * 100_000)
    backend.save_file("uploads/ab/big", source)
    assert backend.within("uploads").read("ab/big") == b"x" * 100_000
    rebuilt = open_storage(backend.settings())
    assert rebuilt.read("exports/a.zip") == b"second, longer"
    backend.delete("exports/a.zip")
    assert not backend.exists("exports/a.zip")


@pytest.mark.parametrize("key", ["../secret", "/etc/passwd", "a/../../b", "a\\b", "", "a//b"])
def test_keys_never_leave_the_storage(key, tmp_path):
    with pytest.raises(StorageError):
        LocalStorage(tmp_path).save(key, b"x")


@pytest.fixture
def s3_app(app, s3_endpoint, tmp_path):
    """The test app with its files in the fake S3 bucket."""
    app.config.update(
        STORAGE_S3_BUCKET=BUCKET,
        STORAGE_S3_PREFIX=f"site-{tmp_path.name}",
        STORAGE_S3_ENDPOINT_URL=s3_endpoint,
        STORAGE_S3_REGION=CREDENTIALS["region_name"],
        STORAGE_S3_ACCESS_KEY="testing",
        STORAGE_S3_SECRET_KEY="testing",
    )
    app.extensions.pop("storage", None)
    app.extensions.pop("certificate_renderer", None)
    assert isinstance(storage(), S3Storage)
    return app


@pytest.mark.needs("pango")  # the export renders certificate PDFs
def test_uploads_and_exports_go_to_s3_and_back(s3_app, client, login_as, create_course, complete_course):  # noqa: F811
    course = create_course()
    login_as("coordinator")
    _upload(client, course, "shop.png", PNG)
    stored = db.session.scalar(select(CourseFile))
    assert storage().read(f"uploads/{stored.sha256[:2]}/{stored.sha256}") == PNG
    assert not (Path(s3_app.instance_path) / "uploads").exists()
    response = client.get(f"/courses/{course.slug}/files/images/shop.png")
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    response.close()

    certified, _ = complete_course()
    started = client.post(
        "/certificates/exports",
        data={"course": str(certified.id), "csrf_token": csrf_token(client, "/certificates/")},
    )
    assert storage().exists(f"exports/certificates-{started.headers['Location'].rsplit('/', 1)[1]}.zip")
    download = client.get(started.headers["Location"] + "/download")
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert "register.csv" in names and any(name.endswith(".pdf") for name in names)
    download.close()


def test_doctor_checks_the_s3_storage(s3_app, runner):
    result = runner.invoke(args=["doctor"])
    line = next(line for line in result.output.splitlines() if " storage " in line)
    assert line.startswith("ok") and BUCKET in line and "writes, reads and deletes" in line


@pytest.mark.needs("pango")  # renders a certificate
def test_certificates_embed_images_from_the_s3_uploads(s3_app):
    from lms.certificates import services as certs

    storage().save("uploads/logos/partner.png", PNG)
    renderer = certs.renderer()
    assert renderer.asset_url("uploads/logos/partner.png").startswith("lms-uploads:/logos/partner.png?v=")
    assert renderer.url_fetcher("lms-uploads:/logos/partner.png").read() == PNG
    assert renderer.asset_url("uploads/logos/missing.png") == "lms-uploads:/logos/missing.png"
