"""Concurrent submissions on SQLite, the default database (issue 12 §6).

The suite's PostgreSQL test (`test_applications_actions`, "concurrency") covers row locks; this one
runs the deployed SQLite settings on a file in a fresh interpreter (`sqlite_concurrency`): several
threads submit at the same moment, one pair with the same idempotency key."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from yiwang.services.tests.sqlite_concurrency import PAIR_KEY, THREADS

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_concurrent_submissions_on_a_sqlite_file_all_succeed_once_per_key(tmp_path: Path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "YIWANG_"))}
    env.pop("TEST_DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="yiwang.config.settings.dev",
        DEBUG="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'yiwang.sqlite3'}",
        YIWANG_DATA_DIR=str(tmp_path / "data"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.services.tests.sqlite_concurrency"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["vendor"] == "sqlite" and result["database"].endswith("yiwang.sqlite3")
    assert result["options"]["transaction_mode"] == "IMMEDIATE"  # the deployed options
    assert result["alive"] == 0

    outcomes = result["outcomes"]
    assert len(outcomes) == THREADS
    for outcome in outcomes:
        # A submission either succeeds or is refused with a Chinese 4xx (e.g. the database stayed
        # busy past its timeout: retry) — never an unexpected error.
        assert "unexpected" not in outcome, outcome
        if not outcome["ok"]:
            assert 400 <= outcome["status"] < 500 and CHINESE.search(outcome["message"]), outcome
    succeeded = [outcome for outcome in outcomes if outcome["ok"]]
    assert len(succeeded) == THREADS, outcomes  # on this machine every writer waits its turn

    # One application per key; the pair got the same one; numbers unique and without gaps.
    keys = sorted({outcome["key"] for outcome in succeeded})
    assert result["keys"] == keys
    pair = {outcome["application_no"] for outcome in succeeded if outcome["key"] == PAIR_KEY}
    assert len(pair) == 1
    numbers = result["applications"]
    assert len(numbers) == len(set(numbers)) == THREADS - 1
    assert sorted(int(number[-4:]) for number in numbers) == list(range(1, THREADS))
    assert result["instances"] == THREADS - 1
