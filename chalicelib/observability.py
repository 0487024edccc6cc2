"""One Logger, Metrics and Tracer per container, as Powertools recommends."""

from __future__ import annotations

import contextlib
import os
from functools import cache
from typing import Any, Iterator

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="pixmint")
metrics = Metrics(namespace="Pixmint", service="pixmint")


def metrics_enabled() -> bool:
    # Powertools still prints a full metric set at 100 values when disabled, so we skip adding them at all.
    return os.environ.get("POWERTOOLS_METRICS_DISABLED", "false").lower() not in ("1", "true", "yes")


def tracing_enabled() -> bool:
    """X-Ray only inside Lambda and unless switched off: building a Tracer imports the X-Ray SDK and botocore."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in ("1", "true", "yes")
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not disabled


@cache
def tracer() -> Any:
    from aws_lambda_powertools import Tracer

    return Tracer(service="pixmint")


@contextlib.contextmanager
def traced(name: str) -> Iterator[None]:
    if not tracing_enabled():
        yield
        return
    with tracer().provider.in_subsegment(name):
        yield
