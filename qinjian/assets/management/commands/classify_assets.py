"""``qinjian classify_assets`` (also ``classify-assets``): suggest GB/T 14885-2022 classes for asset names.

Reads one asset per line on standard input and prints, for every line in input order,
``code<TAB>class name<TAB>confidence`` (confidence with two decimals). A line may carry the model and an
old class code after tabs (``name<TAB>model<TAB>legacy code``). An empty line prints an empty line; a
name that cannot be classified prints an empty code and name and ``0.00``.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from qinjian.assets.classify import get_classifier


class Command(BaseCommand):
    stealth_options = ("stdin",)  # tests pass a file object
    help = "按资产名称推荐 GB/T 14885-2022 分类：从标准输入逐行读取名称，输出“代码<TAB>分类名称<TAB>可信度”。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reason", action="store_true", help="在每行末尾追加推荐依据")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            classifier = get_classifier()
        except DatabaseError as exc:
            raise CommandError("分类标准尚未载入数据库，请先运行 qinjian migrate。") from exc
        stdin = options.get("stdin") or sys.stdin
        with_reason = options["reason"]
        out = self.stdout
        for raw in stdin:
            line = raw.rstrip("\r\n")
            if not line.strip():
                out.write("")
                continue
            name, model, legacy = ([*line.split("\t"), "", ""])[:3]
            result = classifier.suggest(name.strip(), model.strip(), legacy.strip())
            fields = [result.code, result.class_name, f"{result.confidence:.2f}"]
            if with_reason:
                fields.append(result.reason)
            out.write("\t".join(fields))
