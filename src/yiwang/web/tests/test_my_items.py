"""我的事项: the applicant's own matters — who may open the pages, what they show, scoping, and the
applicant's actions through the same form handling as the workbench."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.identity.actor import Actor
from yiwang.identity.models import User
from yiwang.identity.tests.factories import CitizenFactory, UserFactory
from yiwang.workflow.actions import transition
from yiwang.workflow.models import ProcessEvent

from .conftest import start_item

pytestmark = pytest.mark.django_db


def rows_of(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="(sla-[a-z]+)" data-instance="([0-9a-f-]+)"', html)


def correction_requested(item, clerk, *, reason="请补充营业场所证明"):
    transition(
        instance=item,
        action="request_correction",
        actor=Actor.for_user(clerk),
        fields={"reason": reason, "materials": ["营业场所证明"]},
    )
    return item


# -- access -------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, definitions, city, citizen):
    item = start_item(city["center"], "食品经营许可申请", owner=citizen)

    assert client.get("/my/")["Location"] == "/accounts/login/?next=/my/"
    assert client.get(f"/my/{item.pk}/")["Location"] == f"/accounts/login/?next=/my/{item.pk}/"
    response = client.post(f"/my/{item.pk}/transition/", {"action": "withdraw", "reason": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    item.refresh_from_db()
    assert item.state == "submitted"


def test_staff_are_sent_to_the_workbench(client, definitions, city, citizen, clerk):
    item = start_item(city["center"], "食品经营许可申请", owner=citizen)
    client.force_login(clerk)

    assert client.get("/my/")["Location"] == "/workbench/"
    assert client.get(f"/my/{item.pk}/")["Location"] == f"/workbench/instances/{item.pk}/"
    client.post(f"/my/{item.pk}/transition/", {"action": "accept"})
    item.refresh_from_db()
    assert item.state == "submitted"


def test_another_citizen_gets_404_and_changes_nothing(client, definitions, city, citizen):
    item = start_item(city["center"], "食品经营许可申请（王小明）", owner=citizen)
    client.force_login(CitizenFactory(display_name="李四"))

    assert client.get(f"/my/{item.pk}/").status_code == 404
    response = client.post(f"/my/{item.pk}/transition/", {"action": "withdraw", "reason": "冒名撤回"})
    assert response.status_code == 404
    assert "王小明" not in client.get("/my/").content.decode()
    item.refresh_from_db()
    assert item.state == "submitted"
    assert ProcessEvent.objects.filter(instance=item).count() == 1


# -- the list -----------------------------------------------------------------------------------


def test_list_shows_own_items_with_state_department_deadline_and_what_waits(
    client, definitions, city, citizen, clerk
):
    waiting = correction_requested(start_item(city["center"], "食品经营许可申请", owner=citizen), clerk)
    fresh = start_item(city["center"], "企业设立登记", owner=citizen)
    start_item(city["center"], "别人的申请", owner=CitizenFactory())
    client.force_login(citizen)

    response = client.get("/my/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>我的事项</h1>" in html
    # Most recent activity first: the new application, then the one asked for a correction.
    assert rows_of(html) == [("sla-ok", str(fresh.pk)), ("sla-suspended", str(waiting.pk))]
    assert "别人的申请" not in html
    assert f'href="/my/{waiting.pk}/"' in html
    assert html.count("待您处理") == 1
    assert "待补正" in html and "待受理" in html
    assert "玄武区政务服务中心" in html
    assert "已暂停计时" in html and "剩余" in html


def test_filters_and_empty_states(client, definitions, city, citizen):
    client.force_login(citizen)
    html = client.get("/my/").content.decode()
    assert "您还没有办理过事项" in html

    item = start_item(city["center"], "食品经营许可申请", owner=citizen)
    assert rows_of(client.get("/my/?status=active").content.decode()) == [("sla-ok", str(item.pk))]
    done = client.get("/my/?status=done").content.decode()
    assert rows_of(done) == []
    assert "暂无已结束的事项" in done
    assert rows_of(client.get("/my/?status=nonsense").content.decode()) == [("sla-ok", str(item.pk))]


def test_list_is_paginated(client, definitions, city, citizen):
    for number in range(21):
        start_item(city["center"], f"办件{number:02d}", owner=citizen)
    client.force_login(citizen)

    first = client.get("/my/").content.decode()
    second = client.get("/my/?page=2").content.decode()

    assert len(rows_of(first)) == 20 and len(rows_of(second)) == 1
    assert "第 1 / 2 页，共 21 条" in first
    assert 'href="?page=2"' in first


def test_enterprise_agent_sees_the_items_of_their_account(client, definitions, city):
    agent = UserFactory(kind=User.Kind.ENTERPRISE, display_name="刘婷")
    item = start_item(city["center"], "企业变更登记（明远科技）", owner=agent)
    client.force_login(agent)

    assert rows_of(client.get("/my/").content.decode()) == [("sla-ok", str(item.pk))]
    assert client.get(f"/my/{item.pk}/").status_code == 200


def test_list_query_count_does_not_grow_with_the_items(
    client, definitions, city, citizen, clerk, django_assert_num_queries
):
    correction_requested(start_item(city["center"], "办件一", owner=citizen), clerk)
    client.force_login(citizen)
    client.get("/my/")  # warm the calendar and actor caches

    # session, user (the actor's grants come from the cache), unread count, page count, page rows,
    # which rows wait for the user
    with django_assert_num_queries(6):
        client.get("/my/")
    for number in range(6):
        correction_requested(start_item(city["center"], f"更多办件{number}", owner=citizen), clerk)
    with django_assert_num_queries(6):
        html = client.get("/my/").content.decode()
    assert len(rows_of(html)) == 7
    assert html.count("待您处理") == 7


# -- one item -----------------------------------------------------------------------------------


def test_item_page_shows_the_timeline_and_the_applicants_actions(client, definitions, city, citizen, clerk):
    item = correction_requested(start_item(city["center"], "食品经营许可申请", owner=citizen), clerk)
    client.force_login(citizen)

    response = client.get(f"/my/{item.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>食品经营许可申请</h1>" in html
    assert "办理进度" in html and "发起" in html and "一次性告知补正" in html
    assert "<dt>补正理由</dt><dd>请补充营业场所证明</dd>" in html
    assert "<dt>需补正的材料</dt><dd>营业场所证明</dd>" in html
    assert "需要您处理" in html
    assert f'action="/my/{item.pk}/transition/"' in html
    assert 'name="action" value="resubmit"' in html
    assert 'name="action" value="withdraw"' in html
    assert 'name="action" value="accept"' not in html  # staff actions are not offered
    assert "补充说明" in html


def test_completed_item_has_no_actions(client, definitions, city, citizen, clerk):
    item = start_item(city["center"], "食品经营许可申请", owner=citizen)
    transition(
        instance=item, action="refuse", actor=Actor.for_user(clerk), fields={"reason": "不属本中心办理"}
    )
    client.force_login(citizen)

    html = client.get(f"/my/{item.pk}/").content.decode()

    assert "不予受理" in html and "<dt>理由</dt><dd>不属本中心办理</dd>" in html
    assert "需要您处理" not in html
    assert '<form method="post" action="/my/' not in html


def test_citizen_resubmits_after_correction(client, definitions, city, citizen, clerk):
    item = correction_requested(start_item(city["center"], "食品经营许可申请", owner=citizen), clerk)
    client.force_login(citizen)

    response = client.post(
        f"/my/{item.pk}/transition/",
        {"action": "resubmit", "comment": "已补充营业场所证明", "now": "2020-01-01T00:00:00+08:00"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"/my/{item.pk}/"
    assert "已办理「提交补正材料」：食品经营许可申请" in response.content.decode()
    item.refresh_from_db()
    assert (item.state, item.suspended_at) == ("submitted", None)
    event = ProcessEvent.objects.filter(instance=item).order_by("-created_at", "-pk").first()
    assert (event.action, event.actor_id, event.comment) == ("resubmit", citizen.pk, "已补充营业场所证明")
    assert event.created_at > timezone.now() - timedelta(minutes=5)


def test_withdraw_without_reason_is_refused_in_chinese(client, definitions, city, citizen):
    item = start_item(city["center"], "食品经营许可申请", owner=citizen)
    client.force_login(citizen)

    response = client.post(f"/my/{item.pk}/transition/", {"action": "withdraw"}, follow=True)

    assert "「撤回申请」需要填写：理由" in response.content.decode()
    item.refresh_from_db()
    assert item.state == "submitted"


def test_citizen_cannot_perform_staff_actions(client, definitions, city, citizen):
    item = start_item(city["center"], "食品经营许可申请", owner=citizen)
    client.force_login(citizen)

    response = client.post(f"/my/{item.pk}/transition/", {"action": "accept"}, follow=True)

    assert "您没有权限执行「受理」" in response.content.decode()
    item.refresh_from_db()
    assert item.state == "submitted"


# -- the portal home ----------------------------------------------------------------------------


def test_home_shows_the_five_most_recent_items_and_links_to_all(client, definitions, city, citizen, clerk):
    now = timezone.now()
    items = [
        start_item(city["center"], f"办件{number}", owner=citizen, now=now - timedelta(hours=10 - number))
        for number in range(7)
    ]
    client.force_login(citizen)

    html = client.get("/").content.decode()

    progress = html.split('aria-labelledby="progress-title"', 1)[1].split("</section>", 1)[0]
    assert "办理进度" in progress and '<a href="/my/">全部事项</a>' in progress
    shown = re.findall(r'href="/my/([0-9a-f-]+)/"', progress)
    assert shown == [str(item.pk) for item in reversed(items[2:])]
    assert "待受理" in progress and "玄武区政务服务中心" in progress
