"""Masking of personal information (个人信息去标识化展示) for pages and the API.

Shown by default everywhere; the full value needs the `core.unmask_pii` permission, a reason and
an audit row (see `core.actions.pii_unmask`)."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """110105199001010021 → 110105********0021 (region code and last four kept)."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:1] + "*" * (len(value) - 1)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """13800138001 → 138****8001."""
    if not value:
        return ""
    if len(value) < 7:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the surname character stays."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)
