"""`yiwang serve`: the production server (gunicorn, `web.serving`), configured from the environment.

The `yiwang` command runs it with `yiwang.config.settings.prod` unless `DJANGO_SETTINGS_MODULE` says
otherwise, so the production settings' checks (secrets, hosts) run first and a misconfigured
installation never starts. Then this process becomes the gunicorn master (`os.execv`): signals go
straight to it — `HUP` reloads gracefully (new workers on the installed code, old ones finish their
requests), `TERM` stops gracefully within `YIWANG_GRACEFUL_TIMEOUT`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.web import serving


def static_manifest_missing() -> Path | None:
    """The manifest file the static storage needs and that `collectstatic` has not written yet."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return None
    if staticfiles_storage.exists(staticfiles_storage.manifest_name):
        return None
    return Path(settings.STATIC_ROOT) / staticfiles_storage.manifest_name


class Command(BaseCommand):
    help = "启动生产服务（gunicorn，参数取自环境变量 YIWANG_BIND、YIWANG_WORKERS 等，见 docs/operations.md）"
    requires_system_checks: list[str] = []  # the workers load the project; `yiwang check --deploy` checks it

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind", help="监听地址，如 127.0.0.1:8000 或 unix:/run/yiwang/yiwang.sock（YIWANG_BIND）"
        )
        parser.add_argument("--workers", type=int, help="工作进程数（YIWANG_WORKERS，默认 2×CPU+1）")
        parser.add_argument("--threads", type=int, help="每个工作进程的线程数（YIWANG_THREADS，默认 1）")
        parser.add_argument("--timeout", type=int, help="单个请求的最长秒数（YIWANG_TIMEOUT，默认 60）")
        parser.add_argument(
            "--print-config", action="store_true", help="只打印将使用的 gunicorn 参数（JSON），不启动"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("workers", "threads", "timeout"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name} 至少为 1")
        try:
            config = serving.options_from_environment(
                os.environ,
                url_max_length=int(getattr(settings, "YIWANG_URL_MAX_LENGTH", 4094)),
                overrides={name: options[name] for name in ("bind", "workers", "threads", "timeout")},
            )
        except serving.ServeConfigError as error:
            raise CommandError(str(error)) from None
        if options["print_config"]:
            self.stdout.write(json.dumps(config, ensure_ascii=False, indent=2, sort_keys=True))
            return
        manifest = static_manifest_missing()
        if manifest is not None:
            raise CommandError(
                f"静态文件尚未收集（缺少 {manifest}）：请先运行 yiwang collectstatic --noinput，"
                "否则每个页面都会出错。"
            )
        self.stdout.write(
            f"一网生产服务：{settings.SETTINGS_MODULE}，监听 {', '.join(config['bind'])}，"
            f"{config['workers']} 个工作进程 × {config['threads']} 线程"
        )
        self.stdout.flush()
        sys.stderr.flush()
        # A fresh interpreter becomes the master: it has not imported Django, so each worker loads
        # the code after its fork (HUP reloads new code) and no database connection crosses a fork.
        os.execv(  # noqa: S606 — our own interpreter and module, arguments from our own options
            sys.executable, [sys.executable, "-m", "yiwang.web.serving", json.dumps(config)]
        )
