"""Template filters shared by every page: Chinese date formats and deadline display."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext

register = template.Library()


@register.filter
def cn_datetime(value: datetime | None) -> str:
    """`2026年11月23日 17:30` in Chinese, `23 Nov 2026, 17:30` in English; empty for None."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    # Translators: a Django date format string (see the `date` template filter).
    return date_format(value, gettext("Y年n月j日 H:i"))


@register.filter
def cn_date(value: datetime | None) -> str:
    """`2026年11月23日`."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, gettext("Y年n月j日"))
