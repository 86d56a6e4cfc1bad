"""Data: sign every existing audit row in the new form and re-seal the chain in its old order.

The old chain is verified first with the old formula (HMAC-SM3 over the row's content ‖ previous
hash); a broken chain stops the migration rather than being laundered into a valid new one.
The formulas are copied here as they were when this migration was written (decision 0010)."""

import hashlib
import json
import uuid

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations

GENESIS = "0" * 64


def _key():
    if settings.YIWANG_AUDIT_KEY:
        return str(settings.YIWANG_AUDIT_KEY).encode()
    return hashlib.sha256(b"yiwang-audit:" + settings.SECRET_KEY.encode()).digest()


def _sign(key, content):
    message = json.dumps(
        content, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(message)
    return mac.finalize().hex()


def _content(row):
    return {
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


def reseal(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    key = _key()
    previous, sequence, batch = GENESIS, 0, []
    for row in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        old = _sign(key, {**_content(row), "sequence": row.sequence, "prev_hash": row.prev_hash})
        if row.sequence != sequence + 1 or row.prev_hash != previous or old != row.hash:
            raise RuntimeError(
                f"审计链在第 {row.sequence} 条处已损坏，迁移中止：请先用旧版本运行 yiwang audit verify 查明原因"
            )
        sequence, previous = row.sequence, row.hash
        row.uid = uuid.uuid4()
        batch.append(row)
    previous = GENESIS
    for row in batch:
        row.mac = _sign(key, {**_content(row), "uid": str(row.uid)})
        row.prev_hash = previous
        row.hash = _sign(
            key, {"sequence": row.sequence, "event": row.pk, "mac": row.mac, "prev_hash": previous}
        )
        row.sealed_at = row.created_at
        previous = row.hash
    AuditEvent.objects.bulk_update(batch, ["uid", "mac", "prev_hash", "hash", "sealed_at"], batch_size=1000)
    if batch:
        AuditChainHead.objects.update_or_create(
            pk=1, defaults={"last_sequence": batch[-1].sequence, "last_hash": batch[-1].hash}
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0009_audit_rows_signed_then_sealed")]
    # Forward only: the old signatures cannot be rebuilt without the old chain.
    operations = [migrations.RunPython(reseal, migrations.RunPython.noop)]
