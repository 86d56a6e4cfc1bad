"""API endpoints: api_files."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["api_files"])
