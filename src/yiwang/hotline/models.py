"""12345: tickets (工单) and their handling departments, the 派单目录 (matter categories → responsible
departments per region), time-limit rules and the knowledge base (政务问答台)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import Grid, Organization, Person, Region, TimeStampedModel, TreePathMixin
from yiwang.core.scoping import ScopedManager, ScopedQuerySet


class Complexity(models.TextChoices):
    GENERAL = "general", _("一般")
    COMPLEX = "complex", _("复杂")


class TicketCategory(TreePathMixin, TimeStampedModel):
    """A node of the 派单目录: a matter category; tickets are classified to leaves."""

    # Dotted like the tree (`ecology.noise.construction`): a slug's alphabet plus dots.
    code = models.CharField(
        _("编码"),
        max_length=80,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9_]+(?:[.-][a-z0-9_]+)*$", _("编码只能含小写字母、数字、下划线、点和短横线")
            )
        ],
    )
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_leaf = models.BooleanField(_("末级分类"), default=True)
    complexity = models.CharField(
        _("复杂程度"), max_length=16, choices=Complexity.choices, default=Complexity.GENERAL
    )
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("派单目录分类")
        verbose_name_plural = _("派单目录分类")
        ordering = ["path", "sort_order"]

    def __str__(self) -> str:
        return self.name


class DispatchCatalog(models.Model):
    """派单目录 entry: who handles a category's matters in a region (主办 lead, 协办 assist). The
    entry of the nearest region at or above the ticket's region applies; `region` empty = 全市."""

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        ASSIST = "assist", _("协办")

    category = models.ForeignKey(
        TicketCategory, verbose_name=_("分类"), on_delete=models.CASCADE, related_name="assignments"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("适用区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空为全市通用"),
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("主办/协办"), max_length=8, choices=Role.choices, default=Role.LEAD)

    class Meta:
        verbose_name = _("派单目录（权责清单）")
        verbose_name_plural = _("派单目录（权责清单）")
        ordering = ["category", "region", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "region", "organization"],
                name="hotline_catalog_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.organization}（{self.get_role_display()}）"


class ServiceLevel(models.Model):
    """时限规则: the handling time limit of a ticket by urgency, and by category or complexity. The
    most specific row wins: the category (or its nearest ancestor) with the urgency, else the
    complexity with the urgency."""

    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_levels",
    )
    complexity = models.CharField(
        _("复杂程度"), max_length=16, choices=Complexity.choices, default=Complexity.GENERAL
    )
    urgency = models.CharField(_("紧急程度"), max_length=16)
    handling_sla = models.JSONField(
        _("办理时限"), help_text=_('如 {"working_days": 5} 或 {"natural_hours": 24}')
    )

    class Meta:
        verbose_name = _("工单时限规则")
        verbose_name_plural = _("工单时限规则")
        ordering = ["category", "complexity", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "complexity", "urgency"],
                name="hotline_service_level_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.category or self.get_complexity_display()} · {self.urgency}"


class TicketQuerySet(ScopedQuerySet):
    def update(self, **kwargs: object) -> int:
        """UPDATE, and the monthly counts (`TicketTally`) follow when a counted field changes."""
        from yiwang.hotline import tallies

        if not tallies.touches_counts(kwargs):
            return super().update(**kwargs)
        with tallies.following(self):
            return super().update(**kwargs)


class TicketManager(models.Manager.from_queryset(TicketQuerySet)):  # type: ignore[misc]
    """The scoped manager of tickets, whose writes keep `TicketTally` in step."""


# The ticket fields the KPI counters and the tallies' keys read besides `registered_at`
# (`hotline.tallies`): carried by the period index, and a write of none of them leaves the tallies alone.
COUNTED_COLUMNS = (
    "organization",
    "category",
    "region",
    "grid",
    "kind",
    "dispatched_at",
    "signed_on_time",
    "closed_at",
    "closed_on_time",
    "satisfaction",
    "resolved",
    "returned_count",
    "is_repeat",
)

# Statuses of a ticket whose loop is still running (before 办结).
OPEN_STATUSES = ("registered", "dispatched", "returned", "handling", "joint", "replied")


class Ticket(TimeStampedModel):
    """工单: one citizen request, run by the workflow definition `hotline_12345`."""

    # The data scope reads these fields; handling departments reach their tickets through
    # `TicketParty` as well (selectors.tickets).
    scope_lookups: ClassVar[dict[str, str | None]] = {"organization": "organization", "region": "region"}

    class Kind(models.TextChoices):
        CONSULT = "consult", _("咨询")
        HELP = "help", _("求助")
        COMPLAINT = "complaint", _("投诉")
        REPORT = "report", _("举报")
        SUGGESTION = "suggestion", _("建议")
        PRAISE = "praise", _("表扬")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("一般")
        URGENT = "urgent", _("紧急")

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话")
        WEB = "web", _("网站")
        MOBILE = "mobile", _("手机")
        API = "api", _("系统对接")
        OPEN311 = "open311", _("Open311")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("待派单")
        DISPATCHED = "dispatched", _("待签收")
        RETURNED = "returned", _("已退单")
        HANDLING = "handling", _("办理中")
        JOINT = "joint", _("联合办理中")
        REPLIED = "replied", _("待审核")
        CLOSED = "closed", _("已办结")
        ARCHIVED = "archived", _("已归档")

    class Satisfaction(models.TextChoices):
        VERY_SATISFIED = "very_satisfied", _("非常满意")
        SATISFIED = "satisfied", _("满意")
        BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket_no = models.CharField(_("工单编号"), max_length=32, unique=True)
    kind = models.CharField(_("诉求类型"), max_length=16, choices=Kind.choices)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices, default=Channel.PHONE)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("诉求内容"))
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)
    caller_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    confidential = models.BooleanField(
        _("来电人保密"), default=False, help_text=_("承办部门看不到保密来电人的姓名和电话")
    )
    caller_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("来电人账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_tickets",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("来电人（自然人）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("事发地址"), max_length=255, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("由事发地点定位（core.geography.locate）；只登记了地址的工单没有网格"),
    )
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("诉求分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    suggested_category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("智能分类建议"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    suggested_confidence = models.FloatField(_("建议置信度"), null=True, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="hotline_tickets"
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    process_instance_id = models.UUIDField(_("流程实例"), null=True, blank=True, unique=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    knowledge_entry = models.ForeignKey(
        "KnowledgeEntry",
        verbose_name=_("答复依据（知识库）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    idempotency_key = models.CharField(_("幂等键"), max_length=64, null=True, blank=True)
    registered_at = models.DateTimeField(_("受理时间"))
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    sign_due_at = models.DateTimeField(_("签收时限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_on_time = models.BooleanField(_("按时签收"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("按时办结"), null=True, blank=True)
    callback_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=24, choices=Satisfaction.choices, null=True, blank=True
    )
    resolved = models.BooleanField(_("问题已解决"), null=True, blank=True)
    # 重复来电 (`hotline.statistics.REPEAT_RULE`), decided when the ticket is registered and when it is
    # classified at 派单 — a fact about this call, so the KPIs count a column instead of a self-join.
    is_repeat = models.BooleanField(_("重复来电"), default=False)
    returned_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    reopened_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    is_open = models.GeneratedField(
        expression=models.Case(
            models.When(status__in=OPEN_STATUSES, then=models.Value(True)),
            default=models.Value(False),
            output_field=models.BooleanField(),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
        verbose_name=_("办理中"),
    )

    objects = TicketManager()

    class Meta:
        verbose_name = _("12345工单")
        verbose_name_plural = _("12345工单")
        ordering = ["-registered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registered_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="hotline_ticket_idempotent",
            ),
        ]
        indexes = [
            models.Index(fields=["caller_phone", "-registered_at"], name="hotline_ticket_caller_idx"),
            models.Index(fields=["status", "registered_at"], name="hotline_ticket_status_idx"),
            models.Index(fields=["organization", "status", "due_at"], name="hotline_ticket_org_idx"),
            models.Index(
                fields=["region", "registered_at"],
                condition=Q(is_open=True),
                name="hotline_ticket_open_near_idx",
            ),
            # The period's tickets for the KPIs and the lists by 受理时间; on PostgreSQL it carries the
            # counted columns, so counting partial months is an index-only scan (decision 0015).
            models.Index(
                fields=["registered_at"],
                include=list(COUNTED_COLUMNS),
                name="hotline_ticket_kpi_idx",
            ),
            models.Index(fields=["category", "registered_at"], name="hotline_ticket_category_idx"),
            models.Index(fields=["caller_user", "-registered_at"], name="hotline_ticket_mine_idx"),
        ]

    def __str__(self) -> str:
        return self.ticket_no

    def save(self, *args: object, **kwargs: object) -> None:
        """Save, and the monthly counts (`TicketTally`) follow (see `TicketQuerySet.update`)."""
        from yiwang.hotline import tallies

        fields = kwargs.get("update_fields")
        if fields is not None and not tallies.touches_counts(fields):  # type: ignore[arg-type]
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            return
        with tallies.following_save(self):
            super().save(*args, **kwargs)  # type: ignore[arg-type]


class TallyCounters(models.Model):
    """The KPI counters (`hotline.statistics.COUNTERS`) of a group of tickets registered in one month
    (local time): the rows the 热线统计 page sums instead of scanning a million tickets. Kept in step by
    every write of a ticket (`hotline.tallies`), rebuilt from the tickets after a bulk load
    (`yiwang hotline tally`). Two groupings (decision 0015): by department, category and type for most
    figures, and with region and grid as well for the district table, the map and region scopes."""

    month = models.DateField(_("月份"))  # the first day of the month
    organization = models.ForeignKey(
        Organization, verbose_name=_("主办单位"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        TicketCategory, verbose_name=_("诉求分类"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("诉求类型"), max_length=16, choices=Ticket.Kind.choices)
    total = models.IntegerField(_("受理"), default=0)
    dispatched = models.IntegerField(_("已派单"), default=0)
    signed_on_time = models.IntegerField(_("按时签收"), default=0)
    closed = models.IntegerField(_("已办结"), default=0)
    closed_on_time = models.IntegerField(_("按时办结"), default=0)
    visited = models.IntegerField(_("已回访"), default=0)
    resolved = models.IntegerField(_("已解决"), default=0)
    satisfied = models.IntegerField(_("满意"), default=0)
    returned = models.IntegerField(_("有退单"), default=0)
    repeat = models.IntegerField(_("重复来电"), default=0)

    objects = ScopedManager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.total}"


class DepartmentTally(TallyCounters):
    """热线月度计数（按部门）: per month, 主办单位, 分类 and 诉求类型 — a few thousand rows a month, for the
    department and category tables and the trend when no district or region scope narrows them."""

    # No region: `selectors.statistics` reads these only for scopes over departments (or 全部).
    scope_lookups: ClassVar[dict[str, str | None]] = {"organization": "organization", "region": None}

    class Meta:
        verbose_name = _("热线月度计数（按部门）")
        verbose_name_plural = _("热线月度计数（按部门）")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "organization", "category", "kind"],
                name="hotline_department_tally_unique",
                nulls_distinct=False,
            )
        ]


class TicketTally(TallyCounters):
    """热线月度计数（按区划、网格）: per month, 主办单位, 分类, 区划, 网格 and 诉求类型. Seen through the same data
    scope as the tickets (the same `scope_lookups`)."""

    scope_lookups: ClassVar[dict[str, str | None]] = {"organization": "organization", "region": "region"}

    region = models.ForeignKey(Region, verbose_name=_("所属区划"), on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey(
        Grid, verbose_name=_("所属网格"), null=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("热线月度计数（按区划）")
        verbose_name_plural = _("热线月度计数（按区划）")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "organization", "category", "region", "grid", "kind"],
                name="hotline_tally_unique",
                nulls_distinct=False,
            )
        ]


# Every party of a ticket but its current 主办 (its one lead party not returned).
NOT_CURRENT_LEAD = Q(role="assist") | Q(returned=True)


class TicketParty(models.Model):
    """A department with a hand in a ticket: the 主办 it was dispatched to, or a 协办 of a joint
    handling (with its child instance). A department reaches a ticket through its parties."""

    scope_lookups: ClassVar[dict[str, str | None]] = {
        "organization": "organization",
        "region": "organization__region",
    }

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        ASSIST = "assist", _("协办")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="parties"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("主办/协办"), max_length=8, choices=Role.choices, default=Role.LEAD)
    instance_id = models.UUIDField(_("协办流程实例"), null=True, blank=True)
    returned = models.BooleanField(_("已退单"), default=False)
    created_at = models.DateTimeField(_("派单时间"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("工单承办单位")
        verbose_name_plural = _("工单承办单位")
        ordering = ["ticket", "created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "ticket"], name="hotline_party_org_idx"),
            # a department's 协办 and returned parties (热线统计 of a 部门负责人)
            models.Index(
                fields=["organization", "ticket"], condition=NOT_CURRENT_LEAD, name="hotline_party_hand_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket} · {self.organization}（{self.get_role_display()}）"


class TicketSequence(models.Model):
    """Daily counter: ticket_no = "12345" + yyyymmdd + 6-digit sequence."""

    day = models.DateField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("工单编号序列")
        verbose_name_plural = _("工单编号序列")

    def __str__(self) -> str:
        return f"{self.day:%Y%m%d} #{self.last_number}"


class ExtensionRequest(models.Model):
    """延期申请 of a handling department, approved (the workflow's `extend`) or refused by a dispatcher."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="extension_requests"
    )
    days = models.PositiveSmallIntegerField(_("延长工作日"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("工单延期申请")
        verbose_name_plural = _("工单延期申请")
        ordering = ["ticket", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(status="pending"), name="hotline_extension_one_pending"
            )
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="hotline_extension_status_idx")]

    def __str__(self) -> str:
        return f"{self.ticket} 延期 {self.days} 个工作日"


class KnowledgeEntry(TimeStampedModel):
    """知识库条目 of a department: an answer agents give on the spot, valid for a period and reviewed
    periodically. A 咨询 nobody could answer becomes a candidate entry for the department to write."""

    scope_lookups: ClassVar[dict[str, str | None]] = {
        "organization": "organization",
        "region": "organization__region",
    }

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("待编写")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    code = models.SlugField(_("编码"), max_length=64, unique=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("维护部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="knowledge_entries",
    )
    category = models.ForeignKey(
        TicketCategory,
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("标题"), max_length=200)
    question_variants = models.JSONField(_("常见问法"), default=list, blank=True)
    answer = models.TextField(_("答复口径"), blank=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    review_due = models.DateField(_("下次复核日期"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("最近复核"), null=True, blank=True)
    search_tokens = models.TextField(_("检索词"), blank=True, editable=False)
    source_ticket = models.ForeignKey(
        Ticket, verbose_name=_("来源工单"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uses = models.PositiveIntegerField(_("引用次数"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("知识库条目")
        verbose_name_plural = _("知识库条目")
        ordering = ["organization", "code"]
        indexes = [
            models.Index(fields=["status", "valid_until"], name="hotline_kb_status_idx"),
            models.Index(fields=["organization", "status"], name="hotline_kb_org_idx"),
            models.Index(fields=["status", "review_due"], name="hotline_kb_review_idx"),
        ]

    def __str__(self) -> str:
        return self.title
