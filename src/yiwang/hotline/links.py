"""How the generic shell (工作台, 我的事项) shows the workflow instance of a 12345 ticket: its 工单编号
and title, linking to the ticket page for staff and the caller's own page. Registered with
`yiwang.workflow.links` in `HotlineConfig.ready()`."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yiwang.hotline.models import Ticket
from yiwang.hotline.permissions import VIEW_TICKET
from yiwang.workflow.links import LinkedInbox, ObjectLink

STAFF_INBOX = LinkedInbox(label=_("12345工单"), url_name="hotline:tickets", permission=VIEW_TICKET)


def ticket_links(object_ids: Sequence[str]) -> dict[str, ObjectLink]:
    """{object id: link} of the tickets, in one query. Not scoped: the caller lists instances it
    already selected for the actor, and the linked pages check access themselves."""
    pks = [int(value) for value in object_ids if str(value).isdigit()]
    if not pks:
        return {}
    rows = Ticket.objects.filter(pk__in=pks).values_list(
        "pk", "uid", "ticket_no", "title"
    )  # scope: see above
    return {
        str(pk): ObjectLink(
            title=title,
            reference=number,
            staff_url=reverse("hotline:ticket", kwargs={"uid": uid}),
            applicant_url=reverse("hotline:my-ticket", kwargs={"uid": uid}),
        )
        for pk, uid, number, title in rows
    }
