"""Writes on applications (办件) by their applicants: drafts, submission, resubmission after 补正, withdrawal.

Submission (`application_submit`) validates the form (`services.forms.form_data_errors`) and the
materials, numbers the application (实施编码 + yyyymmdd + 4-digit daily sequence, one upsert on
`ApplicationSequence`) and starts the item's process definition with the item's promised days
as the overall time limit (at least one working day: a 即办件 promised in 0 days still has the day
of acceptance); its one audit row names the workflow instance. It is idempotent per (applicant,
key): a replay is found by one lookup, and two racing first submissions are settled by the partial
unique constraint `services_application_idempotent` (the loser answers with the winner's application).
Every problem of a submission (or of a resubmission after 补正) is told in one error (一次告知):
the form's lines, the files refused and the materials still missing (`_raise_incomplete`; code
`application_incomplete` when there is more than one kind). Only items of 网上办理深度 Ⅲ/Ⅳ are
applied for online (`service_item_not_online` otherwise, see `services.eligibility`).

The atomic workflow hook `keep_application_in_step` (registered when this module is imported,
i.e. in `ServicesConfig.ready`) keeps `Application.status` equal to the instance's state and fills
`accepted_at`, `due_at`, `completed_at` and `completed_on_time`. 即办件 (handling kind instant)
complete on acceptance: the same hook, seeing the `accept` of an instant item, runs 审查通过 → 准予许可
→ 办结送达 as the system within the accepting transaction (the definition stays the shared one).

`application_file_visible` is registered as a file access rule: the applicant (or an agent of the
applicant enterprise) and staff whose `services.view_application` scope reaches the application may
open its materials and its result file."""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from yiwang.core.files import (
    TYPE_EXTENSIONS,
    file_store,
    files_delete,
    files_discarded_on_error,
    register_file_access_rule,
)
from yiwang.core.models import Enterprise, StoredFile
from yiwang.identity.actor import Actor
from yiwang.services.access import application_file_visible
from yiwang.services.constants import CORRECTION_ACTIONS, RESUBMIT_ACTIONS
from yiwang.services.eligibility import NOT_ONLINE, accepts_online, not_online_message
from yiwang.services.forms import file_bindings, fill_file_fields, form_data_errors
from yiwang.services.models import (
    Application,
    ApplicationMaterial,
    MaterialRequirement,
    ServiceItem,
)
from yiwang.services.snapshots import item_materials
from yiwang.workflow import actions as workflow_actions
from yiwang.workflow.hooks import TransitionNotice, on_transition
from yiwang.workflow.models import ProcessEvent, ProcessInstance

logger = logging.getLogger(__name__)

MAX_FORM_BYTES = 64 * 1024
MAX_KEY_LENGTH = 64
APPLICATION_CONTENT_TYPE = "services.application"
INSTANT_COMMENT = "即办件，受理即办结"
TERMINAL = {
    Application.Status.COMPLETED,
    Application.Status.REFUSED,
    Application.Status.WITHDRAWN,
}
_CONDITION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(==|=|!=)\s*(.+?)\s*$")
_BARE_CONDITION = re.compile(r"^\s*(!?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")


# -- helpers ------------------------------------------------------------------------------------


def _require_applicant(actor: Actor) -> Any:
    if actor.user is None:
        raise PermissionDenied("请先登录后再申报", code="unauthenticated")
    if getattr(actor.user, "kind", "") == "staff" and not actor.is_superuser:
        raise PermissionDenied(
            "工作人员账号不能在网上申报，请使用个人或法人账号", code="application_applicant_only"
        )
    return actor.user


@dataclass(frozen=True)
class Subject:
    """The applicant subject: the person by id (the application only links it, so it is not read),
    or the enterprise."""

    person_id: int | None
    enterprise: Enterprise | None


def applicant_subject(actor: Actor, item: ServiceItem, enterprise: Enterprise | None = None) -> Subject:
    """Who applies: the chosen enterprise (it must be one the actor acts for), the actor's only
    enterprise for an enterprise account, or the actor's own person record."""
    user = _require_applicant(actor)
    if enterprise is None and getattr(user, "kind", "") == "enterprise":
        if len(actor.enterprise_ids) == 1:
            enterprise = Enterprise.objects.get(pk=next(iter(actor.enterprise_ids)))
        elif actor.enterprise_ids:
            raise InvalidInput("请选择以哪家企业的名义申报", code="application_enterprise_required")
    if enterprise is not None:
        if enterprise.pk not in actor.enterprise_ids and not actor.is_superuser:
            raise PermissionDenied(
                "您未获得该企业的授权，不能以其名义申报", code="application_enterprise_forbidden"
            )
        subject = Subject(person_id=None, enterprise=enterprise)
        kind, label = ServiceItem.ServedSubject.ENTERPRISE, "法人"
    else:
        if user.person_id is None:
            raise InvalidInput(
                "您的账号尚未关联实名信息（自然人），请先完成实名认证", code="application_subject_missing"
            )
        subject = Subject(person_id=user.person_id, enterprise=None)
        kind, label = ServiceItem.ServedSubject.PERSON, "自然人"
    served = item.served_subjects or []
    if served and kind not in served:
        raise InvalidInput(f"该事项不面向{label}办理", code="application_subject_not_served")
    return subject


def _check_item(item: ServiceItem) -> None:
    if item.status != ServiceItem.Status.PUBLISHED or not item.is_current:
        raise Conflict(
            "该事项未发布或已更新版本，请重新打开办事指南后申报", code="application_item_unavailable"
        )
    if not accepts_online(item):  # 网上办理深度 Ⅰ: applied for at the window only
        raise InvalidInput(
            not_online_message(item), code=NOT_ONLINE, details={"online_depth": item.online_depth}
        )


def _check_data(data: Any) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise InvalidInput("申请表应为对象（键值对）", code="application_form_invalid")
    try:
        encoded = json.dumps(dict(data), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "申请表只能包含文字、数字、列表等简单数据", code="application_form_invalid"
        ) from exc
    if len(encoded.encode()) > MAX_FORM_BYTES:
        raise InvalidInput("申请表内容过长", code="application_form_too_large")
    return dict(data)


def _form_error(problems: list[str]) -> InvalidInput:
    more = f"（共 {len(problems)} 处）" if len(problems) > 1 else ""
    return InvalidInput(
        f"申请表填写有误：{problems[0]}{more}", code="application_form_invalid", details=problems
    )


def _validate_form(item: ServiceItem, data: dict[str, Any], *, check_files: bool) -> None:
    problems = form_data_errors(item, data, check_files=check_files)
    if problems:
        raise _form_error(problems)


def condition_applies(condition: str, data: Mapping[str, Any]) -> bool | None:
    """Whether a conditional material's `condition` holds for `data`; None when it is free text.

    Expressible conditions name a form field: ``has_agent`` / ``!has_agent`` (truthy),
    ``category=restaurant``, ``category!=retail`` (``true``/``false``/numbers compare as JSON)."""
    if not condition:
        return None
    bare = _BARE_CONDITION.match(condition)
    if bare:
        negate, name = bare.groups()
        if name not in data:
            return None if negate else False
        return not data[name] if negate else bool(data[name])
    match = _CONDITION.match(condition)
    if not match:
        return None
    name, operator, raw = match.groups()
    raw = raw.strip("\"'")
    try:
        expected: Any = json.loads(raw)
    except ValueError:
        expected = raw
    actual = data.get(name)
    equal = actual == expected or str(actual) == raw
    return equal if operator in ("=", "==") else not equal


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lower().lstrip(".")


def _format_ok(requirement: MaterialRequirement, name: str, content_type: str | None = None) -> bool:
    formats = {str(f).lower().lstrip(".") for f in requirement.formats or []}
    if not formats:
        return True
    if "jpg" in formats or "jpeg" in formats:
        formats |= {"jpg", "jpeg"}
    extensions = {_extension(name)}
    if content_type:
        extensions.add(TYPE_EXTENSIONS.get(content_type, "").lstrip("."))
    return bool(extensions & formats)


def _format_error(requirement: MaterialRequirement) -> InvalidInput:
    allowed = "、".join(str(f).upper() for f in requirement.formats or [])
    return InvalidInput(
        f"「{requirement.name}」只接受 {allowed} 格式的文件",
        code="application_material_format",
        details={"material": requirement.code, "formats": list(requirement.formats or [])},
    )


def _size_error(requirement: MaterialRequirement) -> InvalidInput:
    return InvalidInput(
        f"「{requirement.name}」的文件不能超过 {requirement.max_size_mb} MB",
        code="application_material_too_large",
        details={"material": requirement.code, "max_mb": requirement.max_size_mb},
    )


def upload_problem(requirement: MaterialRequirement, upload: Any) -> InvalidInput | None:
    """What is wrong with a new upload for `requirement`, judged by its name and size (None: nothing
    yet; its content is checked when it is stored)."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > requirement.max_size_mb * 1024 * 1024:
        return _size_error(requirement)
    if not _format_ok(requirement, str(getattr(upload, "name", "") or "")):
        return _format_error(requirement)
    return None


def _material_file_error(requirement: MaterialRequirement, upload: Any, error: InvalidInput) -> InvalidInput:
    """`file_store`'s refusal said of the material, with the formats this material accepts (not the
    platform's whole list); the code stays `file_store`'s."""
    formats = list(requirement.formats or [])
    details = {**(error.details if isinstance(error.details, dict) else {}), "material": requirement.code}
    if error.code == "file_type_not_allowed" and formats:
        allowed = "、".join(dict.fromkeys(str(f).lstrip(".").upper() for f in formats))
        name = os.path.basename(str(getattr(upload, "name", "") or ""))
        message = f"「{requirement.name}」的文件「{name}」不是允许的格式，或文件内容与扩展名不符。允许的类型：{allowed}"
        details |= {"formats": formats, "allowed": formats}
    else:
        message = f"「{requirement.name}」：{error.message}"
    return type(error)(message, code=error.code, details=details)


def _store_upload(
    actor: Actor, item: ServiceItem, requirement: MaterialRequirement, upload: Any
) -> StoredFile:
    problem = upload_problem(requirement, upload)
    if problem is not None:
        raise problem
    try:
        return file_store(actor=actor, upload=upload, organization=item.organization)
    except InvalidInput as error:
        raise _material_file_error(requirement, upload, error) from error


def _store_materials(
    actor: Actor,
    item: ServiceItem,
    requirements: dict[str, MaterialRequirement],
    materials: Mapping[str, Any],
    failures: dict[str, InvalidInput] | None = None,
) -> dict[str, StoredFile]:
    """Resolve `materials` ({code: upload, StoredFile or file uid}) to stored files of the actor.

    With `failures`, a file refused for its size, format or content is recorded there by material
    code (and left out) instead of raising, so that the caller can tell every problem at once."""
    unknown = sorted(str(code) for code in materials if code not in requirements)
    if unknown:
        raise InvalidInput(
            f"该事项没有这些申请材料：{'、'.join(unknown)[:200]}",
            code="application_material_unknown",
            details={"materials": unknown[:20]},
        )
    stored: dict[str, StoredFile] = {}
    references: dict[str, str] = {}
    for code, value in materials.items():
        requirement = requirements[code]
        if requirement.source != MaterialRequirement.Source.UPLOAD:
            raise InvalidInput(
                f"「{requirement.name}」由{requirement.get_source_display()}获取，无需上传",
                code="application_material_not_uploadable",
                details={"material": code},
            )
        if value is None or value == "":
            continue
        if isinstance(value, StoredFile):
            references[code] = str(value.uid)
        elif isinstance(value, uuid.UUID | str):
            references[code] = str(value)
        else:
            try:
                stored[code] = _store_upload(actor, item, requirement, value)
            except InvalidInput as error:
                if failures is None:
                    raise
                failures[code] = error
    if references:
        valid = {}
        for code, raw in references.items():
            try:
                valid[code] = uuid.UUID(raw)
            except ValueError:
                raise InvalidInput(
                    f"「{requirements[code].name}」的文件标识无效",
                    code="application_material_file_invalid",
                    details={"material": code},
                ) from None
        files = {f.uid: f for f in StoredFile.objects.filter(uid__in=valid.values())}
        for code, key in valid.items():
            found = files.get(key)
            if found is None or (found.owner_id != actor.user_id and not actor.is_superuser):
                raise InvalidInput(
                    f"「{requirements[code].name}」的文件不存在或不是您上传的",
                    code="application_material_file_invalid",
                    details={"material": code},
                )
            stored[code] = found
    for code, file in list(stored.items()):
        requirement = requirements[code]
        problem = None
        if file.size > requirement.max_size_mb * 1024 * 1024:
            problem = _size_error(requirement)
        elif not _format_ok(requirement, file.name, file.content_type):
            problem = _format_error(requirement)
        if problem is not None:
            if failures is None:
                raise problem
            failures[code] = problem
            del stored[code]
    return stored


def missing_materials(
    requirements: Mapping[str, MaterialRequirement], present: set[str], data: Mapping[str, Any]
) -> list[MaterialRequirement]:
    """Upload materials still missing: the required ones, and the conditional ones whose
    (expressible) condition holds. E-licence and shared-data materials are satisfied later."""
    missing = []
    for code, requirement in requirements.items():
        if requirement.source != MaterialRequirement.Source.UPLOAD or code in present:
            continue
        if requirement.requirement == MaterialRequirement.Requirement.REQUIRED or condition_applies(
            requirement.condition, data
        ):
            missing.append(requirement)
    return missing


def _raise_missing(missing: list[MaterialRequirement]) -> None:
    if missing:
        names = "、".join(r.name for r in missing)
        raise InvalidInput(
            f"请上传以下申请材料：{names}",
            code="application_materials_missing",
            details=[{"code": r.code, "name": r.name} for r in missing],
        )


def _replace_line(to_replace: list[MaterialRequirement]) -> str:
    return f"请按补正告知重新上传以下材料：{'、'.join(r.name for r in to_replace)}"


def _raise_incomplete(
    problems: list[str],
    missing: list[MaterialRequirement],
    failures: Mapping[str, InvalidInput],
    to_replace: list[MaterialRequirement] | None = None,
) -> None:
    """Refuse a submission with everything still wrong in one error (一次告知), not round by round.

    One kind of problem alone keeps its own code: `application_form_invalid` (details: the lines),
    `application_materials_missing` (details: [{code, name}]), the one refused file's code, or — for
    a resubmission — `application_correction_materials_missing` (details: [{code, name}] of the
    materials the correction notice named and that were not uploaded again). More are
    `application_incomplete`, details {"form": [lines], "materials": [{code, name}] still missing,
    "files": [{material, code, message}] refused, "correction": [{code, name}] not uploaded again}."""
    missing = [r for r in missing if r.code not in failures]
    absent = {r.code for r in missing} | set(failures)
    to_replace = [r for r in to_replace or () if r.code not in absent]
    if not (problems or missing or failures or to_replace):
        return
    if not missing and not failures and not to_replace:
        raise _form_error(problems)
    if not problems and not failures and not to_replace:
        _raise_missing(missing)
    if not problems and not missing and not to_replace and len(failures) == 1:
        raise next(iter(failures.values()))
    if not problems and not missing and not failures:
        raise InvalidInput(
            _replace_line(to_replace),
            code="application_correction_materials_missing",
            details=[{"code": r.code, "name": r.name} for r in to_replace],
        )
    lines = [*problems, *(error.message for error in failures.values())]
    if missing:
        lines.append(f"请上传以下申请材料：{'、'.join(r.name for r in missing)}")
    if to_replace:
        lines.append(_replace_line(to_replace))
    raise InvalidInput(
        f"请修改以下 {len(lines)} 处后再提交：{'；'.join(lines)}",
        code="application_incomplete",
        details={
            "form": problems,
            "materials": [{"code": r.code, "name": r.name} for r in missing],
            "files": [
                {"material": code, "code": error.code, "message": error.message}
                for code, error in failures.items()
            ],
            "correction": [{"code": r.code, "name": r.name} for r in to_replace],
        },
    )


def _requirements(item: ServiceItem) -> dict[str, MaterialRequirement]:
    return {r.code: r for r in item_materials(item)}


def _current_files(application: Application) -> dict[str, StoredFile]:
    rows = ApplicationMaterial.objects.filter(application=application, file__isnull=False).select_related(
        "file", "requirement"
    )
    return {row.requirement.code: row.file for row in rows.order_by("pk") if row.file is not None}


def _write_materials(
    application: Application,
    requirements: Mapping[str, MaterialRequirement],
    files: Mapping[str, StoredFile],
    *,
    later: bool,
    fresh: bool = False,
    versioned: bool = False,
) -> None:
    """Replace the rows of the materials in `files`; with `later`, add a file-less row for each
    e-licence / shared-data material (to be satisfied from the licence or data source later).
    `fresh`: the application was created in this transaction, so it has no other rows yet.
    `versioned` (a 补正): a replaced file's row becomes the next version, naming the file it replaced."""
    previous: dict[int, ApplicationMaterial] = {}
    if files and not fresh:
        replaced = ApplicationMaterial.objects.filter(
            application=application, requirement__in=[requirements[c] for c in files]
        )
        if versioned:
            previous = {row.requirement_id: row for row in replaced if row.file_id is not None}
        replaced.delete()
    rows = []
    for c, f in files.items():
        before = previous.get(requirements[c].pk)
        rows.append(
            ApplicationMaterial(
                application=application,
                requirement=requirements[c],
                file=f,
                version=before.version + 1 if before is not None else 1,
                previous_file_id=before.file_id if before is not None else None,
            )
        )
    if later:
        have = {requirements[c].pk for c in files}
        if not fresh:
            have |= set(
                ApplicationMaterial.objects.filter(application=application).values_list(
                    "requirement_id", flat=True
                )
            )
        rows += [
            ApplicationMaterial(application=application, requirement=r, file=None)
            for r in requirements.values()
            if r.source != MaterialRequirement.Source.UPLOAD and r.pk not in have
        ]
    if rows:  # one INSERT for the files and the rows to be satisfied later
        ApplicationMaterial.objects.bulk_create(rows)


_NEXT_NUMBER_SQL = (
    "INSERT INTO services_applicationsequence (implementation_code, day, last_number) VALUES (%s, %s, 1) "
    "ON CONFLICT (implementation_code, day) "
    "DO UPDATE SET last_number = services_applicationsequence.last_number + 1 RETURNING last_number"
)


def next_application_no(implementation_code: str, day: date) -> str:
    """实施编码 + yyyymmdd + 4-digit daily sequence; call inside a transaction.

    One upsert statement (PostgreSQL, SQLite ≥ 3.35): the first of the day inserts 1, later ones
    increment under the row's lock, which is held until the submission commits — so numbers are
    unique and, as a rolled-back submission gives its number back, gap-free."""
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBER_SQL, [implementation_code, connection.ops.adapt_datefield_value(day)])
        (number,) = cursor.fetchone()
    return f"{implementation_code}{day:%Y%m%d}{number:04d}"


def _check_key(key: Any) -> str:
    key = str(key or "").strip()
    if not key:
        raise InvalidInput(
            "缺少幂等键（Idempotency-Key），请刷新页面后重新提交", code="application_idempotency_key_missing"
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"幂等键应为不超过 {MAX_KEY_LENGTH} 个字符的可打印文本",
            code="application_idempotency_key_invalid",
        )
    return key


def _replayed(actor: Actor, key: str, item: ServiceItem) -> Application | None:
    # The common case is "not found": ask for two columns, load the application only on a replay.
    found = (
        Application.objects.filter(applicant=actor.user, idempotency_key=key)
        .values_list("pk", "item__implementation_code")
        .first()
    )
    if found is None:
        return None
    if found[1] != item.implementation_code:
        raise Conflict(
            "该幂等键已用于另一事项的申请，请刷新页面后重新提交", code="application_idempotency_conflict"
        )
    return Application.objects.select_related("item", "organization").get(pk=found[0])


def _own_application(actor: Actor, application: Application) -> Application:
    if actor.user is None or application.applicant_id != actor.user_id:
        raise NotFound("办件不存在或无权访问", code="application_not_found")
    return application


# -- drafts -------------------------------------------------------------------------------------


def application_save_draft(
    *,
    actor: Actor,
    item: ServiceItem,
    data: Any,
    files: Mapping[str, Any] | None = None,
    draft: Application | None = None,
    enterprise: Enterprise | None = None,
) -> Application:
    """Save (or update) a draft: the form may be incomplete; uploads are stored and kept."""
    user = _require_applicant(actor)
    if draft is not None:
        _own_application(actor, draft)
        item = draft.item
    _check_item(item)
    data = _check_data(data)
    subject = applicant_subject(actor, item, enterprise)
    requirements = _requirements(item)
    with files_discarded_on_error(), transaction.atomic():
        if draft is not None:
            draft = Application.objects.select_for_update().get(pk=draft.pk)
            if draft.status != Application.Status.DRAFT:
                raise Conflict("该申请已提交，不能再作为草稿保存", code="application_not_draft")
            application = draft
            application.form_data = data
            application.person_id, application.enterprise = subject.person_id, subject.enterprise
            application.save(update_fields=["form_data", "person", "enterprise", "updated_at"])
        else:
            application = Application.objects.create(
                item=item,
                applicant=user,
                person_id=subject.person_id,
                enterprise=subject.enterprise,
                organization=item.organization,
                region=item.region,
                status=Application.Status.DRAFT,
                form_data=data,
            )
        stored = _store_materials(actor, item, requirements, files or {})
        _write_materials(application, requirements, stored, later=False)
        audit_record(
            actor=actor,
            action="services.application_save_draft",
            obj=application,
            summary=f"保存「{item.name}」申请草稿",
            data={"item": item.implementation_code, "version": item.version, "materials": sorted(stored)},
        )
    return application


# -- submission ---------------------------------------------------------------------------------


def application_submit(
    *,
    actor: Actor,
    data: Any,
    materials: Mapping[str, Any] | None = None,
    idempotency_key: Any,
    item: ServiceItem | None = None,
    draft: Application | None = None,
    enterprise: Enterprise | None = None,
    now: datetime | None = None,
) -> Application:
    """File an application (from scratch for `item`, or from a saved `draft`).

    The same `idempotency_key` from the same applicant returns the application it created first."""
    user = _require_applicant(actor)
    if draft is not None:
        _own_application(actor, draft)
        item = draft.item
    if item is None:
        raise InvalidInput("请指定申报的事项", code="application_item_required")
    key = _check_key(idempotency_key)
    try:
        return _file(
            actor=actor,
            user=user,
            item=item,
            key=key,
            data=data,
            materials=materials,
            draft=draft,
            enterprise=enterprise,
            now=now,
        )
    except (DomainError, IntegrityError):
        # A replay is noticed only when filing fails: on the unique constraint (applicant,
        # idempotency_key) — also how two racing first submissions are settled — or on a check the
        # first filing passed (say, the item has a newer version since). A first submission, the
        # common case, pays no lookup; a replay's stored uploads go with the rolled-back rows.
        existing = _replayed(actor, key, item)
        if existing is None:
            raise
        return existing


def _file(
    *,
    actor: Actor,
    user: Any,
    item: ServiceItem,
    key: str,
    data: Any,
    materials: Mapping[str, Any] | None,
    draft: Application | None,
    enterprise: Enterprise | None,
    now: datetime | None,
) -> Application:
    _check_item(item)
    data = _check_data(data)
    subject = applicant_subject(actor, item, enterprise or (draft.enterprise if draft is not None else None))
    # Told together with the materials' problems below (一次告知).
    problems = form_data_errors(item, data, check_files=False)
    requirements = _requirements(item)
    now = now or timezone.now()
    with files_discarded_on_error(), transaction.atomic():
        current: dict[str, StoredFile] = {}
        if draft is not None:
            draft = Application.objects.select_for_update().get(pk=draft.pk)
            if draft.status != Application.Status.DRAFT:
                # Submitted meanwhile: by this very request's twin (a replay, answered above) or not.
                raise Conflict("该草稿已提交", code="application_not_draft")
            current = _current_files(draft)
        failures: dict[str, InvalidInput] = {}
        stored = _store_materials(actor, item, requirements, materials or {}, failures)
        files = {**current, **stored}
        data = fill_file_fields(item, data, {code: str(f.uid) for code, f in files.items()})
        _raise_incomplete(problems, missing_materials(requirements, set(files), data), failures)
        if file_bindings(item):  # the first pass left out the file fields, now filled in
            _validate_form(item, data, check_files=True)
        number = next_application_no(item.implementation_code, timezone.localdate(now))
        # Prepared first, so the row is inserted with its instance, status and deadline.
        prepared = workflow_actions.instance_prepare(
            actor=actor,
            definition_code=item.process_definition_code,
            organization=item.organization,
            region=item.region,
            title=f"{item.name}（{number}）",
            owner=actor.user,
            sla={"working_days": max(item.promised_days, 1)},
            now=now,
        )
        fields = {
            "applicant": user,
            "person_id": subject.person_id,
            "enterprise": subject.enterprise,
            "organization": item.organization,
            "region": item.region,
            "status": Application.Status.SUBMITTED,
            "form_data": data,
            "idempotency_key": key,
            "application_no": number,
            "submitted_at": now,
            "channel": "online",
        }
        application = draft if draft is not None else Application(item=item)
        for name, value in fields.items():
            setattr(application, name, value)
        _follow(application, prepared, "start")
        application.save(force_insert=draft is None)
        _write_materials(application, requirements, stored, later=True, fresh=draft is None)
        instance = workflow_actions.instance_start(
            actor=actor,
            obj=application,
            prepared=prepared,
            audit=False,  # the submission's audit row below names the instance
        )
        audit_record(
            actor=actor,
            action="services.application_submit",
            obj=application,
            summary=f"提交「{item.name}」申请，办件编号 {number}",
            data={
                "application_no": number,
                "item": item.implementation_code,
                "version": item.version,
                "instance": str(instance.pk),
                "definition": item.process_definition_code,
                "materials": sorted(files),
                "later": sorted(
                    c for c, r in requirements.items() if r.source != MaterialRequirement.Source.UPLOAD
                ),
            },
        )
    return application


def _instance_of(application: Application) -> ProcessInstance:
    if application.process_instance_id is None:
        raise Conflict("该申请尚未提交", code="application_not_submitted")
    return ProcessInstance.objects.select_related("definition", "organization", "region").get(
        pk=application.process_instance_id
    )


def _requested_materials(
    application: Application, requirements: Mapping[str, MaterialRequirement]
) -> list[MaterialRequirement]:
    """The upload materials the latest correction notice named (recorded by name, or by code), in the
    item's order: each must be uploaded again before the 补正 is accepted."""
    event = (
        ProcessEvent.objects.filter(
            instance_id=application.process_instance_id, action__in=CORRECTION_ACTIONS
        )
        .order_by("-created_at", "-pk")
        .only("fields")
        .first()
    )
    fields = event.fields if event is not None and isinstance(event.fields, dict) else {}
    named = fields.get("materials") or []
    if isinstance(named, str):
        named = [line.strip() for line in named.splitlines() if line.strip()]
    if not isinstance(named, list):
        return []
    wanted = {str(value) for value in named}
    found = [
        r
        for r in requirements.values()
        if (r.code in wanted or r.name in wanted) and r.source == MaterialRequirement.Source.UPLOAD
    ]
    return sorted(found, key=lambda r: (r.sort_order, r.pk))


def application_resubmit(
    *, actor: Actor, application: Application, data: Any = None, materials: Mapping[str, Any] | None = None
) -> Application:
    """提交补正材料: update the form (when given) and the materials, then resubmit in the workflow.

    Every material the correction notice named must be uploaded again (a new file, not the one it
    replaces), and a 补正 must change something: a notice naming no material asks for the form to be
    changed. Every problem is told at once (一次告知 works both ways). The resubmission goes back to
    the step that asked for the 补正 (`RESUBMIT_ACTIONS`: 待受理, or 审查中 for a review's 退回补正); a
    replaced material becomes its next version (`ApplicationMaterial.version`)."""
    _own_application(actor, application)
    item = application.item
    if application.status != Application.Status.CORRECTION:
        raise Conflict(
            "该办件当前不需要补正", code="application_wrong_state", details={"status": application.status}
        )
    new_data = application.form_data if data is None else _check_data(data)
    problems = form_data_errors(item, new_data, check_files=False)  # told with the materials' (一次告知)
    requirements = _requirements(item)
    with files_discarded_on_error(), transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status != Application.Status.CORRECTION:
            raise Conflict(
                "该办件当前不需要补正", code="application_wrong_state", details={"status": locked.status}
            )
        failures: dict[str, InvalidInput] = {}
        stored = _store_materials(actor, item, requirements, materials or {}, failures)
        current = _current_files(locked)
        # Uploaded again: a file other than the one the application holds (not the same one named again).
        replaced = {code: f for code, f in stored.items() if code not in current or current[code].pk != f.pk}
        files = {**current, **replaced}
        unchanged_form = fill_file_fields(
            item, dict(new_data), {code: str(f.uid) for code, f in current.items()}
        )
        form_changed = unchanged_form != locked.form_data
        new_data = fill_file_fields(item, dict(new_data), {code: str(f.uid) for code, f in files.items()})
        to_replace = [r for r in _requested_materials(locked, requirements) if r.code not in replaced]
        _raise_incomplete(
            problems, missing_materials(requirements, set(files), new_data), failures, to_replace
        )
        if not replaced and not form_changed:
            raise InvalidInput(
                "补正没有任何修改：请按补正告知修改申请表或重新上传材料后再提交",
                code="application_correction_unchanged",
            )
        _validate_form(item, new_data, check_files=True)
        locked.form_data = new_data
        locked.save(update_fields=["form_data", "updated_at"])
        _write_materials(locked, requirements, replaced, later=False, versioned=True)
        instance = _instance_of(locked)
        done = []
        if replaced:
            done.append(f"重新上传{'、'.join(requirements[code].name for code in replaced)}")
        if form_changed:
            done.append("修改申请表")
        event = workflow_actions.transition(
            instance=instance,
            action=RESUBMIT_ACTIONS.get(instance.state, "resubmit"),
            actor=actor,
            comment=f"已按补正告知{'，'.join(done)}",
            audit=False,  # the row below names the move
        )
        audit_record(
            actor=actor,
            action="services.application_resubmit",
            obj=locked,
            summary=f"办件 {locked.application_no} 提交补正材料",
            data={
                "materials": sorted(replaced),
                "form_changed": form_changed,
                "workflow": workflow_actions.event_audit_data(event),
            },
        )
    application.refresh_from_db()
    return application


def application_draft_discard(*, actor: Actor, application: Application) -> None:
    """删除草稿: the applicant's own draft goes, with its material rows and the files uploaded for it
    (an ID card scan kept in a draft nobody will file is personal data we no longer need)."""
    _own_application(actor, application)
    with transaction.atomic():
        locked = Application.objects.select_for_update().filter(pk=application.pk).first()
        if locked is None or locked.status != Application.Status.DRAFT:
            raise Conflict("只能删除尚未提交的草稿", code="application_not_draft")
        files = [row.file for row in locked.materials.select_related("file") if row.file is not None]
        audit_record(
            actor=actor,
            action="services.application_draft_discard",
            obj=locked,
            summary=f"删除「{locked.item.name}」申请草稿",
            data={"item": locked.item.implementation_code, "files": len(files)},
        )
        locked.delete()  # the material rows go with it (CASCADE)
        files_delete(files)


def application_withdraw(*, actor: Actor, application: Application, reason: str) -> Application:
    """撤回: a draft is withdrawn at once; a filed application through the workflow (before acceptance)."""
    _own_application(actor, application)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写撤回理由", code="application_reason_required")
    if len(reason) > 500:
        raise InvalidInput("撤回理由不超过 500 字", code="application_reason_too_long")
    moved: dict[str, Any] = {}
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status == Application.Status.DRAFT:
            locked.status = Application.Status.WITHDRAWN
            locked.completed_at = timezone.now()
            locked.save(update_fields=["status", "completed_at", "updated_at"])
        elif locked.status in (Application.Status.SUBMITTED, Application.Status.CORRECTION):
            event = workflow_actions.transition(
                instance=_instance_of(locked),
                action="withdraw",
                actor=actor,
                fields={"reason": reason},
                audit=False,  # the row below names the move
            )
            moved = {"workflow": workflow_actions.event_audit_data(event)}
        else:
            raise Conflict(
                "办件已受理或已办结，不能撤回；如有需要请联系承办部门",
                code="application_wrong_state",
                details={"status": locked.status},
            )
        audit_record(
            actor=actor,
            action="services.application_withdraw",
            obj=locked,
            summary=f"撤回申请 {locked.application_no or '草稿'}",
            data={"reason": reason, **moved},
        )
    application.refresh_from_db()
    return application


# -- keeping the status in step with the workflow ------------------------------------------------


# The columns the status hook keeps in step with the instance (and reads first; updated_at is set).
IN_STEP_FIELDS = [
    "status",
    "process_instance_id",
    "accepted_at",
    "completed_at",
    "completed_on_time",
    "due_at",
]


def _follow(application: Application, instance: ProcessInstance, action: str) -> None:
    """Set the application's in-step fields from its instance after `action`."""
    application.status = Application.status_for_state(
        instance.state, completed=instance.completed_at is not None
    )
    application.process_instance_id = instance.pk
    if action == "accept" and application.accepted_at is None:
        application.accepted_at = instance.state_entered_at
    if instance.completed_at is not None:
        application.completed_at = instance.completed_at
        due = instance.deadline or application.due_at
        application.completed_on_time = due is None or instance.completed_at <= due
    else:
        application.due_at = instance.deadline


def keep_application_in_step(notice: TransitionNotice) -> None:
    """Atomic hook: Application.status = the instance state; accepted_at, due_at, completed_at and
    completed_on_time follow; an instant item (即办件) completes on acceptance."""
    if notice.content_type != APPLICATION_CONTENT_TYPE:
        return
    instance = notice.instance or ProcessInstance.objects.get(pk=notice.instance_id)
    if notice.action == "start":
        # A new instance: nothing on the row to read first, one UPDATE puts it in step — none when
        # the row was inserted in step with its prepared instance (`application_submit`).
        fresh = Application(pk=int(notice.object_id))
        _follow(fresh, instance, "start")
        wanted = {name: getattr(fresh, name) for name in IN_STEP_FIELDS}
        held = notice.obj if isinstance(notice.obj, Application) else None
        if held is None or any(getattr(held, name) != value for name, value in wanted.items()):
            Application.objects.filter(pk=fresh.pk).update(**wanted, updated_at=timezone.now())
        return
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("item")
        .only("pk", *IN_STEP_FIELDS, "item__handling_kind")
        .filter(pk=notice.object_id)
        .first()
    )
    if application is None:
        return
    _follow(application, instance, notice.action)
    application.save(update_fields=[*IN_STEP_FIELDS, "updated_at"])
    if (
        notice.action == "accept"
        and not notice.completed
        and application.item.handling_kind == ServiceItem.HandlingKind.INSTANT
    ):
        _complete_instantly(instance)


def _complete_instantly(instance: ProcessInstance) -> None:
    """即办件: 审查通过 → 准予许可 → 办结送达 as the system, at the moment of acceptance."""
    system, moment = Actor.system(), instance.state_entered_at
    parsed = instance.definition.parsed
    for action in ("review", "approve", "complete"):
        if action not in parsed.actions:
            logger.warning("流程 %s 没有动作 %s，即办件未能自动办结", instance.definition.code, action)
            return
        workflow_actions.transition(
            instance=instance, action=action, actor=system, comment=INSTANT_COMMENT, now=moment
        )


on_transition(keep_application_in_step, phase="atomic")
register_file_access_rule(application_file_visible)
