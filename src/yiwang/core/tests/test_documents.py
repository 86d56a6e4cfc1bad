"""Official documents: a registered template's wording, laid out by the kernel (decision 0012)."""

from __future__ import annotations

import copy
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from pypdf import PdfReader

from yiwang.core import documents
from yiwang.core.checks import documents_have_templates
from yiwang.core.documents import (
    DocumentTemplateError,
    parse_blocks,
    register_document,
    registered_documents,
    render_document,
)

TEST_TEMPLATES = Path(__file__).parent / "templates"

CONTEXT = {
    "year": 2026,
    "reference": "GD20261123000123",
    "addressee": "张三",
    "received": "2026年11月23日",
    "reason": "小区门口路灯不亮",
    "entries": ["办理时限为五个工作日", "可通过 12345 查询进度"],
    "organization": "示范市城市管理局",
    "issued_on": "2026年11月24日",
}


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def with_template_dirs(settings, *directories: Path) -> None:
    """Put template directories in front of the project's (a city's overrides, the test templates)."""
    engines = copy.deepcopy(django_settings.TEMPLATES)
    engines[0]["DIRS"] = [*directories, *engines[0]["DIRS"]]
    settings.TEMPLATES = engines


@pytest.fixture
def registry(monkeypatch):
    """The document registry, restored after the test."""
    monkeypatch.setattr(documents, "_documents", dict(documents._documents))


@pytest.fixture
def receipt(settings, registry) -> str:
    with_template_dirs(settings, TEST_TEMPLATES)
    register_document(
        "core_tests.receipt",
        template="core_tests/documents/notice.html",
        title="受理回执",
        filename="{title}-{reference}.pdf",
    )
    return "core_tests.receipt"


def test_a_registered_template_renders_an_official_document_in_chinese(receipt):
    document = render_document(receipt, CONTEXT)

    assert document.title == "受理回执"
    assert document.filename == "受理回执-GD20261123000123.pdf"
    reader = PdfReader(BytesIO(document.content))
    assert len(reader.pages) == 1
    # pypdf indents some lines with ASCII spaces of its own; the ideographic ones are the document's.
    lines = [line.strip(" ") for line in reader.pages[0].extract_text().split("\n") if line.strip(" ")]
    assert lines == [
        "受理回执",
        "回执〔2026〕GD20261123000123号",
        "张三：",
        # A line break in the template source (and its indentation) adds nothing between characters.
        "你于2026年11月23日反映的诉求已经登记，我们将按规定办理。",
        "诉求内容：小区门口路灯不亮",
        "请关注以下事项：",
        "1. 办理时限为五个工作日",
        "2. 可通过 12345 查询进度",
        "工单编号",
        "GD20261123000123",
        "承办单位",
        "示范市城市管理局",
        "本回执不作为办理结果的证明。",  # a bare <p> is a body paragraph
        "示范市城市管理局",
        "2026年11月24日",
    ]
    assert "第 1 页" not in document.content.decode("latin-1")  # one page: no page numbers
    assert reader.metadata is not None
    assert (reader.metadata.title, reader.metadata.author, reader.metadata.subject) == (
        "受理回执",
        "示范市城市管理局",
        "回执〔2026〕GD20261123000123号",
    )


def test_user_input_is_printed_literally_never_as_markup(receipt):
    reason = "<b>路灯</b> & 井盖 &amp; <br/> 坏了\n第二行"

    text = pdf_text(render_document(receipt, {**CONTEXT, "reason": reason}).content)

    assert "诉求内容：<b>路灯</b> & 井盖 &amp; <br/> 坏了\n第二行" in text  # |linebreaksbr keeps the break


def test_a_long_document_numbers_its_pages(receipt):
    entries = [f"第{n}条注意事项，内容较长，用于把文书撑到第二页以上。" for n in range(1, 60)]

    reader = PdfReader(BytesIO(render_document(receipt, {**CONTEXT, "entries": entries}).content))

    total = len(reader.pages)
    assert total >= 2
    for number, page in enumerate(reader.pages, start=1):
        assert page.extract_text().rstrip().endswith(f"第 {number} 页 共 {total} 页")


def test_the_block_structure_is_closed():
    blocks = parse_blocks(
        "<h1>标题</h1>\n"
        '<p class="item">1.   一\n     二<br>三\u3000四</p>'
        "<table><tr><td>甲</td><td>乙</td></tr></table>"
    )
    assert [(b.kind, b.lines, b.rows) for b in blocks] == [
        ("title", ["标题"], []),
        ("item", ["1. 一二", "三\u3000四"], []),
        ("table", [], [[["甲"], ["乙"]]]),
    ]
    for html, problem in [
        ("<p><b>粗体</b></p>", "不支持 <b>"),
        ('<p class="footer">页脚</p>', "未知的段落类别"),
        ("<h1>标题</h1>散落的文字", "不在任何段落内"),
        ("<p>未闭合", "未闭合"),
        ("<p><p>嵌套</p></p>", "段落内不能再有"),
        ('<img src="file:///etc/passwd">', "不支持 <img"),
    ]:
        with pytest.raises(DocumentTemplateError, match=problem):
            parse_blocks(html)


def test_registering_and_rendering_refuse_unknown_codes(registry):
    with pytest.raises(ValueError, match="malformed document code"):
        register_document("no-app", template="x.html", title="x")
    with pytest.raises(LookupError):
        render_document("core_tests.nothing", {})


def test_the_system_check_reports_a_missing_or_broken_template(settings, registry, tmp_path):
    assert documents_have_templates() == []  # every shipped document has its template

    (tmp_path / "broken.html").write_text("<h1>{% if %}</h1>", encoding="utf-8")
    with_template_dirs(settings, tmp_path)
    register_document("core_tests.missing", template="core_tests/documents/missing.html", title="缺模板")
    register_document("core_tests.broken", template="broken.html", title="坏模板")

    problems = documents_have_templates()

    assert [(p.id, p.msg.split("：")[0]) for p in problems] == [
        ("core.E002", "文书 core_tests.broken（坏模板）"),
        ("core.E001", "文书 core_tests.missing（缺模板）"),
    ]
    assert "core_tests/documents/missing.html 不存在" in problems[1].msg


SERVICES_CONTEXT = {
    "applicant": "张三",
    "you": "你",
    "received": "2026年11月23日",
    "item_name": "食品经营许可（新办）",
    "application_no": "114401000001202611230001",
    "reference": "114401000001202611230001",
    "year": 2026,
    "organization": "示范市市场监督管理局",
    "issued_on": "2026年11月24日",
    "reason": "不属于本部门职权范围",
}


def test_a_city_overrides_the_wording_of_a_domain_document_without_code(settings, tmp_path):
    assert "services.refusal_notice" in registered_documents()  # registered by the services app
    shipped = pdf_text(render_document("services.refusal_notice", SERVICES_CONTEXT).content)
    assert "经审查，决定不予受理" in shipped and "不属于本部门职权范围" in shipped

    override = tmp_path / "services" / "documents" / "refusal_notice.html"
    override.parent.mkdir(parents=True)
    override.write_text(
        "<h1>不予受理通知书</h1>"
        '<p class="number">示市监不受〔{{ year }}〕{{ reference }}号</p>'
        '<p class="to">{{ applicant }}：</p>'
        '<p class="body">经示范市审查，你的申请不符合受理条件。理由：{{ reason }}</p>'
        '<p class="sign">{{ organization }}</p>',
        encoding="utf-8",
    )
    with_template_dirs(settings, tmp_path)

    document = render_document("services.refusal_notice", SERVICES_CONTEXT)

    text = pdf_text(document.content)
    assert "示市监不受〔2026〕114401000001202611230001号" in text
    assert "经示范市审查，你的申请不符合受理条件。理由：不属于本部门职权范围" in text
    assert "经审查，决定不予受理" not in text
    assert document.filename == "不予受理通知书-114401000001202611230001.pdf"
