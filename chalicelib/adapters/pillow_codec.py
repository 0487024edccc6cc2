"""Decoding, checking and re-encoding pictures: Pillow for PNG, JPEG, WebP and GIF, resvg for SVG."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import io
import math
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from typing import Any, NoReturn
from xml.parsers import expat

from ..domain.imaging import ImageInfo, InvalidImage

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif",
                 "SVG": "image/svg+xml"}
UPLOAD_FORMATS = ("PNG", "JPEG", "WEBP")
RASTER_FORMATS = (*UPLOAD_FORMATS, "GIF")
CONVERT_FORMATS = ("png", "jpeg", "webp")
# Camera JPEGs with a multi-picture extension open as MPO; they are still JPEG files.
_FORMAT_ALIASES = {"MPO": "JPEG"}
_KEPT_INFO = ("transparency",)
_WHITE = (255, 255, 255)

SVG_NS = "http://www.w3.org/2000/svg"
MAX_SVG_BYTES = 8 * 1024 * 1024
MAX_SVG_ELEMENTS = 50_000
MAX_SVG_DEPTH = 128
# Elements drawn once each `<use>` and `url(#…)` reference is followed: catches the "billion laughs" of SVG,
# nested <use> elements, which stay small on disk and explode in the renderer.
MAX_SVG_EXPANDED = 200_000
_REFUSED_ELEMENTS = frozenset({"script", "foreignobject", "handler", "listener", "iframe", "embed", "object",
                               "audio", "video", "canvas"})
_ANIMATIONS = frozenset({"animate", "set", "animatemotion", "animatetransform", "animatecolor"})
# Filter settings whose cost grows with the square of the value for every pixel: one such number stalls resvg.
_FILTER_LIMITS = {("feconvolvematrix", "order"): 9, ("femorphology", "radius"): 16,
                  ("feturbulence", "numoctaves"): 10}
_NUMBER = re.compile(r"[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?")
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|jpg|webp|gif)[;,]", re.IGNORECASE)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_INVISIBLE = re.compile(r"[\x00-\x20]+")
_LENGTH = re.compile(r"\s*([+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(px|pt|pc|mm|cm|in|em|ex)?\s*")
# CSS units in pixels at 96 dpi and a 16 px font, as resvg (told so below) and browsers resolve them.
_DPI, _FONT_SIZE = 96, 16
_UNITS = {None: 1.0, "px": 1.0, "pt": _DPI / 72, "pc": _DPI / 6, "mm": _DPI / 25.4, "cm": _DPI / 2.54,
          "in": float(_DPI), "em": float(_FONT_SIZE), "ex": _FONT_SIZE / 2}


@dataclass
class _Decoded:
    image: Any
    format: str
    frames: int
    has_alpha: bool
    # An SVG's own size; its `image` is a rendering, possibly smaller.
    size: tuple[int, int] | None = None

    def info(self) -> ImageInfo:
        width, height = self.size or self.image.size
        return ImageInfo(width, height, CONTENT_TYPES[self.format], self.frames, self.has_alpha)


@dataclass(frozen=True)
class _Svg:
    text: str
    width: int
    height: int


class PillowImageCodec:
    """Accepts PNG, JPEG, WebP, GIF (animated too) and SVG, fully decoded, with bombs of every kind refused.

    Uploads (sanitize) stay PNG, JPEG and WebP only.
    """

    def __init__(self, max_pixels: int = 4096 * 4096, max_animation_pixels: int = 64 * 1024 * 1024,
                 max_frames: int = 500) -> None:
        self._max_pixels = max_pixels
        self._max_animation_pixels = max_animation_pixels
        self._max_frames = max_frames

    def inspect(self, data: bytes) -> ImageInfo:
        """Decodes every pixel of every frame (an SVG is checked, then rendered small), and describes the image."""
        decoded = self._decode(data, RASTER_FORMATS, svg_side=256)
        with decoded.image:
            return decoded.info()

    def sanitize(self, data: bytes, max_side: int) -> tuple[bytes, ImageInfo]:
        """Re-encodes in the same format, upright per EXIF, with no EXIF, ICC, XMP, comments or text chunks."""
        decoded = self._decode(data, UPLOAD_FORMATS)
        with decoded.image as image:
            if image.width > max_side or image.height > max_side:
                raise InvalidImage(f"Images are at most {max_side} pixels a side.")
            clean = _upright_without_metadata(image)
        out = io.BytesIO()
        if decoded.format == "JPEG":
            clean.save(out, format="JPEG", quality=92)
        elif decoded.format == "WEBP":
            clean.save(out, format="WEBP", quality=90)
        else:
            clean.save(out, format="PNG", optimize=True)
        return out.getvalue(), ImageInfo(clean.width, clean.height, CONTENT_TYPES[decoded.format],
                                         has_alpha=decoded.has_alpha, dhash=difference_hash(clean))

    def thumbnail(self, data: bytes, max_side: int = 256) -> bytes:
        """A WebP preview at most max_side on its long side, keeping the aspect ratio; a GIF's first frame."""
        return self.inspect_with_thumbnail(data, max_side)[1]

    def inspect_with_thumbnail(self, data: bytes, max_side: int = 256) -> tuple[ImageInfo, bytes]:
        """inspect() and thumbnail() from a single decode, for the worker's hot path."""
        decoded = self._decode(data, RASTER_FORMATS, svg_side=max_side)
        with decoded.image as image:
            info = dataclasses.replace(decoded.info(), dhash=difference_hash(image))
            return info, _thumbnail_of(image, max_side)

    def dhash(self, data: bytes) -> int:
        """The picture's 64-bit difference hash as a signed integer (a GIF's first frame, an SVG rendered small)."""
        decoded = self._decode(data, RASTER_FORMATS, svg_side=256)
        with decoded.image as image:
            return difference_hash(image)

    def convert(self, data: bytes, fmt: str, width: int, quality: int) -> bytes:
        """The picture as png, jpeg or webp, scaled down to width (aspect kept, never enlarged).

        Alpha is kept in PNG and WebP and laid on white for JPEG; a GIF gives its first frame, an SVG is rendered.
        """
        from PIL import Image

        if fmt not in CONVERT_FORMATS:
            raise ValueError(f"convert() makes {', '.join(CONVERT_FORMATS)}, not {fmt!r}")
        svg = self._svg_or_none(data)
        if svg is not None:
            clean = _rasterize(svg, min(width, svg.width))
        else:
            decoded = self._decode(data, RASTER_FORMATS)
            with decoded.image as image:
                clean = _upright_without_metadata(image)
            if width < clean.width:
                height = max(1, round(clean.height * width / clean.width))
                # Pillow resizes palette and bilevel images by nearest neighbour only.
                if clean.mode not in ("L", "LA", "RGB", "RGBA", "I", "F", "CMYK"):
                    clean = clean.convert("RGBA" if _has_alpha_channel(clean) else "RGB")
                clean = clean.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        has_alpha = _has_alpha_channel(clean)
        out = io.BytesIO()
        if fmt == "jpeg":
            _on_white(clean).save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
        elif fmt == "webp":
            clean.convert("RGBA" if has_alpha else "RGB").save(out, format="WEBP", quality=quality, method=4)
        else:
            if clean.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                clean = clean.convert("RGBA" if has_alpha else "RGB")
            clean.save(out, format="PNG")
        return out.getvalue()

    def to_png(self, data: bytes) -> bytes:
        """The same picture as a PNG, upright and without metadata (a GIF's first frame, an SVG rendered)."""
        svg = self._svg_or_none(data)
        if svg is not None:
            clean = _rasterize(svg, svg.width)
        else:
            decoded = self._decode(data, RASTER_FORMATS)
            with decoded.image as image:
                clean = _upright_without_metadata(image)
        if clean.mode not in ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"):
            clean = clean.convert("RGBA" if "A" in clean.mode else "RGB")
        return _png(clean)

    def extend_canvas(self, data: bytes, left: int, right: int, top: int, bottom: int) -> tuple[bytes, bytes]:
        """The picture on a larger transparent canvas, and the mask of the added area (alpha 0 there, 255 on the
        picture), both PNGs of the new size, for an outpaint."""
        from PIL import Image

        with Image.open(io.BytesIO(self.to_png(data))) as opened:
            picture = opened.convert("RGBA")
        size = (picture.width + left + right, picture.height + top + bottom)
        canvas = Image.new("RGBA", size, (0, 0, 0, 0))
        canvas.paste(picture, (left, top))
        mask = Image.new("RGBA", size, (0, 0, 0, 0))
        mask.paste(Image.new("RGBA", picture.size, (0, 0, 0, 255)), (left, top))
        return _png(canvas), _png(mask)

    def resize(self, data: bytes, width: int, height: int) -> bytes:
        """The picture resized (Lanczos) to exactly width x height, as a PNG keeping its alpha."""
        from PIL import Image

        with Image.open(io.BytesIO(self.to_png(data))) as opened:
            picture = opened.convert("RGBA" if _has_alpha_channel(opened) else "RGB")
        return _png(picture.resize((width, height), Image.Resampling.LANCZOS))

    def _svg_or_none(self, data: bytes) -> _Svg | None:
        if not _looks_like_xml(data):
            return None
        return check_svg(data, self._max_pixels)

    def _decode(self, data: bytes, formats: tuple[str, ...], svg_side: int | None = None) -> _Decoded:
        if not data:
            raise InvalidImage("The file is empty.")
        if svg_side is not None and _looks_like_xml(data):
            svg = check_svg(data, self._max_pixels)
            scale = min(1.0, svg_side / max(svg.width, svg.height))
            image = _rasterize(svg, round(svg.width * scale))
            return _Decoded(image, "SVG", 1, _alpha_in_use(image), (svg.width, svg.height))
        return self._decode_raster(data, formats)

    def _decode_raster(self, data: bytes, formats: tuple[str, ...]) -> _Decoded:
        from PIL import Image

        refusal = ("The file is not a PNG, JPEG or WebP image." if formats == UPLOAD_FORMATS
                   else "The file is not a PNG, JPEG, WebP, GIF or SVG image.")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image = Image.open(io.BytesIO(data), formats=list(formats))
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise InvalidImage("The image has too many pixels.") from None
            except Exception:  # noqa: BLE001 - Pillow raises many types on hostile input; all mean "not an image we take"
                raise InvalidImage(refusal) from None
            opened_as = image.format or ""
            image_format = _FORMAT_ALIASES.get(opened_as, opened_as)
            if image_format not in formats:
                image.close()
                raise InvalidImage(refusal)
            if image.width * image.height > self._max_pixels:
                image.close()
                raise InvalidImage("The image has too many pixels.")
            try:
                if image_format == "GIF":
                    first, frames = self._load_frames(image)
                    image.close()
                    image = first
                else:
                    image.load()
                    frames = 1
            except InvalidImage:
                image.close()
                raise
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                image.close()
                raise InvalidImage("The image has too many pixels.") from None
            except Exception:  # noqa: BLE001 - as on opening: whatever a decoder raises means damaged data
                image.close()
                raise InvalidImage("The image data is damaged or incomplete.") from None
        return _Decoded(image, image_format, frames, _alpha_in_use(image))

    def _load_frames(self, image: Any) -> tuple[Any, int]:
        """Decodes every frame of an animation, refusing one whose frames x pixels pass the limit before decoding it."""
        frames, first = 0, None
        while True:
            frames += 1
            if frames > self._max_frames or frames * image.width * image.height > self._max_animation_pixels:
                raise InvalidImage("The animation has too many frames or pixels.")
            image.load()
            if first is None:
                first = image.copy()
            try:
                image.seek(image.tell() + 1)
            except EOFError:
                return first, frames


def check_svg(data: bytes, max_pixels: int) -> _Svg:
    """Parses an SVG without ever resolving anything, and refuses what could run, fetch or explode.

    Refused: DOCTYPE and entity declarations, processing instructions, scripts, event-handler attributes,
    javascript: values, foreignObject and other embedding elements, references that leave the document
    (an href not starting with '#' or data:image/, a url() not starting with '#', CSS @import) and
    <use> chains that multiply into too many elements.
    """
    if len(data) > MAX_SVG_BYTES:
        raise InvalidImage("The SVG file is too large.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidImage("An SVG must be UTF-8.") from None
    walker = _SvgWalker(max_pixels)
    # The encoding is fixed: a declared one must not make expat and resvg read different documents.
    parser = expat.ParserCreate(encoding="UTF-8", namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = walker.refuse_doctype
    parser.EntityDeclHandler = walker.refuse_entity
    parser.ExternalEntityRefHandler = walker.refuse_entity
    parser.ProcessingInstructionHandler = walker.refuse_instruction
    parser.StartElementHandler = walker.start
    parser.EndElementHandler = walker.end
    parser.CharacterDataHandler = walker.characters
    try:
        parser.Parse(text.encode("utf-8"), True)
    except expat.ExpatError:
        raise InvalidImage("The SVG is not well-formed XML.") from None
    except RecursionError:
        raise InvalidImage("The SVG is nested too deeply.") from None
    walker.check_expansion()
    width, height = _svg_size(walker.root_attributes)
    if width * height > max_pixels:
        raise InvalidImage("The image has too many pixels.")
    return _Svg(text, width, height)


class _SvgWalker:
    """Expat callbacks that refuse as soon as they see something unsafe, and record the reference graph."""

    def __init__(self, max_pixels: int) -> None:
        self.max_pixels = max_pixels
        self.embedded_pixels = 0
        self.root_attributes: dict[str, str] | None = None
        self.depth = 0
        self.count = 0
        self.in_metadata = 0
        self.style_depth = 0
        self.stack: list[int] = []
        self.children: list[list[int]] = []
        self.references: list[list[str]] = []
        self.ids: dict[str, int] = {}

    def refuse_doctype(self, *_: Any) -> NoReturn:
        raise InvalidImage("SVGs with a DOCTYPE are refused.")

    def refuse_entity(self, *_: Any) -> NoReturn:
        raise InvalidImage("SVGs with entities are refused.")

    def refuse_instruction(self, *_: Any) -> NoReturn:
        raise InvalidImage("SVGs with processing instructions are refused.")

    def start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        lowered = local.lower()
        self.count += 1
        self.depth += 1
        if self.count > MAX_SVG_ELEMENTS or self.depth > MAX_SVG_DEPTH:
            raise InvalidImage("The SVG has too many elements or is nested too deeply.")
        if self.root_attributes is None:
            if (namespace, local) != (SVG_NS, "svg"):
                raise InvalidImage("The file is not an SVG image.")
            self.root_attributes = attributes
        if lowered in _REFUSED_ELEMENTS:
            raise InvalidImage(f"SVGs with <{local}> are refused.")
        if namespace != SVG_NS and not self.in_metadata:
            raise InvalidImage("SVGs with elements from other XML vocabularies are refused.")
        if lowered == "metadata" or self.in_metadata:
            self.in_metadata += 1
        if lowered == "style" or self.style_depth:
            self.style_depth += 1
        node = len(self.children)
        self.children.append([])
        self.references.append([])
        if self.stack:
            self.children[self.stack[-1]].append(node)
        self.stack.append(node)
        for attribute, value in attributes.items():
            attribute_namespace, _, attribute_local = attribute.rpartition(" ")
            # Browsers read un-namespaced (presentation) attributes as CSS, where escapes can spell url( or @import.
            if not attribute_namespace and "\\" in value:
                raise InvalidImage("SVGs with backslashes in attributes are refused.")
            self._check_attribute(node, lowered, attribute_local.lower(), value)

    def end(self, name: str) -> None:
        self.depth -= 1
        self.stack.pop()
        if self.in_metadata:
            self.in_metadata -= 1
        if self.style_depth:
            self.style_depth -= 1

    def characters(self, data: str) -> None:
        if self.style_depth:
            self._check_css(self.stack[-1], data)

    def _check_attribute(self, node: int, element: str, attribute: str, value: str) -> None:
        squeezed = _INVISIBLE.sub("", value).lower()
        if attribute.startswith("on"):
            raise InvalidImage("SVGs with event-handler attributes are refused.")
        if "javascript:" in squeezed or "vbscript:" in squeezed:
            raise InvalidImage("SVGs with script URLs are refused.")
        if element in _ANIMATIONS and attribute == "attributename":
            target = squeezed.rpartition(":")[2]
            if target == "href" or target.startswith("on"):
                raise InvalidImage("SVGs that animate links or event handlers are refused.")
        limit = _FILTER_LIMITS.get((element, attribute))
        if limit is not None and any(float(number) > limit for number in _NUMBER.findall(value)):
            raise InvalidImage(f"SVGs with {attribute} over {limit} on <{element}> are refused.")
        if attribute == "id":
            self.ids.setdefault(value.strip(), node)
        elif attribute == "href":
            reference = value.strip()
            if reference.startswith("#"):
                self.references[node].append(reference[1:])
            elif _DATA_IMAGE.match(reference):
                self._check_embedded(reference)
            else:
                raise InvalidImage("SVGs that refer to other files or sites are refused.")
        elif attribute == "style" or "url(" in squeezed:
            self._check_css(node, value)

    def _check_embedded(self, uri: str) -> None:
        """An embedded picture is read to its header: resvg would decode a pixel bomb without asking."""
        from PIL import Image

        header, _, payload = uri.partition(",")
        if not header.lower().endswith(";base64"):
            raise InvalidImage("Pictures embedded in an SVG must be base64.")
        try:
            raw = base64.b64decode(_INVISIBLE.sub("", payload), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidImage("A picture embedded in the SVG is not valid base64.") from None
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                with Image.open(io.BytesIO(raw), formats=list(RASTER_FORMATS)) as picture:
                    self.embedded_pixels += picture.width * picture.height
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise InvalidImage("The pictures embedded in the SVG have too many pixels.") from None
            except Exception:  # noqa: BLE001 - as in _decode_raster: any failure to read the header is a refusal
                raise InvalidImage("A picture embedded in the SVG is not a PNG, JPEG, WebP or GIF.") from None
        if self.embedded_pixels > self.max_pixels:
            raise InvalidImage("The pictures embedded in the SVG have too many pixels.")

    def _check_css(self, node: int, css: str) -> None:
        squeezed = _INVISIBLE.sub("", css).lower()
        if any(word in squeezed for word in ("@import", "javascript:", "expression(", "\\")):
            raise InvalidImage("SVGs with style sheets that load or run anything are refused.")
        for _, target in _URL.findall(css):
            target = target.strip()
            if not target.startswith("#"):
                raise InvalidImage("SVGs that refer to other files or sites are refused.")
            self.references[node].append(target[1:])
        # CSS ends an unclosed url( at the end of the text; such a reference would slip past the pattern above.
        if squeezed.count("url(") != len(_URL.findall(css)):
            raise InvalidImage("SVGs with malformed url() references are refused.")

    def check_expansion(self) -> None:
        """Counts the elements a renderer would draw with every reference followed; refuses cycles and bombs."""
        if self.root_attributes is None:
            raise InvalidImage("The file is not an SVG image.")
        size: dict[int, int] = {}
        visiting: set[int] = set()
        stack: list[tuple[int, bool]] = [(0, False)]
        while stack:
            node, done = stack.pop()
            if node in size:
                continue
            edges = self.children[node] + [self.ids[r] for r in self.references[node] if r in self.ids]
            if done:
                visiting.discard(node)
                total = 1 + sum(size[edge] for edge in edges)
                if total > MAX_SVG_EXPANDED:
                    raise InvalidImage("The SVG expands into too many elements.")
                size[node] = total
                continue
            if node in visiting:
                raise InvalidImage("The SVG refers to itself.")
            visiting.add(node)
            stack.append((node, True))
            for edge in edges:
                if edge in visiting:
                    raise InvalidImage("The SVG refers to itself.")
                if edge not in size:
                    stack.append((edge, False))


def _svg_size(attributes: dict[str, str] | None) -> tuple[int, int]:
    """The document's size in pixels as resvg sizes it: width and height, a percentage of the viewBox, or the
    viewBox (its aspect kept) for what they leave out."""
    attributes = attributes or {}
    box = _view_box(attributes.get("viewBox"))
    width = _length(attributes.get("width"), box[0] if box else None)
    height = _length(attributes.get("height"), box[1] if box else None)
    if box is not None:
        if width is not None and height is None:
            height = width * box[1] / box[0]
        elif height is not None and width is None:
            width = height * box[0] / box[1]
        elif width is None and height is None:
            width, height = box
    if width is None or height is None:
        raise InvalidImage("The SVG has no width, height or viewBox.")
    if not (width > 0 and height > 0 and math.isfinite(width) and math.isfinite(height)):
        raise InvalidImage("The SVG has no area.")
    if width * height > 1e12:
        raise InvalidImage("The image has too many pixels.")
    return max(1, round(width)), max(1, round(height))


def _view_box(value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        _, _, width, height = (float(part) for part in value.replace(",", " ").split())
    except ValueError:
        raise InvalidImage("The SVG's viewBox is not four numbers.") from None
    if not (width > 0 and height > 0 and math.isfinite(width * height)):
        raise InvalidImage("The SVG's viewBox is empty.")
    return width, height


def _length(value: str | None, whole: float | None) -> float | None:
    """A length in pixels, a percentage of `whole`; None for a missing or unreadable one."""
    if value is None:
        return None
    if value.strip().endswith("%") and whole is not None:
        try:
            return float(value.strip()[:-1]) * whole / 100
        except ValueError:
            return None
    match = _LENGTH.fullmatch(value)
    if not match:
        return None
    return float(match.group(1)) * _UNITS[match.group(2)]


def _looks_like_xml(data: bytes) -> bool:
    # PNG, JPEG, WebP and GIF signatures never start with '<'; text that does is treated as (and must be) SVG.
    return data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"<"


def _rasterize(svg: _Svg, width: int) -> Any:
    """Renders a checked SVG with resvg at width pixels (height from the aspect), as an RGBA image."""
    import resvg_py
    from PIL import Image

    width = max(1, width)
    height = max(1, round(svg.height * width / svg.width))
    try:
        png = resvg_py.svg_to_bytes(svg_string=svg.text, width=width, dpi=_DPI, font_size=_FONT_SIZE,
                                    skip_system_fonts=True,
                                    font_files=[_font_file()], font_family=_FONT, serif_family=_FONT,
                                    sans_serif_family=_FONT, cursive_family=_FONT, fantasy_family=_FONT,
                                    monospace_family=_FONT)
    except Exception:  # noqa: BLE001 - resvg reports unrenderable documents as plain exceptions
        raise InvalidImage("The SVG could not be rendered.") from None
    image: Image.Image = Image.open(io.BytesIO(bytes(png)))
    image.load()
    if image.mode != "RGBA":
        image = image.convert("RGBA")
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.BICUBIC)
    return image


_FONT = "Aileron"
_font_path: str | None = None


def _font_file() -> str:
    """Pillow's bundled Aileron, written once per container: the same text on a laptop and on Lambda (no fonts).

    resvg reads fonts from files only; a copy that a /tmp cleaner removed is written again.
    """
    global _font_path
    if _font_path is None or not os.path.exists(_font_path):
        from PIL import ImageFont

        font = ImageFont.load_default(size=12)
        handle, path = tempfile.mkstemp(prefix="pixmint-aileron-", suffix=".ttf")
        with os.fdopen(handle, "wb") as out:
            out.write(font.font_bytes)  # type: ignore[union-attr]  # FreeType's default font keeps its bytes
        _font_path = path
    return _font_path


def _png(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _has_alpha_channel(image: Any) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _alpha_in_use(image: Any) -> bool:
    """True when some pixel is less than fully opaque, not merely when the format could say so."""
    if not _has_alpha_channel(image):
        return False
    alpha = image.getchannel("A") if image.mode in ("RGBA", "LA", "PA") else image.convert("RGBA").getchannel("A")
    return bool(alpha.getextrema()[0] < 255)


def _on_white(image: Any) -> Any:
    from PIL import Image

    if not _has_alpha_channel(image):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (*_WHITE, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


HASH_SIDE = 8  # 8 rows of 8 comparisons: 64 bits


def difference_hash(image: Any) -> int:
    """The dHash of a picture (Krawetz's, as imagehash computes it): shrunk to 9x8 and grey, one bit per pair of
    neighbours in a row (1 where the right is brighter), first row first; returned signed, to fit a bigint."""
    from PIL import Image

    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if _has_alpha_channel(image) else "RGB")
    # Shrinking first keeps this cheap on a 4096x4096 picture; transparency counts as white, as the gallery shows it.
    small = image.resize((HASH_SIDE + 1, HASH_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    grey = _on_white(small).convert("L")
    pixels = grey.tobytes()
    value = 0
    for row in range(HASH_SIDE):
        for column in range(HASH_SIDE):
            left, right = pixels[row * (HASH_SIDE + 1) + column], pixels[row * (HASH_SIDE + 1) + column + 1]
            value = (value << 1) | (right > left)
    return value - (1 << 64) if value >= 1 << 63 else value


def _thumbnail_of(image: Any, max_side: int) -> bytes:
    """Shrinks first, in place, so rotating and converting touch only the small picture."""
    from PIL import Image

    has_alpha = _has_alpha_channel(image)
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
