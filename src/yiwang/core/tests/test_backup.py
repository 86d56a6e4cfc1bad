"""`yiwang backup` and `yiwang restore`: a round trip on the suite's database (SQLite, or PostgreSQL
with TEST_DATABASE_URL) into an empty installation, where `yiwang audit verify` passes and every
stored file's digest matches; damaged archives and occupied targets are refused and nothing is written.

The backup runs in this process on the test database; the restore runs as the real `yiwang` console
script in a fresh installation (its own YIWANG_DATA_DIR and database: a file under tmp_path, or a new
PostgreSQL database created for the test and dropped after it)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from yiwang.cli import translate
from yiwang.core.actions import person_create
from yiwang.core.audit import audit_record, audit_seal
from yiwang.core.backup import BackupError, backup_verify
from yiwang.core.files import file_store
from yiwang.core.identifiers import id_number
from yiwang.core.models import AuditEvent, StoredFile
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
STORE_BYTES = b"PAR1" + bytes(range(256)) * 4 + b"PAR1"


@pytest.fixture
def source(settings: Any, tmp_path: Path) -> Path:
    """The installation backed up: the test database, its own file storage and a data store."""
    root = tmp_path / "source"
    settings.DATA_DIR = root
    settings.STORAGES = {
        **settings.STORAGES,
        "yiwang_files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root / "files")},
        },
    }
    settings.YIWANG_BACKUP_PATHS = ["datastore"]
    (root / "datastore" / "hub").mkdir(parents=True)
    (root / "datastore" / "hub" / "table.parquet").write_bytes(STORE_BYTES)
    return root


@dataclass
class Target:
    """An empty installation the archive is restored into, driven through the `yiwang` script."""

    root: Path
    url: str
    env: dict[str, str]

    def yiwang(self, *args: str) -> subprocess.CompletedProcess[str]:
        script = Path(sys.executable).with_name("yiwang")
        return subprocess.run(
            [str(script), *args], env=self.env, capture_output=True, text=True, timeout=300, check=False
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.root / "yiwang.sqlite3") as database:
                rows = database.execute(sql).fetchall()
            database.close()
            return rows
        with psycopg.connect(self.url) as database:
            return list(database.execute(sql).fetchall())  # type: ignore[arg-type]

    def has_tables(self) -> bool:
        if self.url.startswith("sqlite"):
            return (self.root / "yiwang.sqlite3").exists()
        return bool(self.query("SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'"))

    def untouched(self) -> bool:
        files = self.root / "files"
        return (
            not self.has_tables()
            and not (files.exists() and any(files.iterdir()))
            and not (self.root / "datastore").exists()
        )


@pytest.fixture
def target(tmp_path: Path, transactional_db: None) -> Iterator[Target]:
    root = tmp_path / "target"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "TEST_DATABASE_URL", "DJANGO_SETTINGS_MODULE", "YIWANG_DATA_DIR"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "yiwang.config.settings.dev",
        "YIWANG_DATA_DIR": str(root),
        "YIWANG_AUDIT_KEY": django_settings.YIWANG_AUDIT_KEY,
        "LOG_LEVEL": "WARNING",
    }
    if connection.vendor != "postgresql":
        url = f"sqlite:///{root / 'yiwang.sqlite3'}"
        yield Target(root=root, url=url, env=env | {"DATABASE_URL": url})
        return
    name = f"yiwang_restore_{uuid.uuid4().hex[:12]}"
    current = connection.settings_dict
    password = f":{quote(str(current['PASSWORD']), safe='')}" if current.get("PASSWORD") else ""
    url = f"postgres://{quote(str(current['USER']), safe='')}{password}@{current['HOST']}:{current['PORT'] or 5432}/{name}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Target(root=root, url=url, env=env | {"DATABASE_URL": url})
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _audited_data() -> list[StoredFile]:
    """A citizen's uploads, a registered person and a plain audit row; some sealed, the last pending."""
    citizen = CitizenFactory()
    actor = Actor.for_user(citizen)
    stored = [
        file_store(actor=actor, upload=PDF_BYTES, name="营业执照.pdf"),
        file_store(actor=actor, upload=PNG_BYTES, name="身份证正面.png"),
    ]
    person_create(actor=Actor.system(), id_number=id_number("320102", timezone.now().date(), 7), name="李四")
    audit_seal()
    audit_record(
        actor=Actor.system(), action="test.backup", summary="备份前最后一条", data={"at": timezone.now()}
    )
    return stored


def _backup(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("backup", "--output", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _table_counts(tables: list[str], query: Any) -> dict[str, int]:
    return {table: int(query(f'SELECT COUNT(*) FROM "{table}"')[0][0]) for table in tables}  # noqa: S608


def _source_query(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def test_cli_maps_backup_and_restore():
    assert translate(["backup", "-o", "x.tar.gz"]) == ["backup", "-o", "x.tar.gz"]
    assert translate(["restore", "x.tar.gz", "--force"]) == ["restore", "x.tar.gz", "--force"]


def test_round_trip_into_an_empty_installation_keeps_the_audit_chain_and_every_file(source, target, tmp_path):
    # Given an installation with audited data (timestamps with microseconds) and stored files
    stored = _audited_data()
    events = AuditEvent.objects.count()
    assert events == 4
    assert AuditEvent.objects.filter(sequence__isnull=True).count() == 1
    assert any(event.created_at.microsecond for event in AuditEvent.objects.all())
    tables = connection.introspection.table_names()
    counts = _table_counts(tables, _source_query)

    # When it is backed up
    archive = tmp_path / "yiwang.tar.gz"
    out = _backup(archive)

    # Then the archive holds the database, the files and the data store, each in the manifest
    assert f"备份完成：{archive}" in out
    assert "附件：2 个" in out and "其他数据：1 个文件" in out
    assert "附件核对：登记的附件内容齐全，摘要一致。" in out
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    database_member = {"sqlite": "database/yiwang.sqlite3", "postgresql": "database/yiwang.pgdump"}[
        connection.vendor
    ]
    assert names[0] == database_member and names[-1] == "manifest.json"
    assert manifest["database"] == {"vendor": connection.vendor, "member": database_member}
    assert manifest["yiwang_version"] and manifest["created_at"]
    assert "0001_initial" in manifest["migrations"]["core"]
    assert manifest["data_paths"] == ["datastore"]
    for row in stored:
        assert manifest["members"][f"files/{row.storage_key}"] == {"size": row.size, "sha256": row.sha256}
    assert (
        manifest["members"]["data/datastore/hub/table.parquet"]["sha256"]
        == hashlib.sha256(STORE_BYTES).hexdigest()
    )
    assert set(manifest["members"]) == set(names) - {"manifest.json"}

    # A target whose files directory is not empty is refused, and nothing is written
    (target.root / "files").mkdir(parents=True)
    (target.root / "files" / "stray.pdf").write_bytes(PDF_BYTES)
    refused = target.yiwang("restore", str(archive))
    assert refused.returncode == 1
    assert "目标安装不是空的：附件存储中已有文件" in refused.stderr and "未做任何改动" in refused.stderr
    assert not target.has_tables()
    (target.root / "files" / "stray.pdf").unlink()

    # When it is restored into an empty installation
    restored = target.yiwang("restore", str(archive))

    # Then the restore checks pass, and `yiwang audit verify` passes on the target
    assert restored.returncode == 0, restored.stderr
    assert f"审计日志校验通过：已检查 {events} 条记录，哈希链完整。" in restored.stdout
    assert "附件摘要校验通过：2 个附件的 SHA-256 与登记一致。" in restored.stdout
    assert "恢复完成，校验全部通过。" in restored.stdout
    verified = target.yiwang("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert f"审计日志校验通过：已检查 {events} 条记录，哈希链完整。" in verified.stdout
    assert "另有 1 条已签名、待封存" in verified.stdout

    # … every table has the same rows, and every stored file's bytes match its digest
    assert _table_counts(tables, target.query) == counts
    for row in stored:
        content = (target.root / "files" / row.storage_key).read_bytes()
        assert hashlib.sha256(content).hexdigest() == row.sha256
    assert target.query("SELECT storage_key, sha256 FROM core_storedfile ORDER BY id") == [
        (row.storage_key, row.sha256) for row in sorted(stored, key=lambda row: row.pk)
    ]
    assert (target.root / "datastore" / "hub" / "table.parquet").read_bytes() == STORE_BYTES

    # Restoring again into the now occupied installation is refused without --force …
    again = target.yiwang("restore", str(archive))
    assert again.returncode == 1
    assert "目标安装不是空的：数据库已有" in again.stderr and "--force" in again.stderr

    # … and replaces it with --force
    (target.root / "files" / "2099").mkdir()
    (target.root / "files" / "2099" / "orphan").write_bytes(b"x")
    forced = target.yiwang("restore", "--force", str(archive))
    assert forced.returncode == 0, forced.stderr
    assert "恢复完成，校验全部通过。" in forced.stdout
    assert not (target.root / "files" / "2099" / "orphan").exists()
    assert _table_counts(tables, target.query) == counts


def test_a_tampered_archive_is_refused_and_nothing_is_written(source, target, tmp_path):
    stored = _audited_data()
    archive = tmp_path / "yiwang.tar"
    _backup(archive)
    with tarfile.open(archive) as tar:
        member = tar.getmember(f"files/{stored[0].storage_key}")
    tampered = tmp_path / "tampered.tar"
    shutil.copy(archive, tampered)
    with tampered.open("r+b") as handle:
        handle.seek(member.offset_data + 3)
        byte = handle.read(1)
        handle.seek(member.offset_data + 3)
        handle.write(bytes([byte[0] ^ 0x01]))

    result = target.yiwang("restore", str(tampered))

    assert result.returncode == 1
    assert "恢复失败：备份文件已被篡改或损坏" in result.stderr
    assert f"files/{stored[0].storage_key} 的内容与清单中的 SHA-256 不符" in result.stderr
    assert "未做任何改动" in result.stderr
    assert target.untouched()


def test_truncated_archives_are_refused(source, tmp_path):
    _audited_data()
    compressed = tmp_path / "yiwang.tar.gz"
    _backup(compressed)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(compressed.read_bytes()[: compressed.stat().st_size // 2])
    with pytest.raises(BackupError, match="备份文件已损坏或不完整"):
        backup_verify(cut)

    # An uncompressed archive cut just before its manifest (written last) reads cleanly but is refused.
    plain = tmp_path / "yiwang.tar"
    _backup(plain)
    with tarfile.open(plain) as tar:
        manifest_at = tar.getmember("manifest.json").offset
    headless = tmp_path / "headless.tar"
    headless.write_bytes(plain.read_bytes()[:manifest_at])
    with pytest.raises(BackupError, match=r"缺少清单 manifest\.json"):
        backup_verify(headless)


def test_backup_reports_stored_files_whose_bytes_are_missing_or_differ(source, tmp_path):
    missing, changed = _audited_data()
    storage = storages["yiwang_files"]
    storage.delete(missing.storage_key)
    Path(storage.path(changed.storage_key)).write_bytes(PNG_BYTES + b"!")

    err = StringIO()
    call_command("backup", "--output", str(tmp_path / "lenient.tar"), stdout=StringIO(), stderr=err)
    assert "警告：有 2 个附件的内容缺失或与登记的摘要不符" in err.getvalue()
    assert f"附件 {missing.uid} 的内容缺失：存储中没有 {missing.storage_key}" in err.getvalue()
    assert f"附件 {changed.uid} 的内容与登记的 SHA-256 不符：{changed.storage_key}" in err.getvalue()

    with pytest.raises(CommandError) as caught:
        call_command(
            "backup",
            "--output",
            str(tmp_path / "strict.tar"),
            "--strict",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert caught.value.returncode == 1
    assert (tmp_path / "strict.tar").exists()


def test_backup_refuses_an_existing_output_file_and_leaves_it_alone(source, tmp_path):
    existing = tmp_path / "yiwang.tar.gz"
    existing.write_bytes(b"earlier backup")
    with pytest.raises(CommandError, match="备份文件已存在"):
        _backup(existing)
    assert existing.read_bytes() == b"earlier backup"
    assert list(tmp_path.glob("*.partial")) == []
