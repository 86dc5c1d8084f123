"""First start of a real installation: the root unit and the three administrators (三员).

There is no superuser. This command creates one account per administrator kind, each with a
temporary password shown once (to be changed at first login) and a TOTP enrolment at first login.
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from qinjian.core import context, security_log
from qinjian.core.scope import DataScope
from qinjian.org.choices import AdminLevel, UnitType
from qinjian.org.models import Unit
from qinjian.org.services.units import unit_create

from ...models import Role, RoleAssignment, User
from ...services.users import generate_temporary_password

ADMINS = (("sysadmin", "system", "系统管理员"), ("secadmin", "security", "安全管理员"), ("auditadmin", "audit", "审计管理员"))


class Command(BaseCommand):
    help = "正式环境首次部署：建立根单位（若尚无单位）和三员账户；临时密码只显示一次。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--unit-code", default="", help="根单位编码（数据库中尚无单位时必填）")
        parser.add_argument("--unit-name", default="", help="根单位名称（数据库中尚无单位时必填）")
        parser.add_argument("--level", default=AdminLevel.CITY, choices=AdminLevel.values)
        parser.add_argument("--prefix", default="", help="账户名前缀，例如 sfs_ 得到 sfs_sysadmin")

    def handle(self, *args: Any, unit_code: str, unit_name: str, level: str, prefix: str, **options: Any) -> None:
        if User.objects.filter(role_assignments__role__admin_kind__in=[k for _, k, _ in ADMINS]).exists():
            raise CommandError("已存在三员账户，不能重复初始化；如需重置请使用 qinjian reset_admin_credentials <账户>。")
        operator = getpass.getuser()
        created: list[tuple[str, str, str]] = []
        with context.acting(source="cli"), transaction.atomic():
            root = Unit.objects.filter(parent__isnull=True, is_active=True).order_by("pk").first()
            if root is None:
                if not unit_code or not unit_name:
                    raise CommandError("数据库中尚无单位：请用 --unit-code 和 --unit-name 指定根单位（如本级机关事务服务中心）。")
                root = unit_create(parent=None, code=unit_code, name=unit_name, unit_type=UnitType.INSTITUTION_CIVIL,
                                   level=level)
            for username, kind, label in ADMINS:
                name = f"{prefix}{username}"
                if User.objects.filter(username__iexact=name).exists():
                    raise CommandError(f"账户名 {name} 已被占用，请用 --prefix 指定前缀。")
                password = generate_temporary_password()
                user = User.objects.create_user(name, password, full_name=label, unit=root, must_change_password=True)
                role = Role.objects.get(code=username, admin_kind=kind)
                RoleAssignment.objects.create(user=user, role=role, unit=root, scope=DataScope.ALL, is_primary=True)
                security_log.record("user_created", username=f"os:{operator}", obj=user, role=role.code,
                                    channel="console")
                created.append((name, label, password))
        self.stdout.write(self.style.SUCCESS(f"已在“{root.name}”下建立三员账户（临时密码只显示这一次）："))
        for name, label, password in created:
            self.stdout.write(f"  {label}\t{name}\t{password}")
        self.stdout.write("首次登录须修改密码并用手机认证器绑定动态口令；三个账户应交给三位不同的人员保管。")
