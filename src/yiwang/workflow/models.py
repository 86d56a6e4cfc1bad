"""Workflow engine records: definitions (versioned data), instances, their history and escalations."""

from __future__ import annotations

import uuid
from functools import cached_property
from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import AppendOnlyModel, Organization, Region, StoredFile, TimeStampedModel
from yiwang.core.scoping import ScopedManager
from yiwang.workflow import engine
from yiwang.workflow.definition_schema import definition_errors


class ProcessDefinition(TimeStampedModel):
    """流程定义: states, actions, SLA and escalation rules as JSON. Published versions never change;
    editing one creates the next version (running instances keep the version they started on)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    code = models.SlugField(_("编码"), max_length=64)
    name = models.CharField(_("名称"), max_length=100)
    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    description = models.TextField(_("说明"), blank=True)
    definition = models.JSONField(_("定义"), default=dict)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("流程定义")
        verbose_name_plural = _("流程定义")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="workflow_definition_code_version"),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(status="published"),
                name="workflow_definition_one_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def clean(self) -> None:
        errors = definition_errors(self.definition)
        if errors:
            raise ValidationError({"definition": errors}, code="workflow_definition_invalid")

    @cached_property
    def parsed(self) -> engine.Definition:
        return engine.parse(self.definition)


class ProcessInstance(models.Model):
    """流程实例: one run of a definition, attached to any domain object (办件, 工单, 事件 …)."""

    # The data scope reads these fields (`core.scoping`: `objects.for_actor(actor, permission)`).
    scope_lookups: ClassVar[dict[str, str | None]] = {
        "organization": "organization",
        "region": "region",
        "owner": "owner",
    }

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    definition = models.ForeignKey(
        ProcessDefinition, verbose_name=_("流程定义"), on_delete=models.PROTECT, related_name="instances"
    )
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("业务对象类型"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("业务对象标识"), max_length=64)
    content_object = GenericForeignKey("content_type", "object_id")
    title = models.CharField(_("标题"), max_length=200)
    state = models.CharField(_("当前环节"), max_length=64)
    organization = models.ForeignKey(
        Organization, verbose_name=_("承办部门"), on_delete=models.PROTECT, related_name="process_instances"
    )
    origin_organization = models.ForeignKey(
        Organization,
        verbose_name=_("发起部门"),
        on_delete=models.PROTECT,
        related_name="originated_process_instances",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="process_instances",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_process_instances",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_process_instances",
    )
    # Joint handling (主办/协办, 会签): a child instance's parent and its part; a parent's join rule.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("主流程"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    child_role = models.CharField(
        _("联办角色"), max_length=16, blank=True, choices=[(k, v) for k, v in engine.CHILD_ROLES.items()]
    )
    children_join = models.CharField(
        _("联办汇总规则"), max_length=8, blank=True, choices=[(k, v) for k, v in engine.JOIN_RULES.items()]
    )
    # 签收: who signed for the instance in its current state (cleared when the state changes or on
    # 退回签收); colleagues' inboxes drop it meanwhile, supervisors keep it.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_process_instances",
    )
    claimed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    # The handler codes the claim reserves, space-delimited (" role:handling_officer "): the work the
    # claimer does here; other people's actions in the state stay theirs.
    claimed_codes = models.CharField(max_length=500, blank=True, default="", editable=False)
    started_at = models.DateTimeField(_("发起时间"))
    state_entered_at = models.DateTimeField(_("进入本环节时间"))
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # Overall clock and the clock of the current state (lead = warning starts this many working
    # seconds before the deadline).
    deadline = models.DateTimeField(_("总时限"), null=True, blank=True)
    warning_lead_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    state_deadline = models.DateTimeField(_("环节时限"), null=True, blank=True)
    state_warning_lead_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # Which time each clock counts: office time on the working-day calendar, or natural time (7×24).
    natural_clock = models.BooleanField(_("总时限按自然时间"), default=False, editable=False)
    state_natural_clock = models.BooleanField(_("环节时限按自然时间"), default=False, editable=False)
    # Derived from the clocks so that `tick` and the inbox are plain indexed queries.
    due_at = models.DateTimeField(_("最近时限"), null=True, blank=True)
    warning_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    escalation_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The one deadline every list shows, sorts and counts by (`engine.worklist`): which clock, its
    # deadline and when it turns yellow — the 工作台 and a domain's own list agree on every item.
    worklist_clock = models.CharField(_("列表时限"), max_length=8, default="overall", editable=False)
    worklist_deadline = models.DateTimeField(_("办理时限"), null=True, blank=True)
    worklist_warning_at = models.DateTimeField(null=True, blank=True, editable=False)
    warning = models.BooleanField(_("预警"), default=False)
    overdue = models.BooleanField(_("超期"), default=False)
    suspended_at = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    suspended_remaining_seconds = models.IntegerField(null=True, blank=True, editable=False)
    suspended_state_remaining_seconds = models.IntegerField(null=True, blank=True, editable=False)
    extended_days = models.PositiveIntegerField(_("已延期工作日"), default=0)
    # When the overall clock last (re)started: the start, or a 重办 (`restart_overall`); empty on rows
    # older than the column, which read `started_at`.
    overall_started_at = models.DateTimeField(_("总时限起算"), null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(_("最近督办时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("流程实例")
        verbose_name_plural = _("流程实例")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="wf_instance_object_idx"),
            models.Index(fields=["organization", "state", "due_at"], name="wf_instance_inbox_idx"),
            models.Index(fields=["completed_at", "due_at"], name="wf_instance_open_due_idx"),
            models.Index(fields=["completed_at", "worklist_deadline"], name="wf_instance_worklist_idx"),
            models.Index(fields=["owner", "completed_at"], name="wf_instance_owner_idx"),
            models.Index(fields=["region", "completed_at"], name="wf_instance_region_idx"),
            models.Index(fields=["warning_at"], name="wf_instance_warning_idx"),
            models.Index(fields=["escalation_due_at"], name="wf_instance_escalation_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def state_name(self) -> str:
        return self.definition.parsed.state_name(self.state)

    @property
    def deadline_status(self) -> str:
        """For deadline colours: done / suspended / overdue / warning / ok."""
        if self.completed_at is not None:
            return "done"
        if self.suspended_at is not None:
            return "suspended"
        if self.overdue:
            return "overdue"
        if self.warning:
            return "warning"
        return "ok"

    @property
    def region_path(self) -> str:
        region = self.region if self.region_id else self.organization.region
        return region.path if region is not None else ""

    def overall_clock(self) -> engine.Clock:
        return engine.Clock(self.deadline, self.warning_lead_seconds, self.natural_clock)

    def state_clock(self) -> engine.Clock:
        return engine.Clock(self.state_deadline, self.state_warning_lead_seconds, self.state_natural_clock)

    def position(self) -> engine.Position:
        """What the engine's step function reads (`engine.step`)."""
        return engine.Position(
            state=self.state,
            state_entered_at=self.state_entered_at,
            overall=self.overall_clock(),
            state_clock=self.state_clock(),
            suspended_at=self.suspended_at,
            suspended_remaining=self.suspended_remaining_seconds,
            suspended_state_remaining=self.suspended_state_remaining_seconds,
            extended_days=self.extended_days,
            completed_at=self.completed_at,
            overall_started_at=self.overall_started_at or self.started_at,
        )

    def place(self, position: engine.Position, schedule: engine.Schedule) -> None:
        """Take `position` and what its clocks imply (`engine.settle`); the caller saves."""
        self.state, self.state_entered_at = position.state, position.state_entered_at
        self.deadline, self.warning_lead_seconds = position.overall.deadline, position.overall.lead
        self.natural_clock = position.overall.natural
        self.state_deadline = position.state_clock.deadline
        self.state_warning_lead_seconds = position.state_clock.lead
        self.state_natural_clock = position.state_clock.natural
        self.suspended_at = position.suspended_at
        self.suspended_remaining_seconds = position.suspended_remaining
        self.suspended_state_remaining_seconds = position.suspended_state_remaining
        self.extended_days = position.extended_days
        self.completed_at = position.completed_at
        self.overall_started_at = position.overall_started_at
        self.overdue, self.warning = schedule.overdue, schedule.warning
        self.due_at, self.warning_at = schedule.due_at, schedule.warning_at
        self.escalation_due_at = schedule.escalation_due_at
        self.worklist_clock = schedule.worklist_clock
        self.worklist_deadline, self.worklist_warning_at = (
            schedule.worklist_deadline,
            schedule.worklist_warning_at,
        )

    def worklist(self) -> engine.Clock:
        """The clock the lists show (`engine.worklist`), from the row's own columns."""
        return self.overall_clock() if self.worklist_clock == "overall" else self.state_clock()


class ProcessHandler(models.Model):
    """Who may act on an instance right now: one row per permission ("perm:…"), role ("role:…") or
    "applicant" of the actions available in the current state. Kept in step by the engine so the
    inbox is a single indexed query."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="handlers")
    code = models.CharField(max_length=120)

    class Meta:
        verbose_name = _("待办处理方")
        verbose_name_plural = _("待办处理方")
        constraints = [
            models.UniqueConstraint(fields=["instance", "code"], name="workflow_handler_unique"),
        ]
        indexes = [models.Index(fields=["code", "instance"], name="wf_handler_code_idx")]

    def __str__(self) -> str:
        return self.code


class ProcessEvent(AppendOnlyModel):
    """办理历史: one row per transition. Append-only."""

    append_only_label = "办理历史"

    instance = models.ForeignKey(
        ProcessInstance, verbose_name=_("流程实例"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("动作"), max_length=64)
    action_name = models.CharField(_("动作名称"), max_length=50)
    from_state = models.CharField(_("原环节"), max_length=64, blank=True)
    to_state = models.CharField(_("新环节"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("办理人"), max_length=150, blank=True)
    comment = models.TextField(_("办理意见"), blank=True)
    fields = models.JSONField(_("办理信息"), default=dict, blank=True)
    attachments = models.ManyToManyField(StoredFile, verbose_name=_("附件"), blank=True, related_name="+")
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("办理历史")
        verbose_name_plural = _("办理历史")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["instance", "created_at"], name="wf_event_instance_idx")]

    def __str__(self) -> str:
        return f"{self.action_name} {self.from_state}→{self.to_state}"


class InstanceLink(models.Model):
    """关联: 并单 (a secondary instance merged into a primary follows it to its end) or 拆单 (an instance
    split off another). Listed on both instances' pages."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("并单")
        SPLIT = "split", _("拆单")

    kind = models.CharField(_("关联类型"), max_length=8, choices=Kind.choices)
    primary = models.ForeignKey(
        ProcessInstance, verbose_name=_("主单"), on_delete=models.CASCADE, related_name="links_as_primary"
    )
    secondary = models.ForeignKey(
        ProcessInstance, verbose_name=_("关联单"), on_delete=models.CASCADE, related_name="links_as_secondary"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("关联工单")
        verbose_name_plural = _("关联工单")
        ordering = ["created_at", "id"]
        constraints = [
            # An instance is merged into one primary at most.
            models.UniqueConstraint(
                fields=["secondary"], condition=Q(kind="merge"), name="workflow_link_merged_once"
            ),
            models.CheckConstraint(condition=~Q(primary=F("secondary")), name="workflow_link_not_self"),
        ]
        indexes = [models.Index(fields=["primary", "kind"], name="wf_link_primary_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.secondary_id} → {self.primary_id}"


class Escalation(models.Model):
    """督办: a fired escalation rule. Unique per instance, rule and clock start, so `tick` fires once."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("预警")
        OVERDUE = "overdue", _("超期")

    instance = models.ForeignKey(
        ProcessInstance, verbose_name=_("流程实例"), on_delete=models.CASCADE, related_name="escalations"
    )
    state = models.CharField(_("环节"), max_length=64)
    rule = models.CharField(_("规则"), max_length=100)
    clock_started_at = models.DateTimeField(_("计时起点"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    action = models.CharField(_("自动动作"), max_length=64, blank=True)
    notified_count = models.PositiveIntegerField(_("通知人数"), default=0)
    error = models.CharField(_("错误"), max_length=255, blank=True)
    fired_at = models.DateTimeField(_("触发时间"))

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "rule", "clock_started_at"], name="workflow_escalation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instance_id} {self.rule}"
