import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[4]
SETTINGS_DIR = ROOT / "src" / "yiwang" / "config" / "settings"


def _variables_read_by_settings() -> set[str]:
    pattern = re.compile(r"""env(?:_bool|_list)?\(\s*"([A-Z][A-Z0-9_]+)\"""")
    return {name for path in SETTINGS_DIR.glob("*.py") for name in pattern.findall(path.read_text())}


def test_every_environment_variable_is_documented_in_env_example():
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    read = _variables_read_by_settings()
    assert read, "the settings read no variables: the pattern above is wrong"
    assert read - documented == set()


def test_security_defaults():
    from yiwang.config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert "script-src 'self'" in settings.YIWANG_CSP
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_prod_settings_refuse_a_missing_secret(monkeypatch):
    import importlib
    import sys

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("SECRET_KEY", "short")
    sys.modules.pop("yiwang.config.settings.prod", None)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        importlib.import_module("yiwang.config.settings.prod")
    sys.modules.pop("yiwang.config.settings.prod", None)


def test_the_scoping_check_flags_an_unscoped_read_in_a_selector(tmp_path):
    """`make scoping` (yiwang.config.scoping_check): a selector reading a scoped model without
    for_actor and without a `# scope:` reason is reported; the project's selectors pass."""
    from yiwang.config import scoping_check

    models = scoping_check.scoped_models()
    assert {"Application", "ProcessInstance", "Person"} <= models
    assert [p for f in scoping_check.selector_files() for p in scoping_check.problems_in(f, models)] == []
    module = tmp_path / "yiwang" / "leaky" / "selectors.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "def everything(actor):\n"
        "    return Application.objects.filter(status='submitted')\n"
        "def scoped(actor):\n"
        "    return Application.objects.for_actor(actor, 'services.view_application')\n"
        "def own(actor):\n"
        "    # scope: the applicant's own\n"
        "    return Application.objects.filter(applicant=actor.user)\n",
        encoding="utf-8",
    )
    original = scoping_check.ROOT
    scoping_check.ROOT = tmp_path / "yiwang"
    try:
        problems = scoping_check.problems_in(module, models)
    finally:
        scoping_check.ROOT = original
    assert problems == ["yiwang/leaky/selectors.py:2: Application.objects 未经数据权限范围（for_actor）"]
