"""Staff pages: the inbox (办件箱) and the handling page; permissions and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from yiwang.core.errors import PermissionDenied
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory, make_staff
from yiwang.services.actions import handling
from yiwang.services.models import Application, ApplicationNote
from yiwang.services.selectors import handling as selectors
from yiwang.services.tests.factories import ServiceItemFactory
from yiwang.services.tests.staff_support import (
    Department,
    definitions,  # noqa: F401
    special_definition,  # noqa: F401
    submitted,
)
from yiwang.workflow.models import ProcessEvent, ProcessInstance

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("definitions")]
INBOX = "/services/staff/"


def _login(client, user):
    client.force_login(user)
    return client


def _detail(application):
    return reverse("services:staff-application", kwargs={"uid": application.uid})


def _act(application):
    return reverse("services:staff-act", kwargs={"uid": application.uid})


def test_inbox_lists_department_applications_nearest_deadline_first(client):
    dept, other = Department(), Department()
    item = ServiceItemFactory(organization=dept.organization)
    later = submitted(item)
    sooner = submitted(item, now=timezone.now() - timedelta(days=3))
    foreign = submitted(organization=other.organization)
    response = _login(client, dept.clerk).get(INBOX)
    assert response.status_code == 200
    body = response.content.decode()
    assert later.application_no in body and sooner.application_no in body
    assert foreign.application_no not in body
    assert body.index(sooner.application_no) < body.index(later.application_no)
    assert "sla-" in body  # SLA colour classes on rows


def test_inbox_filters_status_item_overdue_and_search(client):
    dept = Department()
    item_a = ServiceItemFactory(organization=dept.organization, name="食品经营许可（新办）甲")
    item_b = ServiceItemFactory(organization=dept.organization, name="药品零售许可乙")
    a = submitted(item_a)
    b = submitted(item_b, now=timezone.now() - timedelta(days=30))
    handling.application_accept(actor=dept.actor("clerk"), application=b)
    _login(client, dept.clerk)

    body = client.get(INBOX, {"item": item_a.implementation_code}).content.decode()
    assert a.application_no in body and b.application_no not in body
    body = client.get(INBOX, {"status": "reviewing"}).content.decode()
    assert b.application_no in body and a.application_no not in body
    body = client.get(INBOX, {"overdue": "1"}).content.decode()
    assert b.application_no in body and a.application_no not in body
    body = client.get(INBOX, {"q": a.application_no[:-2]}).content.decode()
    assert a.application_no in body
    body = client.get(INBOX, {"q": a.person.name}).content.decode()
    assert a.application_no in body
    body = client.get(INBOX, {"q": "没有这个人"}).content.decode()
    assert "没有符合条件的办件" in body
    assert client.get(INBOX, {"status": "bogus", "page": "x"}).status_code == 200


def test_inbox_permissions(client):
    dept = Department()
    assert client.get(INBOX).status_code == 302  # anonymous → login
    assert _login(client, CitizenFactory()).get(INBOX).status_code == 403
    client.logout()
    assert _login(client, dept.catalog_admin).get(INBOX).status_code == 403


def test_inbox_selector_is_two_queries_whatever_the_page(django_assert_num_queries):
    """The page (with item, applicant and department name), then the workflow instances."""
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization)
    names = {a.uid: a.person.name for a in (submitted(item) for _ in range(4))}
    actor = dept.actor("clerk")
    with django_assert_num_queries(2):
        rows = selectors.staff_inbox_page(actor)
        instances = selectors.instances_of(rows)
        for row in rows:
            assert row.item_name == item.name and row.item_code == item.implementation_code
            assert row.applicant_name == names[row.uid]
            assert row.organization_name == dept.organization.name
    assert len(rows) == 4 and len(instances) == 4


def test_the_inbox_page_is_scoped_to_each_actor_pages_and_sees_new_rows():
    """`staff_inbox_page`: each department sees its own, pages slice the same order, new rows show."""
    dept, other = Department(), Department()
    item = ServiceItemFactory(organization=dept.organization)
    own = [submitted(item, now=timezone.now() - timedelta(days=7 * n)) for n in range(3)]
    foreign = submitted(organization=other.organization)
    clerk, stranger = dept.actor("clerk"), other.actor("clerk")

    def page(actor, **kwargs):
        return [row.uid for row in selectors.staff_inbox_page(actor, **kwargs)]

    def expected(actor, offset=0, limit=20, **kwargs):
        return [row.uid for row in selectors.staff_inbox(actor, **kwargs)[offset : offset + limit]]

    assert page(clerk) == expected(clerk) and set(page(clerk)) == {a.uid for a in own}
    assert page(stranger) == [foreign.uid]  # another department: its own scope
    assert page(clerk, offset=2, limit=2) == expected(clerk, offset=2, limit=2) == [own[0].uid]  # newest last
    assert page(clerk, search=own[1].application_no[-12:]) == [own[1].uid]
    oldest = submitted(item, now=timezone.now() - timedelta(days=28))
    assert page(clerk)[0] == oldest.uid  # asked again: the new row is there
    with pytest.raises(PermissionDenied):
        selectors.staff_inbox_page(Actor.for_user(CitizenFactory()))


def test_inbox_second_page_shows_the_next_rows(client, monkeypatch):
    from yiwang.services.views import staff as staff_views

    monkeypatch.setattr(staff_views, "PAGE_SIZE", 2)
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization)
    rows = [submitted(item, now=timezone.now() - timedelta(days=7 * n)) for n in range(3)]
    _login(client, dept.clerk)
    first = client.get(INBOX).content.decode()
    second = client.get(INBOX, {"page": "2"}).content.decode()
    oldest = rows[-1]  # nearest deadline first
    assert oldest.application_no in first and rows[0].application_no not in first
    assert rows[0].application_no in second and oldest.application_no not in second


def test_a_long_inbox_is_counted_only_up_to_the_cap(client, monkeypatch):
    """Half a million open applications are not counted on every page load: past the cap the page
    says 「共 N 条以上」 and still pages on; the API's count stops at cap + 1 the same way."""
    from yiwang.core import pagination
    from yiwang.services.views import staff as staff_views
    from yiwang.web.pagination import CappedPaginator

    monkeypatch.setattr(staff_views, "PAGE_SIZE", 2)
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization)
    for n in range(5):
        submitted(item, now=timezone.now() - timedelta(days=7 * n))
    _login(client, dept.clerk)

    html = client.get(INBOX).content.decode()
    assert "第 1 页，共 3 条以上（请用筛选缩小范围）" in html
    assert "page=2" in html
    api = client.get("/api/v1/services/staff/applications").json()
    assert (api["count"], len(api["items"])) == (4, 5)  # cap + 1: more than the cap
    monkeypatch.setattr(CappedPaginator, "cap", 10)
    assert "第 1 / 3 页，共 5 条" in client.get(INBOX).content.decode()


def test_inbox_search_finds_the_last_digits_of_the_number_within_the_department():
    """A window clerk types the end of the 办件编号: the day's sequence, or date + sequence."""
    dept, other = Department(), Department()
    item = ServiceItemFactory(organization=dept.organization)
    first, second = submitted(item), submitted(item)
    foreign = submitted(organization=other.organization)
    sequence, dated = first.application_no[-4:], first.application_no[-12:]
    assert foreign.application_no.endswith(sequence)  # each 实施编码 counts from 0001 every day
    assert not first.application_no.startswith(sequence)
    actor = dept.actor("clerk")

    def found(text):
        return {row.uid for row in selectors.staff_inbox(actor, search=text)}

    # Four digits may also occur inside a 实施编码: every number of the department containing them.
    assert found(sequence) == {a.uid for a in (first, second) if sequence in a.application_no}
    assert first.uid in found(sequence) and foreign.uid not in found(sequence)
    assert found(dated) == {first.uid}
    assert found(second.application_no[-12:]) == {second.uid}
    assert found(f"  {dated}  ") == {first.uid}  # the box's spaces do not count


def test_inbox_page_query_count_does_not_grow_with_rows(client):
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization)
    submitted(item)
    _login(client, dept.clerk)
    client.get(INBOX)
    with CaptureQueriesContext(connection) as few:
        client.get(INBOX)
    for _ in range(5):
        submitted(item)
    with CaptureQueriesContext(connection) as many:
        body = client.get(INBOX).content.decode()
    assert body.count('data-application="') == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_detail_shows_masked_applicant_materials_and_forms(client):
    dept = Department()
    application = submitted(organization=dept.organization)
    handling.application_note_add(actor=dept.actor("clerk"), application=application, text="已电话联系申请人")
    person = application.person
    body = _login(client, dept.clerk).get(_detail(application)).content.decode()
    assert application.application_no in body
    assert person.id_number not in body and person.id_number[-4:] in body
    # The form's own ID and phone fields are masked too; select values show their labels.
    assert application.form_data["id_number"] not in body and "13912345678" not in body
    assert "139****5678" in body and "餐饮服务" in body and "从业人员" in body
    assert "租赁合同.pdf" in body  # the uploaded material with its download link
    assert "已电话联系申请人" in body
    assert 'value="accept"' in body and 'value="request_correction"' in body and 'value="refuse"' in body
    assert 'value="decide"' not in body  # not in this state, nor the clerk's to do


def test_detail_hides_from_others(client):
    dept, other = Department(), Department()
    application = submitted(organization=dept.organization)
    assert _login(client, other.clerk).get(_detail(application)).status_code == 404
    client.logout()
    assert _login(client, application.applicant).get(_detail(application)).status_code == 403
    client.logout()
    assert _login(client, dept.catalog_admin).get(_detail(application)).status_code == 403


def test_posting_actions_runs_them_and_reports_errors_in_chinese(client):
    dept = Department()
    application = submitted(organization=dept.organization)
    _login(client, dept.clerk)
    response = client.post(_act(application), {"op": "refuse", "reason": ""}, follow=True)
    assert "请填写不予受理理由" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED

    material = application.item.materials.get(code="premises_proof")
    response = client.post(
        _act(application), {"op": "request_correction", "reason": "合同过期", "materials": [str(material.pk)]}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.CORRECTION
    body = client.get(_detail(application)).content.decode()
    assert "补正材料告知书" in body and "经营场所使用证明" in body

    client.post(_act(application), {"op": "note", "text": "等待补正"})
    assert ApplicationNote.objects.get().text == "等待补正"
    response = client.post(_act(application), {"op": "teleport"}, follow=True)
    assert "未知的办理操作" in response.content.decode()


def test_posting_as_other_department_changes_nothing(client):
    dept, other = Department(), Department()
    application = submitted(organization=dept.organization)
    events = ProcessEvent.objects.count()
    response = _login(client, other.clerk).post(_act(application), {"op": "accept"})
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert ProcessEvent.objects.count() == events


def test_full_handling_through_pages(client):
    dept = Department()
    application = submitted(organization=dept.organization)
    _login(client, dept.clerk).post(_act(application), {"op": "accept", "comment": "材料齐全"})
    client.logout()
    _login(client, dept.approver)
    client.post(_act(application), {"op": "review", "comment": "符合条件"})
    client.post(_act(application), {"op": "decide", "decision": "approve", "decision_text": "准予许可"})
    client.logout()
    _login(client, dept.clerk)
    client.post(_act(application), {"op": "complete"})
    client.post(_act(application), {"op": "deliver", "method": "window"})
    application.refresh_from_db()
    assert application.status == Application.Status.COMPLETED
    assert application.result_file is not None and application.deliveries.count() == 1
    body = client.get(_detail(application)).content.decode()
    assert application.result_file.name in body and "窗口领取" in body
    # The applicant downloads the result through the file endpoint.
    client.logout()
    _login(client, application.applicant)
    response = client.get(f"/files/{application.result_file.uid}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert Actor.for_user(application.applicant).user_id == application.applicant_id


def _row(body: str, application) -> str:
    start = body.rindex("<tr", 0, body.index(f'data-application="{application.uid}"'))
    return body[start : body.index("</tr>", start)]


def test_colour_filter_and_order_all_follow_the_promised_deadline_not_the_step_s(client):
    """A step past its own deadline (e.g. 受理 within one working day) is not 「已超期」 in the 办件箱:
    the colour, 只看已超期, the order and the statistics all count the 承诺办结时限; the page shows
    the step's deadline on the application itself."""
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization, promised_days=20)
    step_late = submitted(item, now=timezone.now() - timedelta(days=3))
    past = timezone.now() - timedelta(hours=2)
    ProcessInstance.objects.filter(pk=step_late.process_instance_id).update(
        state_deadline=past, due_at=past, overdue=True
    )
    _login(client, dept.clerk)

    body = client.get(INBOX).content.decode()
    assert "sla-overdue" not in _row(body, step_late) and "已超期" not in _row(body, step_late)
    assert step_late.application_no not in client.get(INBOX, {"overdue": "1"}).content.decode()
    detail = client.get(_detail(step_late)).content.decode()
    assert 'id="step-deadline"' in detail and "本环节时限" in detail

    promise_late = submitted(item, now=timezone.now() - timedelta(days=60))  # 20 working days ago
    body = client.get(INBOX).content.decode()
    assert "sla-overdue" in _row(body, promise_late) and "已超期" in _row(body, promise_late)
    assert promise_late.application_no in client.get(INBOX, {"overdue": "1"}).content.decode()
    assert body.index(promise_late.application_no) < body.index(step_late.application_no)


def test_finished_applications_are_listed_latest_first(client):
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization)
    older, newer = submitted(item), submitted(item)
    for application, days_ago in ((older, 5), (newer, 1)):
        handling.application_refuse(
            actor=dept.actor("clerk"), application=application, reason="不属于本部门职权范围"
        )
        Application.objects.filter(pk=application.pk).update(
            completed_at=timezone.now() - timedelta(days=days_ago)
        )
    body = _login(client, dept.clerk).get(INBOX, {"status": "done"}).content.decode()
    assert body.index(newer.application_no) < body.index(older.application_no)
    assert "已结束" in _row(body, newer) and "已办结" not in _row(body, newer)


def test_the_result_card_and_the_delivery_form_say_what_is_left_to_do(client):
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization)
    refused, done = submitted(item), submitted(item)
    handling.application_refuse(actor=dept.actor("clerk"), application=refused, reason="不属于本部门职权范围")
    _login(client, dept.clerk)
    page = client.get(_detail(refused)).content.decode()
    assert "已不予受理，不出具办理结果" in page and "作出决定后" not in page

    handling.application_accept(actor=dept.actor("clerk"), application=done)
    handling.application_review(actor=dept.actor("approver"), application=done, comment="同意")
    handling.application_decide(
        actor=dept.actor("head"), application=done, decision="approve", decision_text="准予许可。"
    )
    handling.application_complete(actor=dept.actor("clerk"), application=done)
    page = client.get(_detail(done)).content.decode()
    assert '<details class="action-form" open><summary><span class="action-name">送达</span>' in page
    handling.application_deliver(actor=dept.actor("clerk"), application=done, method="online")
    page = client.get(_detail(done)).content.decode()
    assert '<details class="action-form"><summary><span class="action-name">再次送达</span>' in page
    # A decided application without an electronic result (e.g. one from before the platform) says so.
    Application.objects.filter(pk=done.pk).update(result_file=None)
    page = client.get(_detail(done)).content.decode()
    assert "本办件没有电子办理结果" in page and "作出决定后" not in page


def test_form_values_from_the_region_picker_show_the_region_s_names(django_assert_num_queries):
    from yiwang.core.forms.display import form_rows
    from yiwang.core.models import Region
    from yiwang.core.tests.factories import RegionFactory

    district = RegionFactory(code="329902", name="东湖区", level=Region.Level.DISTRICT)
    street = RegionFactory(code="329902003", name="湖滨街道", level=Region.Level.STREET, parent=district)
    schema = {
        "properties": {
            "site": {"type": "string", "title": "经营场所所在区划"},
            "branches": {
                "type": "array",
                "title": "分支机构",
                "items": {"type": "object", "properties": {"area": {"type": "string", "title": "区划"}}},
            },
            "zip": {"type": "string", "title": "邮政编码"},
        }
    }
    ui = {"site": {"ui:widget": "region"}, "branches": {"items": {"area": {"ui:widget": "region"}}}}
    data = {"site": street.code, "branches": [{"area": district.code}], "zip": district.code}
    with django_assert_num_queries(1):
        rows = {row["label"]: row["value"] for row in form_rows(schema, ui, data)}
    assert rows == {"经营场所所在区划": "东湖区 · 湖滨街道", "分支机构": "区划：东湖区", "邮政编码": "329902"}


@pytest.mark.usefixtures("special_definition")
def test_a_special_procedure_past_the_deadline_is_not_counted_overdue(client):
    """特别程序 stops the clock: the row is 暂停计时, so neither 只看已超期 nor the statistics call it 超期."""
    from yiwang.services.selectors.statistics import overdue_applications, period_of, statistics_for

    dept = Department()
    item = ServiceItemFactory(organization=dept.organization, promised_days=5)
    paused, late = (submitted(item, now=timezone.now() - timedelta(days=30)) for _ in range(2))
    handling.application_accept(actor=dept.actor("clerk"), application=paused)
    handling.application_suspend(
        actor=dept.actor("approver"), application=paused, kind="hearing", reason="需听证"
    )
    assert paused.due_at < timezone.now() and late.due_at < timezone.now()

    body = _login(client, dept.clerk).get(INBOX, {"overdue": "1"}).content.decode()
    assert late.application_no in body and paused.application_no not in body
    head = dept.actor("head")
    assert statistics_for(head, period_of()).overdue == 1
    assert [a.pk for a in overdue_applications(head, period_of())] == [late.pk]


def test_a_file_field_of_the_form_points_to_the_materials_not_to_a_uid(client):
    """A form field bound to a material holds its file's uid; staff see where to open the file."""
    dept = Department()
    item = ServiceItemFactory(organization=dept.organization)
    item.form_schema["properties"]["floor_plan"] = {"type": "string", "title": "经营场所平面布局图"}
    item.form_ui["floor_plan"] = {"ui:widget": "file", "ui:material": "premises_proof"}
    item.save(update_fields=["form_schema", "form_ui"])
    application = submitted(item)
    uid = application.form_data["floor_plan"]
    body = _login(client, dept.clerk).get(_detail(application)).content.decode()
    assert "<dt>经营场所平面布局图</dt><dd>见申请材料</dd>" in body
    assert f"<dd>{uid}</dd>" not in body


def test_the_extension_form_states_the_definition_s_limit(client):
    dept = Department()
    application = submitted(organization=dept.organization)
    handling.application_accept(actor=dept.actor("clerk"), application=application)
    body = _login(client, dept.approver).get(_detail(application)).content.decode()
    assert "延长工作日（必填，1–10 天）" in body  # yiwang_tongban's extend: max_extend_days 10
    assert 'name="days" min="1" max="10"' in body


def _timeline_section(body: str) -> str:
    start = body.index('id="timeline-title"')
    return body[start : body.index("</section>", start)]


def test_the_staff_record_shows_who_assigned_to_whom_the_applicant_page_does_not(client):
    dept = Department()
    window = make_staff(dept.organization, role_code="window_clerk", display_name="窗口张")
    approver = make_staff(dept.organization, role_code="approver", display_name="审批李")
    application = submitted(organization=dept.organization)
    _login(client, dept.clerk)
    client.post(_act(application), {"op": "assign", "assignee": str(window.pk)})
    client.post(_act(application), {"op": "assign", "assignee": str(approver.pk)})
    assert ProcessInstance.objects.get(pk=application.process_instance_id).assignee_id == approver.pk

    page = client.get(_detail(application)).content.decode()
    assert '承办人 <span id="assignee">审批李</span>' in page  # the one handling it now, in the header
    record = _timeline_section(page)
    assert record.count('<div class="timeline-head">指派</div>') == 2
    assert f"{dept.clerk}</div>" in record  # who assigned
    assert "<dt>指派给</dt><dd>窗口张</dd>" in record
    assert "<dt>指派给</dt><dd>审批李</dd><dt>原承办人</dt><dd>窗口张</dd>" in record
    assert f"<dd>{window.pk}</dd>" not in record and f"<dd>{approver.pk}</dd>" not in record

    client.logout()
    mine = reverse("services:application", kwargs={"uid": application.uid})
    body = _login(client, application.applicant).get(mine).content.decode()
    assert "办理进度" in body and "提交申请" in body
    assert "指派" not in body and "窗口张" not in body and "审批李" not in body


def test_assignment_rows_cost_the_staff_page_no_query(client):
    dept = Department()
    window = make_staff(dept.organization, role_code="window_clerk", display_name="窗口张")
    application = submitted(organization=dept.organization)
    handling.application_assign(actor=dept.actor("clerk"), application=application, to_user=window)
    _login(client, dept.clerk)
    client.get(_detail(application))
    with CaptureQueriesContext(connection) as few:
        client.get(_detail(application))
    for colleague in (dept.approver, window, dept.approver):
        handling.application_assign(actor=dept.actor("clerk"), application=application, to_user=colleague)
    with CaptureQueriesContext(connection) as many:
        body = client.get(_detail(application)).content.decode()
    assert _timeline_section(body).count('<div class="timeline-head">指派</div>') == 4
    assert len(many.captured_queries) == len(few.captured_queries)
