"""URLs of 12345: each page module owns its `urlpatterns`."""

from __future__ import annotations

from yiwang.hotline.views import citizen, intake, knowledge, staff, statistics

app_name = "hotline"
urlpatterns = [
    *staff.urlpatterns,
    *intake.urlpatterns,
    *citizen.urlpatterns,
    *knowledge.urlpatterns,
    *statistics.urlpatterns,
]
