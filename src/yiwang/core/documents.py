"""PDF documents of the platform (通知书、决定书、证照、回执、空白表格): the one place that knows how
Chinese is set in a PDF.

Chinese is set in reportlab's built-in CID font `STSong-Light`, so no font file is needed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

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
