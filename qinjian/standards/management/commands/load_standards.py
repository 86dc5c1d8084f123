from typing import Any

from django.core.management.base import BaseCommand

from qinjian.core import context
from qinjian.standards.services.loader import load_all


class Command(BaseCommand):
    help = "载入标准库数据文件（qinjian/standards/data/）。可重复执行：内容未变则不做任何修改。"

    def handle(self, *args: Any, **options: Any) -> None:
        with context.acting(source="cli"):
            report = load_all()
        self.stdout.write(
            f"标准 新增 {report.tables_created} / 更新 {report.tables_updated}；"
            f"版本 新增 {report.versions_created}，草稿 {report.drafts_created}（数据行 {report.rows_created}）；"
            f"资产分类 新增 {report.classes_created} / 更新 {report.classes_updated}；"
            f"旧代码对照 新增 {report.mappings_created} / 更新 {report.mappings_updated}。"
        )
        for message in report.messages:
            self.stdout.write(self.style.WARNING(message))
        if not report.changed:
            self.stdout.write(self.style.SUCCESS("数据已是最新，没有修改。"))
