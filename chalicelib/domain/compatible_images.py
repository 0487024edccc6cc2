"""OpenAI's Images API on top of ordinary Pixmint generations: the same quote, charge, refund and history, and an
answer that waits for the worker (polling the database) until the images exist or the time runs out."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .catalogue import ModelSpec
from .errors import InvalidRequest, NotFound, PayloadTooLarge, UnsupportedMediaType
from .generation import Generation, GenerationRequest
from .generation_requests import GenerationService
from .model import Principal
from .uploads import UploadService

WAIT_CEILING = 150.0  # seconds; below the 170 s integration timeout infra/ gives /v1/openai/* in AWS
TIME_MARGIN = 10.0  # seconds kept back from the Lambda's own timeout to answer with the generation id
POLL_SECONDS = 0.5
COMPRESSIBLE = ("jpeg", "webp")
# Pixmint's names for OpenAI's parameters, where they differ, so refusals name what the client sent.
PARAMS = {"source_image_id": "image", "mask_image_id": "mask"}


class UnknownModel(NotFound):
    """The model named is not one of the catalogue's; answered as OpenAI does, with code model_not_found."""

    code = "model_not_found"


@dataclass(frozen=True)
class Upload:
    """An image or mask sent with an edit request, not yet checked."""

    data: bytes
    content_type: str


@dataclass(frozen=True)
class CompatibleRequest:
    """An OpenAI-style images request as Pixmint's generation request, with what only that API has."""

    generation: GenerationRequest
    stream: bool = False
    partial_images: int = 0
    output_compression: int | None = None
    image: Upload | None = None
    mask: Upload | None = None

    @property
    def editing(self) -> bool:
        """True for /images/edits (an image came with the request)."""
        return self.image is not None


@dataclass(frozen=True)
class Partial:
    """One streamed partial image: the image's position and the partial's index among its partials."""

    position: int
    index: int
    data: bytes


@dataclass(frozen=True)
class Outcome:
    """A finished generation and its images' bytes, or pending when the time ran out first."""

    generation_id: str
    generation: Generation | None
    images: list[bytes] = field(default_factory=list)
    partials: list[Partial] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        """True while the generation is neither succeeded nor failed, or was not read back."""
        return self.generation is None or self.generation.status not in ("succeeded", "failed")


def _choice(params: dict[str, Any], name: str, allowed: tuple[str | None, ...]) -> None:
    if params.get(name) not in allowed:
        raise InvalidRequest(f"{name} is one of {', '.join(a for a in allowed if a)}.",
                             {"field": name, "allowed": [a for a in allowed if a]})


def _in_range(params: dict[str, Any], name: str, low: int, high: int) -> None:
    value = params.get(name)
    if value is not None and not low <= value <= high:
        raise InvalidRequest(f"{name} is from {low} to {high}.", {"field": name, "min": low, "max": high})


def from_openai(params: dict[str, Any], image: Upload | None = None, mask: Upload | None = None) -> CompatibleRequest:
    """OpenAI's parameters, already checked for names and types, as a Pixmint request. `auto` means Pixmint's
    default; moderation, user, safety_identifier and input_fidelity are accepted and Pixmint's own rules apply."""
    _choice(params, "response_format", (None, "b64_json"))
    _choice(params, "moderation", (None, "auto", "low"))
    _choice(params, "input_fidelity", (None, "high", "low"))
    _in_range(params, "n", 1, 10)
    _in_range(params, "partial_images", 0, 3)
    _in_range(params, "output_compression", 0, 100)
    compression = params.get("output_compression")
    fmt = params.get("output_format") or "png"
    if compression is not None and compression < 100 and fmt not in COMPRESSIBLE:
        raise InvalidRequest("output_compression is for the jpeg and webp formats.", {"field": "output_compression"})
    if mask is not None and image is None:
        raise InvalidRequest("A mask needs an image.", {"field": "mask"})
    request = GenerationRequest(
        prompt=params["prompt"], model=params.get("model"), n=params.get("n") or 1,
        size=None if params.get("size") in (None, "auto") else params["size"],
        quality=None if params.get("quality") in (None, "auto") else params["quality"],
        background=params.get("background"), output_format=params.get("output_format"),
        frame_count=params.get("frame_count"),
    )
    return CompatibleRequest(request, stream=bool(params.get("stream")),
                             partial_images=params.get("partial_images") or 0, output_compression=compression,
                             image=image, mask=mask)


class CompatibleImages:
    """Runs OpenAI-shaped image requests as Pixmint generations and waits for them to finish."""

    def __init__(self, generations: GenerationService, uploads: UploadService, uow: Callable[[], Any], store: Any,
                 codec: Any, wait_ceiling: float = WAIT_CEILING, poll_seconds: float = POLL_SECONDS,
                 sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic,
                 log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None) -> None:
        self._generations = generations
        self._uploads = uploads
        self._uow = uow
        self._store = store
        self._codec = codec
        self._ceiling = wait_ceiling
        self._poll = poll_seconds
        self._sleep = sleep
        self._monotonic = monotonic
        self._log = log

    def models(self) -> list[ModelSpec]:
        """The models a request may name today."""
        return [spec for spec, _, _ in self._generations.models() if spec.available]

    def start(self, principal: Principal, request: CompatibleRequest) -> Generation:
        """Charges and queues the generation, uploading an edit's image and mask first; refusals name OpenAI's
        parameters."""
        user = principal.user
        model = request.generation.model
        if model is not None and model not in {spec.id for spec, _, _ in self._generations.models()}:
            raise UnknownModel(f"The model {model} does not exist.", {"field": "model"})
        wanted = request.generation
        if request.image is not None:
            wanted = replace(wanted, source_image_id=self._upload(principal, request.image, "image"),
                             mask_image_id=self._upload(principal, request.mask, "mask") if request.mask else None)
        try:
            return self._generations.create(user, wanted, principal.api_key_id)
        except InvalidRequest as exc:
            name = exc.details.get("field")
            if name in PARAMS:
                raise InvalidRequest(exc.message, {**exc.details, "field": PARAMS[name]}) from None
            raise

    def wait(self, user_id: str, generation_id: str, request: CompatibleRequest,
             time_left: float | None = None) -> Outcome:
        """Waits for a generation to finish, at most min(the ceiling, time_left less a margin) seconds."""
        budget = self._ceiling if time_left is None else min(self._ceiling, time_left - TIME_MARGIN)
        return self._wait(user_id, generation_id, max(budget, 0.0), request)

    def _upload(self, principal: Principal, upload: Upload, name: str) -> str:
        try:
            return self._uploads.upload(principal.user, upload.data, upload.content_type).id
        except (PayloadTooLarge, UnsupportedMediaType) as exc:
            raise InvalidRequest(exc.message, {**exc.details, "field": name}) from None

    def _wait(self, user_id: str, generation_id: str, budget: float, request: CompatibleRequest) -> Outcome:
        deadline = self._monotonic() + budget
        partials: list[Partial] = []
        seen: dict[int, set[bytes]] = {}
        generation: Generation | None = None
        while True:
            try:
                generation = self._generations.get(user_id, generation_id)
            except Exception as exc:  # noqa: BLE001 - the charge is made: an outage now must not lose the id
                self._log("could not read a generation while waiting", {"generation_id": generation_id,
                                                                        "error_type": type(exc).__name__})
            done = generation is not None and generation.status in ("succeeded", "failed")
            if request.stream and request.partial_images and generation is not None:
                # A finished generation lists no previews, but the last ones stay readable for a while.
                positions = range(generation.n) if done else generation.previews
                self._collect(user_id, generation_id, positions, request.partial_images, seen, partials)
            if done or self._monotonic() >= deadline:
                break
            self._sleep(self._poll)
        if generation is None or not done:
            return Outcome(generation_id, generation, partials=partials)
        return Outcome(generation_id, generation, self._bytes(user_id, generation, request.output_compression),
                       partials)

    def _collect(self, user_id: str, generation_id: str, positions: Any, limit: int, seen: dict[int, set[bytes]],
                 partials: list[Partial]) -> None:
        for position in positions:
            known = seen.setdefault(position, set())
            if len(known) >= limit:
                continue
            try:
                data, _ = self._generations.preview(user_id, generation_id, position)
            except NotFound:
                continue
            digest = hashlib.sha256(data).digest()
            if digest not in known:
                known.add(digest)
                partials.append(Partial(position, len(known) - 1, data))

    def _bytes(self, user_id: str, generation: Generation, compression: int | None) -> list[bytes]:
        out = []
        for image in generation.images:
            with self._uow() as uow:
                data = uow.images.data(image.id, user_id)
            if data is None:
                data = self._store.get(image.s3_key)
            if compression is not None and compression < 100 and generation.output_format in COMPRESSIBLE:
                data = self._codec.convert(data, generation.output_format, image.width, max(compression, 1))
            out.append(data)
        return out
