"""Outgoing email through Amazon SES."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any


class SesEmailSender:
    """Sends multipart email (plain text, and HTML beside it) as raw MIME, which is how SES takes a List-Unsubscribe
    header; through the configuration set when one is named, so its event destination reports bounces and
    complaints. The SES client is made on first use, off the cold-start path."""

    def __init__(self, client_factory: Callable[[], Any], sender: str, configuration_set: str | None = None) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, to: str, subject: str, text: str, html: str | None = None, unsubscribe_url: str | None = None,
             kind: str | None = None) -> None:
        """Sends one UTF-8 email from the configured sender; SES errors propagate."""
        if self._client is None:
            self._client = self._client_factory()
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        if unsubscribe_url:
            message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        # Quoted-printable keeps every line 7-bit, whatever the names and prompts in it.
        message.set_content(text, cte="quoted-printable")
        if html is not None:
            message.add_alternative(html, subtype="html", cte="quoted-printable")
        request: dict[str, Any] = {"Source": self._sender, "RawMessage": {"Data": message.as_bytes()}}
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        if kind:
            request["Tags"] = [{"Name": "kind", "Value": kind}]
        # No Destinations: SES sends to the To header, and naming it twice would send twice.
        self._client.send_raw_email(**request)
