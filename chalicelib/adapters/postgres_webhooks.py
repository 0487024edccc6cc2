"""PostgreSQL adapter for webhook endpoints and the outbox of their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import DictRow

from ..domain.webhooks import ClaimedDelivery, Delivery, WebhookEndpoint
from .sealed_secrets import UNSEALED, Sealer, webhook_context

_ENDPOINT_COLUMNS = """id::text AS id, user_id::text AS user_id, url, events, description, low_credits_threshold,
    created_at, secret, low_credits_notified, failing_since, disabled_at, disabled_reason"""
_DELIVERY_COLUMNS = """d.id, d.endpoint_id::text AS endpoint_id, d.event_type, d.payload, d.created_at, d.attempts,
    d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_error, d.delivered_at, d.failed_at"""


class PostgresWebhooks:
    """Webhook endpoints, their secrets sealed per endpoint, and the outbox of their deliveries."""

    def __init__(self, conn: psycopg.Connection[DictRow], sealer: Sealer = UNSEALED) -> None:
        self._conn = conn
        self._sealer = sealer

    def _endpoint(self, row: dict[str, Any]) -> WebhookEndpoint:
        secret = self._sealer.open(row["secret"], webhook_context(row["id"]))
        return WebhookEndpoint(**{**row, "events": tuple(row["events"]), "secret": secret})

    def add_endpoint(self, endpoint: WebhookEndpoint) -> None:
        """Stores a new endpoint, sealing its secret."""
        self._conn.execute(
            """INSERT INTO webhook_endpoints (id, user_id, url, events, description, secret, low_credits_threshold,
                                              created_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
            (endpoint.id, endpoint.user_id, endpoint.url, list(endpoint.events), endpoint.description,
             self._sealer.seal(endpoint.secret, webhook_context(endpoint.id)),
             endpoint.low_credits_threshold, endpoint.created_at),
        )

    def count_endpoints(self, user_id: str) -> int:
        """The user's endpoints, on or off."""
        row = self._conn.execute("SELECT count(*) AS n FROM webhook_endpoints WHERE user_id = %s",
                                 (user_id,)).fetchone()
        return int(row["n"]) if row else 0

    def endpoints(self, user_id: str) -> list[WebhookEndpoint]:
        """The user's endpoints, newest first, secrets opened (deliveries are signed with them)."""
        rows = self._conn.execute(
            f"""SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE user_id = %s
                ORDER BY created_at DESC, id DESC""",
            (user_id,),
        ).fetchall()
        return [self._endpoint(row) for row in rows]

    def endpoint(self, endpoint_id: str, user_id: str) -> WebhookEndpoint | None:
        """The user's endpoint with its secret opened, or None when not theirs."""
        row = self._conn.execute(
            f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = %s AND user_id = %s",
            (endpoint_id, user_id),
        ).fetchone()
        return None if row is None else self._endpoint(row)

    def delete_endpoint(self, endpoint_id: str, user_id: str) -> bool:
        """Deletes the user's endpoint and its deliveries; False when not theirs."""
        row = self._conn.execute("DELETE FROM webhook_endpoints WHERE id = %s AND user_id = %s RETURNING id",
                                 (endpoint_id, user_id)).fetchone()
        return row is not None

    def record_health(self, endpoint_id: str, ok: bool, now: datetime, disable_if_failing_since: datetime,
                      reason: str) -> bool:
        """Clears the endpoint's failing streak after a success, or starts it after a failure and turns the endpoint off
        when the streak began by `disable_if_failing_since`; True only for the call that turned it off."""
        if ok:
            self._conn.execute("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = %s", (endpoint_id,))
            return False
        row = self._conn.execute(
            """UPDATE webhook_endpoints
               SET failing_since = coalesce(failing_since, %(now)s),
                   disabled_at = CASE WHEN disabled_at IS NULL AND failing_since <= %(since)s THEN %(now)s
                                      ELSE disabled_at END,
                   disabled_reason = CASE WHEN disabled_at IS NULL AND failing_since <= %(since)s THEN %(reason)s
                                          ELSE disabled_reason END
               WHERE id = %(id)s
               RETURNING disabled_at IS NOT NULL AND disabled_at = %(now)s AS turned_off""",
            {"id": endpoint_id, "now": now, "since": disable_if_failing_since, "reason": reason},
        ).fetchone()
        return bool(row and row["turned_off"])

    def set_enabled(self, endpoint_id: str, user_id: str, enabled: bool, now: datetime) -> WebhookEndpoint | None:
        """Turns an endpoint on (its failing streak forgotten) or off by its owner; None when not theirs."""
        row = self._conn.execute(
            f"""UPDATE webhook_endpoints
                SET disabled_at = CASE WHEN %(on)s THEN NULL ELSE coalesce(disabled_at, %(now)s) END,
                    disabled_reason = CASE WHEN %(on)s THEN NULL
                                           WHEN disabled_at IS NULL THEN 'Turned off by its owner.'
                                           ELSE disabled_reason END,
                    failing_since = CASE WHEN %(on)s THEN NULL ELSE failing_since END
                WHERE id = %(id)s AND user_id = %(user)s RETURNING {_ENDPOINT_COLUMNS}""",
            {"id": endpoint_id, "user": user_id, "on": enabled, "now": now},
        ).fetchone()
        return None if row is None else self._endpoint(row)

    def set_low_notified(self, endpoint_id: str, notified: bool) -> bool:
        """Flips the credits.low flag; False when it already had that value (another transaction flipped it)."""
        row = self._conn.execute(
            """UPDATE webhook_endpoints SET low_credits_notified = %(flag)s
               WHERE id = %(id)s AND low_credits_notified <> %(flag)s RETURNING id""",
            {"id": endpoint_id, "flag": notified},
        ).fetchone()
        return row is not None

    def add_delivery(self, delivery: Delivery) -> None:
        """Queues a delivery, due at its next_attempt_at."""
        self._conn.execute(
            """INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, created_at, next_attempt_at)
               VALUES (%s, %s, %s, %s, %s, %s)""",
            (delivery.id, delivery.endpoint_id, delivery.event_type, delivery.payload, delivery.created_at,
             delivery.next_attempt_at),
        )

    def claim(self, now: datetime, lease_until: datetime, limit: int,
              delivery_id: str | None = None) -> list[ClaimedDelivery]:
        """Leases up to `limit` due deliveries of endpoints that are on (or the one named, even to an endpoint turned
        off) and counts the attempt; skips locked rows."""
        rows = self._conn.execute(
            f"""WITH due AS (
                    SELECT w.id FROM webhook_deliveries w JOIN webhook_endpoints o ON o.id = w.endpoint_id
                    WHERE w.next_attempt_at <= %(now)s
                      AND (%(id)s::text IS NULL AND o.disabled_at IS NULL OR w.id = %(id)s)
                    ORDER BY w.next_attempt_at LIMIT %(limit)s FOR UPDATE OF w SKIP LOCKED)
                UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = %(lease)s
                FROM due, webhook_endpoints e
                WHERE d.id = due.id AND e.id = d.endpoint_id
                RETURNING {_DELIVERY_COLUMNS}, e.url, e.secret, e.user_id::text AS user_id, e.id::text AS hook_id""",
            {"now": now, "lease": lease_until, "limit": limit, "id": delivery_id},
        ).fetchall()
        claimed = []
        for row in rows:
            url, secret, user_id, hook_id = row.pop("url"), row.pop("secret"), row.pop("user_id"), row.pop("hook_id")
            claimed.append(ClaimedDelivery(Delivery(**row), url, self._sealer.open(secret, webhook_context(hook_id)),
                                           user_id))
        return claimed

    def record_attempt(self, delivery: Delivery) -> bool:
        """Stores the outcome of the attempt numbered delivery.attempts; False when a later claim owns it now or it is
        closed."""
        row = self._conn.execute(
            """UPDATE webhook_deliveries SET next_attempt_at = %(next)s, last_attempt_at = %(last)s,
                   last_status = %(status)s, last_error = %(error)s, delivered_at = %(delivered)s,
                   failed_at = %(failed)s
               WHERE id = %(id)s AND attempts = %(attempts)s AND delivered_at IS NULL AND failed_at IS NULL
               RETURNING id""",
            {"id": delivery.id, "attempts": delivery.attempts, "next": delivery.next_attempt_at,
             "last": delivery.last_attempt_at, "status": delivery.last_status, "error": delivery.last_error,
             "delivered": delivery.delivered_at, "failed": delivery.failed_at},
        ).fetchone()
        return row is not None

    def deliveries(self, endpoint_id: str, before: tuple[datetime, str] | None, limit: int) -> list[Delivery]:
        """The endpoint's deliveries, newest first, those before the (created_at, id) cursor when given."""
        rows = self._conn.execute(
            f"""SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries d
                WHERE d.endpoint_id = %(endpoint)s
                  AND (%(at)s::timestamptz IS NULL OR (d.created_at, d.id) < (%(at)s::timestamptz, %(id)s::text))
                ORDER BY d.created_at DESC, d.id DESC LIMIT %(limit)s""",
            {"endpoint": endpoint_id, "at": before[0] if before else None, "id": before[1] if before else None,
             "limit": limit},
        ).fetchall()
        return [Delivery(**row) for row in rows]
