"""`qinjian backup`: one archive with the database, the uploaded files and a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...backup import BackupError, create_backup, describe


class Command(BaseCommand):
    help = "备份数据库和附件到一个 .tar.gz 文件（默认 var/backups/）。密钥默认不放入备份。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", metavar="DIR", help="备份文件存放目录（默认 var/backups/）")
        parser.add_argument("--include-keys", action="store_true",
                            help="同时备份密钥（secret_key、field_key、audit_key）。持有此文件即可解密数据，慎用")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"]) if options.get("output") else None
        try:
            result = create_backup(output_dir=output, include_keys=options["include_keys"])
        except BackupError as exc:
            raise CommandError(exc.message) from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(f"警告：{warning}"))
        size_mb = result.path.stat().st_size / 1024 / 1024
        self.stdout.write(self.style.SUCCESS(f"备份完成：{result.path}（{size_mb:.1f} MB）"))
        self.stdout.write(describe(result.manifest))
        if not options["include_keys"]:
            self.stdout.write("密钥未包含在备份中：请另行妥善保管 var/ 下的 secret_key、field_key、audit_key，"
                              "没有它们无法解密恢复后的数据。")
