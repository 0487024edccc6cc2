from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from chalicelib.adapters.pillow_codec import PillowImageCodec
from chalicelib.adapters.placeholder_images import PlaceholderImageProvider, render
from chalicelib.domain.imaging import ImageInfo, ProviderError, ProviderRequest


def request(**changes) -> ProviderRequest:
    values = dict(model="placeholder", prompt="a lighthouse at dusk", size="512x512", quality="standard", n=1, seed=7)
    return ProviderRequest(**{**values, **changes})


def test_same_prompt_seed_and_index_give_identical_bytes():
    first = PlaceholderImageProvider().generate(request(n=2))
    again = PlaceholderImageProvider().generate(request(n=2))

    assert [i.data for i in first] == [i.data for i in again]


@pytest.mark.parametrize("size", ["512x512", "1024x1024", "1536x1024", "1024x1536", "1280x720", "33x17"])
def test_pictures_are_valid_pngs_of_the_requested_size(size):
    images = PlaceholderImageProvider().generate(request(size=size, n=2))

    width, height = (int(v) for v in size.split("x"))
    assert [PillowImageCodec().inspect(i.data) for i in images] == [ImageInfo(width, height, "image/png")] * 2
    assert all(i.error is None for i in images)
    with Image.open(io.BytesIO(images[0].data)) as image:
        image.verify()


def test_different_prompts_seeds_and_indexes_differ():
    base = render("a lighthouse at dusk", 7, 0, 256, 256)

    assert render("a lighthouse at dawn", 7, 0, 256, 256) != base
    assert render("a lighthouse at dusk", 8, 0, 256, 256) != base
    assert render("a lighthouse at dusk", 7, 1, 256, 256) != base


def test_returns_exactly_n_distinct_pictures():
    images = PlaceholderImageProvider().generate(request(n=4))

    assert len({i.data for i in images}) == 4


def test_any_prompt_renders_even_long_or_non_latin():
    for prompt in ("x" * 4000, "漢字 café — ünïcode 🚀", " ", "word " * 900):
        assert PillowImageCodec().inspect(render(prompt, 1, 0, 512, 512)).width == 512


def test_an_edit_request_draws_over_the_source_picture():
    source = io.BytesIO()
    Image.new("RGB", (64, 64), (255, 0, 0)).save(source, format="PNG")

    edited = PlaceholderImageProvider().generate(request(source_image=source.getvalue()))[0].data

    assert edited != PlaceholderImageProvider().generate(request())[0].data
    assert PillowImageCodec().inspect(edited) == ImageInfo(512, 512, "image/png")


@pytest.mark.parametrize("size", ["big", "1024", "0x10", "5000x5000", "10x-3"])
def test_a_size_that_is_not_width_x_height_fails_without_retry(size):
    with pytest.raises(ProviderError) as caught:
        PlaceholderImageProvider().generate(request(size=size))

    assert caught.value.retryable is False


def test_a_1024_square_renders_well_under_100_ms():
    render("warm up", 0, 0, 64, 64)
    timings = []
    for seed in range(3):
        started = time.perf_counter()
        render("a lighthouse at dusk, oil painting, dramatic sky " * 5, seed, 0, 1024, 1024, n=4)
        timings.append(time.perf_counter() - started)

    assert min(timings) < 0.1
