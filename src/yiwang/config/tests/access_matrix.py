"""The access matrix: every API operation and every page, who may use it, and how it is called
against the access world (`access_world.py`).

Each entry names the actors allowed to succeed (`allowed`) and, where it differs, those allowed to
read the application's contents (`reads`: a supervisor follows its steps but reads nothing). Every
other actor must be refused — nothing returned, nothing changed — which `test_access_matrix.py`
checks for each actor, and the allowed ones must succeed (so a refusal is never an accident of a
bad parameter). A new endpoint or page without an entry here fails the suite.

Unsafe methods are sent with a body that would change something if it were wrongly accepted.

One endpoint may have several entries (`variant`): the 12345 operations endpoint and page take one
per operation, each against the world's ticket in the state where that operation applies."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from yiwang.config.tests.access_world import ACTORS, LANDLINE, World

Params = Callable[[World], dict[str, Any]]
Body = Callable[[World], Any]


def actors(*names: str) -> frozenset[str]:
    unknown = set(names) - set(ACTORS)
    assert not unknown, unknown
    return frozenset(names)


EVERYONE = actors(*ACTORS)
SIGNED_IN = EVERYONE - {"anonymous"}
STAFF = actors(
    "clerk_a",
    "staff_a_without",
    "clerk_b",
    "hotline_agent",
    "hotline_dispatcher",
    "officer_a",
    "supervisor",
    "command_center",
    "admin",
)
NOBODY: frozenset[str] = frozenset()
OWNER = actors("citizen_a")
# Who may handle or read citizen A's application: A's window clerk and the platform admin (both hold
# services.view_application over it) and A.
HANDLERS = actors("clerk_a", "admin")
A_PARTIES = OWNER | HANDLERS
# Staff holding services.view_application somewhere (the 办件箱 lists their own department's).
VIEWERS = actors("clerk_a", "clerk_b", "admin")
# services.view_statistics or services.view_application: a department's own figures.
STATISTICS = VIEWERS | {"staff_a_without"}
# 12345. The centre's agent and dispatcher hold hotline.view_ticket and hotline.view_caller city-wide;
# A's handling officer reaches the tickets dispatched to A, the (东城区) supervisor every ticket of
# the district. Only the centre reads a caller's name (a department sees it masked, or nothing when
# the caller asked for confidentiality).
AGENT = actors("hotline_agent")
DISPATCHER = actors("hotline_dispatcher")
OFFICER = actors("officer_a")
CENTRE = AGENT | DISPATCHER
TICKET_VIEWERS = CENTRE | OFFICER | {"supervisor"}
# Signed-in accounts without a staff role register their own requests (they are the caller).
CALLERS = actors("citizen_a", "citizen_b", "agent")
# hotline.manage_knowledge: A's officer (A's entries), the dispatcher and the platform admin (all).
KNOWLEDGE_KEEPERS = OFFICER | DISPATCHER | {"admin"}


@dataclass(frozen=True)
class Entry:
    method: str
    route: str  # OpenAPI path for the API, Django route for pages
    allowed: frozenset[str]
    params: Params = lambda world: {}  # path parameters
    query: Params = lambda world: {}
    body: Body | None = None
    form: bool = False  # a page POST (form-encoded) rather than JSON
    reads: frozenset[str] | None = None  # defaults to `allowed`
    refused: frozenset[int] = frozenset()  # extra refusal statuses this entry may answer (409…)
    accepts: frozenset[int] = frozenset()  # extra statuses that count as success (a business 400…)
    upload: bool = False  # a multipart file upload
    changes: bool = False  # an allowed call must change data (a page that answers every outcome alike)
    unmasked: frozenset[str] = frozenset()  # who receives `World.pii` in clear here (core.unmask_pii)
    variant: str = ""  # one of several entries of the same operation or page
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def operation(self) -> str:
        return f"{self.method} {self.route}"

    @property
    def key(self) -> str:
        return f"{self.operation} [{self.variant}]" if self.variant else self.operation

    @property
    def readers(self) -> frozenset[str]:
        return self.allowed if self.reads is None else self.reads


def _app(world: World) -> dict[str, Any]:
    return {"uid": str(world.application.uid)}


def _done(world: World) -> dict[str, Any]:
    return {"uid": str(world.done.uid)}


def _draft(world: World) -> dict[str, Any]:
    return {"uid": str(world.draft.uid)}


def _item(world: World) -> dict[str, Any]:
    return {"implementation_code": world.item.implementation_code}


def _code(world: World) -> dict[str, Any]:
    return {"code": world.item.implementation_code}


def _instance(world: World) -> dict[str, Any]:
    return {"instance_id": world.instance_id}


def _upload(world: World) -> dict[str, Any]:
    return {"uid": world.upload_uid}


def _notice(world: World) -> dict[str, Any]:
    return {"uid": world.notice_uid}


def _job(world: World) -> dict[str, Any]:
    return {"job_id": world.job.pk}


def _ticket(name: str) -> Params:
    return lambda world: {"uid": str(getattr(world.hotline, name).uid)}


def _knowledge(world: World) -> dict[str, Any]:
    return {"code": world.hotline.knowledge_code}


@dataclass(frozen=True)
class TicketOperation:
    """One 12345 operation (`hotline.operations`): the world's ticket in the state it applies to."""

    op: str
    ticket: str  # attribute of `World.hotline`
    allowed: frozenset[str]
    fields: Body = lambda world: {}
    refused: frozenset[int] = frozenset()
    note: str = ""


TICKET_OPERATIONS = [
    TicketOperation("dispatch", "web", DISPATCHER, lambda w: {"category": w.hotline.category.code}),
    TicketOperation("refuse_return", "returned", DISPATCHER, lambda w: {"reason": "食品安全属于贵单位职责"}),
    TicketOperation("sign_for", "call", OFFICER),
    TicketOperation("return", "call", OFFICER, lambda w: {"reason": "不属于本单位职责"}),
    TicketOperation("reply", "confidential", OFFICER, lambda w: {"comment": "已责令下架过期食品"}),
    TicketOperation("consolidate", "joint", DISPATCHER, lambda w: {"comment": "主办、协办单位已核查收费"}),
    TicketOperation("close", "replied", DISPATCHER, lambda w: {"comment": "答复属实"}),
    TicketOperation("reject_reply", "replied", DISPATCHER, lambda w: {"reason": "答复未回应油烟问题"}),
    TicketOperation("answer", "web", AGENT, lambda w: {"comment": "已转告市场监管部门研究采纳"}),
    TicketOperation("callback", "closed", CENTRE, lambda w: {"satisfaction": "satisfied", "resolved": True}),
    TicketOperation(
        "request_extension", "confidential", OFFICER, lambda w: {"days": 3, "reason": "需要抽样检测"}
    ),
    TicketOperation("decide_extension", "extension", DISPATCHER, lambda w: {"approve": True}),
    TicketOperation("urge", "confidential", actors("supervisor"), lambda w: {"comment": "请加快办理"}),
    # Agents merge too (a second caller about the same matter, at intake).
    TicketOperation("merge", "web", CENTRE, lambda w: {"primary": w.hotline.call.ticket_no}),
    TicketOperation(
        "hand_over",
        "web",
        NOBODY,
        lambda w: {"target": "cityops"},
        refused=frozenset({400}),
        note="no receiving loop is registered yet: 400 hotline_handoff_unknown for whoever reaches the "
        "ticket, nothing changes; once cityops registers one, the dispatcher is allowed",
    ),
]


def _operation_body(operation: TicketOperation, *, form: bool) -> Body:
    def body(world: World) -> dict[str, Any]:
        data = {"op": operation.op, **operation.fields(world)}
        return {k: ("true" if v is True else v) for k, v in data.items()} if form else data

    return body


def _open311_request(world: World) -> dict[str, Any]:
    return {
        "service_code": world.hotline.category.code,
        "description": "东城区幸福路夜市摊点卫生差",
        "address_string": "东城区幸福路夜市",
        "first_name": "来电",
        "last_name": "南郭",
        "phone": "13500135005",
    }


def _ticket_operations(route: str, *, form: bool) -> list[Entry]:
    return [
        Entry(
            "POST",
            route,
            operation.allowed,
            params=_ticket(operation.ticket),
            body=_operation_body(operation, form=form),
            form=form,
            changes=True,
            refused=operation.refused,
            variant=operation.op,
            note=operation.note,
        )
        for operation in TICKET_OPERATIONS
    ]


API: list[Entry] = [
    Entry("GET", "/api/v1/version", EVERYONE),
    Entry(
        "GET",
        "/api/v1/core/calendar/deadline",
        SIGNED_IN,
        query=lambda w: {"start": "2026-12-01", "working_days": 3},
    ),
    Entry(
        "GET",
        "/api/v1/core/calendar/workdays",
        SIGNED_IN,
        query=lambda w: {"start": "2026-12-01", "end": "2026-12-31"},
    ),
    Entry("GET", "/api/v1/core/dictionaries/{code}", SIGNED_IN, params=lambda w: {"code": "matter_type"}),
    # An agent sees the enterprise it acts for; the platform admin holds core.view_enterprise city-wide.
    Entry("GET", "/api/v1/core/enterprises", actors("agent", "admin")),
    Entry(
        "GET",
        "/api/v1/core/enterprises/{uid}",
        actors("agent", "admin"),
        params=lambda w: {"uid": w.enterprise_uid},
    ),
    Entry("GET", "/api/v1/core/organizations", SIGNED_IN),
    Entry(
        "GET", "/api/v1/core/organizations/{code}", SIGNED_IN, params=lambda w: {"code": w.department_a.code}
    ),
    Entry(
        "GET",
        "/api/v1/core/persons",
        actors("citizen_a", "citizen_b", "admin"),
        note="a citizen lists only themself",
    ),
    Entry(
        "GET",
        "/api/v1/core/persons/{uid}",
        actors("citizen_a", "admin"),
        params=lambda w: {"uid": w.person_uid},
    ),
    Entry("GET", "/api/v1/core/regions", SIGNED_IN),
    Entry("GET", "/api/v1/core/regions/tree", SIGNED_IN),
    Entry("POST", "/api/v1/files/", SIGNED_IN, upload=True),
    Entry("GET", "/api/v1/files/{uid}", A_PARTIES, params=_upload),
    Entry("GET", "/api/v1/files/{uid}/content", A_PARTIES, params=_upload),
    Entry("GET", "/api/v1/identity/me", SIGNED_IN),
    Entry("GET", "/api/v1/identity/tokens", SIGNED_IN),
    Entry("POST", "/api/v1/identity/tokens", STAFF, body=lambda w: {"name": "矩阵令牌"}),
    Entry(
        "DELETE",
        "/api/v1/identity/tokens/{uid}",
        actors("clerk_a"),
        params=lambda w: {"uid": str(w.token.uid)},
    ),
    Entry("GET", "/api/v1/notifications/", SIGNED_IN),
    Entry("POST", "/api/v1/notifications/read", SIGNED_IN, body=lambda w: {"ids": [w.notification.pk]}),
    Entry("POST", "/api/v1/notifications/read-all", SIGNED_IN),
    Entry("GET", "/api/v1/notifications/unread-count", SIGNED_IN),
    Entry("GET", "/api/v1/services/applications", SIGNED_IN),
    Entry(
        "POST",
        "/api/v1/services/applications",
        actors("citizen_a", "citizen_b", "agent"),
        body=lambda w: {"item": w.item.implementation_code, "data": {}, "idempotency_key": "matrix-1"},
        accepts=frozenset({400}),
        note="an applicant gets as far as the form check (400 application_incomplete)",
    ),
    Entry(
        "POST",
        "/api/v1/services/applications/drafts",
        actors("citizen_a", "citizen_b", "agent"),
        body=lambda w: {"item": w.item.implementation_code, "data": {"address": "草稿"}},
    ),
    Entry("DELETE", "/api/v1/services/applications/{uid}", OWNER, params=_draft),
    Entry("GET", "/api/v1/services/applications/{uid}", A_PARTIES, params=_app),
    Entry(
        "POST",
        "/api/v1/services/applications/{uid}/resubmit",
        OWNER,
        params=_app,
        body=lambda w: {},
        accepts=frozenset({400}),
    ),
    Entry("GET", "/api/v1/services/applications/{uid}/result", A_PARTIES, params=_done),
    Entry(
        "POST",
        "/api/v1/services/applications/{uid}/withdraw",
        OWNER,
        params=_app,
        body=lambda w: {"reason": "不办了"},
    ),
    Entry("GET", "/api/v1/services/items", EVERYONE),
    Entry(
        "POST",
        "/api/v1/services/items",
        actors("staff_a_without", "admin"),
        body=lambda w: {
            "organization_code": w.department_a.code,
            "basic_code": "000199900500",
            "name": "矩阵测试事项",
            "item_type": "licensing",
        },
    ),
    Entry("GET", "/api/v1/services/items/{implementation_code}", EVERYONE, params=_item),
    Entry(
        "PATCH",
        "/api/v1/services/items/{implementation_code}",
        actors("staff_a_without", "admin"),
        params=_item,
        body=lambda w: {"name": "改名的事项"},
    ),
    Entry("GET", "/api/v1/services/items/{implementation_code}/guide", EVERYONE, params=_item),
    Entry(
        "POST",
        "/api/v1/services/items/{implementation_code}/publish",
        actors("staff_a_without", "admin"),
        params=_item,
    ),
    Entry("GET", "/api/v1/services/items/{implementation_code}/versions", EVERYONE, params=_item),
    Entry("GET", "/api/v1/services/staff/applications", VIEWERS),
    Entry("GET", "/api/v1/services/staff/applications/{uid}", HANDLERS, params=_app),
    Entry(
        "POST",
        "/api/v1/services/staff/applications/{uid}/actions",
        HANDLERS,
        params=_app,
        body=lambda w: {"op": "note", "text": "矩阵备注"},
    ),
    Entry(
        "POST",
        "/api/v1/services/staff/applications/{uid}/notes",
        HANDLERS,
        params=_app,
        body=lambda w: {"text": "矩阵备注"},
    ),
    Entry("GET", "/api/v1/services/statistics/overdue", STATISTICS),
    Entry("GET", "/api/v1/services/statistics/summary", STATISTICS),
    Entry("GET", "/api/v1/workflow/definitions", actors("admin")),
    Entry("GET", "/api/v1/workflow/inbox", SIGNED_IN),
    Entry(
        "GET",
        "/api/v1/workflow/instances/{instance_id}",
        A_PARTIES | {"supervisor"},
        params=_instance,
        reads=A_PARTIES,
    ),
    Entry(
        "POST",
        "/api/v1/workflow/instances/{instance_id}/transitions",
        NOBODY,
        params=_instance,
        body=lambda w: {"action": "resubmit"},
        refused=frozenset({409}),
        note="a domain's instance moves only through the domain (409 for those who may see it)",
    ),
    Entry(
        "GET",
        "/api/v1/workflow/instances/{instance_id}",
        TICKET_VIEWERS | OWNER,
        params=lambda w: {"instance_id": str(w.hotline.web_confidential.process_instance_id)},
        reads=CENTRE,
        variant="ticket",
        note="a ticket's instance: hotline.view_ticket over it, or its caller; the caller stays unnamed",
    ),
    Entry(
        "POST",
        "/api/v1/workflow/instances/{instance_id}/transitions",
        NOBODY,
        params=lambda w: {"instance_id": str(w.hotline.web_confidential.process_instance_id)},
        body=lambda w: {"action": "sign_for"},
        refused=frozenset({409}),
        variant="ticket",
        note="not even A's officer signs for a ticket past the hotline's own operation",
    ),
    # 12345 (hotline). A ticket's detail names the caller in clear only to the centre.
    Entry(
        "POST",
        "/api/v1/hotline/tickets",
        CALLERS | AGENT,
        body=lambda w: {
            "kind": "complaint",
            "content": "东城区幸福路有人占道经营",
            "caller_name": "南郭来电",
            "caller_phone": "13500135005",
            "region": "320102",
        },
        changes=True,
        note="an agent registers for a caller; an account without a staff role, for itself",
    ),
    Entry("GET", "/api/v1/hotline/tickets", TICKET_VIEWERS, query=lambda w: {"queue": "all"}),
    Entry(
        "GET",
        "/api/v1/hotline/tickets/{uid}",
        TICKET_VIEWERS,
        params=_ticket("call"),
        reads=CENTRE,
        variant="call",
    ),
    Entry(
        "GET",
        "/api/v1/hotline/tickets/{uid}",
        TICKET_VIEWERS,
        params=_ticket("confidential"),
        reads=CENTRE,
        variant="confidential",
    ),
    Entry(
        "GET",
        "/api/v1/hotline/tickets/{uid}",
        CENTRE | {"supervisor"},
        params=_ticket("web"),
        reads=CENTRE,
        variant="web",
        note="not yet dispatched: not A's officer's, and its caller (citizen A) reads it on their own page",
    ),
    Entry(
        "GET",
        "/api/v1/hotline/tickets/{uid}",
        TICKET_VIEWERS,
        params=_ticket("web_confidential"),
        reads=CENTRE,
        variant="web-confidential",
    ),
    *_ticket_operations("/api/v1/hotline/tickets/{uid}/operations", form=False),
    Entry("GET", "/api/v1/hotline/categories", TICKET_VIEWERS),
    Entry(
        "POST",
        "/api/v1/hotline/classify",
        CENTRE,
        body=lambda w: {"text": "东城区幸福路小餐馆后厨卫生很差", "region": "320102"},
    ),
    Entry("GET", "/api/v1/hotline/knowledge/search", TICKET_VIEWERS, query=lambda w: {"q": "食品经营许可证"}),
]

PAGES: list[Entry] = [
    Entry("GET", "healthz", EVERYONE),
    Entry("GET", "readyz", EVERYONE),
    Entry("POST", "i18n/setlang/", EVERYONE, body=lambda w: {"language": "en", "next": "/"}, form=True),
    Entry("GET", "accounts/login/", EVERYONE),
    Entry("POST", "accounts/logout/", SIGNED_IN, form=True),
    Entry("GET", "accounts/profile/", SIGNED_IN),
    Entry("GET", "accounts/password/", SIGNED_IN),
    Entry("POST", "accounts/tokens/", STAFF, body=lambda w: {"name": "矩阵令牌", "days": 30}, form=True),
    Entry(
        "POST",
        "accounts/tokens/<uuid:uid>/revoke/",
        actors("clerk_a"),
        params=lambda w: {"uid": str(w.token.uid)},
        form=True,
    ),
    Entry("GET", "files/<uuid:uid>/", A_PARTIES, params=_notice),
    Entry("GET", "notifications/", SIGNED_IN),
    Entry("POST", "notifications/read-all/", SIGNED_IN, form=True),
    Entry(
        "POST",
        "notifications/<int:notification_id>/read/",
        OWNER,
        params=lambda w: {"notification_id": w.notification.pk},
        form=True,
    ),
    Entry("GET", "services/", EVERYONE),
    Entry("GET", "services/search", EVERYONE, query=lambda w: {"q": "食品"}),
    Entry("GET", "services/items/<str:code>/", EVERYONE, params=_code),
    Entry("GET", "services/items/<str:code>/form.xlsx", EVERYONE, params=_code),
    Entry("GET", "services/items/<str:code>/form.pdf", EVERYONE, params=_code),
    Entry(
        "GET",
        "services/items/<str:implementation_code>/apply/",
        actors("citizen_a", "citizen_b", "agent"),
        params=_item,
    ),
    Entry("GET", "services/applications/", actors("citizen_a", "citizen_b", "agent")),
    Entry("GET", "services/applications/<uuid:uid>/", A_PARTIES, params=_app),
    Entry(
        "POST",
        "services/applications/<uuid:uid>/resubmit/",
        OWNER,
        params=_app,
        form=True,
        accepts=frozenset({400}),
        note="the owner gets the form back with what is still missing (400)",
    ),
    Entry(
        "POST",
        "services/applications/<uuid:uid>/withdraw/",
        OWNER,
        params=_app,
        body=lambda w: {"reason": "不办了"},
        form=True,
    ),
    Entry("POST", "services/applications/<uuid:uid>/discard/", OWNER, params=_draft, form=True),
    Entry("GET", "services/applications/<uuid:uid>/result/", A_PARTIES, params=_done),
    Entry("GET", "services/staff/", VIEWERS),
    Entry("GET", "services/staff/applications/<uuid:uid>/", HANDLERS, params=_app),
    Entry(
        "POST",
        "services/staff/applications/<uuid:uid>/act/",
        HANDLERS,
        params=_app,
        body=lambda w: {"op": "note", "text": "矩阵备注"},
        form=True,
    ),
    Entry("GET", "services/statistics/", STATISTICS),
    Entry("GET", "", EVERYONE),
    Entry("GET", "my/", SIGNED_IN),
    Entry("GET", "my/<uuid:instance_id>/", OWNER, params=_instance),
    Entry(
        "POST",
        "my/<uuid:instance_id>/transition/",
        NOBODY,
        params=_instance,
        body=lambda w: {"action": "resubmit"},
        form=True,
    ),
    Entry("GET", "workbench/", STAFF),
    Entry(
        "GET",
        "workbench/instances/<uuid:instance_id>/",
        HANDLERS | {"supervisor"},
        params=_instance,
        reads=HANDLERS,
    ),
    Entry(
        "POST",
        "workbench/instances/<uuid:instance_id>/urge/",
        actors("supervisor", "admin"),
        params=_instance,
        body=lambda w: {"comment": "请尽快办理"},
        form=True,
    ),
    Entry(
        "POST",
        "workbench/instances/<uuid:instance_id>/transition/",
        NOBODY,
        params=_instance,
        body=lambda w: {"action": "resubmit"},
        form=True,
    ),
    # 12345 (hotline)
    Entry("GET", "hotline/", TICKET_VIEWERS, query=lambda w: {"queue": "all"}),
    Entry(
        "GET",
        "hotline/tickets/<uuid:uid>/",
        TICKET_VIEWERS,
        params=_ticket("call"),
        reads=CENTRE,
        variant="call",
    ),
    Entry(
        "GET",
        "hotline/tickets/<uuid:uid>/",
        TICKET_VIEWERS,
        params=_ticket("confidential"),
        reads=CENTRE,
        variant="confidential",
    ),
    Entry(
        "GET",
        "hotline/tickets/<uuid:uid>/",
        CENTRE | {"supervisor"},
        params=_ticket("web"),
        reads=CENTRE,
        variant="web",
    ),
    Entry(
        "GET",
        "hotline/tickets/<uuid:uid>/",
        TICKET_VIEWERS,
        params=_ticket("web_confidential"),
        reads=CENTRE,
        variant="web-confidential",
        note="the 办理记录 names the caller (their own account registered it) to the centre only",
    ),
    *_ticket_operations("hotline/tickets/<uuid:uid>/act/", form=True),
    Entry(
        "POST",
        "hotline/tickets/<uuid:uid>/unmask/",
        DISPATCHER,
        params=_ticket("confidential"),
        body=lambda w: {"reason": "回访需核对来电号码"},
        form=True,
        changes=True,
        unmasked=DISPATCHER,
        note="view_caller and core.unmask_pii, with a reason (audited); the agent lacks core.unmask_pii",
    ),
    Entry("GET", "hotline/intake/", AGENT),
    Entry(
        "POST",
        "hotline/intake/",
        AGENT,
        body=lambda w: {
            "caller_phone": "13500135005",
            "caller_name": "南郭来电",
            "kind": "complaint",
            "urgency": "normal",
            "content": "东城区幸福路有人占道经营",
            "region": "320102",
        },
        form=True,
        changes=True,
    ),
    Entry("POST", "hotline/intake/caller/", AGENT, body=lambda w: {"caller_phone": LANDLINE}, form=True),
    Entry(
        "GET",
        "hotline/intake/assist/",
        AGENT,
        query=lambda w: {"content": "幸福路小餐馆后厨卫生", "region": "320102"},
    ),
    Entry("GET", "hotline/report/", EVERYONE),
    Entry(
        "POST",
        "hotline/report/",
        CALLERS | AGENT,
        body=lambda w: {"kind": "complaint", "content": "东城区幸福路夜市噪音扰民", "region": "320102"},
        form=True,
        changes=True,
        refused=frozenset({200}),
        note="staff without hotline.register_ticket get the form back with the refusal (200)",
    ),
    Entry("GET", "hotline/mine/", SIGNED_IN),
    Entry("GET", "hotline/mine/<uuid:uid>/", OWNER, params=_ticket("web")),
    Entry("GET", "hotline/knowledge/", KNOWLEDGE_KEEPERS),
    Entry("GET", "hotline/knowledge/new/", KNOWLEDGE_KEEPERS),
    Entry(
        "POST",
        "hotline/knowledge/new/",
        KNOWLEDGE_KEEPERS,
        body=lambda w: {
            "code": "matrix-entry",
            "organization": w.department_a.code,
            "title": "矩阵条目",
            "answer": "矩阵答复口径",
        },
        form=True,
        changes=True,
    ),
    Entry("GET", "hotline/knowledge/<slug:code>/", KNOWLEDGE_KEEPERS, params=_knowledge),
    Entry(
        "POST",
        "hotline/knowledge/<slug:code>/",
        KNOWLEDGE_KEEPERS,
        params=_knowledge,
        body=lambda w: {"organization": w.department_a.code, "title": "改过的标题", "answer": "改过的答复"},
        form=True,
        changes=True,
    ),
    Entry(
        "POST",
        "hotline/knowledge/<slug:code>/review/",
        KNOWLEDGE_KEEPERS,
        params=_knowledge,
        form=True,
        changes=True,
    ),
    # hotline.view_statistics: the dispatcher city-wide, the supervisor over 东城区.
    *(
        Entry("GET", f"hotline/statistics/{page}", DISPATCHER | {"supervisor"})
        for page in ("", "words/", "map.json", "export.csv", "export.xlsx")
    ),
    # Open311 GeoReport v2: public reads of what callers published themselves (web, mobile, Open311;
    # not confidential), never a caller's name or number; a POST authenticates by its api_key alone.
    Entry("GET", "open311/v2/services.<str:fmt>", EVERYONE, params=lambda w: {"fmt": "json"}),
    Entry(
        "GET",
        "open311/v2/services/<str:service_code>.<str:fmt>",
        EVERYONE,
        params=lambda w: {"service_code": w.hotline.category.code, "fmt": "xml"},
    ),
    Entry("GET", "open311/v2/requests.<str:fmt>", EVERYONE, params=lambda w: {"fmt": "json"}),
    Entry(
        "POST",
        "open311/v2/requests.<str:fmt>",
        EVERYONE,
        params=lambda w: {"fmt": "json"},
        body=lambda w: {**_open311_request(w), "api_key": w.hotline.open311_key},
        form=True,
        changes=True,
        variant="agent-key",
        note="the key's user (the agent, hotline.register_ticket) registers, whoever's session it is",
    ),
    Entry(
        "POST",
        "open311/v2/requests.<str:fmt>",
        NOBODY,
        params=lambda w: {"fmt": "json"},
        body=_open311_request,
        form=True,
        variant="no-key",
        note="a signed-in session is not an api_key",
    ),
    *(
        Entry(
            "GET",
            "open311/v2/requests/<str:service_request_id>.<str:fmt>",
            allowed,
            params=lambda w, name=name: {
                "service_request_id": getattr(w.hotline, name).ticket_no,
                "fmt": "json",
            },
            variant=name,
        )
        for name, allowed in (("web", EVERYONE), ("call", NOBODY), ("web_confidential", NOBODY))
    ),
    *(
        Entry(
            "GET",
            "open311/v2/tokens/<str:token>.<str:fmt>",
            allowed,
            params=lambda w, name=name: {"token": str(getattr(w.hotline, name).uid), "fmt": "json"},
            variant=name,
        )
        for name, allowed in (("web", EVERYONE), ("call", NOBODY))
    ),
    Entry("GET", "jobs/<int:job_id>/", actors("staff_a_without"), params=_job),
    Entry("GET", "jobs/<int:job_id>/progress/", actors("staff_a_without"), params=_job),
    Entry("GET", "jobs/<int:job_id>/result/", actors("staff_a_without"), params=_job),
]


def by_key(entries: Iterable[Entry]) -> dict[str, Entry]:
    table: dict[str, Entry] = {}
    for entry in entries:
        assert entry.key not in table, f"两条矩阵条目重复：{entry.key}"
        table[entry.key] = entry
    return table
