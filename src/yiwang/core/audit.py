"""The audit log: append-only rows, each signed on writing, chained by a sealer (decision 0010).

Writing (`audit_record`) takes no lock: a row carries `mac` = HMAC-SM3(key, canonical content), so an
edited or forged row is detectable from the moment it commits. The sealer (`audit_seal`, run by the
worker every `YIWANG_AUDIT_SEAL_SECONDS`, and by `yiwang audit seal`) chains committed rows in the
order it finds them, as transparency logs do: `sequence`, `prev_hash` and `hash` = HMAC-SM3(key,
sequence ‖ id ‖ mac ‖ prev_hash), and moves the head (`AuditChainHead`) — only sealers lock it, so
concurrent writers never wait for one another. `verify_chain` checks every row's signature, the
chain's links and the head, and says how far the chain is sealed.

Limits (by design of any self-contained chain): someone holding the HMAC key can forge a whole new
chain; a row deleted before it is sealed leaves no trace (the sealing lag is that window: seconds);
someone who deletes the last sealed rows *and* rewinds the head row to an earlier row's hash goes
unnoticed. Keep `YIWANG_AUDIT_KEY` out of the database's reach and record the head printed by
`yiwang audit verify` somewhere else (log shipping, a ticket) to anchor it; `--expect-head` checks
such an anchor."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from yiwang.core.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
HEAD_PK = 1
SEAL_BATCH = 1000


def _key() -> bytes:
    configured = settings.YIWANG_AUDIT_KEY
    if configured:
        return str(configured).encode()
    # Derived, never equal to SECRET_KEY itself.
    return hashlib.sha256(b"yiwang-audit:" + settings.SECRET_KEY.encode()).digest()


def key_check_value() -> str:
    """A value that tells whether two installations sign their audit rows with the same key, without
    revealing it (a backup carries it, so that a restore under another key is refused up front)."""
    return _hmac_sm3(_key(), {"purpose": "yiwang-backup-key-check"})


def _hmac_sm3(key: bytes, content: dict[str, Any]) -> str:
    message = json.dumps(
        content, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(message)
    return mac.finalize().hex()


def compute_mac(event: AuditEvent, *, key: bytes | None = None) -> str:
    """The row's own signature: over everything it says, fixed when it is written."""
    content = {
        "uid": str(event.uid),
        "created_at": event.created_at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "summary": event.summary,
        "data": event.data,
        "ip_address": event.ip_address,
    }
    return _hmac_sm3(key if key is not None else _key(), content)


def compute_link(*, sequence: int, event_id: int, mac: str, prev_hash: str, key: bytes | None = None) -> str:
    """The chain hash of a sealed row: its place, its id and signature, and the previous link."""
    content = {"sequence": sequence, "event": event_id, "mac": mac, "prev_hash": prev_hash}
    return _hmac_sm3(key if key is not None else _key(), content)


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


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    summary: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row. Call inside the action's transaction so the row commits with the change.

    `actor` is an `identity.actor.Actor` (or anything with `user`, `label`, `ip_address`). One INSERT,
    no lock: the row is sealed into the chain after it commits (`audit_seal`)."""
    object_type, object_id = _object_ref(obj)
    user = getattr(actor, "user", None)
    # Normalise through JSON so the stored value signs identically after a round trip.
    clean_data = json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False))
    event = AuditEvent(
        created_at=timezone.now(),
        actor=user if user is not None and user.pk else None,
        actor_label=str(getattr(actor, "label", "") or "")[:150],
        action=action[:100],
        object_type=object_type,
        object_id=object_id,
        summary=(summary or "")[:255],
        data=clean_data,
        ip_address=_clean_ip(getattr(actor, "ip_address", None)),
    )
    event.mac = compute_mac(event)
    event.save(force_insert=True)
    return event


def _lock_head() -> AuditChainHead | None:
    """The head, locked for this sealer; None when another sealer holds it (it will seal our rows)."""
    AuditChainHead.objects.get_or_create(pk=HEAD_PK)
    return AuditChainHead.objects.select_for_update(skip_locked=True).filter(pk=HEAD_PK).first()


def _store_seals(rows: list[AuditEvent], moment: datetime) -> None:
    """Complete the rows' seal columns — the one update an audit row ever gets. On PostgreSQL one
    UPDATE … FROM unnest(arrays) per batch: Django's `bulk_update` builds a CASE per row and per column,
    which made the sealer cost as much CPU per row as the audited write itself
    (bench/audit_concurrency.py)."""
    if connection.vendor != "postgresql":
        AuditEvent.objects.bulk_update(rows, ["sequence", "prev_hash", "hash", "sealed_at"])
        return
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS e SET sequence = v.sequence, prev_hash = v.prev_hash, hash = v.hash, "  # noqa: S608
            "sealed_at = %s FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[]) "
            "AS v(id, sequence, prev_hash, hash) WHERE e.id = v.id AND e.sequence IS NULL",
            [
                moment,
                [row.pk for row in rows],
                [row.sequence for row in rows],
                [row.prev_hash for row in rows],
                [row.hash for row in rows],
            ],
        )


def audit_seal(*, batch_size: int = SEAL_BATCH, now: datetime | None = None) -> int:
    """Chain the committed, unsealed rows in id order and move the head; returns how many it sealed.

    Only sealers lock the head, and a sealer that finds it locked returns at once: the one holding it
    seals whatever has committed. A row committed late (a smaller id after larger ones were sealed)
    is sealed in the next batch: the chain's order is the order rows were sealed in."""
    key = _key()
    sealed = 0
    while True:
        with transaction.atomic():
            head = _lock_head()
            if head is None:
                return sealed
            rows = list(
                AuditEvent.objects.filter(sequence__isnull=True).order_by("id").only("id", "mac")[:batch_size]
            )
            if not rows:
                return sealed
            moment = now or timezone.now()
            sequence, previous = head.last_sequence, head.last_hash or GENESIS
            for row in rows:
                sequence += 1
                row.sequence, row.prev_hash, row.sealed_at = sequence, previous, moment
                row.hash = compute_link(
                    sequence=sequence, event_id=row.pk, mac=row.mac, prev_hash=previous, key=key
                )
                previous = row.hash
            _store_seals(rows, moment)
            head.last_sequence, head.last_hash = sequence, previous
            head.save(update_fields=["last_sequence", "last_hash"])
        sealed += len(rows)
        if len(rows) < batch_size:
            return sealed


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
    pending: int = 0  # written, signed and checked, not yet sealed into the chain
    oldest_pending_at: datetime | None = None

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
        seq = event.sequence or 0
        gap = seq > self.expected_sequence
        if gap:
            first, last = self.expected_sequence, seq - 1
            where = f"第 {first} 条" if first == last else f"第 {first}–{last} 条"
            problems.append(ChainProblem(first, "deleted", f"{where}审计记录缺失（被删除）"))
        if beyond_head:
            problems.append(
                ChainProblem(seq, "inserted", f"第 {seq} 条审计记录在链头之后，不属于本链（被插入或伪造）")
            )
        elif compute_mac(event, key=self.key) != event.mac:
            problems.append(ChainProblem(seq, "edited", f"第 {seq} 条审计记录内容与签名不符（被篡改或伪造）"))
        elif event.hash != compute_link(
            sequence=seq, event_id=event.pk, mac=event.mac, prev_hash=event.prev_hash, key=self.key
        ):
            problems.append(
                ChainProblem(seq, "inserted", f"第 {seq} 条审计记录的封存签名无效（被插入或伪造）")
            )
        elif event.prev_hash != self.expected_prev and not gap:
            problems.append(
                ChainProblem(seq, "deleted", f"第 {seq} 条审计记录的前序哈希不符（前面的记录被删除或替换）")
            )
        self.expected_prev = event.hash or ""
        self.expected_sequence = seq + 1
        self.last_sequence = seq
        if not beyond_head:
            self.tip_sequence, self.tip_hash = seq, event.hash or ""

    def check_pending(self, event: AuditEvent) -> None:
        """An unsealed row: its own signature must hold (an edit or a forgery shows before sealing)."""
        report = self.report
        report.checked += 1
        report.pending += 1
        if report.oldest_pending_at is None or event.created_at < report.oldest_pending_at:
            report.oldest_pending_at = event.created_at
        if compute_mac(event, key=self.key) != event.mac:
            report.problems.append(
                ChainProblem(
                    None, "edited", f"待封存的审计记录（编号 {event.pk}）内容与签名不符（被篡改或伪造）"
                )
            )


def verify_chain_report(*, batch_size: int = 2000, max_rounds: int = 20) -> ChainReport:
    """Verify the chain against the head row.

    Reads the head first and walks the sealed rows up to it, so rows sealed while verifying are not
    taken for forgeries; rows past the head are re-checked against a fresh head before being
    reported. Then checks the signature of every row not sealed yet and counts them."""
    report = ChainReport()
    walker = _Walker(report)
    head = _read_head()
    if head is None:
        last_row = (
            AuditEvent.objects.filter(sequence__isnull=False)
            .order_by("-sequence")
            .values_list("sequence", "hash")
            .first()
        )
        if last_row is not None:
            report.problems.append(ChainProblem(None, "truncated", "审计链头记录缺失（被删除）"))
        head = (int(last_row[0] or 0), last_row[1] or GENESIS) if last_row is not None else (0, GENESIS)
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
    for event in _pending(batch_size):
        walker.check_pending(event)
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
        last = batch[-1].sequence or 0


def _pending(batch_size: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        batch = list(
            AuditEvent.objects.filter(sequence__isnull=True, id__gt=last).order_by("id")[:batch_size]
        )
        if not batch:
            return
        yield from batch
        last = batch[-1].pk
