"""The audit log: append-only, hash-chained with HMAC-SM3.

Each row's hash is HMAC-SM3(key, canonical JSON of its content ‖ previous row's hash). The chain
head row (`AuditChainHead`, pk=1) is locked while appending, so concurrent writers produce one
linear chain; a database trigger moves it to every inserted row, whatever inserted it.
`verify_chain` recomputes every hash and reports edited, deleted and inserted rows.

Limits (by design of any self-contained chain): someone holding the HMAC key can forge a whole new
chain, and someone who deletes the last rows *and* rewinds the head row to an earlier row's hash
goes unnoticed. Keep `YIWANG_AUDIT_KEY` out of the database's reach and record the head printed by
`yiwang audit verify` somewhere else (log shipping, a ticket) to anchor it; `--expect-head` checks
such an anchor."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from yiwang.core.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
HEAD_PK = 1


def _key() -> bytes:
    configured = settings.YIWANG_AUDIT_KEY
    if configured:
        return str(configured).encode()
    # Derived, never equal to SECRET_KEY itself.
    return hashlib.sha256(b"yiwang-audit:" + settings.SECRET_KEY.encode()).digest()


def _canonical(event: AuditEvent) -> bytes:
    content = {
        "sequence": event.sequence,
        "created_at": event.created_at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "summary": event.summary,
        "data": event.data,
        "ip_address": event.ip_address,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(
        content, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def compute_hash(event: AuditEvent, *, key: bytes | None = None) -> str:
    mac = hmac.HMAC(key if key is not None else _key(), hashes.SM3())
    mac.update(_canonical(event))
    return mac.finalize().hex()


def _object_ref(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)[:64]


def _clean_ip(value: Any) -> str | None:
    """The address as the database will store it (so the hash survives the round trip), or None."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _lock_head() -> tuple[int, str]:
    """Lock the chain head and read it (two columns)."""
    locked = (
        AuditChainHead.objects.select_for_update()
        .filter(pk=HEAD_PK)
        .values_list("last_sequence", "last_hash")
    )
    head = locked.first()
    if head is None:  # the very first row: create the head, then lock it like any other
        AuditChainHead.objects.get_or_create(pk=HEAD_PK)
        head = locked.first()
    last_sequence, last_hash = head  # type: ignore[misc]  # the head exists now
    return last_sequence, last_hash


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    summary: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row. Call inside the action's transaction so the row commits with the change.

    `actor` is an `identity.actor.Actor` (or anything with `user`, `label`, `ip_address`)."""
    object_type, object_id = _object_ref(obj)
    user = getattr(actor, "user", None)
    # Normalise through JSON so the stored value hashes identically after a round trip.
    clean_data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False))
    # No savepoint: an audit failure must fail the whole change anyway, and inside an action's
    # transaction the two extra round trips per row are pure cost.
    with transaction.atomic(savepoint=False):
        # The head row is the lock: PostgreSQL serialises appenders on it (SELECT … FOR UPDATE);
        # SQLite serialises whole write transactions (IMMEDIATE mode in the settings).
        last_sequence, last_hash = _lock_head()
        event = AuditEvent(
            sequence=last_sequence + 1,
            created_at=timezone.now(),
            actor=user if user is not None and user.pk else None,
            actor_label=str(getattr(actor, "label", "") or "")[:150],
            action=action[:100],
            object_type=object_type,
            object_id=object_id,
            summary=(summary or "")[:255],
            data=clean_data,
            ip_address=_clean_ip(getattr(actor, "ip_address", None)),
            prev_hash=last_hash or GENESIS,
        )
        event.hash = compute_hash(event)
        # The database moves the head to this row (trigger core_auditevent_moves_head, core/0007).
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainProblem:
    sequence: int | None
    kind: str  # edited | deleted | inserted | truncated | anchor
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class ChainReport:
    """What `verify_chain_report` found: rows checked, the head it checked against, and the problems."""

    checked: int = 0
    head_sequence: int = 0
    head_hash: str = GENESIS
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(*, batch_size: int = 2000) -> list[ChainProblem]:
    """Walk the chain in sequence order and list every break. An empty list means the chain is intact."""
    return verify_chain_report(batch_size=batch_size).problems


def _read_head() -> tuple[int, str] | None:
    head = AuditChainHead.objects.filter(pk=HEAD_PK).values_list("last_sequence", "last_hash").first()
    if head is None:
        return None
    return int(head[0]), head[1] or GENESIS


class _Walker:
    """Checks rows one by one against the expected sequence, previous hash and recomputed HMAC."""

    def __init__(self, report: ChainReport) -> None:
        self.report = report
        self.key = _key()
        self.expected_prev = GENESIS
        self.expected_sequence = 1
        self.last_sequence = 0
        self.tip_sequence = 0  # last row walked up to the head, and its hash
        self.tip_hash = GENESIS

    def check(self, event: AuditEvent, *, beyond_head: bool) -> None:
        problems = self.report.problems
        self.report.checked += 1
        seq = event.sequence
        gap = seq > self.expected_sequence
        if gap:
            first, last = self.expected_sequence, seq - 1
            where = f"第 {first} 条" if first == last else f"第 {first}–{last} 条"
            problems.append(ChainProblem(first, "deleted", f"{where}审计记录缺失（被删除）"))
        recomputed = compute_hash(event, key=self.key)
        if beyond_head:
            problems.append(
                ChainProblem(seq, "inserted", f"第 {seq} 条审计记录在链头之后，不属于本链（被插入或伪造）")
            )
        elif recomputed != event.hash:
            if event.prev_hash != self.expected_prev and not gap:
                problems.append(
                    ChainProblem(
                        seq, "inserted", f"第 {seq} 条审计记录签名无效且不接续前一条（被插入或伪造）"
                    )
                )
            else:
                problems.append(
                    ChainProblem(seq, "edited", f"第 {seq} 条审计记录内容与签名不符（被篡改或伪造）")
                )
        elif event.prev_hash != self.expected_prev and not gap:
            problems.append(
                ChainProblem(seq, "deleted", f"第 {seq} 条审计记录的前序哈希不符（前面的记录被删除或替换）")
            )
        self.expected_prev = event.hash
        self.expected_sequence = seq + 1
        self.last_sequence = seq
        if not beyond_head:
            self.tip_sequence, self.tip_hash = seq, event.hash


def verify_chain_report(*, batch_size: int = 2000, max_rounds: int = 20) -> ChainReport:
    """Verify the chain against the head row.

    Reads the head first and walks rows up to it, so rows appended while verifying are not taken
    for forgeries; rows past the head are re-checked against a fresh head before being reported."""
    report = ChainReport()
    walker = _Walker(report)
    head = _read_head()
    if head is None:
        last_row = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
        if last_row is not None:
            report.problems.append(ChainProblem(None, "truncated", "审计链头记录缺失（被删除）"))
        head = (int(last_row[0]), last_row[1]) if last_row is not None else (0, GENESIS)
    head_sequence, head_hash = head
    for _round in range(max_rounds):
        for event in _iterate(batch_size, after=walker.last_sequence, up_to=head_sequence):
            walker.check(event, beyond_head=False)
        if not AuditEvent.objects.filter(sequence__gt=max(head_sequence, walker.last_sequence)).exists():
            break
        fresh = _read_head()
        if fresh is not None and fresh[0] > head_sequence:  # appended meanwhile: walk on to the new head
            head_sequence, head_hash = fresh
            continue
        for event in _iterate(batch_size, after=max(head_sequence, walker.last_sequence), up_to=None):
            walker.check(event, beyond_head=True)
        break
    report.head_sequence, report.head_hash = head_sequence, head_hash
    if walker.tip_sequence != head_sequence or walker.tip_hash != head_hash:
        report.problems.append(
            ChainProblem(
                head_sequence,
                "truncated",
                f"链头记录为第 {head_sequence} 条，但链上最后一条审计记录为第 {walker.tip_sequence} 条"
                "或哈希不符（末尾被删除或链头被改动）",
            )
        )
    return report


def verify_anchor(*, sequence: int, expected_hash: str) -> ChainProblem | None:
    """Check an externally recorded anchor: row `sequence` must still exist with `expected_hash`."""
    if sequence == 0:
        return None
    row_hash = AuditEvent.objects.filter(sequence=sequence).values_list("hash", flat=True).first()
    if row_hash == expected_hash.lower():
        return None
    return ChainProblem(
        sequence, "anchor", f"外部留存的锚点（第 {sequence} 条）与数据库不一致（记录被删除、篡改或链被重建）"
    )


def _iterate(batch_size: int, *, after: int, up_to: int | None) -> Iterator[AuditEvent]:
    last = after
    while True:
        rows = AuditEvent.objects.filter(sequence__gt=last)
        if up_to is not None:
            rows = rows.filter(sequence__lte=up_to)
        batch = list(rows.order_by("sequence")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].sequence
