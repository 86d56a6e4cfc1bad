"""Workbooks built by hand with zipfile, part by part, so that a test can put into them exactly what a
hostile file would: a declared range of the whole sheet, a sharedStrings part that inflates to
hundreds of megabytes, a DOCTYPE, rows numbered past a million, cells past column XFD."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET}"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED}"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


def workbook_xml(title: str = "数据") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        f'<sheets><sheet name="{escape(title)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def cell(reference: str, value: object) -> str:
    if isinstance(value, int):
        return f'<c r="{reference}"><v>{value}</v></c>'
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows: Iterable[str], *, dimension: str | None = "A1:C3", prolog: str = "") -> str:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">{declared}'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )


def table_rows(values: list[list[object]]) -> list[str]:
    rows = []
    for number, row in enumerate(values, start=1):
        cells = "".join(cell(f"{chr(65 + index)}{number}", value) for index, value in enumerate(row))
        rows.append(f'<row r="{number}">{cells}</row>')
    return rows


def shared_strings_xml(strings: Iterable[str] = ("名称",)) -> str:
    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}</sst>'


def xlsx(
    *,
    sheet: str | None = None,
    shared_strings: str | Iterator[bytes] | None = None,
    title: str = "数据",
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A workbook of one sheet. `shared_strings` may be an iterator of byte chunks, streamed into the
    archive (a part of hundreds of megabytes costs the test only its compressed size in memory)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook_xml(title))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet or sheet_xml(table_rows([["名称", 1]])))
        if shared_strings is None or isinstance(shared_strings, str):
            archive.writestr("xl/sharedStrings.xml", shared_strings or shared_strings_xml())
        else:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                for chunk in shared_strings:
                    part.write(chunk)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def huge_shared_strings(megabytes: int) -> Iterator[bytes]:
    """A sharedStrings part of about `megabytes` MB of the same string: it compresses ~1000:1."""
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode()
    item = ("<si><t>" + "炸" * 300 + "</t></si>").encode()
    block = item * (1024 * 1024 // len(item))
    for _ in range(megabytes):
        yield block
    yield b"</sst>"
