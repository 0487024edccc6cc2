from __future__ import annotations

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
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk


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
    encode(halves(), "GIF"),
    encode(halves(), "BMP"),
    encode(halves(), "TIFF"),
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    b"",
    bytes(range(256)) * 8,
    encode(halves(200, 200), "PNG")[:-200],
    encode(halves(200, 200), "JPEG")[:400],
    encode(halves(200, 200), "WEBP")[:60],
    b"\x89PNG\r\n\x1a\n",
], ids=["gif", "bmp", "tiff", "svg", "empty", "random", "truncated-png", "truncated-jpeg", "truncated-webp",
        "png-signature-only"])
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
        codec.sanitize(encode(halves(), "GIF"), max_side=4096)


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
