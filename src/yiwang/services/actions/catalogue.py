"""Writes on the catalogue (事项目录)."""

from __future__ import annotations
