"""The audit log: rows signed on writing (HMAC-SM3), chained by the sealer, and detection of every
kind of tampering, sealed or not (decision 0010)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import uuid
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from django.db import connection, connections, transaction

from yiwang.core.audit import GENESIS, audit_record, audit_seal, verify_chain, verify_chain_report
from yiwang.core.models import AuditChainHead, AuditEvent
from yiwang.core.tests.factories import OrganizationFactory
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _table() -> str:
    return connection.ops.quote_name(AuditEvent._meta.db_table)


def _chain(n: int = 4, *, seal: bool = True) -> list[AuditEvent]:
    actor = Actor.system()
    written = [
        audit_record(actor=actor, action="test.step", summary=f"第{i}步", data={"i": i})
        for i in range(1, n + 1)
    ]
    if seal:
        assert audit_seal() == n
    return list(AuditEvent.objects.filter(pk__in=[e.pk for e in written]).order_by("id"))


def _kinds(problems) -> list[tuple[int | None, str]]:
    return [(p.sequence, p.kind) for p in problems]


def _independent_hmac_sm3(content: dict) -> str:
    message = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    mac = hmac.HMAC(b"test-audit-key", hashes.SM3())
    mac.update(message)
    return mac.finalize().hex()


def _row_mac(row: AuditEvent) -> str:
    return _independent_hmac_sm3(
        {
            "uid": str(row.uid),
            "created_at": row.created_at.isoformat(),
            "actor": row.actor_id,
            "actor_label": row.actor_label,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "summary": row.summary,
            "data": row.data,
            "ip_address": row.ip_address,
        }
    )


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=_table()), params)


# ---------------------------------------------------------------- writing and sealing


def test_a_row_is_signed_when_written_and_chained_when_sealed():
    user = UserFactory(display_name="李四")
    organization = OrganizationFactory()

    first = audit_record(
        actor=Actor.for_user(user, ip_address="10.1.2.3"),
        action="org.update",
        obj=organization,
        summary="修改部门",
        data={"字段": "名称"},
    )
    audit_record(actor=Actor.system(), action="timer.tick")
    written = list(AuditEvent.objects.order_by("id"))
    assert [(r.sequence, r.hash, r.sealed_at) for r in written] == [(None, None, None)] * 2
    for row in written:  # the row's own signature is HMAC-SM3 over the row as read back
        assert row.mac == _row_mac(row)
    assert verify_chain_report().pending == 2

    assert audit_seal() == 2
    rows = list(AuditEvent.objects.order_by("sequence"))
    assert [r.sequence for r in rows] == [1, 2] and rows[0].pk == first.pk
    assert rows[0].prev_hash == GENESIS and rows[1].prev_hash == rows[0].hash
    for row in rows:  # the link binds place, id, signature and the previous link
        assert row.hash == _independent_hmac_sm3(
            {"sequence": row.sequence, "event": row.pk, "mac": row.mac, "prev_hash": row.prev_hash}
        )
        assert row.sealed_at is not None
    assert (rows[0].actor_id, rows[0].actor_label, rows[0].ip_address) == (user.pk, "李四", "10.1.2.3")
    assert (rows[0].object_type, rows[0].object_id) == ("core.organization", str(organization.pk))
    assert rows[1].actor_label == "系统"
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (2, rows[1].hash)
    report = verify_chain_report()
    assert report.ok and report.pending == 0 and report.checked == 2
    assert audit_seal() == 0  # nothing left: a second run changes nothing


def test_sealing_continues_the_chain_in_batches():
    _chain(3)
    for i in range(5):
        audit_record(actor=Actor.system(), action="later", data={"i": i})
    assert audit_seal(batch_size=2) == 5
    rows = list(AuditEvent.objects.order_by("sequence"))
    assert [r.sequence for r in rows] == list(range(1, 9))
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(rows))
    assert verify_chain() == []


def test_values_that_are_not_plain_json_still_verify_after_the_round_trip():
    audit_record(
        actor=Actor.for_user(UserFactory(), ip_address="2001:0DB8:0000::0001"),
        action="test.types",
        data={"amount": Decimal("12.50"), "day": dt.date(2026, 1, 2), "uid": uuid.UUID(int=7), "f": 0.1},
    )
    row = AuditEvent.objects.get()
    assert row.data == {"amount": "12.50", "day": "2026-01-02", "uid": str(uuid.UUID(int=7)), "f": 0.1}
    assert row.ip_address == "2001:db8::1"
    assert verify_chain() == []
    audit_seal()
    assert verify_chain() == []


def test_an_unparseable_ip_address_is_dropped_not_stored():
    audit_record(actor=Actor(user=None, ip_address="not-an-ip"), action="test.ip")
    assert AuditEvent.objects.get().ip_address is None
    assert verify_chain() == []


def test_a_rolled_back_transaction_leaves_no_row_and_no_gap():
    audit_record(actor=Actor.system(), action="kept.1")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=Actor.system(), action="lost")
        raise RuntimeError("业务失败")
    audit_record(actor=Actor.system(), action="kept.2")
    audit_seal()

    assert list(AuditEvent.objects.order_by("sequence").values_list("sequence", "action")) == [
        (1, "kept.1"),
        (2, "kept.2"),
    ]
    assert verify_chain() == []


def test_yiwang_audit_seal_and_verify_say_how_far_the_chain_is_sealed():
    from io import StringIO

    from django.core.management import call_command

    _chain(2)
    audit_record(actor=Actor.system(), action="pending")
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "已封存至第 2 条；另有 1 条已签名、待封存" in out.getvalue()
    out = StringIO()
    call_command("audit_seal", stdout=out)
    assert "已封存 1 条审计记录" in out.getvalue()
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "已全部封存（至第 3 条）" in out.getvalue()


# ---------------------------------------------------------------- the model refuses changes


def test_the_model_refuses_to_save_an_existing_row():
    row = _chain(1)[0]
    row.summary = "改过的摘要"
    with pytest.raises(PermissionError, match="只能追加"):
        row.save()
    assert AuditEvent.objects.get().summary == "第1步"


def test_the_model_refuses_to_delete_a_row():
    row = _chain(1)[0]
    with pytest.raises(PermissionError, match="不能删除"):
        row.delete()
    assert AuditEvent.objects.count() == 1


# ---------------------------------------------------------------- detection (bypassing the model)


def test_an_empty_log_verifies():
    report = verify_chain_report()
    assert report.ok
    assert report.checked == 0


def test_an_intact_chain_verifies_and_reports_the_head():
    rows = _chain(5)
    report = verify_chain_report(batch_size=2)  # several batches
    assert report.ok
    assert report.checked == 5
    assert (report.head_sequence, report.head_hash) == (5, rows[-1].hash)


def test_detects_a_summary_edited_with_raw_sql():
    _chain(4)
    _raw("UPDATE {table} SET summary = %s WHERE sequence = %s", ["无事发生", 2])

    assert _kinds(verify_chain()) == [(2, "edited")]


def test_detects_data_edited_with_a_queryset_update():
    _chain(4)
    AuditEvent.objects.filter(sequence=3).update(data={"i": 999})

    assert _kinds(verify_chain()) == [(3, "edited")]


def test_detects_an_unsealed_row_edited_before_the_sealer_reached_it():
    rows = _chain(2, seal=False)
    AuditEvent.objects.filter(pk=rows[1].pk).update(summary="改过")

    problems = verify_chain()
    assert _kinds(problems) == [(None, "edited")]
    assert f"编号 {rows[1].pk}" in problems[0].message
    audit_seal()  # sealing does not launder it
    assert _kinds(verify_chain()) == [(2, "edited")]


def test_detects_an_edit_that_also_replaces_the_signature():
    _chain(4)
    AuditEvent.objects.filter(sequence=2).update(summary="伪造", mac="f" * 64)

    assert _kinds(verify_chain()) == [(2, "edited")]


def test_detects_a_replaced_link_and_the_broken_link_after_it():
    _chain(4)
    AuditEvent.objects.filter(sequence=2).update(hash="f" * 64)

    # The row's seal no longer matches, and the next row no longer links to it.
    assert _kinds(verify_chain()) == [(2, "inserted"), (3, "deleted")]


def test_detects_a_row_deleted_in_the_middle():
    _chain(4)
    _raw("DELETE FROM {table} WHERE sequence = %s", [2])

    problems = verify_chain()
    assert _kinds(problems) == [(2, "deleted")]
    assert "第 2 条审计记录缺失" in problems[0].message


def test_detects_the_last_row_deleted():
    _chain(4)
    _raw("DELETE FROM {table} WHERE sequence = %s", [4])

    problems = verify_chain()
    assert _kinds(problems) == [(4, "truncated")]
    assert "链头" in problems[0].message


def test_detects_every_row_deleted():
    _chain(3)
    _raw("DELETE FROM {table}", [])

    assert _kinds(verify_chain()) == [(3, "truncated")]


def test_a_row_taken_out_of_the_chain_stays_a_gap_after_it_is_sealed_again():
    _chain(4)
    AuditEvent.objects.filter(sequence=2).update(sequence=None, prev_hash="", hash=None)
    assert _kinds(verify_chain()) == [(2, "deleted")]
    assert audit_seal() == 1  # the sealer puts it at the end; the hole it left is still there
    assert _kinds(verify_chain()) == [(2, "deleted")]


def test_detects_a_forged_row_written_without_the_key():
    rows = _chain(3)
    AuditEvent(
        created_at=rows[-1].created_at, action="licence.issue", summary="伪造的发证记录", mac="a" * 64
    ).save()
    assert _kinds(verify_chain()) == [(None, "edited")]  # before sealing
    audit_seal()
    assert _kinds(verify_chain()) == [(4, "edited")]  # and after


def test_detects_a_forged_seal_past_the_head():
    rows = _chain(3)
    forged = audit_record(actor=Actor.system(), action="licence.issue", summary="伪造的发证记录")
    AuditEvent.objects.filter(pk=forged.pk).update(sequence=4, prev_hash=rows[-1].hash, hash="a" * 64)

    assert _kinds(verify_chain()) == [(4, "inserted")]
    AuditChainHead.objects.update(last_sequence=4, last_hash="a" * 64)  # the head moved to it too
    assert _kinds(verify_chain()) == [(4, "inserted")]


def test_detects_a_copied_row_put_in_the_place_of_a_deleted_one():
    rows = _chain(4)
    _raw("DELETE FROM {table} WHERE sequence = %s", [3])
    copy = rows[1]  # a genuine row (valid signature) replayed under another place in the chain
    AuditEvent(
        uid=uuid.uuid4(),
        created_at=copy.created_at,
        action=copy.action,
        summary=copy.summary,
        data=copy.data,
        mac=copy.mac,
        sequence=3,
        prev_hash=rows[1].hash,
        hash=rows[2].hash[::-1],
    ).save()

    problems = verify_chain()
    assert (3, "edited") in _kinds(problems)  # the uid is signed: a copy cannot carry the signature


def test_detects_a_deleted_head_row():
    _chain(2)
    AuditChainHead.objects.all().delete()

    assert _kinds(verify_chain()) == [(None, "truncated")]


def test_a_row_sealed_while_verifying_is_not_reported():
    _chain(2)
    report_before = verify_chain_report()
    audit_record(actor=Actor.system(), action="late")
    audit_seal()
    assert report_before.ok
    assert verify_chain_report().checked == 3


# ---------------------------------------------------------------- concurrency (PostgreSQL)


def _postgresql_only() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite test databases are shared-cache in-memory databases with table-level locks; "
            "concurrent writers fail with 'database table is locked' instead of waiting. "
            "The file database of dev/prod uses IMMEDIATE transactions, which serialise writers."
        )


def _in_thread(function) -> BaseException | None:
    outcome: list[BaseException | None] = [None]

    def run() -> None:
        try:
            function()
        except BaseException as error:  # reported to the test
            outcome[0] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return outcome[0]


@pytest.mark.django_db(transaction=True)
def test_writers_do_not_wait_for_a_sealer_holding_the_head():
    _postgresql_only()
    _chain(1)

    def write_with_a_lock_timeout() -> None:
        with transaction.atomic():
            with connection.cursor() as cursor:  # a writer that had to wait would fail, not hang
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            audit_record(actor=Actor.system(), action="while.sealing")

    def seal_elsewhere() -> None:
        assert audit_seal() == 0  # the head is taken: this sealer leaves at once, sealing nothing

    with transaction.atomic():  # a sealer in the middle of its work holds the head
        AuditChainHead.objects.select_for_update().get(pk=1)
        assert _in_thread(write_with_a_lock_timeout) is None
        assert _in_thread(seal_elsewhere) is None
    assert audit_seal() == 1
    assert verify_chain() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_form_one_linear_chain():
    _postgresql_only()
    threads_count, per_thread = 4, 10
    barrier = threading.Barrier(threads_count + 1)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit_record(actor=Actor.system(), action="thread.append", data={"thread": n, "i": i})
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    def sealer() -> None:
        try:
            barrier.wait()
            for _ in range(20):
                audit_seal(batch_size=3)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_count)]
    threads.append(threading.Thread(target=sealer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    audit_seal()

    assert errors == []
    rows = list(AuditEvent.objects.order_by("sequence"))
    assert [r.sequence for r in rows] == list(range(1, threads_count * per_thread + 1))
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(rows))
    assert verify_chain() == []


# ---------------------------------------------------------------- the worker seals


# transaction=True: the worker closes its database connection when it stops, as in production.
@pytest.mark.django_db(transaction=True)
def test_the_worker_seals_committed_rows_and_schedules_its_next_run(settings):
    import io

    from django.core.management import call_command
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from yiwang.core.tasks import audit_seal_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    _chain(3, seal=False)
    call_command("worker", batch=True, startup_delay=False, stdout=io.StringIO())

    assert verify_chain_report().pending == 0
    assert list(AuditEvent.objects.filter(action="test.step").values_list("sequence", flat=True)) == [3, 2, 1]
    runs = DBTaskResult.objects.filter(task_path=audit_seal_task.module_path)
    assert runs.filter(status="SUCCESSFUL").count() == 1
    assert runs.get(status="READY").run_after > timezone.now()
