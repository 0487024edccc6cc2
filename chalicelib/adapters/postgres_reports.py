"""The read side of usage reports and metrics in PostgreSQL, and SQS queue depths."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar

import psycopg
from psycopg.rows import DictRow
from psycopg_pool import ConnectionPool

from ..domain.reports import GenerationSums, LedgerSums, RevenueSums

# Group keys are fixed SQL fragments chosen by name, never built from input.
_LEDGER_KEYS = {
    None: "NULL::text",
    "day": "to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    "user": "coalesce(l.user_id::text, 'deleted')",
    "model": "coalesce(g.model, 'unknown')",
    "api_key": "coalesce(g.api_key_id::text, 'session')",
}
_PAYMENT_KEYS = {
    None: "NULL::text",
    "day": "to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    "user": "coalesce(p.user_id::text, 'deleted')",
}
_GENERATION_KEYS = {
    None: "NULL::text",
    "day": "to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    "user": "g.user_id::text",
    "model": "g.model",
    "api_key": "coalesce(g.api_key_id::text, 'session')",
}
# Generation ledger rows reference "generation:<id>" and "refund:<id>"; anything else joins to no generation.
_GENERATION_OF_LEDGER_ROW = """LEFT JOIN generations g ON g.id = (
    CASE WHEN split_part(l.reference, ':', 2) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
         THEN split_part(l.reference, ':', 2)::uuid END)"""
# Money the customer kept paying: refunds are subtracted, disputed payments count for nothing.
_REVENUE_STATUSES = ("paid", "partially_refunded", "refunded")


class PostgresReports:
    """Aggregates over the ledger, payments and generations; read only."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def ledger_sums(self, start: datetime, end: datetime, group_by: str | None) -> list[LedgerSums]:
        """Deltas by kind per group; group_by None gives one row for the whole period; grouped by model or api_key, only
        generation and generation_refund rows count."""
        by_model = group_by in ("model", "api_key")  # generation-side groupings
        rows = self._conn.execute(
            f"""SELECT {_LEDGER_KEYS[group_by]} AS key,
                       coalesce(sum(l.delta) FILTER (WHERE l.kind = 'purchase'), 0)::bigint AS purchase,
                       coalesce(sum(l.delta) FILTER (WHERE l.kind = 'generation'), 0)::bigint AS generation,
                       coalesce(sum(l.delta) FILTER (WHERE l.kind = 'generation_refund'), 0)::bigint
                           AS generation_refund,
                       coalesce(sum(l.delta) FILTER (WHERE l.kind = 'payment_refund'), 0)::bigint AS payment_refund,
                       coalesce(sum(l.delta) FILTER (WHERE l.kind = 'dispute'), 0)::bigint AS dispute
                FROM ledger l {_GENERATION_OF_LEDGER_ROW if by_model else ""}
                WHERE l.created_at >= %(start)s AND l.created_at < %(end)s
                  {"AND l.kind IN ('generation', 'generation_refund')" if by_model else ""}
                GROUP BY 1""",
            {"start": start, "end": end},
        ).fetchall()
        return [LedgerSums(**row) for row in rows]

    def revenue(self, start: datetime, end: datetime, group_by: str | None) -> list[RevenueSums]:
        """Paid USD payments' amount_cents minus refunded_cents, by the payment's creation; day, user or None."""
        rows = self._conn.execute(
            f"""SELECT {_PAYMENT_KEYS[group_by]} AS key,
                       coalesce(sum(p.amount_cents - least(p.refunded_cents, p.amount_cents)), 0)::bigint
                           AS revenue_cents
                FROM payments p
                WHERE p.created_at >= %(start)s AND p.created_at < %(end)s
                  AND p.status = ANY(%(statuses)s) AND p.currency = 'usd'
                GROUP BY 1""",
            {"start": start, "end": end, "statuses": list(_REVENUE_STATUSES)},
        ).fetchall()
        return [RevenueSums(**row) for row in rows]

    def generation_sums(self, start: datetime, end: datetime, group_by: str | None) -> list[GenerationSums]:
        """Generations created in the period per group, with provider cost, billed cost and distinct users."""
        rows = self._conn.execute(
            f"""SELECT {_GENERATION_KEYS[group_by]} AS key,
                       count(*) AS generations,
                       count(*) FILTER (WHERE g.status = 'failed') AS failed,
                       count(*) FILTER (WHERE g.status IN ('succeeded', 'failed')) AS finished,
                       coalesce(sum(g.provider_cost_usd), 0) AS provider_cost_usd,
                       count(DISTINCT g.user_id) AS active_users,
                       -- What the provider billed by its reported token usage; the list estimate where none came back.
                       coalesce(sum(coalesce(g.actual_cost_usd, g.provider_cost_usd)), 0) AS actual_cost_usd
                FROM generations g
                WHERE g.created_at >= %(start)s AND g.created_at < %(end)s
                GROUP BY 1""",
            {"start": start, "end": end},
        ).fetchall()
        return [GenerationSums(**row) for row in rows]

    def emails(self, user_ids: list[str]) -> dict[str, str]:
        """The emails of those users by id; deleted users are absent."""
        if not user_ids:
            return {}
        rows = self._conn.execute("SELECT id::text AS id, email FROM users WHERE id::text = ANY(%s)",
                                  (list(user_ids),)).fetchall()
        return {row["id"]: row["email"] for row in rows}

    def admin_emails(self) -> list[str]:
        """Emails of admins who are not suspended, in alphabetical order."""
        rows = self._conn.execute(
            "SELECT email FROM users WHERE role = 'admin' AND NOT suspended ORDER BY lower(email)").fetchall()
        return [row["email"] for row in rows]

    def status_counts(self, since: datetime) -> dict[str, int]:
        """Generations created since, by status; statuses with none are absent."""
        rows = self._conn.execute(
            "SELECT status, count(*) AS n FROM generations WHERE created_at >= %s GROUP BY status", (since,)
        ).fetchall()
        return {row["status"]: int(row["n"]) for row in rows}

    def finished_counts(self, since: datetime) -> tuple[int, int]:
        """(succeeded, failed) among generations completed since."""
        row = self._conn.execute(
            """SELECT count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
                      count(*) FILTER (WHERE status = 'failed') AS failed
               FROM generations WHERE completed_at >= %s""",
            (since,),
        ).fetchone()
        assert row is not None
        return int(row["succeeded"]), int(row["failed"])

    def latency_percentiles(self, since: datetime) -> tuple[float | None, float | None]:
        """p50 and p95 provider latency in ms of generations completed since; None when there were none."""
        row = self._conn.execute(
            """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY provider_latency_ms) AS p50,
                      percentile_cont(0.95) WITHIN GROUP (ORDER BY provider_latency_ms) AS p95
               FROM generations WHERE completed_at >= %s AND provider_latency_ms IS NOT NULL""",
            (since,),
        ).fetchone()
        assert row is not None
        return row["p50"], row["p95"]

    def stuck_counts(self, queued_before: datetime, running_before: datetime) -> tuple[int, int]:
        """(queued, running) generations waiting since before the given moments."""
        row = self._conn.execute(
            """SELECT count(*) FILTER (WHERE status = 'queued' AND created_at < %(queued)s) AS queued,
                      count(*) FILTER (WHERE status = 'running' AND coalesce(started_at, created_at) < %(running)s)
                          AS running
               FROM generations WHERE status IN ('queued', 'running')""",
            {"queued": queued_before, "running": running_before},
        ).fetchone()
        assert row is not None
        return int(row["queued"]), int(row["running"])


@contextmanager
def reports_session(pool: ConnectionPool[psycopg.Connection[DictRow]]) -> Iterator[PostgresReports]:
    """A pooled connection in one read-only snapshot, so a report's totals and groups agree; always rolled back."""
    with pool.connection() as conn:
        try:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield PostgresReports(conn)
        finally:
            conn.rollback()


class SqsQueueStats:
    """Approximate depths of the jobs queue and, when configured, its dead-letter queue."""

    _DEPTH: ClassVar[dict[str, str]] = {"visible": "ApproximateNumberOfMessages",
                                        "in_flight": "ApproximateNumberOfMessagesNotVisible",
                                        "delayed": "ApproximateNumberOfMessagesDelayed"}

    def __init__(self, client_factory: Callable[[], Any], queue_url: str, dlq_url: str | None = None) -> None:
        self._client_factory = client_factory
        self._client: Any = None
        self._queue_url = queue_url
        self._dlq_url = dlq_url

    def _attributes(self, queue_url: str, names: list[str]) -> dict[str, str]:
        if self._client is None:
            self._client = self._client_factory()
        return self._client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names).get("Attributes", {})

    def depth(self) -> dict[str, int]:
        """{"visible": n, "in_flight": n, "delayed": n} of the jobs queue; the SQS client is made on first use."""
        attributes = self._attributes(self._queue_url, list(self._DEPTH.values()))
        return {name: int(attributes.get(attribute, 0)) for name, attribute in self._DEPTH.items()}

    def dead_letters(self) -> int | None:
        """Messages in the dead-letter queue; None when none is configured."""
        if not self._dlq_url:
            return None
        attributes = self._attributes(self._dlq_url, ["ApproximateNumberOfMessages"])
        return int(attributes.get("ApproximateNumberOfMessages", 0))
