"""Operators reset a 三员 account's password and authenticator from the server console.

The page refuses this (a system administrator could otherwise take over the audit or security
administrator); the console is an operator's channel and the action is written to the event log.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from qinjian.core import context, security_log

from ...models import User
from ...services import auth
from ...services.users import generate_temporary_password


class Command(BaseCommand):
    help = "重置账户（含三员账户）的密码与动态口令；新临时密码只显示一次，登录后须修改。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--keep-totp", action="store_true", help="保留已绑定的动态口令")

    def handle(self, *args: Any, username: str, keep_totp: bool = False, **options: Any) -> None:
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None:
            raise CommandError(f"账户 {username} 不存在")
        operator = getpass.getuser()
        temporary = generate_temporary_password()
        with context.acting(source="cli"), transaction.atomic():
            auth.password_reset(user=user, new_password=temporary, by=None)  # type: ignore[arg-type]
            if not keep_totp:
                User.objects.filter(pk=user.pk).update(totp_secret="", totp_confirmed_at=None, totp_last_step=0)
            security_log.record("user_changed", username=f"os:{operator}", obj=user, change="console_reset",
                                totp_reset=not keep_totp)
        self.stdout.write(f"账户 {user.username} 的临时密码（只显示一次）：{temporary}")
        if not keep_totp:
            self.stdout.write("动态口令已重置，下次登录须重新绑定认证器。")
