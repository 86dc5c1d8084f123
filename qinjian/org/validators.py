"""Checks of Chinese identifiers used in the org registry."""

from __future__ import annotations

import re

# GB 32100-2015 unified social credit code: 18 characters from this alphabet (no I, O, S, V, Z),
# the last one a check character (mod 31 over weighted positions).
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def credit_code_check_char(first17: str) -> str:
    total = sum(_ALPHABET.index(ch) * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return _ALPHABET[(31 - total % 31) % 31]


def credit_code_error(code: str) -> str:
    """A Chinese message if the code is not a valid unified social credit code, else ''."""
    if not _PATTERN.match(code):
        return "统一社会信用代码应为 18 位，由数字和大写字母组成（不含 I、O、S、V、Z）。"
    if credit_code_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对。"
    return ""


def mobile_error(phone: str) -> str:
    if phone and not _MOBILE.match(phone):
        return "手机号码应为 11 位数字，以 1 开头。"
    return ""
