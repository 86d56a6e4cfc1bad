"""Statistics of applications."""

from __future__ import annotations
