"""Public catalogue pages: home with browsing, search, the guide (14 elements, diagram, print) and the form."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from yiwang.identity.actor import Actor
from yiwang.services.actions.catalogue import item_publish, item_update
from yiwang.services.selectors.catalogue import process_diagram
from yiwang.services.tests.catalogue_support import *  # noqa: F403
from yiwang.services.tests.factories import ServiceItemFactory

GUIDE_LABELS = [
    "事项名称",
    "实施主体",
    "办理条件",
    "申请材料",
    "办理流程",
    "办理时限",
    "收费标准",
    "办理地点",
    "咨询电话",
    "监督电话",
    "网上办理深度",
    "办理时间",
    "结果送达方式",
    "表格下载",
]


@pytest.fixture
def food(world):
    return ServiceItemFactory(organization=world.market, name="食品经营许可", popularity=900)


def test_home_lists_themes_departments_levels_and_popular_items(client, world, food):
    ServiceItemFactory(
        organization=world.health, name="出生医学证明签发", themes=["birth"], served_subjects=["person"]
    )
    response = client.get("/services/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "个人办事",
        "法人办事",
        "生育收养",
        "设立开办",
        "示范市市场监督管理局",
        "市级",
        "食品经营许可",
    ):
        assert text in html


def test_browse_by_theme_department_and_level(client, world, food):
    birth = ServiceItemFactory(
        organization=world.health, name="出生医学证明签发", themes=["birth"], served_subjects=["person"]
    )
    html = client.get("/services/", {"theme": "birth"}).content.decode()
    assert birth.name in html and "食品经营许可</strong>" not in html
    html = client.get("/services/", {"department": "scjg"}).content.decode()
    assert "食品经营许可</strong>" in html and "出生医学证明签发</strong>" not in html
    html = client.get("/services/", {"level": "street"}).content.decode()
    assert "没有符合条件的事项" in html
    assert client.get("/services/", {"theme": "nonsense"}).status_code == 200


def test_search_page_finds_food_licence_for_everyday_words(client, world, food):
    ServiceItemFactory(
        organization=world.health, name="出生医学证明签发", keywords="生孩子", themes=["birth"]
    )
    for q in ("食品经营", "开餐馆"):
        html = client.get("/services/search", {"q": q}).content.decode()
        assert f'href="/services/items/{food.implementation_code}/"' in html, q
        assert "出生医学证明签发" not in html
    assert "没有找到相关事项" in client.get("/services/search", {"q": "火箭发射"}).content.decode()
    assert "请输入" in client.get("/services/search").content.decode()


def test_guide_has_the_14_elements_the_diagram_and_the_apply_link(client, world, food):
    response = client.get(f"/services/items/{food.implementation_code}/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in GUIDE_LABELS:
        assert f"<dt>{label}</dt>" in html or f"<h2>{label}</h2>" in html, label
    assert "<svg" in html and "待受理" in html and "准予许可" in html  # the workflow diagram
    assert f'href="/services/items/{food.implementation_code}/apply/"' in html
    assert "营业执照" in html and "委托他人代为办理的" in html
    assert "services/catalogue.css" in html
    css = (Path(__file__).parents[1] / "static/services/catalogue.css").read_text(encoding="utf-8")
    assert "@media print" in css
    assert " style=" not in html.split("<main", 1)[1]  # the CSP forbids inline style attributes


def test_the_guide_page_shows_the_diagram_and_prints_the_step_list(client, world):
    item = ServiceItemFactory(organization=world.market, name="食品经营许可", process_description="")
    html = client.get(f"/services/items/{item.implementation_code}/").content.decode()
    process = html.split('id="guide-process"', 1)[1].split("</section>", 1)[0]
    svg = re.search(r"<svg[^>]*class=\"process-diagram\"[^>]*>.*?</svg>", process, re.S)
    assert svg is not None
    assert re.search(r'width="\d+" height="\d+"', svg.group(0))  # natural size: legible, scrolls on a phone
    actions = re.findall(  # the action labels (the diagram itself: yiwang/workflow/tests/test_diagram.py)
        r'<g class="action"><rect [^>]*fill="#ffffff"[^>]*/><text [^>]*>([^<]*)</text></g>', svg.group(0)
    )
    assert actions.count("撤回申请") == 1 and actions.count("办结送达") == 1 and len(actions) == 11
    assert 'class="process-scroll"' in process
    steps = process.split('<ol class="process-steps">', 1)[1].split("</ol>", 1)[0]
    assert steps.count("<li>") == 7
    assert "<li><strong>待受理、待补正、待补正（审查退回）</strong>：撤回申请 → 已撤回</li>" in steps
    assert "<li><strong>待补正（审查退回）</strong>：提交补正材料（回到审查） → 审查中</li>" in steps
    assert steps.count("撤回申请") == 1 and steps.count("办结送达") == 1
    assert "待受理 → 审查中 → 待决定 → 准予许可（待办结） → 已办结" in process  # the main path as text


def test_an_unknown_process_has_no_diagram(db):
    assert process_diagram("no_such_process").states == []


def test_unknown_and_draft_items_are_not_found(client, world):
    assert client.get("/services/items/NOPE/").status_code == 404
    draft = ServiceItemFactory(organization=world.market, status="draft", is_current=False, published_at=None)
    assert client.get(f"/services/items/{draft.implementation_code}/").status_code == 404


def test_old_version_stays_readable(client, world, food):
    actor = Actor.for_user(world.catalog_admin)
    item_publish(actor=actor, item=item_update(actor=actor, item=food, name="食品经营许可（2027 版）"))
    current = client.get(f"/services/items/{food.implementation_code}/").content.decode()
    old = client.get(f"/services/items/{food.implementation_code}/", {"version": 1}).content.decode()
    assert "食品经营许可（2027 版）" in current
    assert "历史版本" in old and "<h1>食品经营许可</h1>" in old


def test_form_download_is_an_excel_template_of_the_schema(client, world, food):
    response = client.get(f"/services/items/{food.implementation_code}/form.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    sheet = workbook["申请表"]
    labels = [row[0].value for row in sheet.iter_rows(min_row=4)]
    assert "经营者名称*" in labels and "拟开业日期" in labels and "身份证号码*" in labels
    assert "从业人员" in workbook.sheetnames
    assert [c.value for c in workbook["从业人员"][1]] == ["姓名*", "身份证号码*", "健康证号"]
    assert sheet.data_validations.dataValidation  # the 主体业态 drop-down
