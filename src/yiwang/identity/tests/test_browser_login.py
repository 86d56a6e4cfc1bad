"""In Chromium: a wrong password shows the Chinese error, and the account locks after the limit."""

from __future__ import annotations

import re

import pytest

from yiwang.core.models import AuditEvent
from yiwang.identity.tests.factories import PASSWORD, CitizenFactory


def _submit(page, login_name: str, password: str) -> None:
    page.get_by_label("用户名或手机号").fill(login_name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wrong_password_then_lockout(page, settings):
    CitizenFactory(username="browser_citizen", phone="13800138077")
    limit = settings.AXES_FAILURE_LIMIT
    page.set_viewport_size({"width": 375, "height": 740})  # a phone
    page.goto("/accounts/login/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    _submit(page, "13800138077", "wrong-password-1")
    assert page.get_by_text(f"用户名或密码不正确，还可尝试 {limit - 1} 次").is_visible()

    for attempt in range(2, limit + 1):
        _submit(page, "browser_citizen", f"wrong-password-{attempt}")

    assert page.get_by_role("heading", name="账号已锁定").is_visible()
    assert page.get_by_text(
        re.compile(
            r"登录失败次数过多，请于 (\d{4}年\d{1,2}月\d{1,2}日 )?\d\d:\d\d 后重试，或联系管理员解除锁定"
        )
    ).is_visible()

    page.goto("/accounts/login/")
    _submit(page, "browser_citizen", PASSWORD)
    assert page.get_by_role("heading", name="账号已锁定").is_visible()
    assert AuditEvent.objects.filter(action="identity.account_locked").count() == 1
