"""The demo's applications agree with 网上办理深度: only items of depth Ⅱ–Ⅳ are applied for online
(`application_submit` refuses the others), so neither the history nor the named accounts' showcase
holds an online application for an item of depth Ⅰ (网上咨询、表格下载)."""

from __future__ import annotations

from yiwang.demo import services_history, services_showcase
from yiwang.demo.services_catalog import item_rows


def test_showcase_applications_are_for_items_applied_for_online():
    rows = {row.key: row for row in item_rows()}
    depths = {
        story.number: rows[(services_showcase.ORGANIZATION, story.item)].spec.online_depth
        for story in services_showcase.STORIES
    }
    assert {number: depth for number, depth in depths.items() if depth < 2} == {}


def test_history_files_window_only_items_at_the_window():
    plans = services_history.plans()
    assert not [p.index for p in plans if p.channel == "online" and p.row.spec.online_depth < 2]
    assert any(p.channel == "window" and p.row.spec.online_depth < 2 for p in plans)
