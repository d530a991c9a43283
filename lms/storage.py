"""One interface for files: course uploads, export archives, images that PDFs embed.

Keys are relative paths ("uploads/ab/ab12...", "exports/certificates-7.zip"). The instance folder holds them
by default; with LMS_STORAGE_S3_BUCKET set they live in S3-compatible object storage (AWS S3, MinIO, ...)
through boto3, so every web host and worker sees the same files.
"""

import mimetypes
import shutil
import tempfile
import uuid
from pathlib import Path

from flask import Flask, Response, current_app, send_file


class StorageError(ValueError):
    pass


def clean_key(key: str) -> str:
    """A relative path with no traversal; StorageError for anything else."""
    if not key or "\\" in key or "\0" in key or key.startswith("/"):
        raise StorageError(f"not a storage key: {key[:200]!r}")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise StorageError(f"not a storage key: {key[:200]!r}")
    return key


class Storage:
    """What every backend does. `within(prefix)` gives the same storage seen from a folder."""

    def save(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def save_file(self, key: str, source: Path) -> None:
        raise NotImplementedError

    def read(self, key: str) -> bytes:
        """The file's bytes; FileNotFoundError if there is none."""
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def version(self, key: str) -> str:
        """Changes whenever the file does (for cache-busting URLs); FileNotFoundError if there is none."""
        raise NotImplementedError

    def send(self, key: str, **options) -> Response:
        """A download response (Flask's send_file options: mimetype, as_attachment, download_name...)."""
        raise NotImplementedError

    def within(self, prefix: str) -> "Storage":
        raise NotImplementedError

    def settings(self) -> dict:
        """Plain values that rebuild this storage in another process (open_storage)."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


class LocalStorage(Storage):
    """Files in a folder (the instance folder): written to a temporary name, then renamed into place."""

    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()

    def path(self, key: str) -> Path:
        return self.root / clean_key(key)

    def save(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
        partial.write_bytes(data)
        partial.replace(path)

    def save_file(self, key: str, source: Path) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
        shutil.copyfile(source, partial)
        partial.replace(path)

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def version(self, key: str) -> str:
        stat = self.path(key).stat()
        return f"{stat.st_mtime_ns:x}-{stat.st_size:x}"

    def send(self, key: str, **options) -> Response:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return send_file(path, **options)

    def within(self, prefix: str) -> "LocalStorage":
        return LocalStorage(self.path(prefix))

    def settings(self) -> dict:
        return {"kind": "local", "root": str(self.root)}

    def describe(self) -> str:
        return f"folder {self.root}"


class S3Storage(Storage):
    """Objects in an S3-compatible bucket, under a key prefix."""

    def __init__(self, bucket: str, prefix: str = "", **client_options):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client_options = {name: value for name, value in client_options.items() if value}
        self._client = None

    @property
    def client(self):
        if self._client is None:
            import boto3

            self._client = boto3.client("s3", **self.client_options)
        return self._client

    def _key(self, key: str) -> str:
        return self.prefix + clean_key(key)

    def save(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def save_file(self, key: str, source: Path) -> None:
        self.client.upload_file(str(source), self.bucket, self._key(key))

    def _call(self, operation: str, key: str) -> dict:
        """An S3 call on one object; FileNotFoundError when the object is not there."""
        from botocore.exceptions import ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(key) from error
            raise

    def read(self, key: str) -> bytes:
        return self._call("get_object", key)["Body"].read()

    def _head(self, key: str) -> dict:
        return self._call("head_object", key)

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def version(self, key: str) -> str:
        return self._head(key)["ETag"].strip('"')

    def send(self, key: str, **options) -> Response:
        """Streamed through this host (the bucket stays private; no presigned URL leaves the site)."""
        body = self._call("get_object", key)["Body"]
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (send_file closes it)
        shutil.copyfileobj(body, spool)
        spool.seek(0)
        options.setdefault("mimetype", mimetypes.guess_type(key)[0] or "application/octet-stream")
        options.pop("conditional", None)
        return send_file(spool, **options)

    def within(self, prefix: str) -> "S3Storage":
        inner = S3Storage(self.bucket, self.prefix + clean_key(prefix), **self.client_options)
        inner._client = self._client
        return inner

    def settings(self) -> dict:
        return {"kind": "s3", "bucket": self.bucket, "prefix": self.prefix, **self.client_options}

    def describe(self) -> str:
        endpoint = self.client_options.get("endpoint_url", "AWS")
        return f"S3 bucket {self.bucket!r} at {endpoint}" + (f", prefix {self.prefix}" if self.prefix else "")


def open_storage(settings: dict) -> Storage:
    settings = dict(settings)
    kind = settings.pop("kind")
    if kind == "local":
        return LocalStorage(settings["root"])
    return S3Storage(settings.pop("bucket"), settings.pop("prefix", ""), **settings)


def storage_settings(app: Flask) -> dict:
    config = app.config
    if not config["STORAGE_S3_BUCKET"]:
        return {"kind": "local", "root": app.instance_path}
    return {
        "kind": "s3",
        "bucket": config["STORAGE_S3_BUCKET"],
        "prefix": config["STORAGE_S3_PREFIX"] or "",
        "endpoint_url": config["STORAGE_S3_ENDPOINT_URL"],
        "region_name": config["STORAGE_S3_REGION"],
        "aws_access_key_id": config["STORAGE_S3_ACCESS_KEY"],
        "aws_secret_access_key": config["STORAGE_S3_SECRET_KEY"],
    }


def storage(app: Flask | None = None) -> Storage:
    """The app's storage, made once per process."""
    app = app or current_app
    if "storage" not in app.extensions:
        app.extensions["storage"] = open_storage(storage_settings(app))
    return app.extensions["storage"]
