"""The model catalogue: what each model takes, what each option costs, and what a call really cost us."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import InvalidRequest
from .imaging import TokenUsage
from .ports import Catalog

BACKGROUNDS = ("auto", "opaque", "transparent")
OUTPUT_FORMATS = ("png", "webp", "jpeg", "gif", "svg")
ALPHA_FORMATS = ("png", "webp")
FRAME_RANGE = (2, 16)
RATE_UNITS = ("megapixel", "frame")  # what a rate prices: a megapixel of a custom size, or a GIF's frame
PRICE_BASES = ("preset", *RATE_UNITS)  # how a quote's unit price came about
DEFAULT_FRAMES = 9
SIZE_PATTERN = re.compile(r"([1-9][0-9]{1,4})x([1-9][0-9]{1,4})")
MEGAPIXEL = Decimal(1_000_000)
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class CustomSizes:
    """Bounds of the WIDTHxHEIGHT sizes a model takes besides its presets."""

    multiple_of: int
    max_edge: int
    max_pixels: int
    max_aspect: float

    def as_dict(self) -> dict[str, Any]:
        """The bounds as the API shows them."""
        return {"multiple_of": self.multiple_of, "max_edge": self.max_edge, "max_pixels": self.max_pixels,
                "max_aspect": self.max_aspect}


@dataclass(frozen=True)
class TokenRates:
    """US dollars per million tokens, as the provider bills them."""

    input_text: Decimal = Decimal(0)
    input_image: Decimal = Decimal(0)
    output_image: Decimal = Decimal(0)

    def cost(self, usage: TokenUsage) -> Decimal:
        """The provider's actual charge for a call; output text tokens are billed at the text rate."""
        return ((usage.input_text_tokens + usage.output_text_tokens) * self.input_text
                + usage.input_image_tokens * self.input_image
                + usage.output_image_tokens * self.output_image) / MILLION


@dataclass(frozen=True)
class ModelSpec:
    """A model of the catalogue: what it can make and, through its rates and prices, what it costs."""

    id: str
    provider: str
    label: str
    sizes: tuple[str, ...]
    qualities: tuple[str, ...]
    max_n: int
    supports_edit: bool
    supports_mask: bool
    fallback_model: str | None
    enabled: bool = True
    available: bool = True
    unavailable_reason: str | None = None
    replacement_model: str | None = None
    custom_sizes: CustomSizes | None = None
    backgrounds: tuple[str, ...] = ("auto",)
    output_formats: tuple[str, ...] = ("png",)
    previews: bool = False
    token_rates: TokenRates = field(default_factory=TokenRates)
    position: int = 0
    input_fidelity: tuple[str, ...] = ()  # what an edit's input_fidelity may be; empty: the model takes none


@dataclass(frozen=True)
class Price:
    """Credits per image of a preset size, with the provider's list price beside it for margin reports."""

    model: str
    size: str
    quality: str
    credits: int
    provider_cost_usd: Decimal


@dataclass(frozen=True)
class Rate:
    """Credits per unit (a megapixel of a custom size, a frame of a GIF), rounded up per image."""

    model: str
    unit: str
    quality: str
    credits: Decimal
    provider_cost_usd: Decimal


@dataclass(frozen=True)
class Options:
    """The picture options of a request, after defaults."""

    size: str
    quality: str
    background: str
    output_format: str
    frame_count: int | None


@dataclass(frozen=True)
class UnitPrice:
    """What one image costs and how that figure came about, shown by the quote and charged by create."""

    basis: str
    rate_credits: Decimal
    quantity: Decimal
    credits: int
    provider_cost_usd: Decimal





def parse_size(size: str) -> tuple[int, int] | None:
    """(width, height) of a WIDTHxHEIGHT size, else None."""
    match = SIZE_PATTERN.fullmatch(size)
    return (int(match[1]), int(match[2])) if match else None


def check_options(spec: ModelSpec, size: str | None, quality: str | None, background: str | None,
                  output_format: str | None, frame_count: int | None, n: int, editing: bool,
                  masked: bool) -> Options:
    """Holds a request's options to what the model takes; each refusal names its field."""
    size = size or spec.sizes[0]
    quality = quality or ("medium" if "medium" in spec.qualities else spec.qualities[0])
    background = background or "auto"
    output_format = output_format or "png"
    _one_of(spec, "quality", quality, spec.qualities, "offers these qualities")
    _one_of(spec, "background", background, spec.backgrounds, "takes these backgrounds")
    _one_of(spec, "output_format", output_format, spec.output_formats, "makes these formats")
    if background == "transparent" and output_format not in ALPHA_FORMATS:
        raise InvalidRequest("A transparent background needs the png or webp format.",
                             {"field": "background", "formats": list(ALPHA_FORMATS)})
    if output_format == "gif":
        frame_count = DEFAULT_FRAMES if frame_count is None else frame_count
        if not FRAME_RANGE[0] <= frame_count <= FRAME_RANGE[1]:
            raise InvalidRequest(f"A GIF has {FRAME_RANGE[0]} to {FRAME_RANGE[1]} frames.",
                                 {"field": "frame_count", "min": FRAME_RANGE[0], "max": FRAME_RANGE[1]})
        if size not in spec.sizes:
            raise InvalidRequest("GIFs come in the preset sizes only.", {"field": "size", "allowed": list(spec.sizes)})
        if masked:
            raise InvalidRequest("A GIF cannot be made with a mask.", {"field": "mask_image_id"})
    elif frame_count is not None:
        raise InvalidRequest("frame_count is only for the gif format.", {"field": "frame_count"})
    max_n = 1 if output_format == "svg" else spec.max_n
    if not 1 <= n <= max_n:
        reason = "An SVG is made one at a time." if output_format == "svg" else \
            f"{spec.label} makes 1 to {max_n} images at a time."
        raise InvalidRequest(reason, {"field": "n", "min": 1, "max": max_n})
    if size not in spec.sizes:
        _check_custom_size(spec, size)
    if editing and not spec.supports_edit:
        raise InvalidRequest(f"{spec.label} cannot edit an image.", {"field": "source_image_id"})
    if masked and not (spec.supports_mask and editing):
        raise InvalidRequest("A mask needs a source image and a model that supports masks.",
                             {"field": "mask_image_id"})
    return Options(size, quality, background, output_format, frame_count)


def _one_of(spec: ModelSpec, name: str, value: str, allowed: tuple[str, ...], verb: str) -> None:
    if value not in allowed:
        raise InvalidRequest(f"{spec.label} {verb}: {', '.join(allowed)}.", {"field": name, "allowed": list(allowed)})


def _check_custom_size(spec: ModelSpec, size: str) -> None:
    problem = custom_size_problem(spec, size)
    if problem is not None:
        raise InvalidRequest(problem, {"field": "size", **size_rules(spec)})


def custom_size_problem(spec: ModelSpec, size: str) -> str | None:
    """Why the model cannot render this size beside its presets (a sentence for the user), or None if it can."""
    bounds = spec.custom_sizes
    if bounds is None:
        return f"{spec.label} makes these sizes: {', '.join(spec.sizes)}."
    dimensions = parse_size(size)
    if dimensions is None:
        return "A size is WIDTHxHEIGHT in pixels, e.g. 1536x864."
    width, height = dimensions
    if width % bounds.multiple_of or height % bounds.multiple_of:
        return f"Width and height are multiples of {bounds.multiple_of}."
    if max(width, height) > bounds.max_edge:
        return f"Each side is at most {bounds.max_edge} pixels."
    if width * height > bounds.max_pixels:
        return f"A picture is at most {bounds.max_pixels:,} pixels."
    if max(width, height) > bounds.max_aspect * min(width, height):
        return f"The aspect ratio is at most {bounds.max_aspect:g}:1 either way."
    return None


def accepts_size(spec: ModelSpec, size: str) -> bool:
    """Whether the model renders this size (a preset, or a custom size within its bounds)."""
    return size in spec.sizes or custom_size_problem(spec, size) is None


def size_rules(spec: ModelSpec) -> dict[str, Any]:
    """The sizes a model takes, for an error's details."""
    rules: dict[str, Any] = {"allowed": list(spec.sizes)}
    if spec.custom_sizes:
        rules["custom_sizes"] = spec.custom_sizes.as_dict()
    return rules


def unit_price(spec: ModelSpec, options: Options, catalog: Catalog) -> UnitPrice:
    """One image's price: presets per image, custom sizes per megapixel, GIFs per frame, all per quality."""
    if options.output_format == "gif":
        assert options.frame_count is not None
        return _by_rate(catalog.rate(spec.id, "frame", options.quality), "frame", Decimal(options.frame_count))
    if options.size in spec.sizes:
        price = catalog.price(spec.id, options.size, options.quality)
        if price is None:
            raise InvalidRequest("That combination has no price yet.", {"field": "quality"})
        return UnitPrice("preset", Decimal(price.credits), Decimal(1), price.credits, price.provider_cost_usd)
    width, height = parse_size(options.size) or (0, 0)
    return _by_rate(catalog.rate(spec.id, "megapixel", options.quality), "megapixel",
                    Decimal(width * height) / MEGAPIXEL)


def _by_rate(rate: Rate | None, unit: str, quantity: Decimal) -> UnitPrice:
    if rate is None:
        raise InvalidRequest(f"That combination has no {unit} price yet.", {"field": "quality"})
    return UnitPrice(unit, rate.credits, quantity, max(math.ceil(rate.credits * quantity), 1),
                     (rate.provider_cost_usd * quantity).quantize(Decimal("0.0001")))


def safety_identifier(secret: bytes, user_id: str) -> str:
    """A stable pseudonym for a user that the provider can track abuse by, without learning who it is."""
    return hmac.new(secret, f"safety-identifier:{user_id}".encode(), hashlib.sha256).hexdigest()
