"""The worker: turns one queued generation into stored images, falling back or refunding when it must."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from .catalogue import ModelSpec, Options, check_options, safety_identifier, unit_price
from .closing import GenerationCloser
from .errors import InvalidRequest
from .generation import Generation, ImageRecord, image_id_for, image_record, preview_key_for
from .imaging import (
    OUTPUT_TYPES,
    InvalidImage,
    ModelWithdrawn,
    ProviderError,
    ProviderImage,
    ProviderRejected,
    ProviderRequest,
    TokenUsage,
)
from .ports import GenerationEvents, GenerationUnitOfWork, ImageCodec, ImageProvider, ImageStore

MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class WorkerPolicy:
    """How long a worker holds a claimed generation before another delivery of its job may take it over."""

    lease: timedelta = timedelta(minutes=6)  # longer than the worker Lambda's 300 s timeout


class GenerationWorker:
    """Turns one queued generation into stored images, refunding what could not be made."""

    def __init__(self, uow: Callable[[], GenerationUnitOfWork], providers: dict[str, ImageProvider],
                 codec: ImageCodec, store: ImageStore, clock: Any,
                 policy: WorkerPolicy = WorkerPolicy(),
                 log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None,
                 safety_secret: bytes = b"",
                 on_model_withdrawn: Callable[[str], None] = lambda model: None,
                 events: GenerationEvents | None = None) -> None:
        self._uow = uow
        self._providers = providers
        self._codec = codec
        self._store = store
        self._clock = clock
        self._policy = policy
        self._log = log
        self._safety_secret = safety_secret
        self._on_model_withdrawn = on_model_withdrawn
        self._catalogue_cache: tuple[float, dict[str, ModelSpec], bool] | None = None
        self._closer = GenerationCloser(uow, clock, log, events)

    def process(self, generation_id: str) -> str:
        """Idempotent under redelivery: a generation already running elsewhere or finished is left alone."""
        with self._uow() as uow:
            generation = uow.generations.claim(generation_id, self._clock.now(), self._policy.lease)
            if generation is None:
                return "skipped"
            source = uow.images.data(generation.source_image_id, generation.user_id) \
                if generation.source_image_id else None
            mask = uow.images.data(generation.mask_image_id, generation.user_id) if generation.mask_image_id else None
            specs, fallback_on = self._catalogue(uow)
            uow.commit()
        if generation.attempts > MAX_ATTEMPTS:
            return self._finish(generation, None, Decimal(0), None, "Gave up after repeated worker failures.",
                                error_code="worker_failed")
        try:
            return self._make(generation, source, mask, specs, fallback_on)
        except Exception:
            # Without this the claim's lease would make every redelivery in the next minutes a no-op.
            self._release(generation.id)
            raise

    def _prepared(self, generation: Generation, source: bytes | None, mask: bytes | None
                  ) -> tuple[bytes | None, bytes | None]:
        """The source and mask as PNGs the provider takes: an outpaint's source on its larger transparent canvas
        with the new border as the mask, an upscale's source enlarged to the target first."""
        if source is None:
            return None, None
        params = generation.operation_params
        if "outpaint" in params:
            sides = params["outpaint"]
            return self._codec.extend_canvas(source, sides["left"], sides["right"], sides["top"], sides["bottom"])
        if "upscale" in params:
            return self._codec.resize(source, params["upscale"]["width"], params["upscale"]["height"]), None
        return self._codec.to_png(source), self._codec.to_png(mask) if mask is not None else None

    def _release(self, generation_id: str) -> None:
        try:
            with self._uow() as uow:
                uow.generations.release(generation_id)
                uow.commit()
        except Exception as exc:  # noqa: BLE001 - the lease still expires, and the job is redelivered then
            self._log("could not release a failed claim", {"generation_id": generation_id,
                                                           "error_type": type(exc).__name__})

    def _make(self, generation: Generation, source: bytes | None, mask: bytes | None, specs: dict[str, ModelSpec],
              fallback_on: bool) -> str:
        # Images are written only by the transaction that closes a generation, so a claimed one has none yet.
        missing = list(range(generation.n))
        spec = specs[generation.model]
        if not spec.available:
            return self._finish(generation, spec.provider, Decimal(0), None,
                                f"{spec.label} is no longer available; every credit was returned.")
        streams = spec.previews and generation.output_format not in ("gif", "svg")
        source, mask = self._prepared(generation, source, mask)
        request = ProviderRequest(model=generation.model, prompt=generation.final_prompt, size=generation.size,
                                  quality=generation.quality, n=len(missing), seed=generation.seed,
                                  negative_prompt=generation.negative_prompt, source_image=source, mask_image=mask,
                                  operation=generation.operation,
                                  input_fidelity=generation.operation_params.get("input_fidelity"),
                                  background=generation.background, output_format=generation.output_format,
                                  frame_count=generation.frame_count,
                                  safety_identifier=safety_identifier(self._safety_secret, generation.user_id),
                                  on_partial=self._preview_writer(generation, missing) if streams else None)
        started = time.perf_counter()
        used, unit_cost = spec, generation.unit_cost_usd
        try:
            result = self._providers[spec.provider].generate(request)
        except ModelWithdrawn as exc:
            self._withdraw(spec, str(exc))
            return self._finish(generation, spec.provider, Decimal(0), None,
                                f"{spec.label} is no longer offered by its provider; every credit was returned.",
                                error_code="model_withdrawn")
        except ProviderRejected as exc:
            return self._finish(generation, spec.provider, Decimal(0), None, f"The provider refused the prompt: {exc}",
                                error_code="content_refused")
        except ProviderError as exc:
            chosen = self._fallback_for(spec, generation, specs, fallback_on, exc, source is not None)
            if chosen is None:
                return self._finish(generation, spec.provider, Decimal(0), None, "The image service is unavailable.",
                                    error_code="provider_failed")
            fallback, options = chosen
            self._log("provider failed; falling back", {"generation_id": generation.id, "from": spec.id,
                                                        "to": fallback.id})
            request = replace(request, model=fallback.id, n=min(len(missing), fallback.max_n), size=options.size,
                              quality=options.quality, on_partial=request.on_partial if fallback.previews else None)
            with self._uow() as uow, contextlib.suppress(InvalidRequest):
                unit_cost = unit_price(fallback, options, uow.catalog).provider_cost_usd
            used = fallback
            try:
                result = self._providers[fallback.provider].generate(request)
            except ProviderError:
                return self._finish(generation, spec.provider, Decimal(0), None, "The image service is unavailable.",
                                    error_code="provider_failed")
        latency_ms = int((time.perf_counter() - started) * 1000)
        made, errors = self._prepare_images(generation, missing, result.images)
        error = None if not errors else f"{len(errors)} of {generation.n} images failed: {errors[0]}"
        return self._finish(generation, used.provider, unit_cost * len(made), latency_ms, error, made,
                            result.usage, used)

    def _fallback_for(self, spec: ModelSpec, generation: Generation, specs: dict[str, ModelSpec], fallback_on: bool,
                      exc: ProviderError, editing: bool) -> tuple[ModelSpec, Options] | None:
        """A retryable failure may move to the fallback model, at the nearest size and quality it makes, when it
        makes the format and background asked for."""
        fallback = specs.get(spec.fallback_model or "")
        if not (exc.retryable and fallback_on and fallback and fallback.available
                and fallback.provider in self._providers and not editing):
            return None
        wanted = generation.options
        try:
            options = check_options(fallback, wanted.size if wanted.size in fallback.sizes else None,
                                    wanted.quality if wanted.quality in fallback.qualities else None,
                                    wanted.background, wanted.output_format, wanted.frame_count, 1, editing=False,
                                    masked=False)
        except InvalidRequest:
            return None
        return fallback, options

    def _withdraw(self, spec: ModelSpec, reason: str) -> None:
        """Marks the model unavailable so no new request is charged for it; the first worker to notice reports it."""
        with self._uow() as uow:
            first = uow.catalog.mark_withdrawn(spec.id, reason[:500], self._clock.now())
            uow.commit()
        self._catalogue_cache = None
        self._log("model withdrawn by its provider", {"model": spec.id, "first_report": first})
        if first:
            self._on_model_withdrawn(spec.id)

    def _preview_writer(self, generation: Generation, positions: list[int]) -> Callable[[int, bytes], None]:
        def write(index: int, data: bytes) -> None:
            if not 0 <= index < len(positions):
                return
            try:
                content_type = _sniff(data) or OUTPUT_TYPES[generation.output_format]
                key = preview_key_for(generation.id, positions[index], content_type)
                self._store.put(key, data, content_type)
                with self._uow() as uow:
                    uow.previews.put(generation.id, positions[index], key, content_type, self._clock.now())
                    uow.commit()
            except Exception as exc:  # noqa: BLE001 - a lost preview must never cost the image itself
                self._log("could not keep a preview", {"generation_id": generation.id,
                                                        "error_type": type(exc).__name__})
        return write

    def _catalogue(self, uow: GenerationUnitOfWork) -> tuple[dict[str, ModelSpec], bool]:
        """Models and the fallback switch, re-read at most every 30 s: admin changes reach workers quickly."""
        now = time.monotonic()
        if self._catalogue_cache is None or now - self._catalogue_cache[0] > 30:
            specs = {m.id: m for m in uow.catalog.models(include_disabled=True)}
            self._catalogue_cache = (now, specs, bool(uow.catalog.setting("provider_fallback", True)))
        return self._catalogue_cache[1], self._catalogue_cache[2]

    def _prepare_images(self, generation: Generation, positions: list[int], results: list[ProviderImage]
                        ) -> tuple[list[tuple[ImageRecord, bytes, bytes]], list[str]]:
        """Validates each image and writes its S3 backup; the rows are written when the generation closes."""
        made, errors = [], []
        for index, position in enumerate(positions):
            result = results[index] if index < len(results) else ProviderImage(None, "no image returned")
            if result.data is None:
                errors.append(result.error or "no image returned")
                continue
            try:
                info, thumbnail = self._codec.inspect_with_thumbnail(result.data)
            except InvalidImage:
                errors.append("the provider returned something that is not an image")
                continue
            record = image_record(image_id_for(generation.id, position), generation.user_id, generation.id, "generated",
                             position, info, result.data, self._clock.now())
            self._store.put(record.s3_key, result.data, info.content_type)
            made.append((record, result.data, thumbnail))
        return made, errors

    def _finish(self, generation: Generation, provider: str | None, provider_cost: Decimal, latency_ms: int | None,
                error: str | None, made: list[tuple[ImageRecord, bytes, bytes]] | None = None,
                usage: TokenUsage | None = None, spec: ModelSpec | None = None, error_code: str | None = None) -> str:
        return self._closer.close(generation, provider, provider_cost, latency_ms, error, made, usage, spec,
                                  error_code)


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None
