"""Who may see an application (办件): shared by the selectors and the file access rule the actions register.

The applicant, an agent of the applicant enterprise, or staff whose `services.view_application`
data scope reaches the application's department or region."""

from __future__ import annotations

from django.db.models import Q

from yiwang.core.models import StoredFile
from yiwang.identity.actor import Actor
from yiwang.services.models import Application
from yiwang.services.permissions import VIEW_APPLICATION
from yiwang.workflow.models import ProcessEvent


def is_applicant_side(actor: Actor, application: Application) -> bool:
    """The applicant, or an agent of the applicant enterprise: who reads the application as theirs."""
    if actor.user_id is not None and application.applicant_id == actor.user_id:
        return True
    return application.enterprise_id is not None and application.enterprise_id in actor.enterprise_ids


def can_view_application(actor: Actor, application: Application) -> bool:
    if actor.user is None:
        return actor.is_system
    if is_applicant_side(actor, application):
        return True
    return actor.can_reach(
        VIEW_APPLICATION,
        organization_id=application.organization_id,
        organization_path=application.organization.path,
        region_path=application.region.path,
    )


def application_file_visible(actor: Actor, stored: StoredFile) -> bool:
    """File access rule: the materials (and the versions a 补正 replaced), the result and the documents
    issued (attached to its history) of an application the actor may see."""
    if actor.user is None:
        return False
    # The documents issued while handling it are attached to its history (补正材料告知书 …).
    instances = ProcessEvent.objects.filter(attachments=stored).values("instance_id")
    candidates = (
        Application.objects.filter(
            Q(result_file=stored)
            | Q(materials__file=stored)
            | Q(materials__previous_file=stored)
            | Q(process_instance_id__in=instances)
        )
        .select_related("organization", "region")
        .distinct()[:20]
    )
    return any(can_view_application(actor, application) for application in candidates)


def published_sample_visible(actor: Actor, stored: StoredFile) -> bool:
    """File access rule: 样表 and 审批结果样本 of a published item are public guide material."""
    from yiwang.services.models import MaterialRequirement, ServiceItem

    return (
        MaterialRequirement.objects.filter(sample=stored, item__status=ServiceItem.Status.PUBLISHED).exists()
        or ServiceItem.objects.filter(result_sample=stored, status=ServiceItem.Status.PUBLISHED).exists()
    )
