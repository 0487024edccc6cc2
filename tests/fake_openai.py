"""A small OpenAI-compatible HTTP server for the real openai SDK: image generations, image edits and moderations.

It answers as the installed SDK documents the API today (openai 3.57: types/image_model.py, image_generate_params.py,
image_edit_params.py, images_response.py, image_gen_*_event.py, image_edit_*_event.py). What it refuses matters as
much as what it returns: a retired or unknown model is a 404 `model_not_found`, and an option the model does not take
is a 400 naming the parameter, both in OpenAI's error shape. Images are real files of the requested format and size.

Faults are scripted per HTTP call: `fake.script("500")` makes the next call fail once, then calls succeed again.
`render_seconds` is how long one image takes to make; a stream spreads its partial images over that time.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import io
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODERATION_CATEGORIES = (
    "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent", "self-harm",
    "self-harm/instructions", "self-harm/intent", "sexual", "sexual/minors", "violence", "violence/graphic",
)
BEHAVIOURS = {"500", "429", "timeout", "bad_base64", "not_an_image", "fewer", "content_policy",
              "moderation_blocked", "bad_request", "flagged", "stream_error", "slow"}

GPT_QUALITIES = frozenset({"low", "medium", "high", "auto"})
PRESET_SIZES = ("1024x1024", "1536x1024", "1024x1536")
LEGACY_SIZES = frozenset({"256x256", "512x512", "1792x1024", "1024x1792"})
OUTPUT_FORMATS = ("png", "webp", "jpeg", "gif", "svg")
MAX_EDGE, MAX_PIXELS, MAX_ASPECT, SIZE_MULTIPLE = 3840, 3840 * 2160, 3, 16
MAX_PROMPT = 32_000
MAX_INPUT_IMAGES, MAX_INPUT_IMAGE_BYTES, MAX_MASK_BYTES = 16, 50 * 1024 * 1024, 4 * 1024 * 1024

GENERATION_PARAMS = frozenset({
    "prompt", "background", "complexity", "frame_count", "frame_duration_ms", "model", "moderation", "n",
    "output_compression", "output_format", "partial_images", "quality", "response_format", "safety_identifier",
    "size", "stream", "style", "svg", "user",
})
EDIT_PARAMS = frozenset({
    "prompt", "background", "complexity", "frame_count", "frame_duration_ms", "input_fidelity", "model", "n",
    "output_compression", "output_format", "partial_images", "quality", "response_format", "safety_identifier",
    "size", "stream", "user", "svg[model]", "svg[reasoning][effort]",
})
EDIT_FILES = frozenset({"image", "image[]", "mask", "markup"})
# Output image tokens of one 1024x1024 image; the low/medium/high figures are GPT Image's published ones.
TOKENS_PER_MEGAPIXEL = {"low": 272, "medium": 1056, "high": 4160, "xhigh": 8320, "max": 16640}


@dataclass(frozen=True)
class ModelRules:
    """What one image model takes, as the SDK's parameter docs describe it."""

    custom_sizes: bool = False
    qualities: frozenset[str] = GPT_QUALITIES
    transparent_in_preview: bool = False
    formats: frozenset[str] = frozenset({"png", "webp", "jpeg"})
    input_fidelity: frozenset[str] | None = frozenset({"high", "low"})  # None: the parameter must be omitted
    markup: bool = False


_GPT_IMAGE_2_5 = ModelRules(custom_sizes=True, qualities=GPT_QUALITIES | {"xhigh", "max"},
                            formats=frozenset(OUTPUT_FORMATS), markup=True)
_GPT_IMAGE_2 = ModelRules(custom_sizes=True, transparent_in_preview=True, input_fidelity=None)
# The docs grant custom sizes, xhigh/max, GIF and SVG by name only to 2 and 2.5; 2.6 and chatgpt-image-latest get
# what "the GPT image models" get until the SDK says more.
IMAGE_MODELS = {
    "gpt-image-2.5-flare": _GPT_IMAGE_2_5,
    "gpt-image-2.5-flare-2026-09-08": _GPT_IMAGE_2_5,
    "gpt-image-2.5-sunburst": _GPT_IMAGE_2_5,
    "gpt-image-2.5-sunburst-2026-09-08": _GPT_IMAGE_2_5,
    "gpt-image-2": _GPT_IMAGE_2,
    "gpt-image-2-2026-04-21": _GPT_IMAGE_2,
    "gpt-image-1.5": ModelRules(),
    "gpt-image-1-mini": ModelRules(input_fidelity=frozenset({"low"})),
    "gpt-image-2.6-sunburst": ModelRules(),
    "gpt-image-2.6-flare": ModelRules(),
    "chatgpt-image-latest": ModelRules(),
}
RETIRED_MODELS = {
    "gpt-image-1": "GPT Image 1 was shut down on October 23, 2026.",
    "dall-e-2": "This model was retired on May 12, 2026.",
    "dall-e-3": "This model was retired on May 12, 2026.",
}
# Preview features the fake's project has been granted; pass `access=` to take them away or add the gpt-image-2 one.
DEFAULT_ACCESS = frozenset({"gif", "svg"})


@dataclass
class Behaviour:
    kind: str
    retry_after: str | None = None
    indexes: tuple[int, ...] = (0,)
    seconds: float = 3.0
    count: int = 0
    categories: tuple[str, ...] = ()


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    json: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str | None, str, bytes]] = field(default_factory=dict)
    file_lists: dict[str, list[tuple[str | None, str, bytes]]] = field(default_factory=dict)
    received_at: float = field(default_factory=time.monotonic)
    event_times: list[float] = field(default_factory=list)


class Refusal(Exception):
    """An API error reply: status and OpenAI's {message, type, param, code}."""

    def __init__(self, status: int, message: str, param: str | None, code: str,
                 kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.kind = status, message, param, code, kind


@dataclass(frozen=True)
class Job:
    """A request that passed every rule: what to make and how to describe it."""

    endpoint: str
    model: str
    prompt: str
    n: int
    width: int
    height: int
    quality: str
    rendered_quality: str
    background: str
    output_format: str
    compression: int | None
    frame_count: int
    frame_duration_ms: int
    stream: bool
    partial_images: int
    safety_identifier: str | None
    input_image_tokens: int

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def transparent(self) -> bool:
        return self.background == "transparent"

    @property
    def event_prefix(self) -> str:
        return "image_edit" if self.endpoint == "edits" else "image_generation"

    def output_tokens(self) -> int:
        per_frame = math.ceil(TOKENS_PER_MEGAPIXEL[self.rendered_quality] * self.width * self.height / 1024 ** 2)
        return per_frame * (self.frame_count if self.output_format == "gif" else 1)

    def text_tokens(self) -> int:
        return max(1, math.ceil(len(self.prompt) / 4))


def documented_image_models() -> tuple[frozenset[str], dict[str, str]]:
    """The installed SDK's ImageModel values, and those its "Deprecated values" note says were shut down or retired."""
    import inspect
    import typing

    from openai.types import image_model

    values = frozenset(typing.get_args(image_model.ImageModel))
    note = inspect.getsource(image_model).split("Deprecated values:", 1)[-1]
    withdrawn = {}
    for entry in re.finditer(r'^\s*- ((?:"[^"]+",?\s*)+):(.*?)(?=^\s*- |^"""|\Z)', note, re.M | re.S):
        reason = " ".join(entry.group(2).split())
        if re.search(r"\b(shut down|retired)\b", reason):
            withdrawn.update(dict.fromkeys(re.findall(r'"([^"]+)"', entry.group(1)), reason))
    return values, withdrawn


def png(width: int, height: int, colour: tuple[int, int, int] = (40, 120, 200)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG", compress_level=1)
    return out.getvalue()


def render(job: Job, index: int, progress: float = 1.0) -> bytes:
    """One image of the job in its format and size; progress < 1 draws a partial (an earlier stage) of it."""
    from PIL import Image, ImageDraw

    width, height = job.width, job.height
    base = (40 + 50 * index % 200, 120, 200)
    mark = (230, 180, int(60 + 140 * progress))
    box = (width // 4, height // 4, width // 4 + int(width / 2 * progress), height // 4 + int(height / 2 * progress))
    if job.output_format == "svg":
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="rgb{base}"/>'
                f'<ellipse cx="{width // 2}" cy="{height // 2}" rx="{width // 4}" ry="{height // 4}" '
                f'fill="rgb{mark}"/></svg>').encode()
    out = io.BytesIO()
    if job.output_format == "gif":
        frames = []
        for frame in range(job.frame_count):
            # Each frame differs, or Pillow would merge identical neighbours into one longer frame.
            image = Image.new("P", (width, height), 0)
            image.putpalette([*base, *mark])
            shift = int(width / 2 * frame / job.frame_count)
            ImageDraw.Draw(image).ellipse((shift, height // 4, shift + width // 2, 3 * height // 4), fill=1)
            frames.append(image)
        frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], loop=0,
                       duration=job.frame_duration_ms)
        return out.getvalue()
    mode = "RGBA" if job.transparent else "RGB"
    image = Image.new(mode, (width, height), (*base, 0) if job.transparent else base)
    ImageDraw.Draw(image).ellipse(box, fill=(*mark, 255) if job.transparent else mark)
    quality = job.compression if job.compression is not None else 90
    if job.output_format == "png":
        image.save(out, format="PNG", compress_level=1)
    elif job.output_format == "webp":
        image.save(out, format="WEBP", quality=quality, method=0)
    else:
        image.save(out, format="JPEG", quality=max(quality, 1))
    return out.getvalue()


class Params:
    """Typed reads of a JSON body or of multipart fields (which arrive as strings)."""

    def __init__(self, values: dict[str, Any], multipart: bool) -> None:
        self.values = values
        self.multipart = multipart

    def given(self, name: str) -> bool:
        return self.values.get(name) is not None

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is not None and not isinstance(value, str):
            raise Refusal(400, f"Invalid type for '{name}': expected a string.", name, "invalid_type")
        return value

    def choice(self, name: str, allowed: tuple[str, ...] | frozenset[str]) -> str | None:
        value = self.text(name)
        if value is not None and value not in allowed:
            raise Refusal(400, f"Invalid value: '{value}'. Supported values are: "
                               + ", ".join(f"'{v}'" for v in sorted(allowed)) + ".", name, "invalid_value")
        return value

    def integer(self, name: str, low: int, high: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None:
            return None
        if self.multipart and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Refusal(400, f"Invalid type for '{name}': expected an integer.", name, "invalid_type")
        if value < low:
            raise Refusal(400, f"Invalid '{name}': integer below minimum value. Expected a value >= {low}, "
                               f"but got {value} instead.", name, "integer_below_min_value")
        if high is not None and value > high:
            raise Refusal(400, f"Invalid '{name}': integer above maximum value. Expected a value <= {high}, "
                               f"but got {value} instead.", name, "integer_above_max_value")
        return value

    def boolean(self, name: str) -> bool:
        value = self.values.get(name)
        if value is None:
            return False
        if self.multipart and value in ("true", "false"):
            return value == "true"
        if not isinstance(value, bool):
            raise Refusal(400, f"Invalid type for '{name}': expected a boolean.", name, "invalid_type")
        return value


def _invalid(param: str, message: str, code: str = "invalid_value") -> Refusal:
    return Refusal(400, message, param, code)


def check(endpoint: str, params: Params, files: dict[str, list[tuple[str | None, str, bytes]]],
          access: frozenset[str]) -> Job:
    """The request as OpenAI would take it, or the Refusal it would answer with."""
    allowed = EDIT_PARAMS if endpoint == "edits" else GENERATION_PARAMS
    for name in params.values:
        if name not in allowed:
            raise Refusal(400, f"Unknown parameter: '{name}'.", name, "unknown_parameter")
    model_id = params.text("model")
    if not model_id:
        raise Refusal(400, "You must provide a model parameter.", "model", "missing_required_parameter")
    rules = IMAGE_MODELS.get(model_id)
    if rules is None:
        reason = RETIRED_MODELS.get(model_id, "")
        raise Refusal(404, f"The model `{model_id}` does not exist or you do not have access to it. {reason}".strip(),
                      "model", "model_not_found")
    prompt = params.text("prompt")
    if not prompt:
        raise Refusal(400, "Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter")
    if len(prompt) > MAX_PROMPT:
        raise _invalid("prompt", f"Invalid 'prompt': string too long. Expected a string with maximum length "
                                 f"{MAX_PROMPT}, but got a string with length {len(prompt)} instead.",
                       "string_above_max_length")
    for legacy in ("response_format", "style"):
        if params.given(legacy):
            raise Refusal(400, f"Unknown parameter: '{legacy}'. It was only supported by retired DALL·E models; "
                               f"{model_id} always returns base64-encoded images.", legacy, "unsupported_parameter")

    output_format = params.choice("output_format", OUTPUT_FORMATS) or "png"
    if output_format not in rules.formats:
        raise _invalid("output_format", f"{model_id} does not support output_format '{output_format}'.")
    if output_format in ("gif", "svg") and output_format not in access:
        raise _invalid("output_format", f"output_format '{output_format}' requires access to the "
                                        f"{output_format.upper()} preview for {model_id}.")
    animated = output_format == "gif"

    n = params.integer("n", 1, 10) or 1
    if output_format == "svg" and n != 1:
        raise _invalid("n", "SVG generation requires n=1.")

    frame_count = params.integer("frame_count", 2, 16)
    if frame_count is not None and not animated:
        raise _invalid("frame_count", "frame_count is only supported with output_format=gif.")
    frame_duration_ms = params.integer("frame_duration_ms", 0)
    if frame_duration_ms is not None and not animated:
        raise _invalid("frame_duration_ms", "frame_duration_ms is only supported with output_format=gif.")

    compression = params.integer("output_compression", 0, 100)
    if compression is not None and output_format not in ("webp", "jpeg"):
        raise _invalid("output_compression", "output_compression is only supported with the webp or jpeg output "
                                             f"formats, not '{output_format}'.")

    stream = params.boolean("stream")
    partial_images = params.integer("partial_images", 0, 3) or 0
    if output_format in ("gif", "svg"):
        if stream:
            raise _invalid("stream", f"{output_format.upper()} output does not support streaming.")
        if partial_images:
            raise _invalid("partial_images", f"{output_format.upper()} output does not support partial images.")
    if (params.given("svg") or params.given("svg[model]")) and output_format != "svg":
        raise _invalid("svg", "svg requires output_format=svg.")

    quality = params.text("quality") or "auto"
    if quality in ("standard", "hd"):
        raise _invalid("quality", f"Invalid value: '{quality}'. This quality was only supported by retired DALL·E "
                                  f"models; {model_id} supports " + ", ".join(sorted(rules.qualities)) + ".")
    if quality not in rules.qualities:
        raise _invalid("quality", f"Invalid value: '{quality}'. {model_id} supports "
                                  + ", ".join(sorted(rules.qualities)) + ".")

    background = params.choice("background", ("transparent", "opaque", "auto")) or "auto"
    if background == "transparent":
        if output_format not in ("png", "webp"):
            raise _invalid("background", "A transparent background requires output_format png or webp, "
                                         f"not '{output_format}'.")
        if rules.transparent_in_preview and "transparent" not in access:
            raise _invalid("background", f"Transparent backgrounds for {model_id} are in preview, and this project "
                                         "has no access to the preview.")

    params.choice("moderation", ("low", "auto"))
    params.choice("complexity", ("low", "medium", "high"))
    params.text("user")
    safety_identifier = params.text("safety_identifier") or params.text("user") or None

    images = files.get("image", []) + files.get("image[]", [])
    input_fidelity = params.choice("input_fidelity", ("high", "low"))
    if endpoint == "edits":
        first = _check_edit_files(model_id, rules, images, files, animated)
        if input_fidelity is not None:
            if rules.input_fidelity is None:
                raise _invalid("input_fidelity", f"input_fidelity is not supported for {model_id}; omit it.")
            if input_fidelity not in rules.input_fidelity:
                raise _invalid("input_fidelity", f"{model_id} supports input_fidelity "
                                                 + ", ".join(sorted(rules.input_fidelity)) + " only.")
    else:
        first = None

    width, height = _check_size(model_id, rules, params.text("size"), animated, first)
    return Job(endpoint, model_id, prompt, n, width, height, quality, "medium" if quality == "auto" else quality,
               background, output_format, compression, frame_count or 9, frame_duration_ms or 200, stream,
               partial_images, safety_identifier, sum(_input_tokens(data) for _, _, data in images))


def _check_size(model_id: str, rules: ModelRules, size: str | None, animated: bool,
                first: tuple[int, int] | None) -> tuple[int, int]:
    if size in (None, "auto"):
        if first is None or first[0] == first[1]:
            return 1024, 1024
        return (1536, 1024) if first[0] > first[1] else (1024, 1536)
    presets = ", ".join(PRESET_SIZES)
    if size in LEGACY_SIZES:
        raise _invalid("size", f"Invalid value: '{size}'. This legacy size is not supported by {model_id}; "
                               f"supported sizes are {presets}" + (" or a custom WIDTHxHEIGHT." if rules.custom_sizes
                                                                   else ", and 'auto'."))
    match = re.fullmatch(r"([1-9]\d{0,4})x([1-9]\d{0,4})", size)
    if match is None:
        raise _invalid("size", f"Invalid value: '{size}'. Expected 'auto' or WIDTHxHEIGHT.")
    width, height = int(match.group(1)), int(match.group(2))
    if size in PRESET_SIZES:
        return width, height
    if not rules.custom_sizes:
        raise _invalid("size", f"Invalid value: '{size}'. {model_id} supports {presets}, and 'auto'.")
    if animated:
        raise _invalid("size", f"Invalid value: '{size}'. GIF output of {model_id} supports {presets}.")
    if width % SIZE_MULTIPLE or height % SIZE_MULTIPLE:
        raise _invalid("size", f"Invalid value: '{size}'. Width and height must both be divisible by {SIZE_MULTIPLE}.")
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise _invalid("size", f"Invalid value: '{size}'. The aspect ratio must be between 1:3 and 3:1.")
    if max(width, height) > MAX_EDGE or width * height > MAX_PIXELS:
        raise _invalid("size", f"Invalid value: '{size}'. The maximum supported resolution is 3840x2160.")
    return width, height


def _check_edit_files(model_id: str, rules: ModelRules, images: list[tuple[str | None, str, bytes]],
                      files: dict[str, list[tuple[str | None, str, bytes]]], animated: bool) -> tuple[int, int]:
    if not images:
        raise Refusal(400, "Missing required parameter: 'image'.", "image", "missing_required_parameter")
    if len(images) > MAX_INPUT_IMAGES:
        raise _invalid("image", f"You can provide up to {MAX_INPUT_IMAGES} images.")
    dimensions = []
    for _, _, data in images:
        kind, size = _decode_image(data)
        if kind not in ("PNG", "WEBP", "JPEG") or len(data) >= MAX_INPUT_IMAGE_BYTES:
            raise _invalid("image", "Invalid image file: each image must be a png, webp, or jpg file less than 50MB.",
                           "invalid_image_format")
        dimensions.append(size)
    masks, markups = files.get("mask", []), files.get("markup", [])
    if masks and markups:
        raise _invalid("markup", "markup cannot be combined with mask.")
    if masks:
        if animated:
            raise _invalid("mask", "GIF output does not support masks.")
        kind, size = _decode_image(masks[0][2])
        if kind != "PNG" or len(masks[0][2]) >= MAX_MASK_BYTES:
            raise _invalid("mask", "Invalid mask image: it must be a valid PNG file less than 4MB.",
                           "invalid_image_format")
        if size != dimensions[0]:
            raise _invalid("mask", f"Invalid mask image: its size {size[0]}x{size[1]} does not match the image's "
                                   f"{dimensions[0][0]}x{dimensions[0][1]}.")
    if markups:
        if not rules.markup:
            raise _invalid("markup", f"markup is not supported for {model_id}.")
        kind, size = _decode_image(markups[0][2], need_transparency=True)
        if kind != "PNG-TRANSPARENT" or size != dimensions[0]:
            raise _invalid("markup", "markup must be a transparent PNG of the first image's dimensions.")
    return dimensions[0]


def _decode_image(data: bytes, need_transparency: bool = False) -> tuple[str, tuple[int, int]]:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            kind = image.format or ""
            if (need_transparency and kind == "PNG" and image.mode in ("RGBA", "LA", "PA")
                    and image.getchannel("A").getextrema()[0] < 255):
                kind = "PNG-TRANSPARENT"
            return kind, image.size
    except Exception:  # noqa: BLE001 - anything Pillow cannot read is "not an image" to the API
        return "", (0, 0)


def _input_tokens(data: bytes) -> int:
    _, (width, height) = _decode_image(data)
    scale = min(1.0, 2048 / max(width, height, 1))
    return 65 + 129 * math.ceil(width * scale / 512) * math.ceil(height * scale / 512)


def usage(job: Job, images: int, input_tokens: bool = True, details: bool = True) -> dict[str, Any]:
    """Token usage as images_response.Usage (details=True) or a completed stream event's Usage describes it."""
    text = job.text_tokens() if input_tokens else 0
    image_in = job.input_image_tokens if input_tokens else 0
    image_out = job.output_tokens() * images
    # An SVG's markup is written as text by the SVG author on top of the reference image.
    text_out = math.ceil(len(render(job, 0)) / 4) * images if job.output_format == "svg" else 0
    body: dict[str, Any] = {"input_tokens": text + image_in,
                            "input_tokens_details": {"image_tokens": image_in, "text_tokens": text},
                            "output_tokens": image_out + text_out,
                            "total_tokens": text + image_in + image_out + text_out}
    if details:
        body["output_tokens_details"] = {"image_tokens": image_out, "text_tokens": text_out}
    return body


class FakeOpenAI:
    def __init__(self, *, render_seconds: float = 0.0, access: frozenset[str] = DEFAULT_ACCESS) -> None:
        self.requests: list[RecordedRequest] = []
        self.render_seconds = render_seconds
        self.access = frozenset(access)
        self.in_flight = 0
        self.peak_in_flight = 0
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def script(self, kind: str, *, retry_after: str | None = None, indexes: tuple[int, ...] = (0,),
               seconds: float = 3.0, count: int = 0, categories: tuple[str, ...] = ()) -> None:
        """Queues how the next unscripted call behaves; each HTTP call, retries included, takes one entry."""
        if kind not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {kind!r}")
        with self._lock:
            self._script.append(Behaviour(kind, retry_after, tuple(indexes), seconds, count, tuple(categories)))

    def calls(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def _next(self) -> Behaviour | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def _encoded(self, job: Job, index: int, behaviour: Behaviour | None, progress: float = 1.0) -> str:
        if behaviour and progress == 1.0 and index in behaviour.indexes:
            if behaviour.kind == "bad_base64":
                return "%%not*base64%%" + base64.b64encode(b"garbage").decode()
            if behaviour.kind == "not_an_image":
                return base64.b64encode(b"<html>definitely not a picture</html>").decode()
        return base64.b64encode(render(job, index, progress)).decode()

    def _count(self, job: Job, behaviour: Behaviour | None) -> int:
        return min(behaviour.count, job.n) if behaviour and behaviour.kind == "fewer" else job.n

    def _render_time(self, behaviour: Behaviour | None) -> float:
        return behaviour.seconds if behaviour and behaviour.kind == "slow" else self.render_seconds

    def _images(self, job: Job, behaviour: Behaviour | None) -> dict[str, Any]:
        self._closing.wait(self._render_time(behaviour))
        count = self._count(job, behaviour)
        body: dict[str, Any] = {
            "created": int(time.time()),
            "background": "transparent" if job.transparent else "opaque",
            "data": [{"b64_json": self._encoded(job, index, behaviour)} for index in range(count)],
            "output_format": job.output_format, "quality": job.rendered_quality, "size": job.size,
            "usage": usage(job, count),
        }
        if job.safety_identifier:
            body["safety_identifier"] = job.safety_identifier
        return body

    def _events(self, job: Job, behaviour: Behaviour | None) -> Iterator[tuple[str, dict[str, Any]]]:
        """The stream's events, each after its share of the render time."""
        steps = job.partial_images + 1
        pause = self._render_time(behaviour) / steps
        described = {"background": job.background, "output_format": job.output_format, "quality": job.quality,
                     "size": job.size}
        for index in range(self._count(job, behaviour)):
            for partial in range(job.partial_images):
                if self._closing.wait(pause):
                    return
                yield f"{job.event_prefix}.partial_image", {
                    "type": f"{job.event_prefix}.partial_image", "partial_image_index": partial,
                    "b64_json": self._encoded(job, index, None, (partial + 1) / steps),
                    "created_at": int(time.time()), **described}
                if behaviour and behaviour.kind == "stream_error":
                    yield "error", {"type": "error", "error": {
                        "type": "server_error", "code": "server_error", "param": None,
                        "message": "The server had an error while processing your request."}}
                    return
            if self._closing.wait(pause):
                return
            completed = {"type": f"{job.event_prefix}.completed", "b64_json": self._encoded(job, index, behaviour),
                         "created_at": int(time.time()), **described,
                         "usage": usage(job, 1, input_tokens=index == 0, details=False)}
            if job.safety_identifier:
                completed["safety_identifier"] = job.safety_identifier
            yield f"{job.event_prefix}.completed", completed

    def _moderation(self, request: RecordedRequest, behaviour: Behaviour | None) -> dict[str, Any]:
        flagged = set(behaviour.categories) if behaviour and behaviour.kind == "flagged" else set()
        result = {
            "flagged": bool(flagged),
            "categories": {name: name in flagged for name in MODERATION_CATEGORIES},
            "category_scores": {name: 0.97 if name in flagged else 0.0001 for name in MODERATION_CATEGORIES},
            "category_applied_input_types": {name: ["text"] for name in MODERATION_CATEGORIES},
        }
        return {"id": "modr-fake", "model": request.json.get("model"), "results": [result]}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _stream(self, events: Iterator[tuple[str, dict[str, Any]]], request: RecordedRequest) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                    self.send_header("Cache-Control", "no-cache")
                    self.end_headers()
                    self.wfile.flush()
                    for name, data in events:
                        self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                        self.wfile.flush()
                        request.event_times.append(time.monotonic())
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _error(self, status: int, message: str, code: str | None, kind: str,
                       headers: dict[str, str] | None = None, param: str | None = None) -> None:
                self._reply(status, {"error": {"message": message, "type": kind, "param": param, "code": code}},
                            headers)

            def _record(self) -> RecordedRequest:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                content_type = self.headers.get("Content-Type", "")
                request = RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()})
                if content_type.startswith("multipart/form-data"):
                    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
                    for part in message.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        payload = part.get_payload(decode=True) or b""
                        if part.get_filename() is None:
                            request.fields[name] = payload.decode()
                        else:
                            upload = (part.get_filename(), part.get_content_type(), payload)
                            request.files.setdefault(name, upload)
                            request.file_lists.setdefault(name, []).append(upload)
                elif body:
                    request.json = json.loads(body)
                with fake._lock:
                    fake.requests.append(request)
                return request

            def _images(self, request: RecordedRequest, behaviour: Behaviour | None) -> None:
                endpoint = "edits" if self.path == "/v1/images/edits" else "generations"
                multipart = bool(request.fields or request.files)
                try:
                    job = check(endpoint, Params(request.fields if multipart else request.json, multipart),
                                request.file_lists, fake.access)
                except Refusal as refusal:
                    self._error(refusal.status, refusal.message, refusal.code, refusal.kind, param=refusal.param)
                    return
                with fake._lock:
                    fake.in_flight += 1
                    fake.peak_in_flight = max(fake.peak_in_flight, fake.in_flight)
                try:
                    if job.stream:
                        self._stream(fake._events(job, behaviour), request)
                    else:
                        self._reply(200, fake._images(job, behaviour))
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def do_POST(self) -> None:
                request = self._record()
                behaviour = fake._next()
                kind = behaviour.kind if behaviour else None
                if kind == "timeout":
                    fake._closing.wait(behaviour.seconds)
                    kind = None
                if kind == "500":
                    self._error(500, "The server had an error while processing your request.", None, "server_error")
                elif kind == "429":
                    headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
                    self._error(429, "Rate limit reached for images.", "rate_limit_exceeded", "requests", headers)
                elif kind == "content_policy":
                    self._error(400, "Your request was rejected as a result of our safety system.",
                                "content_policy_violation", "invalid_request_error")
                elif kind == "moderation_blocked":
                    self._error(400, "Your request was rejected by the safety system.", "moderation_blocked",
                                "image_generation_user_error")
                elif kind == "bad_request":
                    self._error(400, "Invalid value for 'size'.", "invalid_value", "invalid_request_error",
                                param="size")
                elif self.path in ("/v1/images/generations", "/v1/images/edits"):
                    self._images(request, behaviour)
                elif self.path == "/v1/moderations":
                    self._reply(200, fake._moderation(request, behaviour))
                else:
                    self._error(404, f"Unknown path {self.path}", "unknown_url", "invalid_request_error")

        return Handler


def openai_settings(server: FakeOpenAI) -> dict[str, str]:
    """Settings that point the real openai SDK at the fake."""
    return {"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": f"{server.url}/v1"}  # pragma: allowlist secret
