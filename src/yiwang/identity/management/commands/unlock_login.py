"""`yiwang unlock_login <用户名或手机号>… [--address IP]`: lift login locks from the command line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.core.errors import DomainError
from yiwang.identity.actions import account_unlock, login_address_unlock
from yiwang.identity.actor import Actor
from yiwang.identity.selectors import user_for_login_name


class Command(BaseCommand):
    help = "解除登录锁定：清除账号（用户名或手机号）在各网络地址的登录失败记录，或用 --address 解除某一网络地址的登录限制。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("login_names", nargs="*", help="用户名或手机号")
        parser.add_argument("--address", action="append", default=[], help="解除限制的网络地址（可重复）")

    def handle(self, *args: Any, **options: Any) -> None:
        login_names: list[str] = options["login_names"]
        addresses: list[str] = options["address"]
        if not login_names and not addresses:
            raise CommandError("请给出要解锁的用户名/手机号，或 --address 网络地址")
        actor = Actor.system()
        users = []
        for login_name in login_names:
            user = user_for_login_name(login_name.strip())
            if user is None:
                raise CommandError(f"账号不存在：{login_name}")
            users.append(user)
        try:
            for user in users:
                cleared = account_unlock(actor=actor, user=user)
                self.stdout.write(
                    self.style.SUCCESS(f"已解除账号 {user.username} 的登录锁定（清除 {cleared} 条记录）。")
                )
            for address in addresses:
                cleared = login_address_unlock(actor=actor, address=address)
                self.stdout.write(
                    self.style.SUCCESS(f"已解除网络地址 {address} 的登录限制（清除 {cleared} 条记录）。")
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
