"""`/api/v1/services/`: catalogue, guides, applications (applicant and staff side), statistics."""

from __future__ import annotations

from ninja import Router

from yiwang.services.api.applications import router as applications_router
from yiwang.services.api.catalogue import router as catalogue_router
from yiwang.services.api.staff import router as staff_router
from yiwang.services.api.statistics import router as statistics_router

router = Router()
router.add_router("/", catalogue_router)
router.add_router("/", applications_router)
router.add_router("/staff/", staff_router)
router.add_router("/statistics/", statistics_router)
