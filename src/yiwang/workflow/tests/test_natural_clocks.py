"""Natural clocks (7×24) beside working clocks, and the pure step function.

A 12345 ticket registered at night with a one-hour dispatch limit is due the same evening, not on
Monday morning; a city event reported on a National Day night is due half an hour later; a natural
clock frozen by a suspension restarts from the moment it is resumed. The property test drives real
transitions and checks that the database path (`transition`) and the pure path (`engine.step` +
`engine.settle`) agree, and that natural deadlines are exactly their SLA in seconds."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.core.calendar import get_calendar
from yiwang.core.errors import DomainError, InvalidInput
from yiwang.core.tests.factories import PersonFactory
from yiwang.identity.actor import Actor
from yiwang.workflow import engine
from yiwang.workflow.actions import definition_publish, definition_save, instance_start, tick, transition
from yiwang.workflow.definition_schema import definition_errors
from yiwang.workflow.models import ProcessDefinition, ProcessInstance

from .factories import actor, at, staff

SYSTEM = Actor.system()
ONE_UNIT = "的时限只能指定一种计时方式（working_days、working_hours、natural_minutes、natural_hours、natural_days 之一）"


def _publish(code: str, name: str, content: dict) -> ProcessDefinition:
    draft = definition_save(actor=SYSTEM, code=code, name=name, definition=copy.deepcopy(content))
    return definition_publish(actor=SYSTEM, definition=draft)


def _start(code: str, city, when, **kwargs) -> ProcessInstance:
    return instance_start(
        actor=kwargs.pop("actor", SYSTEM),
        definition_code=code,
        obj=PersonFactory(),
        organization=kwargs.pop("organization", city["hotline"]),
        title=kwargs.pop("title", "测试事项"),
        now=when,
        **kwargs,
    )


# -- inline definitions ---------------------------------------------------------------------------

# A 12345 ticket: dispatch within one natural hour (around the clock), handle within 5 working days.
NIGHT_TICKET = {
    "start": {"roles": ["hotline_agent"]},
    "states": [
        {"code": "registered", "name": "已受理（待派单）", "type": "start", "sla": {"natural_hours": 1}},
        {"code": "handling", "name": "办理中", "type": "normal", "sla": {"working_days": 5}},
        {"code": "closed", "name": "已办结", "type": "terminal"},
    ],
    "actions": [
        {
            "code": "dispatch",
            "name": "派单",
            "from": ["registered"],
            "to": "handling",
            "roles": ["hotline_dispatcher"],
            "required_fields": ["comment"],
        },
        {
            "code": "reply",
            "name": "答复办结",
            "from": ["handling"],
            "to": "closed",
            "roles": ["handling_officer"],
        },
    ],
}

# A city event (城市事件): verified within 30 natural minutes, then handled in working time.
CITY_EVENT = {
    "states": [
        {"code": "reported", "name": "已上报（待核实）", "type": "start", "sla": {"natural_minutes": 30}},
        {"code": "verified", "name": "已核实（处置中）", "type": "normal", "sla": {"working_days": 1}},
        {"code": "closed", "name": "已结案", "type": "terminal"},
    ],
    "actions": [
        {"code": "verify", "name": "核实", "from": ["reported"], "to": "verified"},
        {"code": "close", "name": "结案", "from": ["verified"], "to": "closed"},
    ],
}

# On-site handling within one natural hour; suspension stops the clock. Lists show the state's clock.
ON_SITE = {
    "worklist_clock": "state",
    "states": [
        {"code": "on_site", "name": "现场处置", "type": "start", "sla": {"natural_hours": 1}},
        {"code": "done", "name": "处置完毕", "type": "terminal"},
    ],
    "actions": [
        {
            "code": "suspend",
            "name": "挂起",
            "from": ["on_site"],
            "suspend": True,
            "optional": True,
            "required_fields": ["reason"],
        },
        {"code": "resume", "name": "恢复处置", "from": ["on_site"], "resume": True},
        {"code": "finish", "name": "处置完毕", "from": ["on_site"], "to": "done"},
    ],
}


# -- 1. definition checks ---------------------------------------------------------------------------


def test_a_definition_with_a_natural_minute_sla_validates():
    content = copy.deepcopy(CITY_EVENT)
    assert content["states"][0]["sla"] == {"natural_minutes": 30}
    assert definition_errors(content) == []
    content["sla"] = {"natural_days": 3}
    content["worklist_clock"] = "overall"
    assert definition_errors(content) == []


def test_two_units_in_one_sla_are_refused_in_chinese(db):
    content = copy.deepcopy(CITY_EVENT)
    content["states"][0]["sla"] = {"natural_minutes": 30, "working_days": 1}
    content["sla"] = {"natural_hours": 2, "working_hours": 2}
    assert definition_errors(content) == [f"流程 {ONE_UNIT}", f"环节 reported {ONE_UNIT}"]

    with pytest.raises(InvalidInput) as exc_info:
        definition_save(actor=SYSTEM, code="city_event", name="城市事件", definition=content)
    assert exc_info.value.code == "workflow_definition_invalid"
    assert exc_info.value.message == f"流程定义有误：流程 {ONE_UNIT}（共 2 处）"
    assert not ProcessDefinition.objects.exists()


@pytest.mark.parametrize(
    ("sla", "error"),
    [
        ({"natural_weeks": 1}, "states/0/sla：含有未定义的属性"),
        ({"natural_days": 1.5}, "states/0/sla/natural_days：类型应为 integer"),
        ({}, "states/0/sla：不符合规则 minProperties"),
    ],
)
def test_unknown_or_malformed_units_are_refused_in_a_definition(sla, error):
    content = copy.deepcopy(CITY_EVENT)
    content["states"][0]["sla"] = sla
    assert definition_errors(content) == [error]


def test_a_bad_worklist_clock_is_refused():
    content = copy.deepcopy(CITY_EVENT)
    content["worklist_clock"] = "deadline"
    assert definition_errors(content) == ["worklist_clock：取值应为以下之一：overall、state"]


def test_an_instance_may_run_on_a_natural_overall_clock(db, city):
    _publish("city_event", "城市事件", CITY_EVENT)
    instance = _start("city_event", city, at("2026-11-21 22:15"), sla={"natural_hours": 1})

    assert instance.deadline == at("2026-11-21 23:15")  # a Saturday night: natural time runs
    assert instance.natural_clock is True
    assert instance.warning_lead_seconds == 720  # 20 % of 3,600 s
    assert (instance.worklist_clock, instance.worklist_deadline) == ("overall", at("2026-11-21 23:15"))
    assert instance.worklist_warning_at == at("2026-11-21 23:03")
    instance.refresh_from_db()
    assert (instance.deadline, instance.natural_clock) == (at("2026-11-21 23:15"), True)


@pytest.mark.parametrize(
    "sla",
    [
        {"natural_weeks": 1},
        {"natural_hours": 1, "working_days": 1},
        {"natural_days": 1.5},
        {"natural_minutes": -5},
        {},
    ],
)
def test_a_bad_instance_sla_is_refused(db, city, sla):
    _publish("city_event", "城市事件", CITY_EVENT)
    with pytest.raises(InvalidInput) as exc_info:
        _start("city_event", city, at("2026-11-21 22:15"), sla=sla)
    assert exc_info.value.code == "workflow_sla_invalid"
    assert exc_info.value.message == (
        "时限应为一种计时方式及其数值，如 {working_days: 5}、{working_hours: 4} 或 {natural_hours: 1}"
    )
    assert not ProcessInstance.objects.exists()


# -- 2. a 12345 ticket at night -------------------------------------------------------------------


def test_a_12345_ticket_registered_on_friday_night_is_due_within_the_natural_hour(db, city):
    _publish("night_ticket", "12345热线工单（夜间）", NIGHT_TICKET)
    agent = actor(staff(city["hotline"], roles=["hotline_agent"], name="话务员小周"))
    dispatcher = actor(staff(city["hotline"], roles=["hotline_dispatcher"], name="派单员小吴"))

    ticket = _start("night_ticket", city, at("2026-11-20 20:30"), actor=agent, title="小区停水")

    # One natural hour: 21:30 the same evening — a working hour would have run to Monday 10:00.
    assert get_calendar().add_working_hours(at("2026-11-20 20:30"), 1) == at("2026-11-23 10:00")
    assert ticket.state_deadline == at("2026-11-20 21:30")
    assert (ticket.state_natural_clock, ticket.natural_clock) == (True, False)
    assert ticket.deadline is None
    assert ticket.due_at == at("2026-11-20 21:30")
    assert ticket.warning_at == at("2026-11-20 21:18")  # 80 % of the hour used
    assert (ticket.worklist_clock, ticket.worklist_deadline) == ("state", at("2026-11-20 21:30"))
    assert ticket.worklist_warning_at == at("2026-11-20 21:18")

    early = tick(now=at("2026-11-20 21:29"))
    ticket.refresh_from_db()
    assert (early.warned, early.overdue) == (1, 0)
    assert (ticket.warning, ticket.overdue) == (True, False)

    late = tick(now=at("2026-11-20 21:31"))
    ticket.refresh_from_db()
    assert (late.warned, late.overdue) == (0, 1)
    assert (ticket.overdue, ticket.deadline_status) == (True, "overdue")

    transition(
        instance=ticket, action="dispatch", actor=dispatcher, comment="派住建局", now=at("2026-11-20 21:40")
    )

    # 办理 5 working days from Friday night: Mon 11-23 … Fri 11-27, end of office hours.
    assert ticket.state == "handling"
    assert ticket.state_entered_at == at("2026-11-20 21:40")
    assert ticket.state_deadline == at("2026-11-27 17:30")
    assert ticket.state_natural_clock is False
    assert ticket.state_warning_lead_seconds == 25_200  # 20 % of 5 × 7 office hours
    assert ticket.warning_at == at("2026-11-26 17:30")  # one office day before the deadline
    assert (ticket.warning, ticket.overdue) == (False, False)
    assert (ticket.worklist_clock, ticket.worklist_deadline) == ("state", at("2026-11-27 17:30"))
    ticket.refresh_from_db()
    assert (ticket.state_deadline, ticket.state_natural_clock) == (at("2026-11-27 17:30"), False)
    assert list(ticket.events.values_list("action", "actor_label")) == [
        ("start", "话务员小周"),
        ("dispatch", "派单员小吴"),
    ]
    assert tick(now=at("2026-11-23 09:00")).overdue == 0


# -- 3. a city event on a National Day night ------------------------------------------------------------


def test_a_city_event_reported_on_a_holiday_night_runs_on_natural_minutes(db, city):
    _publish("city_event", "城市事件", CITY_EVENT)
    event = _start("city_event", city, at("2026-10-01 03:00"), title="道路积水")

    assert event.state_deadline == at("2026-10-01 03:30")
    assert event.state_natural_clock is True
    # Default warning at 80 % of the budget: 1,800 s × 0.2 = 360 s before the deadline.
    assert event.state_warning_lead_seconds == 360
    assert event.warning_at == at("2026-10-01 03:24")
    assert event.worklist_warning_at == at("2026-10-01 03:24")

    assert tick(now=at("2026-10-01 03:23")).warned == 0
    event.refresh_from_db()
    assert event.warning is False

    assert tick(now=at("2026-10-01 03:25")).warned == 1
    event.refresh_from_db()
    assert (event.warning, event.overdue, event.deadline_status) == (True, False, "warning")

    transition(instance=event, action="verify", actor=SYSTEM, now=at("2026-10-01 03:28"))
    # The next state counts working days: 10-01 … 10-07 are 国庆 holidays, so Thu 10-08.
    assert event.state_deadline == at("2026-10-08 17:30")
    assert (event.state_natural_clock, event.warning, event.overdue) == (False, False, False)


# -- 4. suspension of a natural clock ------------------------------------------------------------------


def test_a_suspended_natural_clock_resumes_from_the_moment_of_resuming(db, city):
    _publish("on_site", "现场处置", ON_SITE)
    # Overall 2 working hours (Mon 11-23 11:00), state 1 natural hour (Sat 00:10).
    task = _start("on_site", city, at("2026-11-20 23:10"), sla={"working_hours": 2}, title="燃气泄漏")
    assert (task.deadline, task.natural_clock) == (at("2026-11-23 11:00"), False)
    assert (task.state_deadline, task.state_natural_clock) == (at("2026-11-21 00:10"), True)

    transition(
        instance=task,
        action="suspend",
        actor=SYSTEM,
        fields={"reason": "等待燃气公司"},
        now=at("2026-11-20 23:50"),
    )
    assert task.suspended_at == at("2026-11-20 23:50")
    assert task.suspended_state_remaining_seconds == 20 * 60
    assert task.suspended_remaining_seconds == 2 * 3600  # no office time between Fri night and Monday

    result = tick(now=at("2026-11-22 12:00"))  # long past the frozen deadline: skipped
    task.refresh_from_db()
    assert (result.warned, result.overdue, task.overdue) == (0, 0, False)

    transition(instance=task, action="resume", actor=SYSTEM, now=at("2026-11-23 10:00"))

    assert task.suspended_at is None
    assert (task.suspended_remaining_seconds, task.suspended_state_remaining_seconds) == (None, None)
    assert task.state_deadline == at("2026-11-23 10:20")  # 20 natural minutes from now
    assert task.state_natural_clock is True
    assert task.state_entered_at == at("2026-11-20 23:10")
    assert task.deadline == at("2026-11-23 12:00")  # 2 office hours from 10:00
    assert task.due_at == at("2026-11-23 10:20")
    assert task.warning_at == at("2026-11-23 10:08")  # the state clock's 720 s lead
    assert (task.worklist_clock, task.worklist_deadline) == ("state", at("2026-11-23 10:20"))
    assert task.worklist_warning_at == at("2026-11-23 10:08")
    assert (task.warning, task.overdue) == (False, False)

    assert tick(now=at("2026-11-23 10:21")).overdue == 1
    transition(instance=task, action="finish", actor=SYSTEM, now=at("2026-11-23 10:30"))
    assert (task.state_deadline, task.warning_at, task.escalation_due_at) == (None, None, None)
    assert (task.completed_at, task.overdue) == (at("2026-11-23 10:30"), False)


# -- 5. property test: the pure step function and the database agree ------------------------------------

MIX = {
    "warning_ratio": 0.8,
    "escalations": [{"after": "overdue", "notify_roles": ["supervisor"]}],
    "states": [
        {"code": "received", "name": "已接报", "type": "start", "sla": {"natural_minutes": 30}},
        {
            "code": "verifying",
            "name": "核实中",
            "type": "normal",
            "sla": {"natural_hours": 2},
            "warning_before_hours": 0.5,
            "escalations": [{"after": "warning", "notify_roles": ["supervisor"]}],
        },
        {
            "code": "handling",
            "name": "处置中",
            "type": "normal",
            "sla": {"working_days": 2},
            "escalations": [{"after": "overdue", "notify_roles": ["department_head"]}],
        },
        {"code": "reviewing", "name": "待核查", "type": "normal", "sla": {"working_hours": 3}},
        {
            "code": "waiting",
            "name": "待回访",
            "type": "normal",
            "sla": {"natural_days": 1},
            "warning_ratio": 0.5,
        },
        {"code": "closed", "name": "已结案", "type": "terminal"},
        {"code": "cancelled", "name": "已撤销", "type": "terminal"},
    ],
    "actions": [
        {"code": "verify", "name": "核实", "from": ["received"], "to": "verifying"},
        {"code": "handle", "name": "处置", "from": ["verifying"], "to": "handling"},
        {"code": "send_back", "name": "退回核实", "from": ["handling"], "to": "verifying"},
        {"code": "review", "name": "提交核查", "from": ["handling"], "to": "reviewing"},
        {"code": "reject", "name": "核查不通过", "from": ["reviewing"], "to": "handling"},
        {"code": "approve", "name": "核查通过", "from": ["reviewing"], "to": "waiting"},
        {"code": "close", "name": "结案", "from": ["waiting"], "to": "closed"},
        {
            "code": "cancel",
            "name": "撤销",
            "from": ["received", "verifying", "handling", "reviewing", "waiting"],
            "to": "cancelled",
        },
        {"code": "suspend", "name": "挂起", "from": ["verifying", "handling", "waiting"], "suspend": True},
        {"code": "resume", "name": "恢复", "from": ["verifying", "handling", "waiting"], "resume": True},
        {
            "code": "resume_to_handling",
            "name": "恢复并处置",
            "from": ["verifying"],
            "to": "handling",
            "resume": True,
        },
        {
            "code": "extend",
            "name": "延期",
            "from": ["verifying", "handling", "waiting"],
            "extend": True,
            "max_extend_days": 5,
        },
    ],
}
STARTS = ["2026-11-20 20:30", "2026-10-01 03:00", "2026-09-30 16:00", "2026-10-10 08:59", "2026-11-23 11:59"]
OVERALL = [None, {"natural_hours": 36}, {"natural_minutes": 90}, {"working_days": 3}, {"working_hours": 4}]
MOVES = [*(a["code"] for a in MIX["actions"]), "bogus", "tick"]
# Warning leads of the natural clocks in natural seconds: 20 % of 30 min; 0.5 h before; 50 % of a day;
# 20 % of the overall 36 h / 90 min.
NATURAL_LEADS = {"received": 360, "verifying": 1800, "waiting": 43200}
OVERALL_LEADS = {"natural_hours": 25920, "natural_minutes": 1080}


def _sla_seconds(sla: dict) -> float:
    unit, amount = next(iter(sla.items()))
    return amount * engine.NATURAL_UNITS[unit]


def _allowed(parsed: engine.Definition, row: ProcessInstance, code: str, days: int) -> bool:
    act = parsed.actions.get(code)
    if act is None or row.completed_at is not None or row.state not in act.sources:
        return False
    if not parsed.runs_while(act, row.is_suspended):
        return False
    return not act.extend or 1 <= days <= 5


class NaturalModel:
    """An independent bookkeeping of one natural clock: SLA on entry, frozen remainder on suspend,
    restarted from the resume moment, moved by whole days on extension."""

    def __init__(self, deadline, natural: bool):
        self.deadline, self.natural, self.remaining, self.clean = deadline, natural, None, True

    def suspend(self, now):
        self.clean = False
        self.remaining = None if self.deadline is None else int((self.deadline - now).total_seconds())

    def resume(self, now):
        self.clean = False
        if self.deadline is not None and self.remaining is not None and self.remaining > 0:
            self.deadline = now + timedelta(seconds=self.remaining)
        self.remaining = None

    def extend(self, days):
        self.clean = False
        if self.deadline is not None:
            self.deadline += timedelta(days=days)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.sampled_from(STARTS),
    offset=st.integers(0, 86400),
    overall_sla=st.sampled_from(OVERALL),
    data=st.data(),
)
def test_random_steps_keep_natural_clocks_exact_and_the_pure_and_database_paths_agree(
    city, start, offset, overall_sla, data
):
    if not ProcessDefinition.objects.filter(code="city_mix").exists():
        _publish("city_mix", "城市事件（混合计时）", MIX)
    parsed = ProcessDefinition.objects.get(code="city_mix", status="published").parsed
    calendar = get_calendar()
    moment = at(start) + timedelta(seconds=offset)
    row = _start("city_mix", city, moment, sla=overall_sla, title="随机事件")
    row.refresh_from_db()

    first = parsed.states["received"]
    state_model = NaturalModel(moment + timedelta(seconds=_sla_seconds(first.sla)), natural=True)
    overall_model = NaturalModel(
        moment + timedelta(seconds=_sla_seconds(overall_sla)) if engine.is_natural(overall_sla) else None,
        natural=engine.is_natural(overall_sla),
    )

    succeeded = 0
    for _ in range(data.draw(st.integers(1, 24), label="length")):
        # Mostly a move that can run now (else a random walk rarely leaves the first state; 撤销 only
        # while suspended or by chance, or it would end most runs early), sometimes any move at all:
        # the timer, an unknown action, one from another state or while (not) suspended, a bad
        # extension.
        runnable = [
            code
            for code in MOVES
            if (code != "cancel" or row.is_suspended) and _allowed(parsed, row, code, 1)
        ]
        if runnable and data.draw(st.integers(0, 9), label="pick runnable") < 8:
            code = data.draw(st.sampled_from(runnable), label="action")
        else:
            code = data.draw(st.sampled_from(MOVES), label="any move")
        days = data.draw(st.one_of(st.integers(1, 5), st.integers(0, 6)), label="days")
        gap = data.draw(st.one_of(st.integers(0, 3600), st.integers(0, 4 * 86400)), label="gap")
        moment += timedelta(seconds=gap)
        before = row.position()

        if code == "tick":
            tick(now=moment)
            row.refresh_from_db()
            assert row.position() == before  # the timer flags, it never moves the clocks
            if row.completed_at is None and row.suspended_at is None:
                assert row.overdue == (row.due_at is not None and row.due_at < moment)
                assert row.warning == (
                    row.overdue or (row.warning_at is not None and row.warning_at <= moment)
                )
            continue

        allowed = _allowed(parsed, row, code, days)
        expected = None
        if allowed:
            act = parsed.actions[code]
            step_days = days if act.extend else None
            # (a) step is pure: same input, same output, input untouched.
            pristine = copy.deepcopy(before)
            expected = engine.step(calendar, parsed, before, act, moment, days=step_days)
            again = engine.step(calendar, parsed, before, act, moment, days=step_days)
            assert expected == again
            assert before == pristine
            assert expected is not before
            schedule = engine.settle(calendar, parsed, expected, moment)
            assert schedule == engine.settle(calendar, parsed, expected, moment)
            assert before == pristine

        try:
            transition(
                instance=row, action=code, actor=SYSTEM, fields={"days": days}, comment="意见", now=moment
            )
        except DomainError:
            assert not allowed, f"{code} refused in {row.state} (suspended={row.is_suspended})"
            row.refresh_from_db()
            assert row.position() == before
            continue
        assert allowed, f"{code} ran in {before.state} (suspended={before.suspended_at is not None})"
        succeeded += 1

        # (b) what the database holds is what the pure functions compute.
        row.refresh_from_db()
        assert row.position() == expected
        assert (row.overdue, row.warning, row.due_at, row.warning_at, row.escalation_due_at) == (
            schedule.overdue,
            schedule.warning,
            schedule.due_at,
            schedule.warning_at,
            schedule.escalation_due_at,
        )
        assert (row.worklist_clock, row.worklist_deadline, row.worklist_warning_at) == (
            schedule.worklist_clock,
            schedule.worklist_deadline,
            schedule.worklist_warning_at,
        )

        # Keep the independent model of both natural clocks in step.
        act = parsed.actions[code]
        if act.resume:
            state_model.resume(moment)
            overall_model.resume(moment)
        if act.target_from(before.state) != before.state:
            sla = parsed.states[row.state].sla
            natural = engine.is_natural(sla)
            state_model = NaturalModel(
                moment + timedelta(seconds=_sla_seconds(sla)) if natural else None, natural
            )
        if act.suspend:
            state_model.suspend(moment)
            overall_model.suspend(moment)
        if act.extend:
            state_model.extend(days)
            overall_model.extend(days)

        # The lists show the overall clock when one runs, else the state's (no `worklist_clock`).
        assert row.worklist_clock == ("overall" if overall_sla else "state")

        # (d) a completed instance has nothing pending.
        if row.completed_at is not None:
            assert row.completed_at == moment
            assert (row.state_deadline, row.warning_at, row.escalation_due_at) == (None, None, None)
            assert (row.worklist_warning_at, row.suspended_at, row.warning) == (None, None, False)
            assert row.state_natural_clock is False
            continue

        # (c) a natural state clock is its SLA to the second from entering the state, unless the
        # state was suspended, resumed or extended; in any case it follows the model.
        state = parsed.states[row.state]
        assert row.state_natural_clock is engine.is_natural(state.sla)
        if row.state_natural_clock:
            assert row.state_deadline == state_model.deadline
            assert row.state_warning_lead_seconds == NATURAL_LEADS[row.state]
            if state_model.clean:
                assert (row.state_deadline - row.state_entered_at).total_seconds() == _sla_seconds(state.sla)
        assert row.natural_clock is engine.is_natural(overall_sla)
        if row.natural_clock:
            assert row.deadline == overall_model.deadline
            assert row.warning_lead_seconds == OVERALL_LEADS[next(iter(overall_sla))]
            if overall_model.clean:
                assert (row.deadline - row.started_at).total_seconds() == _sla_seconds(overall_sla)
        if row.suspended_at is not None and row.state_natural_clock:
            assert row.suspended_state_remaining_seconds == state_model.remaining

    row.refresh_from_db()
    assert (row.completed_at is not None) == parsed.states[row.state].is_terminal
    assert row.events.count() == 1 + succeeded
