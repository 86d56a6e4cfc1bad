"""`Cache-Control: no-store` on everything a signed-in user or an API token receives (the 窗口's
shared terminals keep no copy); anonymous public pages and static files stay cacheable."""

from __future__ import annotations

import pytest
from django.test import Client

from yiwang.identity.actions import api_token_create
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory, make_staff

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_pages_for_a_signed_in_user_are_not_stored(client):
    client.force_login(CitizenFactory())

    for url in ("/", "/accounts/profile/", "/notifications/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"no-store", "private"} <= _directives(response), url


def test_api_replies_to_a_session_or_a_token_are_not_stored(client):
    staff = make_staff()
    _, plaintext = api_token_create(actor=Actor.for_user(staff), name="脚本")
    client.force_login(staff)

    by_session = client.get("/api/v1/identity/me")
    by_token = Client().get("/api/v1/identity/me", headers={"Authorization": f"Bearer {plaintext}"})

    assert by_session.status_code == by_token.status_code == 200
    assert {"no-store", "private"} <= _directives(by_session)
    assert {"no-store", "private"} <= _directives(by_token)


def test_anonymous_public_pages_and_static_files_are_left_alone(client):
    home = client.get("/")
    version = client.get("/api/v1/version")
    css = client.get("/static/yiwang/app.css")

    assert home.status_code == version.status_code == css.status_code == 200
    for response in (home, version, css):
        assert "no-store" not in _directives(response)
