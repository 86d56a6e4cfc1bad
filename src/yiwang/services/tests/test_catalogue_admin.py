"""Admin of the catalogue: scoped list, read-only published versions, publish and new-version
actions, the Excel import page (atomic, with a downloadable error report) and applications read-only."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from yiwang.identity.models import User
from yiwang.services.models import ServiceItem
from yiwang.services.tests.catalogue_support import *  # noqa: F403
from yiwang.services.tests.factories import DraftServiceItemFactory, ServiceItemFactory
from yiwang.services.tests.test_excel_import import _row, _workbook

CHANGELIST = "/admin/services/serviceitem/"


@pytest.fixture
def admin_client(client, world):
    User.objects.filter(pk=world.catalog_admin.pk).update(is_staff=True)
    client.force_login(world.catalog_admin)
    return client


def test_list_is_scoped_to_the_department(admin_client, world):
    ServiceItemFactory(organization=world.market, name="食品经营许可")
    ServiceItemFactory(organization=world.health, name="出生医学证明签发")
    html = admin_client.get(CHANGELIST).content.decode()
    assert "食品经营许可" in html and "出生医学证明签发" not in html and "导入实施清单" in html


def test_published_version_is_read_only_and_new_version_action(admin_client, world):
    item = ServiceItemFactory(organization=world.market, name="食品经营许可")
    html = admin_client.get(f"{CHANGELIST}{item.pk}/change/").content.decode()
    assert 'name="name"' not in html  # read-only
    response = admin_client.post(CHANGELIST, {"action": "new_version", "_selected_action": [item.pk]})
    assert response.status_code == 302
    draft = ServiceItem.objects.get(version=2)
    assert draft.status == "draft" and draft.materials.count() == 3
    assert 'name="name"' in admin_client.get(f"{CHANGELIST}{draft.pk}/change/").content.decode()
    admin_client.post(CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    item.refresh_from_db()
    assert draft.is_current and not item.is_current


def test_publish_action_reports_problems(admin_client, world):
    draft = DraftServiceItemFactory(organization=world.market, served_subjects=[])
    response = admin_client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "服务对象" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_import_page_with_errors_then_success(admin_client, world, django_capture_on_commit_callbacks):
    bad = io.BytesIO(_workbook([_row(world, 1, 法定办结时限="很久")]))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{CHANGELIST}import/", {"file": bad}, follow=True)
        # the upload is acknowledged at once; the job page polls until the worker has run it
        job = response.context["job"]
        assert response.redirect_chain == [(f"{CHANGELIST}import/jobs/{job.pk}/", 302)]
        assert job.status == "queued" and 'hx-trigger="every 1s"' in response.content.decode()
    html = admin_client.get(f"{CHANGELIST}import/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and "未导入任何事项" in html and "法定办结时限" in html
    assert 'hx-trigger="every 1s"' not in html
    report = load_workbook(
        io.BytesIO(b"".join(admin_client.get(f"/jobs/{job.pk}/result/").streaming_content))
    )
    assert report["错误报告"]["D2"].value.startswith("应为整数")
    assert ServiceItem.objects.count() == 0
    upload = io.BytesIO(_workbook([_row(world, 1)]))
    upload.name = "catalogue.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{CHANGELIST}import/", {"file": upload})
    html = admin_client.get(response["Location"]).content.decode()
    assert "已处理 1 行，新增 1 项" in html and ServiceItem.objects.filter(is_current=True).count() == 1


def test_import_page_asks_for_a_file(admin_client, world):
    response = admin_client.post(f"{CHANGELIST}import/", {})
    assert "请选择要上传的 Excel 文件" in response.content.decode()


def test_staff_without_permission_cannot_use_the_admin(client, world):
    User.objects.filter(pk=world.clerk.pk).update(is_staff=True)
    client.force_login(world.clerk)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(f"{CHANGELIST}import/").status_code in (403, 404)


def test_applications_are_read_only(admin_client, world):
    assert admin_client.get("/admin/services/application/").status_code == 403  # no view_application


def test_item_type_filter_lists_the_dictionary_names(admin_client, world):
    ServiceItemFactory(organization=world.market, item_type="licensing")
    ServiceItemFactory(organization=world.market, item_type="benefit")

    html = admin_client.get(CHANGELIST).content.decode()

    assert '<a href="?item_type=licensing">行政许可</a>' in html
    assert '<a href="?item_type=benefit">行政给付</a>' in html
    assert ">licensing<" not in html and ">benefit<" not in html
    # choosing one filters the list
    only = admin_client.get(f"{CHANGELIST}?item_type=benefit").context["cl"].result_list
    assert [item.item_type for item in only] == ["benefit"]


def test_current_version_column_names_the_version_in_force(admin_client, world):
    item = ServiceItemFactory(organization=world.market, name="食品经营许可")
    admin_client.post(CHANGELIST, {"action": "new_version", "_selected_action": [item.pk]})
    draft = ServiceItem.objects.get(version=2)

    response = admin_client.get(CHANGELIST)

    html = response.content.decode()
    assert '<td class="field-current_version">是</td>' in html
    assert '<td class="field-current_version">否（当前为 v1）</td>' in html
    admin_client.post(CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]})
    html = admin_client.get(CHANGELIST).content.decode()
    assert '<td class="field-current_version">否（当前为 v2）</td>' in html


def test_excel_export_has_a_chinese_file_name_with_the_date(admin_client, world, monkeypatch):
    from datetime import date

    from django.utils import timezone

    item = ServiceItemFactory(organization=world.market)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 11, 23))

    response = admin_client.post(CHANGELIST, {"action": "export_excel", "_selected_action": [item.pk]})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E4%BA%8B%E9%A1%B9%E7%9B%AE%E5%BD%95-20261123.xlsx"
    )
    assert load_workbook(io.BytesIO(response.content)).sheetnames[0] == "事项实施清单"
