"""Password rules of 等保 level 3: character classes and no reuse of recent passwords."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

CLASSES = [
    (re.compile(r"[a-z]"), "小写字母"),
    (re.compile(r"[A-Z]"), "大写字母"),
    (re.compile(r"[0-9]"), "数字"),
    (re.compile(r"[^A-Za-z0-9]"), "特殊字符"),
]


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        present = sum(1 for pattern, _ in CLASSES if pattern.search(password))
        if present < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、特殊字符中的至少 {self.min_classes} 类。"


class PasswordHistoryValidator:
    def __init__(self, history: int = 5):
        self.history = history

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        recent = list(user.password_history.values_list("password", flat=True)[: self.history])
        if user.password and user.password not in recent:
            recent.insert(0, user.password)
        for encoded in recent[: self.history]:
            if check_password(password, encoded):
                raise ValidationError(self.get_help_text(), code="password_reused")

    def get_help_text(self) -> str:
        return f"新密码不能与最近 {self.history} 次使用过的密码相同。"
