"""Admin: editing a published definition saves the next version; bad JSON gets Chinese errors."""

from __future__ import annotations

import json

from yiwang.identity.tests.factories import UserFactory
from yiwang.workflow.models import ProcessDefinition


def _admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))


def _form(definition, content):
    return {
        "name": definition.name,
        "description": definition.description,
        "definition": json.dumps(content, ensure_ascii=False),
    }


def test_editing_a_published_definition_creates_a_draft_version(client, definitions):
    _admin(client)
    v1 = definitions["yiwang_tongban"]
    content = {**v1.definition, "sla": {"working_days": 7}}

    response = client.post(f"/admin/workflow/processdefinition/{v1.pk}/change/", _form(v1, content))

    assert response.status_code == 302
    v1.refresh_from_db()
    assert v1.status == "published" and v1.definition["sla"] == {"working_days": 5}
    v2 = ProcessDefinition.objects.get(code="yiwang_tongban", version=2)
    assert v2.status == "draft" and v2.definition["sla"] == {"working_days": 7}

    client.post(
        "/admin/workflow/processdefinition/",
        {"action": "publish", "_selected_action": [v2.pk]},
    )
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == ("retired", "published")


def test_invalid_definition_shows_chinese_errors_and_saves_nothing(client, definitions):
    _admin(client)
    v1 = definitions["hotline_12345"]
    content = {**v1.definition, "states": [{"code": "x", "name": "甲", "type": "begin"}]}

    response = client.post(f"/admin/workflow/processdefinition/{v1.pk}/change/", _form(v1, content))

    assert response.status_code == 200
    assert "取值应为以下之一：start、normal、terminal" in response.content.decode()
    assert ProcessDefinition.objects.filter(code="hotline_12345").count() == 1


def test_instances_are_read_only_with_history(client, definitions, city, subject):
    from yiwang.identity.actor import Actor
    from yiwang.workflow.actions import instance_start

    ticket = instance_start(
        actor=Actor.system(),
        definition_code="hotline_12345",
        obj=subject,
        organization=city["hotline"],
        title="路灯",
    )
    _admin(client)
    page = client.get(f"/admin/workflow/processinstance/{ticket.pk}/change/")
    assert page.status_code == 200
    assert "发起" in page.content.decode()
    assert client.get("/admin/workflow/processinstance/add/").status_code == 403


def _textarea(html: str, name: str) -> str:
    import re
    from html import unescape

    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', html, re.S)
    assert match is not None
    return unescape(match.group(1))


def test_change_page_shows_the_definition_as_a_pretty_printed_object(client, definitions):
    _admin(client)
    v1 = definitions["yiwang_tongban"]

    page = client.get(f"/admin/workflow/processdefinition/{v1.pk}/change/")

    shown = _textarea(page.content.decode(), "definition")
    assert json.loads(shown) == v1.definition
    assert shown == json.dumps(v1.definition, ensure_ascii=False, indent=2)


def test_saving_the_change_page_unchanged_is_accepted(client, definitions):
    _admin(client)
    v1 = definitions["yiwang_tongban"]
    page = client.get(f"/admin/workflow/processdefinition/{v1.pk}/change/")
    shown = _textarea(page.content.decode(), "definition")

    response = client.post(
        f"/admin/workflow/processdefinition/{v1.pk}/change/",
        {"name": v1.name, "description": v1.description, "definition": shown},
    )

    assert response.status_code == 302
    # Nothing changed, so no new version either.
    assert not ProcessDefinition.objects.filter(code="yiwang_tongban", version=2).exists()
    assert "内容未修改，没有生成新版本" in client.get(response["Location"]).content.decode()
