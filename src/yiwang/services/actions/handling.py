"""Writes by department staff on applications (受理、不予受理、补正、审查、决定、办结、送达、挂起、延期、指派、备注)."""

from __future__ import annotations
