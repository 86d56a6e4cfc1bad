"""Characters no text from outside may carry into the platform.

- NUL (U+0000): PostgreSQL refuses it in `text` and `jsonb`, so a query string or a field holding
  one failed deep down with a 500.
- Lone UTF-16 surrogates (U+D800–U+DFFF): `json.loads('"\\ud800"')` accepts them, but they cannot be
  encoded as UTF-8, so a value holding one is refused by PostgreSQL's `jsonb`, or — once saved on
  SQLite — breaks every page, PDF, audit signature and `dumpdata` that touches it.

They are refused at the edge with `invalid_characters_error()` (HTTP 400, code `invalid_characters`):
the API's parser (`config.api.YiwangParser`), the web's request guard (`web.guards`) and the places
that parse JSON out of a file (the catalogue import's JSON columns)."""

from __future__ import annotations

import re
from typing import Any

from yiwang.core.errors import InvalidInput

INVALID_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
INVALID_CHARACTERS_CODE = "invalid_characters"
INVALID_CHARACTERS_MESSAGE = "请求中含有不允许的字符（NUL 控制字符或不成对的 UTF-16 代理码元），请删除后重试"


def has_invalid_characters(value: Any) -> bool:
    """True if `value` — a string, or any nesting of dicts (keys too), lists and tuples of them —
    holds a NUL or a lone surrogate. Iterative, so deeply nested JSON cannot exhaust the stack."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, str):
            if INVALID_CHARACTERS.search(current):
                return True
        elif isinstance(current, dict):
            pending.extend(current.keys())
            pending.extend(current.values())
        elif isinstance(current, list | tuple):
            pending.extend(current)
    return False


def invalid_characters_error(details: Any = None) -> InvalidInput:
    return InvalidInput(INVALID_CHARACTERS_MESSAGE, code=INVALID_CHARACTERS_CODE, details=details)
