"""Modules of the platform not built yet, as their users see them until they are.

Roles are seeded with the permissions of every module (`hotline.*`, `cityops.*` …) before the module's
app exists, so a 12345 dispatcher or a grid inspector can already sign in. Their workbench says what
their module will offer instead of leaving them before an empty page: `coming_modules(actor)` lists the
planned modules whose permissions the user's roles hold and whose app is not installed yet. When a
module's app lands (its label installed), its card goes and the app registers its own menu entries."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yiwang.identity.actor import Actor


@dataclass(frozen=True)
class PlannedModule:
    app_label: str  # the app that will provide it; its permissions are named "<app_label>.<verb_noun>"
    title: str | Promise
    summary: str | Promise  # what it will offer, in one sentence
    features: tuple[str | Promise, ...]


PLANNED_MODULES: tuple[PlannedModule, ...] = (
    PlannedModule(
        "hotline",
        _("12345 政务服务便民热线"),
        _("12345 热线模块将提供来电登记、派单、承办、答复、回访与督办的完整工单闭环。"),
        (
            _("话务员：来电登记、知识库检索、直接答复办结"),
            _("派单员：按派单目录派单、改派、审核办结、回访评价"),
            _("承办部门：签收、退单、申请延期、答复"),
            _("督办人员：超期工单督办、督办意见"),
        ),
    ),
    PlannedModule(
        "cityops",
        _("城市运行“一网统管”"),
        _("一网统管模块将提供城市事件的采集、立案、派遣、处置、核查、结案闭环和物联感知告警。"),
        (
            _("网格员：现场采集上报城市事件、核查处置结果"),
            _("指挥中心：立案、派遣、督办，按权责清单分派到责任部门"),
            _("物联感知设备的监测数据与告警"),
        ),
    ),
    PlannedModule(
        "office",
        _("政府运行“一网协同”"),
        _("一网协同模块将提供公文的拟稿、核稿、签发、分发、签收、归档，以及督查督办任务和基层报表。"),
        (
            _("发文、收文流转与电子签章"),
            _("督查督办任务的分解、进展报告与考核"),
            _("基层报表“一张表”的下发与填报"),
        ),
    ),
    PlannedModule(
        "datahub",
        _("公共数据中台"),
        _("数据中台模块将提供公共数据资源目录、数据归集、共享申请与审批、数据质量检查和开放数据。"),
        (
            _("维护本部门的数据资源目录与信息项"),
            _("审批共享申请、查看调用日志"),
            _("数据质量规则、检查与评分，异议数据处理"),
        ),
    ),
    PlannedModule(
        "cockpit",
        _("领导驾驶舱"),
        _("领导驾驶舱将一屏展示政务服务、热线诉求、城市运行的关键指标和预警。"),
        (
            _("政务服务办件量、按时办结率与超期情况"),
            _("热线诉求热点与满意度"),
            _("城市运行事件与告警"),
        ),
    ),
)


def coming_modules(actor: Actor) -> list[PlannedModule]:
    """The planned modules the actor's roles grant permissions of, whose app is not installed yet.

    Only permissions the roles name count (a superuser holds everything and is shown none)."""
    installed = {config.label for config in apps.get_app_configs()}
    held = {permission.partition(".")[0] for permission in actor.permissions}
    return [m for m in PLANNED_MODULES if m.app_label in held and m.app_label not in installed]
