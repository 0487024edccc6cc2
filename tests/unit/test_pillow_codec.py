from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from chalicelib.adapters.pillow_codec import PillowImageCodec
from chalicelib.domain.imaging import ImageInfo, InvalidImage

ORIENTATION, MAKE = 0x0112, 0x010F


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def halves(width: int = 40, height: int = 20) -> Image.Image:
    """Red on the left half, blue on the right."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height))
    return image


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height but holds almost no pixel data: what a decompression bomb looks like."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def exif_with(**tags: object) -> Image.Exif:
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[{"orientation": ORIENTATION, "make": MAKE}[tag]] = value
    return exif


SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@pytest.fixture
def codec() -> PillowImageCodec:
    return PillowImageCodec()


@pytest.mark.parametrize("fmt, content_type", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_inspect_describes_png_jpeg_and_webp(codec, fmt, content_type):
    assert codec.inspect(encode(halves(64, 48), fmt)) == ImageInfo(64, 48, content_type)


@pytest.mark.parametrize("data", [
    encode(halves(), "BMP"),
    encode(halves(), "TIFF"),
    b'<svg width="10" height="10"><rect width="10" height="10"/></svg>',
    b"<html><body>not a picture</body></html>",
    b"",
    bytes(range(256)) * 8,
    encode(halves(200, 200), "PNG")[:-200],
    encode(halves(200, 200), "JPEG")[:400],
    encode(halves(200, 200), "WEBP")[:60],
    b"\x89PNG\r\n\x1a\n",
], ids=["bmp", "tiff", "svg-without-namespace", "html", "empty", "random", "truncated-png", "truncated-jpeg",
        "truncated-webp", "png-signature-only"])
def test_anything_else_is_invalid(codec, data):
    with pytest.raises(InvalidImage):
        codec.inspect(data)


def test_more_pixels_than_the_codec_allows_is_invalid():
    data = encode(halves(200, 200), "PNG")

    with pytest.raises(InvalidImage):
        PillowImageCodec(max_pixels=100 * 100).inspect(data)
    assert PillowImageCodec(max_pixels=200 * 200).inspect(data).width == 200


@pytest.mark.parametrize("width, height", [(10_000, 9_000), (20_000, 20_000)], ids=["bomb-warning", "bomb-error"])
def test_pillow_decompression_bomb_guard_is_invalid_not_a_warning(width, height):
    with pytest.raises(InvalidImage):
        PillowImageCodec(max_pixels=10**12).inspect(png_header_only(width, height))


def test_sanitized_jpeg_has_no_exif_icc_or_comment(codec):
    original = encode(halves(), "JPEG", exif=exif_with(make="SpyCam 3000"), icc_profile=SRGB_ICC,
                      comment=b"secret comment")
    assert b"SpyCam 3000" in original and b"secret comment" in original

    clean, info = codec.sanitize(original, max_side=4096)

    assert info == ImageInfo(40, 20, "image/jpeg")
    for needle in (b"Exif", b"SpyCam 3000", b"secret comment", b"ICC_PROFILE"):
        assert needle not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == "JPEG"
        assert not dict(image.getexif())
        assert not {"exif", "icc_profile", "comment", "xmp"} & set(image.info)


def test_sanitized_png_has_no_text_chunks_exif_or_icc(codec):
    text = PngInfo()
    text.add_text("Author", "Jane Doe")
    text.add_itxt("Description", "home address")
    original = encode(halves(), "PNG", pnginfo=text, icc_profile=SRGB_ICC, exif=exif_with(make="SpyCam 3000"))

    clean, info = codec.sanitize(original, max_side=4096)

    assert info == ImageInfo(40, 20, "image/png")
    for needle in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"Jane Doe", b"SpyCam"):
        assert needle not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == "PNG" and not image.text and not dict(image.getexif())


def test_sanitized_webp_has_no_exif_or_icc(codec):
    original = encode(halves(), "WEBP", exif=exif_with(make="SpyCam 3000"), icc_profile=SRGB_ICC)

    clean, info = codec.sanitize(original, max_side=4096)

    assert info.content_type == "image/webp"
    for needle in (b"EXIF", b"ICCP", b"SpyCam"):
        assert needle not in clean


def test_sanitize_turns_the_picture_upright_from_its_exif_orientation(codec):
    # Orientation 6: the stored pixels must turn 90 degrees clockwise to display, so red ends up on top.
    original = encode(halves(40, 20), "JPEG", exif=exif_with(orientation=6))

    clean, info = codec.sanitize(original, max_side=4096)

    assert (info.width, info.height) == (20, 40)
    with Image.open(io.BytesIO(clean)) as image:
        top, bottom = image.getpixel((10, 5)), image.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


def test_sanitize_keeps_palette_transparency(codec):
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    original = encode(image, "PNG", transparency=1)

    clean, _ = codec.sanitize(original, max_side=64)

    with Image.open(io.BytesIO(clean)) as result:
        assert result.convert("RGBA").getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("size", [(300, 100), (100, 300)])
def test_sanitize_rejects_a_side_over_the_limit(codec, size):
    with pytest.raises(InvalidImage):
        codec.sanitize(encode(halves(*size), "PNG"), max_side=200)


def test_sanitize_rejects_what_inspect_rejects(codec):
    with pytest.raises(InvalidImage):
        codec.sanitize(encode(halves(), "BMP"), max_side=4096)


@pytest.mark.parametrize("data", [encode(halves(), "GIF"), b'<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                                  b'height="10"><rect width="10" height="10"/></svg>'], ids=["gif", "svg"])
def test_uploads_stay_png_jpeg_and_webp_even_though_inspect_reads_gif_and_svg(codec, data):
    assert codec.inspect(data).content_type in ("image/gif", "image/svg+xml")
    with pytest.raises(InvalidImage):
        codec.sanitize(data, max_side=4096)


@pytest.mark.parametrize("size, expected", [((1000, 500), (256, 128)), ((500, 1000), (128, 256)),
                                            ((100, 50), (100, 50))])
def test_thumbnail_is_webp_within_the_box_keeping_aspect(codec, size, expected):
    thumbnail = codec.thumbnail(encode(halves(*size), "JPEG"))

    assert codec.inspect(thumbnail) == ImageInfo(*expected, "image/webp")


def test_thumbnail_keeps_transparency_and_honours_max_side(codec):
    thumbnail = codec.thumbnail(encode(Image.new("RGBA", (300, 300), (0, 0, 0, 0)), "PNG"), max_side=64)

    with Image.open(io.BytesIO(thumbnail)) as image:
        assert image.size == (64, 64) and image.mode == "RGBA"


@pytest.mark.parametrize("image, fmt", [(halves(), "JPEG"), (halves(), "WEBP"), (halves().convert("CMYK"), "JPEG")],
                         ids=["jpeg", "webp", "cmyk-jpeg"])
def test_to_png_converts_keeping_the_size(codec, image, fmt):
    converted = codec.to_png(encode(image, fmt))

    assert codec.inspect(converted) == ImageInfo(40, 20, "image/png")


def transparent_square(size: int = 40) -> Image.Image:
    """Opaque red in the middle, alpha 0 around it."""
    image = Image.new("RGBA", (size, size), (0, 0, 255, 0))
    image.paste((255, 0, 0, 255), (size // 4, size // 4, size * 3 // 4, size * 3 // 4))
    return image


def alpha_at(data: bytes, xy: tuple[int, int]) -> int:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGBA").getpixel(xy)[3]


@pytest.mark.parametrize("image, fmt, expected", [
    (transparent_square(), "PNG", True),
    (transparent_square(), "WEBP", True),
    (Image.new("RGBA", (40, 40), (9, 9, 9, 255)), "PNG", False),
    (Image.new("LA", (40, 40), (9, 128)), "PNG", True),
    (halves(), "PNG", False),
    (halves(), "JPEG", False),
], ids=["rgba-png", "rgba-webp", "opaque-rgba-png", "grey-alpha-png", "rgb-png", "jpeg"])
def test_has_alpha_is_true_only_when_some_pixel_is_not_opaque(codec, image, fmt, expected):
    data = encode(image, fmt, **({"lossless": True} if fmt == "WEBP" else {}))

    assert codec.inspect(data).has_alpha is expected
    assert codec.inspect_with_thumbnail(data)[0].has_alpha is expected


def test_palette_transparency_counts_as_alpha(codec):
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)

    assert codec.inspect(encode(image, "PNG", transparency=1)).has_alpha is True


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_convert_keeps_alpha_in_png_and_webp(codec, fmt):
    converted = codec.convert(encode(transparent_square(), "PNG"), fmt, 20, 90)

    assert alpha_at(converted, (0, 0)) == 0 and alpha_at(converted, (10, 10)) == 255
    assert codec.inspect(converted).has_alpha is True


def test_convert_to_jpeg_lays_transparency_on_white(codec):
    converted = codec.convert(encode(transparent_square(), "PNG"), "jpeg", 40, 95)

    with Image.open(io.BytesIO(converted)) as image:
        corner, middle = image.getpixel((1, 1)), image.getpixel((20, 20))
    assert min(corner) > 240
    assert middle[0] > 200 and middle[1] < 60 and middle[2] < 60


def test_convert_refuses_formats_it_cannot_make(codec):
    with pytest.raises(ValueError):
        codec.convert(encode(halves(), "PNG"), "gif", 40, 90)


# GIF

def animation(frames: int, size: tuple[int, int] = (60, 40), **options) -> bytes:
    """Frame 0 red, then blue, green, ... each a full different colour."""
    colours = [(255, 0, 0), (0, 0, 255), (0, 255, 0), (255, 255, 0), (0, 255, 255)]
    pictures = [Image.new("RGB", size, colours[i % len(colours)]).quantize(4) for i in range(frames)]
    return encode(pictures[0], "GIF", save_all=True, append_images=pictures[1:], loop=0, duration=80, **options)


@pytest.mark.parametrize("frames", [1, 2, 9, 16])
def test_inspect_counts_the_frames_of_a_gif(codec, frames):
    assert codec.inspect(animation(frames)) == ImageInfo(60, 40, "image/gif", frames=frames)


def test_a_gif_with_a_transparent_first_frame_has_alpha(codec):
    first = transparent_square().quantize(4)
    data = encode(first, "GIF", transparency=first.getpixel((0, 0)))

    assert codec.inspect(data).has_alpha is True


def test_a_gif_whose_frames_times_pixels_pass_the_cap_is_refused():
    data = animation(10, (100, 100))

    with pytest.raises(InvalidImage):
        PillowImageCodec(max_animation_pixels=9 * 100 * 100).inspect(data)
    with pytest.raises(InvalidImage):
        PillowImageCodec(max_frames=9).inspect(data)
    assert PillowImageCodec(max_animation_pixels=10 * 100 * 100, max_frames=10).inspect(data).frames == 10


def test_a_gif_bomb_of_many_frames_is_refused_by_default(codec):
    # 300 frames of 512x512 = 78.6 million pixels to decode, from a small file.
    frames = [Image.new("P", (512, 512), i % 2) for i in range(300)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], optimize=False)
    assert len(data) < 2_000_000

    with pytest.raises(InvalidImage):
        codec.inspect(data)


def test_a_truncated_animation_is_damaged(codec):
    data = animation(9, (200, 200))

    with pytest.raises(InvalidImage):
        codec.inspect(data[: len(data) * 2 // 3])


def test_gif_thumbnail_is_a_webp_of_the_first_frame(codec):
    data = animation(5, (600, 400))

    info, thumbnail = codec.inspect_with_thumbnail(data)

    assert info == ImageInfo(600, 400, "image/gif", frames=5)
    assert codec.inspect(thumbnail) == ImageInfo(256, 171, "image/webp")
    assert codec.thumbnail(data, max_side=64) == codec.inspect_with_thumbnail(data, max_side=64)[1]
    with Image.open(io.BytesIO(thumbnail)) as image:
        red = image.convert("RGB").getpixel((128, 85))
    assert red[0] > 200 and red[2] < 60


@pytest.mark.parametrize("fmt, content_type", [("png", "image/png"), ("jpeg", "image/jpeg"), ("webp", "image/webp")])
def test_convert_takes_the_first_frame_of_a_gif(codec, fmt, content_type):
    converted = codec.convert(animation(4, (300, 200)), fmt, 150, 90)

    assert codec.inspect(converted) == ImageInfo(150, 100, content_type)
    with Image.open(io.BytesIO(converted)) as image:
        red = image.convert("RGB").getpixel((75, 50))
    assert red[0] > 200 and red[2] < 60


def test_to_png_of_a_gif_is_its_first_frame(codec):
    assert codec.inspect(codec.to_png(animation(3))) == ImageInfo(60, 40, "image/png")


# SVG

def svg(body: str = '<rect width="100%" height="100%" fill="#ff0000"/>', attributes: str = 'width="300" height="200"',
        prologue: str = "") -> bytes:
    return (f'{prologue}<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f"{attributes}>{body}</svg>").encode()


@pytest.mark.parametrize("data, size", [
    (svg(), (300, 200)),
    (svg(attributes='viewBox="0 0 640 480"'), (640, 480)),
    (svg(attributes='width="320" viewBox="0 0 640 480"'), (320, 240)),
    (svg(attributes='height="100%" width="50%" viewBox="0,0,64,32"'), (32, 32)),
    (svg(attributes='width="1in" height="2.54cm"'), (96, 96)),
    (svg(attributes='width="12.4px" height="30pt"'), (12, 40)),
    (b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n' + svg(), (300, 200)),
], ids=["width-height", "viewbox", "width-and-viewbox", "percent", "inches-cm", "px-pt", "bom-declaration-comment"])
def test_inspect_reads_an_svgs_size_from_width_height_or_viewbox(codec, data, size):
    info = codec.inspect(data)

    assert (info.width, info.height, info.content_type, info.frames) == (*size, "image/svg+xml", 1)
    with Image.open(io.BytesIO(codec.to_png(data))) as rendered:
        assert rendered.size == size


def test_an_svg_with_a_transparent_background_has_alpha(codec):
    assert codec.inspect(svg('<circle cx="150" cy="100" r="50" fill="red"/>')).has_alpha is True
    assert codec.inspect(svg()).has_alpha is False


HOSTILE_SVGS = {
    "doctype": svg(prologue='<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
                            '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'),
    "billion-laughs": svg("<text>&lol3;</text>", prologue='<!DOCTYPE svg [<!ENTITY lol "lol">'
                          '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                          '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'),
    "external-entity": svg("<text>&xxe;</text>", prologue='<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'),
    "stylesheet-instruction": svg(prologue='<?xml-stylesheet href="https://evil.example/x.css"?>'),
    "script": svg("<script>alert(1)</script>"),
    "script-in-cdata": svg("<script><![CDATA[alert(1)]]></script>"),
    "script-other-case": svg("<SCRIPT>alert(1)</SCRIPT>"),
    "onload": svg(attributes='width="300" height="200" onload="alert(1)"'),
    "onclick-on-child": svg('<rect width="9" height="9" onclick="alert(1)"/>'),
    "onmouseover-uppercase": svg('<rect width="9" height="9" ONMOUSEOVER="alert(1)"/>'),
    "foreign-object": svg('<foreignObject width="9" height="9"><div xmlns="http://www.w3.org/1999/xhtml">x</div>'
                          "</foreignObject>"),
    "xhtml-element": svg('<iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example"/>'),
    "other-vocabulary": svg('<x:thing xmlns:x="urn:x"/>'),
    "javascript-link": svg('<a href="javascript:alert(1)"><rect width="9" height="9"/></a>'),
    "javascript-link-obfuscated": svg('<a xlink:href=" java&#x09;script:alert(1)"><rect width="9" height="9"/></a>'),
    "external-image": svg('<image href="https://evil.example/track.png" width="9" height="9"/>'),
    "external-xlink-image": svg('<image xlink:href="//evil.example/track.png" width="9" height="9"/>'),
    "local-file-image": svg('<image href="file:///etc/passwd" width="9" height="9"/>'),
    "relative-image": svg('<image href="secret.png" width="9" height="9"/>'),
    "external-use": svg('<use href="https://evil.example/sprites.svg#icon"/>'),
    "embedded-pixel-bomb": svg('<image width="9" height="9" href="data:image/png;base64,'
                               + base64.b64encode(png_header_only(50_000, 50_000)).decode() + '"/>'),
    "embedded-too-many-pixels": svg("".join('<image width="9" height="9" href="data:image/png;base64,'
                                            + base64.b64encode(png_header_only(3000, 3000)).decode() + '"/>'
                                            for _ in range(2))),
    "embedded-not-base64": svg('<image width="9" height="9" href="data:image/png,%89PNG"/>'),
    "embedded-not-a-picture": svg('<image width="9" height="9" href="data:image/png;base64,aGVsbG8="/>'),
    "svg-data-uri": svg('<image href="data:image/svg+xml;base64,PHN2Zy8+" width="9" height="9"/>'),
    "html-data-uri": svg('<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"><rect width="9" '
                         'height="9"/></a>'),
    "external-fill": svg('<rect width="9" height="9" fill="url(https://evil.example/p.svg#g)"/>'),
    "external-style-attribute": svg('<rect width="9" height="9" style="fill: url(\'//evil.example/x#g\')"/>'),
    "css-escape": svg('<rect width="9" height="9" style="fill: \\75 rl(//evil.example/x#g)"/>'),
    "unclosed-url": svg('<rect width="9" height="9" style="fill: url(#a); stroke: url(https://evil.example/x"/>'),
    "huge-convolution": svg('<filter id="f"><feConvolveMatrix order="500" kernelMatrix="1"/></filter>'
                            '<rect width="9" height="9" filter="url(#f)"/>'),
    "huge-morphology": svg('<filter id="f"><feMorphology radius="1 400"/></filter>'
                           '<rect width="9" height="9" filter="url(#f)"/>'),
    "style-import": svg("<style>@import url(https://evil.example/x.css);</style>"),
    "style-import-string": svg('<style>@import "https://evil.example/x.css";</style>'),
    "style-font-face": svg("<style>@font-face { font-family: x; src: url(https://evil.example/f.woff) }</style>"),
    "animate-href": svg('<a><animate attributeName="href" values="https://evil.example"/>'
                        '<rect width="9" height="9"/></a>'),
    "set-xlink-href": svg('<a><set attributeName="xlink:href" to="#x"/><rect width="9" height="9"/></a>'),
    "set-event-handler": svg('<rect width="9" height="9"><set attributeName="onmouseover" to="alert(1)"/></rect>'),
    "use-bomb": svg('<defs><g id="a0"><rect width="1" height="1"/></g>'
                    + "".join(f'<g id="a{i}">' + f'<use href="#a{i - 1}"/>' * 10 + "</g>" for i in range(1, 7))
                    + '</defs><use href="#a6"/>'),
    "use-cycle": svg('<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>'),
    "use-self": svg('<g id="a"><use href="#a"/></g>'),
    "deep-nesting": svg("<g>" * 200 + "</g>" * 200),
    "too-big": svg(attributes='width="100000" height="100000"'),
    "no-size": svg(attributes=""),
    "empty-viewbox": svg(attributes='viewBox="0 0 0 10"'),
    "zero-width": svg(attributes='width="0" height="10"'),
    "not-utf8": svg("<text>caf\xe9</text>").decode().encode("latin-1"),
    "not-well-formed": svg()[:-10],
    "html-root": b'<html xmlns="http://www.w3.org/1999/xhtml"><body onload="alert(1)"/></html>',
}


@pytest.mark.parametrize("data", list(HOSTILE_SVGS.values()), ids=list(HOSTILE_SVGS))
def test_hostile_svgs_are_refused_everywhere(codec, data):
    for use in (codec.inspect, codec.thumbnail, codec.inspect_with_thumbnail, codec.to_png,
                lambda d: codec.convert(d, "png", 100, 90)):
        with pytest.raises(InvalidImage):
            use(data)


@pytest.mark.parametrize("body", [
    '<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>'
    '<rect width="300" height="200" fill="url(#g)" style="stroke: url( \'#g\' )"/>',
    '<defs><rect id="r" width="300" height="200" fill="red"/></defs><use href="#r"/><use xlink:href="#r"/>',
    '<image width="300" height="200" href="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAA'
    'DUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="/>',
    '<style>rect { fill: red; }</style><rect width="300" height="200"/>',
    '<filter id="f"><feGaussianBlur stdDeviation="40"/><feMorphology radius="2"/>'
    '<feConvolveMatrix order="3" kernelMatrix="0 1 0 1 1 1 0 1 0"/></filter>'
    '<rect width="300" height="200" fill="red" filter="url(#f)"/>',
    "<metadata><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/></metadata>"
    '<rect width="300" height="200" fill="red"/><a href="#top"><text x="9" y="9">ok</text></a>',
    '<defs><g id="a0"><rect width="1" height="1"/></g>'
    + "".join(f'<g id="a{i}">' + f'<use href="#a{i - 1}"/>' * 10 + "</g>" for i in range(1, 4))
    + '</defs><use href="#a3"/><rect width="300" height="200" fill="red"/>',
], ids=["local-url-references", "local-use", "png-data-uri", "style-sheet", "modest-filters",
        "metadata-and-local-link",
        "modest-use-fan-out"])
def test_ordinary_self_contained_svgs_are_accepted(codec, body):
    info = codec.inspect(svg(body))

    assert (info.width, info.height, info.content_type) == (300, 200, "image/svg+xml")
    assert codec.inspect(codec.to_png(svg(body))).width == 300


@pytest.mark.parametrize("attributes, expected", [('width="1536" height="1024"', (256, 171)),
                                                  ('width="1024" height="1536"', (171, 256)),
                                                  ('width="100" height="50"', (100, 50))])
def test_svg_thumbnail_is_a_rendered_webp_within_the_box(codec, attributes, expected):
    data = svg('<rect width="100%" height="100%" fill="#ff0000"/>', attributes)

    _info, thumbnail = codec.inspect_with_thumbnail(data)

    assert codec.inspect(thumbnail) == ImageInfo(*expected, "image/webp")
    assert codec.thumbnail(data) == thumbnail
    with Image.open(io.BytesIO(thumbnail)) as image:
        red = image.convert("RGB").getpixel((expected[0] // 2, expected[1] // 2))
    assert red[0] > 200 and red[1] < 60 and red[2] < 60


def test_svg_thumbnail_honours_max_side_and_keeps_transparency(codec):
    thumbnail = codec.thumbnail(svg('<circle cx="150" cy="100" r="40" fill="red"/>'), max_side=64)

    with Image.open(io.BytesIO(thumbnail)) as image:
        assert image.size == (64, 43) and image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0 and image.getpixel((32, 21))[3] == 255


def test_svg_text_renders_without_system_fonts(codec):
    blank = svg('<rect width="300" height="200" fill="#000"/>')
    lettered = svg('<rect width="300" height="200" fill="#000"/>'
                   '<text x="10" y="120" font-size="80" font-family="No Such Font" fill="#fff">Hello</text>')

    with Image.open(io.BytesIO(codec.to_png(lettered))) as image:
        assert image.convert("L").getextrema()[1] > 200
    assert codec.to_png(lettered) != codec.to_png(blank)


@pytest.mark.parametrize("fmt, content_type", [("png", "image/png"), ("jpeg", "image/jpeg"), ("webp", "image/webp")])
def test_convert_renders_an_svg_at_the_asked_width(codec, fmt, content_type):
    converted = codec.convert(svg('<circle cx="150" cy="100" r="90" fill="#ff0000"/>'), fmt, 150, 90)

    assert codec.inspect(converted).content_type == content_type
    with Image.open(io.BytesIO(converted)) as image:
        assert image.size == (150, 100)
        corner = image.convert("RGBA").getpixel((1, 1))
    if fmt == "jpeg":
        assert min(corner[:3]) > 240
    else:
        assert corner[3] == 0


def test_to_png_renders_an_svg_at_its_own_size(codec):
    assert codec.inspect(codec.to_png(svg())) == ImageInfo(300, 200, "image/png")


def test_an_svg_over_the_pixel_limit_is_refused():
    data = svg(attributes='width="300" height="200"')

    with pytest.raises(InvalidImage):
        PillowImageCodec(max_pixels=100 * 100).inspect(data)
