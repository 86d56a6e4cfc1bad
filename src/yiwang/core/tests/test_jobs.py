"""Background jobs: creation, claiming, throttled progress, the outcome, and who may see a job."""

from __future__ import annotations

import pytest

from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.core.files import file_store
from yiwang.core.jobs import (
    job_create,
    job_fail,
    job_finish,
    job_get,
    job_progress,
    job_start,
    jobs_for,
    progress_step,
)
from yiwang.core.models import AuditEvent, BackgroundJob
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def actor(owner):
    return Actor.for_user(owner)


def _job(actor, **fields):
    return job_create(actor=actor, kind="test.import", title="导入测试清单", **fields)


def test_create_records_a_queued_job_and_audits_it(actor, owner):
    job = _job(actor, total=40)
    assert (job.status, job.done, job.total, job.requested_by_id) == ("queued", 0, 40, owner.pk)
    assert job.started_at is None and job.finished_at is None and job.is_active
    event = AuditEvent.objects.get(action="job.create")
    assert (event.object_type, event.object_id, event.actor_id) == (
        "core.backgroundjob",
        str(job.pk),
        owner.pk,
    )
    assert event.summary == "提交后台任务「导入测试清单」"


def test_anonymous_cannot_create_a_job():
    with pytest.raises(PermissionDenied):
        job_create(actor=Actor.for_user(None), kind="test.import", title="x")
    assert BackgroundJob.objects.count() == 0


def test_start_claims_a_queued_job_once(actor):
    job = _job(actor)
    claimed = job_start(job.pk)
    assert claimed is not None and claimed.status == "running" and claimed.started_at is not None
    assert job_start(job.pk) is None  # a second delivery of the task does nothing


def test_progress_step_is_one_percent_between_one_and_the_cap():
    assert [progress_step(n) for n in (0, 50, 1000, 12_345, 10_000_000)] == [1, 1, 10, 123, 500]


def test_progress_called_per_row_writes_once_per_percent(actor, django_assert_num_queries):
    job = _job(actor)
    job_start(job.pk)
    with django_assert_num_queries(101):
        written = [done for done in range(1, 1001) if job_progress(job.pk, done, 1000)]
    assert written == [1, *range(11, 1000, 10), 1000]
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("running", 1000, 1000)


def test_progress_writes_a_new_total_at_once(actor):
    job = _job(actor)
    job_start(job.pk)
    assert job_progress(job.pk, 1, 1000)
    assert not job_progress(job.pk, 2, 1000)
    assert job_progress(job.pk, 2, 400)  # the total changed: shown at once
    job.refresh_from_db()
    assert (job.done, job.total) == (2, 400)


def test_progress_on_a_queued_job_marks_it_running(actor):
    job = _job(actor)
    assert job_progress(job.pk, 5, 10)
    job.refresh_from_db()
    assert (job.status, job.done) == ("running", 5) and job.started_at is not None


def test_finish_records_success_and_audits(actor):
    job = _job(actor)
    job_start(job.pk)
    job_progress(job.pk, 7, 12)
    finished = job_finish(job.pk, actor=actor, message="导入完成：新增 12 项", result={"created": 12})
    job.refresh_from_db()
    assert finished.pk == job.pk
    assert (job.status, job.done, job.total, job.message, job.result) == (
        "succeeded",
        12,
        12,
        "导入完成：新增 12 项",
        {"created": 12},
    )
    assert job.finished_at is not None and not job.is_active and job.percent == 100
    event = AuditEvent.objects.get(action="job.succeed")
    assert event.object_id == str(job.pk) and event.data["done"] == 12
    job_progress(job.pk, 3, 12)
    assert BackgroundJob.objects.get(pk=job.pk).done == 12


def test_fail_keeps_the_result_file_and_the_first_outcome_stands(actor, owner):
    job = _job(actor)
    job_start(job.pk)
    report = file_store(actor=actor, upload=PDF_BYTES, name="错误报告.pdf")
    job_fail(
        job.pk,
        actor=actor,
        message="发现 2 处错误",
        result={"errors": [{"message": "a"}]},
        result_file=report,
    )
    job_finish(job.pk, actor=actor, message="不应覆盖")  # a late, repeated delivery
    job.refresh_from_db()
    assert (job.status, job.message, job.result_file_id) == ("failed", "发现 2 处错误", report.pk)
    assert job.result == {"errors": [{"message": "a"}]}
    assert list(AuditEvent.objects.filter(action__startswith="job.").values_list("action", flat=True)) == [
        "job.fail",
        "job.create",
    ]


def test_progress_never_moves_a_finished_job(actor):
    job = _job(actor)
    job_fail(job.pk, actor=actor, message="失败")
    job_progress(job.pk, 3, 10)
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("failed", 0, 0)


def test_a_job_is_visible_to_its_requester_only(actor, owner):
    job = _job(actor)
    other = Actor.for_user(CitizenFactory())
    assert job_get(actor, job.pk) == job
    assert list(jobs_for(actor)) == [job] and list(jobs_for(other)) == []
    for stranger in (other, Actor.for_user(None), Actor.system()):
        with pytest.raises(NotFound):
            job_get(stranger, job.pk)
    with pytest.raises(NotFound):
        job_get(actor, job.pk + 1000)


def test_recent_jobs_newest_first_and_by_kind(actor):
    first = _job(actor)
    second = job_create(actor=actor, kind="test.export", title="导出")
    third = _job(actor)
    assert list(jobs_for(actor)) == [third, second, first]
    assert list(jobs_for(actor, kind="test.import")) == [third, first]
