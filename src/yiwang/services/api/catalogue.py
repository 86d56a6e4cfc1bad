"""API: catalogue."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["一网通办"])
