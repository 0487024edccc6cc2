"""The sweeper: sends jobs that were committed but never queued, and fails generations stuck past a deadline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from .closing import GenerationCloser
from .generation import PREVIEW_GRACE
from .ports import Clock, GenerationEvents, GenerationUnitOfWork, JobQueue


@dataclass(frozen=True)
class SweepPolicy:
    """When the sweeper sends a queued job that was never sent (unsent_after) or sends it again (resend_after), and when
    it fails a generation stuck running or queued."""

    unsent_after: timedelta = timedelta(seconds=30)
    resend_after: timedelta = timedelta(minutes=15)
    running_deadline: timedelta = timedelta(minutes=15)
    queued_deadline: timedelta = timedelta(hours=1)


class GenerationSweeper:
    """Runs once a minute; each generation it fails is refunded in full."""

    def __init__(self, uow: Callable[[], GenerationUnitOfWork], queue: JobQueue, clock: Clock,
                 policy: SweepPolicy = SweepPolicy(),
                 log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None,
                 events: GenerationEvents | None = None) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock
        self._policy = policy
        self._log = log
        self._closer = GenerationCloser(uow, clock, log, events)

    def sweep(self) -> dict[str, int]:
        """Resends what was committed but never queued, and fails generations stuck past their deadline."""
        now = self._clock.now()
        with self._uow() as uow:
            due = uow.generations.due_for_enqueue(now, self._policy.unsent_after, self._policy.resend_after)
            stuck = uow.generations.stuck(now, self._policy.running_deadline, self._policy.queued_deadline)
            pruned = uow.previews.prune(now - PREVIEW_GRACE)
            uow.commit()
        if pruned:
            self._log("previews of finished generations forgotten", {"previews": pruned})
        resent = 0
        for generation_id in due:
            if generation_id in stuck:
                continue
            try:
                self._queue.send(generation_id)
            except Exception:  # noqa: BLE001, S112  # nosec B112 - a failed send is tried again on the next sweep
                continue
            with self._uow() as uow:
                uow.generations.mark_enqueued(generation_id, now)
                uow.commit()
            resent += 1
        failed = 0
        for generation_id in stuck:
            with self._uow() as uow:
                generation = uow.generations.get(generation_id)
            if generation is not None and generation.status in ("queued", "running"):
                self._closer.close(generation, generation.provider, Decimal(0), None,
                                   "Timed out; the credits were returned.", error_code="timed_out")
                failed += 1
        return {"resent": resent, "failed": failed}
