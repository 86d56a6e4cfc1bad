"""Documents generated while handling an application (办件文书), as PDF via reportlab.

不予受理通知书, 补正材料告知书 (一次性告知: every missing item on one page), 准予许可决定书, a simple
licence certificate (证照类结果) and 不予许可决定书. Chinese is set in reportlab's built-in CID font
`STSong-Light`, so no font file is needed. These functions only render bytes; the handling actions
store them (`core.files.file_store`) and link them to the application and its history event.

`applicant_may_open` is the file access rule letting the applicant open the documents generated
for their own application (its result and the notices attached to its history)."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yiwang.core.documents import Document, chinese_font, cn_date
from yiwang.core.files import register_file_access_rule
from yiwang.core.models import StoredFile

if TYPE_CHECKING:
    from yiwang.identity.actor import Actor
    from yiwang.services.models import Application, MaterialRequirement


def applicant_name(application: Application) -> str:
    if application.enterprise_id is not None and application.enterprise is not None:
        return application.enterprise.name
    if application.person_id is not None and application.person is not None:
        return application.person.name
    user = application.applicant
    return getattr(user, "display_name", "") or user.get_username()


def _styles() -> dict[str, ParagraphStyle]:
    font = chinese_font()
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=22, firstLineIndent=24)
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=20, leading=30, alignment=TA_CENTER),
        "number": ParagraphStyle("number", fontName=font, fontSize=11, leading=18, alignment=TA_CENTER),
        "to": ParagraphStyle("to", fontName=font, fontSize=12, leading=22),
        "body": body,
        "item": ParagraphStyle("item", parent=body, firstLineIndent=0, leftIndent=24),
        "sign": ParagraphStyle("sign", fontName=font, fontSize=12, leading=22, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=11, leading=16),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _render(
    *,
    title: str,
    number: str,
    addressee: str,
    paragraphs: list[str],
    items: list[str] | None = None,
    table: list[tuple[str, str]] | None = None,
    closing: list[str] | None = None,
    organization: str,
    issued_at: datetime | None,
) -> bytes:
    styles = _styles()
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        topMargin=30 * mm,
        bottomMargin=25 * mm,
        title=title,
        author=organization,
        subject=number,
    )
    story: list[Any] = [_p(title, styles["title"]), _p(number, styles["number"]), Spacer(1, 8 * mm)]
    if addressee:
        story.append(_p(f"{addressee}：", styles["to"]))
    story += [_p(text, styles["body"]) for text in paragraphs]
    for index, item in enumerate(items or [], start=1):
        story.append(_p(f"{index}. {item}", styles["item"]))
    if table:
        rows = [[_p(label, styles["cell"]), _p(value, styles["cell"])] for label, value in table]
        grid = Table(rows, colWidths=[40 * mm, 110 * mm])
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, "#86909c"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        story += [Spacer(1, 4 * mm), grid]
    story += [_p(text, styles["body"]) for text in closing or []]
    story += [Spacer(1, 14 * mm), _p(organization, styles["sign"]), _p(cn_date(issued_at), styles["sign"])]
    doc.build(story)
    return buffer.getvalue()


def _number(application: Application, kind: str) -> str:
    return f"{kind}〔{timezone.localtime().year}〕{application.application_no or application.uid}号"


def _you(application: Application) -> str:
    """How a notice addresses the applicant: 你单位 for an enterprise, 你 for a person."""
    return "你单位" if application.enterprise_id else "你"


def _received(application: Application) -> str:
    return cn_date(application.submitted_at) if application.submitted_at else cn_date(application.created_at)


def _filename(title: str, application: Application) -> str:
    return f"{title}-{application.application_no or application.uid}.pdf"


def refusal_notice(application: Application, *, reason: str, issued_at: datetime | None = None) -> Document:
    """不予受理通知书."""
    item, organization = application.item, application.organization.name
    title = "不予受理通知书"
    content = _render(
        title=title,
        number=_number(application, "不予受理"),
        addressee=applicant_name(application),
        paragraphs=[
            f"{_you(application)}于{_received(application)}提出的「{item.name}」申请（办件编号：{application.application_no}），"
            f"经审查，决定不予受理。",
            f"理由：{reason}",
            "如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
            "或者在六个月内依法提起行政诉讼。",
        ],
        organization=organization,
        issued_at=issued_at,
    )
    return Document(title, _filename(title, application), content)


def correction_notice(
    application: Application,
    *,
    reason: str,
    materials: list[MaterialRequirement],
    issued_at: datetime | None = None,
) -> Document:
    """补正材料告知书: lists every missing material at once (一次性告知)."""
    item, organization = application.item, application.organization.name
    title = "补正材料告知书"
    items = []
    for material in materials:
        text = material.name
        extra = [x for x in (material.condition, material.notes) if x]
        if extra:
            text += f"（{'；'.join(extra)}）"
        items.append(text)
    paragraphs = [
        f"{_you(application)}于{_received(application)}提出的「{item.name}」申请（办件编号：{application.application_no}），"
        f"申请材料不齐全或者不符合法定形式。现一次性告知如下：",
        f"补正理由：{reason}",
    ]
    if items:
        paragraphs.append(f"请补正以下材料（共 {len(items)} 项）：")
    else:
        paragraphs.append("请按上述补正理由修改申请内容，无需补交其他材料。")
    return Document(
        title,
        _filename(title, application),
        _render(
            title=title,
            number=_number(application, "补正告知"),
            addressee=applicant_name(application),
            paragraphs=paragraphs,
            items=items,
            closing=["请在补正后通过“我的办件”重新提交。补正期间不计入承诺办理时限。"],
            organization=organization,
            issued_at=issued_at,
        ),
    )


def is_licence_result(application: Application) -> bool:
    """Results of licence type (证照) get a certificate; everything else a 准予许可决定书."""
    return "证" in (application.item.result_type or "")


def approval_document(
    application: Application, *, decision_text: str, issued_at: datetime | None = None
) -> Document:
    """准予许可决定书, or for licence-type results a simple certificate."""
    item, organization = application.item, application.organization.name
    if is_licence_result(application):
        title = item.result_name or f"{item.name}证书"
        content = _render(
            title=title,
            number=f"证书编号：{application.application_no}",
            addressee="",
            paragraphs=[],
            table=[
                ("持证主体", applicant_name(application)),
                ("许可事项", item.name),
                ("许可内容", decision_text),
                ("发证机关", organization),
                ("发证日期", cn_date(issued_at)),
            ],
            organization=organization,
            issued_at=issued_at,
        )
        return Document(title, _filename(title, application), content)
    title = "准予许可决定书"
    content = _render(
        title=title,
        number=_number(application, "准予许可"),
        addressee=applicant_name(application),
        paragraphs=[
            f"{_you(application)}于{_received(application)}提出的「{item.name}」申请（办件编号：{application.application_no}），"
            "经审查，符合法定条件、标准，根据有关法律法规规定，决定准予许可。",
            f"决定内容：{decision_text}",
        ],
        organization=organization,
        issued_at=issued_at,
    )
    return Document(title, _filename(title, application), content)


def denial_document(
    application: Application, *, decision_text: str, issued_at: datetime | None = None
) -> Document:
    """不予许可决定书."""
    item, organization = application.item, application.organization.name
    title = "不予许可决定书"
    content = _render(
        title=title,
        number=_number(application, "不予许可"),
        addressee=applicant_name(application),
        paragraphs=[
            f"{_you(application)}于{_received(application)}提出的「{item.name}」申请（办件编号：{application.application_no}），"
            "经审查，决定不予许可。",
            f"理由：{decision_text}",
            "如对本决定不服，可以自收到本决定书之日起六十日内依法申请行政复议，"
            "或者在六个月内依法提起行政诉讼。",
        ],
        organization=organization,
        issued_at=issued_at,
    )
    return Document(title, _filename(title, application), content)


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
