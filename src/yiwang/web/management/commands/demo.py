"""`yiwang demo`: migrate, seed the demo city, print the demo accounts and serve it."""

from __future__ import annotations

import signal
import subprocess
import sys
import unicodedata
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def _width(text: str) -> int:
    """Display width in a terminal: CJK and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def accounts_table() -> str:
    from yiwang.demo.accounts import DEMO_PASSWORD, PERSONAS

    header = ("角色", "用户名", "密码", "姓名", "可以试试")
    rows = [header] + [(p.persona, p.username, DEMO_PASSWORD, p.display_name, p.try_this) for p in PERSONAS]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for index, row in enumerate(rows):
        cells = [_pad(cell, widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  " + "  ".join([*cells, row[-1]]))
        if index == 0:
            lines.append("  " + "  ".join("-" * w for w in [*widths, _width(row[-1])]))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "迁移数据库、生成示范市演示数据、打印演示账号并启动服务（http://127.0.0.1:8000）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="只建库和生成数据，不启动服务")
        parser.add_argument("--port", type=int, default=8000, help="监听端口（默认 8000）")
        parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        self.stdout.write("正在迁移数据库……")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed", verbosity=1, stdout=self.stdout)
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("演示账号（所有账号密码相同）："))
        self.stdout.write(accounts_table())
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"请在浏览器打开 {url}/ （管理后台 {url}/admin/ ，账号 admin）"))
        if options["no_serve"]:
            return
        if options["host"] not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS.append(options["host"])  # e.g. --host 0.0.0.0 for the office LAN
        serve = ["runserver", f"{options['host']}:{options['port']}", "--noreload"]
        if not settings.DEBUG:
            serve.append("--insecure")  # serve the vendored static files without a separate web server
        # Background work (catalogue imports, SMS, the workflow timer) needs the task worker beside
        # the web server; one command should give a demo where all of it moves.
        # No autoreload: its supervising process would outlive a terminated worker (the web server
        # runs with --noreload too).
        worker = subprocess.Popen([sys.executable, "-m", "yiwang.cli", "worker", "--no-reload"])
        self.stdout.write(f"后台任务进程已启动（pid {worker.pid}）")
        # `kill` (SIGTERM) ends the demo like Ctrl-C does: through `finally`, stopping the worker.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            call_command(*serve)
        finally:
            worker.terminate()
            worker.wait(timeout=10)


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(0)
