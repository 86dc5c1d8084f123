"""What an uploaded file really is, judged by its content (magic bytes), never by its name alone.

Only the types in ``ALLOWED`` are accepted. Everything else — executables renamed as images, HTML
or SVG (which can carry script), archives, zip bombs disguised as Office documents, macro-enabled
documents — is refused with a Chinese message that says what the file really seems to be.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings

from qinjian.core.errors import ValidationFailed

HEAD_BYTES = 8192


@dataclass(frozen=True)
class FileType:
    key: str
    label: str                 # shown to users
    mime: str
    extensions: tuple[str, ...]  # accepted name endings; the first is used for names without one
    is_image: bool = False
    inline: bool = False       # may be shown in the browser (images, PDF); others always download


JPEG = FileType("jpeg", "JPG 图片", "image/jpeg", (".jpg", ".jpeg", ".jfif", ".jpe"), True, True)
PNG = FileType("png", "PNG 图片", "image/png", (".png",), True, True)
GIF = FileType("gif", "GIF 图片", "image/gif", (".gif",), True, True)
WEBP = FileType("webp", "WebP 图片", "image/webp", (".webp",), True, True)
PDF = FileType("pdf", "PDF 文档", "application/pdf", (".pdf",), inline=True)
DOCX = FileType("docx", "Word 文档", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                (".docx", ".wps"))
XLSX = FileType("xlsx", "Excel 表格", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                (".xlsx", ".et"))
PPTX = FileType("pptx", "PowerPoint 演示文稿",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx", ".dps"))
DOC = FileType("doc", "Word 97-2003 文档", "application/msword", (".doc", ".wps"))
XLS = FileType("xls", "Excel 97-2003 表格", "application/vnd.ms-excel", (".xls", ".et"))
PPT = FileType("ppt", "PowerPoint 97-2003 演示文稿", "application/vnd.ms-powerpoint", (".ppt", ".dps"))
OFD = FileType("ofd", "OFD 版式文档", "application/ofd", (".ofd",))
TEXT = FileType("text", "纯文本", "text/plain; charset=utf-8", (".txt", ".csv", ".log", ".md"))

ALLOWED = (JPEG, PNG, GIF, WEBP, PDF, DOCX, XLSX, PPTX, DOC, XLS, PPT, OFD, TEXT)
ALLOWED_SUMMARY = "JPG/PNG/GIF/WebP 图片、PDF、Word/Excel/PowerPoint 文档、OFD 版式文档和纯文本"
ACCEPT_ATTR = ",".join(ext for t in ALLOWED for ext in t.extensions) + ",image/*"

MAX_ZIP_MEMBERS = 5000
MAX_RATIO = 200  # a compression ratio above this in a member over 1 MB is a zip bomb's sign


def max_upload_bytes() -> int:
    return int(getattr(settings, "QINJIAN_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))


def max_unpacked_bytes() -> int:
    return int(getattr(settings, "QINJIAN_ATTACHMENT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024))


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} 字节"


def _refuse(name: str, what: str) -> ValidationFailed:
    return ValidationFailed(f"文件“{name}”{what}，不能上传。允许的类型：{ALLOWED_SUMMARY}。",
                            code="file_type", fields={"files": [f"文件“{name}”{what}。"]})


# Signatures of things we refuse, to say what the file really is.
_KNOWN_BAD: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "实际是 Windows 可执行程序"),
    (b"\x7fELF", "实际是 Linux 可执行程序"),
    (b"\xcf\xfa\xed\xfe", "实际是可执行程序"),
    (b"\xca\xfe\xba\xbe", "实际是可执行程序"),
    (b"#!", "实际是脚本程序"),
    (b"Rar!", "实际是 RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "实际是 7z 压缩包"),
    (b"\x1f\x8b", "实际是 gzip 压缩包"),
    (b"BM", "是 BMP 图片（请转换为 JPG 或 PNG）"),
    (b"II*\x00", "是 TIFF 图片（请转换为 JPG、PNG 或 PDF）"),
    (b"MM\x00*", "是 TIFF 图片（请转换为 JPG、PNG 或 PDF）"),
)
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|svg|script|iframe|object|embed|body|head|meta|\?xml)\b", re.I)
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia)[\s/<>\[\]()]")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _ext(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _ole_type(handle: IO[bytes], name: str) -> FileType:
    """Legacy Office: the stream names of the compound file tell Word/Excel/PowerPoint apart (an MSI
    installer or anything else in the same container is refused) and reveal macros."""
    handle.seek(0)
    data = handle.read()
    utf16 = {key: key.encode("utf-16-le") for key in
             ("WordDocument", "Workbook", "Book", "PowerPoint Document", "_VBA_PROJECT", "Macros", "VBA")}
    if utf16["_VBA_PROJECT"] in data or utf16["Macros"] in data:
        raise _refuse(name, "含有宏代码")
    if utf16["WordDocument"] in data:
        return DOC
    if utf16["Workbook"] in data or utf16["Book"] in data:
        return XLS
    if utf16["PowerPoint Document"] in data:
        return PPT
    raise _refuse(name, "不是可识别的 Office 文档（可能是安装程序或其他复合文件）")


def _zip_type(handle: IO[bytes], name: str) -> FileType:
    """OOXML (docx/xlsx/pptx) and OFD are zips: check the members before trusting them (zip bombs)."""
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _refuse(name, "已损坏或不是有效的文档") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _refuse(name, "包含的内部文件过多（疑似压缩炸弹）")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > MAX_RATIO:
            raise _refuse(name, "的压缩比异常（疑似压缩炸弹）")
        if info.flag_bits & 0x1:
            raise _refuse(name, "已加密")
    if total > max_unpacked_bytes():
        raise _refuse(name, f"解压后超过 {human_size(max_unpacked_bytes())}（疑似压缩炸弹）")
    names = {i.filename for i in infos}
    lower = {n.lower() for n in names}
    if "ofd.xml" in lower:
        return OFD
    if "[Content_Types].xml" not in names:
        raise _refuse(name, "实际是 ZIP 压缩包")
    if any(n.endswith("vbaproject.bin") for n in lower):
        raise _refuse(name, "含有宏代码")
    if "word/document.xml" in lower:
        return DOCX
    if "xl/workbook.xml" in lower:
        return XLSX
    if "ppt/presentation.xml" in lower:
        return PPTX
    raise _refuse(name, "不是可识别的 Word、Excel 或 PowerPoint 文档")


def _text_type(head: bytes, handle: IO[bytes], name: str) -> FileType | None:
    if b"\x00" in head:
        return None
    handle.seek(0)
    data = handle.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _MARKUP.search(text.encode("utf-8", "ignore")[:65536]):
            raise _refuse(name, "是网页或 SVG/XML 标记文件（可能含有脚本）")
        return TEXT
    return None


def detect(handle: IO[bytes], name: str) -> FileType:
    """The allowed type of this file's content, or ValidationFailed with a Chinese message."""
    handle.seek(0)
    head = handle.read(HEAD_BYTES)
    handle.seek(0)
    if not head:
        raise ValidationFailed(f"文件“{name}”是空文件。", code="file_empty", fields={"files": [f"文件“{name}”是空文件。"]})
    found: FileType | None = None
    if head.startswith(b"\xff\xd8\xff"):
        found = JPEG
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = PNG
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        found = GIF
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = WEBP
    elif head.startswith(b"%PDF-"):
        found = PDF
        handle.seek(0)
        if _PDF_ACTIVE.search(handle.read()):
            raise _refuse(name, "是含有脚本、附带文件或自动启动动作的 PDF")
    elif head.startswith(b"PK\x03\x04"):
        found = _zip_type(handle, name)
    elif head.startswith(_OLE_MAGIC):
        found = _ole_type(handle, name)
    else:
        for magic, what in _KNOWN_BAD:
            if head.startswith(magic):
                raise _refuse(name, what)
        if _MARKUP.search(head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1024]):
            raise _refuse(name, "是网页或 SVG/XML 标记文件（可能含有脚本）")
        found = _text_type(head, handle, name)
    handle.seek(0)
    if found is None:
        raise _refuse(name, "不是允许的文件类型")
    ext = _ext(name)
    if ext and ext not in found.extensions:
        raise _refuse(name, f"的扩展名是 {ext}，但内容是{found.label}，名称与内容不符")
    return found
