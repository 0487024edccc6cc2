"""The offline renderer for `make dev` and tests: labelled pictures drawn with Pillow, no AI and no network."""

from __future__ import annotations

import hashlib
import html
import io
import re
import textwrap
import time
import unicodedata
from typing import TYPE_CHECKING, Any

from ..domain.imaging import OUTPUT_TYPES, ProviderError, ProviderImage, ProviderRequest, ProviderResult

if TYPE_CHECKING:
    from PIL import ImageFont

BANNER_LEFT, BANNER_RIGHT = "PLACEHOLDER", "offline renderer, not AI"
BANNER = f"{BANNER_LEFT} — {BANNER_RIGHT}"
MAX_SIDE = 3840
DEFAULT_FRAMES = 9
# Each streamed preview is the finished picture at 1/4, then 1/2 of its size: blurry when shown at full size,
# and cheap to encode even for a 3840x2160 picture.
PREVIEW_DIVISORS = (4, 2)
FRAME_MS = 120
# The default font is an ASCII subset; other characters would draw as empty boxes.
_SAMPLE = "The quick brown fox jumps over the lazy dog, "
_DRAWABLE = frozenset(chr(c) for c in range(32, 127)) | frozenset("©«°±´·»‘’“”…‹›")
# Characters XML 1.0 cannot carry at all, escaped or not (controls, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SHADOW = (0, 0, 0, 90)
_HIGHLIGHT = (255, 210, 0)


class PlaceholderImageProvider:
    """Draws deterministic pictures: the same request and index give the same bytes, in every output format."""

    name = "placeholder"

    def __init__(self, stage_delay: float = 0.0) -> None:
        """stage_delay: seconds to wait before each preview and before each finished image, as a model would."""
        self._stage_delay = stage_delay

    def generate(self, request: ProviderRequest) -> ProviderResult:
        """Returns request.n pictures of request.size in request.output_format, labelled as placeholders.

        With request.on_partial, PNG, WebP and JPEG pictures first stream two smaller previews each.
        """
        width, height = _dimensions(request.size)
        if request.output_format not in OUTPUT_TYPES:
            raise ProviderError(f"Output format {request.output_format!r} is not one of "
                                f"{', '.join(OUTPUT_TYPES)}", retryable=False)
        frames = request.frame_count or DEFAULT_FRAMES
        if request.output_format == "gif" and not 1 <= frames <= 100:
            raise ProviderError(f"A GIF has 1..100 frames, not {frames}", retryable=False)
        return ProviderResult([ProviderImage(self._one(request, index, width, height)) for index in range(request.n)])

    def _one(self, request: ProviderRequest, index: int, width: int, height: int) -> bytes:
        fmt = request.output_format
        transparent = request.background == "transparent"
        if fmt in ("gif", "svg"):
            self._wait(len(PREVIEW_DIVISORS) + 1)
            return render(request.prompt, request.seed, index, width, height, request.n, request.source_image,
                          output_format=fmt, transparent=transparent, frame_count=request.frame_count or DEFAULT_FRAMES)
        if request.source_image is not None and (request.mask_image is not None or request.operation in EDITS):
            picture = _edited(request, index, width, height)
        else:
            picture = _picture(request.prompt, request.seed, index, width, height, request.n, request.source_image,
                               transparent and fmt != "jpeg")
        for divisor in PREVIEW_DIVISORS:
            self._wait()
            if request.on_partial is not None:
                request.on_partial(index, _encode(_shrunk(picture, divisor), fmt))
        self._wait()
        return _encode(picture, fmt)

    def _wait(self, stages: int = 1) -> None:
        if self._stage_delay > 0:
            time.sleep(self._stage_delay * stages)


def render(prompt: str, seed: int, index: int, width: int, height: int, n: int = 1, source: bytes | None = None,
           *, output_format: str = "png", transparent: bool = False, frame_count: int = DEFAULT_FRAMES) -> bytes:
    """One placeholder picture (PNG unless told otherwise); the colours come from sha256(prompt, seed, index).

    transparent: a card on a fully transparent background (PNG, WebP and SVG; ignored for JPEG and GIF).
    frame_count: the frames of a GIF, a highlight band moving across the picture and looping forever.
    """
    if output_format == "svg":
        return _svg(prompt, seed, index, width, height, n, transparent)
    if output_format == "gif":
        return _gif(prompt, seed, index, width, height, n, source, frame_count)
    if output_format not in ("png", "webp", "jpeg"):
        raise ValueError(f"unknown output format {output_format!r}")
    return _encode(_picture(prompt, seed, index, width, height, n, source, transparent and output_format != "jpeg"),
                   output_format)


def _digest(prompt: str, seed: int, index: int) -> bytes:
    return hashlib.sha256(f"{prompt}\x00{seed}\x00{index}".encode("utf-8", "surrogatepass")).digest()


def _footer(seed: int, index: int, n: int, width: int, height: int) -> str:
    return f"seed {seed} · image {index + 1} of {n} · {width}x{height}"


def _margin(width: int, height: int) -> int:
    """The transparent border around the card of a transparent picture."""
    return max(min(width, height) // 16, 2)


def _picture(prompt: str, seed: int, index: int, width: int, height: int, n: int, source: bytes | None,
             transparent: bool) -> Any:
    """The finished picture as a Pillow image: RGB, or RGBA with alpha 0 around a card when transparent."""
    from PIL import Image, ImageDraw

    footer = _footer(seed, index, n, width, height)
    if not transparent:
        return _card(prompt, seed, index, width, height, footer, source)[0]
    margin = _margin(width, height)
    card_width, card_height = max(width - 2 * margin, 1), max(height - 2 * margin, 1)
    card = _card(prompt, seed, index, card_width, card_height, footer, source)[0]
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    radius = max(margin // 2, 1)
    shift = max(margin // 3, 1)
    ImageDraw.Draw(canvas).rounded_rectangle([(margin + shift, margin + shift),
                                              (margin + shift + card_width - 1, margin + shift + card_height - 1)],
                                             radius, fill=_SHADOW)
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([(0, 0), (card_width - 1, card_height - 1)], radius, fill=255)
    canvas.paste(card, (margin, margin), mask)
    return canvas


def _card(prompt: str, seed: int, index: int, width: int, height: int, footer: str, source: bytes | None
          ) -> tuple[Any, int, int]:
    """The opaque labelled picture and the top and bottom rows of its open middle (between banner and prompt)."""
    from PIL import Image, ImageDraw, ImageOps

    digest = _digest(prompt, seed, index)
    first, second, accent = digest[0:3], digest[3:6], digest[6:9]
    # A one-pixel strip colourised then stretched costs a fraction of colourising every pixel of a 4K picture.
    across = digest[9] % 2 == 1
    strip = Image.linear_gradient("L").resize((1, 256))
    if across:
        strip = strip.transpose(Image.Transpose.ROTATE_90)
    if digest[9] % 4 >= 2:
        strip = strip.transpose(Image.Transpose.FLIP_LEFT_RIGHT if across else Image.Transpose.FLIP_TOP_BOTTOM)
    image = ImageOps.colorize(strip, black=tuple(first), white=tuple(second))
    image = image.resize((width, 1) if across else (1, height), Image.Resampling.BILINEAR)
    image = image.resize((width, height), Image.Resampling.NEAREST)
    if source is not None:
        with Image.open(io.BytesIO(source)) as picture:
            image = Image.blend(picture.convert("RGB").resize((width, height), Image.Resampling.BILINEAR), image, 0.35)
    draw = ImageDraw.Draw(image)
    unit = max(min(width, height) // 32, 6)
    stripe = unit * (2 + digest[10] % 4)
    for offset in range(-height, width, stripe * 2):
        draw.line([(offset, height), (offset + height, 0)], fill=tuple(accent), width=max(unit // 3, 1))

    pad = unit
    text_font = _font(max(unit, 8))
    fitting = (width - 2 * pad) * text_font.size / text_font.getlength(f"{BANNER_LEFT} M {BANNER_RIGHT}")
    banner_font = _font(max(min(unit * 3 // 2, int(fitting)), 6))
    banner_height = int(banner_font.size * 1.3) + 2 * pad
    draw.rectangle([(0, 0), (width, banner_height)], fill=(20, 20, 20))
    _draw_banner(draw, banner_font, pad, pad)

    line_height = int(text_font.size * 1.35)
    columns = max(int((width - 4 * pad) / (text_font.getlength(_SAMPLE) / len(_SAMPLE))), 8)
    room = max((height - banner_height - 6 * pad) // line_height - 1, 1)
    lines = textwrap.wrap(_drawable(prompt), columns)
    if len(lines) > room:
        lines = [*lines[:room - 1], textwrap.shorten(" ".join(lines[room - 1:]), columns, placeholder=" …")]
    box_top = max(height - (len(lines) + 1) * line_height - 3 * pad, banner_height + pad)
    if box_top < height - pad:
        draw.rectangle([(pad, box_top), (width - pad, height - pad)], fill=(0, 0, 0))
        y = box_top + pad
        for line, colour in [(line, (255, 255, 255)) for line in lines] + [(footer, (190, 190, 190))]:
            draw.text((2 * pad, y), line, font=text_font, fill=colour)
            y += line_height
    middle_top = min(banner_height + 1, height - 1)
    return image, middle_top, max(min(box_top - 1, height - 1), middle_top)


# Operations the renderer performs on the source itself (the rest blend a new card over it).
EDITS = ("upscale", "remove_background")


def _edited(request: ProviderRequest, index: int, width: int, height: int) -> Any:
    """A visible edit of the source, as a model would make it: the transparent area of the mask repainted
    (inpaint, and outpaint's new border; a card on a transparent ground when that background is asked for),
    the source enlarged and sharpened (upscale), or what touches the edges made transparent (remove
    background). Outside the mask the source's pixels are kept."""
    from PIL import Image, ImageFilter

    assert request.source_image is not None
    with Image.open(io.BytesIO(request.source_image)) as opened:
        source = opened.convert("RGBA")
    if source.size != (width, height):
        source = source.resize((width, height), Image.Resampling.LANCZOS)
    if request.mask_image is not None:
        with Image.open(io.BytesIO(request.mask_image)) as opened:
            alpha = opened.convert("RGBA").getchannel("A").resize((width, height), Image.Resampling.NEAREST)
        paint = alpha.point(lambda a: 255 if a == 0 else 0)
        transparent = request.background == "transparent" and request.output_format != "jpeg"
        card = _picture(request.prompt, request.seed, index, width, height, request.n, None, transparent)
        return Image.composite(card.convert("RGBA"), source, paint)
    if request.operation == "upscale":
        return source.filter(ImageFilter.UnsharpMask(radius=2, percent=120, threshold=2))
    return _without_background(source)


def _without_background(image: Any) -> Any:
    """The picture with the region connected to its corners (within a colour tolerance) made transparent; when
    that finds almost nothing, everything outside a centred ellipse, so the change is always visible."""
    from PIL import Image, ImageChops, ImageDraw

    rgb = image.convert("RGB")
    marked = rgb.copy()
    sentinel = (255, 0, 255)
    width, height = rgb.size
    for corner in ((0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1)):
        if marked.getpixel(corner) != sentinel:
            ImageDraw.floodfill(marked, corner, sentinel, thresh=48)
    difference = ImageChops.difference(marked, Image.new("RGB", rgb.size, sentinel)).convert("L")
    background = difference.point(lambda d: 255 if d == 0 else 0)
    histogram = background.histogram()
    if histogram[255] < 0.05 * width * height:
        background = Image.new("L", rgb.size, 255)
        inset_x, inset_y = width // 8, height // 8
        ImageDraw.Draw(background).ellipse([(inset_x, inset_y), (width - inset_x, height - inset_y)], fill=0)
    out = image.copy()
    out.putalpha(ImageChops.multiply(image.getchannel("A"), ImageChops.invert(background)))
    return out


def _encode(image: Any, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "jpeg":
        image.convert("RGB").save(out, format="JPEG", quality=90)
    elif fmt == "webp":
        # Lossy colour, lossless alpha (Pillow's default alpha_quality), so transparent stays exactly 0.
        image.save(out, format="WEBP", quality=85, method=2)
    else:
        # Low compression keeps a 1024x1024 render well under 100 ms.
        image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _shrunk(image: Any, divisor: int) -> Any:
    from PIL import Image

    return image.resize((max(image.width // divisor, 1), max(image.height // divisor, 1)), Image.Resampling.BILINEAR)


def _gif(prompt: str, seed: int, index: int, width: int, height: int, n: int, source: bytes | None,
         frame_count: int) -> bytes:
    """An endlessly looping GIF: the picture with a highlight band sweeping across it and a progress bar."""
    from PIL import Image, ImageDraw

    card, top, bottom = _card(prompt, seed, index, width, height,
                              f"{_footer(seed, index, n, width, height)} · {frame_count} frames", source)
    base = card.quantize(colors=255, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    palette = (base.getpalette() or [])[:255 * 3]
    base.putpalette(palette + [0] * (255 * 3 - len(palette)) + list(_HIGHLIGHT))
    if bottom - top < 4:
        top, bottom = 0, height - 1
    band = max(width // 12, 2)
    bar = max((bottom - top) // 24, 1)
    band_bottom, bar_top = max(bottom - bar - 1, top), max(bottom - bar + 1, top)
    frames = []
    for frame in range(frame_count):
        picture = base.copy()
        draw = ImageDraw.Draw(picture)
        left = round(frame * (width + band) / frame_count) - band
        draw.rectangle([(left, top), (left + band - 1, band_bottom)], fill=255)
        draw.rectangle([(0, bar_top), (max(round(width * (frame + 1) / frame_count) - 1, 0), bottom)],
                       fill=255)
        frames.append(picture)
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], loop=0, duration=FRAME_MS)
    return out.getvalue()


def _svg(prompt: str, seed: int, index: int, width: int, height: int, n: int, transparent: bool) -> bytes:
    """A self-contained SVG document: no scripts, no external references, every piece of text escaped."""
    digest = _digest(prompt, seed, index)
    first, second, accent = (f"#{digest[i:i + 3].hex()}" for i in (0, 3, 6))
    margin = _margin(width, height) if transparent else 0
    card_width, card_height = max(width - 2 * margin, 1), max(height - 2 * margin, 1)
    unit = max(min(card_width, card_height) // 32, 6)
    pad = unit
    stripe = unit * (2 + digest[10] % 4)
    x2, y2 = [("0", "1"), ("1", "0"), ("0", "0"), ("0", "0")][digest[9] % 4]
    x1, y1 = [("0", "0"), ("0", "0"), ("0", "1"), ("1", "0")][digest[9] % 4]
    # Text widths are estimated: the renderer that shows the SVG picks its own sans-serif font.
    advance = 0.56
    text_size = max(unit, 8)
    banner_size = max(min(unit * 3 // 2, int((card_width - 2 * pad) / (len(BANNER) * advance))), 6)
    banner = _svg_banner(pad, pad + banner_size, banner_size)
    banner_height = int(banner_size * 1.3) + 2 * pad
    line_height = int(text_size * 1.35)
    columns = max(int((card_width - 4 * pad) / (text_size * advance)), 8)
    room = max((card_height - banner_height - 6 * pad) // line_height - 1, 1)
    lines = textwrap.wrap(_xml_safe(" ".join(prompt.split())), columns)
    if len(lines) > room:
        lines = [*lines[:room - 1], textwrap.shorten(" ".join(lines[room - 1:]), columns, placeholder=" …")]
    box_top = max(card_height - (len(lines) + 1) * line_height - 3 * pad, banner_height + pad)
    radius = max(margin // 2, 1) if transparent else 0
    # Plain lines, not a <pattern>: resvg samples a pattern per pixel, seconds for a 4K rendering.
    stripes = "".join(f"M{offset} {card_height}L{offset + card_height} 0"
                      for offset in range(-card_height, card_width, stripe * 2))

    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="Aileron, Helvetica, Arial, sans-serif">',
        f"<title>{_escape(f'{BANNER}: {prompt}')}</title>",
        "<defs>",
        f'<linearGradient id="sky" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}">'
        f'<stop offset="0" stop-color="{first}"/><stop offset="1" stop-color="{second}"/></linearGradient>',
        f'<clipPath id="card"><rect width="{card_width}" height="{card_height}" rx="{radius}"/></clipPath>',
        "</defs>",
    ]
    if transparent:
        shift = max(margin // 3, 1)
        parts.append(f'<rect x="{margin + shift}" y="{margin + shift}" width="{card_width}" height="{card_height}" '
                     f'rx="{radius}" fill="#000" fill-opacity="0.35"/>')
    parts += [
        f'<g transform="translate({margin} {margin})" clip-path="url(#card)">',
        f'<rect width="{card_width}" height="{card_height}" fill="url(#sky)"/>',
        f'<path d="{stripes}" stroke="{accent}" stroke-width="{max(unit // 3, 1)}"/>',
        f'<rect width="{card_width}" height="{banner_height}" fill="#141414"/>',
        banner,
    ]
    if box_top < card_height - pad:
        parts.append(f'<rect x="{pad}" y="{box_top}" width="{card_width - 2 * pad}" '
                     f'height="{card_height - pad - box_top}" fill="#000"/>')
        y = box_top + pad + text_size
        for line in lines:
            parts.append(f'<text x="{2 * pad}" y="{y}" font-size="{text_size}" fill="#fff">{_escape(line)}</text>')
            y += line_height
        parts.append(f'<text x="{2 * pad}" y="{y}" font-size="{text_size}" fill="#bebebe">'
                     f"{_escape(_footer(seed, index, n, width, height))}</text>")
    parts += ["</g>", "</svg>", ""]
    return "\n".join(parts).encode("utf-8")


def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font at a size (a bitmap font without one, which Pillow's wheels with FreeType never give)."""
    from PIL import ImageFont

    font = ImageFont.load_default(size=size)
    assert isinstance(font, ImageFont.FreeTypeFont)
    return font


def _svg_banner(x: int, baseline: int, size: int) -> str:
    """The banner as the raster draws it: the dash is a bar, since the font resvg is given has no em dash.

    textLength pins each word to its width in that font, so a browser's own sans-serif lines up the same.
    """
    font = _font(size)
    left, space, dash = font.getlength(BANNER_LEFT), font.getlength(" "), font.getlength("M")
    right = font.getlength(BANNER_RIGHT)
    bar = max(size // 10, 1)
    return (f'<text x="{x}" y="{baseline}" font-size="{size}" fill="#ffd200" textLength="{left:.1f}" '
            f'lengthAdjust="spacingAndGlyphs">{BANNER_LEFT}</text>'
            f'<rect x="{x + left + space:.1f}" y="{baseline - size * 0.35 - bar / 2:.1f}" width="{dash:.1f}" '
            f'height="{bar}" fill="#fff"/>'
            f'<text x="{x + left + 2 * space + dash:.1f}" y="{baseline}" font-size="{size}" fill="#fff" '
            f'textLength="{right:.1f}" lengthAdjust="spacingAndGlyphs">{_escape(BANNER_RIGHT)}</text>')


def _escape(text: str) -> str:
    """Text for XML content or attributes: &, <, >, " and ' escaped, characters XML cannot hold replaced."""
    return html.escape(_xml_safe(text), quote=True)


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _draw_banner(draw: Any, font: Any, x: int, y: int) -> None:
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
