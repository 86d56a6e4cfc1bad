"""The access matrix (issue 12 §1, §2): every API operation and every page, called as every kind of
caller against objects that belong to someone else.

For each entry of `access_matrix` and each actor of `access_world.ACTORS`:
- an actor the entry does not allow is refused (401/403/404, or the login page for a page), gets
  none of the application's contents, and changes nothing (row counts of every table and the rows of
  the world's objects are compared before and after);
- an allowed actor succeeds, so that a refusal is never the accident of a wrong parameter;
- an allowed call of an entry marked `changes` changes something (a page that redirects whatever
  happened cannot show success by its status);
- nobody but citizen A receives A's ID number or the callers' phone numbers in clear, allowed or not
  — except where the entry names who unmasks them (`unmasked`).
Each call runs in a savepoint that is rolled back, so every actor meets the same world.

A new API operation or page without an entry fails `test_every_endpoint_and_page_has_an_entry`."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from yiwang.config.api import api
from yiwang.config.tests.access_matrix import API, PAGES, Entry, by_key
from yiwang.config.tests.access_world import ACTORS, SECRETS, World, build_access_world
from yiwang.core.models import BackgroundJob, Notification, Person, StoredFile
from yiwang.identity.models import ApiToken
from yiwang.services.models import Application, ServiceItem
from yiwang.services.tests.applications_support import pdf
from yiwang.workflow.models import ProcessInstance

API_ENTRIES = by_key(API)
PAGE_ENTRIES = by_key(PAGES)
UNTRACKED_TABLES = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}
WATCHED_MODELS = (
    Application,
    ProcessInstance,
    ServiceItem,
    Notification,
    ApiToken,
    BackgroundJob,
    Person,
    StoredFile,
)
TEXT_TYPES = ("application/json", "text/")


def _api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }


def _page_routes() -> set[str]:
    def walk(patterns: list[Any], prefix: str = "") -> Any:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return {route for route in walk(get_resolver().url_patterns) if not route.startswith(("admin/", "api/"))}


def test_every_endpoint_and_page_has_an_entry():
    assert _api_operations() == {entry.operation for entry in API}, (
        "API 操作与访问矩阵不一致：新接口须在 access_matrix.API 中登记"
    )
    assert _page_routes() == {entry.route for entry in PAGES}, (
        "页面与访问矩阵不一致：新页面须在 access_matrix.PAGES 中登记"
    )


def _path(entry: Entry, world: World) -> str:
    params = entry.params(world)
    if entry.route.startswith("/api/"):
        return re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), entry.route)
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(params[m.group(1)]), entry.route)


def _call(client: Client, entry: Entry, world: World) -> Any:
    path = _path(entry, world)
    query = entry.query(world)
    if entry.method == "GET":
        return client.get(path, query)
    if entry.upload:
        return client.post(
            path, {"file": SimpleUploadedFile("矩阵.pdf", pdf("矩阵.pdf").read(), "application/pdf")}
        )
    body = entry.body(world) if entry.body is not None else {}
    if entry.form:
        return client.post(path, body)
    send = getattr(client, entry.method.lower())
    return send(path, body, content_type="application/json")


def _fingerprint() -> tuple[Any, ...]:
    tables = sorted(set(connection.introspection.django_table_names(only_existing=True)) - UNTRACKED_TABLES)
    quote = connection.ops.quote_name
    # Table names come from the database's own catalogue, quoted; the labels are parameters.
    sql = " UNION ALL ".join(f"SELECT %s, COUNT(*) FROM {quote(table)}" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        counts = sorted(cursor.fetchall())
    rows = [sorted(map(repr, model.objects.values_list())) for model in WATCHED_MODELS]
    return (counts, rows)


def _text(response: Any) -> str:
    if not any(kind in response.get("Content-Type", "") for kind in TEXT_TYPES):
        return ""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _refused(entry: Entry, response: Any) -> bool:
    status = response.status_code
    if status in entry.refused:
        return True
    if entry.route.startswith("/api/"):
        return status in (401, 403, 404)
    # A page may send the caller elsewhere (the login page, the page they may see): a redirect
    # carries no data, and where it leads is in the matrix too.
    return status in (302, 400, 403, 404, 405)


def _succeeded(entry: Entry, response: Any) -> bool:
    return response.status_code < 400 or response.status_code in entry.accepts


def _clients(world: World) -> dict[str, Client]:
    clients = {}
    for name in ACTORS:
        client = Client()
        user = world.users[name]
        if user is not None:
            client.force_login(user)
        clients[name] = client
    return clients


@pytest.mark.django_db
@pytest.mark.parametrize("entry", [*API, *PAGES], ids=lambda entry: entry.key)
def test_access_matrix(entry: Entry):
    world = build_access_world()
    clients = _clients(world)
    problems = []
    for name in ACTORS:
        with transaction.atomic():
            before = _fingerprint()
            response = _call(clients[name], entry, world)
            after = _fingerprint()
            transaction.set_rollback(True)
        text = _text(response)
        status = response.status_code
        if name in entry.allowed:
            if not _succeeded(entry, response):
                problems.append(f"{name}: 应允许，实际 {status} {text[:200]}")
            elif entry.changes and after == before:
                problems.append(f"{name}: 应办理成功，实际没有改变任何数据（{status}）")
        else:
            if not _refused(entry, response):
                problems.append(f"{name}: 应拒绝，实际 {status}")
            if after != before:
                problems.append(f"{name}: 被拒绝的请求改变了数据")
        if name not in entry.readers and name != "citizen_a":  # the secrets are A's own
            leaked = [secret for secret in SECRETS if secret in text]
            if leaked:
                problems.append(f"{name}: 看到了无权查看的内容 {leaked}")
        if name != "citizen_a" and name not in entry.unmasked:
            clear = [value for value in world.pii if value in text]
            if clear:
                problems.append(f"{name}: 收到未脱敏的个人信息 {clear}")
    assert not problems, f"{entry.key}\n" + "\n".join(problems)
