"""Image checks and thumbnails (Pillow): the picture must really decode, must not be a pixel bomb;
thumbnails are turned upright by EXIF and carry no metadata (no GPS, no camera serial)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from qinjian.core.errors import ValidationFailed

MAX_PIXELS = 60_000_000     # a 60-megapixel photo is more than any phone takes
THUMB_SIZE = (360, 360)


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    thumbnail: bytes  # JPEG


def _bad(name: str, what: str) -> ValidationFailed:
    return ValidationFailed(f"图片“{name}”{what}，不能上传。", code="bad_image", fields={"files": [f"图片“{name}”{what}。"]})


def inspect_image(handle: IO[bytes], name: str) -> ImageInfo:
    handle.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(handle) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise _bad(name, f"的像素过大（{width}×{height}）")
                probe.verify()  # structure check; the image must be reopened afterwards
            handle.seek(0)
            with Image.open(handle) as image:
                image.seek(0)
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail(THUMB_SIZE)
                if upright.mode in ("RGBA", "LA", "P"):
                    rgba = upright.convert("RGBA")
                    flat = Image.new("RGB", rgba.size, (255, 255, 255))
                    flat.paste(rgba, mask=rgba.getchannel("A"))
                    upright = flat
                elif upright.mode != "RGB":
                    upright = upright.convert("RGB")
                out = io.BytesIO()
                upright.save(out, "JPEG", quality=80, optimize=True)  # no exif= → no metadata
                w, h = (height, width) if _rotated(image) else (width, height)
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bad(name, "的像素过大") from None
    except UnidentifiedImageError:
        raise _bad(name, "无法识别") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise _bad(name, "已损坏或不完整") from None
    finally:
        handle.seek(0)
    return ImageInfo(w, h, out.getvalue())


def _rotated(image: Image.Image) -> bool:
    try:
        orientation = image.getexif().get(0x0112, 1)
    except Exception:  # a broken EXIF block must not refuse a good picture
        return False
    return orientation in (5, 6, 7, 8)
