"""Property tests: whatever sequence of actions is tried, the instance stays consistent."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yiwang.core.errors import DomainError
from yiwang.core.tests.factories import PersonFactory
from yiwang.identity.actor import Actor
from yiwang.workflow.actions import DEFINITIONS_DIR, definitions_load, instance_start, transition
from yiwang.workflow.models import ProcessDefinition, ProcessHandler

from .factories import at

SYSTEM = Actor.system()
FIELDS = {"reason": "理由", "days": 2, "satisfaction": "satisfied", "materials": ["身份证"]}


def _codes(code):
    content = json.loads((DEFINITIONS_DIR / f"{code}.json").read_text(encoding="utf-8"))
    return sorted(action["code"] for action in content["actions"])


@pytest.mark.parametrize("code", ["yiwang_tongban", "hotline_12345"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_action_sequences_keep_the_instance_consistent(db, city, code, data):
    if not ProcessDefinition.objects.exists():
        definitions_load(actor=SYSTEM)
    parsed = ProcessDefinition.objects.get(code=code, status="published").parsed
    steps = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from([*_codes(code), "bogus"]), st.booleans(), st.integers(0, 3 * 24 * 3600)
            ),
            max_size=12,
        )
    )
    moment = at("2026-09-28 09:00")
    instance = instance_start(
        actor=SYSTEM,
        definition_code=code,
        obj=PersonFactory(),
        organization=city["market"],
        title="随机",
        now=moment,
    )
    succeeded = 0
    for action, with_fields, delay in steps:
        moment = moment + timedelta(seconds=delay)
        extra = FIELDS if with_fields else {}
        try:
            transition(
                instance=instance,
                action=action,
                actor=SYSTEM,
                comment="意见" if with_fields else "",
                organization=city["housing"] if with_fields else None,
                now=moment,
                fields=extra,
            )
        except DomainError:
            continue
        succeeded += 1

    instance.refresh_from_db()
    assert instance.state in parsed.states
    assert instance.events.count() == succeeded + 1
    assert (instance.completed_at is not None) == parsed.states[instance.state].is_terminal
    handlers = set(ProcessHandler.objects.filter(instance=instance).values_list("code", flat=True))
    expected = (
        set()
        if instance.completed_at
        else parsed.handler_codes(instance.state, suspended=instance.is_suspended)
    )
    assert handlers == expected
    if instance.completed_at is None and not instance.is_suspended and instance.state_deadline:
        assert instance.due_at <= instance.state_deadline
