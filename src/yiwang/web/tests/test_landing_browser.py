"""In Chromium set to English: staff sign in through the login form and land on a Chinese workbench
that gives them something to do — their statistics in the menu, and a card saying what a module not
built yet will offer (issue 12 §7)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from yiwang.core.tests.factories import OrganizationFactory
from yiwang.identity.tests.factories import PASSWORD, make_staff

SCREENSHOTS = Path(tempfile.gettempdir())  # the test leaves landing-*.png there to look at


@pytest.fixture
def english_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A page of a browser whose language is English (Accept-Language: en-US)."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/workbench/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_leader_lands_on_a_chinese_workbench_with_statistics_and_the_cockpit_to_come(english_page):
    organization = OrganizationFactory()
    make_staff(organization, role_code="leader", username="leader_b")
    page = english_page
    assert page.evaluate("navigator.language") == "en-US"
    _sign_in(page, "leader_b")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", name="工作台", exact=True).is_visible()
    cockpit = page.locator("#coming-cockpit")
    assert cockpit.get_by_role("heading", name="领导驾驶舱").is_visible()
    assert "即将上线" in cockpit.inner_text() and "关键指标" in cockpit.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "landing-leader.png"), full_page=True)
    page.locator("nav.site-nav").get_by_role("link", name="办件统计").click()
    page.wait_for_url("**/services/statistics/")
    assert page.get_by_role("heading", name="办件统计").first.is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_12345_dispatcher_finds_the_hotline_in_the_menu(english_page):
    make_staff(OrganizationFactory(), role_code="hotline_dispatcher", username="dispatcher_b")
    page = english_page
    _sign_in(page, "dispatcher_b")
    # The 12345 app is installed: its pages are in the menu, no "coming soon" card any more.
    assert page.locator("#coming-hotline").count() == 0
    nav = page.locator("nav.site-nav")
    assert nav.get_by_role("link", name="12345工单").is_visible()
    assert nav.get_by_role("link", name="来电登记").is_visible()
    assert page.locator("nav.site-nav").get_by_role("link", name="办件统计").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "landing-dispatcher.png"), full_page=True)
    # English stays available through the switch in the footer.
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
