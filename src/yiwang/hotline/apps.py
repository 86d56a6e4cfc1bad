from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "yiwang.hotline"
    label = "hotline"
    verbose_name = "12345 政务服务便民热线"

    def ready(self) -> None:
        from yiwang.hotline.permissions import PERMISSIONS
        from yiwang.identity.permissions import register_permissions

        register_permissions(PERMISSIONS)

        # Ticket.status follows its workflow instance (the atomic hooks in actions.tickets), and
        # callers who phoned in are told the answer by SMS at 办结.
        from yiwang.core.notifications import DefaultTemplate, register_default_template
        from yiwang.hotline.actions import tickets

        register_default_template(
            tickets.CLOSED_TEMPLATE,
            DefaultTemplate(
                name="12345 办结告知",
                title="12345：您反映的问题已办结",
                body="您反映的“{{ title }}”（工单 {{ ticket_no }}）已办结。{% if answer %}答复：{{ answer }}{% endif %}"
                "我们可能会回访您的满意度，如仍有问题请再拨打 12345。",
                channels=("sms",),
            ),
        )
        from yiwang.hotline.constants import TICKET_MODEL_LABEL

        # The workbench and 我的事项 open a ticket's own pages; seeing a ticket's instance takes
        # hotline.view_ticket (not the engine's workflow.view_instance).
        from yiwang.hotline.links import STAFF_INBOX, ticket_links
        from yiwang.hotline.permissions import VIEW_TICKET
        from yiwang.workflow.links import register_object_links

        register_object_links(
            TICKET_MODEL_LABEL, ticket_links, inbox=STAFF_INBOX, view_permission=VIEW_TICKET
        )

        # The states and actions this app runs by code: publishing a definition without them is refused.
        from yiwang.hotline.constants import CONTRACT_ACTIONS, DEFINITION, STATES
        from yiwang.workflow.contracts import register_contract

        register_contract(DEFINITION, owner="12345热线", states=list(STATES), actions=list(CONTRACT_ACTIONS))

        from django.utils.translation import gettext_lazy as _

        from yiwang.hotline.permissions import DISPATCH_TICKET, MANAGE_KNOWLEDGE, REGISTER_TICKET
        from yiwang.web.navigation import register_navigation

        register_navigation(
            _("12345工单"),
            "hotline:tickets",
            personas=("staff",),
            order=30,
            permissions=(VIEW_TICKET,),
            description=_("来电工单：待派单、待签收、办理中、待审核、待回访，按时限标注红黄绿"),
        )
        register_navigation(
            _("来电登记"),
            "hotline:intake",
            personas=("staff",),
            order=31,
            permissions=(REGISTER_TICKET, DISPATCH_TICKET),
            description=_("接听来电：按号码查来电人历史、知识库答复、智能分类、相似工单并单"),
        )
        register_navigation(
            _("知识库"),
            "hotline:knowledge",
            personas=("staff",),
            order=36,
            permissions=(MANAGE_KNOWLEDGE,),
            description=_("本部门的答复口径：新增、修改、到期复核、停用，补写话务员未能答复的问题"),
        )
        register_navigation(
            _("12345诉求"), "hotline:report", personas=("anonymous", "citizen", "enterprise"), order=40
        )

        from yiwang.hotline.permissions import VIEW_STATISTICS

        register_navigation(
            _("热线统计"),
            "hotline:statistics",
            personas=("staff",),
            order=35,
            permissions=(VIEW_STATISTICS,),
            description=_("响应率、按时办结率、解决率、满意率、退单率、重复来电率与热点诉求"),
        )
