"""Closing a generation: its images stored, what could not be made refunded, and subscribers told, all once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from .catalogue import ModelSpec
from .generation import Generation, ImageRecord
from .imaging import TokenUsage
from .ports import Clock, GenerationEvents, GenerationUnitOfWork


class GenerationCloser:
    """The one way a queued or running generation ends, for the worker and the sweeper alike."""

    def __init__(self, uow: Callable[[], GenerationUnitOfWork], clock: Clock,
                 log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None,
                 events: GenerationEvents | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._log = log
        self._events = events

    def close(self, generation: Generation, provider: str | None, provider_cost: Decimal, latency_ms: int | None,
              error: str | None, made: list[tuple[ImageRecord, bytes, bytes]] | None = None,
              usage: TokenUsage | None = None, spec: ModelSpec | None = None, error_code: str | None = None) -> str:
        """Stores the new images, refunds what is missing once, and closes the generation, in one transaction;
        returns its status, or "skipped" when another worker closed it first."""
        now = self._clock.now()
        actual = spec.token_rates.cost(usage).quantize(Decimal("0.000001")) if usage and spec else None
        with self._uow() as uow:
            stored = sum(uow.images.add(record, data, thumbnail) for record, data, thumbnail in made or [])
            refund = (generation.n - stored) * generation.unit_credits
            status = "succeeded" if stored else "failed"
            finished = replace(
                generation, status=status, provider=provider, provider_cost_usd=provider_cost,
                provider_latency_ms=latency_ms, refunded_credits=refund,
                error=error if (error or not stored) else None, completed_at=now, usage=usage, actual_cost_usd=actual,
                error_code=None if stored else (error_code or "provider_failed"),
            )
            closed = uow.generations.finish(finished, now)
            if not closed:
                return "skipped"
            if refund:
                uow.ledger.credit(generation.user_id, refund, "generation_refund", f"refund:{generation.id}",
                                  "system", now)
            if self._events is not None:
                self._events.generation_finished(uow, finished)
            uow.commit()
        self._log("generation finished", {"generation_id": generation.id, "status": status, "stored": stored,
                                          "refunded": refund, "latency_ms": latency_ms})
        return status
