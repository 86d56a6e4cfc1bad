"""core.operations: one table of operations read by a page (form posts) and by the API (JSON)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from django.http import QueryDict
from ninja import Field

from yiwang.core.api_schemas import DatabaseId
from yiwang.core.errors import InvalidInput
from yiwang.core.operations import Operation, OperationInput, OperationTable, calls


class GreetIn(OperationInput):
    op: Literal["greet"]
    name: str = Field("", max_length=4, title="姓名")


class CountIn(OperationInput):
    op: Literal["count"]
    times: Annotated[int, Field(ge=0, le=9)] = Field(0, title="次数")
    ids: list[DatabaseId] = Field(default_factory=list, title="编号")
    loud: bool = Field(False, title="大声")
    mood: Literal["calm", "happy", ""] = Field("", title="心情")


class NoteIn(OperationInput):
    op: Literal["note"]
    text: str = Field(..., min_length=1, title="备注")


def _greet(actor: Any, target: list[str], payload: GreetIn) -> str:
    target.append(f"{actor}:{payload.name}")
    return payload.name


def _count(actor: Any, target: list[str], payload: CountIn) -> int:
    target.extend(["x"] * payload.times)
    return payload.times


TABLE: OperationTable[list[str]] = OperationTable(
    Operation(GreetIn, _greet, "已问候"),
    Operation(CountIn, _count, "已计数"),
    Operation(NoteIn, lambda actor, target, payload: payload.text, "已备注"),
    unknown_code="demo_operation_invalid",
)


def test_perform_runs_the_operation_and_returns_its_message():
    target: list[str] = []
    payload = TABLE.parse({"op": "greet", "name": "  小王 "})
    assert isinstance(payload, GreetIn) and payload.name == "小王"  # text is trimmed
    assert TABLE.perform(actor="甲", target=target, payload=payload) == ("小王", "已问候")
    assert target == ["甲:小王"]
    assert TABLE.codes == ["greet", "count", "note"]


def test_an_unknown_operation_is_refused_with_the_tables_code():
    for data in ({"op": "teleport"}, {}, {"op": 3}):
        with pytest.raises(InvalidInput) as caught:
            TABLE.parse(data)
        assert (caught.value.code, caught.value.message) == ("demo_operation_invalid", "未知的办理操作")
    with pytest.raises(InvalidInput):
        TABLE.parse_form(QueryDict("op=teleport"))


def test_a_form_post_is_read_by_the_schema_numbers_lists_and_yes_no():
    payload = TABLE.parse_form(QueryDict("op=count&times=3&ids=7&ids=9&loud=1&mood=happy&extra=x"))
    assert isinstance(payload, CountIn)
    assert (payload.times, payload.ids, payload.loud, payload.mood) == (3, [7, 9], True, "happy")
    # Empty boxes take the defaults; an empty choice is kept where the choice allows it.
    payload = TABLE.parse_form(QueryDict("op=count&times=&mood="))
    assert isinstance(payload, CountIn)
    assert (payload.times, payload.ids, payload.loud, payload.mood) == (0, [], False, "")


@pytest.mark.parametrize(
    ("post", "line"),
    [
        ("op=greet&name=王小明同学", "姓名不能超过 4 个字"),
        ("op=count&times=abc", "次数应为整数"),
        ("op=count&times=12", "次数不能大于 9"),
        ("op=count&ids=0", "编号不能小于 1"),
        ("op=count&loud=maybe", "大声应为“是”或“否”"),
        ("op=count&mood=angry", "心情的取值不在可选范围内"),
        ("op=note&text=", "请填写备注"),
        ("op=note", "请填写备注"),
    ],
)
def test_bad_input_is_told_in_chinese_field_by_field(post, line):
    with pytest.raises(InvalidInput) as caught:
        TABLE.parse_form(QueryDict(post))
    assert caught.value.code == "validation_error"
    assert caught.value.details == [line] and caught.value.message == line


def test_json_integers_stay_strict_in_the_api_shape():
    # The page's text is turned into numbers; a JSON body's "3" is not (as the JSON Schema says).
    with pytest.raises(InvalidInput) as caught:
        TABLE.parse({"op": "count", "ids": ["3"]})
    assert caught.value.details == ["编号应为整数"]


def test_calls_passes_the_actor_the_target_and_every_input_field_but_op():
    seen: dict[str, Any] = {}

    def action(*, actor: Any, box: list[str], times: int, ids: list[int], loud: bool, mood: str) -> str:
        seen.update(actor=actor, box=box, times=times, ids=ids, loud=loud, mood=mood)
        return "done"

    table: OperationTable[list[str]] = OperationTable(
        Operation(CountIn, calls(action, target="box"), "已计数"), unknown_code="demo_operation_invalid"
    )
    box: list[str] = []
    payload = table.parse({"op": "count", "times": 2, "ids": [5], "loud": True})
    assert table.perform(actor="甲", target=box, payload=payload) == ("done", "已计数")
    assert seen == {"actor": "甲", "box": box, "times": 2, "ids": [5], "loud": True, "mood": ""}
