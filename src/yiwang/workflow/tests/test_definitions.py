"""Definitions as data: JSON Schema with Chinese errors, versions, publishing and the loader."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.exceptions import ValidationError

from yiwang.core.errors import InvalidInput, PermissionDenied
from yiwang.identity.actor import Actor
from yiwang.workflow.actions import (
    DEFINITIONS_DIR,
    definition_publish,
    definition_save,
    definitions_load,
    instance_start,
)
from yiwang.workflow.definition_schema import definition_errors
from yiwang.workflow.models import ProcessDefinition
from yiwang.workflow.permissions import MANAGE_DEFINITION

from .factories import actor, staff

SYSTEM = Actor.system()


def _shipped(code):
    content = json.loads((DEFINITIONS_DIR / f"{code}.json").read_text(encoding="utf-8"))
    for key in ("code", "name", "description"):
        content.pop(key)
    return content


@pytest.mark.parametrize("code", ["yiwang_tongban", "hotline_12345"])
def test_shipped_definitions_are_valid(code):
    assert definition_errors(_shipped(code)) == []


def test_schema_errors_are_chinese_and_name_the_place():
    broken = {"states": [{"code": "a", "name": "甲", "type": "begin"}], "actions": []}
    assert definition_errors(broken) == [
        "actions：不符合规则 minItems",
        "states：不符合规则 minItems",
        "states/0/type：取值应为以下之一：start、normal、terminal",
    ]


def test_consistency_errors_are_reported():
    content = _shipped("yiwang_tongban")
    content["actions"][0]["to"] = "nowhere"
    content["actions"][1]["from"] = ["completed"]
    content["states"][0]["escalations"] = [{"after": "overdue", "action": "accept"}]
    content["states"][1]["sla"] = {"working_days": 1, "working_hours": 2}
    assert definition_errors(content) == [
        "环节 correction 的时限只能指定一种计时方式（working_days、working_hours、natural_minutes、natural_hours、natural_days 之一）",
        "动作 accept 的目标环节 nowhere 不存在",
        "动作 refuse 不能从结束环节 completed 发起（重办、复核等动作须标明 reopen）",
    ]
    content = _shipped("hotline_12345")
    closed = next(state for state in content["states"] if state["code"] == "closed")
    closed["escalations"] = [{"after": "overdue", "action": "reopen"}]
    assert definition_errors(content) == [
        "环节 closed 的第 1 条督办规则 的自动动作缺少必填字段：reason（请在 fields 中提供）"
    ]


def test_model_clean_raises_validation_error():
    row = ProcessDefinition(code="x", name="x", definition={"states": []})
    with pytest.raises(ValidationError) as exc_info:
        row.clean()
    assert "definition" in exc_info.value.message_dict


def test_loader_is_idempotent(db):
    first = definitions_load(actor=SYSTEM)
    second = definitions_load(actor=SYSTEM)
    assert sorted(d.code for d in first) == ["hotline_12345", "hotline_joint", "yiwang_tongban"]
    assert second == []
    assert ProcessDefinition.objects.count() == 3


def test_loader_publishes_a_new_version_when_the_file_changes(db, tmp_path):
    definitions_load(actor=SYSTEM)
    content = json.loads((DEFINITIONS_DIR / "yiwang_tongban.json").read_text(encoding="utf-8"))
    content["sla"] = {"working_days": 3}
    (tmp_path / "yiwang_tongban.json").write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")

    changed = definitions_load(actor=SYSTEM, directory=tmp_path)

    assert [(d.code, d.version, d.status) for d in changed] == [("yiwang_tongban", 2, "published")]
    old = ProcessDefinition.objects.get(code="yiwang_tongban", version=1)
    assert old.status == "retired"


def test_editing_a_published_definition_makes_a_new_draft_and_instances_keep_their_version(
    definitions, city, citizen, subject
):
    v1 = definitions["yiwang_tongban"]
    running = instance_start(
        actor=actor(citizen),
        definition_code="yiwang_tongban",
        obj=subject,
        organization=city["market"],
        title="旧版本办件",
        owner=citizen,
    )
    content = copy.deepcopy(v1.definition)
    content["sla"] = {"working_days": 10}

    draft = definition_save(actor=SYSTEM, code=v1.code, name=v1.name, definition=content)
    assert (draft.version, draft.status) == (2, "draft")
    again = definition_save(actor=SYSTEM, code=v1.code, name="一网通办办件（修订）", definition=content)
    assert again.pk == draft.pk  # the open draft is updated, not multiplied
    definition_publish(actor=SYSTEM, definition=again)

    newer = instance_start(
        actor=actor(citizen),
        definition_code="yiwang_tongban",
        obj=subject,
        organization=city["market"],
        title="新版本办件",
        owner=citizen,
    )
    running.refresh_from_db()
    assert running.definition.version == 1
    assert newer.definition.version == 2
    v1.refresh_from_db()
    assert v1.status == "retired" and v1.definition["sla"] == {"working_days": 5}


def test_saving_needs_the_manage_permission_and_a_valid_definition(db, city):
    with pytest.raises(PermissionDenied):
        definition_save(actor=actor(staff(city["market"])), code="x", name="x", definition={})
    manager = actor(staff(city["market"], permissions=[MANAGE_DEFINITION]))
    with pytest.raises(InvalidInput) as exc_info:
        definition_save(actor=manager, code="x", name="x", definition={"states": []})
    assert exc_info.value.code == "workflow_definition_invalid"
    assert exc_info.value.message.startswith("流程定义有误：")
    assert not ProcessDefinition.objects.exists()


# ---------------------------------------------------------------- domain contracts


@pytest.mark.django_db
def test_publishing_a_version_that_drops_a_state_or_action_a_domain_relies_on_is_refused():
    """一网通办 keeps Application.status equal to the instance's state and runs 受理 by code: a version
    without 待补正 or 受理 would break it silently, so it is refused with a Chinese message."""
    import json

    from yiwang.core.errors import Conflict
    from yiwang.identity.actor import Actor
    from yiwang.workflow.actions import DEFINITIONS_DIR, definition_publish, definition_save, definitions_load
    from yiwang.workflow.models import ProcessDefinition

    system = Actor.system()
    definitions_load(actor=system)
    content = json.loads((DEFINITIONS_DIR / "yiwang_tongban.json").read_text(encoding="utf-8"))
    code, name = content.pop("code"), content.pop("name")
    content.pop("description", None)
    renamed = json.loads(json.dumps(content).replace('"accept"', '"take_in"'))
    draft = definition_save(actor=system, code=code, name=name, definition=renamed)

    with pytest.raises(Conflict) as refused:
        definition_publish(actor=system, definition=draft)
    assert refused.value.code == "workflow_contract_broken"
    assert "「一网通办」依赖的动作 accept 在该流程定义中不存在" in refused.value.message
    published = ProcessDefinition.objects.get(code=code, status=ProcessDefinition.Status.PUBLISHED)
    assert published.version == 1  # nothing changed

    content["states"] = [s for s in content["states"] if s["code"] != "withdrawn"]
    content["actions"] = [a for a in content["actions"] if a.get("to") != "withdrawn"]
    draft = definition_save(actor=system, code=code, name=name, definition=content)
    with pytest.raises(Conflict, match="依赖的环节 withdrawn"):
        definition_publish(actor=system, definition=draft)


def test_the_shipped_definitions_keep_every_registered_contract():
    from yiwang.workflow.checks import shipped_definitions_keep_contracts
    from yiwang.workflow.contracts import contract_errors, register_contract

    assert shipped_definitions_keep_contracts() == []
    register_contract("hotline_12345", owner="测试", states=["no_such_state"])
    try:
        errors = shipped_definitions_keep_contracts()
        assert [e.id for e in errors] == ["workflow.E001"]
        assert "hotline_12345.json：「测试」依赖的环节 no_such_state" in errors[0].msg
    finally:
        from yiwang.workflow import contracts

        contracts._contracts["hotline_12345"] = [
            c for c in contracts._contracts["hotline_12345"] if c.owner != "测试"
        ]
    # Only the 12345 app's own contract is left: a definition without its states and actions is refused.
    left = contract_errors("hotline_12345", {"states": [], "actions": []})
    assert [line.split("」")[0] for line in left] == ["「12345热线", "「12345热线"]
