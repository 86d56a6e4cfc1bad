"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("未找到 Debian 的 chromium：请运行 make browser（make test 会自动安装）")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; Playwright never downloads a browser of its own."""
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def signed_in(browser: Any, live_server: Any) -> Iterator[Callable[[Any], Any]]:
    """`signed_in(user)`: a new page in a browser context of its own, signed in as `user` (the
    session cookie of a test-client login). Every context is closed at teardown, also when the test
    fails: a context left open keeps live-server threads, which later close the shared in-memory
    SQLite connection under another test."""
    from django.conf import settings
    from django.test import Client

    contexts: list[Any] = []

    def sign_in(user: Any) -> Any:
        client = Client()
        client.force_login(user)
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        context.set_default_timeout(15000)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        return context.new_page()

    yield sign_in
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def _replay_data_migrations() -> None:
    """Run every RunPython of the project's migrations again (they are idempotent seeds; those
    marked `hints={"ddl": True}` create database objects, which a flush leaves in place)."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    seen: set[tuple[str, str]] = set()
    for leaf in loader.graph.leaf_nodes():
        for node in loader.graph.forwards_plan(leaf):
            if node in seen or node[0] not in {"core", "identity", "workflow", "services"}:
                continue
            seen.add(node)
            for operation in loader.graph.nodes[node].operations:
                if isinstance(operation, RunPython) and not operation.hints.get("ddl"):
                    operation.code(apps, None)


@pytest.fixture(autouse=True)
def _seed_data_for_transactional_tests(request: Any) -> None:
    """A transactional test starts after the previous one flushed every table, which also removes
    what the data migrations seeded (standard roles, holiday calendar, dictionaries): put it back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from django.core.cache import cache

    from yiwang.core.calendar import invalidate_calendar

    _replay_data_migrations()
    invalidate_calendar()
    cache.clear()
