"""Pure process-definition logic: parsed states and actions, and clock arithmetic.

Nothing here touches the database; `actions.py` loads rows and calls these functions. A clock is a
deadline plus a warning lead (working seconds before the deadline at which the warning starts):
the overall clock of the instance and the clock of the current state each have one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from yiwang.core.calendar import WorkCalendar

DEFAULT_WARNING_RATIO = 0.8

# Joint handling: a child's part, and the parent's rule for moving on.
CHILD_ROLES = {"lead": "主办", "assist": "协办", "countersign": "会签"}
JOIN_RULES = {"all": "全部单位答复后", "lead": "主办单位答复后"}

BUILTIN_FIELD_LABELS = {
    "comment": "办理意见",
    "reason": "理由",
    "days": "延期天数",
    "organization": "承办部门",
}


@dataclass(frozen=True)
class Level:
    """One level of an escalation chain (督办链): who is told, how long after the trigger (warning or
    overdue) and, optionally, how often it is repeated until the next level takes over."""

    notify_roles: tuple[str, ...] = ()
    notify_assignee: bool = False  # the 承办人 / 签收人 themself
    after_seconds: int = 0
    every_seconds: int | None = None


MAX_REPEATS = 20  # per level: a timer that was down for a week sends one notice, not a hundred


@dataclass(frozen=True)
class Escalation:
    after: str  # "warning" | "overdue"
    index: int
    notify_roles: tuple[str, ...] = ()
    action: str = ""
    comment: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    levels: tuple[Level, ...] = ()  # a chain (承办人 → 部门负责人 → 督办机构 → 市领导)

    def key(self, scope: str) -> str:
        return f"{scope}:{self.index}"

    def chain(self) -> tuple[Level, ...]:
        """The levels to notify: the chain, or the single level of a plain `notify_roles` rule."""
        if self.levels:
            return self.levels
        return (Level(notify_roles=self.notify_roles),) if self.notify_roles else ()


@dataclass(frozen=True)
class Firing:
    """One notice of a chain: level `level`, its `repeat`-th repetition, due at `moment`."""

    level: int
    repeat: int
    moment: datetime

    def key(self, rule_key: str) -> str:
        # The first notice of a plain rule keeps the rule's own key (rows fired before chains existed).
        return rule_key if (self.level, self.repeat) == (0, 0) else f"{rule_key}:{self.level}:{self.repeat}"


def firings(rule: Escalation, trigger: datetime) -> list[Firing]:
    """Every notice of the rule's chain once it triggered at `trigger`, in time order: level i at
    trigger + its `after`, repeated every `every` until the next level starts (at most MAX_REPEATS)."""
    chain = rule.chain()
    result = []
    for number, level in enumerate(chain):
        start = trigger + timedelta(seconds=level.after_seconds)
        end = (
            trigger + timedelta(seconds=chain[number + 1].after_seconds) if number + 1 < len(chain) else None
        )
        result.append(Firing(number, 0, start))
        if level.every_seconds:
            for repeat in range(1, MAX_REPEATS):
                moment = start + timedelta(seconds=level.every_seconds * repeat)
                if end is not None and moment >= end:
                    break
                result.append(Firing(number, repeat, moment))
    return sorted(result, key=lambda f: (f.moment, f.level, f.repeat))


@dataclass(frozen=True)
class State:
    code: str
    name: str
    type: str
    sla: dict[str, Any] | None
    warning_ratio: float | None
    warning_before_hours: float | None
    escalations: tuple[Escalation, ...]
    # Entering this state meets the overall time limit (办结, awaiting 回访): the overall clock stops.
    stops_overall: bool = False

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
    claim: bool  # 签收: the actor takes the instance in this state (colleagues' inboxes drop it)
    optional: bool
    reassign: str | None
    notify_owner: bool = True  # tell the instance's owner (the applicant) when this action runs
    release: bool = False  # 退回签收: give a signed-for instance back to the colleagues' inboxes
    reopen: bool = False  # may run from a terminal state (重办, 复核): the instance runs again
    # Joint handling: open child instances of `children_definition` (主办/协办, 会签) with the join
    # rule `children_join`; an `after_children` action waits until that rule holds.
    children_definition: str = ""
    children_join: str = ""
    after_children: bool = False
    # 重办: the overall clock starts again from the action (with the caller's time limit, else the
    # definition's), instead of going on from where it stopped.
    restart_overall: bool = False

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
    worklist_clock: str = ""
    merge: dict[str, Any] = field(
        default_factory=dict
    )  # who may 并单: {"permissions": […], "roles": […]}  # "overall" | "state" | "" (the overall clock when it runs, else the state's)

    @property
    def start_state(self) -> State:
        return next(s for s in self.states.values() if s.type == "start")

    def actions_from(self, state: str, *, suspended: bool) -> list[Action]:
        """Actions that can run in `state`. While suspended: resume actions and actions that end the
        instance (withdraw, refuse); otherwise every action except resume actions. In a terminal
        state only `reopen` actions have it as a source."""
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


def _level(raw: dict[str, Any]) -> Level:
    every = raw.get("every_hours")
    return Level(
        notify_roles=tuple(raw.get("notify_roles", ())),
        notify_assignee=bool(raw.get("notify_assignee", False)),
        after_seconds=round(float(raw.get("after_hours", 0)) * 3600),
        every_seconds=round(float(every) * 3600) if every else None,
    )


def _escalations(rules: list[dict[str, Any]]) -> tuple[Escalation, ...]:
    return tuple(
        Escalation(
            after=r["after"],
            index=i,
            notify_roles=tuple(r.get("notify_roles", ())),
            action=r.get("action", ""),
            comment=r.get("comment", ""),
            fields=dict(r.get("fields", {})),
            levels=tuple(_level(level) for level in r.get("levels", ())),
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
            stops_overall=bool(s.get("stops_overall", False)),
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
            release=bool(a.get("release", False)),
            reopen=bool(a.get("reopen", False)),
            children_definition=str(a.get("open_children", {}).get("definition", "")),
            children_join=str(a.get("open_children", {}).get("join", "")),
            after_children=bool(a.get("after_children", False)),
            restart_overall=bool(a.get("restart_overall", False)),
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
        worklist_clock=str(content.get("worklist_clock", "")),
        merge=dict(content.get("merge", {})),
    )


# -- clocks -------------------------------------------------------------------------------------

# An SLA names its clock by its one key: working days/hours run on the office calendar (法定节假日,
# 调休, office hours); natural minutes/hours/days run 7×24 (a 12345 ticket registered at 20:30 with a
# one-hour dispatch limit is due at 21:30).
WORKING_UNITS = ("working_days", "working_hours")
NATURAL_UNITS = {"natural_minutes": 60, "natural_hours": 3600, "natural_days": 86400}
SLA_UNITS = (*WORKING_UNITS, *NATURAL_UNITS)


def is_natural(sla: dict[str, Any] | None) -> bool:
    return bool(sla) and next(iter(sla)) in NATURAL_UNITS  # type: ignore[arg-type]


@dataclass
class Clock:
    """A running clock: `deadline` and `lead` (the warning starts `lead` seconds before it), counted
    in office time on the working-day calendar, or in natural time when `natural`."""

    deadline: datetime | None = None
    lead: int | None = None
    natural: bool = False

    def seconds(self, calendar: WorkCalendar, start: datetime, end: datetime) -> int:
        """Seconds of this clock's time in [start, end) (negative when end < start)."""
        if self.natural:
            return int((end - start).total_seconds())
        return calendar.working_seconds_between(start, end)

    def add(self, calendar: WorkCalendar, start: datetime, seconds: int) -> datetime:
        if self.natural:
            return start + timedelta(seconds=seconds)
        return calendar.add_working_seconds(start, seconds)

    def remaining(self, calendar: WorkCalendar, now: datetime) -> int | None:
        if self.deadline is None:
            return None
        return self.seconds(calendar, now, self.deadline)

    def warning_moment(self, calendar: WorkCalendar, now: datetime) -> datetime | None:
        """When the warning starts (`now` if it already has)."""
        if self.deadline is None or self.lead is None:
            return None
        if self.deadline <= now:
            return now
        remaining = self.seconds(calendar, now, self.deadline)
        if remaining <= self.lead:
            return now
        return self.add(calendar, now, remaining - self.lead)

    def is_warning(self, calendar: WorkCalendar, now: datetime) -> bool:
        moment = self.warning_moment(calendar, now)
        return moment is not None and moment <= now

    def is_overdue(self, now: datetime) -> bool:
        return self.deadline is not None and now > self.deadline


def sla_deadline(calendar: WorkCalendar, start: datetime, sla: dict[str, Any]) -> datetime:
    unit, amount = next(iter(sla.items()))
    if unit in NATURAL_UNITS:
        return start + timedelta(seconds=float(amount) * NATURAL_UNITS[unit])
    if unit == "working_days":
        return calendar.add_working_days(start, int(amount))
    return calendar.add_working_hours(start, float(amount))


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
    clock = Clock(deadline=sla_deadline(calendar, start, sla), natural=is_natural(sla))
    if warning_before_hours is not None:
        clock.lead = round(warning_before_hours * 3600)
    else:
        ratio = DEFAULT_WARNING_RATIO if warning_ratio is None else warning_ratio
        budget = max(clock.seconds(calendar, start, clock.deadline), 0)  # type: ignore[arg-type]
        clock.lead = round(budget * (1 - ratio))
    return clock


def resume_clock(calendar: WorkCalendar, now: datetime, clock: Clock, remaining: int | None) -> Clock:
    """Restart a frozen clock: the remaining time counts again from `now`.

    A clock frozen after its deadline keeps its old (past) deadline: it stays overdue."""
    if clock.deadline is None or remaining is None or remaining <= 0:
        return clock
    return Clock(deadline=clock.add(calendar, now, remaining), lead=clock.lead, natural=clock.natural)


def extend_clock(calendar: WorkCalendar, clock: Clock, days: int) -> Clock:
    """延期: `days` more working days (natural days on a natural clock)."""
    if clock.deadline is None:
        return clock
    if clock.natural:
        deadline = clock.deadline + timedelta(days=days)
    else:
        deadline = calendar.add_working_days(clock.deadline, days)
    return Clock(deadline=deadline, lead=clock.lead, natural=clock.natural)


def earliest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


# -- the step function ------------------------------------------------------------------------


@dataclass
class Position:
    """Where an instance stands, as far as moving it goes: its state, its two clocks (the overall one
    and the current state's) and what a suspension froze. `ProcessInstance.position()` reads it from
    the row and `ProcessInstance.place()` writes it back."""

    state: str
    state_entered_at: datetime
    overall: Clock
    state_clock: Clock
    suspended_at: datetime | None = None
    suspended_remaining: int | None = None
    suspended_state_remaining: int | None = None
    extended_days: int = 0
    completed_at: datetime | None = None
    # When the overall clock last started (the start, or a 重办 that restarted it): escalations of
    # the overall clock fire once per run of it.
    overall_started_at: datetime | None = None


@dataclass(frozen=True)
class Schedule:
    """What the clocks imply at a moment: the flags the lists colour by and the moments `tick` wakes
    up for."""

    overdue: bool
    warning: bool
    due_at: datetime | None
    warning_at: datetime | None
    escalation_due_at: datetime | None
    # The one deadline every list shows, sorts and counts by (`worklist`), and when it turns yellow.
    worklist_clock: str = "overall"
    worklist_deadline: datetime | None = None
    worklist_warning_at: datetime | None = None


def state_clock(calendar: WorkCalendar, definition: Definition, state: State, now: datetime) -> Clock:
    """A fresh clock for entering `state` at `now` (its own warning settings, else the definition's)."""
    own = state.warning_ratio is not None or state.warning_before_hours is not None
    return start_clock(
        calendar,
        now,
        state.sla,
        warning_ratio=state.warning_ratio if own else definition.warning_ratio,
        warning_before_hours=state.warning_before_hours if own else definition.warning_before_hours,
    )


def begin(
    calendar: WorkCalendar, definition: Definition, now: datetime, *, sla: dict[str, Any] | None = None
) -> Position:
    """The position of a new instance started at `now` (`sla` overrides the definition's overall one)."""
    start = definition.start_state
    overall = start_clock(
        calendar,
        now,
        sla if sla is not None else definition.sla,
        warning_ratio=definition.warning_ratio,
        warning_before_hours=definition.warning_before_hours,
    )
    return Position(
        state=start.code,
        state_entered_at=now,
        overall=overall,
        state_clock=state_clock(calendar, definition, start, now),
        overall_started_at=now,
    )


def step(
    calendar: WorkCalendar,
    definition: Definition,
    position: Position,
    action: Action,
    now: datetime,
    *,
    days: int | None = None,
    sla: dict[str, Any] | None = None,
) -> Position:
    """The position after `action` runs at `now`: the next state and both clocks. Pure — whether the
    action may run (state, actor, fields) is the caller's to check first; `days` is an extension's.

    Suspending freezes what is left on both clocks; resuming counts it again from `now`; an action
    that ends the instance while suspended ends it; entering another state starts that state's
    clock; an extension moves both deadlines; a `restart_overall` action starts the overall clock
    again (with `sla`, else the definition's) and a `stops_overall` state stops it."""
    new = Position(**{**position.__dict__})
    overall, current = position.overall, position.state_clock
    target = action.target_from(position.state)
    if position.suspended_at is not None and definition.ends(action) and not action.resume:
        new.suspended_at = new.suspended_remaining = new.suspended_state_remaining = None
    if action.resume:
        overall = resume_clock(calendar, now, overall, position.suspended_remaining)
        current = resume_clock(calendar, now, current, position.suspended_state_remaining)
        new.suspended_at = new.suspended_remaining = new.suspended_state_remaining = None
    if target != position.state:
        new.state, new.state_entered_at = target, now
        current = state_clock(calendar, definition, definition.states[target], now)
    if action.suspend:
        new.suspended_at = now
        new.suspended_remaining = overall.remaining(calendar, now)
        new.suspended_state_remaining = current.remaining(calendar, now)
    if action.extend and days:
        overall = extend_clock(calendar, overall, days)
        current = extend_clock(calendar, current, days)
        new.extended_days += days
    if action.reopen:  # 重办 / 复核: out of a terminal state, running again
        new.completed_at = None
    if action.restart_overall:
        new.overall_started_at = now
        overall = start_clock(
            calendar,
            now,
            sla if sla is not None else definition.sla,
            warning_ratio=definition.warning_ratio,
            warning_before_hours=definition.warning_before_hours,
        )
    if definition.states[new.state].stops_overall:
        overall = Clock()
    if definition.states[new.state].is_terminal:
        new.completed_at = now
        current = Clock()
    new.overall, new.state_clock = overall, current
    return new


def worklist(definition: Definition, position: Position) -> tuple[str, Clock]:
    """Which clock the lists show for an instance — one deadline per item, wherever it is listed (the
    工作台, a domain's own list, the applicant's pages): the definition's `worklist_clock`, else the
    overall clock when it runs (an application's 承诺办结时限), else the current state's."""
    choice = definition.worklist_clock or ("overall" if position.overall.deadline is not None else "state")
    return choice, position.overall if choice == "overall" else position.state_clock


def suspend(calendar: WorkCalendar, position: Position, now: datetime) -> Position:
    """Stop both clocks at `now` (their remaining time is kept for a resume): a 并单 secondary waits
    this way for its primary."""
    new = Position(**{**position.__dict__})
    new.suspended_at = now
    new.suspended_remaining = position.overall.remaining(calendar, now)
    new.suspended_state_remaining = position.state_clock.remaining(calendar, now)
    return new


def settle(calendar: WorkCalendar, definition: Definition, position: Position, now: datetime) -> Schedule:
    """The flags and wake-up moments of `position` at `now` (nothing pending once it has ended)."""
    overall, current = position.overall, position.state_clock
    listed, clock = worklist(definition, position)
    if position.completed_at is not None:
        return Schedule(
            overdue=overall.is_overdue(now),
            warning=False,
            due_at=overall.deadline,
            warning_at=None,
            escalation_due_at=None,
            worklist_clock=listed,
            worklist_deadline=clock.deadline,
        )
    overdue = overall.is_overdue(now) or current.is_overdue(now)
    warning_at = earliest(overall.warning_moment(calendar, now), current.warning_moment(calendar, now))
    state = definition.states[position.state]
    triggers = [trigger_moment(calendar, now, rule, current) for rule in state.escalations]
    triggers += [trigger_moment(calendar, now, rule, overall) for rule in definition.escalations]
    return Schedule(
        overdue=overdue,
        warning=overdue or (warning_at is not None and warning_at <= now),
        due_at=earliest(overall.deadline, current.deadline),
        warning_at=warning_at,
        escalation_due_at=earliest(*triggers),
        worklist_clock=listed,
        worklist_deadline=clock.deadline,
        worklist_warning_at=clock.warning_moment(calendar, now),
    )


def due_escalations(
    calendar: WorkCalendar, now: datetime, rules: tuple[Escalation, ...], clock: Clock
) -> list[Escalation]:
    """The rules of one clock whose trigger has been reached at `now`. A warning (即将超期) is due
    only before the deadline: a timer that first sees the item after it tells the overdue rules,
    not that the item is about to be late."""
    due = []
    for rule in rules:
        if (rule.after == "overdue" and clock.is_overdue(now)) or (
            rule.after == "warning" and clock.is_warning(calendar, now) and not clock.is_overdue(now)
        ):
            due.append(rule)
    return due


def trigger_moment(calendar: WorkCalendar, now: datetime, rule: Escalation, clock: Clock) -> datetime | None:
    if rule.after == "overdue":
        return clock.deadline
    if clock.is_overdue(now):  # past the deadline a warning never falls due
        return None
    return clock.warning_moment(calendar, now)
