"""The `yiwang` command's own behaviour."""

from __future__ import annotations

from yiwang.cli import demo_environment, translate


def test_the_demo_shows_the_product_s_error_pages_unless_debug_is_asked_for():
    environ: dict[str, str] = {}
    demo_environment(["demo"], environ)
    assert environ == {"DEBUG": "false"}
    environ = {"DEBUG": "1"}
    demo_environment(["demo", "--port", "8001"], environ)
    assert environ == {"DEBUG": "1"}
    environ = {}
    demo_environment(["runserver"], environ)
    assert environ == {}


def test_audit_verify_is_the_audit_verify_command():
    assert translate(["audit", "verify", "--quiet"]) == ["audit_verify", "--quiet"]
    assert translate(["migrate"]) == ["migrate"]
