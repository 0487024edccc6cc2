"""Delivers the email outbox after the reply, on a background thread of the running process."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class BackgroundEmailDelivery:
    """Runs the outbox drain on one worker thread whenever a use case has queued email.

    The request that queued the email does not wait for it, so a password reset answers in the same time whether
    or not a link is sent. Wakes while a drain runs fold into one more drain. Lambda freezes a container after its
    reply, so there the one-minute sweeper schedule is what delivers, and this thread is not started.
    """

    def __init__(self, drain: Callable[[], Any], on_error: Callable[[BaseException], None] | None = None) -> None:
        self._drain = drain
        self._on_error = on_error
        self._lock = threading.Lock()
        self._queued = False
        self._executor: ThreadPoolExecutor | None = None
        self._last: Future[None] | None = None

    def wake(self) -> None:
        """Asks for a drain without waiting for it; the thread is started on the first wake."""
        with self._lock:
            if self._queued:
                return
            self._queued = True
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="email-outbox")
            self._last = self._executor.submit(self._run)

    def flush(self, timeout: float = 30.0) -> None:
        """Waits until every drain asked for so far has finished (the tests read the outbox after this)."""
        with self._lock:
            executor = self._executor
        if executor is not None:
            done: Future[None] = executor.submit(lambda: None)
            done.result(timeout=timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Lets a drain in progress finish, waiting a few seconds at most: what is left stays in the outbox."""
        with self._lock:
            executor, self._executor, last = self._executor, None, self._last
        if executor is None:
            return
        executor.shutdown(wait=False, cancel_futures=True)
        if last is not None:
            with contextlib.suppress(Exception):  # a timeout or a failed drain; the outbox keeps them
                last.result(timeout=timeout)

    def _run(self) -> None:
        with self._lock:
            self._queued = False
        try:
            self._drain()
        except Exception as exc:  # noqa: BLE001 - the items stay in the outbox; the next wake or the sweeper retries
            if self._on_error is not None:
                self._on_error(exc)


class ScheduledEmailDelivery:
    """Outside the local stages: the reply returns at once and the one-minute sweeper schedule sends the email."""

    def wake(self) -> None:
        """Does nothing: the sweeper schedule delivers."""
        pass

    def flush(self, timeout: float = 30.0) -> None:
        """Does nothing: there is no drain to wait for."""
        pass

    def close(self, timeout: float = 5.0) -> None:
        """Does nothing: there is no thread to stop."""
        pass
