"""One Logger, Metrics and Tracer per container, as Powertools recommends."""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

# Shapes of secrets that could reach a log line through an exception message or a careless extra.
SECRET_PATTERNS = [
    (re.compile(r"(postgres(?:ql)?://[^:/@\s\"]+:)[^@\s\"]+@"), r"\1[redacted]@"),
    (re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}"), "[redacted-jwt]"),
    (re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}"), "[redacted-stripe-key]"),
    (re.compile(r"\bwhsec_[A-Za-z0-9_]{8,}"), "[redacted-webhook-secret]"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"), "[redacted-openai-key]"),
    (re.compile(r"\bpxm_[A-Za-z0-9_-]{16,}"), "[redacted-api-key]"),
    (re.compile(r'("[^"]*(?:password|secret|token|authorization|api_key)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"', re.I),
     r'\1"[redacted]"'),
]


def redact(text: str) -> str:
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON lines, with anything shaped like a secret replaced: a last line of defence."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


logger = Logger(service="pixmint", logger_formatter=RedactingFormatter())
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
