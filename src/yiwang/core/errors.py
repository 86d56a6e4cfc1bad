"""Domain errors. Every error carries a stable code (for the API envelope) and a Chinese message."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base for expected failures: the API maps them to 4xx with {"code", "message", "details"}."""

    code = "domain_error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 400


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409
