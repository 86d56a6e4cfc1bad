"""API endpoints of the identity app."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["identity"])
