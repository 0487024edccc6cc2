"""Outgoing email through Amazon SES."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class SesEmailSender:
    """Sends plain-text email; the SES client is made on first use, off the cold-start path."""

    def __init__(self, client_factory: Callable[[], Any], sender: str) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._sender = sender

    def send(self, to: str, subject: str, text: str) -> None:
        """Sends one UTF-8 plain-text email from the configured sender; SES errors propagate."""
        if self._client is None:
            self._client = self._client_factory()
        self._client.send_email(
            Source=self._sender,
            Destination={"ToAddresses": [to]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
        )
