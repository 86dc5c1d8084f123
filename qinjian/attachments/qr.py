"""QR codes that open an object's page: they encode the short resolver URL /attachments/q/<type>/<id>/,
which checks access on every scan (a label outlives any permission)."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _code(data: str, border: int = 2, mask_pattern: int | None = None) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=border, mask_pattern=mask_pattern)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str, box_size: int = 8) -> bytes:
    code = _code(data)
    code.box_size = max(2, min(box_size, 20))
    image = code.make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def qr_svg(data: str) -> bytes:
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules without the quiet zone (the label draws its own margin). A fixed mask pattern:
    choosing the best of eight costs ~20 ms a code in pure Python, too slow for thousands of labels,
    and any mask decodes equally well."""
    return _code(data, border=0, mask_pattern=2).get_matrix()
