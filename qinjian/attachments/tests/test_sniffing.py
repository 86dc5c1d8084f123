"""The file type comes from the content: every allowed kind passes, every classic trick is refused."""

from __future__ import annotations

import io

import pytest

from qinjian.attachments import sniffing
from qinjian.core.errors import ValidationFailed

from . import samples


def detect(name: str, data: bytes) -> sniffing.FileType:
    return sniffing.detect(io.BytesIO(data), name)


@pytest.mark.parametrize(("name", "data", "key"), [
    ("照片.jpg", samples.jpeg(), "jpeg"),
    ("IMG_0001.JPEG", samples.jpeg(), "jpeg"),
    ("截图.png", samples.png(), "png"),
    ("扫描件.pdf", samples.pdf(), "pdf"),
    ("报告.docx", samples.docx(), "docx"),
    ("台账.xlsx", samples.xlsx(), "xlsx"),
    ("记录.txt", samples.TEXT, "text"),
    ("无扩展名", samples.pdf(), "pdf"),
])
def test_allowed_types_are_recognised_by_content(name, data, key):
    assert detect(name, data).key == key


@pytest.mark.parametrize(("name", "data", "says"), [
    ("photo.jpg", samples.exe(), "实际是 Windows 可执行程序"),
    ("setup.exe", samples.exe(), "实际是 Windows 可执行程序"),
    ("page.txt", samples.HTML, "是网页或 SVG/XML 标记文件（可能含有脚本）"),
    ("logo.svg", samples.SVG, "是网页或 SVG/XML 标记文件（可能含有脚本）"),
    ("report.html", samples.HTML, "是网页或 SVG/XML 标记文件（可能含有脚本）"),
    ("台账.xlsx", samples.zip_bomb(), "的压缩比异常（疑似压缩炸弹）"),
    ("宏.docx", samples.docm(), "含有宏代码"),
    ("资料.docx", samples.plain_zip(), "实际是 ZIP 压缩包"),
    ("合同.pdf", samples.PDF_JS, "是含有脚本、附带文件或自动启动动作的 PDF"),
    ("scan.jpg", samples.pdf(), "的扩展名是 .jpg，但内容是PDF 文档，名称与内容不符"),
    ("random.bin", bytes(range(256)) * 4, "不是允许的文件类型"),
])
def test_bad_files_are_refused_with_a_chinese_reason(name, data, says):
    with pytest.raises(ValidationFailed) as info:
        detect(name, data)
    assert info.value.message == f"文件“{name}”{says}，不能上传。允许的类型：{sniffing.ALLOWED_SUMMARY}。"
    assert info.value.code == "file_type"


def test_empty_file_is_refused():
    with pytest.raises(ValidationFailed) as info:
        detect("空.txt", b"")
    assert info.value.message == "文件“空.txt”是空文件。"


def test_zip_bomb_is_refused_before_inflating(monkeypatch):
    """The check reads only the zip directory: no member is ever decompressed."""
    import zipfile

    bomb = samples.zip_bomb()

    def boom(*args, **kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", boom)
    with pytest.raises(ValidationFailed):
        detect("台账.xlsx", bomb)
