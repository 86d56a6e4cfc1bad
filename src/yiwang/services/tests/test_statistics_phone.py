"""办件统计 on a phone (390 px) and on a desktop: the month chart's axis labels never overlap (short
"1月" labels, the year where it changes, fewer of them on a phone), nor do any other texts of the four
charts, the legend stays above the bars, the charts are laid out again when the window's width
changes, and the page never scrolls sideways. The charts are SVG, so the texts' boxes are the
browser's own."""

from __future__ import annotations

import re
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from yiwang.core.tests.factories import OrganizationFactory
from yiwang.identity.models import DataScope
from yiwang.identity.tests.factories import CitizenFactory, make_staff
from yiwang.services.models import Application
from yiwang.services.tests.factories import ServiceItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(tempfile.gettempdir())  # the tests leave stats-phone-*.png there to look at
SOURCES = ("chart-month", "chart-status", "chart-department", "chart-item")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MONTH_TEXT = re.compile(r"^(\d{1,2}月|\d{4}年)$")
# December 2025 to November 2026: the year changes between the first two columns.
MONTHS = [(2025, 12)] + [(2026, month) for month in range(1, 12)]
ALL_MONTH_LABELS = ["12月", "2025年", "1月", "2026年"] + [f"{month}月" for month in range(2, 12)]
ITEM_NAMES = [
    "食品经营许可（新办）",
    "公共场所卫生许可（新办、延续、变更）",
    "药品零售企业许可",
    "医疗器械经营备案",
    "出生医学证明签发",
    "特种设备使用登记",
    "个体工商户设立登记",
    "户外广告设施设置审批",
    "城市建筑垃圾处置核准",
    "再生育审批",
]

CHART_TEXTS_JS = """(source) => {
  // Every text a chart shows, as boxes in the chart's own pixels. ECharts writes each line of a label as
  // a <text> of its own with the label's transform: the lines of one label are one box.
  const node = document.querySelector(`[data-source="${source}"]`);
  const svg = node.querySelector("svg");
  const origin = svg.getBoundingClientRect();
  const boxes = new Map();
  for (const text of svg.querySelectorAll("text")) {
    const rect = text.getBoundingClientRect();
    if (!text.textContent.trim() || rect.width === 0) continue;
    const key = text.getAttribute("transform") || `own-${boxes.size}`;
    const box = boxes.get(key) || {lines: [], left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity};
    box.lines.push(text.textContent);
    box.left = Math.min(box.left, rect.left - origin.left);
    box.top = Math.min(box.top, rect.top - origin.top);
    box.right = Math.max(box.right, rect.right - origin.left);
    box.bottom = Math.max(box.bottom, rect.bottom - origin.top);
    boxes.set(key, box);
  }
  // The bars' final layout (not the frame of their growing animation), for the month chart's legend.
  const chart = window.echarts.getInstanceByDom(node);
  const bars = [];
  chart.getModel().eachSeries((series) => {
    const data = series.getData();
    for (let i = 0; i < data.count(); i++) {
      const layout = data.getItemLayout(i);
      if (layout && layout.width !== undefined) {
        bars.push({left: layout.x, right: layout.x + layout.width,
                   top: Math.min(layout.y, layout.y + layout.height), bottom: Math.max(layout.y, layout.y + layout.height)});
      }
    }
  });
  return {width: svg.clientWidth, height: svg.clientHeight, texts: [...boxes.values()], bars: bars};
}"""

SETTLED_JS = """(sources) => sources.every((source) => {
  // Each chart drawn for the width it has now and still: charts.js notes the width once ECharts says
  // "finished" (the bars' growing or moving animation over).
  const node = document.querySelector(`[data-source="${source}"][data-rendered="true"]`);
  return node !== null && node.getAttribute("data-settled-width") === String(node.clientWidth)
    && node.querySelector("svg") !== null && node.querySelector("svg").clientWidth === node.clientWidth;
})"""


def _make_applications(months_counts, items, citizen):
    """Completed applications (all finished on time) spread over each month's days."""
    rows, number = [], 0
    for (year, month), count in months_counts:
        for index in range(count):
            number += 1
            item = items[index % len(items)]
            at = timezone.make_aware(datetime(year, month, 1 + index % 28, 10, 0))
            rows.append(
                Application(
                    item=item,
                    applicant=citizen,
                    person=citizen.person,
                    organization=item.organization,
                    region=item.region,
                    status=Application.Status.COMPLETED,
                    channel="online",
                    submitted_at=at,
                    application_no=f"NO{number:05d}",
                    completed_at=at,
                    completed_on_time=True,
                )
            )
    Application.objects.bulk_create(rows)


def _viewer():
    """A region-wide statistics viewer over two departments and ten items with long names."""
    first = OrganizationFactory(name="示范市市场监督管理局")
    second = OrganizationFactory(name="示范市卫生健康委员会", region=first.region)
    items = [
        ServiceItemFactory(organization=first if index % 2 == 0 else second, name=name)
        for index, name in enumerate(ITEM_NAMES)
    ]
    return make_staff(first, permissions=["services.view_statistics"], scope=DataScope.REGION), items


def _overlapping(boxes, slack=0.5):
    """The pairs of boxes that overlap (by more than `slack` px each way)."""
    pairs = []
    for index, one in enumerate(boxes):
        for other in boxes[index + 1 :]:
            if (
                min(one["right"], other["right"]) - max(one["left"], other["left"]) > slack
                and min(one["bottom"], other["bottom"]) - max(one["top"], other["top"]) > slack
            ):
                pairs.append((one["lines"], other["lines"]))
    return pairs


def _check_charts(page):
    """Every chart: no two texts overlap and every text lies inside its chart. Returns the month
    chart's texts and bars."""
    for source in SOURCES:
        chart = page.evaluate(CHART_TEXTS_JS, source)
        assert chart["texts"], source
        assert _overlapping(chart["texts"]) == [], source
        for box in chart["texts"]:
            assert box["left"] >= -0.5 and box["right"] <= chart["width"] + 0.5, (source, box)
            assert box["top"] >= -0.5 and box["bottom"] <= chart["height"] + 0.5, (source, box)
    return page.evaluate(CHART_TEXTS_JS, "chart-month")


def _month_labels(chart):
    """The month axis' label lines shown, left to right."""
    labels = [box for box in chart["texts"] if all(MONTH_TEXT.match(line) for line in box["lines"])]
    return [line for box in sorted(labels, key=lambda box: box["left"]) for line in box["lines"]]


def _counts(chart):
    """The counts written above the columns (the texts right of the value axis that are numbers)."""
    plot_left = min(bar["left"] for bar in chart["bars"])
    return [box for box in chart["texts"] if box["lines"][0].isdigit() and box["left"] >= plot_left - 8]


def _legend_is_above_the_columns(chart):
    legend = [box for box in chart["texts"] if box["lines"] in (["申报件数"], ["办结件数"])]
    assert len(legend) == 2
    lowest = max(box["bottom"] for box in legend)
    assert all(lowest <= bar["top"] for bar in chart["bars"])
    assert all(lowest <= box["top"] for box in _counts(chart))


def _no_sideways_scroll(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_month_chart_on_a_desktop_and_after_narrowing_to_a_phone(signed_in):
    viewer, items = _viewer()
    counts = [4, 9, 7, 8, 9, 5, 3, 9, 8, 6, 6, 9]  # one digit: the counts fit above the columns on a phone
    _make_applications(list(zip(MONTHS, counts, strict=True)), items, CitizenFactory())
    page = signed_in(viewer)

    page.goto("/services/statistics/?from=2025-12&to=2026-11")
    page.wait_for_function(SETTLED_JS, arg=list(SOURCES))
    # Desktop: every month labelled, the year under the first month and under January
    chart = _check_charts(page)
    assert _month_labels(chart) == ALL_MONTH_LABELS
    assert sorted(int(box["lines"][0]) for box in _counts(chart)) == sorted(counts * 2)
    _legend_is_above_the_columns(chart)
    assert _no_sideways_scroll(page)
    page.locator(".chart-card-wide").screenshot(path=SCREENSHOTS / "stats-phone-desktop-month.png")

    # Narrowed to a phone, the charts are laid out again for their new width: every second month,
    # January keeps its year (the first column's label gives way to it), nothing overlaps
    page.set_viewport_size(PHONE)
    page.wait_for_function(SETTLED_JS, arg=list(SOURCES))
    assert _no_sideways_scroll(page)
    chart = _check_charts(page)
    assert _month_labels(chart) == ["1月", "2026年", "3月", "5月", "7月", "9月", "11月"]
    assert sorted(int(box["lines"][0]) for box in _counts(chart)) == sorted(counts * 2)
    _legend_is_above_the_columns(chart)
    page.locator(".chart-card-wide").screenshot(path=SCREENSHOTS / "stats-phone-month.png")
    page.locator(".stat-charts").screenshot(path=SCREENSHOTS / "stats-phone-charts.png")

    # And back: every month again
    page.set_viewport_size(DESKTOP)
    page.wait_for_function(SETTLED_JS, arg=list(SOURCES))
    assert _month_labels(_check_charts(page)) == ALL_MONTH_LABELS


def test_month_chart_opened_on_a_phone_with_counts_too_wide_for_the_columns(signed_in):
    viewer, items = _viewer()
    counts = [3, 12, 7, 130, 9, 15, 3, 22, 8, 11, 6, 14]
    year = [(2025, month) for month in range(1, 13)]
    _make_applications(list(zip(year, counts, strict=True)), items, CitizenFactory())
    page = signed_in(viewer)
    page.set_viewport_size(PHONE)

    page.goto("/services/statistics/?from=2025-01&to=2025-12")
    page.wait_for_function(SETTLED_JS, arg=list(SOURCES))
    assert _no_sideways_scroll(page)
    chart = _check_charts(page)
    # A period within one year: its year once, under January; every second month
    assert _month_labels(chart) == ["1月", "2025年", "3月", "5月", "7月", "9月", "11月"]
    # "130" over a column a few pixels wide would run into its neighbours: the tooltip says the counts
    assert _counts(chart) == []
    _legend_is_above_the_columns(chart)
    page.screenshot(path=SCREENSHOTS / "stats-phone-page.png", full_page=True)

    # Four and a half years on a phone: each January with its year and no other month (not even the
    # first, June 2021, whose year has no room), the year lines inside the chart (ECharts makes room
    # below the axis from a sample of the labels, which need not hold a January)
    page.goto("/services/statistics/?from=2021-06&to=2025-12")
    page.wait_for_function(SETTLED_JS, arg=list(SOURCES))
    assert _no_sideways_scroll(page)
    chart = _check_charts(page)
    assert _month_labels(chart) == [line for year in range(2022, 2026) for line in ("1月", f"{year}年")]
    page.locator(".chart-card-wide").screenshot(path=SCREENSHOTS / "stats-phone-years.png")
