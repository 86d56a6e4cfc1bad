"""The built-in subscriber: the applicant hears about every move of their matter made by someone else."""

from __future__ import annotations

import pytest
from django.db import transaction

from yiwang.core.models import Notification
from yiwang.identity.actor import Actor
from yiwang.identity.models import DataScope
from yiwang.workflow.actions import definition_publish, definition_save, instance_start, tick, transition
from yiwang.workflow.definition_schema import definition_errors
from yiwang.workflow.models import ProcessInstance

from .factories import actor, at, staff

ACCEPT = "services.accept_application"


@pytest.fixture
def clerk(city):
    return staff(city["market"], permissions=[ACCEPT], name="窗口小张")


def apply(citizen, subject, city, *, title="食品经营许可（新办）", when="2026-11-02 09:00"):
    return instance_start(
        actor=actor(citizen),
        definition_code="yiwang_tongban",
        obj=subject,
        organization=city["market"],
        title=title,
        owner=citizen,
        now=at(when),
    )


def messages_of(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_owner_is_told_once_per_move_with_chinese_text_and_a_link(
    definitions, city, citizen, subject, clerk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        instance = apply(citizen, subject, city)
    assert messages_of(citizen) == []  # starting one's own application is not news

    with django_capture_on_commit_callbacks(execute=True):
        transition(
            instance=instance,
            action="accept",
            actor=actor(clerk),
            comment="材料齐全",
            now=at("2026-11-02 10:00"),
        )

    [message] = messages_of(citizen)
    assert message.template_code == "workflow.transition"
    assert message.title == "您的“食品经营许可（新办）”已受理，当前状态：审查中"
    assert message.body == (
        "您的“食品经营许可（新办）”已受理，当前状态：审查中。办理意见：材料齐全。可在“我的事项”中查看办理进度。"
    )
    assert message.link == f"/my/{instance.pk}/"
    assert message.read_at is None
    assert not Notification.objects.exclude(recipient=citizen).exists()  # the clerk gets nothing


def test_correction_request_tells_the_reason_and_the_materials(
    definitions, city, citizen, subject, clerk, django_capture_on_commit_callbacks
):
    instance = apply(citizen, subject, city)
    with django_capture_on_commit_callbacks(execute=True):
        transition(
            instance=instance,
            action="request_correction",
            actor=actor(clerk),
            now=at("2026-11-02 10:00"),
            fields={"reason": "缺少营业场所证明", "materials": ["营业场所证明", "平面布局图"]},
        )

    [message] = messages_of(citizen)
    assert message.title == "您的“食品经营许可（新办）”已一次性告知补正，当前状态：待补正"
    assert "理由：缺少营业场所证明。需补正的材料：营业场所证明、平面布局图。" in message.body


def test_own_actions_send_nothing(
    definitions, city, citizen, subject, clerk, django_capture_on_commit_callbacks
):
    instance = apply(citizen, subject, city)
    transition(
        instance=instance,
        action="request_correction",
        actor=actor(clerk),
        now=at("2026-11-02 10:00"),
        fields={"reason": "缺材料"},
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        transition(instance=instance, action="resubmit", actor=actor(citizen), now=at("2026-11-03 09:00"))
        transition(
            instance=instance,
            action="withdraw",
            actor=actor(citizen),
            now=at("2026-11-03 10:00"),
            fields={"reason": "不再经营"},
        )

    assert len(callbacks) == 2  # the hooks ran …
    assert messages_of(citizen) == []  # … and found nothing to tell
    instance.refresh_from_db()
    assert instance.state == "withdrawn"


def test_nothing_is_sent_when_the_transition_rolls_back(
    definitions, city, citizen, subject, clerk, django_capture_on_commit_callbacks
):
    instance = apply(citizen, subject, city)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        transition(instance=instance, action="accept", actor=actor(clerk), now=at("2026-11-02 10:00"))
        raise RuntimeError("数据库写入失败")

    assert callbacks == []
    assert Notification.objects.count() == 0
    assert ProcessInstance.objects.get(pk=instance.pk).state == "submitted"


def test_an_instance_without_owner_notifies_nobody(
    definitions, city, subject, clerk, django_capture_on_commit_callbacks
):
    window = staff(city["market"], permissions=[ACCEPT])
    with django_capture_on_commit_callbacks(execute=True):
        instance = instance_start(
            actor=actor(window),
            definition_code="yiwang_tongban",
            obj=subject,
            organization=city["market"],
            title="窗口收件",
            now=at("2026-11-02 09:00"),
        )
        transition(instance=instance, action="accept", actor=actor(clerk), now=at("2026-11-02 10:00"))

    assert Notification.objects.count() == 0


def _ticket_for(citizen, city, subject, django_capture_on_commit_callbacks):
    agent = staff(city["hotline"], roles=["hotline_agent"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = instance_start(
            actor=actor(agent),
            definition_code="hotline_12345",
            obj=subject,
            organization=city["hotline"],
            title="12345工单：井盖缺失",
            owner=citizen,
            now=at("2026-11-09 09:00"),
        )
    return ticket


def test_a_ticket_registered_by_staff_is_announced_and_internal_steps_stay_quiet(
    definitions, city, citizen, subject, django_capture_on_commit_callbacks
):
    dispatcher = staff(city["hotline"], roles=["hotline_dispatcher"], scope=DataScope.REGION)
    officer = staff(city["housing"], roles=["handling_officer"])
    ticket = _ticket_for(citizen, city, subject, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        transition(
            instance=ticket,
            action="dispatch",
            actor=actor(dispatcher),
            organization=city["housing"],
            comment="请核实处置",
            now=at("2026-11-09 09:10"),
        )
        # 退单 and 改派 are marked "notify_owner": false in the shipped definition.
        transition(
            instance=ticket,
            action="return_ticket",
            actor=actor(officer),
            now=at("2026-11-09 09:20"),
            fields={"reason": "不属本单位"},
        )
        transition(
            instance=ticket,
            action="redispatch",
            actor=actor(dispatcher),
            organization=city["housing"],
            comment="请再核实",
            now=at("2026-11-09 09:30"),
        )

    assert [m.title for m in messages_of(citizen)] == [
        "您的“12345工单：井盖缺失”已登记，当前状态：已受理（待派单）",
        "您的“12345工单：井盖缺失”已派单，当前状态：待签收",
    ]


def test_automatic_actions_of_the_timer_notify_too(
    definitions, city, citizen, subject, django_capture_on_commit_callbacks
):
    agent = staff(city["hotline"], roles=["hotline_agent"])
    ticket = _ticket_for(citizen, city, subject, django_capture_on_commit_callbacks)
    transition(
        instance=ticket,
        action="answer_directly",
        actor=actor(agent),
        comment="已答复",
        now=at("2026-11-09 10:00"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = tick(now=at("2026-11-16 18:00"))  # 3 working days without 回访

    assert result.auto_actions == 1
    last = messages_of(citizen)[-1]
    assert last.title == "您的“12345工单：井盖缺失”已超期未回访自动归档，当前状态：已归档"
    assert "办理意见：办结后 3 个工作日内未回访，系统自动归档。" in last.body


def test_definition_flag_opts_an_action_out(
    definitions, city, citizen, subject, clerk, django_capture_on_commit_callbacks
):
    content = {
        "states": [
            {"code": "open", "name": "办理中", "type": "start"},
            {"code": "noted", "name": "已登记备注", "type": "normal"},
            {"code": "done", "name": "已办结", "type": "terminal"},
        ],
        "actions": [
            {"code": "note", "name": "内部备注", "from": ["open"], "to": "noted", "permissions": [ACCEPT],
             "notify_owner": False},
            {"code": "finish", "name": "办结", "from": ["noted"], "to": "done", "permissions": [ACCEPT],
             "notify_owner": True},
        ],
    }  # fmt: skip
    draft = definition_save(actor=Actor.system(), code="quiet_loop", name="静默测试流程", definition=content)
    definition_publish(actor=Actor.system(), definition=draft)
    instance = instance_start(
        actor=actor(citizen),
        definition_code="quiet_loop",
        obj=subject,
        organization=city["market"],
        title="测试事项",
        owner=citizen,
    )

    with django_capture_on_commit_callbacks(execute=True):
        transition(instance=instance, action="note", actor=actor(clerk))
        transition(instance=instance, action="finish", actor=actor(clerk))

    assert [m.title for m in messages_of(citizen)] == ["您的“测试事项”已办结，当前状态：已办结"]


def test_the_flag_must_be_a_boolean():
    content = {
        "states": [
            {"code": "a", "name": "甲", "type": "start"},
            {"code": "b", "name": "乙", "type": "terminal"},
        ],
        "actions": [{"code": "go", "name": "走", "from": ["a"], "to": "b", "notify_owner": "no"}],
    }
    errors = definition_errors(content)
    assert errors and "notify_owner" in errors[0]
