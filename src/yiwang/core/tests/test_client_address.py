"""`core.client_address`: the client's address, from REMOTE_ADDR or a trusted proxy's header."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from yiwang.core.client_address import client_address, meta_key
from yiwang.identity.actor import actor_from_request

PROXY = "10.0.0.2"


def _request(**meta: str):
    return RequestFactory().get("/", REMOTE_ADDR=PROXY, **meta)


def test_without_a_trusted_header_the_connection_is_the_client(settings):
    settings.YIWANG_TRUSTED_PROXY_HEADER = ""

    assert client_address(_request(HTTP_X_FORWARDED_FOR="203.0.113.9")) == PROXY


@pytest.mark.parametrize(
    ("header", "count", "value", "expected"),
    [
        ("X-Forwarded-For", 1, "203.0.113.9", "203.0.113.9"),
        ("X-Forwarded-For", 1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged entry is ignored
        ("HTTP_X_FORWARDED_FOR", 2, "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        ("X-Forwarded-For", 2, "203.0.113.9", PROXY),  # shorter than the proxies: not through them
        ("X-Forwarded-For", 1, "", PROXY),
        ("X-Forwarded-For", 1, "unknown", PROXY),
        ("X-Forwarded-For", 1, "203.0.113.9:5123", "203.0.113.9"),
        ("X-Forwarded-For", 1, "[2001:db8::7]:443", "2001:db8::7"),
        ("X-Forwarded-For", 1, "::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_a_trusted_proxy_header_names_the_client(settings, header, count, value, expected):
    settings.YIWANG_TRUSTED_PROXY_HEADER = header
    settings.YIWANG_TRUSTED_PROXY_COUNT = count

    assert client_address(_request(HTTP_X_FORWARDED_FOR=value)) == expected


def test_a_single_address_header_such_as_x_real_ip(settings):
    settings.YIWANG_TRUSTED_PROXY_HEADER = "X-Real-IP"
    settings.YIWANG_TRUSTED_PROXY_COUNT = 1

    assert client_address(_request(HTTP_X_REAL_IP="203.0.113.9")) == "203.0.113.9"
    assert meta_key("x-real-ip") == "HTTP_X_REAL_IP"


@pytest.mark.django_db
def test_the_actor_of_a_request_carries_the_client_address(settings):
    settings.YIWANG_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    request = _request(HTTP_X_FORWARDED_FOR="203.0.113.9")
    request.user = AnonymousUser()

    assert actor_from_request(request).ip_address == "203.0.113.9"
