"""Asking for images: the models on offer, quotes, accepting (and charging) a request, cancelling, reading."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from .api_keys import check_key_budget, check_key_model
from .catalogue import ModelSpec, Price, Rate, check_options, unit_price
from .credits import spend
from .errors import Conflict, ContentRejected, DailyCapReached, InvalidRequest, ModelUnavailable, NotFound
from .generation import (
    MAX_NEGATIVE_PROMPT,
    MAX_PROMPT,
    PREVIEW_GRACE,
    STATUSES,
    Generation,
    GenerationFilters,
    GenerationRequest,
    ImageRecord,
    Plan,
    PromptTemplate,
    StylePreset,
)
from .ids import is_uuid
from .model import User
from .operations import VARIATION, plan_operation, resolve_operation
from .paging import decode_time_cursor, page_of
from .ports import GenerationEvents, GenerationUnitOfWork, ImageStore, JobQueue, Moderator

CANCELLED = "Cancelled before it started; every credit was returned."


def _clean_text(value: str | None, field_name: str, limit: int, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InvalidRequest(f"The field {field_name} is required.", {"field": field_name})
        return None
    value = value.strip()
    if not value:
        if required:
            raise InvalidRequest(f"Write a {field_name.replace('_', ' ')}.", {"field": field_name})
        return None
    if len(value) > limit:
        raise InvalidRequest(f"The {field_name.replace('_', ' ')} is at most {limit} characters.",
                             {"field": field_name, "max_length": limit})
    return value


def _parse_uuid(value: str | None, field_name: str) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidRequest(f"The {field_name} is not a valid id.", {"field": field_name}) from None


class GenerationService:
    """Quotes, accepts, cancels and reads generations."""

    def __init__(self, uow: Callable[[], GenerationUnitOfWork], queue: JobQueue, store: ImageStore,
                 moderators: list[Moderator], clock: Any, available_providers: set[str],
                 log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None,
                 events: GenerationEvents | None = None) -> None:
        self._uow = uow
        self._events = events
        self._queue = queue
        self._store = store
        self._moderators = moderators
        self._clock = clock
        self._providers = available_providers
        self._log = log

    def _offered(self, uow: GenerationUnitOfWork) -> list[ModelSpec]:
        return [m for m in uow.catalog.models() if m.provider in self._providers]

    def models(self) -> list[tuple[ModelSpec, list[Price], list[Rate]]]:
        """The models this deployment can run, available or withdrawn, with their prices and rates."""
        with self._uow() as uow:
            specs = self._offered(uow)
            rates = uow.catalog.rates()
            return [(m, [p for s in m.sizes for q in m.qualities if (p := uow.catalog.price(m.id, s, q))],
                     [r for r in rates if r.model == m.id]) for m in specs]

    def default_model(self) -> str | None:
        """The first available model this deployment offers, None when it offers none."""
        with self._uow() as uow:
            return next((m.id for m in self._offered(uow) if m.available), None)

    def presets(self) -> list[StylePreset]:
        """The active style presets in display order."""
        with self._uow() as uow:
            return uow.catalog.presets()

    def templates(self) -> list[PromptTemplate]:
        """The active prompt templates in display order."""
        with self._uow() as uow:
            return uow.catalog.templates()

    def plan(self, user: User, request: GenerationRequest, key_models: tuple[str, ...] | None = None) -> Plan:
        """Validates a request against the catalogue, its operation and its images, and prices it; quote and
        create share it. With an API key's model list, a model off it is refused here as the charge would be."""
        prompt = _clean_text(request.prompt, "prompt", MAX_PROMPT)
        negative = _clean_text(request.negative_prompt, "negative_prompt", MAX_NEGATIVE_PROMPT)
        source_id = _parse_uuid(request.source_image_id, "source_image_id")
        mask_id = _parse_uuid(request.mask_image_id, "mask_image_id")
        operation = resolve_operation(request.operation, source_id is not None)
        with self._uow() as uow:
            specs = {m.id: m for m in self._offered(uow)}
            spec = _choose_model(specs, request.model)
            source, mask = (_own_image(uow, user, image_id, name) for image_id, name in
                            ((source_id, "source_image_id"), (mask_id, "mask_image_id")))
            edit = plan_operation(operation, spec, _dimensions(source), _dimensions(mask), request.size,
                                  request.background, request.output_format, request.outpaint, request.upscale)
            options = check_options(spec, edit.size or request.size, request.quality,
                                    edit.background or request.background, request.output_format,
                                    request.frame_count, request.n, editing=source is not None,
                                    masked=mask is not None or edit.padding is not None)
            suffix = None
            if request.style_preset is not None:
                preset = next((p for p in uow.catalog.presets() if p.id == request.style_preset), None)
                if preset is None:
                    raise InvalidRequest("There is no such style preset.", {"field": "style_preset"})
                suffix = preset.prompt_suffix
            price = unit_price(spec, options, uow.catalog)
        if prompt is None:  # a variation keeps its source's prompt; the other operations say what they do
            prompt = (source.prompt if operation == VARIATION and source is not None else None) or edit.default_prompt
        if prompt is None:
            raise InvalidRequest("Write a prompt.", {"field": "prompt"})
        final = f"{prompt}, {suffix}" if suffix else prompt
        cleaned = replace(request, prompt=prompt, negative_prompt=negative, source_image_id=source_id,
                          mask_image_id=mask_id, model=spec.id, operation=operation)
        check_key_model(key_models, spec.id)
        return Plan(spec, price, cleaned, options, final, edit)

    def quote(self, user: User, request: GenerationRequest) -> int:
        """What the request would cost in credits, charging nothing; raises as plan() does for a request it refuses."""
        return self.plan(user, request).cost

    def create(self, user: User, request: GenerationRequest, api_key_id: str | None = None) -> Generation:
        """Charges and records a queued generation in one transaction, then hands it to the job queue."""
        plan = self.plan(user, request)
        for text in filter(None, (plan.request.prompt, plan.request.negative_prompt)):
            for moderator in self._moderators:
                reason = moderator.check(text)
                if reason:
                    with self._uow() as uow:  # admins see accounts with moderation hits first
                        uow.flags.flag(user.id, "prompt refused by moderation", self._clock.now())
                        uow.commit()
                    raise ContentRejected(reason, {"field": "prompt"})
        now = self._clock.now()
        options = plan.options
        generation = Generation(
            id=str(uuid.uuid4()), user_id=user.id, status="queued", prompt=plan.request.prompt or plan.final_prompt,
            final_prompt=plan.final_prompt, negative_prompt=plan.request.negative_prompt,
            style_preset=plan.request.style_preset, model=plan.spec.id, provider=None, size=options.size,
            quality=options.quality, n=plan.request.n, seed=random.randrange(2**31),  # noqa: S311  # nosec B311 - an image seed
            source_image_id=plan.request.source_image_id, mask_image_id=plan.request.mask_image_id,
            unit_credits=plan.price.credits, cost_credits=plan.cost, refunded_credits=0,
            unit_cost_usd=plan.price.provider_cost_usd, provider_cost_usd=Decimal(0), provider_latency_ms=None,
            error=None, attempts=0, created_at=now, enqueued_at=None, started_at=None, completed_at=None,
            background=options.background, output_format=options.output_format, frame_count=options.frame_count,
            operation=plan.operation.operation, operation_params=plan.operation.params(),
        )
        with self._uow() as uow:
            if api_key_id:
                check_key_budget(uow.api_keys, api_key_id, plan.cost, plan.spec.id, now)
            daily_cap = uow.catalog.setting("daily_spend_cap", None)
            if daily_cap is not None:
                uow.generations.lock_spender(user.id)
                spent = uow.generations.spent_since(user.id, now.replace(hour=0, minute=0, second=0, microsecond=0))
                if spent + plan.cost > daily_cap:
                    raise DailyCapReached(f"The daily spending limit is {daily_cap} credits; {spent} spent today.",
                                          {"cap": daily_cap, "spent": spent, "cost": plan.cost})
            spend(uow.ledger, user.id, plan.cost, f"generation:{generation.id}", now)
            uow.generations.add(generation, api_key_id)
            if self._events is not None:
                self._events.balance_changed(uow, user.id)
            uow.commit()
        self._enqueue(generation.id)
        return generation

    def cancel(self, user_id: str, generation_id: str) -> Generation:
        """Fails a queued generation and gives every credit back, once; a started one runs to its end."""
        now = self._clock.now()
        with self._uow() as uow:
            cancelled = uow.generations.cancel(generation_id, user_id, CANCELLED, now) \
                if is_uuid(generation_id) else None
            if cancelled is None:
                current = uow.generations.get(generation_id, user_id) if is_uuid(generation_id) else None
                if current is None:
                    raise NotFound("No such generation.")
                raise Conflict(f"Only a queued generation can be cancelled; this one is {current.status}.",
                               {"status": current.status})
            uow.ledger.credit(user_id, cancelled.cost_credits, "generation_refund", f"refund:{cancelled.id}",
                              "system", now)
            if self._events is not None:
                self._events.generation_finished(uow, cancelled)
            uow.commit()
        self._log("generation cancelled", {"generation_id": generation_id, "refunded": cancelled.cost_credits})
        return cancelled

    def _enqueue(self, generation_id: str) -> None:
        try:
            self._queue.send(generation_id)
        except Exception as exc:  # noqa: BLE001 - the sweeper sends what was committed but not queued
            self._log("enqueue failed; the sweeper will resend", {"generation_id": generation_id,
                                                                   "error_type": type(exc).__name__})
            return
        try:
            with self._uow() as uow:
                uow.generations.mark_enqueued(generation_id, self._clock.now())
                uow.commit()
        except Exception as exc:  # noqa: BLE001 - the charge is committed: an error now would invite a second one
            self._log("marking a job sent failed; the sweeper may send it again", {
                "generation_id": generation_id, "error_type": type(exc).__name__})

    def get(self, user_id: str, generation_id: str) -> Generation:
        """The user's generation with its images; raises NotFound."""
        with self._uow() as uow:
            generation = uow.generations.get(generation_id, user_id) if is_uuid(generation_id) else None
            if generation is None:
                raise NotFound("No such generation.")
            return _with_images(uow, [generation])[0]

    def preview(self, user_id: str, generation_id: str, position: int) -> tuple[bytes, str]:
        """The latest partial picture of one image of a generation that is still rendering, for its owner only."""
        with self._uow() as uow:
            found = uow.previews.get(generation_id, user_id, position, self._clock.now() - PREVIEW_GRACE) \
                if is_uuid(generation_id) else None
        if found is None:
            raise NotFound("No such preview.")
        key, content_type = found
        try:
            return self._store.get(key), content_type
        except KeyError:
            raise NotFound("No such preview.") from None

    def list(self, user_id: str, filters: GenerationFilters, cursor: str | None,
             limit: int) -> tuple[list[Generation], str | None]:
        """A page of the user's generations with their images, newest first; raises InvalidRequest (field status or
        cursor)."""
        before = decode_time_cursor(cursor)
        if filters.status is not None and filters.status not in STATUSES:
            raise InvalidRequest("status is one of queued, running, succeeded, failed.", {"field": "status"})
        with self._uow() as uow:
            rows = uow.generations.list_for_user(user_id, filters, before, limit + 1)
            page, next_cursor = page_of(rows, limit, lambda g: (g.created_at.isoformat(), g.id))
            return _with_images(uow, page), next_cursor


def _own_image(uow: GenerationUnitOfWork, user: User, image_id: str | None, field_name: str) -> ImageRecord | None:
    """One of the user's own images or uploads; anyone else's reads as missing, so ids reveal nothing."""
    if image_id is None:
        return None
    image = uow.images.get(image_id, user.id)
    if image is None:
        raise InvalidRequest("That image does not exist.", {"field": field_name})
    return image


def _dimensions(image: ImageRecord | None) -> tuple[int, int] | None:
    return None if image is None else (image.width, image.height)


def _choose_model(specs: dict[str, ModelSpec], wanted: str | None) -> ModelSpec:
    """The model asked for (or the first available one); a withdrawn model answers with its replacement or a 409."""
    available = [m for m in specs.values() if m.available]
    if wanted is None:
        if not available:
            raise InvalidRequest("No image model is available right now.", {"field": "model"})
        return available[0]
    spec = specs.get(wanted)
    if spec is None:
        raise InvalidRequest("There is no such model.", {"field": "model", "allowed": [m.id for m in available]})
    if spec.available:
        return spec
    replacement = specs.get(spec.replacement_model or "")
    if replacement is not None and replacement.available:
        return replacement
    raise ModelUnavailable(f"{spec.label} is no longer available. {spec.unavailable_reason or ''}".strip(),
                           {"field": "model", "model": spec.id, "allowed": [m.id for m in available]})


def _with_images(uow: GenerationUnitOfWork, generations: list[Generation]) -> list[Generation]:
    ids = [g.id for g in generations]
    images = uow.images.for_generations(ids)
    rendering = [g.id for g in generations if g.status in ("queued", "running")]
    previews = uow.previews.positions(rendering) if rendering else {}
    return [replace(g, images=tuple(images.get(g.id, [])), previews=tuple(previews.get(g.id, [])))
            for g in generations]
