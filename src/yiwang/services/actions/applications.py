"""Writes on applications (办件)."""

from __future__ import annotations
