"""System checks of the workflow engine (run by `manage.py check`, `migrate` and the test suite)."""

from __future__ import annotations

import json
from typing import Any

from django.core import checks


@checks.register()
def shipped_definitions_keep_contracts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """workflow.E001: a definition shipped in `workflow/definitions/` lacks a state or action that a
    domain registered in its contract (`workflow.contracts`) — `definitions_load` would refuse it."""
    from yiwang.workflow.actions import DEFINITIONS_DIR
    from yiwang.workflow.contracts import contract_errors

    problems: list[checks.CheckMessage] = []
    for path in sorted(DEFINITIONS_DIR.glob("*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        for error in contract_errors(str(content.get("code", "")), content):
            problems.append(checks.Error(f"{path.name}：{error}", id="workflow.E001"))
    return problems
