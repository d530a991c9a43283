"""Zip files of course packages: checked before anything is written, built in memory for download."""

import io
import stat
import zipfile

from lms.courses.package import PackageError, Problem

MAX_ENTRIES = 2000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed; text compresses ~10x, a bomb ~1000x


def read_zip(data: bytes, label: str = "upload.zip") -> dict[str, bytes]:
    """The files of a zipped package, by path inside the package. Refuses, naming the entry:
    anything that is not a zip, absolute or '..' paths, links, too many entries, and zip bombs
    (checked on the bytes actually inflated, not on the sizes the archive claims)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PackageError([Problem(label, None, "not a zip file")]) from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_ENTRIES:
            raise PackageError([Problem(label, None, f"more than {MAX_ENTRIES} files")])
        problems = [
            Problem(label, None, f"{info.filename}: {reason}")
            for info in entries
            if (reason := _unsafe(info))
        ]
        if problems:
            raise PackageError(problems)
        files, total = {}, 0
        for info in entries:
            limit = min(MAX_TOTAL_BYTES - total, max(info.compress_size, 1) * MAX_RATIO + 64 * 1024)
            with archive.open(info) as member:
                content = member.read(limit + 1)
            if len(content) > limit:
                reason = (
                    "the package is too large"
                    if total + len(content) > MAX_TOTAL_BYTES
                    else "compressed suspiciously well (a zip bomb?)"
                )
                raise PackageError([Problem(label, None, f"{info.filename}: {reason}")])
            total += len(content)
            files[info.filename] = content
    return _strip_common_folder(files)


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute or Windows-style path"
    if ".." in name.split("/"):
        return "path climbs out of the package ('..')"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic links are not allowed"
    return None


def _strip_common_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    """A zip of the folder itself ('digital-marketing/course.toml') reads as the package."""
    files = {
        name: data
        for name, data in files.items()
        if not any(part.startswith(".") or part == "__MACOSX" for part in name.split("/"))
    }
    if "course.toml" in files:
        return files
    heads = {name.split("/", 1)[0] for name in files}
    if len(heads) == 1 and all("/" in name for name in files):
        prefix = heads.pop() + "/"
        return {name[len(prefix) :]: data for name, data in files.items()}
    return files


def write_zip(files: dict[str, bytes], folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            archive.writestr(f"{folder}/{path}", data)
    return buffer.getvalue()
