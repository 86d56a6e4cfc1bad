"""Backup and restore of a whole installation: `yiwang backup` and `yiwang restore` (docs/operations.md).

One archive (`.tar`, or `.tar.gz`/`.tgz` compressed) holds

    database/yiwang.sqlite3   SQLite: a copy made with SQLite's online backup API (consistent while
                              the server and the worker keep writing)
    database/yiwang.pgdump    PostgreSQL: `pg_dump --format=custom`
    files/<storage key>       every file in `storages["yiwang_files"]` (the bytes of `StoredFile` rows)
    data/<path>/…             each entry of `settings.YIWANG_BACKUP_PATHS` (paths under YIWANG_DATA_DIR
                              where a domain keeps a data store of its own)
    manifest.json             written last: format, yiwang version, time, database vendor, the applied
                              migrations per app, a check value of the audit key, and the size and
                              SHA-256 of every other member

The database is copied by the database's own tools, never with dumpdata/loaddata: those round
timestamps, so the audit chain (signed over the exact values) would no longer verify.

`backup_restore` reads the archive twice: first it checks every member against the manifest and
changes nothing if one differs, is missing or is extra; then it refuses a target that already holds
data (unless forced), puts the database, the files and the data paths back, and checks the result the
way `yiwang audit verify` does, plus the SHA-256 of every `StoredFile`."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal, cast

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

import yiwang
from yiwang.core.audit import ChainReport, key_check_value, verify_chain_report
from yiwang.core.models import StoredFile

FORMAT = "yiwang-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/yiwang.sqlite3", "postgresql": "database/yiwang.pgdump"}
VENDOR_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
FILES_PREFIX = "files/"
DATA_PREFIX = "data/"
STORAGE_ALIAS = "yiwang_files"
CHUNK_SIZE = 1024 * 1024
PROGRESS_FILES = 1000  # a progress line after this many files …
PROGRESS_BYTES = 256 * 1024 * 1024  # … or this many bytes, whichever comes first
SHOWN_PROBLEMS = 20

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Chinese and says what to do."""


def _silent(message: str) -> None:
    return None


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024:
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


# ---------------------------------------------------------------- shared helpers


class _HashingReader:
    """Reads through `raw`, counting the bytes and computing their SHA-256 on the way."""

    def __init__(self, raw: IO[bytes], *, size: int = 0) -> None:
        self.raw = raw
        self.size = size  # what the reader is expected to yield (for storages that ask)
        self.count = 0
        self.sha256 = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        chunk = self.raw.read(n)
        self.sha256.update(chunk)
        self.count += len(chunk)
        return chunk

    def drain(self) -> None:
        while self.read(CHUNK_SIZE):
            pass


class _Counter:
    """Counts files and bytes and says so every PROGRESS_FILES files or PROGRESS_BYTES bytes."""

    def __init__(self, progress: Progress, verb: str) -> None:
        self.progress = progress
        self.verb = verb
        self.files = 0
        self.bytes = 0
        self._said_files = 0
        self._said_bytes = 0

    def add(self, size: int) -> None:
        self.files += 1
        self.bytes += size
        if self.files - self._said_files >= PROGRESS_FILES or self.bytes - self._said_bytes >= PROGRESS_BYTES:
            self.say()

    def say(self) -> None:
        self._said_files, self._said_bytes = self.files, self.bytes
        self.progress(f"附件：已{self.verb} {self.files} 个，共 {human_size(self.bytes)}")


def _storage() -> Storage:
    return storages[STORAGE_ALIAS]


def _storage_keys(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file name in the storage, depth first in sorted order."""
    try:
        directories, names = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in sorted(names):
        yield f"{directory}/{name}" if directory else name
    for sub in sorted(directories):
        yield from _storage_keys(storage, f"{directory}/{sub}" if directory else sub)


def _safe_relative(value: str, *, what: str) -> PurePosixPath:
    path = PurePosixPath(value)
    if (
        not value
        or path.is_absolute()
        or any(part in {"", ".", ".."} for part in path.parts)
        or "\\" in value
    ):
        raise BackupError(f"{what}不是安全的相对路径：{value}")
    return path


def _data_roots(entries: list[str]) -> list[tuple[str, Path]]:
    """(archive name, path in this installation) for each data path, relative to YIWANG_DATA_DIR."""
    base = Path(settings.DATA_DIR)
    roots = []
    for entry in entries:
        relative = _safe_relative(
            str(entry), what="YIWANG_BACKUP_PATHS 中的路径（应为 YIWANG_DATA_DIR 下的相对路径）"
        )
        roots.append((relative.as_posix(), base / relative))
    return roots


def _key_check() -> str:
    """A check value of the audit key: equal keys give equal values, and it reveals nothing of the key."""
    return key_check_value()


def _database_settings() -> dict[str, Any]:
    return dict(connection.settings_dict)


def _pg_invocation(program: str, settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The program with the connection's host, port and user, and an environment carrying the
    password (PGPASSWORD, never on the command line) and the SSL options, as `dbshell` does."""
    from django.db.backends.postgresql.client import DatabaseClient

    binary = shutil.which(program)
    if binary is None:
        raise BackupError(
            f"找不到 {program}：请安装与数据库服务器主版本一致的 PostgreSQL 客户端（如 postgresql-client-15）"
        )
    _args, extra = DatabaseClient.settings_to_cmd_args_env({"OPTIONS": {}, **settings_dict}, [])
    args = [binary, "--no-password"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    if settings_dict.get("NAME"):
        args += ["--dbname", str(settings_dict["NAME"])]
    return args, {**os.environ, **(extra or {})}


def _run(args: list[str], env: dict[str, str], *, what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603 — our own argument list, no shell
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what}失败（退出码 {result.returncode}）：{detail}")


# ---------------------------------------------------------------- backup


@dataclass
class BackupReport:
    path: Path
    vendor: str = ""
    database_bytes: int = 0
    files: int = 0
    file_bytes: int = 0
    data_files: int = 0
    data_bytes: int = 0
    archive_bytes: int = 0
    problems: list[str] = field(default_factory=list)  # stored files whose bytes are missing or differ


def _applied_migrations() -> dict[str, list[str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    grouped: dict[str, list[str]] = defaultdict(list)
    for app, name in recorder.applied_migrations():
        grouped[app].append(name)
    return {app: sorted(names) for app, names in sorted(grouped.items())}


def _dump_database(directory: Path) -> tuple[str, Path]:
    """Copy the database into `directory` with the database's own tool; (vendor, file)."""
    vendor = connection.vendor
    if vendor == "sqlite":
        target = directory / "yiwang.sqlite3"
        connection.ensure_connection()
        source: sqlite3.Connection = connection.connection
        with closing(sqlite3.connect(target)) as copy:
            source.backup(copy)  # one step: a consistent snapshot while others keep writing (WAL)
            copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
        return vendor, target
    if vendor == "postgresql":
        target = directory / "yiwang.pgdump"
        args, env = _pg_invocation("pg_dump", _database_settings())
        _run([*args, "--format=custom", f"--file={target}"], env, what="pg_dump 导出数据库")
        return vendor, target
    raise BackupError(f"不支持备份该数据库：{vendor}（支持 SQLite 与 PostgreSQL）")


def _add_member(tar: tarfile.TarFile, name: str, handle: IO[bytes], *, size: int, mtime: float) -> str:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    reader = _HashingReader(handle)
    try:
        tar.addfile(info, reader)
    except OSError as exc:  # "unexpected end of data": the file shrank while it was read
        raise BackupError(f"{name} 在备份过程中被改动，请重新备份：{exc}") from exc
    return reader.sha256.hexdigest()


def _modified(storage: Storage, key: str) -> float:
    try:
        return storage.get_modified_time(key).timestamp()
    except (NotImplementedError, OSError):
        return time.time()


def _add_files(
    tar: tarfile.TarFile, members: dict[str, dict[str, Any]], report: BackupReport, progress: Progress
) -> dict[str, str]:
    """Stream every file of the storage into the archive; returns storage key → SHA-256."""
    storage = _storage()
    counter = _Counter(progress, "归档")
    archived: dict[str, str] = {}
    for key in _storage_keys(storage):
        try:
            size = storage.size(key)
            with storage.open(key, "rb") as handle:
                digest = _add_member(
                    tar, FILES_PREFIX + key, handle, size=size, mtime=_modified(storage, key)
                )
        except FileNotFoundError:
            continue  # deleted since it was listed (a file deleted with its row after the database copy)
        members[FILES_PREFIX + key] = {"size": size, "sha256": digest}
        archived[key] = digest
        counter.add(size)
    counter.say()
    report.files, report.file_bytes = counter.files, counter.bytes
    return archived


def _add_data(
    tar: tarfile.TarFile,
    roots: list[tuple[str, Path]],
    members: dict[str, dict[str, Any]],
    report: BackupReport,
) -> None:
    for name, root in roots:
        if root.is_file():
            paths = [(DATA_PREFIX + name, root)]
        elif root.is_dir():
            paths = []
            for directory, subdirectories, filenames in os.walk(root):
                subdirectories.sort()
                for filename in sorted(filenames):
                    path = Path(directory) / filename
                    if path.is_file() and not path.is_symlink():
                        paths.append((f"{DATA_PREFIX}{name}/{path.relative_to(root).as_posix()}", path))
        else:
            continue  # nothing there yet
        for member, path in paths:
            stat = path.stat()
            with path.open("rb") as handle:
                digest = _add_member(tar, member, handle, size=stat.st_size, mtime=stat.st_mtime)
            members[member] = {"size": stat.st_size, "sha256": digest}
            report.data_files += 1
            report.data_bytes += stat.st_size


def _stored_file_problems(archived: dict[str, str], *, until: datetime) -> list[str]:
    """Stored files (registered before the backup began) whose bytes the archive lacks or has changed."""
    problems = []
    rows = (
        StoredFile.objects.filter(created_at__lte=until)
        .order_by("pk")
        .values_list("uid", "storage_key", "sha256")
    )
    for uid, key, sha256 in rows.iterator(chunk_size=2000):
        digest = archived.get(key)
        if digest is None:
            problems.append(f"附件 {uid} 的内容缺失：存储中没有 {key}")
        elif digest != sha256:
            problems.append(f"附件 {uid} 的内容与登记的 SHA-256 不符：{key}")
    return problems


def _compression(output: Path) -> Literal["w:gz", "w"]:
    name = output.name.lower()
    if name.endswith((".tar.gz", ".tgz")):
        return "w:gz"
    if name.endswith(".tar"):
        return "w"
    raise BackupError(f"备份文件名应以 .tar.gz、.tgz 或 .tar 结尾：{output.name}")


def backup_create(output: Path, *, progress: Progress = _silent) -> BackupReport:
    """Write the archive to `output` (which must not exist); the database first, then the files.

    The archive is written beside `output` as `<name>.partial` (mode 0600: it holds personal data)
    and renamed once complete, so an interrupted backup never leaves a file that looks whole."""
    output = Path(output).absolute()
    mode = _compression(output)
    if output.exists():
        raise BackupError(f"备份文件已存在：{output}（请换一个文件名）")
    roots = _data_roots(list(getattr(settings, "YIWANG_BACKUP_PATHS", [])))
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    if partial.exists():
        raise BackupError(f"{partial} 已存在：另一个备份正在写入，或上次备份中断；确认后删除它再重试")
    report = BackupReport(path=output)
    members: dict[str, dict[str, Any]] = {}
    started = timezone.now()
    created = False
    try:
        with tempfile.TemporaryDirectory(prefix=".yiwang-backup-", dir=output.parent) as scratch:
            migrations = _applied_migrations()
            progress("正在备份数据库……")
            vendor, dump = _dump_database(Path(scratch))
            report.vendor, report.database_bytes = vendor, dump.stat().st_size
            progress(f"数据库已备份（{VENDOR_LABELS[vendor]}，{human_size(report.database_bytes)}）。")
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            created = True
            with os.fdopen(descriptor, "wb") as raw:
                with tarfile.open(fileobj=raw, mode=mode, format=tarfile.PAX_FORMAT) as tar:
                    member = DATABASE_MEMBERS[vendor]
                    with dump.open("rb") as handle:
                        digest = _add_member(
                            tar, member, handle, size=report.database_bytes, mtime=time.time()
                        )
                    members[member] = {"size": report.database_bytes, "sha256": digest}
                    dump.unlink()
                    progress("正在归档附件……")
                    archived = _add_files(tar, members, report, progress)
                    _add_data(tar, roots, members, report)
                    if roots:
                        progress(
                            f"其他数据：已归档 {report.data_files} 个文件，共 {human_size(report.data_bytes)}"
                        )
                    manifest = {
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "yiwang_version": yiwang.__version__,
                        "created_at": timezone.localtime(started).isoformat(),
                        "database": {"vendor": vendor, "member": member},
                        "migrations": migrations,
                        "audit_key_check": _key_check(),
                        "data_paths": [name for name, _path in roots],
                        "counts": {
                            "files": report.files,
                            "file_bytes": report.file_bytes,
                            "data_files": report.data_files,
                        },
                        "members": members,
                    }
                    content = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mtime, info.mode = len(content), int(time.time()), 0o600
                    tar.addfile(info, io.BytesIO(content))
                raw.flush()
                os.fsync(raw.fileno())
        report.problems = _stored_file_problems(archived, until=started)
        os.replace(partial, output)
    except BaseException:
        if created:
            partial.unlink(missing_ok=True)
        raise
    report.archive_bytes = output.stat().st_size
    return report


# ---------------------------------------------------------------- verify

_READ_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error)
_UNCHANGED = "未做任何改动。"


def _refused(detail: str) -> BackupError:
    return BackupError(f"备份文件已被篡改或损坏：{detail}。{_UNCHANGED}")


def _check_member_name(name: str) -> None:
    if name == MANIFEST:
        return
    path = PurePosixPath(name)
    if (
        "\\" in name
        or path.is_absolute()
        or any(part in {"", ".", ".."} for part in path.parts)
        or len(path.parts) < 2
        or path.parts[0] not in {"database", "files", "data"}
    ):
        raise _refused(f"含有不应出现的成员 {name}")


def backup_verify(path: Path, *, progress: Progress = _silent) -> dict[str, Any]:
    """Read the whole archive and check every member against the manifest; returns the manifest.

    Raises BackupError (Chinese) for an unreadable, truncated or tampered archive: a member missing,
    extra, repeated, not a plain file, or whose size or SHA-256 differs from the manifest's."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    found: dict[str, tuple[int, str]] = {}
    manifest_content: bytes | None = None
    read = 0
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                name = member.name
                if not member.isfile():
                    raise _refused(f"成员 {name} 不是普通文件")
                _check_member_name(name)
                if name in found or (name == MANIFEST and manifest_content is not None):
                    raise _refused(f"成员 {name} 出现了不止一次")
                handle = tar.extractfile(member)
                if handle is None:
                    raise _refused(f"成员 {name} 无法读取")
                if name == MANIFEST:
                    manifest_content = handle.read()
                    continue
                reader = _HashingReader(handle)
                reader.drain()
                found[name] = (reader.count, reader.sha256.hexdigest())
                read += reader.count
                if len(found) % PROGRESS_FILES == 0:
                    progress(f"已校验 {len(found)} 个文件，共 {human_size(read)}")
    except _READ_ERRORS as exc:
        raise BackupError(f"备份文件已损坏或不完整，无法读取（{exc}）。{_UNCHANGED}") from exc
    if manifest_content is None:
        raise BackupError(
            f"备份文件不完整：缺少清单 {MANIFEST}（备份可能在写入时中断，或文件被截断）。{_UNCHANGED}"
        )
    try:
        manifest = json.loads(manifest_content)
    except ValueError as exc:
        raise _refused(f"清单 {MANIFEST} 无法解析") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refused(f"{MANIFEST} 不是 yiwang 备份清单")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本 {manifest.get('format_version')} 不受本版本支持（支持 {FORMAT_VERSION}）。{_UNCHANGED}"
        )
    expected = manifest.get("members")
    database = manifest.get("database")
    if not isinstance(expected, dict) or not isinstance(database, dict):
        raise _refused(f"清单 {MANIFEST} 不完整")
    problems = []
    if (
        DATABASE_MEMBERS.get(database.get("vendor", "")) != database.get("member")
        or database.get("member") not in expected
    ):
        problems.append("清单中没有数据库")
    for name, entry in sorted(expected.items()):
        got = found.get(name)
        if got is None:
            problems.append(f"缺少 {name}")
        elif not isinstance(entry, dict) or got != (entry.get("size"), entry.get("sha256")):
            problems.append(f"{name} 的内容与清单中的 SHA-256 不符")
    problems += [f"{name} 不在清单中" for name in sorted(found.keys() - expected.keys())]
    data_paths = manifest.get("data_paths") or []
    if not isinstance(data_paths, list) or not all(isinstance(entry, str) for entry in data_paths):
        raise _refused(f"清单 {MANIFEST} 中的数据目录无法解析")
    for name in sorted(found):
        rest = name[len(DATA_PREFIX) :] if name.startswith(DATA_PREFIX) else None
        if rest is not None and not any(
            rest == entry or rest.startswith(entry + "/") for entry in data_paths
        ):
            problems.append(f"{name} 不在清单所列的数据目录中")
    if problems:
        more = f"等 {len(problems)} 处" if len(problems) > SHOWN_PROBLEMS else ""
        raise _refused("；".join(problems[:SHOWN_PROBLEMS]) + more)
    return manifest


# ---------------------------------------------------------------- restore


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    replaced: list[str] = field(default_factory=list)  # what --force overwrote
    files: int = 0
    file_bytes: int = 0
    data_files: int = 0
    pending_migrations: int = 0
    audit: ChainReport | None = None
    files_checked: int = 0
    file_problems: list[str] = field(default_factory=list)
    check_error: str = ""

    @property
    def ok(self) -> bool:
        return self.audit is not None and self.audit.ok and not self.file_problems and not self.check_error


def _vendor_label(vendor: str) -> str:
    return VENDOR_LABELS.get(vendor, vendor)


def _check_compatible(manifest: dict[str, Any]) -> None:
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"备份中的数据库是 {_vendor_label(vendor)}，本安装配置的是 {_vendor_label(connection.vendor)}，"
            f"不能直接恢复（请按备份时的数据库配置 DATABASE_URL）。{_UNCHANGED}"
        )
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    unknown = [
        f"{app}.{name}"
        for app, names in sorted(dict(manifest.get("migrations") or {}).items())
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            f"备份来自更新的 yiwang（{manifest.get('yiwang_version')}）：本版本没有数据库迁移 "
            f"{'、'.join(unknown[:5])}{'等' if len(unknown) > 5 else ''}。请先升级 yiwang 再恢复。{_UNCHANGED}"
        )
    if manifest.get("audit_key_check") != _key_check():
        raise BackupError(
            "本安装的审计密钥（YIWANG_AUDIT_KEY；未设置时由 SECRET_KEY 派生）与备份时不同，"
            f"恢复后审计日志将无法校验。请配置原安装的密钥后再恢复。{_UNCHANGED}"
        )


def _sqlite_path() -> Path:
    name = str(_database_settings()["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError(f"不能恢复到内存数据库（{name}），请在 DATABASE_URL 中配置数据库文件。{_UNCHANGED}")
    return Path(name)


def _count_rows(cursor: Any, tables: list[str], quote: Callable[[str], str]) -> int:
    total = 0
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 — a quoted table name of this database
        total += int(cursor.fetchone()[0])
    return total


def _database_contents() -> str | None:
    """What the configured database already holds, or None when it has no table at all."""
    if connection.vendor == "sqlite":
        path = _sqlite_path()
        if not path.exists() or path.stat().st_size == 0:
            return None
        with closing(sqlite3.connect(path)) as database:
            lite = database.cursor()
            tables = [
                row[0]
                for row in lite.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
            ]
            rows = _count_rows(lite, tables, lambda name: '"' + name.replace('"', '""') + '"')
    else:
        try:
            with connection.cursor() as cursor:
                tables = connection.introspection.table_names(cursor)
                rows = _count_rows(cursor, tables, connection.ops.quote_name)
        except DatabaseError as exc:
            raise BackupError(
                f"无法连接本安装配置的数据库：{exc}（PostgreSQL 上请先创建一个空数据库，例如 createdb）。"
                f"{_UNCHANGED}"
            ) from exc
        finally:
            connection.close()
    if not tables:
        return None
    return f"数据库已有 {len(tables)} 张数据表（共 {rows} 行数据）"


def _installation_contents(roots: list[tuple[str, Path]]) -> list[str]:
    found = []
    database = _database_contents()
    if database:
        found.append(database)
    if next(_storage_keys(_storage()), None) is not None:
        found.append("附件存储中已有文件")
    for _name, root in roots:
        if root.is_file() or (root.is_dir() and any(root.iterdir())):
            found.append(f"{root} 不是空的")
    return found


def _clear_installation(roots: list[tuple[str, Path]]) -> None:
    """--force: remove the files and data paths the archive replaces (the database is replaced whole)."""
    storage = _storage()
    for key in list(_storage_keys(storage)):
        storage.delete(key)
    for _name, root in roots:
        if root.is_dir() and not root.is_symlink():
            shutil.rmtree(root)
        elif root.exists() or root.is_symlink():
            root.unlink()


def _check_digest(reader: _HashingReader, name: str, entry: dict[str, Any]) -> None:
    if (reader.count, reader.sha256.hexdigest()) != (entry["size"], entry["sha256"]):
        raise BackupError(f"恢复过程中读到的 {name} 与清单不符（备份文件在恢复期间被改动？），请重新恢复。")


def _write(reader: _HashingReader, target: Path) -> None:
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        shutil.copyfileobj(reader, out, CHUNK_SIZE)
        out.flush()
        os.fsync(out.fileno())


def _install_sqlite(reader: _HashingReader, name: str, entry: dict[str, Any]) -> None:
    """Put the database file in place of the configured one (its -wal/-shm go: they belong to the old file)."""
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".restoring")
    connection.close()
    try:
        _write(reader, staging)
        _check_digest(reader, name, entry)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)


def _install_postgresql(reader: _HashingReader, name: str, entry: dict[str, Any], *, replace: bool) -> None:
    """pg_restore into the configured database, in one transaction: a failure leaves it as it was."""
    with tempfile.TemporaryDirectory(prefix=".yiwang-restore-", dir=settings.DATA_DIR) as scratch:
        dump = Path(scratch) / "yiwang.pgdump"
        _write(reader, dump)
        _check_digest(reader, name, entry)
        connection.close()
        args, env = _pg_invocation("pg_restore", _database_settings())
        options = ["--no-owner", "--no-acl", "--exit-on-error", "--single-transaction"]
        if replace:
            options += ["--clean", "--if-exists"]
        _run([*args, *options, str(dump)], env, what="pg_restore 恢复数据库")


def _restore_members(
    path: Path, manifest: dict[str, Any], report: RestoreReport, *, replace: bool, progress: Progress
) -> None:
    members: dict[str, dict[str, Any]] = manifest["members"]
    database_member = manifest["database"]["member"]
    storage = _storage()
    counter = _Counter(progress, "恢复")
    base = Path(settings.DATA_DIR)
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            name = member.name
            entry = members.get(name)
            if name == MANIFEST:
                continue
            handle = tar.extractfile(member) if entry is not None else None
            if handle is None or entry is None:
                raise _refused(f"成员 {name} 在恢复过程中出现（备份文件在恢复期间被改动？）")
            reader = _HashingReader(handle, size=member.size)
            if name == database_member:
                progress("正在恢复数据库……")
                if manifest["database"]["vendor"] == "sqlite":
                    _install_sqlite(reader, name, entry)
                else:
                    _install_postgresql(reader, name, entry, replace=replace)
                progress("数据库已恢复。")
                continue
            if name.startswith(FILES_PREFIX):
                key = name[len(FILES_PREFIX) :]
                saved = storage.save(key, File(cast(IO[bytes], reader), name=key))
                if saved != key:
                    raise BackupError(f"附件 {key} 未能按原名写入存储（存成了 {saved}）")
                counter.add(member.size)
            else:
                target = base / PurePosixPath(name[len(DATA_PREFIX) :])
                target.parent.mkdir(parents=True, exist_ok=True)
                _write(reader, target)
                report.data_files += 1
            _check_digest(reader, name, entry)
    counter.say()
    report.files, report.file_bytes = counter.files, counter.bytes


def _verify_stored_files(report: RestoreReport, progress: Progress) -> None:
    storage = _storage()
    counter = _Counter(progress, "校验")
    rows = StoredFile.objects.order_by("pk").values_list("uid", "storage_key", "sha256")
    for uid, key, sha256 in rows.iterator(chunk_size=2000):
        try:
            with storage.open(key, "rb") as handle:
                reader = _HashingReader(handle)
                reader.drain()
        except FileNotFoundError:
            report.file_problems.append(f"附件 {uid} 的内容缺失：存储中没有 {key}")
            continue
        if reader.sha256.hexdigest() != sha256:
            report.file_problems.append(f"附件 {uid} 的内容与登记的 SHA-256 不符：{key}")
        counter.add(reader.count)
    if counter.files:
        counter.say()
    report.files_checked = counter.files


def _check_restored(report: RestoreReport, progress: Progress) -> None:
    """What `yiwang audit verify` checks, and every stored file's SHA-256 against its row."""
    connection.close()
    try:
        executor = MigrationExecutor(connection)
        report.pending_migrations = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
        progress("正在校验审计日志……")
        report.audit = verify_chain_report()
        progress("正在校验附件摘要……")
        _verify_stored_files(report, progress)
    except DatabaseError as exc:
        hint = (
            "（备份早于本版本：请先运行 yiwang migrate，再运行 yiwang audit verify）"
            if report.pending_migrations
            else ""
        )
        report.check_error = f"校验恢复后的数据库时出错：{exc}{hint}"


def backup_restore(path: Path, *, force: bool = False, progress: Progress = _silent) -> RestoreReport:
    """Restore the archive into this installation (its configured database, file storage and data
    directory) and check the result. Nothing is written unless the archive verifies, matches this
    installation (database vendor, migrations, audit key) and the installation is empty — or `force`
    says to overwrite it. Stop the server and the worker first."""
    path = Path(path)
    progress("正在校验备份文件……")
    manifest = backup_verify(path, progress=progress)
    vendor = _vendor_label(manifest["database"]["vendor"])
    progress(
        f"备份文件完整：{len(manifest['members'])} 个文件与清单一致"
        f"（{manifest.get('created_at')} 由 yiwang {manifest.get('yiwang_version')} 生成，{vendor}）。"
    )
    _check_compatible(manifest)
    roots = _data_roots(list(manifest.get("data_paths") or []))
    occupied = _installation_contents(roots)
    if occupied and not force:
        raise BackupError(
            f"目标安装不是空的：{'；'.join(occupied)}。恢复会覆盖这些数据；确需覆盖请先停止服务和任务进程，"
            f"再加 --force 重新运行。{_UNCHANGED}"
        )
    report = RestoreReport(manifest=manifest, replaced=occupied)
    if occupied:
        progress(f"--force：覆盖现有数据（{'；'.join(occupied)}）。")
        _clear_installation(roots)
    try:
        _restore_members(path, manifest, report, replace=bool(occupied), progress=progress)
    except _READ_ERRORS as exc:
        raise BackupError(f"恢复过程中出错：{exc}。恢复未完成，请排除问题后加 --force 重新恢复。") from exc
    _check_restored(report, progress)
    return report
