"""Notifications: Chinese templates, the in-app inbox, SMS/email sent only after commit, and the centre page."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yiwang.core import notifications
from yiwang.core.errors import InvalidInput
from yiwang.core.models import Notification, NotificationTemplate, OutboundMessage
from yiwang.core.notifications import (
    DEFAULT_TEMPLATES,
    deliver_outbound,
    notification_mark_all_read,
    notification_mark_read,
    notifications_for,
    notify,
    unread_count,
)
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

TRANSITION = {"title": "食品经营许可申请", "action_name": "受理"}


@pytest.fixture
def citizen():
    return CitizenFactory(phone="13800138000", email="zhangsan@example.cn")


class FailingProvider:
    """An SMS gateway that is down (the one external system faked here)."""

    def send(self, message):
        raise ConnectionError("短信网关无响应")


class CountingProvider:
    sent: list[int] = []

    def send(self, message):
        CountingProvider.sent.append(message.pk)


# ---------------------------------------------------------------- rendering


def test_default_templates_render_in_chinese(citizen):
    notification = notify(
        recipient=citizen, template_code="workflow.transition", context=TRANSITION, link="/a/1/"
    )
    assert notification is not None
    notification.refresh_from_db()
    assert notification.title == "您的“食品经营许可申请”已受理"
    assert notification.body == "您的“食品经营许可申请”已受理。可在“我的事项”中查看办理进度。"
    assert notification.template_code == "workflow.transition"
    assert notification.link == "/a/1/"
    assert notification.read_at is None
    assert OutboundMessage.objects.count() == 0  # the transition template is in-app only


@pytest.mark.parametrize("code", sorted(DEFAULT_TEMPLATES))
def test_every_default_template_renders_without_errors(citizen, code):
    context = {
        "title": "城市事件 2026-0001",
        "action_name": "办结",
        "deadline": "2026-03-02 17:30",
        "assignee": "王五",
        "minutes": 30,
        "name": "数据导出文件",
        "comment": "材料齐全",
    }
    notification = notify(recipient=citizen, template_code=code, context=context, channels=["in_app"])
    assert notification.title
    assert "{{" not in notification.title and "{{" not in notification.body
    assert "{%" not in notification.body


def test_an_admin_template_overrides_the_default(citizen):
    NotificationTemplate.objects.create(
        code="workflow.transition",
        name="自定义",
        title="【示范市】{{ title }}：{{ action_name }}",
        body="尊敬的用户：{{ title }}{{ action_name }}。",
        channels=["in_app"],
    )
    notification = notify(recipient=citizen, template_code="workflow.transition", context=TRANSITION)
    assert notification.title == "【示范市】食品经营许可申请：受理"
    assert notification.body == "尊敬的用户：食品经营许可申请受理。"


def test_text_is_stored_unescaped_and_escaped_on_the_page(client, citizen):
    notify(
        recipient=citizen,
        template_code="workflow.transition",
        context={"title": "<script>alert(1)</script>", "action_name": "受理"},
    )
    assert Notification.objects.get().title == "您的“<script>alert(1)</script>”已受理"
    client.force_login(citizen)
    page = client.get(reverse("core:notifications")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unknown_template_is_refused_and_nothing_is_created(citizen):
    with pytest.raises(InvalidInput) as caught:
        notify(recipient=citizen, template_code="no.such", context={})
    assert caught.value.code == "notification_template_not_found"
    assert "不存在" in caught.value.message
    assert Notification.objects.count() == 0


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "https://evil.example/", "//evil.example/", "/\\evil"]
)
def test_links_must_stay_inside_the_platform(citizen, link):
    with pytest.raises(InvalidInput) as caught:
        notify(recipient=citizen, template_code="file.ready", context={"name": "报表"}, link=link)
    assert caught.value.code == "notification_link_invalid"
    assert Notification.objects.count() == 0


def test_unknown_channel_is_refused(citizen):
    with pytest.raises(InvalidInput) as caught:
        notify(recipient=citizen, template_code="file.ready", context={}, channels=["fax"])
    assert caught.value.code == "notification_channel_invalid"
    assert Notification.objects.count() == 0


# ---------------------------------------------------------------- sending after commit


def test_sms_and_email_are_sent_only_after_commit(citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(
            recipient=citizen,
            template_code="workflow.overdue",
            context={"title": "办件", "deadline": "今天"},
            channels=["in_app", "sms", "email"],
        )
    pending = OutboundMessage.objects.order_by("channel")
    assert [(m.channel, m.address, m.status) for m in pending] == [
        ("email", "zhangsan@example.cn", "pending"),
        ("sms", "13800138000", "pending"),
    ]
    assert len(callbacks) == 2

    for callback in callbacks:  # the commit happens
        callback()
    sent = OutboundMessage.objects.order_by("channel")
    assert [m.status for m in sent] == ["sent", "sent"]
    assert all(m.sent_at is not None for m in sent)
    assert {m.provider for m in sent} == {"yiwang.core.notifications.DatabaseProvider"}
    assert sent[1].title == "办件已超期"


def test_nothing_is_sent_when_the_transaction_rolls_back(citizen, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(
            recipient=citizen,
            template_code="workflow.overdue",
            context={"title": "办件", "deadline": "今天"},
            channels=["in_app", "sms"],
        )
        raise RuntimeError("业务失败，整体回滚")
    assert callbacks == []
    assert OutboundMessage.objects.count() == 0
    assert Notification.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_real_rollback_sends_nothing_and_real_commit_sends():
    citizen = CitizenFactory(phone="13900139000")
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipient=citizen, template_code="account.locked", context={"minutes": 30}, channels=["sms"])
        raise RuntimeError("回滚")
    assert OutboundMessage.objects.count() == 0

    with transaction.atomic():
        notify(recipient=citizen, template_code="account.locked", context={"minutes": 30}, channels=["sms"])
        assert OutboundMessage.objects.get().status == "pending"  # not yet: still inside the transaction
    message = OutboundMessage.objects.get()
    assert message.status == "sent"
    assert message.body.startswith("由于连续多次登录失败，您的账号已被锁定 30 分钟")


def test_a_recipient_without_a_phone_gets_a_failed_record_and_no_sending(django_capture_on_commit_callbacks):
    citizen = CitizenFactory(phone=None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(recipient=citizen, template_code="account.locked", context={}, channels=["sms"])
    assert callbacks == []
    message = OutboundMessage.objects.get()
    assert (message.status, message.error) == ("failed", "接收人未登记手机号码")


def test_console_provider_prints(citizen, settings, capsys, django_capture_on_commit_callbacks):
    settings.YIWANG_SMS_PROVIDER = "yiwang.core.notifications.ConsoleProvider"
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=citizen, template_code="account.locked", context={}, channels=["sms"])
    assert "[短信] → 13800138000：您的账号已被临时锁定" in capsys.readouterr().out
    message = OutboundMessage.objects.get()
    assert (message.status, message.provider) == ("sent", "yiwang.core.notifications.ConsoleProvider")


def test_a_failing_provider_marks_the_message_failed(citizen, settings, django_capture_on_commit_callbacks):
    settings.YIWANG_SMS_PROVIDER = f"{__name__}.FailingProvider"
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            recipient=citizen, template_code="account.locked", context={}, channels=["in_app", "sms"]
        )
    message = OutboundMessage.objects.get()
    assert (message.status, message.error, message.sent_at) == ("failed", "短信网关无响应", None)
    assert Notification.objects.filter(pk=notification.pk).exists()  # the in-app message is unaffected


def test_delivery_is_idempotent(citizen, settings, django_capture_on_commit_callbacks):
    settings.YIWANG_SMS_PROVIDER = f"{__name__}.CountingProvider"
    CountingProvider.sent = []
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=citizen, template_code="account.locked", context={}, channels=["sms"])
    message = OutboundMessage.objects.get()
    assert deliver_outbound(message.pk) == "sent"  # a retried task does not send again
    assert CountingProvider.sent == [message.pk]


def test_a_provider_without_send_is_rejected(citizen, settings):
    settings.YIWANG_SMS_PROVIDER = "yiwang.core.models.OutboundMessage"
    message = OutboundMessage.objects.create(
        channel="sms", recipient=citizen, address="13800138000", body="x"
    )
    with pytest.raises(TypeError, match="不是有效的消息通道"):
        notifications.provider_for(message.channel)


# ---------------------------------------------------------------- selectors and actions


def _inbox(user, n, **context):
    return [
        notify(recipient=user, template_code="file.ready", context={"name": f"文件{i}", **context})
        for i in range(n)
    ]


def test_selectors_return_only_my_messages(citizen):
    mine = _inbox(citizen, 3)
    _inbox(CitizenFactory(), 2)
    actor = Actor.for_user(citizen)
    assert list(notifications_for(actor)) == list(reversed(mine))
    assert unread_count(actor) == 3
    assert list(notifications_for(Actor.for_user(None))) == []
    assert unread_count(Actor.for_user(None)) == 0


def test_mark_read_changes_only_my_own_messages(citizen):
    mine = _inbox(citizen, 2)
    other_user = CitizenFactory()
    theirs = _inbox(other_user, 2)
    actor = Actor.for_user(citizen)

    updated = notification_mark_read(actor=actor, ids=[mine[0].pk, theirs[0].pk, theirs[1].pk])

    assert updated == 1
    assert Notification.objects.filter(recipient=other_user, read_at__isnull=True).count() == 2
    assert [n.pk for n in notifications_for(actor, unread_only=True)] == [mine[1].pk]
    assert notification_mark_read(actor=actor, ids=[mine[0].pk]) == 0  # already read
    assert notification_mark_read(actor=actor, ids=[]) == 0


def test_mark_all_read_changes_only_my_own_messages(citizen):
    _inbox(citizen, 3)
    other_user = CitizenFactory()
    _inbox(other_user, 2)
    assert notification_mark_all_read(actor=Actor.for_user(citizen)) == 3
    assert unread_count(Actor.for_user(citizen)) == 0
    assert unread_count(Actor.for_user(other_user)) == 2
    assert notification_mark_all_read(actor=Actor.for_user(None)) == 0
    assert unread_count(Actor.for_user(other_user)) == 2


# ---------------------------------------------------------------- API


def test_api_lists_my_messages_paginated_without_n_plus_one(client, citizen, django_assert_num_queries):
    _inbox(citizen, 25)
    _inbox(CitizenFactory(), 3)
    client.force_login(citizen)
    client.get("/api/v1/notifications/unread-count")  # warm the session
    # session, user, the actor's memberships and enterprises, count, page — whatever the page size
    with django_assert_num_queries(4):
        first = client.get("/api/v1/notifications/")
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 25
    assert len(body["items"]) == 20
    assert body["items"][0]["title"] == "文件24已生成"
    assert body["items"][0]["is_read"] is False
    second = client.get("/api/v1/notifications/?page=2").json()
    assert len(second["items"]) == 5


def test_api_unread_filter_and_count(client, citizen):
    items = _inbox(citizen, 3)
    notification_mark_read(actor=Actor.for_user(citizen), ids=[items[0].pk])
    client.force_login(citizen)
    assert client.get("/api/v1/notifications/unread-count").json() == {"count": 2}
    unread = client.get("/api/v1/notifications/?unread=true").json()
    assert [i["id"] for i in unread["items"]] == [items[2].pk, items[1].pk]


def test_api_mark_read_and_read_all_touch_only_my_messages(client, citizen):
    mine = _inbox(citizen, 3)
    other_user = CitizenFactory()
    theirs = _inbox(other_user, 2)
    client.force_login(citizen)

    response = client.post(
        "/api/v1/notifications/read", {"ids": [mine[0].pk, theirs[0].pk]}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"updated": 1}
    response = client.post("/api/v1/notifications/read-all")
    assert response.json() == {"updated": 2}
    assert unread_count(Actor.for_user(citizen)) == 0
    assert unread_count(Actor.for_user(other_user)) == 2


def test_api_bad_ids_are_a_chinese_validation_error(client, citizen):
    item = _inbox(citizen, 1)[0]
    client.force_login(citizen)
    response = client.post("/api/v1/notifications/read", {"ids": ["abc"]}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["message"] == "请求参数不正确，请检查后重试"
    item.refresh_from_db()
    assert item.read_at is None


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/notifications/"),
        ("get", "/api/v1/notifications/unread-count"),
        ("post", "/api/v1/notifications/read"),
        ("post", "/api/v1/notifications/read-all"),
    ],
)
def test_api_needs_login(client, citizen, method, url):
    _inbox(citizen, 1)
    response = getattr(client, method)(
        url, {"ids": [1]} if method == "post" else None, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert unread_count(Actor.for_user(citizen)) == 1


def test_api_post_with_session_needs_csrf(citizen):
    _inbox(citizen, 1)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    response = strict.post("/api/v1/notifications/read-all")
    assert response.status_code in {401, 403}
    assert unread_count(Actor.for_user(citizen)) == 1


# ---------------------------------------------------------------- the notification centre page


def test_page_needs_login(client):
    response = client.get(reverse("core:notifications"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/")


def test_page_shows_empty_state(client, citizen):
    client.force_login(citizen)
    page = client.get(reverse("core:notifications")).content.decode()
    assert "暂无消息" in page
    assert "全部标为已读" not in page


def test_page_lists_my_messages_with_unread_highlighted(client, citizen):
    items = _inbox(citizen, 2)
    notify(recipient=CitizenFactory(), template_code="file.ready", context={"name": "别人的文件"})
    notification_mark_read(actor=Actor.for_user(citizen), ids=[items[0].pk])
    client.force_login(citizen)

    page = client.get(reverse("core:notifications")).content.decode()

    assert "文件0已生成" in page and "文件1已生成" in page
    assert "别人的文件" not in page
    assert page.count("is-unread") == 1
    assert f'id="notification-{items[1].pk}"' in page
    assert "全部标为已读" in page
    assert f'hx-post="{reverse("core:notifications_read_all")}"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "1 条未读" in page
    local = timezone.localtime(items[1].created_at)
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in page  # Chinese date, local time


def test_page_paginates(client, citizen):
    _inbox(citizen, 25)
    client.force_login(citizen)
    first = client.get(reverse("core:notifications")).content.decode()
    second = client.get(reverse("core:notifications") + "?page=2").content.decode()
    assert first.count('<li class="notification') == 20
    assert second.count('<li class="notification') == 5
    assert "第 2 / 2 页" in second
    assert "文件0已生成" in second


def test_page_unread_tab(client, citizen):
    items = _inbox(citizen, 2)
    notification_mark_read(actor=Actor.for_user(citizen), ids=[items[0].pk])
    client.force_login(citizen)
    page = client.get(reverse("core:notifications") + "?unread=1").content.decode()
    assert "文件1已生成" in page and "文件0已生成" not in page


def test_read_all_button_without_javascript_redirects_back(client, citizen):
    _inbox(citizen, 3)
    client.force_login(citizen)
    response = client.post(reverse("core:notifications_read_all"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:notifications")
    assert unread_count(Actor.for_user(citizen)) == 0


def test_read_all_with_htmx_returns_the_refreshed_list(client, citizen):
    _inbox(citizen, 3)
    other_user = CitizenFactory()
    _inbox(other_user, 1)
    client.force_login(citizen)
    response = client.post(reverse("core:notifications_read_all"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="notification-list"')
    assert "is-unread" not in html
    assert "0 条未读" in html
    assert 'id="nav-unread-count" class="nav-count" hx-swap-oob="true"' in html
    assert unread_count(Actor.for_user(other_user)) == 1


def test_mark_one_read_on_the_page_ignores_other_peoples_messages(client, citizen):
    mine = _inbox(citizen, 1)[0]
    other_user = CitizenFactory()
    theirs = _inbox(other_user, 1)[0]
    client.force_login(citizen)
    client.post(reverse("core:notification_read", args=[theirs.pk]))
    client.post(reverse("core:notification_read", args=[mine.pk]))
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.read_at is None
    assert mine.read_at is not None


def test_page_posts_need_csrf_and_get_is_not_allowed(citizen):
    _inbox(citizen, 1)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    assert strict.post(reverse("core:notifications_read_all")).status_code == 403
    assert strict.get(reverse("core:notifications_read_all")).status_code == 405
    assert unread_count(Actor.for_user(citizen)) == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_read_all_in_the_browser_uses_htmx_and_keeps_the_page(signed_in):
    from playwright.sync_api import expect

    user = CitizenFactory()
    _inbox(user, 3)
    page = signed_in(user)
    page.goto("/notifications/")
    expect(page.locator("li.notification.is-unread")).to_have_count(3)
    page.evaluate("window.__marker = 'same page'")  # survives only if HTMX swaps instead of reloading

    page.get_by_role("button", name="全部标为已读").click()

    expect(page.locator("#notification-list")).to_contain_text("0 条未读")
    expect(page.locator("li.notification.is-unread")).to_have_count(0)
    expect(page.locator("li.notification")).to_have_count(3)
    assert page.evaluate("window.__marker") == "same page"
    assert unread_count(Actor.for_user(user)) == 0
