"""The admin speaks Chinese: the third-party apps (django-axes, django-tasks-db) appear under Chinese
app and model names (config.apps + the zh_Hans catalogue), and no model falls back to Django's
English plural "<name>s"."""

from __future__ import annotations

import pytest
from django.contrib import admin

from yiwang.identity.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_admin_index_names_the_third_party_apps_in_chinese(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="staff"))

    html = client.get("/admin/").content.decode()

    for english in ("Axes", "Access attempts", "Access failures", "Access logs", "Task Results", "Tasks"):
        assert english not in html
    for chinese in ("登录防护", "登录尝试", "登录失败记录", "登录日志", "任务队列", "任务执行记录"):
        assert f">{chinese}<" in html
    assert "审计链头s" not in html and ">审计链头<" in html


def test_third_party_changelists_have_chinese_column_names(client):
    from axes.models import AccessAttempt

    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="staff"))
    AccessAttempt.objects.create(
        user_agent="Chromium",
        ip_address="127.0.0.1",
        username="citizen",
        http_accept="text/html",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=1,
    )

    attempts = client.get("/admin/axes/accessattempt/").content.decode()
    tasks = client.get("/admin/django_tasks_database/dbtaskresult/").content.decode()

    assert "尝试时间" in attempts and "IP 地址" in attempts and "失败次数" in attempts
    assert "Attempt Time" not in attempts and "IP Address" not in attempts
    assert '<a href="?status__exact=READY">待执行</a>' in tasks and 'data-filter-title="优先级"' in tasks
    assert ">Ready<" not in tasks and 'data-filter-title="priority"' not in tasks


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_no_admin_model_has_an_english_default_plural(model):
    opts = model._meta
    assert str(opts.verbose_name_plural) != f"{opts.verbose_name}s"
