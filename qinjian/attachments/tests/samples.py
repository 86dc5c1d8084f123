"""Small sample files made in memory: good ones of every allowed kind and the classic bad ones."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg(width: int = 40, height: int = 20, orientation: int | None = None, color: str = "red") -> bytes:
    image = Image.new("RGB", (width, height), color)
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"          # camera make: must not survive into the thumbnail
    if orientation:
        exif[0x0112] = orientation
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png(width: int = 30, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 0, 128)).save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(100, 700, "hello")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def docx() -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"})


def xlsx() -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"})


def zip_bomb() -> bytes:
    """A ".xlsx" whose one member inflates 40 MB of zeros from a few KB."""
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>",
                 "xl/worksheets/sheet1.xml": b"\0" * (40 * 1024 * 1024)})


def docm() -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>",
                 "word/vbaProject.bin": b"macro"})


def plain_zip() -> bytes:
    return _zip({"readme.txt": b"hello"})


def exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode"


HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
PDF_JS = b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF"
TEXT = "巡查记录：三楼消防通道畅通。\n".encode()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
