"""一网通办: the catalogue of service items (实施清单), their materials and forms, and applications (办件)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.core.models import Enterprise, Organization, Person, Region, StoredFile, TimeStampedModel
from yiwang.core.scoping import ScopedManager


class ItemLevel(models.TextChoices):
    CITY = "city", _("市级")
    DISTRICT = "district", _("区级")
    STREET = "street", _("街道（乡镇）级")


class ServiceItem(TimeStampedModel):
    """One version of one implementation of a service item (事项实施清单).

    Implementations at each level share `basic_code` (四级四同); `implementation_code` identifies
    the implementation; every edit of a published item creates a new version (`version`), and an
    application keeps the version it was filed under."""

    # The data scope reads these fields (`core.scoping`: `objects.for_actor(actor, permission)`).
    scope_lookups: ClassVar[dict[str, str | None]] = {"organization": "organization", "region": "region"}

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    class HandlingKind(models.TextChoices):
        INSTANT = "instant", _("即办件")
        COMMITTED = "committed", _("承诺件")

    class ServedSubject(models.TextChoices):
        PERSON = "person", _("自然人")
        ENTERPRISE = "enterprise", _("法人")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    basic_code = models.CharField(_("基本编码"), max_length=32, db_index=True)
    implementation_code = models.CharField(_("实施编码"), max_length=40)
    version = models.PositiveIntegerField(_("版本"), default=1)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    is_current = models.BooleanField(
        _("当前版本"), default=False, help_text=_("每个实施编码只有一个当前已发布版本")
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    name = models.CharField(_("事项名称"), max_length=200)
    item_type = models.CharField(_("事项类型"), max_length=32, help_text=_("字典 item_type 的编码"))
    organization = models.ForeignKey(
        Organization, verbose_name=_("实施主体"), on_delete=models.PROTECT, related_name="service_items"
    )
    level = models.CharField(_("行使层级"), max_length=16, choices=ItemLevel.choices, default=ItemLevel.CITY)
    region = models.ForeignKey(
        Region, verbose_name=_("实施区划"), on_delete=models.PROTECT, related_name="service_items"
    )
    legal_basis = models.TextField(_("设定依据"), blank=True)
    conditions = models.TextField(_("受理条件"), blank=True)
    statutory_days = models.PositiveIntegerField(_("法定办结时限（工作日）"), default=20)
    promised_days = models.PositiveIntegerField(_("承诺办结时限（工作日）"), default=5)
    handling_kind = models.CharField(
        _("办件类型"), max_length=16, choices=HandlingKind.choices, default=HandlingKind.COMMITTED
    )
    is_charged = models.BooleanField(_("是否收费"), default=False)
    fee_basis = models.TextField(_("收费依据"), blank=True)
    fee_standard = models.TextField(_("收费标准"), blank=True)
    handling_form = models.CharField(_("办理形式"), max_length=100, default="窗口办理、网上办理")
    online_depth = models.PositiveSmallIntegerField(
        _("网上办理深度"), default=3, help_text=_("1–4 对应 Ⅰ–Ⅳ 级")
    )
    site_visits = models.PositiveSmallIntegerField(_("到办事现场次数"), default=1)
    served_subjects = models.JSONField(
        _("服务对象"), default=list, help_text=_('["person"] / ["enterprise"] / 两者')
    )
    themes = models.JSONField(_("主题分类"), default=list, blank=True)
    keywords = models.CharField(_("关键词"), max_length=255, blank=True)
    place = models.CharField(_("办理地点"), max_length=255, blank=True)
    office_hours = models.CharField(_("办理时间"), max_length=255, blank=True)
    consultation_phone = models.CharField(_("咨询电话"), max_length=64, blank=True)
    complaint_phone = models.CharField(_("监督投诉电话"), max_length=64, blank=True)
    result_name = models.CharField(_("审批结果名称"), max_length=200, blank=True)
    result_type = models.CharField(
        _("审批结果类型"), max_length=32, blank=True, help_text=_("证照 / 批文 / 其他")
    )
    result_sample = models.ForeignKey(
        StoredFile,
        verbose_name=_("审批结果样本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delivery_methods = models.CharField(_("结果送达方式"), max_length=255, blank=True)
    process_description = models.TextField(_("办理流程"), blank=True)
    process_definition_code = models.CharField(_("流程定义"), max_length=64, default="yiwang_tongban")
    form_schema = models.JSONField(_("申请表 JSON Schema"), default=dict, blank=True)
    form_ui = models.JSONField(_("申请表界面提示"), default=dict, blank=True)
    popularity = models.PositiveIntegerField(
        _("热度"), default=0, help_text=_("近 12 个月申请量，用于搜索排序")
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("政务服务事项")
        verbose_name_plural = _("政务服务事项")
        ordering = ["implementation_code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["implementation_code", "version"], name="services_item_version_unique"
            ),
            models.UniqueConstraint(
                fields=["implementation_code"], condition=Q(is_current=True), name="services_item_one_current"
            ),
            models.CheckConstraint(
                condition=Q(online_depth__gte=1) & Q(online_depth__lte=4), name="services_item_depth_range"
            ),
            models.CheckConstraint(
                condition=~Q(online_depth=4) | Q(site_visits=0), name="services_item_depth4_no_visit"
            ),
            models.CheckConstraint(
                condition=Q(promised_days__lte=models.F("statutory_days")),
                name="services_item_promise_within_statute",
            ),
        ]
        indexes = [
            models.Index(fields=["is_current", "organization"], name="services_item_org_idx"),
            models.Index(fields=["is_current", "item_type"], name="services_item_type_idx"),
            models.Index(fields=["is_current", "-popularity"], name="services_item_popular_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.implementation_code} v{self.version}）"


class MaterialRequirement(models.Model):
    """申请材料 of one item version."""

    class Requirement(models.TextChoices):
        REQUIRED = "required", _("必要")
        CONDITIONAL = "conditional", _("容缺/情形")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("申请人上传")
        LICENCE = "licence", _("电子证照")
        DATA = "data", _("共享数据")

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="materials"
    )
    code = models.SlugField(_("编码"), max_length=64)
    name = models.CharField(_("材料名称"), max_length=200)
    requirement = models.CharField(
        _("必要性"), max_length=16, choices=Requirement.choices, default=Requirement.REQUIRED
    )
    condition = models.CharField(_("适用情形"), max_length=255, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.UPLOAD)
    licence_type_code = models.CharField(_("电子证照类型"), max_length=64, blank=True)
    data_resource_code = models.CharField(_("共享数据资源"), max_length=64, blank=True)
    formats = models.JSONField(_("格式"), default=list, blank=True, help_text=_('如 ["pdf", "jpg"]'))
    max_size_mb = models.PositiveIntegerField(_("大小上限(MB)"), default=10)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    sample = models.ForeignKey(
        StoredFile, verbose_name=_("样表"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("填报须知"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="services_material_code_unique")]

    def __str__(self) -> str:
        return self.name

    # A material is part of its item version: changing one moves the item's `updated_at`, the stamp
    # under which the version's snapshot is cached (`services.snapshots`).
    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        self._touch_item()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        result = super().delete(*args, **kwargs)
        self._touch_item()
        return result

    def _touch_item(self) -> None:
        ServiceItem.objects.filter(pk=self.item_id).update(updated_at=timezone.now())


# Statuses of an application still being handled (not yet 办结/不予受理/撤回, not a draft).
OPEN_STATUSES = ("submitted", "correction", "reviewing", "deciding", "approved", "denied")


class Application(TimeStampedModel):
    """办件: one application for one item version, run by the workflow engine."""

    # The data scope reads these fields (`core.scoping`: `objects.for_actor(actor, permission)`).
    scope_lookups: ClassVar[dict[str, str | None]] = {"organization": "organization", "region": "region"}

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待受理")
        CORRECTION = "correction", _("待补正")
        REVIEWING = "reviewing", _("审查中")
        DECIDING = "deciding", _("待决定")
        APPROVED = "approved", _("准予许可")
        DENIED = "denied", _("不予许可")
        COMPLETED = "completed", _("已办结")
        REFUSED = "refused", _("不予受理")
        WITHDRAWN = "withdrawn", _("已撤回")

    # The process's states are the statuses, except these: a 补正 requested at the review step waits in
    # a state of its own (its resubmission goes back to the reviewer, not to 待受理), and is 待补正 to
    # everyone all the same.
    STATE_STATUSES: ClassVar[dict[str, str]] = {"review_correction": Status.CORRECTION}

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application_no = models.CharField(_("办件编号"), max_length=64, unique=True, null=True, blank=True)
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请账号"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("申请人（自然人）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("申请人（法人）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("受理部门"), on_delete=models.PROTECT, related_name="applications"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    channel = models.CharField(
        _("申报渠道"), max_length=16, default="online", help_text=_("online 网上 / window 窗口")
    )
    form_data = models.JSONField(_("申请表"), default=dict, blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=64, null=True, blank=True)
    submitted_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("承诺办结时限"), null=True, blank=True)
    completed_on_time = models.BooleanField(_("按时办结"), null=True, blank=True)
    site_visits = models.PositiveSmallIntegerField(_("实际到现场次数"), default=0)
    decision_text = models.TextField(_("决定内容"), blank=True)
    result_file = models.ForeignKey(
        StoredFile,
        verbose_name=_("办理结果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    process_instance_id = models.UUIDField(_("流程实例"), null=True, blank=True, unique=True)
    # Derived by the database from `status`, so no code path can let it drift.
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

    objects = ScopedManager()

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="services_application_idempotent",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(enterprise__isnull=True),
                name="services_application_one_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "due_at"], name="services_app_inbox_idx"),
            # The staff inbox walks a department's open applications by deadline and stops after a
            # page; the index holds open applications only, so it never sorts the department's
            # history. Partial (not `is_open` as a key column) because Django writes the filter as a
            # bare `WHERE "is_open"`, which SQLite matches to a partial index's WHERE but not to an
            # equality on a key column.
            models.Index(
                fields=["organization", "due_at", "id"],
                condition=models.Q(is_open=True),
                name="services_app_open_due_idx",
            ),
            # 已结束: a department's finished applications, the latest first.
            models.Index(
                fields=["organization", "-completed_at", "-id"],
                condition=models.Q(completed_at__isnull=False),
                name="services_app_done_idx",
            ),
            models.Index(fields=["applicant", "-created_at"], name="services_app_mine_idx"),
            models.Index(fields=["item", "submitted_at"], name="services_app_item_idx"),
            models.Index(fields=["submitted_at"], name="services_app_period_idx"),
        ]

    def __str__(self) -> str:
        return self.application_no or f"草稿 {self.uid}"

    @classmethod
    def status_for_state(cls, state: str, *, completed: bool) -> str:
        """The status of an application whose instance is in `state`: the state itself, or the status
        it shows as (`STATE_STATUSES`); a state of a city's own (an added step) shows as 审查中 while
        open and 已办结 once ended."""
        if state in cls.STATE_STATUSES:
            return cls.STATE_STATUSES[state]
        if state in cls.Status.values and state != cls.Status.DRAFT:
            return state
        return cls.Status.COMPLETED if completed else cls.Status.REVIEWING


class ApplicationMaterial(models.Model):
    """A file (or a reference) that satisfies one material requirement of an application."""

    application = models.ForeignKey(
        Application, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="materials"
    )
    requirement = models.ForeignKey(
        MaterialRequirement, verbose_name=_("材料要求"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.ForeignKey(
        StoredFile, verbose_name=_("文件"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # 补正: a material uploaded again after a correction notice is its next version; the file it
    # replaced stays readable by whoever may read the application's materials.
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    previous_file = models.ForeignKey(
        StoredFile,
        verbose_name=_("上一版文件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("办件材料")
        verbose_name_plural = _("办件材料")
        ordering = ["application", "requirement__sort_order", "id"]
        indexes = [models.Index(fields=["application", "requirement"], name="services_appmat_idx")]

    def __str__(self) -> str:
        return f"{self.application} · {self.requirement}"


class ApplicationSequence(models.Model):
    """Daily counter per implementation code: application_no = 实施编码 + yyyymmdd + 4-digit sequence."""

    implementation_code = models.CharField(max_length=40)
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("办件编号序列")
        verbose_name_plural = _("办件编号序列")
        constraints = [
            models.UniqueConstraint(fields=["implementation_code", "day"], name="services_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.implementation_code} {self.day:%Y%m%d} #{self.last_number}"


# -- staff handling (staff helper; migration 0002_application_notes) ---------------------------------


class ApplicationNote(models.Model):
    """内部备注 on an application: visible only to staff who can see the application."""

    application = models.ForeignKey(
        Application, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作者"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办件内部备注")
        verbose_name_plural = _("办件内部备注")
        ordering = ["application", "created_at", "id"]
        indexes = [models.Index(fields=["application", "created_at"], name="services_note_app_idx")]

    def __str__(self) -> str:
        return f"{self.application} · {self.text[:20]}"


class ApplicationDelivery(models.Model):
    """送达: how the result of a completed application reached the applicant."""

    class Method(models.TextChoices):
        WINDOW = "window", _("窗口领取")
        POST = "post", _("邮政寄递")
        ONLINE = "online", _("网上送达")

    application = models.ForeignKey(
        Application, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="deliveries"
    )
    method = models.CharField(_("送达方式"), max_length=16, choices=Method.choices)
    tracking_no = models.CharField(_("邮寄单号"), max_length=64, blank=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("送达人"), on_delete=models.PROTECT, related_name="+"
    )
    delivered_at = models.DateTimeField(_("送达时间"))

    class Meta:
        verbose_name = _("办件送达")
        verbose_name_plural = _("办件送达")
        ordering = ["application", "delivered_at", "id"]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_method_display()}"


class ExtensionRequest(models.Model):
    """延期申请: asked by the handling staff, approved (the workflow's `extend`) or rejected by a head."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    application = models.ForeignKey(
        Application, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="extension_requests"
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
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["application", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="pending"),
                name="services_extension_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} 延期 {self.days} 个工作日"
