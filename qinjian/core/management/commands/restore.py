"""`qinjian restore ARCHIVE --yes`: verify an archive, then replace the database and the media."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...backup import BackupError, describe, read_manifest, restore_backup


class Command(BaseCommand):
    help = "从 qinjian backup 生成的文件恢复数据库和附件。会覆盖当前全部数据，须加 --yes 确认。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="备份文件（.tar.gz）")
        parser.add_argument("--yes", action="store_true", help="确认用备份覆盖当前数据库和附件")

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        try:
            if not options["yes"]:
                manifest = read_manifest(archive)
                raise CommandError(f"备份文件：{describe(manifest)}。\n"
                                   "恢复会用备份覆盖当前全部数据和附件。确认无误后加 --yes 重新执行。")
            result = restore_backup(archive=archive)
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"警告：{warning}"))
        self.stdout.write(self.style.SUCCESS(f"恢复完成：{describe(result.manifest)}"))
        if result.migrated:
            self.stdout.write("备份早于当前程序版本，已自动执行数据库迁移。")
        self.stdout.write("请运行 qinjian verify_audit_chain 校验审计链，然后启动服务。")
