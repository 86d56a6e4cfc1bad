"""The `yiwang` command: platform verbs mapped onto Django management commands.

yiwang demo [--no-serve]   migrate, seed the demo city and serve it
yiwang serve               the production server (gunicorn; settings.prod unless DJANGO_SETTINGS_MODULE is set)
yiwang seed                seed the demo city (idempotent)
yiwang tick                mark workflow warnings/overdue items and fire escalations
yiwang audit verify        check the audit hash chain (and say how far it is sealed)
yiwang audit seal          seal the committed audit rows into the chain now (the worker does it every few seconds)
yiwang files prune         delete uploads attached to nothing after the grace period (the worker does it hourly)
yiwang worker              run the task worker (django-tasks database backend)
yiwang backup [-o F]       database, uploaded files and data store in one archive with checksums
yiwang restore F           restore such an archive into an empty installation and verify it
yiwang hotline train       train the 12345 ticket classifier on a labelled .csv/.xlsx (--input F)
yiwang hotline evaluate    cross-validate it (--folds K) or test it on a file (--test F): JSON report, PNG
yiwang hotline tally       rebuild the 12345 monthly counts from the tickets (--check: only compare)
yiwang openapi             print the OpenAPI document
yiwang <django command>    any other management command (migrate, createsuperuser, …)
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

ALIASES = {
    ("audit", "verify"): ["audit_verify"],
    ("audit", "seal"): ["audit_seal"],
    ("files", "prune"): ["files_prune"],
    ("backup",): ["backup"],
    ("restore",): ["restore"],
    ("hotline", "train"): ["hotline_train"],
    ("hotline", "evaluate"): ["hotline_evaluate"],
    ("hotline", "tally"): ["hotline_tally"],
}


def translate(argv: list[str]) -> list[str]:
    for prefix, replacement in ALIASES.items():
        if tuple(argv[: len(prefix)]) == prefix:
            return replacement + argv[len(prefix) :]
    return argv


def demo_environment(args: list[str], environ: MutableMapping[str, str]) -> None:
    """`yiwang demo` shows the product as deployed: Chinese error pages, not Django's debug pages
    (`DEBUG=1 yiwang demo` brings them back)."""
    if args[:1] == ["demo"]:
        environ.setdefault("DEBUG", "false")


def serve_environment(args: list[str], environ: MutableMapping[str, str]) -> None:
    """`yiwang serve` is the production server: production settings unless the environment names
    others (docs/operations.md, "Production")."""
    if args[:1] == ["serve"]:
        environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings.prod")


def main(argv: list[str] | None = None) -> None:
    args = translate(list(sys.argv[1:] if argv is None else argv))
    serve_environment(args, os.environ)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings.dev")
    from django.core.management import execute_from_command_line

    demo_environment(args, os.environ)
    execute_from_command_line(["yiwang", *args])


if __name__ == "__main__":
    main()
