"""`yiwang audit verify`: a Chinese summary and exit 0 on an intact chain, each problem and exit 1 otherwise."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from yiwang.core.audit import audit_record, audit_seal
from yiwang.core.models import AuditChainHead, AuditEvent
from yiwang.identity.actor import Actor

pytestmark = pytest.mark.django_db


def _chain(n: int = 4) -> list[AuditEvent]:
    for i in range(1, n + 1):
        audit_record(actor=Actor.system(), action="test.step", summary=f"第{i}步")
    audit_seal()
    return list(AuditEvent.objects.order_by("sequence"))


def _verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit_verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _verify_fails(*args: str) -> str:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("audit_verify", *args, stdout=out, stderr=err)
    assert caught.value.returncode == 1
    assert "审计日志哈希链已被破坏" in str(caught.value)
    return err.getvalue()


def _sql(statement: str, params: list[object]) -> None:
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(statement.format(table=table), params)


def test_intact_chain_prints_a_chinese_summary():
    rows = _chain(3)
    out, err = _verify()
    assert "审计日志校验通过：已检查 3 条记录，哈希链完整。" in out
    assert f"链头：3:{rows[-1].hash}" in out
    assert "封存进度：已全部封存（至第 3 条）" in out
    assert err == ""


def test_empty_log_passes():
    out, _ = _verify()
    assert "已检查 0 条记录" in out


def test_edited_row_fails():
    _chain(4)
    _sql("UPDATE {table} SET summary = %s WHERE sequence = %s", ["改", 2])
    err = _verify_fails()
    assert "[edited] #2 第 2 条审计记录内容与签名不符（被篡改或伪造）" in err
    assert "发现 1 个问题" in err


def test_row_deleted_in_the_middle_fails():
    _chain(4)
    _sql("DELETE FROM {table} WHERE sequence = %s", [3])
    assert "[deleted] #3 第 3 条审计记录缺失（被删除）" in _verify_fails()


def test_last_row_deleted_fails():
    _chain(4)
    _sql("DELETE FROM {table} WHERE sequence = %s", [4])
    assert "[truncated] #4" in _verify_fails()


def test_inserted_forged_row_fails():
    rows = _chain(2)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                sequence=3,
                created_at=rows[-1].created_at,
                action="x",
                mac="d" * 64,
                prev_hash=rows[-1].hash,
                hash="d" * 64,
            )
        ]
    )
    # Sealed past the head, without the key: not part of the chain.
    assert "[inserted] #3 第 3 条审计记录在链头之后" in _verify_fails()


def test_anchor_catches_truncation_with_a_rewound_head():
    rows = _chain(3)
    anchor = f"3:{rows[-1].hash}"
    # The attacker deletes the last row and rewinds the head so the chain itself looks intact.
    _sql("DELETE FROM {table} WHERE sequence = %s", [3])
    AuditChainHead.objects.update(last_sequence=2, last_hash=rows[1].hash)
    out, _ = _verify()
    assert "校验通过" in out  # undetectable from inside the database alone …
    assert "外部留存的锚点（第 3 条）与数据库不一致" in _verify_fails(
        "--expect-head", anchor
    )  # … but not with an anchor


def test_bad_anchor_format_is_refused_in_chinese():
    with pytest.raises(CommandError, match="格式应为"):
        _verify("--expect-head", "abc")


# ---------------------------------------------------------------- the real console script


def _yiwang(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("yiwang")
    return subprocess.run(
        [str(script), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_console_script_on_a_sqlite_file_seals_concurrent_writers_and_detects_tampering(tmp_path):
    database = tmp_path / "audit.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "TEST_DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "yiwang.config.settings.dev",
        "DATABASE_URL": f"sqlite:///{database}",
        "YIWANG_DATA_DIR": str(tmp_path / "data"),
        "YIWANG_AUDIT_KEY": "cli-test-key",
        "LOG_LEVEL": "WARNING",
    }
    migrated = _yiwang(env, "migrate", "--noinput", "--skip-checks", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr

    # Two processes append at the same time (IMMEDIATE transactions serialise them on SQLite).
    append = (
        "from yiwang.core.audit import audit_record\n"
        "from yiwang.identity.actor import Actor\n"
        "for i in range(40): audit_record(actor=Actor.system(), action='cli.append', data={'i': i})\n"
    )
    script = Path(sys.executable).with_name("yiwang")
    writers = [
        subprocess.Popen([str(script), "shell", "-c", append], env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for writer in writers:
        _, stderr = writer.communicate(timeout=300)
        assert writer.returncode == 0, stderr

    pending = _yiwang(env, "audit", "verify")
    assert pending.returncode == 0, pending.stderr
    assert "已封存至第 0 条；另有 80 条已签名、待封存" in pending.stdout
    sealed = _yiwang(env, "audit", "seal")
    assert sealed.returncode == 0 and "已封存 80 条审计记录" in sealed.stdout, sealed.stderr
    intact = _yiwang(env, "audit", "verify")
    assert intact.returncode == 0, intact.stderr
    assert "已检查 80 条记录，哈希链完整" in intact.stdout
    assert "已全部封存（至第 80 条）" in intact.stdout

    with sqlite3.connect(database) as db:
        db.execute("UPDATE core_auditevent SET summary = '篡改' WHERE sequence = 7")
    db.close()
    tampered = _yiwang(env, "audit", "verify")
    assert tampered.returncode == 1
    assert "[edited] #7" in tampered.stderr
    assert "审计日志哈希链已被破坏" in tampered.stderr
