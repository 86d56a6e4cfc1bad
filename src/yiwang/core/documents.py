"""PDF documents of the platform (通知书、决定书、证照、回执、处置单、公文): the one place that knows how
an official document is laid out and how Chinese is set in a PDF (decision 0012).

A domain registers each of its documents in its `AppConfig.ready()`, naming a Django template that
holds the wording, and renders it with a context of what to say:

    register_document("services.refusal_notice", template="services/documents/refusal_notice.html",
                      title="不予受理通知书", filename="{title}-{reference}.pdf")
    document = render_document("services.refusal_notice", {"applicant": "张三", ...})

The template (its domain's `templates/<app>/documents/`) renders a small, fixed HTML vocabulary —
one block per line of the 公文 layout — which this module turns into reportlab flowables (parsed with
the standard library's `html.parser`, never with regular expressions):

    <h1>不予受理通知书</h1>                       title, centred
    <p class="number">不予受理〔2026〕…号</p>      文号, centred under the title
    <p class="to">张三：</p>                      addressee
    <p class="body">…</p>  (or a bare <p>)       body paragraph, first line indented two characters
    <p class="item">1. …</p>                     numbered item (the template writes the number)
    <table><tr><td>持证主体</td><td>…</td></tr></table>    bordered table (<th> as <td>; <thead>,
                                                 <tbody> allowed): 2 columns are 40 + 110 mm wide,
                                                 other counts share 150 mm
    <p class="sign">示范市市场监督管理局</p>          issuing organisation and date, right-aligned
    <br>                                         a line break inside any of the above

Anything else (another tag, another class, text outside a block) is a `DocumentTemplateError`, so
an overriding template cannot silently lose text. Django escapes the context (a reason reading
`<b>` prints `<b>`); `|linebreaksbr` keeps a user's line breaks. A line break in the template
source and the indentation around it are dropped, so a long Chinese sentence may be wrapped in the
template without gaining spaces; other runs of spaces and tabs become one space. The layout indents
a body paragraph's first line by two characters, so a template needs no 全角空格 (reportlab treats
U+3000 as a breaking space anyway). Spacing follows the layout: 8 mm after the title and 文号,
4 mm before a table, 14 mm before the signature. A document that runs over more than one page
says 「第 N 页 共 M 页」 at the foot of each page.

A city changes the wording without code by overriding the template (a directory in `TEMPLATES`
`DIRS` holding e.g. `services/documents/refusal_notice.html`). The system check `core.E001` reports
a registered document whose template cannot be found, `core.E002` one that fails to load.

Chinese is set in reportlab's built-in CID font `STSong-Light`, so no font file is needed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
_font_ready = False


@dataclass(frozen=True)
class Document:
    """A rendered document: `filename` (Chinese, with .pdf) and the PDF bytes."""

    title: str
    filename: str
    content: bytes


def chinese_font() -> str:
    """The name of the Chinese PDF font (`STSong-Light`), registered with reportlab on first use."""
    global _font_ready
    if not _font_ready:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _font_ready = True
    return FONT


def cn_date(moment: datetime | None = None) -> str:
    """2026年11月23日 (local time)."""
    local = timezone.localtime(moment or timezone.now())
    return f"{local.year}年{local.month}月{local.day}日"


# -- the registry ---------------------------------------------------------------------------------

# "app.name", like the named permissions.
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class DocumentType:
    """A registered kind of document: its code, the template holding its wording, its name (标题)
    and the pattern of its file name (`str.format` over the context and `title`, the rendered
    <h1>)."""

    code: str
    template: str
    title: str
    filename: str = "{title}.pdf"


_documents: dict[str, DocumentType] = {}


def register_document(code: str, *, template: str, title: str, filename: str = "{title}.pdf") -> DocumentType:
    """Declare (or replace, by code) one kind of document of a domain, from its AppConfig.ready()."""
    if not CODE_PATTERN.match(code):
        raise ValueError(f"malformed document code: {code!r} (expected 'app.name')")
    kind = DocumentType(code, template, title, filename)
    _documents[code] = kind
    return kind


def registered_documents() -> dict[str, DocumentType]:
    return dict(_documents)


def render_document(code: str, context: Mapping[str, Any]) -> Document:
    """Render a registered document: its template with `context`, laid out as an official
    document. The document's title is the rendered <h1> (the registered title when there is none)."""
    try:
        kind = _documents[code]
    except KeyError:
        raise LookupError(f"no document registered as {code!r}") from None
    html = render_to_string(kind.template, dict(context))
    blocks = parse_blocks(html, source=kind.template)
    title = _first_text(blocks, "title") or kind.title
    content = render_blocks(blocks, title=title)
    filename = kind.filename.format(**{**context, "title": title})
    return Document(title, _safe_filename(filename), content)


def _safe_filename(name: str) -> str:
    """A file name never names a directory."""
    for separator in ("/", "\\"):
        name = name.replace(separator, "-")
    return name


def template_problems() -> list[tuple[str, DocumentType, str]]:
    """Each registered document whose template cannot be used: (check id, kind, what is wrong)."""
    problems = []
    for kind in sorted(_documents.values(), key=lambda k: k.code):
        try:
            get_template(kind.template)
        except TemplateDoesNotExist:
            problems.append(("core.E001", kind, f"模板 {kind.template} 不存在"))
        except TemplateSyntaxError as error:
            problems.append(("core.E002", kind, f"模板 {kind.template} 无法加载：{error}"))
    return problems


# -- the block structure --------------------------------------------------------------------------

PARAGRAPH_CLASSES = ("number", "to", "body", "item", "sign")
SUPPORTED_TAGS = ("h1", "p", "br", "table", "thead", "tbody", "tr", "th", "td")
_INLINE_SPACES = re.compile(r"[ \t\r\f\v]+")  # ASCII blanks only: U+3000 and U+00A0 are text


class DocumentTemplateError(ValueError):
    """A document template rendered something outside the documented block structure."""


@dataclass
class Block:
    """One block of a document: `kind` is "title", a paragraph class, or "table"; `lines` the text of
    a paragraph split at <br>; `rows` the cells of a table, each a list of lines."""

    kind: str
    lines: list[str] = field(default_factory=list)
    rows: list[list[list[str]]] = field(default_factory=list)


def _normalise(raw: str) -> str:
    """Drop source line breaks with the indentation around them; collapse other blanks to one."""
    return "".join(_INLINE_SPACES.sub(" ", line).strip(" ") for line in raw.split("\n"))


class _BlockParser(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.blocks: list[Block] = []
        self._block: Block | None = None  # the paragraph or title being read
        self._table: Block | None = None
        self._row: list[list[str]] | None = None
        self._cell: list[str] | None = None  # lines of the open cell
        self._text: list[str] = []  # raw text of the current line

    def error(self, message: str) -> DocumentTemplateError:
        line, column = self.getpos()
        return DocumentTemplateError(f"{self.source}，第 {line} 行第 {column + 1} 列：{message}")

    def _open_lines(self) -> list[str] | None:
        if self._cell is not None:
            return self._cell
        if self._block is not None:
            return self._block.lines
        return None

    def _end_line(self) -> None:
        lines = self._open_lines()
        assert lines is not None
        lines.append(_normalise("".join(self._text)))
        self._text = []

    def _close_lines(self, lines: list[str]) -> None:
        self._end_line()
        while lines and not lines[-1]:  # a trailing <br>
            lines.pop()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SUPPORTED_TAGS:
            raise self.error(f"文书模板不支持 <{tag}>")
        if tag == "br":
            if self._open_lines() is None:
                raise self.error("<br> 只能出现在段落或表格单元格内")
            self._end_line()
            return
        if self._block is not None or self._cell is not None:
            raise self.error(f"段落内不能再有 <{tag}>")
        values = dict(attrs)
        if tag in ("h1", "p"):
            if self._table is not None:
                raise self.error(f"表格内不能有 <{tag}>")
            kind = "title"
            if tag == "p":
                kind = values.get("class") or "body"
                if kind not in PARAGRAPH_CLASSES:
                    raise self.error(f"未知的段落类别 {kind!r}（可用：{'、'.join(PARAGRAPH_CLASSES)}）")
            self._block = Block(kind)
            self._text = []
        elif tag == "table":
            if self._table is not None:
                raise self.error("表格不能嵌套")
            self._table = Block("table")
        elif tag in ("thead", "tbody"):
            if self._table is None:
                raise self.error(f"<{tag}> 只能出现在表格内")
        elif tag == "tr":
            if self._table is None or self._row is not None:
                raise self.error("<tr> 只能出现在表格内")
            self._row = []
        elif tag in ("td", "th"):
            if self._row is None:
                raise self.error(f"<{tag}> 只能出现在表格行内")
            self._cell = []
            self._text = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "br":
            raise self.error(f"文书模板不支持 <{tag}/>")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":
            return
        if tag in ("h1", "p"):
            if self._block is None or (tag == "h1") != (self._block.kind == "title"):
                raise self.error(f"多余的 </{tag}>")
            self._close_lines(self._block.lines)
            self.blocks.append(self._block)
            self._block = None
        elif tag in ("td", "th"):
            if self._cell is None or self._row is None:
                raise self.error(f"多余的 </{tag}>")
            self._close_lines(self._cell)
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr":
            if self._row is None or self._table is None or self._cell is not None:
                raise self.error("多余的 </tr>")
            if self._row:
                self._table.rows.append(self._row)
            self._row = None
        elif tag == "table":
            if self._table is None or self._row is not None:
                raise self.error("多余的 </table>")
            if self._table.rows:
                self.blocks.append(self._table)
            self._table = None
        elif tag not in SUPPORTED_TAGS:
            raise self.error(f"文书模板不支持 </{tag}>")

    def handle_data(self, data: str) -> None:
        if self._open_lines() is not None:
            self._text.append(data)
        elif data.strip(" \t\r\n\f\v"):
            raise self.error(f"文字 {data.strip()[:20]!r} 不在任何段落内")

    def close(self) -> None:
        super().close()
        if self._block is not None or self._table is not None:
            raise self.error("文书模板结束时仍有未闭合的段落或表格")


def parse_blocks(html: str, *, source: str = "文书模板") -> list[Block]:
    """The blocks of a rendered document template (see the module's docstring)."""
    parser = _BlockParser(source)
    parser.feed(html)
    parser.close()
    return parser.blocks


# -- the layout -----------------------------------------------------------------------------------

PAGE_SIZE = A4
MARGINS = {"left": 28 * mm, "right": 26 * mm, "top": 30 * mm, "bottom": 25 * mm}
TABLE_WIDTH = 150 * mm
LABEL_WIDTH = 40 * mm


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


def _paragraph(lines: list[str], style: ParagraphStyle) -> Paragraph:
    return Paragraph("<br/>".join(escape(line) for line in lines), style)


def _table(rows: list[list[list[str]]], style: ParagraphStyle) -> Table:
    columns = max(len(row) for row in rows)
    widths = [LABEL_WIDTH, TABLE_WIDTH - LABEL_WIDTH] if columns == 2 else [TABLE_WIDTH / columns] * columns
    cells = [[_paragraph(cell, style) for cell in row] + [""] * (columns - len(row)) for row in rows]
    grid = Table(cells, colWidths=widths)
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
    return grid


def _flowables(blocks: list[Block]) -> list[Flowable]:
    styles = _styles()
    story: list[Flowable] = []
    previous = ""
    for block in blocks:
        if previous in ("title", "number") and block.kind not in ("title", "number"):
            story.append(Spacer(1, 8 * mm))
        if block.kind == "table":
            story += [Spacer(1, 4 * mm), _table(block.rows, styles["cell"])]
        else:
            if block.kind == "sign" and previous != "sign":
                story.append(Spacer(1, 14 * mm))
            story.append(_paragraph(block.lines, styles[block.kind]))
        previous = block.kind
    return story


def _first_text(blocks: list[Block], kind: str) -> str:
    return next(("".join(b.lines) for b in blocks if b.kind == kind), "")


FOOTER_SIZE = 10


class _NumberedCanvas(Canvas):
    """A canvas that, once the page count is known, writes 「第 N 页 共 M 页」 at the foot of every
    page of a document longer than one page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            if total > 1:
                self.setFont(chinese_font(), FOOTER_SIZE)
                self.drawCentredString(
                    PAGE_SIZE[0] / 2, MARGINS["bottom"] / 2, f"第 {number} 页 共 {total} 页"
                )
            super().showPage()
        super().save()


def render_blocks(blocks: list[Block], *, title: str = "") -> bytes:
    """Lay the blocks out as an official document on A4 and return the PDF bytes. The PDF's
    metadata: the title, the 文号 as subject and the first signature line (the issuing
    organisation) as author."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGINS["left"],
        rightMargin=MARGINS["right"],
        topMargin=MARGINS["top"],
        bottomMargin=MARGINS["bottom"],
        title=title or _first_text(blocks, "title"),
        author=_first_text(blocks, "sign"),
        subject=_first_text(blocks, "number"),
    )
    doc.build(_flowables(blocks) or [Spacer(1, 1)], canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
