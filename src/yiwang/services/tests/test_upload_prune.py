"""Pruning stored files in a day at the 一网通办 office: what a citizen uploaded and never used, a
material replaced in a draft, the upload of a lost idempotency race — deleted after the grace
period; everything an application, a history event or a job refers to — kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.core.files import file_store, files_prune
from yiwang.core.models import AuditEvent, StoredFile
from yiwang.identity.actor import Actor
from yiwang.services.actions.applications import application_save_draft, application_submit
from yiwang.services.actions.handling import application_request_correction
from yiwang.services.models import Application, ApplicationMaterial
from yiwang.services.tests.applications_support import build_world, pdf, valid_data
from yiwang.services.tests.test_applications_api import BASE, post
from yiwang.workflow.models import ProcessEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def test_only_files_attached_to_nothing_are_pruned(world, django_capture_on_commit_callbacks):
    citizen = Actor.for_user(world.citizen)
    # A filed application: its material is attached (ApplicationMaterial.file).
    filed = application_submit(
        actor=citizen,
        item=world.item,
        data=valid_data(),
        materials={"premises_proof": pdf()},
        idempotency_key="k-1",
    )
    # The window asks for a correction: the notice is attached to the history event (many-to-many).
    notice = application_request_correction(
        actor=Actor.for_user(world.clerk),
        application=filed,
        reason="证明不清晰",
        materials=[filed.item.materials.get(code="premises_proof").pk],
    )
    assert ProcessEvent.attachments.through.objects.filter(storedfile=notice).exists()
    # A draft whose material was replaced: the first upload is attached to nothing any more.
    draft = application_save_draft(
        actor=citizen, item=world.item, data={}, files={"premises_proof": pdf("旧.pdf")}
    )
    replaced = ApplicationMaterial.objects.get(application=draft, requirement__code="premises_proof").file
    application_save_draft(
        actor=citizen, item=world.item, draft=draft, data={}, files={"premises_proof": pdf("新.pdf")}
    )
    # Uploaded through the API and never used.
    unused = file_store(actor=citizen, upload=pdf("没用上.pdf"))
    kept = set(StoredFile.objects.exclude(pk__in=[replaced.pk, unused.pk]).values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        result = files_prune(actor=Actor.system(), now=timezone.now() + timedelta(hours=25))

    assert result.deleted == 2
    assert set(StoredFile.objects.values_list("pk", flat=True)) == kept
    material = ApplicationMaterial.objects.get(application=filed, requirement__code="premises_proof").file
    assert material is not None and material.pk in kept and notice.pk in kept


def test_the_upload_of_a_lost_idempotency_race_is_pruned(client, world):
    client.force_login(world.citizen)
    uploads = [client.post("/api/v1/files/", {"file": pdf(f"第{n}次.pdf")}).json()["uid"] for n in range(2)]
    for uid in uploads:  # the same submission sent twice (a retry), each time with a fresh upload
        body = {
            "item": world.item.implementation_code,
            "data": valid_data(),
            "materials": {"premises_proof": uid},
        }
        assert post(client, BASE, body, **{"Idempotency-Key": "重试"}).status_code == 201
    assert Application.objects.count() == 1

    files_prune(actor=Actor.system(), now=timezone.now() + timedelta(hours=25))

    assert not StoredFile.objects.filter(uid=uploads[1]).exists()
    assert StoredFile.objects.filter(uid=uploads[0]).exists()
    assert AuditEvent.objects.get(action="file.prune").data["files"][0]["uid"] == uploads[1]
