"""The editing operations, checked against a model's capabilities before anything is charged, and performed
visibly by the offline renderer and the Pillow codec."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from chalicelib.adapters.pillow_codec import PillowImageCodec
from chalicelib.adapters.placeholder_images import PlaceholderImageProvider
from chalicelib.domain.catalogue import CustomSizes, ModelSpec
from chalicelib.domain.errors import InvalidRequest
from chalicelib.domain.imaging import ProviderRequest
from chalicelib.domain.operations import (
    DEFAULT_PROMPTS,
    Padding,
    fitting_size,
    plan_operation,
    resolve_operation,
)

PRESETS = ("1024x1024", "1536x1024", "1024x1536")
FLEXIBLE = ModelSpec("flex", "openai", "Flex", PRESETS, ("low", "medium"), 4, True, True, None,
                     custom_sizes=CustomSizes(16, 3840, 8_294_400, 3.0), backgrounds=("auto", "opaque", "transparent"),
                     output_formats=("png", "webp", "jpeg"))
FIXED = ModelSpec("fixed", "openai", "Fixed", PRESETS, ("low",), 4, True, True, None, input_fidelity=("low", "high"))
NO_EDITS = ModelSpec("text-only", "openai", "Text only", PRESETS, ("low",), 1, False, False, None)
NO_MASK = ModelSpec("maskless", "openai", "Maskless", PRESETS, ("low",), 1, True, False, None)


def refusal(**kwargs) -> dict:
    with pytest.raises(InvalidRequest) as refused:
        plan_operation(**{"spec": FLEXIBLE, "source": (1024, 1024), "mask": None, "size": None, "background": None,
                          "output_format": None, **kwargs})
    return refused.value.details


def refused_message(**kwargs) -> str:
    with pytest.raises(InvalidRequest) as refused:
        plan_operation(**{"spec": FLEXIBLE, "source": (1024, 1024), "mask": None, "size": None, "background": None,
                          "output_format": None, **kwargs})
    return str(refused.value)


def test_the_operation_defaults_to_what_the_request_implies_and_unknown_ones_are_refused():
    assert resolve_operation(None, has_source=False) == "generate"
    assert resolve_operation(None, has_source=True) == "edit"
    assert resolve_operation("upscale", has_source=True) == "upscale"
    with pytest.raises(InvalidRequest) as refused:
        resolve_operation("enhance", has_source=True)
    assert refused.value.details["field"] == "operation" and "inpaint" in refused.value.details["allowed"]


@pytest.mark.parametrize("operation", ["edit", "inpaint", "outpaint", "upscale", "remove_background", "variation"])
def test_every_operation_but_generate_needs_a_source(operation):
    assert refusal(operation=operation, source=None)["field"] == "source_image_id"


def test_generate_takes_no_source_and_a_model_that_cannot_edit_is_named():
    assert refusal(operation="generate")["field"] == "source_image_id"
    assert refusal(operation="variation", spec=NO_EDITS)["field"] == "model"


def test_inpaint_needs_a_mask_of_the_sources_size_on_a_model_that_takes_masks():
    assert refusal(operation="inpaint")["field"] == "mask_image_id"
    details = refusal(operation="inpaint", mask=(512, 512))
    assert details == {"field": "mask_image_id", "width": 1024, "height": 1024}
    assert refusal(operation="inpaint", mask=(1024, 1024), spec=NO_MASK)["field"] == "mask_image_id"
    plan = plan_operation("inpaint", FLEXIBLE, (1024, 1024), (1024, 1024), None, None, None)
    assert plan.size == "1024x1024" and plan.padding is None and plan.default_prompt is None


def test_operations_that_make_their_own_mask_refuse_one_and_parameters_belong_to_their_operation():
    assert refusal(operation="outpaint", mask=(1024, 1024), outpaint={"left": 16})["field"] == "mask_image_id"
    assert refusal(operation="variation", upscale={"factor": 2})["field"] == "upscale"
    assert refusal(operation="upscale", outpaint={"left": 16})["field"] == "outpaint"


def test_outpaint_grows_the_canvas_to_a_size_the_model_renders():
    plan = plan_operation("outpaint", FIXED, (1024, 1024), None, None, None, None,
                          outpaint={"left": 256, "right": 256})
    assert plan.size == "1536x1024" and plan.padding == Padding(256, 256, 0, 0)
    assert plan.params() == {"outpaint": {"left": 256, "right": 256, "top": 0, "bottom": 0}}
    assert plan.default_prompt == DEFAULT_PROMPTS["outpaint"]
    details = refusal(operation="outpaint", spec=FIXED, outpaint={"left": 100})
    assert details["field"] == "outpaint" and details["size"] == "1124x1024" and details["allowed"] == list(PRESETS)
    assert plan_operation("outpaint", FLEXIBLE, (1024, 1024), None, None, None, None,
                          outpaint={"top": 512}).size == "1024x1536"


@pytest.mark.parametrize("outpaint, field", [
    ({}, "outpaint"), ({"left": 0}, "outpaint"), ({"left": -16}, "outpaint.left"), ({"top": 1.5}, "outpaint.top"),
    ({"bottom": True}, "outpaint.bottom"), ({"right": 5000}, "outpaint.right"), ({"middle": 16}, "outpaint"),
    ([16, 16], "outpaint"), (None, "outpaint"),
])
def test_bad_outpaint_parameters_name_their_field(outpaint, field):
    assert refusal(operation="outpaint", outpaint=outpaint)["field"] == field


def test_upscale_by_factor_or_to_a_size_of_the_same_shape_within_the_models_limits():
    plan = plan_operation("upscale", FLEXIBLE, (1024, 1024), None, None, None, None, upscale={"factor": 2})
    assert plan.size == "2048x2048" and plan.resize_to == (2048, 2048)
    assert plan.input_fidelity is None, "a model without input_fidelity is not sent one"
    sized = plan_operation("upscale", FLEXIBLE, (1536, 1024), None, None, None, None,
                           upscale={"width": 3072, "height": 2048})
    assert sized.size == "3072x2048"
    assert refusal(operation="upscale", upscale={"width": 2048, "height": 1024})["field"] == "upscale"
    assert refusal(operation="upscale", upscale={"factor": 1})["field"] == "upscale.factor"
    assert refusal(operation="upscale", upscale={"factor": 2, "width": 2048})["field"] == "upscale"
    assert refusal(operation="upscale", upscale={"width": 512, "height": 512})["field"] == "upscale"
    too_big = refusal(operation="upscale", upscale={"factor": 4})
    assert too_big["field"] == "upscale" and too_big["size"] == "4096x4096"
    assert "the largest it makes is 2880x2880" in refused_message(operation="upscale", upscale={"factor": 4})


def test_upscale_on_a_model_of_presets_only_reaches_a_preset_with_high_fidelity_where_offered():
    assert refusal(operation="upscale", spec=FIXED, upscale={"factor": 2})["field"] == "upscale"
    plan = plan_operation("upscale", FIXED, (768, 512), None, None, None, None, upscale={"width": 1536, "height": 1024})
    assert plan.size == "1536x1024" and plan.input_fidelity == "high"


def test_remove_background_needs_transparency_and_an_alpha_format():
    plan = plan_operation("remove_background", FLEXIBLE, (1000, 700), None, None, None, None)
    assert plan.background == "transparent" and plan.size == "1536x1024"  # 1000x700 is no multiple of 16
    assert refusal(operation="remove_background", output_format="jpeg")["field"] == "output_format"
    assert refusal(operation="remove_background", background="opaque")["field"] == "background"
    assert refusal(operation="remove_background", spec=FIXED)["field"] == "model"


def test_an_edit_renders_at_the_sources_size_when_the_model_takes_it_else_the_closest_preset():
    assert fitting_size(FLEXIBLE, (1280, 720)) == "1280x720"
    assert fitting_size(FIXED, (1280, 720)) == "1536x1024"
    assert fitting_size(FIXED, (600, 1000)) == "1024x1536"
    assert plan_operation("variation", FIXED, (1024, 1024), None, None, None, None).size == "1024x1024"


# --- the offline renderer and the codec perform them visibly ---


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGBA")


def render(**kwargs) -> Image.Image:
    request = ProviderRequest(**{"model": "placeholder", "prompt": "a red door", "size": "256x256", "quality": "low",
                                 "n": 1, "seed": 7, **kwargs})
    [image] = PlaceholderImageProvider().generate(request).images
    assert image.data is not None
    return opened(image.data)


def test_inpaint_repaints_only_the_transparent_area_of_the_mask():
    source = Image.new("RGB", (256, 256), (20, 120, 200))
    mask = Image.new("RGBA", (256, 256), (0, 0, 0, 255))
    mask.paste(Image.new("RGBA", (64, 64), (0, 0, 0, 0)), (96, 96))
    result = render(operation="inpaint", source_image=png(source), mask_image=png(mask))
    assert result.getpixel((10, 10))[:3] == (20, 120, 200) and result.getpixel((250, 250))[:3] == (20, 120, 200)
    changed = sum(result.getpixel((x, y))[:3] != (20, 120, 200) for x in range(96, 160) for y in range(96, 160))
    assert changed > 0.9 * 64 * 64


def test_outpaint_pads_with_a_masked_border_that_the_renderer_fills():
    codec = PillowImageCodec()
    source = png(Image.new("RGB", (128, 128), (200, 30, 30)))
    canvas, mask = codec.extend_canvas(source, 64, 64, 0, 0)
    assert opened(canvas).size == (256, 128) == opened(mask).size
    assert opened(canvas).getpixel((10, 64))[3] == 0 and opened(canvas).getpixel((128, 64)) == (200, 30, 30, 255)
    assert opened(mask).getpixel((10, 64))[3] == 0 and opened(mask).getpixel((128, 64))[3] == 255
    result = render(operation="outpaint", size="256x128", source_image=canvas, mask_image=mask)
    assert result.getpixel((128, 64))[:3] == (200, 30, 30)
    assert result.getpixel((10, 64))[3] == 255 and result.getpixel((10, 64))[:3] != (200, 30, 30)


def test_upscale_enlarges_the_source_and_remove_background_clears_what_touches_the_edges():
    codec = PillowImageCodec()
    small = Image.new("RGB", (64, 64), (240, 240, 240))
    small.paste(Image.new("RGB", (24, 24), (10, 10, 10)), (20, 20))
    enlarged = codec.resize(png(small), 256, 256)
    assert opened(enlarged).size == (256, 256)
    result = render(operation="upscale", source_image=enlarged)
    assert result.size == (256, 256) and result.getpixel((128, 128))[:3] < (60, 60, 60)
    cut = render(operation="remove_background", background="transparent", source_image=enlarged)
    assert cut.getpixel((5, 5))[3] == 0 and cut.getpixel((128, 128))[3] == 255


def test_remove_background_is_visible_even_on_a_busy_picture():
    noisy = Image.effect_noise((256, 256), 120).convert("RGB")
    cut = render(operation="remove_background", background="transparent", source_image=png(noisy))
    assert cut.getpixel((2, 2))[3] == 0 and cut.getpixel((128, 128))[3] == 255
