"""12345 in Chromium, one persona's day per test: the agent answers a 咨询 from the knowledge base; a
night-time construction-noise 投诉 goes round the joint-handling loop, is reopened and archived; a
wrong dispatch is returned and re-dispatched; an overdue ticket reaches the department head's
消息中心; two callers about one pothole are merged; the citizen's report form fits a phone."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from yiwang.core.models import Notification
from yiwang.hotline import classification, classifier
from yiwang.hotline.actions.knowledge import knowledge_entry_save
from yiwang.hotline.actions.tickets import (
    ticket_callback,
    ticket_close,
    ticket_dispatch,
    ticket_register,
    ticket_reply,
    ticket_sign_for,
)
from yiwang.hotline.models import KnowledgeEntry, Ticket, TicketParty
from yiwang.hotline.tests.conftest import HotlineCity
from yiwang.identity.actor import Actor
from yiwang.workflow.actions import tick
from yiwang.workflow.models import Escalation, ProcessEvent, ProcessInstance
from yiwang.workflow.tests.factories import at, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SignedIn = Callable[[Any], Page]

# A handmade labelled list for the fixture's leaf categories (our own wording, ten per category).
CORPUS = {
    "environment.construction_noise": [
        "工地半夜还在打桩，吵得睡不着",
        "附近建筑工地夜间施工噪音太大",
        "晚上十一点工地还在浇筑混凝土，机器轰鸣",
        "小区旁边的工地凌晨还在施工扰民",
        "施工队夜里用电钻切割钢筋，噪声很大",
        "工地的塔吊和搅拌机半夜作业，影响休息",
        "深夜渣土车进出工地，还在打桩施工",
        "建筑工地每天晚上施工到凌晨两点，太吵了",
        "夜间施工噪声扰民，工地没有夜间施工许可",
        "工地夜里敲打钢管的声音很响，孩子睡不着",
    ],
    "appearance.street_vending": [
        "菜场门口有人占道摆摊卖菜，车过不去",
        "路边小贩摆摊占用人行道",
        "夜市摊贩把摊位摆到马路上，堵塞交通",
        "学校门口流动摊贩占道经营",
        "商铺把货物堆到人行道上占道经营",
        "早市摊点占用机动车道，影响通行",
        "有人在路口摆摊卖水果，占了半条路",
        "烧烤摊占道经营，桌椅摆满人行道",
        "小区门口流动商贩乱摆摊",
        "地铁站出口有人摆地摊，行人走不过去",
    ],
    "labour.unpaid_wages": [
        "公司拖欠我两个月工资不发",
        "老板一直不给农民工结工资",
        "工厂拖欠员工工资，已经三个月了",
        "包工头欠我们的工钱跑了",
        "单位辞退我以后不结清工资",
        "公司以各种理由克扣工资，拖着不发",
        "干了半年活，老板拖欠工资不给",
        "餐馆老板拖欠服务员工资",
        "施工单位拖欠农民工工资，年底讨薪",
        "离职后公司拒绝支付最后一个月的工资",
    ],
}
NOISE = "我家旁边的工地每天半夜还在打桩施工，噪音吵得全家睡不着，请管一管"
POTHOLE_FIRST = "湖滨路中段路面有个大坑，晚上电动车经过容易摔倒，请尽快修补"
POTHOLE_SECOND = "湖滨路中段有个大坑，好几辆电动车经过都摔倒了，希望尽快修补路面"
POTHOLE_THIRD = "湖滨路中段路面有个大坑，昨晚我骑电动车差点摔倒，请尽快修补"


@pytest.fixture(scope="module")
def trained() -> classifier.TrainedModel:
    texts = [text for rows in CORPUS.values() for text in rows]
    labels = [label for label, rows in CORPUS.items() for _ in rows]
    return classifier.train(texts, labels, seed=0)


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    """Each test's own data directory: no classifier model unless the test saves one."""
    settings.DATA_DIR = tmp_path


@pytest.fixture
def city(transactional_db: None, hotline_city: HotlineCity) -> HotlineCity:
    """The conftest's small city, in a database the live server's threads share (the marker makes
    `hotline_city`'s `db` transactional; asking for `transactional_db` first says so)."""
    return hotline_city


def _with_model(model: classifier.TrainedModel) -> None:
    classifier.save(model, classification.model_path())


def _register(city: HotlineCity, content: str, **extra: Any) -> Ticket:
    values: dict[str, Any] = {
        "kind": Ticket.Kind.COMPLAINT,
        "content": content,
        "caller_name": "张三",
        "caller_phone": "13912345678",
        "region": city.regions["east"],
    }
    values.update(extra)
    return ticket_register(actor=city.actor("agent"), **values)


def _access_key(page: Page, letter: str) -> None:
    """Alt+<letter> as a real keyboard sends it: Chromium finds the element by the key event's
    unmodified text, which Playwright's `keyboard.press("Alt+s")` leaves empty (access keys never
    fire through it), so the key goes through the DevTools protocol."""
    session = page.context.new_cdp_session(page)
    key = {"modifiers": 1, "key": letter, "code": f"Key{letter.upper()}", "unmodifiedText": letter}
    key["windowsVirtualKeyCode"] = ord(letter.upper())
    session.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", **key})
    session.send("Input.dispatchKeyEvent", {"type": "char", "text": letter, **key})
    session.send("Input.dispatchKeyEvent", {"type": "keyUp", **key})
    session.detach()


def _screenshot(target: Any, name: str, **options: Any) -> None:
    """A picture for a person to look at the layout (not compared): the temp directory, or
    YIWANG_SCREENSHOT_DIR."""
    directory = Path(os.environ.get("YIWANG_SCREENSHOT_DIR") or tempfile.gettempdir())
    target.screenshot(path=str(directory / name), **options)


def _done(page: Page, message: str) -> None:
    expect(page.locator(".messages")).to_contain_text(message)


def _open(page: Page, ticket: Ticket) -> None:
    page.goto(f"/hotline/tickets/{ticket.uid}/")
    expect(page.locator("h1")).to_contain_text(ticket.title)


def _fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("organization", "category").get(pk=ticket.pk)


def _timeline(ticket: Ticket) -> list[str]:
    """The action names of the ticket's own instance, oldest first."""
    return list(
        ProcessEvent.objects.filter(instance_id=ticket.process_instance_id)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


# -- 1. a 咨询 answered from the knowledge base ------------------------------------------------------


def test_an_agent_answers_a_consultation_from_the_knowledge_base(
    city: HotlineCity, signed_in: SignedIn
) -> None:
    earlier = _register(
        city, "去年反映的小区路灯不亮，想问问修好了没有", kind=Ticket.Kind.CONSULT, now=at("2026-11-02 10:00")
    )
    entry = knowledge_entry_save(
        actor=Actor.system(),
        code="hrss-social-card-reissue",
        organization=city.orgs["hrss"],
        title="社保卡丢失补办",
        answer="社保卡丢失请先拨打 96142 挂失，再携带身份证到任一社保服务网点补办，当场制卡。",
        question_variants=["社保卡丢了怎么补办", "社保卡掉了去哪里补"],
        keywords=["社保卡", "补办", "挂失"],
    )

    page = signed_in(city.users["agent"])
    page.goto("/hotline/intake/")
    page.locator("#caller-phone").press_sequentially("13912345678")
    expect(page.locator("#caller-history")).to_contain_text(earlier.ticket_no)
    page.locator("#caller-name").fill("张三")
    expect(page.get_by_label("咨询")).to_be_checked()
    page.locator("#content").press_sequentially("你好，我的社保卡丢了，怎么补办？")
    hits = page.locator("#kb-hits")
    expect(hits.locator("li").first).to_contain_text("社保卡丢失补办")
    _screenshot(page, "hotline-intake.png", full_page=True)
    hits.locator("li").first.get_by_role("button", name="用此答复").click()
    expect(page.locator("#answer")).to_have_value(entry.answer)
    expect(page.locator("#entry")).to_have_value("hrss-social-card-reissue")
    _access_key(page, "s")  # 登记（Alt+S）
    page.wait_for_url(re.compile(r"/hotline/tickets/[0-9a-f-]+/$"))

    ticket = Ticket.objects.exclude(pk=earlier.pk).get()
    _done(page, f"已登记并直接答复办结：{ticket.ticket_no}")
    expect(page.locator("#ticket-status")).to_have_text("已办结")
    expect(page.get_by_text("知识库：社保卡丢失补办")).to_be_visible()
    assert (ticket.kind, ticket.status, ticket.caller_phone) == ("consult", "closed", "13912345678")
    assert ticket.knowledge_entry_id == entry.pk
    assert KnowledgeEntry.objects.get(pk=entry.pk).uses == entry.uses + 1
    assert _timeline(ticket) == ["start", "answer_directly"]
    answered = ProcessEvent.objects.get(instance_id=ticket.process_instance_id, action="answer_directly")
    assert answered.comment == entry.answer


# -- 2. a 投诉 round the joint-handling loop, reopened and archived ----------------------------------


def _sign_for_and_reply(page: Page, ticket: Ticket, reply: str) -> None:
    page.goto("/hotline/")
    page.get_by_role("link", name=ticket.ticket_no).click()
    page.locator("#sign-for").click()
    _done(page, f"已签收：{ticket.ticket_no}")
    _reply(page, ticket, reply)


def _reply(page: Page, ticket: Ticket, reply: str) -> None:
    page.locator("#reply-comment").fill(reply)
    page.locator("form:has(#reply-comment) button[type=submit]").click()
    _done(page, f"已答复：{ticket.ticket_no}")


def _callback(page: Page, ticket: Ticket, satisfaction: str, resolved: str, comment: str) -> None:
    page.goto("/hotline/")  # an agent starts at 待回访
    expect(page.locator(".queue-tab.active")).to_contain_text("待回访")
    page.get_by_role("link", name=ticket.ticket_no).click()
    page.get_by_label(satisfaction, exact=True).check()
    page.get_by_label(resolved, exact=True).check()
    page.locator("#callback-comment").fill(comment)
    page.get_by_role("button", name="记录回访").click()
    _done(page, f"已记录回访：{ticket.ticket_no}")


def _close(page: Page, ticket: Ticket) -> None:
    _open(page, ticket)
    expect(page.locator("#ticket-status")).to_have_text("待审核")
    page.locator("#close-ticket").click()
    _done(page, f"已审核办结：{ticket.ticket_no}")
    expect(page.locator("#ticket-status")).to_have_text("已办结")


def test_a_night_noise_complaint_is_handled_jointly_reopened_and_archived(
    city: HotlineCity, signed_in: SignedIn, trained: classifier.TrainedModel
) -> None:
    _with_model(trained)
    # The agent registers the call.
    agent = signed_in(city.users["agent"])
    agent.goto("/hotline/intake/")
    agent.locator("#caller-phone").press_sequentially("13700001111")
    expect(agent.locator("#caller-panel")).to_contain_text("该号码没有历史工单（首次来电）")
    agent.locator("#caller-name").fill("刘女士")
    agent.get_by_label("投诉", exact=True).check()
    agent.locator("#content").press_sequentially(NOISE)
    expect(agent.locator("#intake-suggestions li").first).to_contain_text("施工噪声")
    agent.locator("#region").select_option("329902")
    agent.locator("#address").fill("东湖区湖滨路 66 号工地")
    agent.get_by_role("button", name="登记（Alt+S）").click()
    agent.wait_for_url(re.compile(r"/hotline/tickets/[0-9a-f-]+/$"))
    ticket = Ticket.objects.get()
    _done(agent, f"已登记：{ticket.ticket_no}")
    expect(agent.locator("#ticket-status")).to_have_text("待派单")
    assert (ticket.kind, ticket.status, ticket.region, ticket.category) == (
        "complaint",
        "registered",
        city.regions["east"],
        None,
    )
    assert ticket.suggested_category == city.categories["construction"]

    # The dispatcher sees the classifier's suggestions with the 派单目录's plan and confirms the first.
    dispatcher = signed_in(city.users["dispatcher"])
    dispatcher.goto("/hotline/")
    expect(dispatcher.locator(".queue-tab.active")).to_contain_text("待派单")
    dispatcher.get_by_role("link", name=ticket.ticket_no).click()
    panel = dispatcher.locator("#dispatch-panel")
    first = panel.locator(".suggestion").first
    expect(first).to_contain_text("施工噪声")
    expect(first).to_contain_text("主办：市城管局；协办：市生态环境局")
    expect(dispatcher.locator("#confirm-dispatch")).to_contain_text("确认派单（Alt+D）")
    _screenshot(panel, "hotline-dispatch.png")
    _access_key(dispatcher, "d")
    dispatcher.wait_for_url(re.compile(r"/hotline/\?queue=registered$"))
    _done(dispatcher, f"已派单：{ticket.ticket_no}")
    expect(dispatcher.get_by_role("link", name=ticket.ticket_no)).to_have_count(0)
    ticket = _fresh(ticket)
    assert (ticket.status, ticket.organization, ticket.category) == (
        "joint",
        city.orgs["urban"],
        city.categories["construction"],
    )
    parties = {(p.organization.code, p.role) for p in TicketParty.objects.filter(ticket=ticket)}
    assert parties == {("city-urban", "lead"), ("city-eco", "assist")}

    # The 协办 department signs for and replies, then the lead department.
    eco = signed_in(city.users["eco"])
    _sign_for_and_reply(eco, ticket, "已对该工地夜间噪声监测，超标，已立案查处")
    expect(eco.locator("#ticket-status")).to_have_text("联合办理中")
    urban = signed_in(city.users["urban"])
    _sign_for_and_reply(urban, ticket, "已责令工地夜间停止打桩作业")
    children = dict(
        ProcessInstance.objects.filter(parent_id=ticket.process_instance_id).values_list(
            "organization__code", "state"
        )
    )
    assert children == {"city-eco": "replied", "city-urban": "replied"}

    # The dispatcher consolidates and closes; the caller is unhappy: 重办.
    _open(dispatcher, ticket)
    dispatcher.locator("#consolidate-comment").fill("城管局责令夜间停工，生态环境局已立案查处")
    dispatcher.locator("form:has(#consolidate-comment) button[type=submit]").click()
    _done(dispatcher, f"已汇总答复：{ticket.ticket_no}")
    _close(dispatcher, ticket)
    assert _fresh(ticket).status == "closed"
    _callback(agent, ticket, "不满意（将重办）", "未解决（将重办）", "夜里十一点后还在施工")
    expect(agent.locator("#ticket-status")).to_have_text("办理中")
    ticket = _fresh(ticket)
    instance = ProcessInstance.objects.get(pk=ticket.process_instance_id)
    reopened = ProcessEvent.objects.get(instance=instance, action="reopen")
    assert (ticket.status, ticket.reopened_count, ticket.satisfaction, ticket.resolved) == (
        "handling",
        1,
        "dissatisfied",
        False,
    )
    assert reopened.fields == {"reason": "夜里十一点后还在施工"}
    # A fresh time limit: the overall clock restarted at the 重办.
    assert instance.overall_started_at == reopened.created_at
    assert ticket.due_at == instance.deadline and ticket.due_at > reopened.created_at
    assert _timeline(ticket)[-3:] == ["consolidate", "close", "reopen"]

    # The lead department replies again, the dispatcher closes, the caller is satisfied: 已归档.
    _open(urban, ticket)
    _reply(urban, ticket, "已安排夜间巡查，工地 22 时后停工")
    expect(urban.locator("#ticket-status")).to_have_text("待审核")
    _close(dispatcher, ticket)
    _callback(agent, ticket, "满意", "已解决", "已不再夜间施工")
    expect(agent.locator("#ticket-status")).to_have_text("已归档")
    ticket = _fresh(ticket)
    assert (ticket.status, ticket.is_open, ticket.satisfaction, ticket.resolved) == (
        "archived",
        False,
        "satisfied",
        True,
    )
    assert _timeline(ticket) == [
        "start",
        "joint_dispatch",
        "child_reply",  # 协办
        "child_reply",  # 主办
        "consolidate",
        "close",
        "reopen",
        "reply",
        "close",
        "callback",
    ]


# -- 3. a wrong dispatch, returned and re-dispatched ------------------------------------------------


def test_a_wrong_dispatch_is_returned_and_redispatched(city: HotlineCity, signed_in: SignedIn) -> None:
    ticket = _register(city, "公司拖欠我两个月工资，老板一直推脱不给")

    # No classifier model: the dispatcher picks the category and, by hand, the wrong 主办单位.
    dispatcher = signed_in(city.users["dispatcher"])
    _open(dispatcher, ticket)
    expect(dispatcher.get_by_text("暂无智能分类建议")).to_be_visible()
    dispatcher.locator("#dispatch-category").select_option("labour.unpaid_wages")
    dispatcher.locator("#dispatch-org").select_option("city-urban")
    dispatcher.locator("#dispatch-comment").fill("请核实处理")
    dispatcher.locator("form:has(#dispatch-org) button[type=submit]").click()
    _done(dispatcher, f"已派单：{ticket.ticket_no}")
    expect(dispatcher.locator("#ticket-status")).to_have_text("待签收")
    expect(dispatcher.locator("#ticket-parties")).to_have_text("市城管局（主办）")
    assert (_fresh(ticket).status, _fresh(ticket).organization) == ("dispatched", city.orgs["urban"])

    # The department returns it with a reason.
    urban = signed_in(city.users["urban"])
    urban.goto("/hotline/?queue=dispatched")
    urban.get_by_role("link", name=ticket.ticket_no).click()
    urban.locator("summary", has_text="退单").click()
    urban.locator("#return-reason").fill("拖欠工资属劳动监察职责，请改派人社局")
    urban.locator("form:has(#return-reason) button[type=submit]").click()
    _done(urban, f"已退单，等待派单员审核：{ticket.ticket_no}")
    ticket = _fresh(ticket)
    assert (ticket.status, ticket.organization, ticket.returned_count) == (
        "returned",
        city.orgs["center"],
        1,
    )

    # The dispatcher finds it in 退单待审核, reads the reason and re-dispatches by the 派单目录.
    dispatcher.goto("/hotline/?queue=returned")
    expect(dispatcher.locator(".queue-tab.active")).to_contain_text("退单待审核")
    dispatcher.get_by_role("link", name=ticket.ticket_no).click()
    expect(dispatcher.locator("#ticket-status")).to_have_text("已退单")
    expect(dispatcher.locator(".timeline")).to_contain_text("拖欠工资属劳动监察职责，请改派人社局")
    expect(dispatcher.locator("#ticket-parties")).to_have_text("市城管局（主办，已退单）")
    expect(dispatcher.locator("#dispatch-category")).to_have_value("labour.unpaid_wages")
    dispatcher.locator("#dispatch-org").select_option("")
    dispatcher.locator("form:has(#dispatch-org) button[type=submit]").click()
    _done(dispatcher, f"已派单：{ticket.ticket_no}")

    # The right department sees it in 待签收.
    hrss = signed_in(city.users["hrss"])
    hrss.goto("/hotline/?queue=dispatched")
    expect(hrss.locator(f"tr[data-ticket='{ticket.ticket_no}']")).to_contain_text("市人社局")
    hrss.get_by_role("link", name=ticket.ticket_no).click()
    expect(hrss.locator("#ticket-status")).to_have_text("待签收")
    expect(hrss.locator("#sign-for")).to_be_visible()
    expect(hrss.locator("#ticket-parties")).to_have_text("市城管局（主办，已退单）、市人社局（主办）")
    ticket = _fresh(ticket)
    assert (ticket.status, ticket.organization, ticket.returned_count) == (
        "dispatched",
        city.orgs["hrss"],
        1,
    )
    parties = {(p.organization.code, p.role, p.returned) for p in TicketParty.objects.filter(ticket=ticket)}
    assert parties == {("city-urban", "lead", True), ("city-hrss", "lead", False)}
    assert _timeline(ticket) == ["start", "dispatch", "return_ticket", "redispatch"]


# -- 4. an overdue ticket reaches the department head ------------------------------------------------


def test_an_overdue_ticket_reaches_the_department_head(city: HotlineCity, signed_in: SignedIn) -> None:
    head = staff(city.orgs["east_urban"], roles=["department_head"], name="东湖区城管局局长")
    ticket = _register(city, "湖滨路菜场门口天天有人占道摆摊卖菜，车都过不去", now=at("2026-11-02 09:00"))
    ticket_dispatch(
        actor=city.actor("dispatcher"),
        ticket=ticket,
        category=city.categories["vending"],
        now=at("2026-11-02 09:30"),
    )
    ticket_sign_for(actor=city.actor("east_urban"), ticket=ticket, now=at("2026-11-02 10:00"))
    ticket = _fresh(ticket)
    assert (ticket.status, ticket.organization) == ("handling", city.orgs["east_urban"])
    # 一般 5 working days from Monday morning: the close of office of the next Monday.
    assert ticket.due_at == at("2026-11-09 17:30")

    result = tick(now=at("2026-11-09 22:30"))  # five hours past the deadline

    assert result.overdue == 1
    instance = ProcessInstance.objects.get(pk=ticket.process_instance_id)
    link = f"/workbench/instances/{instance.pk}/"
    officer = list(
        Notification.objects.filter(recipient=city.users["east_urban"]).values_list("title", "link")
    )
    assert officer == [(f"{instance.title}已超期", link)]
    # (The head is also sent the warning chain's "即将超期" notice, late: reported, not asserted.)
    told = list(Notification.objects.filter(recipient=head).values_list("title", "link"))
    assert (f"督办：{instance.title}", link) in told
    # The overdue chain's first two levels are due: the 经办人 at once, the 部门负责人 after 4 hours.
    assert Escalation.objects.filter(instance=instance, kind="overdue").count() == 2

    page = signed_in(head)
    page.goto("/notifications/")
    notice = page.locator(".notification", has_text=f"督办：{instance.title}").first
    expect(notice).to_contain_text("已超过办理时限")
    notice.get_by_role("link", name=f"督办：{instance.title}").click()
    page.wait_for_url(f"**/hotline/tickets/{ticket.uid}/")
    expect(page.locator("h1")).to_contain_text(ticket.title)
    expect(page.locator("#ticket-sla")).to_contain_text("已超期")
    expect(page.locator("#ticket-parties")).to_have_text("东湖区城管局（主办）")


# -- 5. callers about one pothole, merged ---------------------------------------------------------------


def test_the_agent_merges_a_second_call_about_a_pothole_at_intake(
    city: HotlineCity, signed_in: SignedIn
) -> None:
    street = city.regions["street"]
    first = _register(city, POTHOLE_FIRST, region=street, address="湖滨路中段", caller_phone="13911110001")

    # The agent picks the street and types the second caller's words; the first ticket shows as similar.
    agent = signed_in(city.users["agent"])
    agent.goto("/hotline/intake/")
    agent.locator("#caller-phone").press_sequentially("13922220002")
    agent.get_by_label("投诉", exact=True).check()
    agent.locator("#region").select_option(street.code)
    agent.locator("#content").press_sequentially(POTHOLE_SECOND)
    similar = agent.locator("#intake-duplicates li", has_text=first.ticket_no)
    expect(similar).to_contain_text("相似度")
    similar.get_by_role("button", name="并入此单").click()
    note = f"登记后并入 {first.ticket_no}（随主单办理，来电人一同获知结果）"
    expect(agent.locator("#merge-note-text")).to_have_text(note)
    expect(agent.locator("#merge-into")).to_have_value(first.ticket_no)
    agent.get_by_role("button", name="登记（Alt+S）").click()
    agent.locator(".messages").wait_for()
    agent.wait_for_url(re.compile(r"/hotline/tickets/[0-9a-f-]+/$"))
    second = Ticket.objects.get(caller_phone="13922220002")
    _done(agent, f"已登记并并入 {first.ticket_no}：{second.ticket_no}")
    expect(agent.locator("h1 + p")).to_contain_text("已并入")
    expect(agent.locator(".timeline")).to_contain_text("并单（随主单办理）")
    agent.get_by_role("link", name=first.ticket_no).click()
    agent.wait_for_url(f"**/hotline/tickets/{first.uid}/")
    expect(agent.locator(".timeline")).to_contain_text("并入关联工单")
    assert second.merged_into == first
    assert _timeline(first) == ["start", "merge"] and _timeline(second) == ["start", "merge"]
    assert ProcessInstance.objects.get(pk=second.process_instance_id).suspended_at is not None


def test_a_merged_report_ends_with_the_first_ticket_and_its_caller_is_told(
    city: HotlineCity, signed_in: SignedIn
) -> None:
    street = city.regions["street"]
    first = _register(city, POTHOLE_FIRST, region=street, address="湖滨路中段", caller_phone="13911110001")

    # A second caller writes in with an account; the dispatcher merges it from its ticket page.
    citizen = city.users["citizen"]
    mine = signed_in(citizen)
    mine.goto("/hotline/report/")
    mine.locator("#report-content").fill(POTHOLE_THIRD)
    mine.locator("#report-region").select_option(street.code)
    mine.locator("#report-address").fill("湖滨路中段公交站旁")
    mine.get_by_role("button", name="提交").click()
    mine.wait_for_url(re.compile(r"/hotline/mine/[0-9a-f-]+/$"))
    second = Ticket.objects.get(caller_user=citizen)
    dispatcher = signed_in(city.users["dispatcher"])
    _open(dispatcher, second)
    merge_form = dispatcher.locator("form:has(input[name=op][value=merge])")
    expect(merge_form.get_by_label(re.compile(first.ticket_no))).to_be_checked()
    merge_form.locator("#merge-comment").fill("同一坑洞")
    merge_form.get_by_role("button", name="并单").click()
    _done(dispatcher, f"已并单：{second.ticket_no}")
    expect(dispatcher.locator("h1 + p")).to_contain_text("已并入")
    expect(dispatcher.locator(".timeline")).to_contain_text("并单（随主单办理）")
    dispatcher.locator("h1 + p").get_by_role("link", name=first.ticket_no).click()
    dispatcher.wait_for_url(f"**/hotline/tickets/{first.uid}/")
    expect(dispatcher.locator(".timeline")).to_contain_text("并入关联工单")
    assert _fresh(second).merged_into == first
    assert _timeline(first) == ["start", "merge"] and _timeline(second) == ["start", "merge"]
    instance = ProcessInstance.objects.get(pk=second.process_instance_id)
    assert instance.suspended_at is not None
    assert list(Notification.objects.filter(recipient=citizen).values_list("title", flat=True)) == [
        f"您的“{instance.title}”已并单（随主单办理），当前状态：已受理（待派单）",
    ]

    # The first ticket runs its course; the merged one ends with it, at 归档 (its process's end).
    ticket_dispatch(
        actor=city.actor("dispatcher"),
        ticket=first,
        category=city.categories["vending"],
        organization=city.orgs["east_urban"],
    )
    ticket_sign_for(actor=city.actor("east_urban"), ticket=first)
    ticket_reply(actor=city.actor("east_urban"), ticket=first, comment="坑洞已用沥青修补")
    ticket_close(actor=city.actor("dispatcher"), ticket=first)
    assert _fresh(second).status == "registered"  # 办结 is not the end: the first caller's 回访 is
    ticket_callback(
        actor=city.actor("agent"), ticket=first, satisfaction="satisfied", resolved=True, comment="已修好"
    )
    second = _fresh(second)
    assert (second.status, second.is_open) == ("archived", False)
    assert _timeline(second) == ["start", "merge", "follow"]
    told = Notification.objects.filter(recipient=citizen).order_by("pk").last()
    assert told is not None
    assert told.title == f"您的“{instance.title}”已随主单办结，当前状态：已归档"
    assert told.body.startswith(f"您的“{instance.title}”已随主单办结，当前状态：已归档。")

    mine.goto("/notifications/")
    mine.get_by_role("link", name=told.title).click()
    mine.wait_for_url(f"**/hotline/mine/{second.uid}/")
    expect(mine.locator("#ticket-status")).to_have_text("已归档")
    expect(mine.locator("#merged-notice")).to_contain_text(f"与工单 {first.ticket_no} 合并办理")


# -- the citizen's report form on a phone ---------------------------------------------------------------


def test_the_report_form_fits_a_phone(city: HotlineCity, signed_in: SignedIn) -> None:
    page = signed_in(city.users["citizen"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/hotline/report/")
    page.locator("#report-content").fill("小区门口的路灯坏了一个多月，晚上漆黑一片，老人出门不方便")
    page.locator("#report-region").select_option(city.regions["street"].code)
    page.locator("#report-address").fill("湖滨街道湖滨路 88 号小区南门")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths == [390, 390]  # no horizontal scroll
    submit = page.get_by_role("button", name="提交")
    submit.scroll_into_view_if_needed()
    expect(submit).to_be_in_viewport()
    box = submit.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    submit.click()
    page.wait_for_url(re.compile(r"/hotline/mine/[0-9a-f-]+/$"))
    ticket = Ticket.objects.get()
    _done(page, f"您的诉求已受理，工单编号 {ticket.ticket_no}")
    assert (ticket.caller_user, ticket.kind, ticket.region) == (
        city.users["citizen"],
        "complaint",
        city.regions["street"],
    )
