"""API endpoints: api_notifications."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["api_notifications"])
