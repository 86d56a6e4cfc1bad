"""Walk-through defect (issue 12 §7): every demo account lands on a page with something to do, or a
clear statement of what its module will offer; every role that may see statistics finds them in its
menu.

The demo city is seeded once for this module inside an outer transaction that is rolled back
afterwards; each account signs in through the login form, as a visitor of the demo would."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import TestCase

from yiwang.demo import accounts
from yiwang.demo.city import seed_demo_city
from yiwang.identity.actor import Actor
from yiwang.identity.models import User
from yiwang.services.selectors.statistics import can_view_statistics

STATISTICS_LINK = '<a href="/services/statistics/">办件统计</a>'
INBOX_LINK = '<a href="/services/staff/">办件箱</a>'
# What each account's module will offer when it is not built yet (the card's id on the workbench).
COMING = {
    "grid": "cityops",
    "command": "cityops",
    "clerk": "office",
    "dataofficer": "datahub",
    "leader": "cockpit",
}
# Accounts whose work is 12345 tickets: the 12345 app is installed, its menu entry is theirs.
HOTLINE = ("agent", "dispatcher", "handler", "supervisor")
# Accounts whose work is 一网通办 办件 of the demo: their inbox is not empty.
HANDLING = ("window", "approver", "depthead")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with TestCase.captureOnCommitCallbacks(execute=True):
            seed_demo_city()
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _nav(html: str) -> str:
    return html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]


def _landing(client, username: str) -> tuple[str, str]:
    response = client.post("/accounts/login/", {"username": username, "password": accounts.DEMO_PASSWORD})
    assert response.status_code == 302, username
    landing = client.get(response["Location"])
    assert landing.status_code == 200, username
    return response["Location"], landing.content.decode()


@pytest.mark.parametrize("persona", accounts.PERSONAS, ids=lambda p: p.username)
def test_every_demo_account_lands_on_something_to_do(seeded, client, persona):
    url, html = _landing(client, persona.username)
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    if persona.kind == User.Kind.STAFF:
        assert url == "/workbench/"
        rows = main.count("data-instance=")
        coming = re.findall(r'<section class="card coming-module"[^>]*id="coming-(\w+)"', main)
        shortcuts = 'id="my-modules"' in main
        assert rows or coming or shortcuts, persona.username
        if persona.username in COMING:
            assert coming == [COMING[persona.username]], persona.username
            card = main.split(f'id="coming-{coming[0]}"', 1)[1].split("</section>", 1)[0]
            assert "即将上线" in card and ("将提供" in card or "将一屏展示" in card)
            assert "后续版本上线" in card
        else:
            assert coming == [], persona.username
        if persona.username in HANDLING:
            assert rows > 0, persona.username
            assert INBOX_LINK in _nav(html)
        if persona.username in HOTLINE:
            assert 'href="/hotline/"' in _nav(html), persona.username
        if persona.is_superuser:
            assert '<a href="/admin/"><strong>管理后台</strong></a>' in main
    else:
        assert url == "/"
        # their own applications and what waits for them
        assert 'class="list progress-list"' in main, persona.username
        assert "您还没有办理过事项" not in main


@pytest.mark.parametrize("persona", accounts.PERSONAS, ids=lambda p: p.username)
def test_statistics_are_in_the_menu_of_every_role_that_holds_them(seeded, client, persona):
    """Every account the statistics page admits (services.view_statistics, or view_application: its
    department's own figures) finds it in the menu; no other account does."""
    user = User.objects.get(username=persona.username)
    holds = can_view_statistics(Actor.for_user(user))
    _url, html = _landing(client, persona.username)
    assert (STATISTICS_LINK in _nav(html)) == holds, persona.username
    if holds:
        assert client.get("/services/statistics/").status_code == 200
    if persona.username in ("depthead", "leader", "admin"):
        assert holds, persona.username  # the roles the brief names: 部门负责人, 市领导, 平台管理员
