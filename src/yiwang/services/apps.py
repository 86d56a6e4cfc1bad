from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "yiwang.services"
    label = "services"
    verbose_name = "一网通办"

    def ready(self) -> None:
        # Keep Application.status in step with its workflow instance (see applications actions).
        from yiwang.core.files import register_file_access_rule
        from yiwang.services import notices  # noqa: F401  (registers the notices' access rule)
        from yiwang.services.access import published_sample_visible
        from yiwang.services.actions import applications  # noqa: F401

        register_file_access_rule(published_sample_visible)

        # Its documents (通知书、决定书、证照): wording in templates/services/documents/, layout in the kernel.
        from yiwang.core.documents import register_document
        from yiwang.services.notices import DOCUMENTS, FILENAME

        for code, (template, title) in DOCUMENTS.items():
            register_document(code, template=template, title=title, filename=FILENAME)

        from yiwang.identity.permissions import register_permissions
        from yiwang.services.permissions import PERMISSIONS

        register_permissions(PERMISSIONS)

        # The workbench and 我的事项 open an application's own pages (and link the 办件箱).
        from yiwang.services.links import MODEL_LABEL, STAFF_INBOX, application_links
        from yiwang.workflow.links import register_object_links

        register_object_links(MODEL_LABEL, application_links, inbox=STAFF_INBOX)

        # The site's menu: the catalogue for everyone but staff, the applicant's own applications.
        from django.utils.translation import gettext_lazy as _

        from yiwang.web.navigation import register_navigation

        register_navigation(
            _("办事服务"), "services:catalogue", personas=("anonymous", "citizen", "enterprise"), order=20
        )
        register_navigation(
            _("我的办件"), "services:my-applications", personas=("citizen", "enterprise"), order=30
        )
        # Staff: the department's 办件箱, and 办件统计 for every role the statistics page admits
        # (`selectors.statistics.can_view_statistics`: its own department's figures).
        from yiwang.services.permissions import VIEW_APPLICATION, VIEW_STATISTICS

        register_navigation(
            _("办件箱"),
            "services:staff-inbox",
            personas=("staff",),
            order=20,
            permissions=(VIEW_APPLICATION,),
            description=_("本部门的一网通办办件：受理、审查、决定、办结，按承诺时限标注红黄绿"),
        )
        register_navigation(
            _("办件统计"),
            "services:statistics",
            personas=("staff",),
            order=25,
            permissions=(VIEW_STATISTICS, VIEW_APPLICATION),
            description=_("申报量、办结率、按时办结与超期情况，可按月份和部门查看并导出"),
        )

        # The codes this app's code relies on: Application.Status mirrors the instance's state, and
        # the handling actions run these actions by code (publishing a version without one is refused).
        from yiwang.services.constants import DEFAULT_PROCESS, PROCESS_CONTRACT_ACTIONS
        from yiwang.services.models import Application
        from yiwang.workflow.contracts import register_contract

        register_contract(
            DEFAULT_PROCESS,
            owner="一网通办",
            states=[
                *(s for s in Application.Status.values if s != Application.Status.DRAFT),
                *Application.STATE_STATUSES,
            ],
            actions=PROCESS_CONTRACT_ACTIONS,
        )
