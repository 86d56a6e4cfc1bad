"""The demo tests seed a smaller 12345: the full 50,000 tickets and the 6,000-text training corpus take
minutes (`yiwang seed` measures them; `test_hotline_seed` checks the plans at a few thousand). The
classifier a seed trains goes to a directory of its own, shared by the modules of a test process (a
second seed finds it in place), not to the process's data directory other apps' tests read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

DEMO_HOTLINE_TICKETS = 400
DEMO_HOTLINE_CORPUS = 1_300  # 65 leaves, 8–40 texts each


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo-data")


@pytest.fixture(scope="module", autouse=True)
def small_demo_hotline(demo_data_dir: Path) -> Iterator[None]:
    with override_settings(
        DEMO_HOTLINE_TICKETS=DEMO_HOTLINE_TICKETS,
        DEMO_HOTLINE_CORPUS=DEMO_HOTLINE_CORPUS,
        DATA_DIR=demo_data_dir,
    ):
        yield
