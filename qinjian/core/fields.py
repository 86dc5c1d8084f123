"""Model fields shared by every app."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import crypto


class EncryptedCharField(models.TextField):
    """A short text encrypted at rest with the field key (SM4-GCM); the database sees ciphertext."""

    description = "SM4 加密文本"

    def __init__(self, *args: Any, plain_max_length: int = 64, **kwargs: Any) -> None:
        self.plain_max_length = plain_max_length
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):  # type: ignore[no-untyped-def]
        name, path, args, kwargs = super().deconstruct()
        kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        try:
            return crypto.decrypt(value)
        except ValueError:
            return "【无法解密】"

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        return crypto.encrypt(str(value)) if value else ""

    def formfield(self, **kwargs: Any):  # type: ignore[no-untyped-def,override]
        from django import forms

        return forms.CharField(max_length=self.plain_max_length, required=not self.blank, label=self.verbose_name)
