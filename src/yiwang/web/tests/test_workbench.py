"""The staff workbench: who may open it, what the inbox shows, filters, the item page and actions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.workflow.models import ProcessEvent, ProcessInstance

from .conftest import at, staff_with_roles, start_item

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr class="(sla-[a-z]+)" data-instance="([0-9a-f-]+)"', html)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/workbench/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/workbench/"


def test_citizen_gets_a_chinese_403(client, citizen):
    client.force_login(citizen)

    response = client.get("/workbench/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "无权访问" in html
    assert "工作台仅供工作人员使用。" in html


def test_empty_inbox_says_what_to_do(client, definitions, clerk):
    client.force_login(clerk)

    html = client.get("/workbench/").content.decode()

    assert "暂无待办事项" in html
    assert "请联系本部门管理员" in html
    assert '<span class="stat-value" id="stat-total">0</span>' in html


def test_inbox_shows_the_departments_items_with_deadline_and_colour(client, definitions, city, clerk):
    item = start_item(city["center"], "食品经营许可申请（王小明）")
    client.force_login(clerk)

    response = client.get("/workbench/")

    html = response.content.decode()
    assert rows_of(html) == [("sla-ok", str(item.pk))]
    assert "食品经营许可申请（王小明）" in html
    assert "一网通办办件" in html  # the process
    assert "待受理" in html  # the state name, not its code
    assert "玄武区政务服务中心" in html
    local_due = timezone.localtime(item.worklist_deadline)
    assert f"{local_due.year}年{local_due.month}月{local_due.day}日 {local_due:%H:%M}" in html
    assert re.search(r"剩余 [0-9.]+ (个工作日|小时)|剩余 \d+ 分钟", html)
    assert f'href="/workbench/instances/{item.pk}/"' in html
    assert '<span class="stat-value" id="stat-total">1</span>' in html


def test_staff_of_another_department_sees_nothing(client, definitions, city):
    start_item(city["center"], "食品经营许可申请（王小明）")
    outsider = staff_with_roles(city["other"], "window_clerk")
    client.force_login(outsider)

    html = client.get("/workbench/").content.decode()

    assert rows_of(html) == []
    assert "食品经营许可申请" not in html
    assert "暂无待办事项" in html


def test_staff_without_a_role_for_the_current_step_sees_nothing(client, definitions, city):
    start_item(city["center"], "食品经营许可申请（王小明）")
    approver = staff_with_roles(city["center"], "approver")  # acts only in 审查中
    client.force_login(approver)

    assert rows_of(client.get("/workbench/").content.decode()) == []


def test_overdue_and_warning_items_are_coloured_and_counted(client, definitions, city, clerk):
    now = timezone.now()
    start_item(city["center"], "按时办件")
    start_item(city["center"], "超期办件", now=now - timedelta(days=30))
    warning = start_item(city["center"], "预警办件")
    ProcessInstance.objects.filter(pk=warning.pk).update(worklist_warning_at=now - timedelta(minutes=1))
    client.force_login(clerk)

    html = client.get("/workbench/").content.decode()

    classes = [css for css, _pk in rows_of(html)]
    assert sorted(classes) == ["sla-ok", "sla-overdue", "sla-warning"]
    assert classes[0] == "sla-overdue"  # nearest due first
    assert "已超期 " in html
    assert '<span class="stat-value" id="stat-total">3</span>' in html
    assert '<span class="stat-value" id="stat-warning">1</span>' in html
    assert '<span class="stat-value" id="stat-overdue">1</span>' in html


def test_suspended_item_is_grey(client, definitions, city, clerk, citizen):
    from yiwang.identity.actor import Actor
    from yiwang.workflow.actions import transition

    item = start_item(city["center"], "补正中的办件", owner=citizen)
    transition(
        instance=item,
        action="request_correction",
        actor=Actor.for_user(clerk),
        fields={"reason": "缺少营业执照"},
    )
    # Now only the applicant can act (resubmit/withdraw): the item is in the citizen's list.
    client.force_login(citizen)

    html = client.get("/").content.decode()

    assert "补正中的办件" in html
    assert '<li class="sla-suspended">' in html
    assert "已暂停计时" in html


def test_chart_data_is_json_not_script(client, definitions, city, clerk):
    start_item(city["center"], "办件一")
    start_item(city["center"], "办件二")
    client.force_login(clerk)

    html = client.get("/workbench/").content.decode()

    assert '<script id="inbox-by-state" type="application/json">' in html
    assert '"labels": ["\\u5f85\\u53d7\\u7406"], "values": [2]' in html  # 待受理 ×2
    assert 'src="/static/vendor/echarts/echarts.min.js"' in html
    assert 'src="/static/yiwang/charts.js"' in html
    for attributes in SCRIPT_TAG.findall(html):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert not re.search(r"<[^>]+\sstyle\s*=", html)


def test_filter_by_search_returns_the_partial_for_htmx(client, definitions, city, clerk):
    start_item(city["center"], "食品经营许可申请")
    start_item(city["center"], "建筑工程施工许可申请")
    client.force_login(clerk)

    response = client.get("/workbench/", {"q": "食品"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-table")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # only the table
    assert "食品经营许可申请" in html
    assert "建筑工程施工许可申请" not in html


def test_filter_overdue_only_and_by_state(client, definitions, city, clerk):
    start_item(city["center"], "按时办件")
    late = start_item(city["center"], "超期办件", now=timezone.now() - timedelta(days=30))
    client.force_login(clerk)

    overdue_only = client.get("/workbench/", {"overdue": "on"}).content.decode()
    by_state = client.get("/workbench/", {"state": "submitted"}).content.decode()
    unknown_state = client.get("/workbench/", {"state": "no_such_state"}).content.decode()

    assert [pk for _css, pk in rows_of(overdue_only)] == [str(late.pk)]
    assert len(rows_of(by_state)) == 2
    assert '<option value="submitted" selected>待受理</option>' in by_state
    assert len(rows_of(unknown_state)) == 2  # an invalid filter is ignored, not an error


def test_no_match_has_its_own_empty_state(client, definitions, city, clerk):
    start_item(city["center"], "食品经营许可申请")
    client.force_login(clerk)

    html = client.get("/workbench/", {"q": "不存在的标题"}).content.decode()

    assert "没有符合条件的待办事项" in html
    assert "清除筛选" in html


def test_inbox_is_paginated(client, definitions, city, clerk):
    for number in range(23):
        start_item(city["center"], f"办件{number:02d}")
    client.force_login(clerk)

    first = client.get("/workbench/").content.decode()
    second = client.get("/workbench/", {"page": 2}).content.decode()

    assert len(rows_of(first)) == 20
    assert len(rows_of(second)) == 3
    assert "第 1 / 2 页，共 23 条" in first
    assert 'href="?page=2"' in first


def test_workbench_query_count_does_not_grow_with_the_inbox(
    client, definitions, city, clerk, django_assert_num_queries
):
    for number in range(3):
        start_item(city["center"], f"办件{number}")
    client.force_login(clerk)
    client.get("/workbench/")  # warm the calendar and actor caches

    # session, user (the actor's grants come from the cache), unread count, totals, per-state
    # counts, state names, page count, page rows
    with django_assert_num_queries(8):
        client.get("/workbench/")
    for number in range(10):
        start_item(city["center"], f"更多办件{number}")
    with django_assert_num_queries(8):
        response = client.get("/workbench/")
    assert len(rows_of(response.content.decode())) == 13


# -- the item page and actions ------------------------------------------------------------------


def test_item_page_shows_history_and_the_actions_the_clerk_may_take(client, definitions, city, clerk):
    item = start_item(city["center"], "食品经营许可申请（王小明）")
    client.force_login(clerk)

    response = client.get(f"/workbench/instances/{item.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "办理记录" in html and "发起" in html
    assert 'name="action" value="accept"' in html
    assert 'name="action" value="refuse"' in html
    assert 'name="action" value="request_correction"' in html
    assert 'name="action" value="withdraw"' not in html  # the applicant's action
    assert 'name="reason"' in html  # 不予受理 needs a reason


def test_item_of_another_department_is_404(client, definitions, city):
    item = start_item(city["center"], "食品经营许可申请")
    outsider = staff_with_roles(city["other"], "window_clerk")
    client.force_login(outsider)

    assert client.get(f"/workbench/instances/{item.pk}/").status_code == 404
    response = client.post(f"/workbench/instances/{item.pk}/transition/", {"action": "accept"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.state == "submitted"


def test_citizen_cannot_use_the_item_pages(client, definitions, city, citizen):
    item = start_item(city["center"], "食品经营许可申请", owner=citizen)
    client.force_login(citizen)

    assert client.get(f"/workbench/instances/{item.pk}/").status_code == 403
    assert (
        client.post(f"/workbench/instances/{item.pk}/transition/", {"action": "withdraw"}).status_code == 403
    )
    item.refresh_from_db()
    assert item.state == "submitted"


def test_accepting_moves_the_item_and_records_history(client, definitions, city, clerk):
    item = start_item(city["center"], "食品经营许可申请")
    client.force_login(clerk)

    response = client.post(
        f"/workbench/instances/{item.pk}/transition/",
        {"action": "accept", "comment": "材料齐全"},
        follow=True,
    )

    item.refresh_from_db()
    assert item.state == "reviewing"
    event = ProcessEvent.objects.filter(instance=item).order_by("-created_at", "-pk").first()
    assert (event.action, event.comment, event.actor_id) == ("accept", "材料齐全", clerk.pk)
    html = response.content.decode()
    assert "已办理「受理」：食品经营许可申请" in html  # the messages framework shows it
    # The clerk has no action in 审查中: back to the workbench, where the item is gone.
    assert response.redirect_chain[-1][0] == "/workbench/"


def test_missing_required_field_shows_a_chinese_error_and_changes_nothing(client, definitions, city, clerk):
    item = start_item(city["center"], "食品经营许可申请")
    client.force_login(clerk)

    response = client.post(f"/workbench/instances/{item.pk}/transition/", {"action": "refuse"}, follow=True)

    html = response.content.decode()
    assert "「不予受理」需要填写：理由" in html
    assert '<li class="error">' in html
    item.refresh_from_db()
    assert item.state == "submitted"
    assert ProcessEvent.objects.filter(instance=item).count() == 1


def test_unknown_action_is_refused(client, definitions, city, clerk):
    item = start_item(city["center"], "食品经营许可申请")
    client.force_login(clerk)

    response = client.post(f"/workbench/instances/{item.pk}/transition/", {"action": "approve"}, follow=True)

    assert "您没有权限执行「准予许可」" in response.content.decode()
    item.refresh_from_db()
    assert item.state == "submitted"


def test_transition_needs_post(client, definitions, city, clerk):
    item = start_item(city["center"], "食品经营许可申请")
    client.force_login(clerk)

    assert client.get(f"/workbench/instances/{item.pk}/transition/").status_code == 405


def test_transition_needs_csrf(definitions, city, clerk):
    from django.test import Client

    item = start_item(city["center"], "食品经营许可申请")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clerk)

    response = strict.post(f"/workbench/instances/{item.pk}/transition/", {"action": "accept"})

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.state == "submitted"


def test_deadline_is_shown_in_chinese_date_format(client, definitions, city, clerk):
    # Started Monday 2026-11-23 09:00: the 一网通办 loop promises 5 working days — the list deadline
    # (待受理's own 1 working day, to the end of Tuesday, is the step's, shown on the item page).
    start_item(city["center"], "定时办件", now=at("2026-11-23 09:00"))
    client.force_login(clerk)

    html = client.get("/workbench/").content.decode()

    assert '2026年11月30日 17:30 <span class="muted clock-label">办结时限</span>' in html
    assert "2026年11月24日 17:30" not in html
    assert "2026年11月23日 09:00" in html  # received


def test_only_the_actions_own_fields_reach_the_engine(client, definitions, city, clerk):
    item = start_item(city["center"], "食品经营许可申请")
    client.force_login(clerk)

    client.post(
        f"/workbench/instances/{item.pk}/transition/",
        {
            "action": "request_correction",
            "reason": "缺少营业场所证明",
            "materials": "营业场所证明\n法定代表人身份证明",
            "now": "2020-01-01T00:00:00+08:00",  # not a field of this action: ignored
            "injected": "x",
        },
    )

    item.refresh_from_db()
    assert item.state == "correction"
    event = ProcessEvent.objects.filter(instance=item, action="request_correction").get()
    assert event.fields == {"reason": "缺少营业场所证明", "materials": ["营业场所证明", "法定代表人身份证明"]}
    assert timezone.localtime(event.created_at).year == timezone.localtime().year


def test_portal_home_query_count_does_not_grow_with_the_citizens_items(
    client, definitions, city, clerk, citizen, django_assert_num_queries
):
    from yiwang.identity.actor import Actor
    from yiwang.workflow.actions import transition

    def waiting_for_citizen(title):
        item = start_item(city["center"], title, owner=citizen)
        transition(
            instance=item,
            action="request_correction",
            actor=Actor.for_user(clerk),
            fields={"reason": "请补充材料"},
        )

    waiting_for_citizen("办件一")
    client.force_login(citizen)
    client.get("/")

    # session, user (the actor's grants come from the cache), unread count, items waiting (我的待办),
    # own items (办理进度), messages
    with django_assert_num_queries(6):
        client.get("/")
    waiting_for_citizen("办件二")
    waiting_for_citizen("办件三")
    with django_assert_num_queries(6):
        html = client.get("/").content.decode()
    tasks = html.split('aria-labelledby="tasks-title"', 1)[1].split("</section>", 1)[0]
    progress = html.split('aria-labelledby="progress-title"', 1)[1].split("</section>", 1)[0]
    assert tasks.count('<li class="sla-suspended">') == 3
    assert progress.count('<li class="sla-suspended">') == 3
