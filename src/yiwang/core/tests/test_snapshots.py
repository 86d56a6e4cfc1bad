"""core.snapshots: cached copies of rows that never change, keyed by id and stamp."""

from __future__ import annotations

import pytest

from yiwang.core import snapshots
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


def test_the_process_keeps_only_the_last_used_copies(monkeypatch):
    monkeypatch.setattr(snapshots, "LOCAL_ENTRIES", 2)
    monkeypatch.setattr(snapshots, "_local", snapshots.OrderedDict())
    loads = []

    def loader(n):
        def load():
            loads.append(n)
            return [n]

        return load

    for n in (1, 2, 1, 3):  # 1 is used again before 3 comes: 2 is the one dropped
        snapshot("test.bounded", n, "s", loader(n), local=True)
    snapshot("test.bounded", 1, "s", loader(1), local=True)
    snapshot("test.bounded", 2, "s", loader(2), local=True)
    assert loads == [1, 2, 3, 2]


def test_a_local_copy_with_a_timeout_is_loaded_again_once_it_expires(monkeypatch):
    monkeypatch.setattr(snapshots, "_local", snapshots.OrderedDict())
    clock = [1000.0]
    monkeypatch.setattr(snapshots, "_clock", lambda: clock[0])
    loads = []

    def load():
        loads.append(1)
        return ["部门名称"]

    snapshot("test.expiring", 1, "s", load, timeout=60, local=True)
    clock[0] += 59
    snapshot("test.expiring", 1, "s", load, timeout=60, local=True)
    assert len(loads) == 1  # still fresh
    clock[0] += 2
    snapshot("test.expiring", 1, "s", load, timeout=60, local=True)
    assert len(loads) == 2  # what it carries along (a department's name) lags at most `timeout`
