"""Settings and URLconf of the gunicorn server `bench/hotline.py` starts (and of its setup process).

`bench.settings_http` (the test settings plus what a deployment sets: persistent connections, tasks
queued for the worker, one data directory for the run) with this module as the URLconf: the
project's URLs plus `/bench/bare-ticket`, the floor of the intake measurement — what any framework
must do at least for an API registration: authenticate the bearer token (the API's own
`ApiTokenAuth`), parse the JSON body, read the hotline centre and insert one `Ticket` row.

The URL patterns are built on first access (PEP 562 `__getattr__`), because `include()` imports the
project's views, which need the app registry this settings module is loaded before."""

from __future__ import annotations

from typing import Any

from bench.settings_http import *  # noqa: F403

ROOT_URLCONF = "bench.settings_hotline"
_patterns: list[Any] = []


def bare_ticket(request: Any) -> Any:
    """Token auth, JSON body, one lookup and one INSERT of a ticket; 201 with its uid."""
    import json
    import uuid

    from django.http import JsonResponse
    from django.utils import timezone

    from yiwang.core.models import Organization
    from yiwang.hotline.models import Ticket
    from yiwang.identity.api_auth import ApiTokenAuth

    actor = ApiTokenAuth()(request)
    if actor is None:
        return JsonResponse({"detail": "unauthorized"}, status=401)
    payload = json.loads(request.body)
    center = Organization.objects.only("pk", "region_id").get(code=HOTLINE_CENTER)  # noqa: F405
    now = timezone.now()
    row = Ticket.objects.create(
        ticket_no=uuid.uuid4().hex,
        kind=payload["kind"],
        channel=payload["channel"],
        title=payload["content"][:30],
        content=payload["content"],
        caller_name=payload["caller_name"],
        caller_phone=payload["caller_phone"],
        address=payload["address"],
        region_id=center.region_id,
        organization_id=center.pk,
        registered_by_id=actor.user.pk,
        registered_at=now,
        idempotency_key=payload["idempotency_key"],
    )
    return JsonResponse({"uid": str(row.uid)}, status=201)


def __getattr__(name: str) -> Any:
    if name != "urlpatterns":
        raise AttributeError(name)
    if not _patterns:
        from django.urls import include, path
        from django.views.decorators.csrf import csrf_exempt

        _patterns.extend(
            [path("bench/bare-ticket", csrf_exempt(bare_ticket)), path("", include("yiwang.config.urls"))]
        )
    return _patterns
