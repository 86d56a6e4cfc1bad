"""URLconf for the benchmarks: the project's URLs plus a bare insert endpoint (the floor)."""

from __future__ import annotations

import json
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare_insert(request: HttpRequest) -> HttpResponse:
    """What any framework must do at least: parse the body and insert one application row."""
    from yiwang.services.models import Application, ServiceItem

    payload = json.loads(request.body)
    item = ServiceItem.objects.only("pk", "organization_id", "region_id").get(
        implementation_code=payload["item"], is_current=True
    )
    row = Application.objects.create(
        item=item,
        applicant_id=request.user.pk,
        organization_id=item.organization_id,
        region_id=item.region_id,
        status="submitted",
        form_data=payload["data"],
        idempotency_key=payload["idempotency_key"],
        application_no=uuid.uuid4().hex,
    )
    return JsonResponse({"uid": str(row.uid)}, status=201)


urlpatterns = [
    path("bench/bare-insert", bare_insert),
    path("", include("yiwang.config.urls")),
]
