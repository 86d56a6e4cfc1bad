"""Open311 GeoReport v2 over a live server: every read through the real `georeport` client (the
token lookup, which it lacks, and the raw XML checks through `requests`), every POST form-encoded
as an Open311 client sends it. What the public may see of a ticket is checked on the wire."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
import requests
from django.utils import timezone
from georeport import GeoReport

from yiwang.core.models import AuditEvent
from yiwang.hotline.actions.tickets import (
    ticket_answer,
    ticket_callback,
    ticket_close,
    ticket_dispatch,
    ticket_register,
    ticket_reply,
    ticket_sign_for,
)
from yiwang.hotline.models import Ticket
from yiwang.hotline.selectors import open311 as selectors
from yiwang.hotline.tests.conftest import category
from yiwang.identity.api_auth import hash_token
from yiwang.identity.models import ApiToken
from yiwang.workflow.tests.factories import at, staff

pytestmark = pytest.mark.django_db(transaction=True)

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
NOVEMBER = {"start_date": "2026-11-01T00:00:00+08:00", "end_date": "2026-11-30T00:00:00+08:00"}
COMPLAINT_TEXT = "湖滨路菜场门口天天有人占道摆摊，车都过不去"
CONSULT_TEXT = "请问居住证到哪里办理，需要带什么材料"
PHONE_TEXT = "我家楼下的路灯坏了三天了"
SECRET_TEXT = "某工地夜间施工，我是隔壁住户，请为我保密"


def _root(live_server) -> str:
    return f"{live_server.url}/open311/v2"


def _client(live_server, output_format: str = "json") -> GeoReport:
    return GeoReport(_root(live_server), output_format=output_format)


def _token(user, text: str, **extra) -> str:
    ApiToken.objects.create(
        user=user, name="Open311 对接", prefix=text[:8], token_hash=hash_token(text), **extra
    )
    return text


def _xml(response: requests.Response) -> ElementTree.Element:
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.content)  # noqa: S314 — our own server's answer, in a test


def _hotline_audits() -> int:
    return AuditEvent.objects.filter(action__startswith="hotline.").count()


@pytest.fixture
def published(hotline_city):
    """Tickets of 6 November 2026: two a citizen published (a 投诉 and a 咨询 answered on the spot)
    and three that must never be listed (a phone call, a confidential Open311 one, a system one)."""
    city = hotline_city
    citizen, agent = city.actor("citizen"), city.actor("agent")
    complaint = ticket_register(
        actor=citizen,
        kind=Ticket.Kind.COMPLAINT,
        content=COMPLAINT_TEXT,
        channel=Ticket.Channel.WEB,
        address="湖滨路 12 号",
        category=city.categories["vending"],
        now=at("2026-11-06 10:00"),
    )
    consult = ticket_register(
        actor=citizen,
        kind=Ticket.Kind.CONSULT,
        content=CONSULT_TEXT,
        channel=Ticket.Channel.MOBILE,
        category=city.categories["wages"],
        now=at("2026-11-06 09:00"),
    )
    ticket_answer(actor=agent, ticket=consult, comment="请到户籍所在地派出所办理", now=at("2026-11-06 09:10"))
    phone = ticket_register(
        actor=agent,
        kind=Ticket.Kind.HELP,
        content=PHONE_TEXT,
        caller_name="张三",
        caller_phone="13912345678",
        category=city.categories["vending"],
        now=at("2026-11-06 11:00"),
    )
    secret = ticket_register(
        actor=agent,
        kind=Ticket.Kind.SUGGESTION,
        content=SECRET_TEXT,
        channel=Ticket.Channel.OPEN311,
        confidential=True,
        caller_name="李四",
        caller_phone="13700000000",
        category=city.categories["construction"],
        now=at("2026-11-06 12:00"),
    )
    system = ticket_register(
        actor=agent,
        kind=Ticket.Kind.SUGGESTION,
        content="系统对接推送的诉求",
        channel=Ticket.Channel.API,
        now=at("2026-11-06 13:00"),
    )
    return {"complaint": complaint, "consult": consult, "phone": phone, "secret": secret, "system": system}


# -- services ----------------------------------------------------------------------------------


def test_the_service_list_is_the_active_leaf_categories_in_json_and_xml(hotline_city, live_server):
    appearance = hotline_city.categories["appearance"]
    category("appearance.retired", "已停用分类", appearance, is_active=False)
    vending = hotline_city.categories["vending"]
    vending.keywords, vending.description = ["摆摊", "占道"], "占用道路摆摊设点"
    vending.save()

    services = _client(live_server).get_service_list()

    assert services == [
        {
            "service_code": "appearance.street_vending",
            "service_name": "占道经营",
            "description": "占用道路摆摊设点",
            "metadata": False,
            "type": "realtime",
            "keywords": "摆摊, 占道",
            "group": "市容环境",
        },
        {
            "service_code": "environment.construction_noise",
            "service_name": "施工噪声",
            "description": "",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "生态环境",
        },
        {
            "service_code": "labour.unpaid_wages",
            "service_name": "拖欠工资",
            "description": "",
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "劳动社保",
        },
    ]
    root = _xml(requests.get(f"{_root(live_server)}/services.xml", timeout=10))
    assert root.tag == "services"
    assert [child.tag for child in root] == ["service"] * 3
    assert [field.tag for field in root[0]] == SERVICE_FIELDS
    assert root[0].findtext("metadata") == "false"
    assert root[0].findtext("keywords") == "摆摊, 占道"
    xml_services = _client(live_server, "xml").get_service_list()
    assert [s["service_code"] for s in xml_services] == [s["service_code"] for s in services]


def test_a_service_definition_has_no_attributes_and_unknown_codes_are_404(hotline_city, live_server):
    client = _client(live_server)

    assert client.get_service_definition("appearance.street_vending") == {
        "service_code": "appearance.street_vending",
        "attributes": [],
    }
    root = _xml(requests.get(f"{_root(live_server)}/services/appearance.street_vending.xml", timeout=10))
    assert (root.tag, [child.tag for child in root]) == ("service_definition", ["service_code", "attributes"])
    assert list(root.find("attributes")) == []
    for code in ("no.such.service", "appearance"):  # unknown, and a category that is not a leaf
        response = requests.get(f"{_root(live_server)}/services/{code}.json", timeout=10)
        assert (response.status_code, response.json()) == (
            404,
            [{"code": 404, "description": f"服务代码「{code}」不存在"}],
        )
    response = requests.get(f"{_root(live_server)}/services.csv", timeout=10)
    assert response.status_code == 404
    error = _xml(response)
    assert (error.tag, [e.tag for e in error[0]]) == ("errors", ["code", "description"])
    assert error[0].findtext("code") == "404"


# -- reading requests --------------------------------------------------------------------------


def test_only_self_published_tickets_are_listed_and_a_complaints_text_is_withheld(published, live_server):
    complaint, consult = published["complaint"], published["consult"]

    rows = _client(live_server).get_service_requests(**NOVEMBER)

    assert [row["service_request_id"] for row in rows] == [complaint.ticket_no, consult.ticket_no]
    assert all(list(row) == REQUEST_FIELDS for row in rows)
    assert rows[0] == {
        "service_request_id": complaint.ticket_no,
        "status": "open",
        "status_notes": "",
        "service_name": "占道经营",
        "service_code": "appearance.street_vending",
        "description": "",  # a 投诉 names somebody: its text is not published
        "agency_responsible": "示范市12345热线中心",
        "service_notice": None,
        "requested_datetime": "2026-11-06T10:00:00+08:00",
        "updated_datetime": rows[0]["updated_datetime"],
        "expected_datetime": "2026-11-13T17:30:00+08:00",
        "address": "湖滨路 12 号",
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
    assert (rows[1]["status"], rows[1]["description"], rows[1]["status_notes"]) == (
        "closed",
        CONSULT_TEXT,
        "请到户籍所在地派出所办理",
    )
    raw = requests.get(f"{_root(live_server)}/requests.json", params=NOVEMBER, timeout=10).text
    for private in ("王小明", "13800000001", "张三", "13912345678", PHONE_TEXT, SECRET_TEXT, COMPLAINT_TEXT):
        assert private not in raw


def test_the_filters_of_get_requests(published, live_server):
    client = _client(live_server)
    complaint, consult, phone = published["complaint"], published["consult"], published["phone"]

    def ids(**params):
        return [row["service_request_id"] for row in client.get_service_requests(**params)]

    assert ids(status="open", **NOVEMBER) == [complaint.ticket_no]
    assert ids(status="closed", **NOVEMBER) == [consult.ticket_no]
    assert ids(status="open,closed", **NOVEMBER) == [complaint.ticket_no, consult.ticket_no]
    assert ids(service_code="labour.unpaid_wages", **NOVEMBER) == [consult.ticket_no]
    assert ids(service_code="labour.unpaid_wages,appearance.street_vending", **NOVEMBER) == [
        complaint.ticket_no,
        consult.ticket_no,
    ]
    assert ids(start_date="2026-11-06T09:30:00+08:00", end_date="2026-11-06T12:00:00+08:00") == [
        complaint.ticket_no
    ]
    # Asked by id, the ids override the other filters (the spec) — but never the public rule.
    assert ids(service_request_id=f"{phone.ticket_no},{consult.ticket_no}", status="open") == [
        consult.ticket_no
    ]
    assert ids(start_date="2026-12-01T00:00:00+08:00", end_date="2026-12-31T00:00:00+08:00") == []
    unencoded = (
        f"{_root(live_server)}/requests.json?start_date=2026-11-06T09:30:00+08:00&end_date=2026-11-06T12:00"
    )
    assert [row["service_request_id"] for row in requests.get(unencoded, timeout=10).json()] == [
        complaint.ticket_no
    ]
    root = _xml(requests.get(f"{_root(live_server)}/requests.xml", params=NOVEMBER, timeout=10))
    assert (root.tag, [child.tag for child in root]) == ("service_requests", ["request", "request"])
    assert [field.tag for field in root[0]] == REQUEST_FIELDS
    assert root[0].findtext("description") == ""
    assert root[1].findtext("description") == CONSULT_TEXT
    assert root[0].find("lat").text is None  # an empty element


def test_listing_requests_takes_two_queries_whatever_the_rows(published, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = selectors.public_requests(start=at("2026-11-01 00:00"), end=at("2026-11-30 00:00"))
    assert [row.ticket.ticket_no for row in rows] == [
        published["complaint"].ticket_no,
        published["consult"].ticket_no,
    ]


def test_one_request_and_its_token(published, live_server):
    consult, phone, secret = published["consult"], published["phone"], published["secret"]
    client = _client(live_server)

    one = client.get_service_request(consult.ticket_no)

    assert (one["service_request_id"], one["status"], one["service_name"]) == (
        consult.ticket_no,
        "closed",
        "拖欠工资",
    )
    root = _xml(requests.get(f"{_root(live_server)}/requests/{consult.ticket_no}.xml", timeout=10))
    assert [child.tag for child in root] == ["request"]
    assert [field.tag for field in root[0]] == REQUEST_FIELDS
    for hidden in (phone, secret):
        with pytest.raises(requests.HTTPError) as raised:
            client.get_service_request(hidden.ticket_no)
        assert raised.value.response.status_code == 404
        assert raised.value.response.json() == [{"code": 404, "description": "工单不存在或未公开"}]
    response = requests.get(f"{_root(live_server)}/tokens/{consult.uid}.json", timeout=10)
    assert response.json() == [{"service_request_id": consult.ticket_no, "token": str(consult.uid)}]
    root = _xml(requests.get(f"{_root(live_server)}/tokens/{consult.uid}.xml", timeout=10))
    assert [field.tag for field in root[0]] == ["service_request_id", "token"]
    for token in (str(phone.uid), "not-a-token"):
        assert requests.get(f"{_root(live_server)}/tokens/{token}.json", timeout=10).status_code == 404


def test_a_reopened_request_loses_its_old_answer(hotline_city, live_server):
    city = hotline_city
    ticket = ticket_register(
        actor=city.actor("citizen"),
        kind=Ticket.Kind.HELP,
        content="小区门口人行道被摊位占满",
        category=city.categories["vending"],
        now=at("2026-11-06 10:00"),
    )
    ticket_dispatch(
        actor=city.actor("dispatcher"),
        ticket=ticket,
        category=city.categories["vending"],
        now=at("2026-11-06 10:30"),
    )
    ticket_sign_for(actor=city.actor("urban"), ticket=ticket, now=at("2026-11-06 11:00"))
    ticket_reply(actor=city.actor("urban"), ticket=ticket, comment="内部处置记录", now=at("2026-11-09 10:00"))
    ticket_close(
        actor=city.actor("dispatcher"), ticket=ticket, comment="已清理摊位", now=at("2026-11-09 11:00")
    )
    client = _client(live_server)

    closed = client.get_service_request(ticket.ticket_no)
    assert (closed["status"], closed["status_notes"], closed["agency_responsible"]) == (
        "closed",
        "已清理摊位",  # the reviewed answer, never the department's internal reply
        "示范市城市管理局",
    )
    assert closed["description"] == "小区门口人行道被摊位占满"  # a 求助 is published
    ticket_callback(
        actor=city.actor("agent"),
        ticket=ticket,
        satisfaction="dissatisfied",
        resolved=False,
        comment="摊位第二天又回来了",
        now=at("2026-11-10 09:00"),
    )
    reopened = client.get_service_request(ticket.ticket_no)
    assert (reopened["status"], reopened["status_notes"]) == ("open", "")


def test_the_default_window_is_the_last_90_days_and_bad_parameters_are_400(hotline_city, live_server):
    city = hotline_city
    recent = ticket_register(actor=city.actor("citizen"), kind=Ticket.Kind.HELP, content="最近的诉求")
    ticket_register(
        actor=city.actor("citizen"),
        kind=Ticket.Kind.HELP,
        content="一百天前的诉求",
        now=recent.registered_at - timedelta(days=100),
    )

    rows = _client(live_server).get_service_requests()

    assert [row["service_request_id"] for row in rows] == [recent.ticket_no]
    assert rows[0]["service_code"] is None  # not classified yet
    for params, description in [
        ({"start_date": "昨天"}, "start_date 应为 W3C 日期时间，如 2026-11-06T08:00:00+08:00"),
        ({"end_date": "2026-13-01T00:00:00Z"}, "end_date 应为 W3C 日期时间，如 2026-11-06T08:00:00+08:00"),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "查询时段不能超过 90 天",
        ),
        (
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "end_date 不能早于 start_date",
        ),
        ({"status": "pending"}, "status 只能为 open 或 closed"),
        ({"service_request_id": ",".join(str(n) for n in range(101))}, "service_request_id 一次最多 100 个"),
    ]:
        response = requests.get(f"{_root(live_server)}/requests.json", params=params, timeout=10)
        assert (response.status_code, response.json()) == (400, [{"code": 400, "description": description}])
    response = requests.delete(f"{_root(live_server)}/requests.json", timeout=10)
    assert (response.status_code, response.headers["Allow"]) == (405, "GET, HEAD, POST")


# -- creating requests -------------------------------------------------------------------------


def _form(**extra: str) -> dict[str, str]:
    form = {
        "service_code": "appearance.street_vending",
        "address_string": "湖滨路 12 号",
        "description": COMPLAINT_TEXT,
        "first_name": "小明",
        "last_name": "王",
        "phone": "13912340000",
        "email": "wang@example.cn",
        "attribute[idempotency_key]": "partner-0001",
    }
    form.update(extra)
    return form


def test_a_post_registers_one_ticket_through_the_action_and_a_replay_registers_none(
    hotline_city, live_server
):
    city = hotline_city
    system = staff(city.orgs["center"], roles=["hotline_agent"], name="市民热线对接系统")
    key = _token(system, "yw_open311-system-0123456789abcdefghijklmnop")
    url = f"{_root(live_server)}/requests.json"

    response = requests.post(url, data=_form(api_key=key), timeout=10)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    ticket = Ticket.objects.get()
    assert response.json() == [
        {
            "service_request_id": ticket.ticket_no,
            "token": str(ticket.uid),
            "service_notice": f"您的诉求已受理，工单编号 {ticket.ticket_no}，"
            f"办理时限 {timezone.localtime(ticket.due_at):%Y-%m-%d %H:%M}。",
            "account_id": None,
        }
    ]
    assert (ticket.channel, ticket.kind, ticket.category, ticket.registered_by) == (
        Ticket.Channel.OPEN311,
        Ticket.Kind.COMPLAINT,
        city.categories["vending"],
        system,
    )
    assert (ticket.caller_name, ticket.caller_phone, ticket.address, ticket.content) == (
        "王小明",
        "13912340000",
        "湖滨路 12 号",
        COMPLAINT_TEXT,
    )
    assert list(
        AuditEvent.objects.filter(action__startswith="hotline.").values_list("action", flat=True)
    ) == ["hotline.ticket_register"]

    again = requests.post(url, data=_form(api_key=key), timeout=10)

    assert again.json()[0]["service_request_id"] == ticket.ticket_no
    assert (Ticket.objects.count(), _hotline_audits()) == (1, 1)
    public = _client(live_server).get_service_request(ticket.ticket_no)
    assert (public["status"], public["description"], public["address"]) == ("open", "", "湖滨路 12 号")
    raw = requests.get(f"{_root(live_server)}/requests/{ticket.ticket_no}.json", timeout=10).text
    for private in ("王小明", "13912340000", "wang@example.cn"):
        assert private not in raw


def test_a_citizens_key_registers_their_own_request_with_a_point_and_xml(hotline_city, live_server):
    city = hotline_city
    key = _token(city.users["citizen"], "yw_open311-citizen-0123456789abcdefghijklm")

    response = requests.post(
        f"{_root(live_server)}/requests.xml",
        data=_form(
            api_key=key,
            service_code="environment.construction_noise",
            address_string="",
            lat="30.2741",
            long="120.1551",
            description="工地每天晚上十一点后还在打桩",
            first_name="冒名",
            last_name="顶替",
            phone="13000000000",
            **{"attribute[kind]": "suggestion"},
        ),
        timeout=10,
    )

    assert response.status_code == 200
    root = _xml(response)
    ticket = Ticket.objects.get()
    assert (root.tag, [child.tag for child in root]) == ("service_requests", ["request"])
    assert [field.tag for field in root[0]] == ["service_request_id", "token", "service_notice", "account_id"]
    assert root[0].findtext("service_request_id") == ticket.ticket_no
    # The citizen is the caller: their account, not the names in the form; the action files it as 网站.
    assert (ticket.caller_user, ticket.caller_name, ticket.caller_phone) == (
        city.users["citizen"],
        "王小明",
        "13800000001",
    )
    assert (ticket.channel, ticket.kind, ticket.latitude, ticket.longitude) == (
        Ticket.Channel.WEB,
        Ticket.Kind.SUGGESTION,
        30.2741,
        120.1551,
    )
    public = _client(live_server).get_service_request(ticket.ticket_no)
    assert (public["description"], public["lat"], public["long"]) == (
        "工地每天晚上十一点后还在打桩",
        30.2741,
        120.1551,
    )


REFUSALS = [
    ({"api_key": ""}, 403, "缺少 api_key（API 令牌）"),
    ({"api_key": "yw_not-a-token"}, 403, "api_key 无效、已过期或已撤销"),
    ({"api_key": "revoked"}, 403, "api_key 无效、已过期或已撤销"),
    ({"api_key": "read-only"}, 403, "该 API 令牌为只读令牌，不能执行修改操作"),
    (
        {"api_key": "services-only"},
        403,
        "该 API 令牌的权限范围不包括「12345 政务服务便民热线」接口（仅限「一网通办」）",
    ),
    ({"api_key": "officer"}, 403, "您没有登记工单的权限（hotline_forbidden）"),
    ({"service_code": ""}, 400, "缺少 service_code"),
    ({"service_code": "no.such.service"}, 404, "服务代码「no.such.service」不存在"),
    ({"address_string": ""}, 400, "请提供位置：lat 和 long，或 address_string"),
    ({"lat": "30.27"}, 400, "请同时提供 lat 和 long"),
    ({"lat": "91", "long": "120"}, 400, "lat 应为 WGS84 坐标（-90 至 90）"),
    ({"description": "   "}, 400, "请填写诉求内容（hotline_field_required）"),
    ({"description": "字" * 4001}, 400, "诉求内容不超过 4000 字（hotline_field_too_long）"),
    ({"attribute[kind]": "rumour"}, 400, "诉求类型不正确（hotline_field_invalid）"),
    ({"phone": "call me"}, 400, "联系电话格式不正确（hotline_phone_invalid）"),
]


def test_refused_posts_answer_the_error_list_and_change_nothing(hotline_city, live_server):
    city = hotline_city
    system = staff(city.orgs["center"], roles=["hotline_agent"])
    officer = city.users["urban"]  # staff without hotline.register_ticket
    keys = {
        "good": _token(system, "yw_open311-good-0123456789abcdefghijklmnopq"),
        "revoked": _token(
            system, "yw_open311-revoked-0123456789abcdefghijk", revoked_at=at("2026-01-01 00:00")
        ),
        "read-only": _token(system, "yw_open311-readonly-0123456789abcdefghij", scopes=["read"]),
        "services-only": _token(system, "yw_open311-services-0123456789abcdefghij", scopes=["services"]),
        "officer": _token(officer, "yw_open311-officer-0123456789abcdefghijk"),
    }
    url = f"{_root(live_server)}/requests.json"

    for change, status, description in REFUSALS:
        form = _form(api_key=keys["good"], **{"attribute[idempotency_key]": ""})
        form.update(change)
        form["api_key"] = keys.get(form["api_key"], form["api_key"])
        response = requests.post(url, data=form, timeout=10)
        assert (response.status_code, response.json()) == (
            status,
            [{"code": status, "description": description}],
        ), change
        assert (Ticket.objects.count(), _hotline_audits()) == (0, 0), change

    response = requests.post(f"{_root(live_server)}/requests.xml", data={"api_key": "wrong"}, timeout=10)
    root = _xml(response)
    assert response.status_code == 403
    assert (root.tag, root[0].tag, [e.tag for e in root[0]]) == ("errors", "error", ["code", "description"])
    assert root[0].findtext("description") == "api_key 无效、已过期或已撤销"
    assert Ticket.objects.count() == 0
