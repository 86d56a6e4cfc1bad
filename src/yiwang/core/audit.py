"""The audit log: append-only, hash-chained with HMAC-SM3.

Each row's hash is HMAC-SM3(key, canonical JSON of its content ‖ previous row's hash). The chain
head row is locked while appending, so concurrent writers produce one linear chain. `verify_chain`
recomputes every hash and reports edited, deleted and inserted rows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from yiwang.core.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def _key() -> bytes:
    configured = settings.YIWANG_AUDIT_KEY
    if configured:
        return configured.encode()
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


def compute_hash(event: AuditEvent) -> str:
    mac = hmac.HMAC(_key(), hashes.SM3())
    mac.update(_canonical(event))
    return mac.finalize().hex()


def _object_ref(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


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
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            sequence=head.last_sequence + 1,
            created_at=timezone.now(),
            actor=user if user is not None and user.pk else None,
            actor_label=str(getattr(actor, "label", "") or "")[:150],
            action=action,
            object_type=object_type,
            object_id=object_id,
            summary=summary[:255],
            data=clean_data,
            ip_address=getattr(actor, "ip_address", None),
            prev_hash=head.last_hash or GENESIS,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=head.pk).update(last_sequence=event.sequence, last_hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainProblem:
    sequence: int | None
    kind: str  # edited | deleted | inserted | truncated
    message: str


def verify_chain(*, batch_size: int = 2000) -> list[ChainProblem]:
    """Walk the chain in sequence order and list every break. An empty list means the chain is intact."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    expected_sequence = 1
    last_hash = GENESIS
    for event in _iterate(batch_size):
        if event.sequence != expected_sequence:
            if event.sequence > expected_sequence:
                problems.append(
                    ChainProblem(
                        expected_sequence,
                        "deleted",
                        f"第 {expected_sequence}–{event.sequence - 1} 条审计记录缺失（被删除）",
                    )
                )
            else:
                problems.append(
                    ChainProblem(
                        event.sequence, "inserted", f"第 {event.sequence} 条审计记录序号重复（被插入）"
                    )
                )
        recomputed = compute_hash(event)
        if recomputed != event.hash:
            kind = "inserted" if event.prev_hash != expected_prev else "edited"
            label = "不属于本链（被插入或伪造）" if kind == "inserted" else "内容与签名不符（被篡改）"
            problems.append(ChainProblem(event.sequence, kind, f"第 {event.sequence} 条审计记录{label}"))
        elif event.prev_hash != expected_prev:
            problems.append(
                ChainProblem(
                    event.sequence,
                    "deleted",
                    f"第 {event.sequence} 条审计记录的前序哈希不符（前面的记录被删除或替换）",
                )
            )
        expected_prev = event.hash
        expected_sequence = event.sequence + 1
        last_hash = event.hash
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (
        head.last_sequence != expected_sequence - 1 or (head.last_hash or GENESIS) != last_hash
    ):
        problems.append(
            ChainProblem(
                head.last_sequence,
                "truncated",
                f"链头记录为第 {head.last_sequence} 条，但最后一条审计记录为第 {expected_sequence - 1} 条（末尾被删除）",
            )
        )
    return problems


def _iterate(batch_size: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        batch = list(AuditEvent.objects.filter(sequence__gt=last).order_by("sequence")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].sequence
