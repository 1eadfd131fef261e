"""What a tender document may be: size and type limits, and the SHA-256 of its content.

The type is decided by the file's extension AND its first bytes (a ``.pdf`` that does not start
with ``%PDF-`` is refused), so a renamed executable cannot pass as a document. Limits can be
changed with ``TENDERS_DOCUMENT_MAX_BYTES`` and ``TENDERS_DOCUMENT_EXTENSIONS`` in the settings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

DEFAULT_MAX_BYTES = 25 * 1024 * 1024

_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # legacy .doc/.xls
# extension -> (content type served back, accepted leading bytes; None = text, checked for NUL bytes)
FILE_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    "doc": ("application/msword", _OLE),
    "xls": ("application/vnd.ms-excel", _OLE),
    "zip": ("application/zip", _ZIP),
    "dwg": ("image/vnd.dwg", (b"AC10",)),
    "csv": ("text/csv", None),
    "txt": ("text/plain", None),
}


def max_bytes() -> int:
    return int(getattr(settings, "TENDERS_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def allowed_extensions() -> tuple[str, ...]:
    configured = getattr(settings, "TENDERS_DOCUMENT_EXTENSIONS", None)
    return tuple(ext for ext in (configured or FILE_TYPES) if ext in FILE_TYPES)


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    size: int
    sha256: str


def safe_filename(name: str) -> str:
    """The last path component, without control characters, at most 255 characters."""
    base = PurePath((name or "").replace("\\", "/")).name
    cleaned = "".join(char for char in base if char.isprintable() and char not in '<>:"|?*').strip(" .")
    return cleaned[-255:] or "document"


def check_upload(upload: UploadedFile) -> tuple[CheckedFile | None, list[str]]:
    """Check size and type and hash the content. Returns (the facts, []) or (None, [messages])."""
    filename = safe_filename(upload.name or "")
    extension = PurePath(filename).suffix.lower().lstrip(".")
    allowed = allowed_extensions()
    if extension not in allowed:
        return None, [f"Files of type '.{extension or '?'}' are not accepted; use one of: {', '.join(allowed)}."]
    size = upload.size or 0
    if size == 0:
        return None, ["The file is empty."]
    limit = max_bytes()
    if size > limit:
        return None, [f"The file is {size:,} bytes; the limit is {limit:,} bytes."]

    content_type, signatures = FILE_TYPES[extension]
    digest = hashlib.sha256()
    upload.seek(0)
    head = b""
    for chunk in upload.chunks():
        if len(head) < 8192:
            head += chunk[: 8192 - len(head)]
        digest.update(chunk)
    upload.seek(0)
    if signatures is None:
        if b"\x00" in head:
            return None, [f"The file is not plain text, as a '.{extension}' file must be."]
    elif not any(head.startswith(signature) for signature in signatures):
        return None, [f"The content of the file is not a '.{extension}' file."]
    return CheckedFile(filename=filename, content_type=content_type, size=size, sha256=digest.hexdigest()), []
