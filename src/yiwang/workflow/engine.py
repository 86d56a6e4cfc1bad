"""Pure process-definition logic: parsed states and actions, and clock arithmetic.

Nothing here touches the database; `actions.py` loads rows and calls these functions. A clock is a
deadline plus a warning lead (working seconds before the deadline at which the warning starts):
the overall clock of the instance and the clock of the current state each have one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from yiwang.core.calendar import WorkCalendar

DEFAULT_WARNING_RATIO = 0.8

BUILTIN_FIELD_LABELS = {
    "comment": "办理意见",
    "reason": "理由",
    "days": "延期天数",
    "organization": "承办部门",
}


@dataclass(frozen=True)
class Escalation:
    after: str  # "warning" | "overdue"
    index: int
    notify_roles: tuple[str, ...] = ()
    action: str = ""
    comment: str = ""
    fields: dict[str, Any] = field(default_factory=dict)

    def key(self, scope: str) -> str:
        return f"{scope}:{self.index}"


@dataclass(frozen=True)
class State:
    code: str
    name: str
    type: str
    sla: dict[str, Any] | None
    warning_ratio: float | None
    warning_before_hours: float | None
    escalations: tuple[Escalation, ...]

    @property
    def is_terminal(self) -> bool:
        return self.type == "terminal"


@dataclass(frozen=True)
class Action:
    code: str
    name: str
    sources: tuple[str, ...]
    target: str | None
    permissions: frozenset[str]
    roles: frozenset[str]
    applicant: bool
    required_fields: tuple[str, ...]
    fields_schema: dict[str, Any] | None
    suspend: bool
    resume: bool
    extend: bool
    max_extend_days: int | None
    claim: bool
    optional: bool
    reassign: str | None
    notify_owner: bool = True  # tell the instance's owner (the applicant) when this action runs

    @property
    def system_only(self) -> bool:
        return not (self.permissions or self.roles or self.applicant)

    def target_from(self, state: str) -> str:
        return self.target or state

    def handler_codes(self) -> set[str]:
        """The codes under which this action appears in inboxes (see `ProcessHandler`)."""
        codes = {f"perm:{p}" for p in self.permissions} | {f"role:{r}" for r in self.roles}
        if self.applicant:
            codes.add("applicant")
        return codes


@dataclass(frozen=True)
class Definition:
    states: dict[str, State]
    actions: dict[str, Action]
    sla: dict[str, Any] | None
    warning_ratio: float | None
    warning_before_hours: float | None
    escalations: tuple[Escalation, ...]
    start: dict[str, Any]
    field_labels: dict[str, str]

    @property
    def start_state(self) -> State:
        return next(s for s in self.states.values() if s.type == "start")

    def actions_from(self, state: str, *, suspended: bool) -> list[Action]:
        """Actions that can run in `state`. While suspended: resume actions and actions that end the
        instance (withdraw, refuse); otherwise every action except resume actions."""
        return [a for a in self.actions.values() if state in a.sources and self.runs_while(a, suspended)]

    def runs_while(self, action: Action, suspended: bool) -> bool:
        if not suspended:
            return not action.resume
        return action.resume or self.ends(action)

    def ends(self, action: Action) -> bool:
        return action.target is not None and self.states[action.target].is_terminal

    def handler_codes(self, state: str, *, suspended: bool) -> set[str]:
        codes: set[str] = set()
        for action in self.actions_from(state, suspended=suspended):
            if not action.optional:
                codes |= action.handler_codes()
        return codes

    def field_label(self, action: Action, name: str) -> str:
        schema = action.fields_schema or {}
        title = schema.get("properties", {}).get(name, {}).get("title")
        return str(title or self.field_labels.get(name) or BUILTIN_FIELD_LABELS.get(name) or name)

    def field_value(self, action: Action | None, name: str, value: Any) -> Any:
        """A recorded field value as people read it: the `title` of the matching `oneOf` constant in
        the action's JSON Schema (e.g. "inspection" → 检验), else the value itself."""
        if action is None or not isinstance(value, str):
            return value
        prop = (action.fields_schema or {}).get("properties", {}).get(name, {})
        for option in prop.get("oneOf", ()):
            if isinstance(option, dict) and option.get("const") == value and option.get("title"):
                return str(option["title"])
        return value

    def state_name(self, code: str) -> str:
        state = self.states.get(code)
        return state.name if state else code


def _escalations(rules: list[dict[str, Any]]) -> tuple[Escalation, ...]:
    return tuple(
        Escalation(
            after=r["after"],
            index=i,
            notify_roles=tuple(r.get("notify_roles", ())),
            action=r.get("action", ""),
            comment=r.get("comment", ""),
            fields=dict(r.get("fields", {})),
        )
        for i, r in enumerate(rules)
    )


def parse(content: dict[str, Any]) -> Definition:
    """Turn validated definition JSON into typed objects (call `definition_errors` first)."""
    states = {
        s["code"]: State(
            code=s["code"],
            name=s["name"],
            type=s["type"],
            sla=s.get("sla"),
            warning_ratio=s.get("warning_ratio"),
            warning_before_hours=s.get("warning_before_hours"),
            escalations=_escalations(s.get("escalations", [])),
        )
        for s in content["states"]
    }
    actions = {
        a["code"]: Action(
            code=a["code"],
            name=a["name"],
            sources=tuple(a["from"]),
            target=a.get("to"),
            permissions=frozenset(a.get("permissions", ())),
            roles=frozenset(a.get("roles", ())),
            applicant=bool(a.get("applicant", False)),
            required_fields=tuple(a.get("required_fields", ())),
            fields_schema=a.get("fields_schema"),
            suspend=bool(a.get("suspend", False)),
            resume=bool(a.get("resume", False)),
            extend=bool(a.get("extend", False)),
            max_extend_days=a.get("max_extend_days"),
            claim=bool(a.get("claim", False)),
            optional=bool(a.get("optional", False)),
            reassign=a.get("reassign"),
            notify_owner=bool(a.get("notify_owner", True)),
        )
        for a in content["actions"]
    }
    return Definition(
        states=states,
        actions=actions,
        sla=content.get("sla"),
        warning_ratio=content.get("warning_ratio"),
        warning_before_hours=content.get("warning_before_hours"),
        escalations=_escalations(content.get("escalations", [])),
        start=dict(content.get("start", {})),
        field_labels=dict(content.get("field_labels", {})),
    )


# -- clocks -------------------------------------------------------------------------------------


@dataclass
class Clock:
    """A running clock: `deadline` and `lead` (warning starts `lead` working seconds before it)."""

    deadline: datetime | None = None
    lead: int | None = None

    def remaining(self, calendar: WorkCalendar, now: datetime) -> int | None:
        if self.deadline is None:
            return None
        return calendar.working_seconds_between(now, self.deadline)

    def warning_moment(self, calendar: WorkCalendar, now: datetime) -> datetime | None:
        """When the warning starts (`now` if it already has)."""
        if self.deadline is None or self.lead is None:
            return None
        if self.deadline <= now:
            return now
        remaining = calendar.working_seconds_between(now, self.deadline)
        if remaining <= self.lead:
            return now
        return calendar.add_working_seconds(now, remaining - self.lead)

    def is_warning(self, calendar: WorkCalendar, now: datetime) -> bool:
        moment = self.warning_moment(calendar, now)
        return moment is not None and moment <= now

    def is_overdue(self, now: datetime) -> bool:
        return self.deadline is not None and now > self.deadline


def sla_deadline(calendar: WorkCalendar, start: datetime, sla: dict[str, Any]) -> datetime:
    if "working_days" in sla:
        return calendar.add_working_days(start, int(sla["working_days"]))
    return calendar.add_working_hours(start, float(sla["working_hours"]))


def start_clock(
    calendar: WorkCalendar,
    start: datetime,
    sla: dict[str, Any] | None,
    *,
    warning_ratio: float | None,
    warning_before_hours: float | None,
) -> Clock:
    """A fresh clock for `sla` starting at `start` (an empty clock when there is no SLA)."""
    if not sla:
        return Clock()
    deadline = sla_deadline(calendar, start, sla)
    if warning_before_hours is not None:
        lead = round(warning_before_hours * 3600)
    else:
        ratio = DEFAULT_WARNING_RATIO if warning_ratio is None else warning_ratio
        budget = max(calendar.working_seconds_between(start, deadline), 0)
        lead = round(budget * (1 - ratio))
    return Clock(deadline=deadline, lead=lead)


def resume_clock(calendar: WorkCalendar, now: datetime, clock: Clock, remaining: int | None) -> Clock:
    """Restart a frozen clock: the remaining working time counts again from `now`.

    A clock frozen after its deadline keeps its old (past) deadline: it stays overdue."""
    if clock.deadline is None or remaining is None or remaining <= 0:
        return clock
    return Clock(deadline=calendar.add_working_seconds(now, remaining), lead=clock.lead)


def extend_clock(calendar: WorkCalendar, clock: Clock, days: int) -> Clock:
    if clock.deadline is None:
        return clock
    return Clock(deadline=calendar.add_working_days(clock.deadline, days), lead=clock.lead)


def earliest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def due_escalations(
    calendar: WorkCalendar, now: datetime, rules: tuple[Escalation, ...], clock: Clock
) -> list[Escalation]:
    """The rules of one clock whose trigger has been reached at `now`."""
    due = []
    for rule in rules:
        if (rule.after == "overdue" and clock.is_overdue(now)) or (
            rule.after == "warning" and clock.is_warning(calendar, now)
        ):
            due.append(rule)
    return due


def trigger_moment(calendar: WorkCalendar, now: datetime, rule: Escalation, clock: Clock) -> datetime | None:
    if rule.after == "overdue":
        return clock.deadline
    return clock.warning_moment(calendar, now)
