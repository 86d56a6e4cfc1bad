"""Background job pages: the job with its progress bar, the polled progress partial, the result file.

Only the job's requester sees any of them (`core.jobs.job_get`); everyone else gets 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from yiwang.core.errors import NotFound
from yiwang.core.files import file_open_for, file_response
from yiwang.core.jobs import job_get
from yiwang.core.models import BackgroundJob
from yiwang.identity.actor import actor_from_request


def _job(request: HttpRequest, job_id: int) -> BackgroundJob:
    try:
        return job_get(actor_from_request(request), job_id)
    except NotFound as exc:
        raise Http404(exc.message) from None


@require_GET
@login_required
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "web/pages/job.html", {"job": _job(request, job_id)})


@require_GET
@login_required
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress partial; polled by itself every second while the job is queued or running."""
    response = render(request, "web/partials/job_progress.html", {"job": _job(request, job_id)})
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def job_result(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """The job's result file (e.g. an import's error report), for the requester only."""
    job = _job(request, job_id)
    if job.result_file is None:
        raise Http404("该任务没有结果文件")
    try:
        stored = file_open_for(actor_from_request(request), job.result_file.uid)
    except NotFound:
        raise Http404("文件不存在或无权访问") from None
    return file_response(stored)
