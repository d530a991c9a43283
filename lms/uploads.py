"""What an upload really is: its first bytes must match its suffix (an .exe renamed .png is refused)."""

import posixpath

# The first bytes of each accepted binary type. Office documents (docx, xlsx, pptx, odt, ods) are zips.
MAGIC = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
}
TEXT_TYPES = (".txt", ".csv", ".md")
CONTENT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}


def looks_like(data: bytes, name: str) -> bool:
    """Whether the bytes are what the file's suffix says: UTF-8 for text, the magic bytes otherwise."""
    suffix = posixpath.splitext(name)[1].lower()
    if suffix in TEXT_TYPES:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    if suffix == ".webp" and data[8:12] != b"WEBP":  # RIFF also starts WAV and AVI
        return False
    return suffix in MAGIC and data.startswith(MAGIC[suffix])


def clean_name(filename: str, fallback: str = "file") -> str:
    """A safe file name from an upload's: no folders, at most 120 characters, suffix kept lower-case."""
    name = posixpath.basename((filename or "").replace("\\", "/")).strip()
    stem, suffix = posixpath.splitext(name)
    stem = "".join(c if c.isalnum() or c in "-_. " else "-" for c in stem).strip(" .") or fallback
    return stem[:120] + suffix.lower()
