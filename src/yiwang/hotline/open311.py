"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2/) for 12345, under `/open311/v2/`.

Plain Django views, not Ninja: the spec fixes the URLs (`services.xml`, `requests/{id}.json`), the
element names and the error list, and XML is its mandatory format.

* Services are the active leaf categories of the 派单目录 (`service_code` = the category code); none
  has extra attributes (`metadata` false), so a service definition has an empty attribute list.
* Reads are public, as the spec intends, under our public rule (`selectors.open311`): only tickets
  the caller published themselves (Open311, 网站, 手机 — never a phone call or a system integration)
  and not confidential are listed; the `description` of a 投诉/举报 is withheld (empty); the caller's
  name, phone and e-mail are never output. `service_request_id` is the 工单编号.
* POST authenticates by `api_key`, one of our API tokens (`identity.api_auth`), and registers through
  `actions.tickets.ticket_register`, the one write path, which checks the key's user: an integrated
  system account holding `hotline.register_ticket`, or a citizen account (then the citizen is the
  caller, and the action files the ticket as 网站). A token whose scopes exclude `hotline` or are
  read-only is refused.
* The POST registers synchronously and answers the 工单编号 at once; it also answers a `token` (the
  ticket's uid) that `tokens/{token}` maps back to the 工单编号, for clients that follow the
  token route."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from yiwang.core.errors import DomainError, NotFound, PermissionDenied
from yiwang.hotline.actions import tickets as actions
from yiwang.hotline.models import Ticket, TicketCategory
from yiwang.hotline.selectors import open311 as selectors
from yiwang.identity.actor import Actor
from yiwang.identity.api_auth import ApiTokenAuth
from yiwang.identity.models import User
from yiwang.identity.token_scopes import check_scopes

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json"}
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
# The element name of each item of a list-valued field in XML.
XML_ITEMS = {"attributes": "attribute", "values": "value"}
MAX_IDS = 100  # service_request_id=a,b,c… : more than a page of ids is not a lookup but a crawl
CJK = re.compile(r"[\u4e00-\u9fff]")
# "…T08:00:00 08:00": the "+" of an offset left unencoded in a query string, decoded as a space.
UNENCODED_OFFSET = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")

View = Callable[..., HttpResponse]


class Open311Error(Exception):
    """An error the spec answers as `<errors><error><code>…</code><description>…`."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# -- rendering ---------------------------------------------------------------------------------


def _xml_element(tag: str, value: Any) -> ElementTree.Element:
    element = ElementTree.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_xml_element(key, item))
    elif isinstance(value, list):
        for item in value:
            element.append(_xml_element(XML_ITEMS.get(tag, "item"), item))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


def _render(fmt: str, data: Any, *, root: str, item: str = "", status: int = 200) -> HttpResponse:
    """JSON as the spec shows it; XML under `root` (a list's entries each as `item`). ElementTree
    escapes the text."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        element = ElementTree.Element(root)
        if isinstance(data, list):
            for entry in data:
                element.append(_xml_element(item, entry))
        else:
            for key, value in data.items():
                element.append(_xml_element(key, value))
        body = XML_DECLARATION + ElementTree.tostring(element, encoding="utf-8", xml_declaration=False)
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def _errors(fmt: str, status: int, description: str) -> HttpResponse:
    return _render(
        fmt, [{"code": status, "description": description}], root="errors", item="error", status=status
    )


def _endpoint(*methods: str) -> Callable[[View], View]:
    """The format check (xml, json; else 404), the allowed methods and the spec's error list."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def run(request: HttpRequest, *, fmt: str, **kwargs: str) -> HttpResponse:
            if fmt not in FORMATS:
                return _errors("xml", 404, f"不支持的格式「{fmt[:20]}」：请使用 xml 或 json")
            if request.method not in allowed:
                response = _errors(fmt, 405, "不支持该请求方法")
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                return view(request, fmt=fmt, **kwargs)
            except Open311Error as error:
                return _errors(fmt, error.status, error.description)

        return run

    return wrap


def _w3c(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment is not None else None


# -- services ----------------------------------------------------------------------------------


def _service(category: TicketCategory) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(str(word) for word in category.keywords or ()),
        "group": category.parent.name if category.parent is not None else "",
    }


@_endpoint("GET")
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET services.{format}: the service list."""
    rows = [_service(category) for category in selectors.open311_services()]
    return _render(fmt, rows, root="services", item="service")


@_endpoint("GET")
def service_definition(request: HttpRequest, *, fmt: str, service_code: str) -> HttpResponse:
    """GET services/{service_code}.{format}: no service of ours asks extra attributes (metadata
    false), so a known service answers an empty attribute list rather than the spec's optional 404."""
    category = selectors.open311_service(service_code)
    if category is None:
        raise Open311Error(404, f"服务代码「{service_code[:80]}」不存在")
    return _render(fmt, {"service_code": category.code, "attributes": []}, root="service_definition")


# -- requests: reading -------------------------------------------------------------------------


def _request(public: selectors.PublicRequest) -> dict[str, Any]:
    """A ticket as a GeoReport service request: no caller name, phone or e-mail, ever."""
    ticket = public.ticket
    category = ticket.category
    return {
        "service_request_id": ticket.ticket_no,
        "status": "open" if ticket.is_open else "closed",
        "status_notes": public.status_notes,
        "service_name": category.name if category is not None else None,
        "service_code": category.code if category is not None else None,
        "description": public.description,
        "agency_responsible": ticket.organization.name,
        "service_notice": None,
        "requested_datetime": _w3c(ticket.registered_at),
        "updated_datetime": _w3c(ticket.updated_at),
        "expected_datetime": _w3c(ticket.due_at),
        "address": ticket.address,
        "address_id": None,
        "zipcode": None,
        "lat": ticket.latitude,
        "long": ticket.longitude,
        "media_url": None,
    }


def _listed(request: HttpRequest, name: str) -> list[str]:
    values = [part.strip() for part in request.GET.get(name, "").split(",")]
    return list(dict.fromkeys(value for value in values if value))


def _moment(request: HttpRequest, name: str) -> datetime | None:
    """A W3C datetime parameter (an offset-less one is in the server's time zone)."""
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        moment = parse_datetime(UNENCODED_OFFSET.sub(r"\1+\2", text))
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(400, f"{name} 应为 W3C 日期时间，如 2026-11-06T08:00:00+08:00")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _period(request: HttpRequest) -> tuple[datetime, datetime]:
    """The spec's window: the last 90 days by default; a given range may not span more than that."""
    start, end = _moment(request, "start_date"), _moment(request, "end_date")
    if start is not None and end is not None:
        if end < start:
            raise Open311Error(400, "end_date 不能早于 start_date")
        if end - start > selectors.DEFAULT_WINDOW:
            raise Open311Error(400, f"查询时段不能超过 {selectors.DEFAULT_WINDOW.days} 天")
        return start, end
    if start is not None:
        return start, start + selectors.DEFAULT_WINDOW
    end = end or timezone.now()
    return end - selectors.DEFAULT_WINDOW, end


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    ids = _listed(request, "service_request_id")
    if len(ids) > MAX_IDS:
        raise Open311Error(400, f"service_request_id 一次最多 {MAX_IDS} 个")
    statuses = _listed(request, "status")
    if any(status not in ("open", "closed") for status in statuses):
        raise Open311Error(400, "status 只能为 open 或 closed")
    start, end = _period(request)
    rows = selectors.public_requests(
        service_request_ids=ids,
        service_codes=_listed(request, "service_code"),
        statuses=statuses,
        start=start,
        end=end,
    )
    return _render(fmt, [_request(row) for row in rows], root="service_requests", item="request")


@_endpoint("GET")
def service_request(request: HttpRequest, *, fmt: str, service_request_id: str) -> HttpResponse:
    """GET requests/{id}.{format}: one request, as a list of one (the spec's shape)."""
    found = selectors.public_request(service_request_id)
    if found is None:
        raise Open311Error(404, "工单不存在或未公开")
    return _render(fmt, [_request(found)], root="service_requests", item="request")


@_endpoint("GET")
def token_lookup(request: HttpRequest, *, fmt: str, token: str) -> HttpResponse:
    """GET tokens/{token}.{format}: our token is the ticket's uid (the POST returns both)."""
    ticket = selectors.public_request_by_token(token)
    if ticket is None:
        raise Open311Error(404, "令牌不存在")
    row = {"service_request_id": ticket.ticket_no, "token": str(ticket.uid)}
    return _render(fmt, [row], root="service_requests", item="request")


# -- requests: creating ------------------------------------------------------------------------


def _actor_for_key(request: HttpRequest) -> Actor:
    """The actor of the `api_key` (an API token): resolved, checked for expiry, revocation and an
    active account by the identity app, then held to the token's scopes as a POST to the 12345 API
    would be (a read-only token, or one limited to other domains, may not register)."""
    key = request.POST.get("api_key", "").strip()
    if not key:
        raise Open311Error(403, "缺少 api_key（API 令牌）")
    try:
        actor = ApiTokenAuth().authenticate(request, key)
        if actor is None:
            raise PermissionDenied("api_key 无效、已过期或已撤销", code="open311_api_key_invalid")
        check_scopes(
            actor.token_scopes or (), method="POST", path=f"{reverse('api:api-root')}hotline/tickets"
        )
    except DomainError as error:
        raise Open311Error(403, error.message) from error
    return actor


def _coordinate(request: HttpRequest, name: str, limit: float) -> float | None:
    text = request.POST.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > limit:
        raise Open311Error(400, f"{name} 应为 WGS84 坐标（-{limit:g} 至 {limit:g}）")
    return value


def _caller_name(first: str, last: str) -> str:
    """`first_name` + `last_name`; a Chinese name reads 姓 (last) before 名 (first), without a space."""
    first, last = first.strip(), last.strip()
    if CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def _service_notice(ticket: Ticket) -> str:
    due = f"，办理时限 {timezone.localtime(ticket.due_at):%Y-%m-%d %H:%M}" if ticket.due_at else ""
    return f"您的诉求已受理，工单编号 {ticket.ticket_no}{due}。"


def _create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    actor = _actor_for_key(request)
    data = request.POST
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code")
    category = selectors.open311_service(code)
    if category is None:
        raise Open311Error(404, f"服务代码「{code[:80]}」不存在")
    latitude, longitude = _coordinate(request, "lat", 90), _coordinate(request, "long", 180)
    if (latitude is None) != (longitude is None):
        raise Open311Error(400, "请同时提供 lat 和 long")
    address = data.get("address_string", "").strip()
    if latitude is None and not address:
        raise Open311Error(400, "请提供位置：lat 和 long，或 address_string")
    # Only a staff account registers for somebody else; a citizen's ticket carries their own account.
    for_caller = actor.user is not None and actor.user.kind == User.Kind.STAFF
    try:
        ticket = actions.ticket_register(
            actor=actor,
            kind=data.get("attribute[kind]", "").strip() or Ticket.Kind.COMPLAINT,
            content=data.get("description", ""),
            channel=Ticket.Channel.OPEN311,
            caller_name=_caller_name(data.get("first_name", ""), data.get("last_name", ""))
            if for_caller
            else "",
            caller_phone=data.get("phone", "").strip() if for_caller else "",
            address=address,
            longitude=longitude,
            latitude=latitude,
            category=category,
            idempotency_key=data.get("attribute[idempotency_key]", "").strip() or None,
        )
    except DomainError as error:
        status = 403 if isinstance(error, PermissionDenied) else 404 if isinstance(error, NotFound) else 400
        raise Open311Error(status, f"{error.message}（{error.code}）") from error
    row = {
        "service_request_id": ticket.ticket_no,
        "token": str(ticket.uid),
        "service_notice": _service_notice(ticket),
        "account_id": None,
    }
    response = _render(fmt, [row], root="service_requests", item="request")
    response["Cache-Control"] = "no-store"
    return response


# CSRF protects cookie-authenticated forms; this POST ignores any session and authenticates only by
# the `api_key` in its body, which a cross-site page cannot know, so the CSRF token (which an Open311
# client has no way to obtain) is not required. The GET half is a safe, public read.
@csrf_exempt
@_endpoint("GET", "POST")
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET requests.{format} (the public list) and POST requests.{format} (a new request)."""
    if request.method == "POST":
        return _create_request(request, fmt)
    return _list_requests(request, fmt)
