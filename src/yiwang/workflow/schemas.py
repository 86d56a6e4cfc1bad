"""Ninja schemas of the workflow API."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from yiwang.core.api_schemas import DatabaseId


class InstanceOut(Schema):
    id: UUID
    title: str
    definition: str = Field(..., alias="definition.code")
    definition_name: str = Field(..., alias="definition.name")
    definition_version: int = Field(..., alias="definition.version")
    state: str
    state_name: str
    organization_id: int
    organization_name: str = Field(..., alias="organization.name")
    object_type: str = ""
    object_id: str
    started_at: datetime
    state_entered_at: datetime
    deadline: datetime | None
    state_deadline: datetime | None
    due_at: datetime | None
    warning: bool
    overdue: bool
    deadline_status: str = Field(..., description="done / suspended / overdue / warning / ok")
    suspended_at: datetime | None
    extended_days: int
    completed_at: datetime | None

    @staticmethod
    def resolve_object_type(obj: Any) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"


class AttachmentOut(Schema):
    uid: UUID
    name: str
    size: int


class EventOut(Schema):
    id: int
    action: str
    action_name: str
    from_state: str
    to_state: str
    actor_label: str
    comment: str
    fields: dict[str, Any]
    attachments: list[AttachmentOut]
    created_at: datetime

    @staticmethod
    def resolve_attachments(obj: Any) -> list[Any]:
        if isinstance(obj, dict):  # a steps-only event (`api._steps_only`)
            return list(obj["attachments"])
        return list(obj.attachments.all())


class AvailableActionOut(Schema):
    code: str
    name: str
    to_state: str
    to_state_name: str
    required_fields: list[str]
    field_labels: dict[str, str]
    fields_schema: dict[str, Any] | None
    needs_organization: bool


class InstanceDetailOut(Schema):
    instance: InstanceOut
    history: list[EventOut]
    available_actions: list[AvailableActionOut]


class TransitionIn(Schema):
    action: str = Field(..., max_length=64, description="动作编码，见 available_actions")
    comment: str = Field("", max_length=4000)
    fields: dict[str, Any] = Field(default_factory=dict, description="动作要求的办理信息，如 reason、days")
    attachments: list[UUID] = Field(default_factory=list, description="本人上传的附件 uid")
    organization_id: DatabaseId | None = Field(None, description="派单/改派的承办部门")


class TransitionOut(Schema):
    instance: InstanceOut
    event: EventOut


class DefinitionOut(Schema):
    id: int
    code: str
    name: str
    version: int
    status: str
    description: str
    published_at: datetime | None
    definition: dict[str, Any]
