"""Production settings refuse to start without the secrets `.env.example` marks as required. Each
case imports the settings module in a fresh interpreter with a controlled environment."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
MARK = "required in production"
GOOD = {
    "SECRET_KEY": "k" * 50,
    "DATABASE_URL": "postgres://yiwang:secret@127.0.0.1:5432/yiwang",
    "ALLOWED_HOSTS": "yiwang.example.gov.cn",
    "YIWANG_AUDIT_KEY": "a" * 40,
}


def _marked_required() -> set[str]:
    """The variables whose comment block in .env.example says they are required in production."""
    required, comments = set(), []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            comments.append(line)
            continue
        match = re.match(r"^([A-Z][A-Z0-9_]+)=", line)
        if match and any(MARK in c for c in comments):
            required.add(match.group(1))
        comments = []
    return required


def _import_prod(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in GOOD and not key.startswith(("DJANGO_", "YIWANG_"))
    }
    env.update(YIWANG_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"), **environment)
    return subprocess.run(
        [sys.executable, "-c", "import yiwang.config.settings.prod"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_required_variables_are_those_env_example_marks():
    source = (ROOT / "src" / "yiwang" / "config" / "settings" / "prod.py").read_text(encoding="utf-8")
    [assignment] = [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "REQUIRED_ENVIRONMENT"
    ]

    assert _marked_required() == set(ast.literal_eval(assignment.value)) == set(GOOD)


def test_prod_settings_load_with_every_required_variable(tmp_path):
    result = _import_prod(tmp_path, **GOOD)

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(GOOD))
def test_prod_settings_refuse_to_start_without_a_required_variable(tmp_path, missing):
    environment = {k: v for k, v in GOOD.items() if k != missing}

    result = _import_prod(tmp_path, **environment)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} 未设置" in result.stderr
    assert f"{missing} is not set" in result.stderr


def test_prod_settings_refuse_the_example_values_and_short_keys(tmp_path):
    example = dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", (ROOT / ".env.example").read_text(), re.MULTILINE))

    placeholders = _import_prod(tmp_path, **{k: example[k] for k in GOOD})
    short_audit_key = _import_prod(tmp_path, **{**GOOD, "YIWANG_AUDIT_KEY": "short"})

    assert placeholders.returncode != 0
    assert "SECRET_KEY 仍是 .env.example 的示例值" in placeholders.stderr
    assert "YIWANG_AUDIT_KEY 仍是 .env.example 的示例值" in placeholders.stderr
    assert short_audit_key.returncode != 0
    assert "YIWANG_AUDIT_KEY 过短（至少 32 个字符）" in short_audit_key.stderr
