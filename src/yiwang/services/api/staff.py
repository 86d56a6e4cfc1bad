"""API: staff side of applications (受理、审查、决定、办结 …)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["一网通办"])
