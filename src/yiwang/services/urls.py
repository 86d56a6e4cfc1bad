"""URLs of 一网通办: each page module owns its `urlpatterns`."""

from __future__ import annotations

from yiwang.services.views import applications, catalogue, staff, statistics

app_name = "services"
urlpatterns = [*catalogue.urlpatterns, *applications.urlpatterns, *staff.urlpatterns, *statistics.urlpatterns]
