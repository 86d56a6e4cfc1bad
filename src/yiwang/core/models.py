"""Kernel models shared by every domain: regions, organisations, subjects, calendar,
dictionaries, files, audit and notifications."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.core import validators
from yiwang.core.scoping import ScopedManager


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class TreePathMixin(models.Model):
    """Materialised path ("/1/4/9/") so a subtree is one indexed prefix query."""

    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        path = self._build_path()
        if path != self.path:
            self.path = path
            type(self).objects.filter(pk=self.pk).update(path=path)  # type: ignore[attr-defined]

    def _build_path(self) -> str:
        parent = getattr(self, "parent", None)
        prefix = parent.path if parent is not None else "/"
        return f"{prefix}{self.pk}/"


class Region(TreePathMixin, TimeStampedModel):
    class Level(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区县")
        STREET = "street", _("街道/乡镇")
        COMMUNITY = "community", _("社区/村")

    code = models.CharField(
        _("区划代码"), max_length=12, unique=True, validators=[validators.validate_region_code]
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    geometry = models.JSONField(
        _("边界 (GeoJSON)"), null=True, blank=True, validators=[validators.validate_geojson_geometry]
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Grid(TimeStampedModel):
    """网格: the smallest management area, a polygon inside one community (社区/村). Point location
    (`core.geography.locate`) and the grid maps read `geometry`, so it must be a usable polygon."""

    code = models.CharField(_("网格编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    community = models.ForeignKey(
        Region,
        verbose_name=_("所属社区/村"),
        on_delete=models.PROTECT,
        related_name="grids",
        db_index=False,  # core_grid_community_idx leads with the community
    )
    geometry = models.JSONField(_("边界 (GeoJSON)"), validators=[validators.validate_geojson_geometry])
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        indexes = [models.Index(fields=["community", "code"], name="core_grid_community_idx")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The level is checked here rather than by limit_choices_to, whose refusal reads "… is not a
        # valid choice" in English.
        errors: dict[str, ValidationError] = {}
        if self.community_id is not None and self.community.level != Region.Level.COMMUNITY:
            errors["community"] = ValidationError("网格只能划在社区/村之下", code="grid_community_level")
        message = _polygon_error(self.geometry)
        if message:
            errors["geometry"] = ValidationError(message, code="grid_geometry_invalid")
        if errors:
            raise ValidationError(errors)


def _polygon_error(geometry: Any) -> str | None:
    """Why `geometry` is not a usable lon/lat polygon, or None. The field validator has already
    reported a value that is not GeoJSON at all; this catches what only shapely can tell."""
    try:
        validators.validate_geojson_geometry(geometry)
    except ValidationError:
        return None  # the field's own validator says so already
    if not geometry:
        return None  # the required-field check says so already
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return "网格边界应为面（GeoJSON Polygon 或 MultiPolygon）"
    import shapely.errors  # imported here: only validating a grid needs shapely
    import shapely.geometry

    try:
        shape = shapely.geometry.shape(geometry)
    except (TypeError, ValueError, IndexError, KeyError, shapely.errors.ShapelyError):
        return "网格边界坐标格式不正确，应为 [经度, 纬度] 组成的闭合环"
    if shape.is_empty or not shape.is_valid:
        return "网格边界不是有效的多边形（环应闭合且边不自相交）"
    west, south, east, north = shape.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return "网格边界坐标超出经纬度范围（经度 -180～180，纬度 -90～90）"
    return None


class Organization(TreePathMixin, TimeStampedModel):
    class Type(models.TextChoices):
        GOVERNMENT = "government", _("人民政府")
        DEPARTMENT = "department", _("政府部门")
        INSTITUTION = "institution", _("事业单位")
        STREET_OFFICE = "street_office", _("街道办事处")
        COMMUNITY = "community", _("社区居委会")
        CENTER = "center", _("政务服务中心")
        OTHER = "other", _("其他")

    code = models.SlugField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validators.validate_uscc]
    )
    type = models.CharField(_("类型"), max_length=32, choices=Type.choices, default=Type.DEPARTMENT)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="organizations"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门/单位")
        verbose_name_plural = _("部门/单位")
        ordering = ["region__code", "code"]

    def __str__(self) -> str:
        return self.name


class Person(TimeStampedModel):
    """自然人 subject. One record per citizen, shared by every domain."""

    # The data scope reads these fields (`core.scoping`: `objects.for_actor(actor, permission)`).
    scope_lookups: ClassVar[dict[str, str | None]] = {"organization": None, "region": "region"}

    class Gender(models.TextChoices):
        MALE = "male", _("男")
        FEMALE = "female", _("女")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    id_number = models.CharField(
        _("公民身份号码"), max_length=18, unique=True, validators=[validators.validate_id_number]
    )
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone = models.CharField(
        _("手机号码"), max_length=11, blank=True, validators=[validators.validate_mobile]
    )
    address = models.CharField(_("住址"), max_length=255, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("户籍/居住地区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="persons",
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("自然人")
        verbose_name_plural = _("自然人")
        ordering = ["id"]
        indexes = [models.Index(fields=["region", "id"], name="core_person_region_idx")]

    def __str__(self) -> str:
        return self.name


class Enterprise(TimeStampedModel):
    """法人 subject, identified by its 统一社会信用代码."""

    # The data scope reads these fields (`core.scoping`: `objects.for_actor(actor, permission)`).
    scope_lookups: ClassVar[dict[str, str | None]] = {"organization": None, "region": "region"}

    class Type(models.TextChoices):
        COMPANY = "company", _("企业")
        INDIVIDUAL = "individual", _("个体工商户")
        COOPERATIVE = "cooperative", _("农民专业合作社")
        SOCIAL = "social", _("社会组织")
        INSTITUTION = "institution", _("事业单位")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validators.validate_uscc]
    )
    name = models.CharField(_("名称"), max_length=200)
    type = models.CharField(_("主体类型"), max_length=32, choices=Type.choices, default=Type.COMPANY)
    legal_representative = models.ForeignKey(
        Person,
        verbose_name=_("法定代表人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="represented_enterprises",
    )
    registered_capital = models.DecimalField(
        _("注册资本(万元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    address = models.CharField(_("住所"), max_length=255, blank=True)
    business_scope = models.TextField(_("经营范围"), blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("登记区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("法人")
        verbose_name_plural = _("法人")
        ordering = ["id"]
        indexes = [models.Index(fields=["region", "id"], name="core_enterprise_region_idx")]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """法定节假日: a non-working day that would otherwise be a working day."""

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("节日"), max_length=50)

    class Meta:
        verbose_name = _("法定节假日")
        verbose_name_plural = _("法定节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class MakeupWorkday(models.Model):
    """调休上班日: a weekend day that is a working day."""

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("说明"), max_length=50)

    class Meta:
        verbose_name = _("调休上班日")
        verbose_name_plural = _("调休上班日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Dictionary(TimeStampedModel):
    """A configurable enumeration (字典), e.g. 事项类型. `entry_schema` validates each entry's data."""

    code = models.SlugField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    entry_schema = models.JSONField(
        _("条目扩展属性 JSON Schema"), default=dict, blank=True, validators=[validators.validate_json_schema]
    )

    class Meta:
        verbose_name = _("字典")
        verbose_name_plural = _("字典")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DictionaryEntry(TimeStampedModel):
    dictionary = models.ForeignKey(
        Dictionary, verbose_name=_("字典"), on_delete=models.CASCADE, related_name="entries"
    )
    code = models.CharField(_("编码"), max_length=64)
    label = models.CharField(_("名称"), max_length=100)
    data = models.JSONField(_("扩展属性"), default=dict, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("字典条目")
        verbose_name_plural = _("字典条目")
        ordering = ["dictionary", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["dictionary", "code"], name="core_dictionary_entry_unique_code")
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.dictionary_id is None and not DictionaryEntry.dictionary.is_cached(self):
            return  # the form reports the missing dictionary itself
        validators.validate_against_schema(self.data, self.dictionary.entry_schema, field="data")


class StoredFile(TimeStampedModel):
    """An uploaded file: content lives in the `yiwang_files` storage; served only after a permission check."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=128)
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    sm3 = models.CharField(_("SM3"), max_length=64)
    storage_key = models.CharField(max_length=255, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="files",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="files",
    )

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or deleted through the ORM (history, audit).

    `append_only_label` names it in the refusal (e.g. "审计日志"). Kernel code that must complete a
    row after the fact (the audit sealer) uses a QuerySet update and says why."""

    append_only_label = "记录"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError(f"{self.append_only_label}只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(f"{self.append_only_label}只能追加，不能删除")


class AuditChainHead(models.Model):
    """The tip of the sealed audit chain (pk=1): moved only by the sealer, under its row lock."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.last_sequence}"


class AuditEvent(AppendOnlyModel):
    """Append-only audit row (decision 0010).

    Written with `mac` = HMAC-SM3(key, its content), without any lock; the sealer later chains
    committed rows in the order it finds them: `sequence`, `prev_hash`, `hash` = HMAC-SM3(key,
    sequence ‖ id ‖ mac ‖ prev_hash) and `sealed_at`. Unsealed rows have `sequence` NULL."""

    append_only_label = "审计日志"

    uid = models.UUIDField(_("标识"), unique=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=100, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True)
    summary = models.CharField(_("摘要"), max_length=255, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    mac = models.CharField(_("记录签名"), max_length=64)
    # Set by the sealer (core.audit.audit_seal).
    sequence = models.PositiveBigIntegerField(_("序号"), unique=True, null=True, blank=True)
    prev_hash = models.CharField(_("前序哈希"), max_length=64, blank=True)
    hash = models.CharField(_("链哈希"), max_length=64, unique=True, null=True, blank=True)
    sealed_at = models.DateTimeField(_("封存时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="core_audit_object_idx"),
            # The sealer's work list: a few rows at any moment, found without reading the sealed ones.
            models.Index(fields=["id"], condition=Q(sequence__isnull=True), name="core_audit_unsealed_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence or '待封存'} {self.action}"


class NotificationTemplate(TimeStampedModel):
    """Chinese message template rendered with Django's template language."""

    code = models.SlugField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    title = models.CharField(_("标题模板"), max_length=200)
    body = models.TextField(_("正文模板"))
    channels = models.JSONField(_("渠道"), default=list, help_text=_("in_app / sms / email 的列表"))

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """An in-app message in a user's inbox (消息中心)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    template_code = models.CharField(_("模板"), max_length=64, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    link = models.CharField(_("链接"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="core_notif_inbox_idx")]

    def __str__(self) -> str:
        return self.title


class OutboundMessage(models.Model):
    """An SMS or email handed to a provider; the database provider keeps these as the record of sending."""

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        EMAIL = "email", _("邮件")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("号码/地址"), max_length=255)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(_("通道"), max_length=100, blank=True)
    error = models.CharField(_("错误"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信/邮件")
        verbose_name_plural = _("短信/邮件")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.channel} → {self.address}"


class BackgroundJob(models.Model):
    """A long piece of work run by the task worker (an import, an export): who asked, how far it got,
    and how it ended. Written only through `core.jobs`; its requester follows it with a progress bar."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=64)
    title = models.CharField(_("名称"), max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="background_jobs",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.CharField(_("结果说明"), max_length=255, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    input_file = models.ForeignKey(
        StoredFile,
        verbose_name=_("输入文件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result_file = models.ForeignKey(
        StoredFile,
        verbose_name=_("结果文件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="core_job_requester_recent_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        """Progress in whole percent (100 once succeeded)."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        if self.total <= 0:
            return 0
        return min(100, self.done * 100 // self.total)
