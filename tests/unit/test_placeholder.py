from __future__ import annotations

import io
import time
import xml.etree.ElementTree as ET

import pytest
from PIL import Image, ImageChops

from chalicelib.adapters.pillow_codec import PillowImageCodec
from chalicelib.adapters.placeholder_images import BANNER, BANNER_LEFT, BANNER_RIGHT, PlaceholderImageProvider, render
from chalicelib.domain.imaging import ImageInfo, ProviderError, ProviderRequest, ProviderResult

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert(1)</script> <!-- & "x" \' ]]> <?pi?> <!DOCTYPE x [<!ENTITY e "e">]>'


def request(**changes) -> ProviderRequest:
    values = dict(model="placeholder", prompt="a lighthouse at dusk", size="512x512", quality="low", n=1, seed=7)
    return ProviderRequest(**{**values, **changes})


def images(**changes) -> list[bytes]:
    result = PlaceholderImageProvider().generate(request(**changes))
    assert isinstance(result, ProviderResult) and result.usage is None
    assert all(image.error is None for image in result.images)
    return [image.data for image in result.images]


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("options", [dict(), dict(output_format="webp", background="transparent"),
                                     dict(output_format="jpeg"), dict(output_format="gif", frame_count=3),
                                     dict(output_format="svg")], ids=["png", "webp", "jpeg", "gif", "svg"])
def test_same_prompt_seed_and_index_give_identical_bytes(options):
    assert images(n=2, **options) == images(n=2, **options)


@pytest.mark.parametrize("size", ["512x512", "1024x1024", "1536x1024", "1024x1536", "1280x720", "1536x864", "33x17"])
def test_pictures_are_valid_pngs_of_the_requested_size(size):
    made = images(size=size, n=2)

    width, height = (int(v) for v in size.split("x"))
    assert [PillowImageCodec().inspect(data) for data in made] == [ImageInfo(width, height, "image/png")] * 2
    with Image.open(io.BytesIO(made[0])) as image:
        image.verify()


@pytest.mark.parametrize("fmt, pillow_format, content_type", [
    ("png", "PNG", "image/png"), ("webp", "WEBP", "image/webp"), ("jpeg", "JPEG", "image/jpeg"),
    ("gif", "GIF", "image/gif")])
def test_each_output_format_is_encoded_as_such_at_a_custom_size(fmt, pillow_format, content_type):
    data = images(size="1536x864", output_format=fmt)[0]

    with opened(data) as image:
        assert (image.format, image.size) == (pillow_format, (1536, 864))
    info = PillowImageCodec().inspect(data)
    assert (info.width, info.height, info.content_type) == (1536, 864, content_type)


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_a_transparent_background_is_alpha_zero_around_an_opaque_card(fmt):
    data = images(size="768x512", output_format=fmt, background="transparent")[0]

    with opened(data) as image:
        assert image.mode == "RGBA"
        alpha = image.getchannel("A")
    for corner in [(0, 0), (767, 0), (0, 511), (767, 511), (2, 256), (384, 1)]:
        assert alpha.getpixel(corner) == 0, corner
    assert alpha.getpixel((384, 256)) == 255
    assert alpha.histogram()[0] > 768 * 512 * 0.05
    assert PillowImageCodec().inspect(data).has_alpha is True


@pytest.mark.parametrize("options", [dict(), dict(background="opaque"), dict(output_format="jpeg",
                                                                             background="transparent")])
def test_other_backgrounds_are_fully_opaque(options):
    data = images(**options)[0]

    with opened(data) as image:
        assert "A" not in image.mode and "transparency" not in image.info
    assert PillowImageCodec().inspect(data).has_alpha is False


@pytest.mark.parametrize("frame_count, expected", [(None, 9), (2, 2), (16, 16)])
def test_a_gif_is_a_looping_animation_of_frame_count_frames_that_change_every_frame(frame_count, expected):
    data = images(output_format="gif", frame_count=frame_count, size="1024x1024")[0]

    frames = []
    with opened(data) as image:
        assert image.format == "GIF" and image.n_frames == expected
        assert image.info["loop"] == 0 and image.info["duration"] > 0
        for number in range(image.n_frames):
            image.seek(number)
            frames.append(image.convert("RGB"))
    for before, after in zip(frames, [*frames[1:], *frames[:1]], strict=True):
        changed = ImageChops.difference(before, after).getbbox()
        assert changed is not None and changed[3] - changed[1] > 1024 // 4
    assert PillowImageCodec().inspect(data) == ImageInfo(1024, 1024, "image/gif", frames=expected)


def test_an_svg_is_a_self_contained_document_with_the_prompt_escaped():
    data = images(prompt=f"a lighthouse {HOSTILE}", size="1536x864", output_format="svg")[0]

    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg" and (root.get("width"), root.get("height")) == ("1536", "864")
    assert [e.tag for e in root.iter() if not e.tag.startswith(SVG)] == []
    assert {e.tag.removeprefix(SVG) for e in root.iter()} <= {"svg", "title", "defs", "linearGradient", "stop",
                                                              "path", "rect", "clipPath", "g", "text"}
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on") and "href" not in name
            assert "url(" not in value or value.startswith("url(#")
    assert b"<script" not in data and b"<!DOCTYPE" not in data and b"<!ENTITY" not in data
    texts = "".join("".join(e.itertext()) for e in root.iter(f"{SVG}text"))
    assert "</text><script>alert(1)</script>" in texts and "<!ENTITY" in texts
    assert BANNER in root.findtext(f"{SVG}title", "")
    assert [e.text for e in root.iter(f"{SVG}text")][:2] == [BANNER_LEFT, BANNER_RIGHT]
    assert PillowImageCodec().inspect(data) == ImageInfo(1536, 864, "image/svg+xml")


def test_an_svg_of_a_prompt_with_characters_xml_cannot_hold_is_still_well_formed():
    data = images(prompt="nul\x00 esc\x1b bell\x07 half\ud800 \ufffe end", output_format="svg")[0]

    ET.fromstring(data)
    assert PillowImageCodec().inspect(data).content_type == "image/svg+xml"


def test_a_transparent_svg_renders_with_clear_corners():
    data = images(output_format="svg", background="transparent", size="512x512")[0]

    with opened(PillowImageCodec().to_png(data)) as image:
        assert image.getpixel((0, 0))[3] == 0 and image.getpixel((256, 256))[3] == 255
    assert PillowImageCodec().inspect(data).has_alpha is True


@pytest.mark.parametrize("fmt, pillow_format", [("png", "PNG"), ("webp", "WEBP"), ("jpeg", "JPEG")])
def test_two_previews_per_image_stream_before_generate_returns(fmt, pillow_format):
    previews: list[tuple[int, bytes, bool]] = []
    returned = False

    def on_partial(position: int, data: bytes) -> None:
        previews.append((position, data, returned))

    result = PlaceholderImageProvider().generate(request(n=2, size="1024x768", output_format=fmt,
                                                         on_partial=on_partial))
    returned = True

    assert [(position, done) for position, _, done in previews] == [(0, False), (0, False), (1, False), (1, False)]
    finals = [image.data for image in result.images]
    for _, data, _ in previews:
        with opened(data) as preview:
            assert preview.format == pillow_format
            assert preview.width < 1024 and abs(preview.width / preview.height - 1024 / 768) < 0.02
        assert data not in finals
    assert len({data for _, data, _ in previews}) == 4
    assert finals == images(n=2, size="1024x768", output_format=fmt)


@pytest.mark.parametrize("fmt", ["gif", "svg"])
def test_gifs_and_svgs_stream_no_previews(fmt):
    previews = []

    images(output_format=fmt, on_partial=lambda position, data: previews.append(position))

    assert previews == []


def test_the_stage_delay_spaces_previews_and_the_final_image():
    delay = 0.05
    seen = []
    started = time.perf_counter()

    PlaceholderImageProvider(stage_delay=delay).generate(
        request(size="64x64", on_partial=lambda position, data: seen.append(time.perf_counter() - started)))
    total = time.perf_counter() - started

    assert len(seen) == 2 and seen[0] >= delay and seen[1] >= 2 * delay and total >= 3 * delay


def test_without_a_stage_delay_nothing_waits(monkeypatch):
    from chalicelib.adapters import placeholder_images

    waits: list[float] = []
    monkeypatch.setattr(placeholder_images.time, "sleep", waits.append)
    PlaceholderImageProvider().generate(request(size="64x64", on_partial=lambda position, data: None))
    assert waits == []


def test_different_prompts_seeds_and_indexes_differ():
    base = render("a lighthouse at dusk", 7, 0, 256, 256)

    assert render("a lighthouse at dawn", 7, 0, 256, 256) != base
    assert render("a lighthouse at dusk", 8, 0, 256, 256) != base
    assert render("a lighthouse at dusk", 7, 1, 256, 256) != base


def test_returns_exactly_n_distinct_pictures():
    assert len(set(images(n=4))) == 4


def test_any_prompt_renders_even_long_or_non_latin():
    for prompt in ("x" * 4000, "漢字 café — ünïcode 🚀", " ", "word " * 900):
        assert PillowImageCodec().inspect(render(prompt, 1, 0, 512, 512)).width == 512
        assert PillowImageCodec().inspect(render(prompt, 1, 0, 512, 512, output_format="svg")).width == 512


def test_an_edit_request_draws_over_the_source_picture():
    source = io.BytesIO()
    Image.new("RGB", (64, 64), (255, 0, 0)).save(source, format="PNG")

    edited = images(source_image=source.getvalue())[0]

    assert edited != images()[0]
    assert PillowImageCodec().inspect(edited) == ImageInfo(512, 512, "image/png")


@pytest.mark.parametrize("size", ["big", "1024", "0x10", "5000x5000", "3841x16", "16x3856", "10x-3"])
def test_a_size_that_is_not_width_x_height_up_to_3840_fails_without_retry(size):
    with pytest.raises(ProviderError) as caught:
        PlaceholderImageProvider().generate(request(size=size))

    assert caught.value.retryable is False


def test_an_unknown_output_format_fails_without_retry():
    with pytest.raises(ProviderError) as caught:
        PlaceholderImageProvider().generate(request(output_format="bmp"))

    assert caught.value.retryable is False


def test_a_1024_square_renders_as_a_1024_png():
    # How fast it renders is measured by bench/ (`make bench`, "placeholder render"), not asserted here.
    data = render("a lighthouse at dusk, oil painting, dramatic sky " * 5, 0, 0, 1024, 1024, n=4)

    assert PillowImageCodec().inspect(data) == ImageInfo(1024, 1024, "image/png")


@pytest.mark.parametrize("options", [dict(), dict(background="transparent")], ids=["opaque", "transparent"])
def test_the_largest_size_renders_exactly(options):
    data = images(size="3840x2160", **options)[0]

    with opened(data) as image:
        assert image.size == (3840, 2160)
