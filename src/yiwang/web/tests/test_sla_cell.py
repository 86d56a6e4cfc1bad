"""The shared 剩余时间 cell (web/partials/sla_cell.html) used by 我的事项 and the services 办件箱."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from yiwang.web.sla import DeadlineView

DEADLINE = datetime(2026, 11, 23, 17, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
CELL = Template('<td>{% include "web/partials/sla_cell.html" with sla=row.sla only %}</td>')


@pytest.mark.parametrize(
    ("sla", "expected"),
    [
        (
            DeadlineView("warning", "即将超期", "剩余 3 小时", DEADLINE),
            '<td><span class="sla-badge">即将超期</span> <span class="sla-remaining">剩余 3 小时</span></td>',
        ),
        (
            DeadlineView("overdue", "已超期", "已超期 2 个工作日", DEADLINE),
            '<td><span class="sla-badge">已超期 2 个工作日</span></td>',
        ),
        (
            DeadlineView("suspended", "已暂停计时", "暂停计时中", DEADLINE),
            '<td><span class="sla-badge">已暂停计时</span></td>',
        ),
        (DeadlineView("none", "不计时", "", None), '<td><span class="muted">不计时</span></td>'),
        (None, "<td>—</td>"),
    ],
)
def test_the_cell_shows_badge_and_remaining_time_muted_label_or_a_dash(sla, expected):
    assert CELL.render(Context({"row": {"sla": sla}})) == expected


def test_the_cell_escapes_its_text():
    sla = DeadlineView("ok", "<b>正常</b>", "剩余 1 个工作日", DEADLINE)
    assert "&lt;b&gt;正常&lt;/b&gt;" in CELL.render(Context({"row": {"sla": sla}}))
