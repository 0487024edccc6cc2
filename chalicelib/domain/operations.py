"""What each editing operation asks of the model: the size it renders at, the mask it needs, the prompt it
falls back on. Checked before anything is charged; every refusal names the field it is about."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .catalogue import ALPHA_FORMATS, ModelSpec, accepts_size, parse_size, size_rules
from .errors import InvalidRequest

GENERATE, EDIT, INPAINT, OUTPAINT = "generate", "edit", "inpaint", "outpaint"
UPSCALE, REMOVE_BACKGROUND, VARIATION = "upscale", "remove_background", "variation"
OPERATIONS = (GENERATE, EDIT, INPAINT, OUTPAINT, UPSCALE, REMOVE_BACKGROUND, VARIATION)
MAX_PADDING = 4096
MAX_UPSCALE_FACTOR = 4.0
# How far an upscale's target may stray from the source's shape (rounding to the model's multiple).
ASPECT_TOLERANCE = 0.02

DEFAULT_PROMPTS = {
    OUTPAINT: "Extend the picture into the new area, matching its style, light and perspective.",
    UPSCALE: "The same picture at a higher resolution with finer detail; change nothing else.",
    REMOVE_BACKGROUND: "The same subject, unchanged, on a fully transparent background; remove everything behind it.",
    VARIATION: "A variation of this picture: the same subject and style, a new composition.",
}


@dataclass(frozen=True)
class Padding:
    """Pixels added on each side of the source by an outpaint."""

    left: int = 0
    right: int = 0
    top: int = 0
    bottom: int = 0

    def as_dict(self) -> dict[str, int]:
        """The padding as the API shows it, in pixels."""
        return {"left": self.left, "right": self.right, "top": self.top, "bottom": self.bottom}


@dataclass(frozen=True)
class OperationPlan:
    """How the worker prepares the source for the provider, and what the request is held to."""

    operation: str
    size: str | None = None  # the size the operation renders at, when it decides it
    background: str | None = None  # the background the operation needs, when it decides it
    padding: Padding | None = None  # outpaint: the source goes on a larger transparent canvas, the new area masked
    resize_to: tuple[int, int] | None = None  # upscale: the source is resized before the call
    input_fidelity: str | None = None
    default_prompt: str | None = None

    def params(self) -> dict[str, Any]:
        """What the generation records of the operation's own parameters."""
        out: dict[str, Any] = {}
        if self.padding:
            out["outpaint"] = self.padding.as_dict()
        if self.resize_to:
            out["upscale"] = {"width": self.resize_to[0], "height": self.resize_to[1]}
        if self.input_fidelity:
            out["input_fidelity"] = self.input_fidelity
        return out


def resolve_operation(operation: str | None, has_source: bool) -> str:
    """The operation a request names, or the one its shape implies (a source image alone is an edit)."""
    if operation is None or operation == "":
        return EDIT if has_source else GENERATE
    if operation not in OPERATIONS:
        raise InvalidRequest(f"operation is one of: {', '.join(OPERATIONS)}.",
                             {"field": "operation", "allowed": list(OPERATIONS)})
    return operation


def plan_operation(operation: str, spec: ModelSpec, source: tuple[int, int] | None, mask: tuple[int, int] | None,
                   size: str | None, background: str | None, output_format: str | None,
                   outpaint: Any = None, upscale: Any = None) -> OperationPlan:
    """Checks an operation against the model and the source's dimensions; raises InvalidRequest naming a field."""
    if operation != OUTPAINT and outpaint is not None:
        raise InvalidRequest("outpaint is only for the outpaint operation.", {"field": "outpaint"})
    if operation != UPSCALE and upscale is not None:
        raise InvalidRequest("upscale is only for the upscale operation.", {"field": "upscale"})
    if operation == GENERATE:
        if source is not None:
            raise InvalidRequest("A generation starts from a prompt; name another operation to use a source image.",
                                 {"field": "source_image_id"})
        if mask is not None:
            raise InvalidRequest("A mask needs a source image.", {"field": "mask_image_id"})
        return OperationPlan(GENERATE)
    if source is None:
        raise InvalidRequest(f"The {operation.replace('_', ' ')} operation needs a source image.",
                             {"field": "source_image_id"})
    if not spec.supports_edit:
        raise InvalidRequest(f"{spec.label} cannot edit an image.", {"field": "model"})
    if operation == INPAINT and mask is None:
        raise InvalidRequest("Inpainting needs a mask: a PNG whose transparent area is the part to change.",
                             {"field": "mask_image_id"})
    if mask is not None and operation not in (EDIT, INPAINT):
        raise InvalidRequest(f"The {operation.replace('_', ' ')} operation makes its own mask.",
                             {"field": "mask_image_id"})
    if mask is not None:
        if not spec.supports_mask:
            raise InvalidRequest(f"{spec.label} cannot edit with a mask.", {"field": "mask_image_id"})
        if mask != source:
            raise InvalidRequest(f"The mask must have the source's dimensions ({source[0]}x{source[1]}); it is "
                                 f"{mask[0]}x{mask[1]}.", {"field": "mask_image_id", "width": source[0],
                                                           "height": source[1]})
    if operation in (OUTPAINT, UPSCALE):
        plan = _outpaint(spec, source, outpaint) if operation == OUTPAINT else _upscale(spec, source, upscale)
        if size is not None and size != plan.size:
            raise InvalidRequest(f"The {operation} decides the size ({plan.size}); leave size out.",
                                 {"field": "size", "size": plan.size})
        return plan
    if operation == REMOVE_BACKGROUND:
        if "transparent" not in spec.backgrounds:
            raise InvalidRequest(f"{spec.label} cannot make a transparent background.", {"field": "model"})
        if output_format is not None and output_format not in ALPHA_FORMATS:
            raise InvalidRequest("A transparent background needs the png or webp format.",
                                 {"field": "output_format", "allowed": list(ALPHA_FORMATS)})
        if background not in (None, "transparent"):
            raise InvalidRequest("Removing the background makes it transparent.", {"field": "background"})
        return OperationPlan(operation, size=size or fitting_size(spec, source), background="transparent",
                             default_prompt=DEFAULT_PROMPTS[operation])
    return OperationPlan(operation, size=size or fitting_size(spec, source),
                         default_prompt=DEFAULT_PROMPTS.get(operation))


def _outpaint(spec: ModelSpec, source: tuple[int, int], raw: Any) -> OperationPlan:
    if not spec.supports_mask:
        raise InvalidRequest(f"{spec.label} cannot extend a picture (it takes no mask).", {"field": "model"})
    if not isinstance(raw, dict) or set(raw) - {"left", "right", "top", "bottom"}:
        raise InvalidRequest("outpaint is {left, right, top, bottom} in pixels.", {"field": "outpaint"})
    sides = {}
    for side in ("left", "right", "top", "bottom"):
        value = raw.get(side, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PADDING:
            raise InvalidRequest(f"outpaint.{side} is a whole number of pixels from 0 to {MAX_PADDING}.",
                                 {"field": f"outpaint.{side}", "min": 0, "max": MAX_PADDING})
        sides[side] = value
    padding = Padding(**sides)
    if not any(sides.values()):
        raise InvalidRequest("Add at least one pixel on one side to outpaint.", {"field": "outpaint"})
    width, height = source[0] + padding.left + padding.right, source[1] + padding.top + padding.bottom
    canvas = f"{width}x{height}"
    if not accepts_size(spec, canvas):
        raise InvalidRequest(f"{spec.label} cannot render a {canvas} canvas.",
                             {"field": "outpaint", "size": canvas, **size_rules(spec)})
    return OperationPlan(OUTPAINT, size=canvas, padding=padding, default_prompt=DEFAULT_PROMPTS[OUTPAINT])


def _upscale(spec: ModelSpec, source: tuple[int, int], raw: Any) -> OperationPlan:
    if not isinstance(raw, dict) or not raw or set(raw) - {"factor", "width", "height"} or \
            ("factor" in raw) == ("width" in raw or "height" in raw):
        raise InvalidRequest("upscale is {factor} or {width, height}.", {"field": "upscale"})
    if "factor" in raw:
        factor = raw["factor"]
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not 1 < factor <= MAX_UPSCALE_FACTOR:
            raise InvalidRequest(f"upscale.factor is more than 1 and at most {MAX_UPSCALE_FACTOR:g}.",
                                 {"field": "upscale.factor", "max": MAX_UPSCALE_FACTOR})
        multiple = spec.custom_sizes.multiple_of if spec.custom_sizes else 1
        width = _round_to(source[0] * factor, multiple)
        height = _round_to(source[1] * factor, multiple)
    else:
        for name in ("width", "height"):
            value = raw.get(name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidRequest(f"upscale.{name} is a whole number of pixels.", {"field": f"upscale.{name}"})
        width, height = int(raw["width"]), int(raw["height"])
        if abs(width / height - source[0] / source[1]) > ASPECT_TOLERANCE * source[0] / source[1]:
            raise InvalidRequest(f"An upscale keeps the source's shape ({source[0]}x{source[1]}).",
                                 {"field": "upscale", "width": source[0], "height": source[1]})
    if width <= source[0] and height <= source[1]:
        raise InvalidRequest(f"An upscale is larger than the source ({source[0]}x{source[1]}).",
                             {"field": "upscale", "width": source[0], "height": source[1]})
    target = f"{width}x{height}"
    if not accepts_size(spec, target):
        raise InvalidRequest(f"{spec.label} cannot render {target}; the largest it makes is "
                             f"{largest_size(spec, source)}.", {"field": "upscale", "size": target,
                                                                **size_rules(spec)})
    fidelity = "high" if "high" in spec.input_fidelity else None
    return OperationPlan(UPSCALE, size=target, resize_to=(width, height), input_fidelity=fidelity,
                         default_prompt=DEFAULT_PROMPTS[UPSCALE])


def _round_to(value: float, multiple: int) -> int:
    return max(multiple, round(value / multiple) * multiple)


def fitting_size(spec: ModelSpec, source: tuple[int, int]) -> str:
    """The size an edit of this source renders at: the source's own when the model takes it, otherwise the
    preset closest to its shape."""
    own = f"{source[0]}x{source[1]}"
    if accepts_size(spec, own):
        return own
    aspect = source[0] / source[1]
    return min(spec.sizes, key=lambda s: abs(math.log(_aspect(s) / aspect)))


def largest_size(spec: ModelSpec, source: tuple[int, int]) -> str:
    """The largest size of the source's shape the model renders (for an upscale's error message)."""
    best = fitting_size(spec, source)
    bounds = spec.custom_sizes
    if bounds is None:
        return best
    scale = min(bounds.max_edge / source[0], bounds.max_edge / source[1],
                math.sqrt(bounds.max_pixels / (source[0] * source[1])))
    multiple = bounds.multiple_of
    width = int(source[0] * scale // multiple) * multiple
    height = int(source[1] * scale // multiple) * multiple
    return f"{width}x{height}" if width and height and accepts_size(spec, f"{width}x{height}") else best


def _aspect(size: str) -> float:
    width, height = parse_size(size) or (1, 1)
    return width / height
