"""core.snapshots: cached copies of rows that never change, keyed by id and stamp."""

from __future__ import annotations

import pytest

from yiwang.core.models import Organization
from yiwang.core.snapshots import snapshot
from yiwang.core.tests.factories import OrganizationFactory


@pytest.mark.parametrize("local", [False, True])
def test_loads_once_per_stamp_and_hands_out_copies(db, local):
    organization = OrganizationFactory(name="示范市数据局")
    loads = []

    def load():
        loads.append(1)
        return Organization.objects.get(pk=organization.pk)

    first = snapshot("test.org", organization.pk, "v1", load, timeout=60, local=local)
    first.name = "改过的副本"
    second = snapshot("test.org", organization.pk, "v1", load, timeout=60, local=local)
    assert second.name == "示范市数据局"  # one request's change never reaches another's copy
    assert len(loads) == 1
    snapshot("test.org", organization.pk, "v2", load, timeout=60, local=local)
    assert len(loads) == 2  # a new stamp is a new snapshot
