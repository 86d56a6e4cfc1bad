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


def _named_permissions(content: dict[str, Any]) -> set[str]:
    rules = [content.get("start", {}), content.get("merge", {}), *content.get("actions", [])]
    return {name for rule in rules if isinstance(rule, dict) for name in rule.get("permissions", ())}


@checks.register()
def shipped_definitions_name_known_permissions(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """workflow.E002: a shipped definition grants an action to a permission of an installed app that
    no app declares (a typo or a renamed permission): nobody could ever perform it."""
    from yiwang.identity.permissions import unknown_permissions
    from yiwang.workflow.actions import DEFINITIONS_DIR

    problems: list[checks.CheckMessage] = []
    for path in sorted(DEFINITIONS_DIR.glob("*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        for name in unknown_permissions(_named_permissions(content)):
            problems.append(checks.Error(f"{path.name}：未声明的权限 {name}", id="workflow.E002"))
    return problems
