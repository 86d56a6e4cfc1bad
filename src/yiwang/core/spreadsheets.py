"""Reading workbooks (.xlsx) and zip archives that come from outside, without being blown up by them.

An .xlsx is a zip of XML parts, and a small one can be hostile: a 10 KB file declaring the range
`A1:XFD1048576` makes a reader that trusts the declaration pad a billion cells; a sharedStrings part
that inflates to gigabytes is loaded whole by openpyxl; a DOCTYPE can declare entity bombs; a row of
millions of `<c/>` elements is built in memory before anyone can count it. So every import reads
workbooks through this module, never through `openpyxl.load_workbook` directly:

1. `archive_inspect` reads the zip's directory only: the number of members (from the end record,
   before `zipfile` parses the directory), the declared uncompressed size of all of them and each
   member's compression ratio. Python's zipfile stops inflating a member at its declared size and
   then checks its CRC, so the declared sizes bound what is ever inflated.
2. `spreadsheet_check` then streams every XML part through expat without building a tree: no DOCTYPE
   anywhere; every part openpyxl reads whole (sharedStrings, styles, workbook, …) within the part
   limit; each worksheet's declared `<dimension ref=…>` within the row and cell limits; and —
   unless `scan_rows=False`, the quick check an upload page makes — every worksheet's rows and
   cells counted as they stream (rows numbered beyond the row limit, rows wider than Excel's 16,384
   columns, cells beyond the cell limit), all under the time budget.
3. `spreadsheet_open` does both, then opens the workbook with openpyxl in read-only mode and yields
   each sheet's values row by row (`Spreadsheet.rows`), counting rows and cells and watching the time
   budget again. Declared dimensions are not trusted for reading: rows come as long as their last
   cell, and nothing past a wrong declaration is dropped.

Every refusal is a `core.errors.InvalidInput` with a stable code and a Chinese message:
`spreadsheet_invalid` (not a workbook, encrypted, a DOCTYPE), `spreadsheet_too_large` (HTTP 413:
members, uncompressed size, compression ratio, a part, the declared range, rows, columns, cells) and
`spreadsheet_too_slow` (the time budget); `archive_inspect` used for another kind of archive says
`archive_*`. The limits come from settings (`YIWANG_SPREADSHEET_*`, `YIWANG_ARCHIVE_MAX_MEMBERS`,
see `.env.example`); a caller may pass its own `SpreadsheetLimits` (the data hub loads larger files
than an upload page should accept)."""

from __future__ import annotations

import io
import logging
import re
import struct
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from types import TracebackType
from typing import IO, Any
from xml.parsers import expat

from django.conf import settings

from yiwang.core.errors import InvalidInput

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
EXCEL_MAX_COLUMNS = 16_384  # XFD
# A member smaller than this is never refused for its compression ratio (small XML compresses well).
RATIO_FLOOR_BYTES = 1 * MIB
# Bytes of the central directory allowed per member: an entry is 46 bytes plus its name and extras.
DIRECTORY_BYTES_PER_MEMBER = 1024
# A part's root element must start within this many bytes (a prolog this long is not a workbook's).
HEAD_BYTES = 1 * MIB
CHUNK_BYTES = 64 * 1024
CLOCK_EVERY = 4096  # elements between looks at the clock while scanning a worksheet
SPREADSHEETML_WORKSHEET = "worksheet"
SHARED_STRINGS_LABEL = "共享字符串表（sharedStrings.xml）"

Clock = Callable[[], float]


class SpreadsheetTooLarge(InvalidInput):
    status = 413


@dataclass(frozen=True)
class SpreadsheetLimits:
    """What one read of a workbook may cost. `from_settings()` reads the configured values."""

    max_rows: int = 100_000  # rows of one sheet, counted from row 1
    max_cells: int = 2_000_000  # cells of all sheets (a row counts up to its last cell)
    max_uncompressed_bytes: int = 256 * MIB  # all members, inflated
    max_part_bytes: int = 64 * MIB  # any part other than a worksheet, inflated (read whole)
    max_members: int = 10_000
    max_ratio: int = 200  # inflated / compressed, for members of at least RATIO_FLOOR_BYTES
    seconds: float = 120.0  # the time budget of one read (inspection and rows)

    SETTINGS = {
        "max_rows": "YIWANG_SPREADSHEET_MAX_ROWS",
        "max_cells": "YIWANG_SPREADSHEET_MAX_CELLS",
        "max_uncompressed_bytes": "YIWANG_SPREADSHEET_MAX_UNCOMPRESSED_BYTES",
        "max_part_bytes": "YIWANG_SPREADSHEET_MAX_PART_BYTES",
        "max_members": "YIWANG_ARCHIVE_MAX_MEMBERS",
        "max_ratio": "YIWANG_SPREADSHEET_MAX_RATIO",
        "seconds": "YIWANG_SPREADSHEET_SECONDS",
    }

    @classmethod
    def from_settings(cls, **overrides: Any) -> SpreadsheetLimits:
        """The configured limits (defaults where a setting is absent), with `overrides` on top."""
        defaults = cls()
        values: dict[str, Any] = {}
        for item in fields(cls):
            name = cls.SETTINGS.get(item.name)
            if name is not None:
                kind = float if item.name == "seconds" else int
                values[item.name] = kind(getattr(settings, name, getattr(defaults, item.name)))
        return replace(cls(**values), **overrides)


def _megabytes(size: int) -> str:
    value = size / MIB
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


# ---------------------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class _Wording:
    code: str  # "spreadsheet" or "archive"
    label: str  # "Excel 文件" or "压缩包"

    def invalid(self, message: str, **details: Any) -> InvalidInput:
        return InvalidInput(message, code=f"{self.code}_invalid", details=details or None)

    def too_large(self, message: str, **details: Any) -> SpreadsheetTooLarge:
        return SpreadsheetTooLarge(message, code=f"{self.code}_too_large", details=details or None)


SPREADSHEET = _Wording("spreadsheet", "Excel 文件")
ARCHIVE = _Wording("archive", "压缩包")


def _not_a_workbook(reason: str) -> InvalidInput:
    return SPREADSHEET.invalid("文件不是有效的 Excel 工作簿（.xlsx）", reason=reason[:200])


def _too_slow(limits: SpreadsheetLimits) -> InvalidInput:
    seconds = f"{limits.seconds:g}"
    return InvalidInput(
        f"读取 Excel 文件超过 {seconds} 秒的时间上限，已停止读取。请拆分后分批上传",
        code="spreadsheet_too_slow",
        details={"seconds": limits.seconds},
    )


@dataclass
class _Budget:
    limits: SpreadsheetLimits
    clock: Clock
    deadline: float = 0.0

    def __post_init__(self) -> None:
        self.deadline = self.clock() + self.limits.seconds

    def check(self) -> None:
        if self.clock() > self.deadline:
            raise _too_slow(self.limits)


# ---------------------------------------------------------------------------------------- archives

_END = struct.Struct("<4s4H2LH")  # end of central directory
_END_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")


def _declared_directory(source: IO[bytes]) -> tuple[int, int] | None:
    """(members, central directory bytes) as the end record declares them, read from the file's tail
    before `zipfile` parses (and allocates) the whole directory; None when there is no end record."""
    source.seek(0, io.SEEK_END)
    size = source.tell()
    tail_size = min(size, _END.size + 0xFFFF)
    source.seek(size - tail_size)
    tail = source.read(tail_size)
    at = tail.rfind(_END_SIGNATURE)
    if at < 0 or at + _END.size > len(tail):
        return None
    _, _, _, _, members, directory_bytes, _, _ = _END.unpack_from(tail, at)
    if members != 0xFFFF and directory_bytes != 0xFFFFFFFF:
        return members, directory_bytes
    locator_at = size - tail_size + at - _ZIP64_LOCATOR.size
    if locator_at < 0:
        return None
    source.seek(locator_at)
    signature, _, record_at, _ = _ZIP64_LOCATOR.unpack(source.read(_ZIP64_LOCATOR.size))
    if signature != b"PK\x06\x07" or record_at > size - _ZIP64_END.size:
        return None
    source.seek(record_at)
    record = _ZIP64_END.unpack(source.read(_ZIP64_END.size))
    if record[0] != b"PK\x06\x06":
        return None
    return record[7], record[8]


def archive_inspect(
    source: IO[bytes],
    *,
    max_members: int | None = None,
    max_uncompressed_bytes: int | None = None,
    max_ratio: int | None = None,
    wording: _Wording = ARCHIVE,
) -> list[zipfile.ZipInfo]:
    """The members of the zip `source` (seekable, binary) after checking, from its directory alone:
    at most `max_members` members (default `YIWANG_ARCHIVE_MAX_MEMBERS`), at most
    `max_uncompressed_bytes` inflated in all (None: unchecked) and no member of at least 1 MB
    inflating more than `max_ratio` times (None: unchecked). Nothing is decompressed.

    Raises InvalidInput `archive_invalid` (not a zip, encrypted) or `archive_too_large` (HTTP 413)."""
    limit = int(
        max_members if max_members is not None else getattr(settings, "YIWANG_ARCHIVE_MAX_MEMBERS", 10_000)
    )
    label = wording.label
    try:
        declared = _declared_directory(source)
    except (OSError, ValueError, struct.error) as exc:
        raise wording.invalid(f"{label}已损坏或不是 zip 格式", reason=str(exc)[:200]) from exc
    if declared is None:
        raise wording.invalid(f"{label}已损坏或不是 zip 格式", reason="no end of central directory")
    members, directory_bytes = declared
    if members > limit or directory_bytes > limit * DIRECTORY_BYTES_PER_MEMBER:
        raise wording.too_large(
            f"{label}内部包含的文件过多（上限 {limit} 个），不予读取", limit=limit, declared=members
        )
    try:
        source.seek(0)
        with zipfile.ZipFile(source) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error) as exc:
        raise wording.invalid(f"{label}已损坏或不是 zip 格式", reason=str(exc)[:200]) from exc
    if len(infos) > limit:
        raise wording.too_large(
            f"{label}内部包含的文件过多（上限 {limit} 个），不予读取", limit=limit, declared=len(infos)
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise wording.invalid(f"{label}已加密，无法读取，请去掉密码后重新上传", part=info.filename)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if max_ratio is not None and info.file_size >= RATIO_FLOOR_BYTES and ratio > max_ratio:
            raise wording.too_large(
                f"{label}中「{info.filename[:80]}」的压缩比异常（约 {ratio:.0f}:1，上限 {max_ratio}:1），"
                "疑似压缩炸弹，不予读取",
                part=info.filename[:200],
                ratio=round(ratio),
                limit=max_ratio,
            )
    if max_uncompressed_bytes is not None and total > max_uncompressed_bytes:
        raise wording.too_large(
            f"{label}解压后过大（约 {_megabytes(total)} MB，上限 {_megabytes(max_uncompressed_bytes)} MB），"
            "请拆分后分批上传",
            uncompressed_bytes=total,
            limit=max_uncompressed_bytes,
        )
    return infos


# ---------------------------------------------------------------------------------------- parts

_CELL_REFERENCE = re.compile(r"([A-Za-z]{1,4})(\d*)")


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _declared_range(ref: str) -> tuple[int, int] | None:
    """(last row, last column) of a `<dimension ref=…>` such as "A1:XFD1048576"; None if unreadable."""
    last = ref.strip().split(":")[-1].replace("$", "")
    match = _CELL_REFERENCE.fullmatch(last)
    if match is None or not match.group(2):
        return None
    return int(match.group(2)), _column_number(match.group(1))


class _Stop(Exception):
    """Raised from an expat handler to stop reading a part once enough is known."""


@dataclass
class _Totals:
    cells: int = 0  # cells of every worksheet scanned so far (a row counts up to its last cell)


@dataclass
class _PartScan:
    """Streams one XML part through expat: its root element, and for a worksheet the declared
    dimension and (when `scan_rows`) its rows and cells, refusing at the first limit passed."""

    name: str
    limits: SpreadsheetLimits
    budget: _Budget
    totals: _Totals
    scan_rows: bool
    root: str | None = None
    dimension: str | None = None
    elements: int = 0
    row: int = 0
    row_width: int = 0
    row_cells: int = 0
    in_sheet_data: bool = False
    declared_checked: bool = False

    def doctype(self, *args: Any) -> None:
        raise SPREADSHEET.invalid(
            "Excel 文件中含有不允许的 XML 文档类型声明（DOCTYPE），不予读取", part=self.name[:200]
        )

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if self.root is None:
            self.root = local
            if local != SPREADSHEETML_WORKSHEET:
                raise _Stop
            return
        self.elements += 1
        if self.elements % CLOCK_EVERY == 0:
            self.budget.check()
        if local == "dimension" and not self.in_sheet_data:
            self.dimension = attributes.get("ref", "")
            self._check_declared()
        elif local == "sheetData":
            self.in_sheet_data = True
            if not self.scan_rows:
                raise _Stop
        elif local == "row" and self.in_sheet_data:
            self._end_row()
            number = attributes.get("r")
            self.row = int(number) if number and number.isdigit() else self.row + 1
            if self.row > self.limits.max_rows:
                raise self._rows_error()
        elif local == "c" and self.in_sheet_data:
            self.row_cells += 1
            reference = _CELL_REFERENCE.fullmatch(attributes.get("r", ""))
            column = _column_number(reference.group(1)) if reference else self.row_cells
            self.row_width = max(self.row_width, column, self.row_cells)
            if self.row_width > EXCEL_MAX_COLUMNS:
                raise SPREADSHEET.too_large(
                    f"工作表第 {self.row} 行超过 Excel 的 {EXCEL_MAX_COLUMNS} 列上限，不是正常的工作簿",
                    part=self.name[:200],
                    row=self.row,
                    limit=EXCEL_MAX_COLUMNS,
                )
            if self.totals.cells + self.row_width > self.limits.max_cells:
                raise self._cells_error()

    def end(self, name: str) -> None:
        if name.rsplit(" ", 1)[-1] == "sheetData":
            self._end_row()
            self.in_sheet_data = False

    def _end_row(self) -> None:
        self.totals.cells += self.row_width
        self.row_width = self.row_cells = 0

    def _check_declared(self) -> None:
        declared = _declared_range(self.dimension or "")
        if declared is None:
            return
        rows, columns = declared
        if (
            rows > self.limits.max_rows
            or columns > EXCEL_MAX_COLUMNS
            or rows * columns > self.limits.max_cells
        ):
            raise SPREADSHEET.too_large(
                f"工作表声明的数据范围 {self.dimension[:40] if self.dimension else ''} 过大"
                f"（{rows} 行 × {columns} 列），超过上限（{self.limits.max_rows} 行、"
                f"{self.limits.max_cells} 个单元格）。请删除多余的空行空列，或拆分后上传",
                part=self.name[:200],
                dimension=(self.dimension or "")[:40],
                max_rows=self.limits.max_rows,
                max_cells=self.limits.max_cells,
            )

    def _rows_error(self) -> SpreadsheetTooLarge:
        return SPREADSHEET.too_large(
            f"工作表超过 {self.limits.max_rows} 行的上限（第 {self.row} 行），请拆分后分批上传",
            part=self.name[:200],
            row=self.row,
            limit=self.limits.max_rows,
        )

    def _cells_error(self) -> SpreadsheetTooLarge:
        return SPREADSHEET.too_large(
            f"工作簿的单元格超过 {self.limits.max_cells} 个的上限，请拆分后分批上传",
            part=self.name[:200],
            limit=self.limits.max_cells,
        )


def _scan_part(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    scan: _PartScan,
) -> bool:
    """Stream the part through `scan`; False when it is not XML (a picture, a binary part)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = scan.doctype
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    read = 0
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(CHUNK_BYTES)
                read += len(chunk)
                if not chunk:
                    parser.Parse(b"", True)
                    return True
                parser.Parse(chunk, False)
                if scan.root is None and read > HEAD_BYTES:
                    raise SPREADSHEET.invalid("Excel 文件的内部结构异常，不予读取", part=info.filename[:200])
                scan.budget.check()
    except _Stop:
        return True
    except expat.ExpatError:
        if scan.root is None:
            return False
        raise _not_a_workbook(f"XML error in {info.filename[:100]}") from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise _not_a_workbook(str(exc)) from exc


@dataclass
class SpreadsheetSummary:
    """What `spreadsheet_check` found: the worksheet parts with their declared ranges, and the cells
    counted (with `scan_rows`)."""

    members: int
    uncompressed_bytes: int
    worksheets: dict[str, str | None] = field(default_factory=dict)
    cells: int = 0


def _as_stream(source: bytes | IO[bytes]) -> IO[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    return source


def _check(
    source: IO[bytes], limits: SpreadsheetLimits, budget: _Budget, scan_rows: bool
) -> SpreadsheetSummary:
    infos = archive_inspect(
        source,
        max_members=limits.max_members,
        max_uncompressed_bytes=limits.max_uncompressed_bytes,
        max_ratio=limits.max_ratio,
        wording=SPREADSHEET,
    )
    summary = SpreadsheetSummary(members=len(infos), uncompressed_bytes=sum(i.file_size for i in infos))
    totals = _Totals()
    source.seek(0)
    with zipfile.ZipFile(source) as archive:
        for info in infos:
            if info.is_dir():
                continue
            budget.check()
            scan = _PartScan(info.filename, limits, budget, totals, scan_rows)
            _scan_part(archive, info, scan)
            if scan.root == SPREADSHEETML_WORKSHEET:
                summary.worksheets[info.filename] = scan.dimension
            elif info.file_size > limits.max_part_bytes:
                shown = SHARED_STRINGS_LABEL if scan.root == "sst" else f"「{info.filename[:80]}」"
                raise SPREADSHEET.too_large(
                    f"Excel 文件中的{shown}过大（解压后约 {_megabytes(info.file_size)} MB，"
                    f"上限 {_megabytes(limits.max_part_bytes)} MB），请减少文字内容或拆分后上传",
                    part=info.filename[:200],
                    uncompressed_bytes=info.file_size,
                    limit=limits.max_part_bytes,
                )
    summary.cells = totals.cells
    return summary


def spreadsheet_check(
    source: bytes | IO[bytes],
    *,
    limits: SpreadsheetLimits | None = None,
    scan_rows: bool = True,
    clock: Clock = time.monotonic,
) -> SpreadsheetSummary:
    """Check a workbook without opening it in openpyxl (see the module's steps 1–2). With
    `scan_rows=False` the worksheets are read only up to their data (a quick check for an upload
    page: the archive, every part's size and prolog, the declared ranges). Raises the module's
    InvalidInput errors; returns what it found."""
    limits = limits or SpreadsheetLimits.from_settings()
    stream = _as_stream(source)
    return _check(stream, limits, _Budget(limits, clock), scan_rows)


# ---------------------------------------------------------------------------------------- reading


class Spreadsheet:
    """An open, checked workbook: `sheet_names`, and `rows(name)` yielding each row's values (a
    tuple as long as the row's last cell; a missing row is empty) under the row and cell limits and
    the time budget. Use it as a context manager, or call `close()`."""

    def __init__(self, workbook: Any, limits: SpreadsheetLimits, budget: _Budget) -> None:
        self._workbook = workbook
        self.limits = limits
        self._budget = budget
        self._cells = 0

    @property
    def sheet_names(self) -> list[str]:
        return list(self._workbook.sheetnames)

    def rows(self, name: str) -> Iterator[tuple[Any, ...]]:
        sheet = self._workbook[name]
        sheet.reset_dimensions()  # checked already; read what is there, not what was declared
        values = sheet.iter_rows(values_only=True)
        number = 0
        while True:
            try:
                row = next(values)
            except StopIteration:
                return
            except Exception as exc:  # a parser error deep in openpyxl: the file is broken
                raise _not_a_workbook(f"{type(exc).__name__}: {exc}") from exc
            number += 1
            self._cells += len(row)
            if number > self.limits.max_rows:
                raise SPREADSHEET.too_large(
                    f"工作表「{name[:40]}」超过 {self.limits.max_rows} 行的上限，请拆分后分批上传",
                    sheet=name[:40],
                    limit=self.limits.max_rows,
                )
            if self._cells > self.limits.max_cells:
                raise SPREADSHEET.too_large(
                    f"工作簿的单元格超过 {self.limits.max_cells} 个的上限，请拆分后分批上传",
                    sheet=name[:40],
                    limit=self.limits.max_cells,
                )
            if number % 256 == 0:
                self._budget.check()
            yield tuple(row)

    def close(self) -> None:
        self._workbook.close()

    def __enter__(self) -> Spreadsheet:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def spreadsheet_open(
    source: bytes | IO[bytes],
    *,
    limits: SpreadsheetLimits | None = None,
    clock: Clock = time.monotonic,
) -> Spreadsheet:
    """Check the workbook fully (`spreadsheet_check`), then open it read-only for its values.

    `source` is the file's bytes or a seekable binary file. Raises InvalidInput `spreadsheet_invalid`,
    `spreadsheet_too_large` (HTTP 413) or `spreadsheet_too_slow`, here or while rows are read."""
    from openpyxl import load_workbook  # the one place the platform opens an outside workbook

    limits = limits or SpreadsheetLimits.from_settings()
    budget = _Budget(limits, clock)
    stream = _as_stream(source)
    _check(stream, limits, budget, scan_rows=True)
    stream.seek(0)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        logger.info("无法打开 Excel 工作簿：%s", exc)
        raise _not_a_workbook(f"{type(exc).__name__}: {exc}") from exc
    budget.check()
    return Spreadsheet(workbook, limits, budget)
