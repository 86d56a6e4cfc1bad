"""Who may apply online is told up front: on the guide (办事指南) and the apply page, before any form.

An item serving only 法人 is not applied for by a citizen (and one serving only 自然人 not by an
enterprise agent); items of 网上办理深度 Ⅰ are applied for at the window only (Ⅱ, 网上预审, is filed online). The guide says so
in place of 在线办理, the apply page shows no form, and the actions and the API still refuse."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from yiwang.core.errors import InvalidInput
from yiwang.core.files import file_store
from yiwang.identity.actor import Actor
from yiwang.services.actions.applications import application_save_draft, application_submit
from yiwang.services.models import Application
from yiwang.services.tests.applications_support import build_world, enterprise_agent, pdf, valid_data
from yiwang.services.tests.test_applications_views import form_post

pytestmark = pytest.mark.django_db
API = "/api/v1/services/applications"
NOT_ONLINE = "service_item_not_online"


@pytest.fixture
def world(db):
    return build_world()


def guide(client, item):
    response = client.get(reverse("services:guide", args=[item.implementation_code]))
    assert response.status_code == 200
    return response.content.decode()


def apply_page(client, item):
    return client.get(reverse("services:apply", kwargs={"implementation_code": item.implementation_code}))


def apply_href(item):
    return f'href="/services/items/{item.implementation_code}/apply/"'


def serve(world, *subjects):
    world.item.served_subjects = list(subjects)
    world.item.save()
    return world.item


def depth(world, level):
    world.item.online_depth = level
    world.item.save()
    return world.item


# -- the applicant the item does not serve --------------------------------------------------------


def test_guide_tells_a_citizen_that_an_enterprise_item_is_for_enterprises(client, world):
    item = serve(world, "enterprise")
    client.force_login(world.citizen)
    html = guide(client, item)
    assert apply_href(item) not in html and "在线办理" not in html
    notice = html.split('id="apply-notice"', 1)[1].split("</section>", 1)[0]
    assert "本事项由法人（企业）办理" in notice
    assert "请使用法人账号登录，或先办理企业设立登记" in notice
    assert 'href="/services/?theme=startup"' in notice


def test_guide_offers_online_application_to_the_enterprise_agent_and_to_visitors(client, world):
    item = serve(world, "enterprise")
    agent, _enterprise = enterprise_agent(world)
    client.force_login(agent)
    html = guide(client, item)
    assert apply_href(item) in html and "在线办理" in html and 'id="apply-notice"' not in html
    client.logout()
    html = guide(client, item)  # anonymous: 在线办理 leads to the login
    assert apply_href(item) in html and 'id="apply-notice"' not in html
    assert "/login" in apply_page(client, item)["Location"]


def test_guide_tells_an_enterprise_agent_that_a_person_item_is_for_persons(client, world):
    item = serve(world, "person")
    agent, _enterprise = enterprise_agent(world)
    client.force_login(agent)
    html = guide(client, item)
    assert apply_href(item) not in html
    assert "本事项由自然人（个人）办理" in html
    client.force_login(world.citizen)
    assert apply_href(item) in guide(client, item)


def test_apply_page_shows_no_form_to_an_applicant_the_item_does_not_serve(client, world):
    item = serve(world, "enterprise")
    client.force_login(world.citizen)
    response = apply_page(client, item)
    html = response.content.decode()
    assert response.status_code == 200
    assert "本事项由法人（企业）办理" in html and "返回办事指南" in html
    assert 'id="apply-form"' not in html and 'name="material-premises_proof"' not in html
    assert "提交申请" not in html and "保存草稿" not in html
    # A POST of a complete form is refused the same way, and nothing is stored.
    url = reverse("services:apply", kwargs={"implementation_code": item.implementation_code})
    response = client.post(url, form_post())
    assert response.status_code == 400 and "本事项由法人（企业）办理" in response.content.decode()
    assert not Application.objects.exists()

    agent, _enterprise = enterprise_agent(world)
    client.force_login(agent)
    html = apply_page(client, item).content.decode()
    assert 'id="apply-form"' in html and "本事项由法人（企业）办理" not in html


def test_enterprise_agent_sees_no_form_for_a_person_item(client, world):
    item = serve(world, "person")
    agent, _enterprise = enterprise_agent(world)
    client.force_login(agent)
    html = apply_page(client, item).content.decode()
    assert "本事项由自然人（个人）办理" in html and 'id="apply-form"' not in html


def test_the_server_side_subject_check_stays(world):
    item = serve(world, "enterprise")
    with pytest.raises(InvalidInput) as error:
        application_submit(
            actor=Actor.for_user(world.citizen),
            item=item,
            data=valid_data(),
            materials={"premises_proof": pdf()},
            idempotency_key="k",
        )
    assert error.value.code == "application_subject_not_served"


# -- 网上办理深度 Ⅰ: at the window only --------------------------------------------------------------


def test_guide_of_a_window_only_item_says_how_to_apply_instead_of_online(client, world):
    item = depth(world, 1)
    for user in (None, world.citizen):
        if user is not None:
            client.force_login(user)
        html = guide(client, item)
        assert apply_href(item) not in html and "在线办理" not in html
        notice = html.split('id="apply-notice"', 1)[1].split("</section>", 1)[0]
        assert "本事项不支持网上申请" in notice and "请到窗口办理" in notice
        assert f"办理地点：{item.place}" in notice and f"办理时间：{item.office_hours}" in notice
        assert "下载申请表" in notice  # Ⅰ: 表格下载
    assert f'href="/services/items/{item.implementation_code}/form.xlsx"' in html


def test_apply_page_and_posts_refuse_a_window_only_item(client, world):
    item = depth(world, 1)
    client.force_login(world.citizen)
    html = apply_page(client, item).content.decode()
    assert "本事项不支持网上申请" in html and 'id="apply-form"' not in html
    url = reverse("services:apply", kwargs={"implementation_code": item.implementation_code})
    for post in (form_post(), {**form_post(), "_action": "draft"}):
        assert client.post(url, post).status_code == 400
    htmx = client.post(url, form_post(), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == url  # the page, which tells why
    assert not Application.objects.exists()


def test_actions_refuse_a_window_only_item_with_a_stable_code(world):
    item = depth(world, 1)
    actor = Actor.for_user(world.citizen)
    with pytest.raises(InvalidInput) as error:
        application_submit(
            actor=actor,
            item=item,
            data=valid_data(),
            materials={"premises_proof": pdf()},
            idempotency_key="k",
        )
    assert error.value.code == NOT_ONLINE and "不支持网上申请" in error.value.message
    with pytest.raises(InvalidInput) as error:
        application_save_draft(actor=actor, item=item, data={})
    assert error.value.code == NOT_ONLINE
    assert not Application.objects.exists()


def test_api_refuses_a_window_only_item(client, world):
    item = depth(world, 1)
    client.force_login(world.citizen)
    uid = str(file_store(actor=Actor.for_user(world.citizen), upload=pdf()).uid)
    body = {"item": item.implementation_code, "data": valid_data(), "materials": {"premises_proof": uid}}
    for url, headers in ((API, {"Idempotency-Key": "k"}), (f"{API}/drafts", {})):
        response = client.post(url, body, content_type="application/json", headers=headers)
        assert response.status_code == 400
        assert response.json()["code"] == NOT_ONLINE
        assert re.search("不支持网上申请", response.json()["message"])
    assert not Application.objects.exists()


def test_depth_two_three_and_four_are_applied_for_online(client, world):
    """Ⅱ is 网上预审: filed online like Ⅲ and Ⅳ (the window checks it before the applicant comes)."""
    item = world.item
    for level in (2, 3, 4):
        item.online_depth, item.site_visits = level, 0 if level == 4 else 1
        item.save()
        application = application_submit(
            actor=Actor.for_user(world.citizen),
            item=item,
            data=valid_data(),
            materials={"premises_proof": pdf()},
            idempotency_key=f"k-{level}",
        )
        assert application.status == Application.Status.SUBMITTED
        client.force_login(world.citizen)
        assert apply_href(item) in guide(client, item)


def test_staff_are_told_on_the_guide_to_use_the_workbench(client, world):
    client.force_login(world.clerk)
    html = guide(client, world.item)
    assert apply_href(world.item) not in html
    assert "工作人员账号不能在网上申报" in html
    assert apply_page(client, world.item).status_code == 403  # as before
