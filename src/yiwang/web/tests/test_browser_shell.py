"""Browser journeys in Debian's Chromium: the citizen's portal and the staff workbench."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.core.models import Notification
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import PASSWORD
from yiwang.workflow.actions import transition

from .conftest import start_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")


def test_citizen_signs_in_sees_the_portal_and_follows_an_item(page, definitions, city, citizen, clerk):
    # The application is registered for the citizen and the window asks for a correction: it now
    # waits for the citizen, and the engine told them both moves in the message centre.
    item = start_item(city["center"], "食品经营许可申请（王小明）", owner=citizen)
    transition(
        instance=item,
        action="request_correction",
        actor=Actor.for_user(clerk),
        fields={"reason": "请补充营业场所证明"},
    )
    assert Notification.objects.filter(recipient=citizen).count() == 2
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    page.goto("/accounts/login/")
    sign_in(page, "wangxm")

    page.wait_for_selector("h1#hero-title")
    assert page.url.endswith("/")
    assert page.locator("h1#hero-title").inner_text() == "王小明，您好"
    nav = page.locator("nav.site-nav")
    assert nav.locator(".nav-user").inner_text() == "王小明"
    assert nav.locator(".nav-count").inner_text() == "2"
    assert nav.get_by_text("工作台").count() == 0
    task = page.locator("section[aria-labelledby=tasks-title] li")
    assert task.count() == 1
    assert task.inner_text().startswith("食品经营许可申请（王小明）")
    assert "待补正" in task.inner_text()
    assert task.get_attribute("class") == "sla-suspended"
    messages = page.locator("section[aria-labelledby=notifications-title]").inner_text()
    assert "您的“食品经营许可申请（王小明）”已一次性告知补正，当前状态：待补正" in messages
    progress = page.locator("section[aria-labelledby=progress-title] li")
    assert progress.count() == 1 and "待补正" in progress.inner_text()
    assert problems == []  # no CSP violation, no missing asset

    # 我的事项 lists the item; its page shows the timeline with the reason and the way forward.
    nav.get_by_role("link", name="我的事项").click()
    page.wait_for_selector("h1:has-text('我的事项')")
    row = page.locator(f"tr[data-instance='{item.pk}']")
    assert "待补正" in row.inner_text() and "待您处理" in row.inner_text()
    row.get_by_role("link", name="食品经营许可申请（王小明）").click()
    page.wait_for_selector("ol.timeline")
    timeline = page.locator("ol.timeline").inner_text()
    assert "发起" in timeline and "一次性告知补正" in timeline and "请补充营业场所证明" in timeline
    page.fill("#resubmit-comment", "已补充营业场所证明")
    page.get_by_role("button", name="提交补正材料").click()
    page.wait_for_selector(".messages .success")
    assert page.url.endswith(f"/my/{item.pk}/")
    assert "待受理" in page.locator(".page-header").inner_text()
    assert "已补充营业场所证明" in page.locator("ol.timeline").inner_text()
    assert problems == []

    # On a phone the menu folds away behind 菜单 and opens without any inline script.
    page.set_viewport_size({"width": 390, "height": 844})
    assert not nav.is_visible()
    page.click("label.nav-toggle-label")
    assert nav.is_visible()
    assert nav.get_by_text("消息中心").is_visible()
    assert nav.get_by_text("我的事项").is_visible()


def test_staff_signs_in_and_sees_the_inbox_with_deadline_colours(page, definitions, city, clerk):
    late = start_item(city["center"], "建筑工程施工许可申请", now=timezone.now() - timedelta(days=30))
    start_item(city["center"], "食品经营许可申请")
    start_item(city["other"], "另一区县的办件")  # another department: never shown
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    page.goto("/workbench/")
    assert "/accounts/login/" in page.url
    sign_in(page, "clerk")

    page.wait_for_selector("#inbox-table")
    assert page.url.endswith("/workbench/")
    rows = page.locator("#inbox-table tbody tr")
    assert rows.count() == 2
    first = rows.first
    assert "建筑工程施工许可申请" in first.inner_text()
    assert first.get_attribute("class") == "sla-overdue"
    assert first.get_attribute("data-instance") == str(late.pk)
    assert "已超期" in first.locator(".sla-badge").inner_text()
    assert rows.nth(1).get_attribute("class") == "sla-ok"
    assert "另一区县的办件" not in page.locator("#inbox-table").inner_text()
    assert page.locator("#stat-overdue").inner_text() == "1"
    # The chart is drawn by the vendored ECharts from the JSON block.
    page.wait_for_selector(".chart[data-rendered=true] canvas")

    # The filter reloads only the table through HTMX.
    page.fill("input[name=q]", "食品")
    page.wait_for_url("**/workbench/?*q=*")
    rows.nth(1).wait_for(state="detached")
    assert rows.count() == 1
    assert "食品经营许可申请" in rows.first.inner_text()
    assert "q=" in page.url
    assert problems == []
