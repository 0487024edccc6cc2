"""The offline renderer for `make dev` and tests: labelled pictures drawn with Pillow, no AI and no network."""

from __future__ import annotations

import hashlib
import io
import textwrap
import unicodedata

from ..domain.imaging import ProviderError, ProviderImage, ProviderRequest

BANNER_LEFT, BANNER_RIGHT = "PLACEHOLDER", "offline renderer, not AI"
MAX_SIDE = 4096
# The default font is an ASCII subset; other characters would draw as empty boxes.
_SAMPLE = "The quick brown fox jumps over the lazy dog, "
_DRAWABLE = frozenset(chr(c) for c in range(32, 127)) | frozenset("©«°±´·»‘’“”…‹›")


class PlaceholderImageProvider:
    """Draws a deterministic picture per image: same prompt, seed and index give the same PNG bytes."""

    name = "placeholder"

    def generate(self, request: ProviderRequest) -> list[ProviderImage]:
        """Returns request.n PNG pictures of request.size, labelled as placeholders with the prompt on them."""
        width, height = _dimensions(request.size)
        return [ProviderImage(render(request.prompt, request.seed, index, width, height, request.n,
                                     request.source_image))
                for index in range(request.n)]


def render(prompt: str, seed: int, index: int, width: int, height: int, n: int = 1,
           source: bytes | None = None) -> bytes:
    """One placeholder picture as PNG bytes; the colours come from sha256(prompt, seed, index)."""
    from PIL import Image, ImageDraw, ImageFont, ImageOps

    digest = hashlib.sha256(f"{prompt}\x00{seed}\x00{index}".encode("utf-8", "surrogatepass")).digest()
    first, second, accent = digest[0:3], digest[3:6], digest[6:9]
    gradient = Image.linear_gradient("L").rotate(digest[9] % 4 * 90).resize((width, height), Image.Resampling.BILINEAR)
    image = ImageOps.colorize(gradient, black=tuple(first), white=tuple(second))
    if source is not None:
        with Image.open(io.BytesIO(source)) as picture:
            image = Image.blend(picture.convert("RGB").resize((width, height), Image.Resampling.BILINEAR), image, 0.35)
    draw = ImageDraw.Draw(image)
    unit = max(min(width, height) // 32, 6)
    stripe = unit * (2 + digest[10] % 4)
    for offset in range(-height, width, stripe * 2):
        draw.line([(offset, height), (offset + height, 0)], fill=tuple(accent), width=max(unit // 3, 1))

    pad = unit
    text_font = ImageFont.load_default(size=max(unit, 8))
    fitting = (width - 2 * pad) * text_font.size / text_font.getlength(f"{BANNER_LEFT} M {BANNER_RIGHT}")
    banner_font = ImageFont.load_default(size=max(min(unit * 3 // 2, int(fitting)), 6))
    banner_height = int(banner_font.size * 1.3) + 2 * pad
    draw.rectangle([(0, 0), (width, banner_height)], fill=(20, 20, 20))
    _draw_banner(draw, banner_font, pad, pad)

    footer = f"seed {seed} · image {index + 1} of {n} · {width}x{height}"
    line_height = int(text_font.size * 1.35)
    columns = max(int((width - 4 * pad) / (text_font.getlength(_SAMPLE) / len(_SAMPLE))), 8)
    room = max((height - banner_height - 6 * pad) // line_height - 1, 1)
    lines = textwrap.wrap(_drawable(prompt), columns)
    if len(lines) > room:
        lines = lines[:room - 1] + [textwrap.shorten(" ".join(lines[room - 1:]), columns, placeholder=" …")]
    box_top = max(height - (len(lines) + 1) * line_height - 3 * pad, banner_height + pad)
    if box_top < height - pad:
        draw.rectangle([(pad, box_top), (width - pad, height - pad)], fill=(0, 0, 0))
        y = box_top + pad
        for line, colour in [(line, (255, 255, 255)) for line in lines] + [(footer, (190, 190, 190))]:
            draw.text((2 * pad, y), line, font=text_font, fill=colour)
            y += line_height

    out = io.BytesIO()
    # Low compression keeps a 1024x1024 render well under 100 ms.
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _draw_banner(draw, font, x: int, y: int) -> None:
    """Writes "PLACEHOLDER — offline renderer, not AI", drawing the dash the ASCII font lacks as a line."""
    draw.text((x, y), BANNER_LEFT, font=font, fill=(255, 210, 0))
    x += int(font.getlength(BANNER_LEFT + " "))
    dash = int(font.getlength("M"))
    middle = y + font.size * 0.6
    draw.line([(x, middle), (x + dash, middle)], fill=(255, 255, 255), width=max(font.size // 10, 1))
    x += dash + int(font.getlength(" "))
    draw.text((x, y), BANNER_RIGHT, font=font, fill=(255, 255, 255))


def _drawable(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()))
    kept = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if c in _DRAWABLE else "?" for c in kept)


def _dimensions(size: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in size.lower().split("x"))
    except ValueError:
        raise ProviderError(f"Size {size!r} is not WIDTHxHEIGHT", retryable=False) from None
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise ProviderError(f"Size {size!r} is outside 1..{MAX_SIDE} pixels a side", retryable=False)
    return width, height
