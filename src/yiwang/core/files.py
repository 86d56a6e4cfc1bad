"""Stored files (附件): upload with size/type limits and digests, and permission-checked access.

`file_store` is the one write: it checks the size limit, the declared type *and* the real type
sniffed from the content's magic bytes, computes SHA-256 and SM3 while streaming, saves the bytes
under a random key in `storages["yiwang_files"]` and writes the audit row. An action that stores
uploads inside its own transaction wraps it in `files_discarded_on_error`, so a rollback takes the
bytes with the rows.

`file_open_for` is the one read: the owner, staff holding `core.view_file` whose data scope
reaches the file's organisation, or any rule a domain registered with `register_file_access_rule`
(e.g. "the department handling the application the file is attached to") may open a file;
everyone else gets NotFound, exactly as for a file that does not exist.

`file_copies` is the bulk path for loads (the demo history, archive migrations): one content is
checked exactly like an upload and stored once, then handed out as many unsaved `StoredFile` rows
whose bytes are hard links to that one copy on a file-system storage. It writes no audit row per file: the caller saves the
rows in bulk and records one audit row for the whole load."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import IO, TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import ProtectedError
from django.http import FileResponse
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import Organization, StoredFile
from yiwang.core.spreadsheets import archive_inspect
from yiwang.core.uploads import unattached, upload_quota_check, upload_rate_check

if TYPE_CHECKING:
    from yiwang.identity.actor import Actor
    from yiwang.identity.models import User

logger = logging.getLogger(__name__)

VIEW_PERMISSION = "core.view_file"
STORAGE_ALIAS = "yiwang_files"
CHUNK_SIZE = 64 * 1024
SNIFF_BYTES = 8

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
OFD = "application/ofd"

# Declared types that mean "the client does not know": fall back to the file name's extension.
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
# Spellings browsers and operating systems use for the same type.
TYPE_ALIASES = {
    "image/jpg": JPEG,
    "image/pjpeg": JPEG,
    "image/x-png": PNG,
    "application/x-pdf": PDF,
    "application/x-zip-compressed": ZIP,
    "application/x-zip": ZIP,
}
EXTENSION_TYPES = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".jpe": JPEG,
    ".zip": ZIP,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".pptx": PPTX,
    ".ofd": OFD,
}
TYPE_EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", ZIP: ".zip", DOCX: ".docx", XLSX: ".xlsx"}
TYPE_EXTENSIONS |= {PPTX: ".pptx", OFD: ".ofd"}


class FileTooLarge(InvalidInput):
    status = 413


class FileContentMissing(DomainError):
    status = 500


@dataclass(frozen=True)
class _Digest:
    size: int
    sha256: str
    sm3: str


# ---------------------------------------------------------------- type sniffing


def _normalise_type(value: str | None) -> str:
    value = (value or "").split(";", 1)[0].strip().lower()
    return TYPE_ALIASES.get(value, value)


def _extension_type(name: str) -> str | None:
    extension = os.path.splitext(name)[1].lower()
    if not extension:
        return None
    return EXTENSION_TYPES.get(extension) or _normalise_type(mimetypes.guess_type(name)[0]) or ""


def _zip_type(handle: IO[bytes]) -> str | None:
    """Tell apart the zip-based formats by their required members: OOXML and OFD (GB/T 33190). A zip
    declaring more members than `YIWANG_ARCHIVE_MAX_MEMBERS` is refused (413 `archive_too_large`)."""
    try:
        handle.seek(0)
        # The directory's size is checked before zipfile reads it all (YIWANG_ARCHIVE_MAX_MEMBERS).
        names = {info.filename for info in archive_inspect(handle)}
    except InvalidInput as error:
        if error.code == "archive_invalid":
            return None
        raise
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
        if any(n.startswith("ppt/") for n in names):
            return PPTX
        return None  # some other OOXML/OPC package
    if "OFD.xml" in names:
        return OFD
    return ZIP


def sniff_type(head: bytes, handle: IO[bytes]) -> str | None:
    """The real type of the content from its magic bytes (and, for zip, its members), or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_type(handle)
    return None


# ---------------------------------------------------------------- names and digests


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_filename(name: str) -> str:
    """The display name: no directories, no control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).strip()
    if name in {"", ".", ".."}:
        return "未命名文件"
    if len(name) > 255:
        stem, extension = os.path.splitext(name)
        name = stem[: 255 - len(extension[:20])] + extension[:20]
    return name


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    handle.seek(0)
    while True:
        chunk = handle.read(CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


def _digest(handle: IO[bytes], *, limit: int) -> tuple[_Digest, bytes]:
    """Stream the content once: size (stopping past `limit`), SHA-256, SM3 and the first bytes."""
    sha256 = hashlib.sha256()
    sm3 = hashes.Hash(hashes.SM3())
    size = 0
    head = b""
    for chunk in _chunks(handle):
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        sha256.update(chunk)
        sm3.update(chunk)
    return _Digest(size=size, sha256=sha256.hexdigest(), sm3=sm3.finalize().hex()), head


def _too_large(limit: int) -> FileTooLarge:
    megabytes = limit / (1024 * 1024)
    shown = f"{megabytes:.0f}" if megabytes >= 1 and megabytes == int(megabytes) else f"{megabytes:.2f}"
    return FileTooLarge(
        f"文件大小超过上限（{shown} MB），请压缩或拆分后重新上传",
        code="file_too_large",
        details={"max_bytes": limit, "max_mb": float(shown)},
    )


def _type_not_allowed(name: str) -> InvalidInput:
    return InvalidInput(
        f"不支持该文件类型或文件内容与类型不符：{name}。允许的类型：{allowed_types_label()}",
        code="file_type_not_allowed",
        details={"allowed": list(settings.YIWANG_FILE_TYPES)},
    )


def allowed_types_label() -> str:
    labels = [TYPE_EXTENSIONS.get(t, t).lstrip(".").upper() for t in settings.YIWANG_FILE_TYPES]
    return "、".join(dict.fromkeys(labels))


def _storage() -> Storage:
    return storages[STORAGE_ALIAS]


def _new_key(when: datetime | None = None) -> str:
    when = when or timezone.now()
    return f"{when:%Y/%m}/{uuid.uuid4().hex}"


def _check(handle: File[Any], *, display_name: str, declared: str | None) -> tuple[_Digest, str]:
    """The digests and real type of content that passes the upload checks; raises otherwise.

    Checks the size limit, that the content is not empty, and that the type sniffed from the
    content is allowed and agrees with the declared type and with the name's extension."""
    limit = int(settings.YIWANG_FILE_MAX_BYTES)
    known_size = getattr(handle, "size", None)
    if isinstance(known_size, int) and known_size > limit:
        raise _too_large(limit)
    digest, head = _digest(handle, limit=limit)
    if digest.size == 0:
        raise InvalidInput("文件内容为空，请选择有效的文件", code="file_empty")

    real_type = sniff_type(head, handle)
    allowed = {_normalise_type(t) for t in settings.YIWANG_FILE_TYPES}
    declared_type = _normalise_type(declared)
    extension_type = _extension_type(display_name)
    if declared_type in GENERIC_TYPES:
        declared_type = extension_type or ""
    if (
        real_type is None
        or real_type not in allowed
        or declared_type != real_type
        or (extension_type is not None and extension_type != real_type)
    ):
        raise _type_not_allowed(display_name)
    return digest, real_type


# ---------------------------------------------------------------- the write

# Storage keys written inside `files_discarded_on_error` blocks (None outside any).
_written_keys: ContextVar[list[str] | None] = ContextVar("yiwang_files_written", default=None)


@contextmanager
def files_discarded_on_error() -> Iterator[None]:
    """Delete the bytes of every file `file_store` wrote inside the block if the block raises.

    `file_store` writes the bytes, then the row; the row lives in the caller's transaction. When that
    transaction rolls back (a material still missing, a lost idempotency race), the bytes would stay
    in the storage with no row pointing to them — an uploaded ID card nobody could find or delete.
    Put this *outside* the caller's `transaction.atomic()`, whose rollback removes the rows."""
    keys: list[str] = []
    token = _written_keys.set(keys)
    try:
        yield
    except BaseException:
        storage = _storage()
        for key in keys:
            storage.delete(key)
        raise
    finally:
        _written_keys.reset(token)


def files_delete(files: Iterable[StoredFile], *, storage: Storage | None = None) -> int:
    """Delete stored files nothing else refers to: their rows now, their bytes once the caller's
    transaction commits (a rollback keeps both). A file still referred to (another application's
    material, an attachment, a result) is kept. Returns how many were deleted."""
    storage = storage or _storage()
    deleted = 0
    for stored in files:
        try:
            with transaction.atomic():  # a savepoint: a refused delete leaves the caller's transaction usable
                stored.delete()
        except ProtectedError:
            continue
        transaction.on_commit(partial(storage.delete, stored.storage_key))
        deleted += 1
    return deleted


@dataclass(frozen=True)
class PruneResult:
    deleted: int
    bytes: int
    cutoff: datetime
    more: bool  # the run stopped at its limit: more files are waiting


def files_prune(
    *,
    actor: Any,
    now: datetime | None = None,
    grace_hours: float | None = None,
    limit: int = 1000,
    dry_run: bool = False,
) -> PruneResult:
    """Delete up to `limit` stored files that nothing refers to (`core.uploads.unattached`: any
    foreign key or many-to-many field of any model) and that were stored more than `grace_hours`
    (default `YIWANG_UPLOAD_GRACE_HOURS`) ago — uploads never used, materials replaced in a draft, the
    files of a lost idempotency race. One transaction and ONE audit row (`file.prune`, listing the
    files) per run that deletes anything; the bytes go once it commits. A file that gets attached
    meanwhile is kept (rows locked and checked again; on PostgreSQL a row being attached is skipped).
    `dry_run` only counts. Run by the worker every `YIWANG_FILE_PRUNE_SECONDS` and by
    `yiwang files prune`."""
    grace = float(settings.YIWANG_UPLOAD_GRACE_HOURS if grace_hours is None else grace_hours)
    cutoff = (now or timezone.now()) - timedelta(hours=grace)
    candidates = unattached(StoredFile.objects.filter(created_at__lt=cutoff)).order_by("pk")
    if dry_run:
        rows = list(candidates.values_list("size", flat=True)[: limit + 1])
        return PruneResult(len(rows[:limit]), sum(rows[:limit]), cutoff, len(rows) > limit)
    storage = _storage()
    with transaction.atomic():
        locked = candidates.select_for_update(skip_locked=True, of=("self",))
        files = list(locked[: limit + 1])
        more = len(files) > limit
        files = files[:limit]
        deleted = [stored for stored in files if files_delete([stored], storage=storage)]
        if deleted:
            total = sum(stored.size for stored in deleted)
            audit_record(
                actor=actor,
                action="file.prune",
                summary=f"清理 {len(deleted)} 个未关联任何业务的附件（上传超过 {grace:g} 小时）",
                data={
                    "count": len(deleted),
                    "bytes": total,
                    "grace_hours": grace,
                    "stored_before": cutoff.isoformat(),
                    "files": [
                        {"uid": str(s.uid), "size": s.size, "sha256": s.sha256, "owner": s.owner_id}
                        for s in deleted
                    ],
                },
            )
    return PruneResult(len(deleted), sum(s.size for s in deleted), cutoff, more)


def file_audit_data(stored: StoredFile) -> dict[str, Any]:
    """What an audit row records of a stored file (its own row, or the row of the act that made it)."""
    return {
        "uid": str(stored.uid),
        "name": stored.name,
        "size": stored.size,
        "content_type": stored.content_type,
        "sha256": stored.sha256,
        "sm3": stored.sm3,
        "organization": stored.organization_id,
    }


def file_store(
    *,
    actor: Actor,
    upload: Any,
    name: str | None = None,
    content_type: str | None = None,
    organization: Organization | None = None,
    audit: bool = True,
    uploaded: bool = True,
) -> StoredFile:
    """Check and store one upload; returns the new `StoredFile`. `audit=False` for a document an
    action generates and audits itself (its row names the file: `file_audit_data`).
    `uploaded=False` for content the platform generated (a notice, a result, an error report): the
    user's upload rate and quota (`core.uploads`) apply only to what users upload.

    `upload` is a Django `UploadedFile` (or any `File`), or `bytes` together with `name=`
    (and optionally `content_type=`). Raises InvalidInput with code `file_empty`,
    `file_too_large` (HTTP 413) or `file_type_not_allowed`, or — for an upload — HTTP 429
    `too_many_requests` / `upload_quota_exceeded`; nothing is stored then."""
    if not getattr(actor, "is_authenticated", False) and not getattr(actor, "is_system", False):
        raise PermissionDenied("请先登录后再上传文件", code="unauthenticated")
    user = getattr(actor, "user", None)
    limited_user = user.pk if uploaded and user is not None and user.pk else None
    if limited_user is not None:
        upload_rate_check(limited_user)
    if isinstance(upload, bytes | bytearray):
        handle: File[Any] = ContentFile(bytes(upload), name=name or "")
        declared = content_type
    else:
        handle = upload
        declared = content_type if content_type is not None else getattr(upload, "content_type", None)
    display_name = clean_filename(name or getattr(handle, "name", "") or "")
    digest, real_type = _check(handle, display_name=display_name, declared=declared)
    if limited_user is not None:
        upload_quota_check(limited_user, digest.size)

    storage = _storage()
    handle.seek(0)
    key = storage.save(_new_key(), handle)
    written = _written_keys.get()
    if written is not None:
        written.append(key)
    try:
        with transaction.atomic():
            stored = StoredFile.objects.create(
                name=display_name,
                content_type=real_type,
                size=digest.size,
                sha256=digest.sha256,
                sm3=digest.sm3,
                storage_key=key,
                owner=actor.user,
                organization=organization,
            )
            if audit:
                audit_record(
                    actor=actor,
                    action="file.store",
                    obj=stored,
                    summary=f"上传附件「{display_name}」",
                    data=file_audit_data(stored),
                )
    except BaseException:
        storage.delete(key)
        raise
    return stored


# ---------------------------------------------------------------- bulk copies of one content


class FileCopies:
    """One checked content stored once; `row()` hands out copies of it as unsaved `StoredFile` rows.

    Made by `file_copies`. Each row is what `file_store` would have created for the same bytes
    (name, real type, size, SHA-256, SM3, a fresh random storage key, owner, organisation) minus the
    audit row. On a file-system storage a copy's bytes are a hard link to the master copy, so a
    thousand copies cost a thousand directory entries and no disk; on other storages each copy is
    written out once."""

    def __init__(self, *, content: bytes, digest: _Digest, content_type: str, master_key: str) -> None:
        self.content = content
        self.content_type = content_type
        self.size = digest.size
        self.sha256 = digest.sha256
        self.sm3 = digest.sm3
        self.master_key = master_key
        self._storage = _storage()
        try:
            self._master_path: str | None = self._storage.path(master_key)
        except NotImplementedError:
            self._master_path = None

    def _save(self, key: str) -> str:
        if self._master_path is None:
            return self._storage.save(key, ContentFile(self.content))
        path = self._storage.path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.link(self._master_path, path)
        return key

    def row(
        self,
        *,
        name: str,
        owner: User | None,
        organization: Organization | None = None,
        stored_at: datetime | None = None,
    ) -> StoredFile:
        """An unsaved `StoredFile` for a new copy named `name`; its bytes are in the storage already.

        The key lies under the month of `stored_at` (default now), like `file_store`'s. Raises
        InvalidInput `file_type_not_allowed` when the name's extension says another type."""
        display_name = clean_filename(name)
        extension_type = _extension_type(display_name)
        if extension_type is not None and extension_type != self.content_type:
            raise _type_not_allowed(display_name)
        return StoredFile(
            name=display_name,
            content_type=self.content_type,
            size=self.size,
            sha256=self.sha256,
            sm3=self.sm3,
            storage_key=self._save(_new_key(stored_at)),
            owner=owner,
            organization=organization,
        )


def file_copies(content: bytes, *, name: str, content_type: str | None = None) -> FileCopies:
    """Check `content` as `file_store` checks an upload, store it once, and return its `FileCopies`.

    For bulk loads only (seeding, migrations): the caller saves the rows from `FileCopies.row()`
    (usually with `bulk_create`) and records one audit row for the whole load, since none is
    written per file. Bytes of copies whose rows are never saved stay in the storage, as after a
    rolled-back load. Raises the same InvalidInput errors as `file_store`."""
    display_name = clean_filename(name)
    digest, real_type = _check(
        ContentFile(content, name=display_name), display_name=display_name, declared=content_type
    )
    extension = TYPE_EXTENSIONS.get(real_type, "")
    master_key = _storage().save(f"{_new_key()}{extension}", ContentFile(content))
    return FileCopies(content=content, digest=digest, content_type=real_type, master_key=master_key)


# ---------------------------------------------------------------- the read

FileAccessRule = Callable[["Actor", StoredFile], bool]
_access_rules: list[FileAccessRule] = []


def register_file_access_rule(rule: FileAccessRule) -> FileAccessRule:
    """Let a domain grant access, e.g. staff handling the application a file is attached to.

    A rule gets the actor and the file and returns True to allow; it must not write. Usable as a
    decorator; registering the same rule twice has no effect."""
    if rule not in _access_rules:
        _access_rules.append(rule)
    return rule


def unregister_file_access_rule(rule: FileAccessRule) -> None:
    if rule in _access_rules:
        _access_rules.remove(rule)


def can_open_file(actor: Actor, stored: StoredFile) -> bool:
    if actor.user_id is not None and stored.owner_id == actor.user_id:
        return True
    organization = stored.organization
    if actor.can_reach(
        VIEW_PERMISSION,
        organization_id=stored.organization_id,
        organization_path=organization.path if organization is not None else "",
        region_path=organization.region.path if organization is not None else "",
        owner_id=stored.owner_id,
    ):
        return True
    return any(rule(actor, stored) for rule in list(_access_rules))


def file_open_for(actor: Actor, uid: uuid.UUID | str) -> StoredFile:
    """The file `uid` if `actor` may open it; NotFound otherwise (existence is not revealed)."""
    not_found = NotFound("文件不存在或无权访问", code="file_not_found")
    if not getattr(actor, "is_authenticated", False) and not getattr(actor, "is_system", False):
        raise not_found
    try:
        key = uid if isinstance(uid, uuid.UUID) else uuid.UUID(str(uid))
    except ValueError:
        raise not_found from None
    stored = StoredFile.objects.select_related("organization__region").filter(uid=key).first()
    if stored is None or not can_open_file(actor, stored):
        raise not_found
    return stored


def file_content(stored: StoredFile) -> File[Any]:
    """Open the stored bytes for reading (call only with a file obtained from `file_open_for`)."""
    try:
        return _storage().open(stored.storage_key, "rb")
    except FileNotFoundError:
        logger.error("附件 %s 的内容在存储中缺失（%s）", stored.uid, stored.storage_key)
        raise FileContentMissing("文件内容缺失，请联系管理员", code="file_content_missing") from None


# Types a page may show in place (`file_response(..., inline=True)`): PDFs in a frame, images.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


def file_response(stored: StoredFile, *, inline: bool = False) -> FileResponse:
    """Stream a file the actor may open (see `file_open_for`) as an attachment.

    `Content-Disposition` carries the name RFC 5987-encoded (filename*=UTF-8''…) for Chinese
    names; the browser must neither sniff the type nor run the content.

    `inline=True` (a preview on one of our pages) serves a PDF or an image (`INLINE_TYPES`, the type
    checked from the content when stored) `inline`, framable by our own pages only
    (`frame-ancestors 'self'`, `X-Frame-Options: SAMEORIGIN`); a PDF is not sandboxed, as the
    browser's PDF viewer does not run in a sandbox. Any other type is still an attachment."""
    inline = inline and stored.content_type in INLINE_TYPES
    response = FileResponse(
        file_content(stored), as_attachment=not inline, filename=stored.name, content_type=stored.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    if inline:
        sandbox = "" if stored.content_type == "application/pdf" else "; sandbox"
        response["Content-Security-Policy"] = f"default-src 'none'; frame-ancestors 'self'{sandbox}"
        response["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
