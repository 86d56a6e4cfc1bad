"""API endpoints of the core app."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["core"])
