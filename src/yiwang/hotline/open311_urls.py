"""URLs of the Open311 GeoReport v2 endpoint, mounted at `/open311/v2/` (`hotline.open311`).

A service code may contain dots (`appearance.street_vending`): the greedy `str` converter leaves the
format what follows the last dot. An unknown format reaches the view, which answers the spec's 404
error list."""

from __future__ import annotations

from django.urls import URLPattern, path

from yiwang.hotline import open311

app_name = "open311"
urlpatterns: list[URLPattern] = [
    path("services.<str:fmt>", open311.services, name="services"),
    path("services/<str:service_code>.<str:fmt>", open311.service_definition, name="service"),
    path("requests.<str:fmt>", open311.requests, name="requests"),
    path("requests/<str:service_request_id>.<str:fmt>", open311.service_request, name="request"),
    path("tokens/<str:token>.<str:fmt>", open311.token_lookup, name="token"),
]
