"""System checks of the kernel (run by `manage.py check`, `migrate` and the test suite)."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register(checks.Tags.templates)
def documents_have_templates(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """core.E001: a registered document (`core.documents.register_document`) names a template that
    no template directory holds; core.E002: its template does not load (a syntax error)."""
    from yiwang.core.documents import template_problems

    return [
        checks.Error(f"文书 {kind.code}（{kind.title}）：{problem}", id=check_id)
        for check_id, kind, problem in template_problems()
    ]
