"""selectors of 一网通办, split by subject: catalogue (事项目录), applications (办件), statistics."""

from __future__ import annotations

from uuid import UUID

from yiwang.core.errors import NotFound


def uid_or_not_found(value: UUID | str, *, message: str, code: str) -> UUID:
    """The UUID a path or form gave; NotFound(message, code) for anything that is not one, as for an
    unknown uid (a malformed one reveals no more than a wrong one)."""
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise NotFound(message, code=code) from None
