"""The JSON Schema of a process definition (流程定义) and the checks a schema cannot express.

`definition_errors(definition)` returns every problem as a Chinese line; an empty list means the
definition can be saved and published. Shape of a definition:

```json
{
  "sla": {"working_days": 5},              // overall promised time (optional); one key names the
                                           // clock: working_days / working_hours (office calendar)
                                           // or natural_minutes / natural_hours / natural_days (7×24)
  "worklist_clock": "overall",             // the one deadline lists show: "overall" or "state"
                                           // (default: overall when it runs, else the state's)
  "warning_ratio": 0.8,                    // warn when 80 % of a clock is used (default 0.8)
  "start": {"permissions": [...], "roles": [...], "applicant": true},   // who may start (optional)
  "escalations": [{"after": "overdue", "notify_roles": ["supervisor"]}],  // on the overall clock
  // or a chain (督办链), each level after its delay, repeated every `every_hours` until the next:
  // {"after": "overdue", "levels": [{"notify_assignee": true, "every_hours": 2},
  //   {"notify_roles": ["department_head"], "after_hours": 4}, {"notify_roles": ["supervisor"], "after_hours": 24}]}
  "states": [{"code": "submitted", "name": "待受理", "type": "start",
              "sla": {"working_days": 1}, "warning_before_hours": 2,
              "escalations": [{"after": "overdue", "action": "auto_close"}]}],
  "actions": [{"code": "accept", "name": "受理", "from": ["submitted"], "to": "reviewing",
               "permissions": ["services.accept_application"], "roles": ["window_clerk"],
               "applicant": false, "required_fields": ["comment"], "fields_schema": {...},
               "suspend": false, "resume": false, "extend": false, "claim": false, "optional": false,
               "reassign": "choose" | "may_choose" | "origin", "notify_owner": true}]
}
```
A state with `"stops_overall": true` meets the overall time limit on entry (办结, awaiting 回访: the
overall clock stops); an action with `"restart_overall": true` starts it again (重办), with the time
limit its caller passes to `transition(sla=…)` or else the definition's.
The owner (applicant) of an instance gets an in-app message when someone else moves it (see
`workflow/subscribers.py`); `"notify_owner": false` keeps an internal step (退单, 改派) quiet.
An `optional` action (withdraw, extend) is offered but does not put the instance in inboxes.
An action without `to` keeps the instance in its current state (suspend, resume, extend).
An action nobody is granted (no permissions, roles or applicant) can only run as the system,
e.g. as an escalation's automatic action."""

from __future__ import annotations

from typing import Any

import jsonschema

from yiwang.core.validators import schema_errors

CODE = {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$", "maxLength": 64}
NAMED_PERMISSION = {"type": "string", "pattern": r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", "maxLength": 100}
ROLE_CODE = {"type": "string", "pattern": r"^[a-z][a-z0-9_-]*$", "maxLength": 64}

# One key names the clock: working_* on the office calendar, natural_* around the clock (7×24).
SLA = {
    "type": "object",
    "properties": {
        "working_days": {"type": "integer", "minimum": 0, "maximum": 3650},
        "working_hours": {"type": "number", "minimum": 0, "maximum": 20000},
        "natural_minutes": {"type": "number", "minimum": 0, "maximum": 525600},
        "natural_hours": {"type": "number", "minimum": 0, "maximum": 87600},
        "natural_days": {"type": "integer", "minimum": 0, "maximum": 3650},
    },
    "additionalProperties": False,
    "minProperties": 1,
}

ESCALATION_LEVEL = {
    "type": "object",
    "properties": {
        "notify_roles": {"type": "array", "items": ROLE_CODE, "minItems": 1},
        "notify_assignee": {"type": "boolean"},
        "after_hours": {"type": "number", "minimum": 0, "maximum": 8760},
        "every_hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 8760},
    },
    "additionalProperties": False,
}

ESCALATION = {
    "type": "object",
    "properties": {
        "after": {"enum": ["warning", "overdue"]},
        "notify_roles": {"type": "array", "items": ROLE_CODE, "minItems": 1},
        # 督办链: levels notified in turn after the trigger, each with its own delay and repetition.
        "levels": {"type": "array", "items": ESCALATION_LEVEL, "minItems": 1},
        "action": CODE,
        "comment": {"type": "string", "maxLength": 500},
        "fields": {"type": "object"},
    },
    "required": ["after"],
    "additionalProperties": False,
}

WARNING = {
    "warning_ratio": {"type": "number", "minimum": 0.05, "maximum": 1},
    "warning_before_hours": {"type": "number", "minimum": 0, "maximum": 20000},
}

AUTHORISATION = {
    "permissions": {"type": "array", "items": NAMED_PERMISSION},
    "roles": {"type": "array", "items": ROLE_CODE},
    "applicant": {"type": "boolean"},
}

DEFINITION_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "流程定义",
    "type": "object",
    "properties": {
        "sla": SLA,
        "worklist_clock": {"enum": ["overall", "state"]},
        "merge": {"type": "object", "properties": AUTHORISATION, "additionalProperties": False},
        **WARNING,
        "start": {"type": "object", "properties": AUTHORISATION, "additionalProperties": False},
        "escalations": {"type": "array", "items": ESCALATION},
        "field_labels": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 50}},
        "states": {
            "type": "array",
            "minItems": 2,
            "items": {
                "type": "object",
                "properties": {
                    "code": CODE,
                    "name": {"type": "string", "minLength": 1, "maxLength": 50},
                    "type": {"enum": ["start", "normal", "terminal"]},
                    "sla": SLA,
                    **WARNING,
                    "escalations": {"type": "array", "items": ESCALATION},
                    "stops_overall": {"type": "boolean"},
                    "description": {"type": "string"},
                },
                "required": ["code", "name", "type"],
                "additionalProperties": False,
            },
        },
        "actions": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "code": CODE,
                    "name": {"type": "string", "minLength": 1, "maxLength": 50},
                    "from": {"type": "array", "items": CODE, "minItems": 1},
                    "to": CODE,
                    **AUTHORISATION,
                    "required_fields": {"type": "array", "items": CODE},
                    "fields_schema": {"type": "object"},
                    "suspend": {"type": "boolean"},
                    "resume": {"type": "boolean"},
                    "extend": {"type": "boolean"},
                    "max_extend_days": {"type": "integer", "minimum": 1, "maximum": 365},
                    "claim": {"type": "boolean"},
                    "release": {"type": "boolean"},
                    "reopen": {"type": "boolean"},
                    "open_children": {
                        "type": "object",
                        "properties": {"definition": CODE, "join": {"enum": ["all", "lead"]}},
                        "required": ["definition", "join"],
                        "additionalProperties": False,
                    },
                    "after_children": {"type": "boolean"},
                    "restart_overall": {"type": "boolean"},
                    "optional": {"type": "boolean"},
                    "reassign": {"enum": ["choose", "may_choose", "origin"]},
                    "notify_owner": {"type": "boolean"},
                    "description": {"type": "string"},
                },
                "required": ["code", "name", "from"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["states", "actions"],
    "additionalProperties": False,
}


def definition_errors(definition: Any) -> list[str]:
    """Every problem of a definition, in Chinese. Schema violations first, then consistency."""
    errors = schema_errors(definition, DEFINITION_SCHEMA)
    if errors:
        return errors
    return _consistency_errors(definition)


def _consistency_errors(definition: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    states = definition["states"]
    actions = definition["actions"]
    state_codes = [s["code"] for s in states]
    action_codes = [a["code"] for a in actions]
    by_action = {a["code"]: a for a in actions}

    for code in sorted({c for c in state_codes if state_codes.count(c) > 1}):
        errors.append(f"环节编码 {code} 重复")
    for code in sorted({c for c in action_codes if action_codes.count(c) > 1}):
        errors.append(f"动作编码 {code} 重复")
    starts = [s["code"] for s in states if s["type"] == "start"]
    if len(starts) != 1:
        errors.append(f"必须有且只有一个开始环节（type=start），当前有 {len(starts)} 个")
    if not any(s["type"] == "terminal" for s in states):
        errors.append("至少需要一个结束环节（type=terminal）")

    for where, sla in [("流程", definition.get("sla"))] + [
        (f"环节 {s['code']}", s.get("sla")) for s in states
    ]:
        if sla is not None and len(sla) != 1:
            errors.append(
                f"{where} 的时限只能指定一种计时方式（working_days、working_hours、natural_minutes、"
                "natural_hours、natural_days 之一）"
            )

    known = set(state_codes)
    terminal = {s["code"] for s in states if s["type"] == "terminal"}
    for action in actions:
        label = f"动作 {action['code']}"
        for source in action["from"]:
            if source not in known:
                errors.append(f"{label} 的起始环节 {source} 不存在")
            elif source in terminal and not action.get("reopen"):
                errors.append(f"{label} 不能从结束环节 {source} 发起（重办、复核等动作须标明 reopen）")
        if action.get("reopen") and (action.get("to") is None or action.get("to") in terminal):
            errors.append(f"{label} 是重新办理的动作（reopen），目标环节须为未结束的环节")
        if "to" in action and action["to"] not in known:
            errors.append(f"{label} 的目标环节 {action['to']} 不存在")
        stays = ("suspend", "resume", "extend", "claim", "release")
        if "to" not in action and not any(action.get(flag) for flag in stays):
            errors.append(
                f"{label} 缺少目标环节 to（只有挂起、恢复、延期、签收、退回签收动作可以停留在当前环节）"
            )
        if action.get("suspend") and action.get("resume"):
            errors.append(f"{label} 不能同时是挂起和恢复动作")
        if action.get("extend") and (action.get("suspend") or action.get("resume")):
            errors.append(f"{label} 不能同时是延期和挂起/恢复动作")
        if action.get("fields_schema") is not None:
            try:
                jsonschema.Draft202012Validator.check_schema(action["fields_schema"])
            except jsonschema.SchemaError as exc:
                errors.append(f"{label} 的 fields_schema 不是有效的 JSON Schema：{exc.message}")

    escalation_lists = [("流程", definition.get("escalations", []))] + [
        (f"环节 {s['code']}", s.get("escalations", [])) for s in states
    ]
    for where, rules in escalation_lists:
        for index, rule in enumerate(rules, start=1):
            label = f"{where} 的第 {index} 条督办规则"
            has_notify = "notify_roles" in rule or "levels" in rule
            has_action = "action" in rule
            if has_notify == has_action or ("notify_roles" in rule and "levels" in rule):
                errors.append(f"{label} 必须且只能指定 notify_roles、levels（督办链）或 action 之一")
            for number, level in enumerate(rule.get("levels", ()), start=1):
                if not (level.get("notify_roles") or level.get("notify_assignee")):
                    errors.append(f"{label} 的第 {number} 级须指定 notify_roles 或 notify_assignee")
            delays = [float(level.get("after_hours", 0)) for level in rule.get("levels", ())]
            if delays != sorted(set(delays)):
                errors.append(f"{label} 的各级 after_hours 须逐级递增")
            if not has_action:
                continue
            action = by_action.get(rule["action"])
            if action is None:
                errors.append(f"{label} 的自动动作 {rule['action']} 不存在")
                continue
            if where == "流程":
                errors.append(f"{label}：自动动作只能配置在环节上")
                continue
            state_code = where.removeprefix("环节 ")
            if state_code not in action["from"]:
                errors.append(f"{label} 的自动动作 {rule['action']} 不能从环节 {state_code} 发起")
            given = set(rule.get("fields", {})) | {"comment"}
            missing = [f for f in action.get("required_fields", []) if f not in given]
            if missing:
                errors.append(f"{label} 的自动动作缺少必填字段：{'、'.join(missing)}（请在 fields 中提供）")
    return errors
