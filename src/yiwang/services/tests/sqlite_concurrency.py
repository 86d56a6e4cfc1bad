"""Concurrent submissions on a file-based SQLite database, as a small installation runs it.

    python -m yiwang.services.tests.sqlite_concurrency      (DATABASE_URL=sqlite:///…, YIWANG_DATA_DIR=…)

Run by `test_sqlite_concurrency.py` in a fresh interpreter: the test suite's own SQLite database is
in memory (shared cache), where concurrent writers get "table is locked" at once instead of waiting —
not what a deployment sees. Here the settings are the deployed ones (`settings.dev`, whose SQLite
options — WAL, `BEGIN IMMEDIATE`, a busy timeout — are base's, as for production on SQLite), the
database is a file, and `THREADS` threads, each with its own connection, submit at the same moment
(a barrier, no sleeps): every key a different one, except one pair that shares a key. Prints one
JSON object with each thread's outcome."""

from __future__ import annotations

import json
import threading
from typing import Any

PAIR_KEY = "same-key"
THREADS = 8  # six distinct keys and one pair


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)

    from yiwang.core.errors import DomainError
    from yiwang.identity.actor import Actor
    from yiwang.services.actions.applications import application_submit
    from yiwang.services.tests.applications_support import build_world, pdf, valid_data

    world = build_world()
    keys = [f"key-{n}" for n in range(THREADS - 2)] + [PAIR_KEY, PAIR_KEY]
    barrier = threading.Barrier(len(keys), timeout=60)
    outcomes: list[dict[str, Any]] = [{} for _ in keys]

    def submit(index: int, key: str) -> None:
        actor = Actor.for_user(world.citizen)
        materials = {"premises_proof": pdf()}
        try:
            barrier.wait()
            application = application_submit(
                actor=actor, item=world.item, data=valid_data(), materials=materials, idempotency_key=key
            )
            outcomes[index] = {"key": key, "ok": True, "application_no": application.application_no}
        except DomainError as error:
            outcomes[index] = {
                "key": key,
                "ok": False,
                "code": error.code,
                "status": error.status,
                "message": error.message,
            }
        except Exception as error:  # reported: the test fails on it
            outcomes[index] = {"key": key, "ok": False, "unexpected": repr(error)}
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i, key)) for i, key in enumerate(keys)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    from yiwang.services.models import Application
    from yiwang.workflow.models import ProcessInstance

    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "database": str(connection.settings_dict["NAME"]),
                "options": {k: str(v) for k, v in connection.settings_dict.get("OPTIONS", {}).items()},
                "outcomes": outcomes,
                "alive": sum(thread.is_alive() for thread in threads),
                "applications": sorted(
                    Application.objects.filter(item=world.item).values_list("application_no", flat=True)
                ),
                "keys": sorted(
                    Application.objects.filter(item=world.item).values_list("idempotency_key", flat=True)
                ),
                "instances": ProcessInstance.objects.count(),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
