"""The audit chain: append-only rows, HMAC-SM3 hashes, and detection of every kind of tampering."""

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

from yiwang.core.audit import GENESIS, audit_record, verify_chain, verify_chain_report
from yiwang.core.models import AuditChainHead, AuditEvent
from yiwang.core.tests.factories import OrganizationFactory
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _table() -> str:
    return connection.ops.quote_name(AuditEvent._meta.db_table)


def _chain(n: int = 4) -> list[AuditEvent]:
    actor = Actor.system()
    return [
        audit_record(actor=actor, action="test.step", summary=f"第{i}步", data={"i": i})
        for i in range(1, n + 1)
    ]


def _kinds(problems) -> list[tuple[int | None, str]]:
    return [(p.sequence, p.kind) for p in problems]


def _independent_hmac_sm3(row: AuditEvent) -> str:
    content = {
        "sequence": row.sequence,
        "created_at": row.created_at.isoformat(),
        "actor": row.actor_id,
        "actor_label": row.actor_label,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "summary": row.summary,
        "data": row.data,
        "ip_address": row.ip_address,
        "prev_hash": row.prev_hash,
    }
    message = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    mac = hmac.HMAC(b"test-audit-key", hashes.SM3())
    mac.update(message)
    return mac.finalize().hex()


# ---------------------------------------------------------------- appending


def test_records_form_a_linear_chain_with_hmac_sm3_hashes():
    user = UserFactory(display_name="李四")
    organization = OrganizationFactory()

    first = audit_record(
        actor=Actor.for_user(user, ip_address="10.1.2.3"),
        action="org.update",
        obj=organization,
        summary="修改部门",
        data={"字段": "名称"},
    )
    second = audit_record(actor=Actor.system(), action="timer.tick")

    rows = list(AuditEvent.objects.order_by("sequence"))
    assert [r.sequence for r in rows] == [1, 2]
    assert rows[0].prev_hash == GENESIS
    assert rows[1].prev_hash == rows[0].hash == first.hash
    assert rows[0].actor_id == user.pk
    assert rows[0].actor_label == "李四"
    assert rows[0].object_type == "core.organization"
    assert rows[0].object_id == str(organization.pk)
    assert rows[0].ip_address == "10.1.2.3"
    assert rows[1].actor_label == "系统"
    for row in rows:  # the stored hash is HMAC-SM3 over the row as read back from the database
        assert row.hash == _independent_hmac_sm3(row)
    head = AuditChainHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (2, second.hash)
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

    assert list(AuditEvent.objects.order_by("sequence").values_list("sequence", "action")) == [
        (1, "kept.1"),
        (2, "kept.2"),
    ]
    assert verify_chain() == []


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
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_table()} SET summary = %s WHERE sequence = %s", ["无事发生", 2])  # noqa: S608

    assert _kinds(verify_chain()) == [(2, "edited")]


def test_detects_data_edited_with_a_queryset_update():
    _chain(4)
    AuditEvent.objects.filter(sequence=3).update(data={"i": 999})

    assert _kinds(verify_chain()) == [(3, "edited")]


def test_detects_an_edit_that_also_replaces_the_hash():
    _chain(4)
    AuditEvent.objects.filter(sequence=2).update(summary="伪造", hash="f" * 64)

    # The row's own hash no longer matches, and the next row no longer links to it.
    assert _kinds(verify_chain()) == [(2, "edited"), (3, "deleted")]


def test_detects_a_row_deleted_in_the_middle():
    _chain(4)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()} WHERE sequence = %s", [2])  # noqa: S608

    problems = verify_chain()
    assert _kinds(problems) == [(2, "deleted")]
    assert "第 2 条审计记录缺失" in problems[0].message


def test_detects_the_last_row_deleted():
    _chain(4)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()} WHERE sequence = %s", [4])  # noqa: S608

    problems = verify_chain()
    assert _kinds(problems) == [(4, "truncated")]
    assert "链头" in problems[0].message


def test_detects_every_row_deleted():
    _chain(3)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()}")  # noqa: S608

    assert _kinds(verify_chain()) == [(3, "truncated")]


def test_the_head_follows_every_inserted_row_whatever_inserted_it():
    rows = _chain(2)
    with connection.cursor() as cursor:  # not through audit_record: raw SQL
        cursor.execute(
            f"INSERT INTO {_table()} (sequence, created_at, actor_label, action, object_type, object_id, "  # noqa: S608
            "summary, data, prev_hash, hash) VALUES (3, %s, '', 'x', '', '', '', '{}', %s, %s)",
            [rows[-1].created_at, rows[-1].hash, "e" * 64],
        )
    assert AuditChainHead.objects.values_list("last_sequence", "last_hash").get() == (3, "e" * 64)


def test_detects_a_forged_row_appended_after_the_head():
    rows = _chain(3)
    AuditEvent(
        sequence=4,
        created_at=rows[-1].created_at,
        action="licence.issue",
        summary="伪造的发证记录",
        prev_hash=rows[-1].hash,
        hash="a" * 64,
    ).save()
    # The head followed it (trigger): the forgery is the chain's tip, with a signature that fails.
    assert _kinds(verify_chain()) == [(4, "edited")]
    # Had the head been put back (or the trigger dropped), the row is one past the head.
    AuditChainHead.objects.update(last_sequence=3, last_hash=rows[-1].hash)
    assert _kinds(verify_chain()) == [(4, "inserted")]


def test_detects_a_forged_row_even_when_the_head_is_moved_to_it():
    rows = _chain(3)
    AuditEvent(
        sequence=4, created_at=rows[-1].created_at, action="x", prev_hash=rows[-1].hash, hash="b" * 64
    ).save()
    AuditChainHead.objects.update(last_sequence=4, last_hash="b" * 64)

    assert _kinds(verify_chain()) == [(4, "edited")]


def test_detects_a_forged_row_put_in_the_place_of_a_deleted_one():
    rows = _chain(4)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()} WHERE sequence = %s", [3])  # noqa: S608
    AuditEvent(
        sequence=3, created_at=rows[2].created_at, action="x", prev_hash=rows[1].hash, hash="c" * 64
    ).save()

    problems = verify_chain()
    assert (3, "edited") in _kinds(problems)
    assert problems  # and nothing else passes for intact


def test_detects_a_deleted_head_row():
    _chain(2)
    AuditChainHead.objects.all().delete()

    assert _kinds(verify_chain()) == [(None, "truncated")]


def test_a_row_appended_while_verifying_is_not_reported():
    _chain(2)
    # Simulate an append that commits after the verifier read the head: the head is re-read.
    report_before = verify_chain_report()
    audit_record(actor=Actor.system(), action="late")
    assert report_before.ok
    assert verify_chain_report().checked == 3


# ---------------------------------------------------------------- concurrency


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_linear_chain():
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite test databases are shared-cache in-memory databases with table-level locks; "
            "concurrent writers fail with 'database table is locked' instead of waiting. "
            "The file database of dev/prod uses IMMEDIATE transactions, which serialise writers."
        )
    threads_count, per_thread = 4, 10
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit_record(actor=Actor.system(), action="thread.append", data={"thread": n, "i": i})
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = list(AuditEvent.objects.order_by("sequence"))
    assert [r.sequence for r in rows] == list(range(1, threads_count * per_thread + 1))
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(rows))
    assert verify_chain() == []
