"""Decoding, checking and re-encoding pictures with Pillow."""

from __future__ import annotations

import io
import warnings
from typing import Any

from ..domain.imaging import ImageInfo, InvalidImage

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
# Camera JPEGs with a multi-picture extension open as MPO; they are still JPEG files.
_FORMAT_ALIASES = {"MPO": "JPEG"}
_KEPT_INFO = ("transparency",)


class PillowImageCodec:
    """Accepts PNG, JPEG and WebP only, fully decoded, with decompression bombs refused."""

    def __init__(self, max_pixels: int = 4096 * 4096) -> None:
        self._max_pixels = max_pixels

    def inspect(self, data: bytes) -> ImageInfo:
        """Decodes every pixel, so truncated or hostile files fail here, and describes the image as stored."""
        image, image_format = self._decode(data)
        with image:
            return ImageInfo(image.width, image.height, CONTENT_TYPES[image_format])

    def sanitize(self, data: bytes, max_side: int) -> tuple[bytes, ImageInfo]:
        """Re-encodes in the same format, upright per EXIF, with no EXIF, ICC, XMP, comments or text chunks."""
        image, image_format = self._decode(data)
        with image:
            if image.width > max_side or image.height > max_side:
                raise InvalidImage(f"Images are at most {max_side} pixels a side.")
            clean = _upright_without_metadata(image)
        out = io.BytesIO()
        if image_format == "JPEG":
            clean.save(out, format="JPEG", quality=92)
        elif image_format == "WEBP":
            clean.save(out, format="WEBP", quality=90)
        else:
            clean.save(out, format="PNG", optimize=True)
        return out.getvalue(), ImageInfo(clean.width, clean.height, CONTENT_TYPES[image_format])

    def thumbnail(self, data: bytes, max_side: int = 256) -> bytes:
        """A WebP preview at most max_side on its long side, keeping the aspect ratio."""
        image, _ = self._decode(data)
        with image:
            return _thumbnail_of(image, max_side)

    def inspect_with_thumbnail(self, data: bytes, max_side: int = 256) -> tuple[ImageInfo, bytes]:
        """inspect() and thumbnail() from a single decode, for the worker's hot path."""
        image, image_format = self._decode(data)
        with image:
            return ImageInfo(image.width, image.height, CONTENT_TYPES[image_format]), _thumbnail_of(image, max_side)

    def convert(self, data: bytes, fmt: str, width: int, quality: int) -> bytes:
        """The picture as png, jpeg or webp, scaled down to width (aspect kept, never enlarged)."""
        from PIL import Image

        image, _ = self._decode(data)
        with image:
            clean = _upright_without_metadata(image)
        if width < clean.width:
            height = max(1, round(clean.height * width / clean.width))
            clean = clean.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        has_alpha = clean.mode in ("RGBA", "LA", "PA") or (clean.mode == "P" and "transparency" in clean.info)
        out = io.BytesIO()
        if fmt == "jpeg":
            clean.convert("RGB").save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
        elif fmt == "webp":
            clean.convert("RGBA" if has_alpha else "RGB").save(out, format="WEBP", quality=quality, method=4)
        else:
            if clean.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                clean = clean.convert("RGBA" if has_alpha else "RGB")
            clean.save(out, format="PNG")
        return out.getvalue()

    def to_png(self, data: bytes) -> bytes:
        """The same picture as a PNG, upright and without metadata."""
        image, _ = self._decode(data)
        with image:
            clean = _upright_without_metadata(image)
        if clean.mode not in ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"):
            clean = clean.convert("RGBA" if "A" in clean.mode else "RGB")
        out = io.BytesIO()
        clean.save(out, format="PNG")
        return out.getvalue()

    def _decode(self, data: bytes) -> tuple[Any, str]:
        from PIL import Image

        if not data:
            raise InvalidImage("The file is empty.")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image = Image.open(io.BytesIO(data), formats=list(CONTENT_TYPES))
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise InvalidImage("The image has too many pixels.") from None
            # Pillow's decoders raise many exception types on hostile input; each one means "not an image we take".
            except Exception:
                raise InvalidImage("The file is not a PNG, JPEG or WebP image.") from None
            image_format = _FORMAT_ALIASES.get(image.format, image.format)
            if image_format not in CONTENT_TYPES:
                image.close()
                raise InvalidImage("The file is not a PNG, JPEG or WebP image.")
            if image.width * image.height > self._max_pixels:
                image.close()
                raise InvalidImage("The image has too many pixels.")
            try:
                image.load()
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                image.close()
                raise InvalidImage("The image has too many pixels.") from None
            except Exception:
                image.close()
                raise InvalidImage("The image data is damaged or incomplete.") from None
        return image, image_format


def _thumbnail_of(image: Any, max_side: int) -> bytes:
    """Shrinks first, in place, so rotating and converting touch only the small picture."""
    from PIL import Image

    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.BICUBIC, reducing_gap=2.0)
    small = _upright_without_metadata(image).convert("RGBA" if has_alpha else "RGB")
    out = io.BytesIO()
    small.save(out, format="WEBP", quality=80)
    return out.getvalue()


def _upright_without_metadata(image: Any) -> Any:
    from PIL import ImageOps

    upright = ImageOps.exif_transpose(image)
    if upright is image:
        upright = image.copy()
    upright.info = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
    return upright
