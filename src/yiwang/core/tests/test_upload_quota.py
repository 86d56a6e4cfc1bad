"""Uploads are limited per user — a rate, and a quota of bytes not yet attached to anything — and
files attached to nothing are deleted after a grace period by a scheduled task (`yiwang files
prune`), with one audit row per run. Before, a citizen could upload 20 MB files for ever and an
idempotency race alone left 57 orphans."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from yiwang.cli import translate
from yiwang.core.errors import InvalidInput
from yiwang.core.files import file_store, files_prune
from yiwang.core.jobs import job_create
from yiwang.core.models import AuditEvent, BackgroundJob, StoredFile
from yiwang.core.tasks import files_prune_task
from yiwang.core.uploads import file_references, is_attached, unattached_bytes
from yiwang.identity.actor import Actor
from yiwang.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + b" " * 52  # 100 bytes


def pdf(name: str = "身份证.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def citizen():
    return CitizenFactory()


@pytest.fixture
def actor(citizen):
    return Actor.for_user(citizen)


def _refused(call, code):
    with pytest.raises(InvalidInput) as caught:
        call()
    assert (caught.value.code, caught.value.status) == (code, 429)
    return caught.value


def _path(stored: StoredFile) -> Path:
    return Path(storages["yiwang_files"].path(stored.storage_key))


# -- the rate -------------------------------------------------------------------------------------------


@override_settings(YIWANG_UPLOAD_RATE_COUNT=3, YIWANG_UPLOAD_RATE_SECONDS=600)
def test_a_user_uploading_too_often_is_refused_with_429(actor, citizen):
    for _ in range(3):
        file_store(actor=actor, upload=pdf())
    error = _refused(lambda: file_store(actor=actor, upload=pdf()), "too_many_requests")
    assert error.message == "上传过于频繁：每 10 分钟最多上传 3 个文件，请稍后再试"
    assert error.details == {"limit": 3, "seconds": 600}
    assert StoredFile.objects.filter(owner=citizen).count() == 3
    # Another user, the platform itself and documents the platform generates are not held back.
    file_store(actor=Actor.for_user(CitizenFactory()), upload=pdf())
    file_store(actor=Actor.system(), upload=pdf())
    file_store(actor=actor, upload=PDF, name="受理通知书.pdf", audit=False, uploaded=False)
    # An hour later the window has moved on.
    StoredFile.objects.filter(owner=citizen).update(created_at=timezone.now() - timedelta(minutes=11))
    file_store(actor=actor, upload=pdf())


@override_settings(YIWANG_UPLOAD_RATE_COUNT=1)
def test_the_api_answers_429_in_the_envelope(client, citizen):
    client.force_login(citizen)
    assert client.post("/api/v1/files/", {"file": pdf()}).status_code == 201
    response = client.post("/api/v1/files/", {"file": pdf()})
    assert response.status_code == 429
    assert response.json() == {
        "code": "too_many_requests",
        "message": "上传过于频繁：每 1 小时最多上传 1 个文件，请稍后再试",
        "details": {"limit": 1, "seconds": 3600},
    }


# -- the quota ------------------------------------------------------------------------------------------


@override_settings(YIWANG_UPLOAD_QUOTA_BYTES=250)
def test_unattached_uploads_are_held_to_the_quota_until_they_are_used(actor, citizen):
    first = file_store(actor=actor, upload=pdf())
    file_store(actor=actor, upload=pdf())
    assert unattached_bytes(citizen.pk) == 200

    error = _refused(lambda: file_store(actor=actor, upload=pdf()), "upload_quota_exceeded")
    assert error.message == (
        "已上传但尚未使用的文件合计超过上限（250 字节）。请先提交申请，或删除不用的草稿；未使用的文件会在上传 24 小时后自动清理"
    )
    assert error.details == {"quota_bytes": 250, "unattached_bytes": 200, "size": 100}
    assert StoredFile.objects.filter(owner=citizen).count() == 2

    # Once a file is used (here: the input of a job), it no longer counts.
    job_create(actor=actor, kind="test.import", title="导入", input_file=first)
    assert is_attached(first) and unattached_bytes(citizen.pk) == 100
    file_store(actor=actor, upload=pdf())


@override_settings(YIWANG_UPLOAD_QUOTA_BYTES=0, YIWANG_UPLOAD_RATE_COUNT=0)
def test_zero_turns_the_limits_off(actor):
    for _ in range(3):
        file_store(actor=actor, upload=pdf())


def test_the_api_answers_429_when_the_quota_is_exceeded(client, citizen):
    client.force_login(citizen)
    with override_settings(YIWANG_UPLOAD_QUOTA_BYTES=150):
        assert client.post("/api/v1/files/", {"file": pdf()}).status_code == 201
        response = client.post("/api/v1/files/", {"file": pdf()})
    assert response.status_code == 429 and response.json()["code"] == "upload_quota_exceeded"


# -- what "attached" means -----------------------------------------------------------------------------


def test_every_foreign_key_to_a_stored_file_counts_hidden_ones_and_through_tables_too():
    references = {(model._meta.label, field.name) for model, field in file_references()}
    # related_name="+" hides these from StoredFile._meta.related_objects; they count all the same.
    assert {("core.BackgroundJob", "input_file"), ("core.BackgroundJob", "result_file")} <= references
    # A many-to-many field counts through its through table's foreign key.
    assert ("workflow.ProcessEvent_attachments", "storedfile") in references
    assert not any(label == "workflow.ProcessEvent" for label, _ in references)


# -- pruning --------------------------------------------------------------------------------------------


def test_files_attached_to_nothing_are_pruned_after_the_grace_period(
    actor, citizen, django_capture_on_commit_callbacks
):
    used = file_store(actor=actor, upload=pdf("已使用.pdf"))
    job_create(actor=actor, kind="test.import", title="导入", input_file=used)
    report = file_store(actor=actor, upload=pdf("报告.pdf"), uploaded=False)
    BackgroundJob.objects.update(result_file=report)
    orphans = [file_store(actor=actor, upload=pdf(f"孤儿{n}.pdf")) for n in range(3)]
    later = timezone.now() + timedelta(hours=25)
    audit_rows = AuditEvent.objects.count()

    # Within the grace period nothing goes.
    assert files_prune(actor=Actor.system(), now=timezone.now() + timedelta(hours=23)).deleted == 0
    assert AuditEvent.objects.count() == audit_rows  # a run that deletes nothing writes nothing

    with django_capture_on_commit_callbacks(execute=True):
        result = files_prune(actor=Actor.system(), now=later)

    assert (result.deleted, result.bytes, result.more) == (3, 300, False)
    assert set(StoredFile.objects.values_list("pk", flat=True)) == {used.pk, report.pk}
    assert not any(_path(orphan).exists() for orphan in orphans)
    assert _path(used).exists() and _path(report).exists()
    event = AuditEvent.objects.get(action="file.prune")  # one row for the run, not one per file
    assert event.actor_label == "系统"
    assert event.summary == "清理 3 个未关联任何业务的附件（上传超过 24 小时）"
    assert event.data["count"] == 3 and event.data["bytes"] == 300
    assert sorted(f["uid"] for f in event.data["files"]) == sorted(str(o.uid) for o in orphans)
    assert files_prune(actor=Actor.system(), now=later).deleted == 0
    assert AuditEvent.objects.filter(action="file.prune").count() == 1


def test_a_run_is_capped_and_a_dry_run_only_counts(actor):
    for n in range(5):
        file_store(actor=actor, upload=pdf(f"{n}.pdf"))
    later = timezone.now() + timedelta(days=2)
    assert files_prune(actor=Actor.system(), now=later, dry_run=True, limit=3).more is True
    assert StoredFile.objects.count() == 5
    first = files_prune(actor=Actor.system(), now=later, limit=3)
    assert (first.deleted, first.more) == (3, True)
    assert files_prune(actor=Actor.system(), now=later, limit=3).deleted == 2
    assert not StoredFile.objects.exists()
    assert AuditEvent.objects.filter(action="file.prune").count() == 2


def test_the_task_and_the_command_prune(actor, capsys):
    file_store(actor=actor, upload=pdf())
    with override_settings(YIWANG_UPLOAD_GRACE_HOURS=0):
        assert files_prune_task.enqueue().return_value == 1
    file_store(actor=actor, upload=pdf())
    assert translate(["files", "prune", "--dry-run"]) == ["files_prune", "--dry-run"]
    call_command("files_prune", "--grace-hours", "0", "--dry-run")
    assert "可清理 1 个文件，共 100 字节" in capsys.readouterr().out
    call_command("files_prune", "--grace-hours", "0")
    assert "已清理 1 个未关联任何业务的文件，共 100 字节" in capsys.readouterr().out
    assert not StoredFile.objects.exists()
