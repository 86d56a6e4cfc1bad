"""`make check` part: every user-facing read of a scoped model goes through its scope.

Reads users see live in `selectors` modules (conventions). For each model that declares
`scope_lookups` (`core.scoping`), a selector statement that reads `Model.objects…` must call
`.for_actor(…)` — or carry a `# scope:` comment saying how else it is scoped (the applicant's own
rows, a public catalogue, rows loaded after an object-level check, the engine's handler filter).
Prints each offending line and exits 1; run as `python -m yiwang.config.scoping_check`."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]


def scoped_models() -> set[str]:
    from django.apps import apps

    return {model.__name__ for model in apps.get_models() if getattr(model, "scope_lookups", None)}


def selector_files() -> list[Path]:
    return sorted({*ROOT.glob("*/selectors.py"), *ROOT.glob("*/selectors/*.py")})


def problems_in(path: Path, models: set[str]) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Attribute)
            and node.attr == "objects"
            and isinstance(node.value, ast.Name)
            and node.value.id in models
        ):
            continue
        statement: ast.AST = node
        while statement in parents and not isinstance(statement, ast.stmt):
            statement = parents[statement]
        first, last = getattr(statement, "lineno", node.lineno), getattr(statement, "end_lineno", node.lineno)
        text = "\n".join(lines[first - 1 : last])
        above = lines[first - 2].strip() if first >= 2 else ""
        if ".for_actor(" in text or "# scope:" in text or ".none()" in text or above.startswith("# scope:"):
            continue
        found.append(
            f"{path.relative_to(ROOT.parent)}:{node.lineno}: {node.value.id}.objects 未经数据权限范围（for_actor）"
        )
    return found


def main() -> int:
    django.setup()
    models = scoped_models()
    problems = [problem for path in selector_files() for problem in problems_in(path, models)]
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} 处查询未按数据权限范围过滤：请用 Model.objects.for_actor(actor, 权限)，或加 `# scope: 理由`"
        )
        return 1
    print(
        f"数据权限检查通过：{len(selector_files())} 个 selectors 模块，受控模型 {', '.join(sorted(models))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
