"""One table of operations per domain, shared by its pages and its API.

A domain's handling page posts ``op=accept&comment=…`` and its API accepts ``{"op": "accept",
"comment": "…"}``: both are the same operation. Each operation is declared once — its input schema
(a Ninja/pydantic schema whose ``op`` field is ``Literal["<code>"]``), the action it runs and the
message a page shows when it succeeded — in an `OperationTable`. The API takes `table.body` (a union
discriminated by ``op``, so the OpenAPI document shows every operation's own fields); a page hands
its POST data to `table.parse_form`. Either way the action is called by `table.perform`, so the two
entry points cannot drift apart (they did: two dispatch tables, one of them with an operation the
other lacked).

Input errors are Chinese on both sides: the API's validation envelope (422), and on a page the lines
of `InvalidInput.details` built from each field's ``title``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar, Union, get_args, get_origin

from django.utils.functional import Promise
from ninja import Schema
from pydantic import ConfigDict, Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from yiwang.core.errors import InvalidInput

Target = TypeVar("Target")


class OperationInput(Schema):
    """Base of an operation's input. Subclasses declare ``op: Literal["<code>"]`` and their fields,
    each with a Chinese ``title`` (used in error messages)."""

    model_config = ConfigDict(str_strip_whitespace=True)


@dataclass(frozen=True)
class Operation(Generic[Target]):
    """One operation: its input schema, the action it runs with (actor, target, input), and the
    message a page shows when it succeeded."""

    schema: type[OperationInput]
    run: Callable[[Any, Target, Any], Any]
    message: str | Promise

    @property
    def code(self) -> str:
        (code,) = get_args(self.schema.model_fields["op"].annotation)
        return str(code)


def calls(action: Callable[..., Any], *, target: str) -> Callable[[Any, Any, OperationInput], Any]:
    """The usual `run` of an operation: `action(actor=…, <target>=the object, **every input field
    but op)` — the input schema's field names are the action's keywords."""

    def run(actor: Any, obj: Any, payload: OperationInput) -> Any:
        return action(actor=actor, **{target: obj}, **payload.model_dump(exclude={"op"}))

    return run


class OperationTable(Generic[Target]):
    """A domain's operations by code; `unknown_code` is the stable error code of an unknown ``op``."""

    def __init__(self, *operations: Operation[Target], unknown_code: str) -> None:
        self.operations = {operation.code: operation for operation in operations}
        self.unknown_code = unknown_code
        schemas = tuple(operation.schema for operation in operations)
        # The API body: one schema per operation, chosen by `op` (OpenAPI: oneOf + discriminator).
        self.body: Any = Annotated[Union[schemas], Field(discriminator="op")]  # noqa: UP007
        self._adapter: TypeAdapter[Any] = TypeAdapter(self.body)  # type: ignore[arg-type]

    @property
    def codes(self) -> list[str]:
        return list(self.operations)

    def parse(self, data: Mapping[str, Any]) -> OperationInput:
        """Validate an operation's input (a dict with ``op``); Chinese `InvalidInput` when it is wrong."""
        operation = self._operation(data.get("op"))
        try:
            payload: OperationInput = self._adapter.validate_python(dict(data))
        except PydanticValidationError as error:
            lines = input_error_lines(error, operation.schema)
            raise InvalidInput("；".join(lines), code="validation_error", details=lines) from None
        return payload

    def parse_form(self, post: Any) -> OperationInput:
        """The input of the operation a page posted (a QueryDict): list fields read every value; an
        empty box for a number, a yes/no or a choice that has no empty option takes its default."""
        operation = self._operation(post.get("op"))
        data: dict[str, Any] = {}
        for name, field in operation.schema.model_fields.items():
            if get_origin(field.annotation) is list:
                (item,) = get_args(field.annotation)
                data[name] = [_from_text(item, value) for value in post.getlist(name)]
            elif (value := post.get(name)) is not None and (value != "" or _takes_empty(field.annotation)):
                data[name] = _from_text(field.annotation, value)
        return self.parse(data)

    def perform(self, *, actor: Any, target: Target, payload: OperationInput) -> tuple[Any, str]:
        """Run the operation's action; returns its result and the success message."""
        operation = self._operation(getattr(payload, "op", None))
        return operation.run(actor, target, payload), str(operation.message)

    def _operation(self, code: Any) -> Operation[Target]:
        operation = self.operations.get(code) if isinstance(code, str) else None
        if operation is None:
            raise InvalidInput("未知的办理操作", code=self.unknown_code)
        return operation


def _from_text(annotation: Any, text: str) -> Any:
    """A number typed into a page is text; the schemas take integers strictly (as JSON does)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    digits = text.strip()
    if annotation is int and digits.removeprefix("-").isdigit():
        return int(digits)
    return text


def _takes_empty(annotation: Any) -> bool:
    return annotation is str or (get_origin(annotation) is Literal and "" in get_args(annotation))


def input_error_lines(error: PydanticValidationError, schema: type[OperationInput]) -> list[str]:
    """One Chinese line per invalid field, naming the field by its ``title``."""
    lines = []
    for problem in error.errors():
        name = next((str(part) for part in problem["loc"] if part in schema.model_fields), "")
        field = schema.model_fields.get(name)
        label = (field.title if field is not None else None) or name or "请求内容"
        lines.append(_error_line(label, problem["type"], problem.get("ctx") or {}))
    return lines


def _error_line(label: str, kind: str, ctx: Mapping[str, Any]) -> str:
    if kind == "value_error":  # a validator's own Chinese words, e.g. 应为整数
        return f"{label}{ctx.get('error', '填写不正确')}"
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return f"请填写{label}"
    simple = {
        "string_too_short": f"{label}至少 {ctx.get('min_length')} 个字",
        "string_too_long": f"{label}不能超过 {ctx.get('max_length')} 个字",
        "too_long": f"{label}最多 {ctx.get('max_length')} 项",
        "greater_than_equal": f"{label}不能小于 {ctx.get('ge')}",
        "less_than_equal": f"{label}不能大于 {ctx.get('le')}",
        "int_parsing": f"{label}应为整数",
        "int_type": f"{label}应为整数",
        "bool_parsing": f"{label}应为“是”或“否”",
        "literal_error": f"{label}的取值不在可选范围内",
    }
    return simple.get(kind, f"{label}填写不正确")
