"""Pages: apply (form, drafts, submit with an idempotency key), 我的办件, the application page
(timeline, correction notice and resubmission, withdrawal, result download) and who may see them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from yiwang.core.files import file_store
from yiwang.identity.actor import Actor
from yiwang.services.actions.applications import application_submit
from yiwang.services.models import Application
from yiwang.services.tests.applications_support import build_world, pdf, valid_data
from yiwang.web.templatetags.yiwang import cn_date
from yiwang.workflow.actions import transition
from yiwang.workflow.models import ProcessInstance

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def apply_url(world):
    return reverse("services:apply", kwargs={"implementation_code": world.item.implementation_code})


def form_post(key="key-1", **overrides):
    data = valid_data(**overrides)
    post = {k: v for k, v in data.items() if k != "staff"}
    post["staff-TOTAL"] = "2"
    for index, row in enumerate(data["staff"]):
        for name, value in row.items():
            post[f"staff-{index}-{name}"] = value
    post["idempotency_key"] = key
    post["material-premises_proof"] = pdf()
    return post


def submit(world, user=None, key="k"):
    return application_submit(
        actor=Actor.for_user(user or world.citizen),
        item=world.item,
        data=valid_data(),
        materials={"premises_proof": pdf()},
        idempotency_key=key,
    )


def test_anonymous_is_sent_to_login(client, world):
    for url in (apply_url(world), reverse("services:my-applications")):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_staff_may_not_apply_online(client, world):
    client.force_login(world.clerk)
    assert client.get(apply_url(world)).status_code == 403


def test_apply_page_shows_guide_prefilled_form_materials_and_a_key(client, world):
    client.force_login(world.citizen)
    response = client.get(apply_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert "办事指南摘要" in html and world.market.name in html
    assert f'value="{world.citizen.person.id_number}"' in html  # prefilled from the person record
    assert 'name="material-premises_proof"' in html and "经营场所使用证明" in html
    assert "由电子证照获取，无需上传" in html
    assert "保存草稿" in html and "提交申请" in html
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html).group(1)
    again = client.get(apply_url(world)).content.decode()
    assert key not in again  # a new key for every rendering
    assert "<script>" not in html  # CSP: no inline script


def test_submit_through_the_page_creates_one_application_even_when_posted_twice(client, world):
    client.force_login(world.citizen)
    response = client.post(apply_url(world), form_post(key="twice"))
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("services:application", kwargs={"uid": application.uid})
    assert application.form_data["staff"] == valid_data()["staff"]
    assert application.form_data["area"] == 56.5
    client.post(apply_url(world), form_post(key="twice"))
    assert Application.objects.count() == 1 and ProcessInstance.objects.count() == 1


def test_page_errors_are_chinese_and_nothing_is_created(client, world):
    client.force_login(world.citizen)
    post = form_post(phone="12")
    del post["material-premises_proof"]
    response = client.post(apply_url(world), post)
    html = response.content.decode()
    assert response.status_code == 200
    assert "手机号码应为 11 位" in html
    assert not Application.objects.exists()
    response = client.post(apply_url(world), {**form_post(), "material-premises_proof": ""})
    assert "请上传以下申请材料：经营场所使用证明" in response.content.decode()
    assert not Application.objects.exists()


def test_add_row_renders_one_more_blank_row_without_saving(client, world):
    client.force_login(world.citizen)
    post = form_post()
    post["staff-TOTAL"] = "1"
    post["_add_row"] = "staff"
    html = client.post(apply_url(world), post).content.decode()
    assert 'name="staff-1-name"' in html and 'name="staff-TOTAL" value="2"' in html
    assert not Application.objects.exists()


def test_save_draft_then_continue_and_submit(client, world):
    client.force_login(world.citizen)
    response = client.post(
        apply_url(world),
        {"_action": "draft", "operator_name": "草稿餐馆", "staff-TOTAL": "1", "idempotency_key": "x"},
    )
    draft = Application.objects.get(status=Application.Status.DRAFT)
    assert response["Location"].endswith(f"?draft={draft.uid}")
    html = client.get(response["Location"]).content.decode()
    assert 'value="草稿餐馆"' in html and f'name="draft" value="{draft.uid}"' in html
    response = client.post(apply_url(world), {**form_post(key="d"), "draft": str(draft.uid)})
    draft.refresh_from_db()
    assert draft.status == Application.Status.SUBMITTED and Application.objects.count() == 1
    client.force_login(world.other_citizen)
    assert client.get(f"{apply_url(world)}?draft={draft.uid}").status_code == 404


def test_my_applications_lists_mine_only_without_n_plus_one(client, world, django_assert_num_queries):
    mine = submit(world)
    submit(world, user=world.other_citizen, key="other")
    client.force_login(world.citizen)
    client.get(reverse("services:my-applications"))  # warm the session and calendar caches
    with django_assert_num_queries(5) as first:
        html = client.get(reverse("services:my-applications")).content.decode()
    assert mine.application_no in html and "待受理" in html and world.item.name in html
    assert html.count('data-application="') == 1
    for index in range(5):
        submit(world, key=f"more-{index}")
    with django_assert_num_queries(len(first.captured_queries)):
        html = client.get(reverse("services:my-applications")).content.decode()
    assert html.count('data-application="') == 6
    filtered = client.get(reverse("services:my-applications") + "?status=completed").content.decode()
    assert "没有该状态的办件" in filtered


def test_my_applications_empty_state(client, world):
    client.force_login(world.other_citizen)
    assert "您还没有申报过事项" in client.get(reverse("services:my-applications")).content.decode()


def test_detail_correction_resubmit_withdraw_and_result(client, world):
    application = submit(world)
    clerk = Actor.for_user(world.clerk)
    instance = ProcessInstance.objects.get(pk=application.process_instance_id)
    transition(
        instance=instance,
        action="request_correction",
        actor=clerk,
        fields={"reason": "请补齐", "materials": ["premises_proof", "租赁合同"]},
    )
    url = reverse("services:application", kwargs={"uid": application.uid})
    client.force_login(world.citizen)
    html = client.get(url).content.decode()
    assert "补正告知（一次性告知）" in html and "经营场所使用证明" in html and "租赁合同" in html
    assert "提交补正" in html and "需补正" in html
    post = form_post()
    post.pop("idempotency_key")
    response = client.post(reverse("services:application-resubmit", kwargs={"uid": application.uid}), post)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED

    # The other citizen and the other department see nothing and change nothing.
    for outsider in (world.other_citizen, world.other_clerk):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(world.other_citizen)
    client.post(reverse("services:application-withdraw", kwargs={"uid": application.uid}), {"reason": "x"})
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    client.force_login(world.clerk)
    assert client.get(url).status_code == 200  # in-scope staff may look

    for action, comment in (("accept", ""), ("review", "ok"), ("approve", "准予")):
        transition(instance=instance, action=action, actor=clerk, comment=comment)
    result = file_store(actor=clerk, upload=pdf("食品经营许可证.pdf"), organization=world.market)
    Application.objects.filter(pk=application.pk).update(result_file=result)
    transition(instance=instance, action="complete", actor=clerk)
    client.force_login(world.citizen)
    html = client.get(url).content.decode()
    assert "已办结" in html and "下载食品经营许可证" in html
    download = client.get(reverse("services:application-result", kwargs={"uid": application.uid}))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert client.get(f"/files/{result.uid}/").status_code == 200  # the access rule lets the applicant in
    client.force_login(world.other_citizen)
    assert (
        client.get(reverse("services:application-result", kwargs={"uid": application.uid})).status_code == 404
    )
    assert client.get(f"/files/{result.uid}/").status_code == 404


def test_withdraw_from_the_page(client, world):
    application = submit(world)
    client.force_login(world.citizen)
    url = reverse("services:application-withdraw", kwargs={"uid": application.uid})
    client.post(url, {"reason": ""})
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    client.post(url, {"reason": "信息填错了"})
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    # 我的办件 shows the promised deadline, not 「已办结」; the detail names the moment 撤回时间.
    mine = client.get(reverse("services:my-applications")).content.decode()
    row = mine[mine.index(application.application_no) :]
    row = row[: row.index("</tr>")]
    assert cn_date(application.due_at) in row and "已办结" not in row
    detail = client.get(reverse("services:application", kwargs={"uid": application.uid})).content.decode()
    assert "撤回时间" in detail and "办结时间" not in detail


def test_a_draft_is_deleted_with_its_uploads_not_withdrawn(client, world, django_capture_on_commit_callbacks):
    from yiwang.core.models import AuditEvent, StoredFile
    from yiwang.services.actions.applications import application_save_draft

    draft = application_save_draft(
        actor=Actor.for_user(world.citizen),
        item=world.item,
        data={},
        files={"premises_proof": pdf("身份证.pdf")},
    )
    file_id = draft.materials.get().file_id
    url = reverse("services:application", kwargs={"uid": draft.uid})
    discard = reverse("services:application-discard", kwargs={"uid": draft.uid})
    client.force_login(world.citizen)
    page = client.get(url).content.decode()
    assert "删除草稿" in page and "撤回理由" not in page

    client.force_login(world.other_citizen)  # someone else's draft: not found, nothing changes
    assert client.post(discard).status_code == 404
    assert Application.objects.filter(pk=draft.pk).exists()

    client.force_login(world.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(discard)
    assert response.status_code == 302 and response["Location"] == reverse("services:my-applications")
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert not StoredFile.objects.filter(pk=file_id).exists()  # the scan is not kept either
    assert AuditEvent.objects.filter(action="services.application_draft_discard").count() == 1

    filed = submit(world)  # a filed application is withdrawn, never deleted
    client.post(reverse("services:application-discard", kwargs={"uid": filed.uid}))
    assert Application.objects.filter(pk=filed.pk, status=Application.Status.SUBMITTED).exists()
