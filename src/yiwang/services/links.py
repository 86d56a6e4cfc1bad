"""How the generic shell (工作台, 我的事项) shows the workflow instance of an application (办件):
its 事项名称 and 办件编号, linking to the 办件办理 page for staff and the 办件详情 page for the
applicant. Registered with `yiwang.workflow.links` in `ServicesConfig.ready()`."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yiwang.services.models import Application
from yiwang.services.permissions import VIEW_APPLICATION
from yiwang.workflow.links import LinkedInbox, ObjectLink

MODEL_LABEL = "services.application"
STAFF_INBOX = LinkedInbox(
    label=_("一网通办办件"), url_name="services:staff-inbox", permission=VIEW_APPLICATION
)


def application_links(object_ids: Sequence[str]) -> dict[str, ObjectLink]:
    """{object id: link} of the applications, in one query. Not scoped: the caller lists instances
    it already selected for the actor, and the linked pages check access themselves."""
    pks = [int(value) for value in object_ids if str(value).isdigit()]
    if not pks:
        return {}
    rows = Application.objects.filter(pk__in=pks).values_list("pk", "uid", "application_no", "item__name")
    return {
        str(pk): ObjectLink(
            title=item_name,
            reference=number or "",
            staff_url=reverse("services:staff-application", kwargs={"uid": uid}),
            applicant_url=reverse("services:application", kwargs={"uid": uid}),
        )
        for pk, uid, number, item_name in rows
    }
