"""Developers' webhooks: endpoints, events recorded in the transaction that makes them, signed deliveries retried
with backoff for a day under one webhook-id, and the address rules that keep deliveries off private networks."""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .errors import InvalidRequest, NotFound
from .ids import is_uuid
from .paging import decode_time_cursor, page_of
from .ports import Webhooks, WebhookSender

EVENT_TYPES = ("generation.succeeded", "generation.failed", "credits.purchased", "credits.low")
DELIVERY_STATES = ("pending", "delivered", "failed")
TEST_EVENT = "webhook.test"
# After the first attempt; about a day in all, the first retry within a minute (the delivery schedule runs each
# minute in AWS). Standard Webhooks leaves the schedule to the sender; this follows the shape of Svix's.
RETRY_SCHEDULE = (timedelta(seconds=30), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                  timedelta(hours=5), timedelta(hours=8), timedelta(hours=8))
DISABLE_AFTER = timedelta(days=3)  # of nothing but failures: then the endpoint is turned off and its owner told
DISABLED_REASON = "Every delivery failed for three days."
LEASE = timedelta(minutes=2)  # far longer than one attempt may take (the sender's total timeout)
MAX_ENDPOINTS = 10
MAX_URL = 2000
MAX_DESCRIPTION = 200
DEFAULT_LOW_CREDITS = 100
LOW_CREDITS_RANGE = (1, 10_000_000)
WEBHOOK_DISABLED_EMAIL = "webhook_disabled"  # the email outbox's kind for "your endpoint was turned off"
WHSEC = "whsec_"  # how Standard Webhooks marks a signing secret
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class WebhookEndpoint:
    """A developer's receiver of events; the secret signs deliveries and stays out of repr()."""

    id: str
    user_id: str
    url: str
    events: tuple[str, ...]
    description: str | None
    low_credits_threshold: int
    created_at: datetime
    secret: str = ""
    low_credits_notified: bool = False
    failing_since: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None

    @property
    def enabled(self) -> bool:
        """False once the endpoint was turned off, by its owner or after failing too long."""
        return self.disabled_at is None

    def __repr__(self) -> str:  # the signing secret stays out of logs and tracebacks
        return f"WebhookEndpoint(id={self.id!r}, url={self.url!r}, events={self.events!r})"


@dataclass(frozen=True)
class Delivery:
    """One event for one endpoint, retried on a schedule until delivered or given up (failed_at)."""

    id: str
    endpoint_id: str
    event_type: str
    payload: str
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    failed_at: datetime | None = None

    @property
    def state(self) -> str:
        """"delivered", "failed" or "pending"."""
        return "delivered" if self.delivered_at else "failed" if self.failed_at else "pending"


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery leased to one sender, with what it takes to send it."""

    delivery: Delivery
    url: str
    secret: str
    user_id: str | None = None


@dataclass(frozen=True)
class SendResult:
    """The receiver's HTTP status (None when none came) and what went wrong, if anything."""

    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return self.status is not None and 200 <= self.status < 300




Resolver = Callable[[str, int], list[str]]


def is_public_address(address: str) -> bool:
    """Whether an IP address is on the public internet: not private, loopback, link-local (169.254.169.254, the
    cloud metadata service, included), shared, reserved or multicast, nor an IPv6 form that embeds one of those."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(str(embedded))
    return ip.is_global and not ip.is_multicast


def check_endpoint_url(url: str, allow_private: bool, resolve: Resolver) -> str:
    """The URL to deliver to, or InvalidRequest naming url. Outside the local stage: https only, and every address
    the name resolves to must be public (the sender checks the address again when it connects)."""
    url = url.strip()
    if not 1 <= len(url) <= MAX_URL:
        raise InvalidRequest(f"The url is 1 to {MAX_URL} characters.", {"field": "url"})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidRequest("The url is not a valid URL.", {"field": "url"}) from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme.lower() not in schemes:
        raise InvalidRequest("Webhook URLs must use https.", {"field": "url", "reason": "https_only"})
    host = parts.hostname
    if not host or parts.username is not None or parts.password is not None or any(c.isspace() for c in url):
        raise InvalidRequest("The url needs a host and no user name or password.", {"field": "url"})
    if not allow_private:
        port = port or (443 if parts.scheme.lower() == "https" else 80)
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = resolve(host, port)
        if not addresses:
            raise InvalidRequest(f"{host} does not resolve to an address.", {"field": "url", "reason": "unresolved"})
        if not all(is_public_address(a) for a in addresses):
            raise InvalidRequest("Webhook URLs must point at a public address, not a private, loopback or "
                                 "link-local one.", {"field": "url", "reason": "private_address"})
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query, ""))


def new_secret() -> str:
    """A Standard Webhooks signing secret: whsec_ and 24 random bytes in base64."""
    return WHSEC + base64.b64encode(secrets.token_bytes(24)).decode()


def new_message_id() -> str:
    """A new webhook-id: "msg_" and 32 hex digits."""
    return f"msg_{uuid.uuid4().hex}"


def rfc3339(moment: datetime) -> str:
    """The moment in UTC as RFC 3339 with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_body(event_type: str, data: dict[str, Any], now: datetime) -> str:
    """The delivery's body as Standard Webhooks shapes it: {type, timestamp, data}."""
    return json.dumps({"type": event_type, "timestamp": rfc3339(now), "data": data}, separators=(",", ":"))


def after_attempt(delivery: Delivery, result: SendResult, now: datetime) -> Delivery:
    """The delivery once attempt number delivery.attempts came back: delivered, due again, or given up."""
    outcome = replace(delivery, last_attempt_at=now, last_status=result.status,
                      last_error=None if result.ok else (result.error or f"answered {result.status}")[:500])
    if result.ok:
        return replace(outcome, next_attempt_at=None, delivered_at=now)
    if delivery.attempts <= len(RETRY_SCHEDULE):
        return replace(outcome, next_attempt_at=now + RETRY_SCHEDULE[delivery.attempts - 1])
    return replace(outcome, next_attempt_at=None, failed_at=now)


def record_event(webhooks: Webhooks, endpoint: WebhookEndpoint, event_type: str, data: dict[str, Any],
                 now: datetime) -> Delivery:
    """Puts one event for one endpoint in the outbox, in the caller's transaction; it is due at once."""
    delivery = Delivery(id=new_message_id(), endpoint_id=endpoint.id, event_type=event_type,
                        payload=event_body(event_type, data, now), created_at=now, next_attempt_at=now)
    webhooks.add_delivery(delivery)
    return delivery


def _enabled(uow: Any, user_id: str) -> list[WebhookEndpoint]:
    return [e for e in uow.webhooks.endpoints(user_id) if e.enabled]


class WebhookEvents:
    """Records generation and credit events for the user's endpoints inside the unit of work that made them, so
    an event is sent if and only if what it tells of was committed."""

    def __init__(self, clock: Any, generation_json: Callable[[Any], Mapping[str, Any]],
                 entry_json: Callable[[Any], Mapping[str, Any]]) -> None:
        self._clock = clock
        self._generation_json = generation_json
        self._entry_json = entry_json

    def generation_finished(self, uow: Any, generation: Any) -> None:
        """generation.succeeded or generation.failed, then credits.low when the balance is now under a threshold."""
        endpoints = _enabled(uow, generation.user_id)
        if not endpoints:
            return
        now = self._clock.now()
        kind = "generation.succeeded" if generation.status == "succeeded" else "generation.failed"
        subscribed = [e for e in endpoints if kind in e.events]
        if subscribed:
            images = uow.images.for_generations([generation.id]).get(generation.id, [])
            data = dict(self._generation_json(replace(generation, images=tuple(images), previews=())))
            for endpoint in subscribed:
                record_event(uow.webhooks, endpoint, kind, data, now)
        self._check_low(uow, generation.user_id, endpoints, now)

    def credits_purchased(self, uow: Any, user_id: str) -> None:
        """credits.purchased with the purchase's ledger row (the newest, written just before in this
        transaction); a balance back above a threshold re-arms credits.low."""
        endpoints = _enabled(uow, user_id)
        if not endpoints:
            return
        now = self._clock.now()
        subscribed = [e for e in endpoints if "credits.purchased" in e.events]
        if subscribed:
            data = dict(self._entry_json(uow.ledger.entries(user_id, None, 1)[0]))
            for endpoint in subscribed:
                record_event(uow.webhooks, endpoint, "credits.purchased", data, now)
        self._check_low(uow, user_id, endpoints, now)

    def balance_changed(self, uow: Any, user_id: str) -> None:
        """After a charge, a clawback or an admin's adjustment in this transaction: credits.low when the balance
        crossed below a threshold, re-armed when it rose back above it."""
        endpoints = _enabled(uow, user_id)
        if endpoints:
            self._check_low(uow, user_id, endpoints, self._clock.now())

    def _check_low(self, uow: Any, user_id: str, endpoints: list[WebhookEndpoint], now: datetime) -> None:
        watching = [e for e in endpoints if "credits.low" in e.events]
        if not watching:
            return
        balance = uow.ledger.balance(user_id)
        for endpoint in watching:
            low = balance < endpoint.low_credits_threshold
            # The guarded flip lets one of two concurrent transactions tell of the crossing, never both.
            if low != endpoint.low_credits_notified and uow.webhooks.set_low_notified(endpoint.id, low) and low:
                record_event(uow.webhooks, endpoint, "credits.low",
                             {"balance": balance, "threshold": endpoint.low_credits_threshold}, now)


class WebhookService:
    """Endpoint management, the delivery log, test events, and the sender's loop over the outbox."""

    def __init__(self, uow: Callable[[], Any], sender: WebhookSender, clock: Any, resolve: Resolver,
                 allow_private: bool, log: Callable[[str, dict[str, Any]], None] = lambda message, extra: None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._uow = uow
        self._sender = sender
        self._clock = clock
        self._resolve = resolve
        self._allow_private = allow_private
        self._log = log
        self._monotonic = monotonic

    def create(self, user_id: str, url: str, events: list[Any], description: str | None = None,
               low_credits_threshold: int | None = None) -> WebhookEndpoint:
        """A new endpoint; the returned one carries its secret, which no later answer shows again."""
        wanted = _events(events)
        if description is not None:
            description = " ".join(description.split()) or None
            if description and len(description) > MAX_DESCRIPTION:
                raise InvalidRequest(f"The description is at most {MAX_DESCRIPTION} characters.",
                                     {"field": "description", "max_length": MAX_DESCRIPTION})
        threshold = DEFAULT_LOW_CREDITS if low_credits_threshold is None else low_credits_threshold
        if not LOW_CREDITS_RANGE[0] <= threshold <= LOW_CREDITS_RANGE[1]:
            raise InvalidRequest("low_credits_threshold is from 1 to 10,000,000 credits.",
                                 {"field": "low_credits_threshold"})
        clean_url = check_endpoint_url(url, self._allow_private, self._resolve)
        endpoint = WebhookEndpoint(id=str(uuid.uuid4()), user_id=user_id, url=clean_url, events=wanted,
                                   description=description, low_credits_threshold=threshold,
                                   created_at=self._clock.now(), secret=new_secret())
        with self._uow() as uow:
            if uow.webhooks.count_endpoints(user_id) >= MAX_ENDPOINTS:
                raise InvalidRequest(f"You can have at most {MAX_ENDPOINTS} webhook endpoints; delete one first.",
                                     {"field": "url", "max": MAX_ENDPOINTS})
            uow.webhooks.add_endpoint(endpoint)
            uow.commit()
        return endpoint

    def endpoints(self, user_id: str) -> list[WebhookEndpoint]:
        """The user's endpoints, newest first."""
        with self._uow() as uow:
            return uow.webhooks.endpoints(user_id)

    def set_enabled(self, user_id: str, endpoint_id: str, enabled: bool) -> WebhookEndpoint:
        """Turns an endpoint off, or back on: what was pending for it is then sent, and new events are queued."""
        with self._uow() as uow:
            endpoint = uow.webhooks.set_enabled(endpoint_id, user_id, enabled, self._clock.now()) \
                if is_uuid(endpoint_id) else None
            if endpoint is None:
                raise NotFound("No such webhook endpoint.")
            uow.commit()
        return endpoint

    def delete(self, user_id: str, endpoint_id: str) -> None:
        """Deletes the user's endpoint and its deliveries; raises NotFound."""
        with self._uow() as uow:
            if not (is_uuid(endpoint_id) and uow.webhooks.delete_endpoint(endpoint_id, user_id)):
                raise NotFound("No such webhook endpoint.")
            uow.commit()

    def deliveries(self, user_id: str, endpoint_id: str, cursor: str | None,
                   limit: int) -> tuple[list[Delivery], str | None]:
        """A page of the endpoint's deliveries, newest first; raises NotFound when the endpoint is not the user's,
        InvalidRequest (field cursor)."""
        before = decode_time_cursor(cursor)
        with self._uow() as uow:
            self._owned(uow, user_id, endpoint_id)
            key = (before[0], f"msg_{uuid.UUID(before[1]).hex}") if before else None
            rows = uow.webhooks.deliveries(endpoint_id, key, limit + 1)
        return page_of(rows, limit, lambda d: (d.created_at.isoformat(), str(uuid.UUID(d.id[4:]))))

    def send_test(self, user_id: str, endpoint_id: str) -> Delivery:
        """Queues a webhook.test event and makes its first attempt now; a failure is retried like any event."""
        now = self._clock.now()
        with self._uow() as uow:
            endpoint = self._owned(uow, user_id, endpoint_id)
            delivery = record_event(uow.webhooks, endpoint, TEST_EVENT,
                                    {"endpoint_id": endpoint.id, "message": "A test event from Pixmint."}, now)
            uow.commit()
        return self._send_claimed(delivery.id) or delivery

    def deliver_due(self, budget_seconds: float = 45.0) -> dict[str, int]:
        """Sends what is due, one leased delivery at a time, until nothing is due or the time budget is spent
        (claiming one at a time means a budget that runs out never strands a counted but unsent attempt)."""
        counts = {"delivered": 0, "retrying": 0, "failed": 0}
        started = self._monotonic()
        while self._monotonic() - started < budget_seconds:
            now = self._clock.now()
            with self._uow() as uow:
                claimed = uow.webhooks.claim(now, now + LEASE, 1)
                uow.commit()
            if not claimed:
                break
            for item in claimed:
                outcome = self._attempt(item)
                counts[outcome.state if outcome.state != "pending" else "retrying"] += 1
        return counts

    def _send_claimed(self, delivery_id: str) -> Delivery | None:
        now = self._clock.now()
        with self._uow() as uow:
            claimed = uow.webhooks.claim(now, now + LEASE, 1, delivery_id)
            uow.commit()
        return self._attempt(claimed[0]) if claimed else None

    def _attempt(self, item: ClaimedDelivery) -> Delivery:
        delivery = item.delivery
        try:
            result = self._sender.send(item.url, delivery.id, self._clock.now(), delivery.payload, item.secret)
        except Exception as exc:  # noqa: BLE001 - a sender bug must cost one attempt, not the whole batch
            result = SendResult(None, f"could not send: {type(exc).__name__}")
        now = self._clock.now()
        outcome = after_attempt(delivery, result, now)
        with self._uow() as uow:
            stored = uow.webhooks.record_attempt(outcome)
            turned_off = stored and uow.webhooks.record_health(delivery.endpoint_id, result.ok, now,
                                                               now - DISABLE_AFTER, DISABLED_REASON)
            if turned_off and item.user_id:
                uow.email_outbox.add(WEBHOOK_DISABLED_EMAIL, item.user_id, None, now)
            uow.commit()
        self._log("webhook attempt", {"delivery_id": delivery.id, "attempt": delivery.attempts,
                                      "status": result.status, "state": outcome.state, "stored": stored})
        if turned_off:
            self._log("webhook endpoint turned off", {"endpoint_id": delivery.endpoint_id})
        return outcome

    @staticmethod
    def _owned(uow: Any, user_id: str, endpoint_id: str) -> WebhookEndpoint:
        endpoint = uow.webhooks.endpoint(endpoint_id, user_id) if is_uuid(endpoint_id) else None
        if endpoint is None:
            raise NotFound("No such webhook endpoint.")
        return endpoint


def _events(events: list[Any]) -> tuple[str, ...]:
    if not events:
        raise InvalidRequest("Name at least one event.", {"field": "events", "allowed": list(EVENT_TYPES)})
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise InvalidRequest(f"Unknown event: {unknown[0]}.", {"field": "events", "allowed": list(EVENT_TYPES)})
    return tuple(dict.fromkeys(events))
