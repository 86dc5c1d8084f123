"""A4 label sheets (reportlab): each label has a title line, the object's code and name, and a QR code
that opens the object. Common die-cut layouts; printing may start at any position of a partly used
sheet."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from .qr import qr_matrix

CJK_FONT = "STSong-Light"  # a standard CID font: every PDF reader in China has it, nothing to embed
MAX_LABELS = 3000


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    cols: int
    rows: int
    width: float   # mm
    height: float  # mm
    left: float    # mm, page edge to the first column
    top: float     # mm, page edge to the first row
    gap_x: float = 0.0
    gap_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.cols * self.rows


LAYOUTS: dict[str, Layout] = {layout.key: layout for layout in (
    Layout("a4-3x8", "每页 24 张（3×8，70×37 毫米）", 3, 8, 70, 37, 0, 0.5),
    Layout("a4-3x7", "每页 21 张（3×7，70×42.3 毫米）", 3, 7, 70, 42.3, 0, 0.45),
    Layout("a4-2x5", "每页 10 张（2×5，105×57 毫米）", 2, 5, 105, 57, 0, 6),
    Layout("a4-4x10", "每页 40 张（4×10，48.5×25.4 毫米）", 4, 10, 48.5, 25.4, 8, 21.5),
)}
DEFAULT_LAYOUT = "a4-3x8"


@dataclass(frozen=True)
class Label:
    code: str
    name: str
    url: str                       # what the QR code encodes
    lines: Sequence[str] = ()


def page_count(count: int, layout: Layout, start: int = 0) -> int:
    return math.ceil((start + count) / layout.per_page) if count else 0


def _register_fonts() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


# Dots that STSong-Light has no glyph for (they print as a box) → the one it has.
_DOTS = str.maketrans({"\u00b7": "\u30fb", "\u2022": "\u30fb", "\u2027": "\u30fb", "\u22c5": "\u30fb"})


def _printable(text: str) -> str:
    return text.translate(_DOTS)


def _font_for(text: str, ascii_font: str) -> str:
    return ascii_font if text.isascii() else CJK_FONT


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text, cut with an ellipsis to fit one line."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Wrap by character (Chinese has no spaces); the last line ends with … when cut."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if pdfmetrics.stringWidth(current + ch, font, size) > width and current:
            lines.append(current)
            current = ch
            if len(lines) == max_lines:
                break
        else:
            current += ch
    else:
        if current:
            lines.append(current)
        return lines
    lines[-1] = _fit(lines[-1] + text[len("".join(lines)):], font, size, width)
    return lines[:max_lines]


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, side: float) -> None:
    matrix = qr_matrix(data)
    n = len(matrix)
    cell = side / n
    canvas.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < n:  # one rectangle per horizontal run keeps the file small
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                canvas.rect(x + start * cell, y + side - (r + 1) * cell, (c - start) * cell + 0.01, cell + 0.01,
                            stroke=0, fill=1)
            else:
                c += 1


def _draw_label(canvas: Canvas, label: Label, title: str, x: float, y: float, layout: Layout) -> None:
    label = Label(label.code, _printable(label.name), label.url, [_printable(t) for t in label.lines])
    title = _printable(title)
    w, h = layout.width * mm, layout.height * mm
    small = layout.height < 30
    pad = (2.2 if small else 3.2) * mm
    qr_side = h - 2 * pad
    _draw_qr(canvas, label.url, x + pad, y + pad, qr_side)
    tx = x + pad + qr_side + (1.8 if small else 2.8) * mm
    tw = x + w - pad * 0.8 - tx
    top = y + h - pad
    sizes = (5.2, 8.5, 6.5, 5.5) if small else ((7, 12, 9, 7) if layout.height < 50 else (8, 14, 10.5, 8))
    title_size, code_size, name_size, line_size = sizes
    cursor = top - title_size
    if title:
        canvas.setFillColorRGB(0.35, 0.35, 0.35)
        canvas.setFont(CJK_FONT, title_size)
        canvas.drawString(tx, cursor, _fit(title, CJK_FONT, title_size, tw))
        cursor -= title_size * 0.55
        canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
        canvas.setLineWidth(0.4)
        canvas.line(tx, cursor, tx + tw, cursor)
        cursor -= code_size * 1.05
    else:
        cursor = top - code_size
    canvas.setFillColorRGB(0, 0, 0)
    code_font = _font_for(label.code, "Helvetica-Bold")
    # the code is what people read and type: shrink it to fit rather than cut it
    while code_size > 5 and pdfmetrics.stringWidth(label.code, code_font, code_size) > tw:
        code_size -= 0.25
    canvas.setFont(code_font, code_size)
    canvas.drawString(tx, cursor, _fit(label.code, code_font, code_size, tw))
    cursor -= name_size * 1.35
    canvas.setFont(CJK_FONT, name_size)
    name_lines = 2 if small else 3 - min(len(label.lines), 1)
    for line in _wrap(label.name, CJK_FONT, name_size, tw, name_lines):
        if cursor < y + pad * 0.6:
            break
        canvas.drawString(tx, cursor, line)
        cursor -= name_size * 1.25
    canvas.setFillColorRGB(0.3, 0.3, 0.3)
    canvas.setFont(CJK_FONT, line_size)
    for extra in label.lines:
        if cursor < y + pad * 0.6:
            break
        canvas.drawString(tx, cursor, _fit(extra, CJK_FONT, line_size, tw))
        cursor -= line_size * 1.3


def render_labels(labels: Sequence[Label], *, layout: Layout, start: int = 0, title: str = "",
                  outline: bool = False, document_title: str = "标签") -> bytes:
    """The PDF; ``start`` skips that many positions on the first sheet (already used labels)."""
    _register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(document_title)
    canvas.setAuthor("勤俭 机关事务管理平台")
    canvas.setCreator("qinjian")
    page_h = A4[1]
    slot = start
    per_page = layout.per_page
    for label in labels:
        if slot and slot % per_page == 0:
            canvas.showPage()
        pos = slot % per_page
        row, col = divmod(pos, layout.cols)
        x = (layout.left + col * (layout.width + layout.gap_x)) * mm
        y = page_h - (layout.top + (row + 1) * layout.height + row * layout.gap_y) * mm
        if outline:
            canvas.setStrokeColorRGB(0.75, 0.75, 0.75)
            canvas.setLineWidth(0.3)
            canvas.rect(x, y, layout.width * mm, layout.height * mm, stroke=1, fill=0)
        _draw_label(canvas, label, title, x, y, layout)
        slot += 1
    if not labels:
        canvas.setFont(CJK_FONT, 12)
        canvas.drawString(20 * mm, page_h - 30 * mm, "没有可打印的标签。")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
