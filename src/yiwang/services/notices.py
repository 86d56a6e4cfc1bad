"""Documents issued while handling an application (办件文书): what they say, not how they look.

不予受理通知书, 补正材料告知书 (一次性告知: every missing item on one page), 准予许可决定书, a licence
certificate (证照类结果) and 不予许可决定书. Their wording is in the templates under
`templates/services/documents/` (a city overrides one by template override, no code); the layout is
the kernel's (`core.documents`, decision 0012). The documents are registered in `ServicesConfig.ready()`.
These functions build each template's context and render bytes; the handling actions store them
(`core.files.file_store`) and link them to the application and its history event.

Every template gets `application_context`: `applicant` (name of the person or enterprise), `you`
(你 / 你单位), `holder_code_label` / `holder_code` (统一社会信用代码 and the USCC of an enterprise applicant,
empty for a person), `received` (date of submission, 2026年11月23日), `item_name`, `result_name`,
`application_no`, `reference` (办件编号, or the uid of an unnumbered application), `year` (of the 文号),
`organization` (the issuing department), `issued_on` (date of issue), and the `application` and
`item` themselves; each document adds its own (`reason`, `materials`, `decision_text`).

`applicant_may_open` is the file access rule letting the applicant open the documents generated
for their own application (its result and the notices attached to its history)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from yiwang.core.documents import Document, cn_date, render_document
from yiwang.core.files import register_file_access_rule
from yiwang.core.models import StoredFile

if TYPE_CHECKING:
    from yiwang.identity.actor import Actor
    from yiwang.services.models import Application, MaterialRequirement

REFUSAL_NOTICE = "services.refusal_notice"
CORRECTION_NOTICE = "services.correction_notice"
APPROVAL_DECISION = "services.approval_decision"
LICENCE_CERTIFICATE = "services.licence_certificate"
DENIAL_DECISION = "services.denial_decision"

# code → (template, title): registered in ServicesConfig.ready(); every file is named 标题-办件编号.pdf.
DOCUMENTS: dict[str, tuple[str, str]] = {
    REFUSAL_NOTICE: ("services/documents/refusal_notice.html", "不予受理通知书"),
    CORRECTION_NOTICE: ("services/documents/correction_notice.html", "补正材料告知书"),
    APPROVAL_DECISION: ("services/documents/approval_decision.html", "准予许可决定书"),
    LICENCE_CERTIFICATE: ("services/documents/licence_certificate.html", "证照"),
    DENIAL_DECISION: ("services/documents/denial_decision.html", "不予许可决定书"),
}
FILENAME = "{title}-{reference}.pdf"


def applicant_name(application: Application) -> str:
    if application.enterprise_id is not None and application.enterprise is not None:
        return application.enterprise.name
    if application.person_id is not None and application.person is not None:
        return application.person.name
    user = application.applicant
    return getattr(user, "display_name", "") or user.get_username()


def holder_code(application: Application) -> dict[str, str]:
    """`holder_code_label` and `holder_code`: 统一社会信用代码 and the USCC of an enterprise applicant
    (empty for a person: documents do not print a person's ID number)."""
    if application.enterprise_id is not None and application.enterprise is not None:
        return {"holder_code_label": "统一社会信用代码", "holder_code": application.enterprise.uscc}
    return {"holder_code_label": "", "holder_code": ""}


def application_context(application: Application, *, issued_at: datetime | None = None) -> dict[str, Any]:
    """What every document about an application may say (see the module's docstring)."""
    item = application.item
    received = application.submitted_at or application.created_at
    return {
        "application": application,
        "item": item,
        "applicant": applicant_name(application),
        # The holder of a result (持证主体) is the applicant subject, an enterprise by its 统一社会信用代码
        # — never the agent who filed for it.
        **holder_code(application),
        # How a notice addresses the applicant: 你单位 for an enterprise, 你 for a person.
        "you": "你单位" if application.enterprise_id else "你",
        "received": cn_date(received),
        "item_name": item.name,
        "result_name": item.result_name,
        "application_no": application.application_no,
        "reference": application.application_no or str(application.uid),
        "year": timezone.localtime(issued_at or timezone.now()).year,
        "organization": application.organization.name,
        "issued_on": cn_date(issued_at),
    }


def refusal_notice(application: Application, *, reason: str, issued_at: datetime | None = None) -> Document:
    """不予受理通知书."""
    context = application_context(application, issued_at=issued_at)
    return render_document(REFUSAL_NOTICE, {**context, "reason": reason})


def correction_notice(
    application: Application,
    *,
    reason: str,
    materials: list[MaterialRequirement],
    issued_at: datetime | None = None,
) -> Document:
    """补正材料告知书: lists every missing material at once (一次性告知)."""
    context = application_context(application, issued_at=issued_at)
    listed = [
        {"name": material.name, "remarks": [x for x in (material.condition, material.notes) if x]}
        for material in materials
    ]
    return render_document(CORRECTION_NOTICE, {**context, "reason": reason, "materials": listed})


def is_licence_result(application: Application) -> bool:
    """Results of licence type (证照) get a certificate; everything else a 准予许可决定书."""
    return "证" in (application.item.result_type or "")


def approval_document(
    application: Application, *, decision_text: str, issued_at: datetime | None = None
) -> Document:
    """准予许可决定书, or for licence-type results a certificate."""
    code = LICENCE_CERTIFICATE if is_licence_result(application) else APPROVAL_DECISION
    context = application_context(application, issued_at=issued_at)
    return render_document(code, {**context, "decision_text": decision_text})


def denial_document(
    application: Application, *, decision_text: str, issued_at: datetime | None = None
) -> Document:
    """不予许可决定书."""
    context = application_context(application, issued_at=issued_at)
    return render_document(DENIAL_DECISION, {**context, "decision_text": decision_text})


@register_file_access_rule
def applicant_may_open(actor: Actor, stored: StoredFile) -> bool:
    """The applicant may open their application's result and the notices attached to its history."""
    if actor.user_id is None:
        return False
    from yiwang.services.models import Application
    from yiwang.workflow.models import ProcessEvent

    if Application.objects.filter(result_file=stored, applicant_id=actor.user_id).exists():
        return True
    return ProcessEvent.objects.filter(attachments=stored, instance__owner_id=actor.user_id).exists()
