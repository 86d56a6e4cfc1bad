"""The access matrix: every API operation and every page, who may use it, and how it is called
against the access world (`access_world.py`).

Each entry names the actors allowed to succeed (`allowed`) and, where it differs, those allowed to
read the application's contents (`reads`: a supervisor follows its steps but reads nothing). Every
other actor must be refused — nothing returned, nothing changed — which `test_access_matrix.py`
checks for each actor, and the allowed ones must succeed (so a refusal is never an accident of a
bad parameter). A new endpoint or page without an entry here fails the suite.

Unsafe methods are sent with a body that would change something if it were wrongly accepted."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from yiwang.config.tests.access_world import ACTORS, World

Params = Callable[[World], dict[str, Any]]
Body = Callable[[World], Any]


def actors(*names: str) -> frozenset[str]:
    unknown = set(names) - set(ACTORS)
    assert not unknown, unknown
    return frozenset(names)


EVERYONE = actors(*ACTORS)
SIGNED_IN = EVERYONE - {"anonymous"}
STAFF = actors(
    "clerk_a", "staff_a_without", "clerk_b", "hotline_agent", "supervisor", "command_center", "admin"
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
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.method} {self.route}"

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
