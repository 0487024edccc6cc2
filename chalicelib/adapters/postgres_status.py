"""PostgreSQL adapter of the status page (issue 22): daily check counts, incidents and the payments' health."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import psycopg
from psycopg.rows import DictRow

from ..domain.status import DaySample, Incident, IncidentUpdate, PaymentHealth

_INCIDENT_COLUMNS = "id::text AS id, title, impact, components, status, created_at, updated_at, resolved_at"


class PostgresStatus:
    """status_samples, status_incidents and their updates, in the caller's transaction."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def record(self, day: date, component: str, status: str) -> None:
        """Counts one check of the component on that day, and whether it was degraded or down."""
        self._conn.execute(
            """INSERT INTO status_samples (day, component, checks, degraded, outages) VALUES (%s, %s, 1, %s, %s)
               ON CONFLICT (day, component) DO UPDATE SET checks = status_samples.checks + 1,
                   degraded = status_samples.degraded + excluded.degraded,
                   outages = status_samples.outages + excluded.outages""",
            (day, component, int(status == "degraded"), int(status == "outage")))

    def samples(self, since: date) -> list[DaySample]:
        """Every component's daily counts from that day on."""
        rows = self._conn.execute(
            "SELECT day, component, checks, degraded, outages FROM status_samples WHERE day >= %s ORDER BY day",
            (since,)).fetchall()
        return [DaySample(**row) for row in rows]

    def payment_health(self, stale_before: datetime, since: datetime) -> PaymentHealth:
        """Checkouts still open that were opened before stale_before, and the payments paid or failed since then."""
        row = self._conn.execute(
            """SELECT count(*) FILTER (WHERE status = 'open' AND created_at < %(stale)s) AS stale_open,
                      count(*) FILTER (WHERE status IN ('paid', 'partially_refunded', 'refunded')
                                       AND updated_at >= %(since)s) AS paid,
                      count(*) FILTER (WHERE status = 'failed' AND updated_at >= %(since)s) AS failed
               FROM payments WHERE created_at >= %(stale)s - interval '7 days' OR updated_at >= %(since)s""",
            {"stale": stale_before, "since": since}).fetchone()
        assert row is not None
        return PaymentHealth(**row)

    def add_incident(self, title: str, impact: str, components: tuple[str, ...], status: str,
                     now: datetime) -> Incident:
        """Opens an incident without updates."""
        row = self._conn.execute(
            f"""INSERT INTO status_incidents (title, impact, components, status, created_at, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_INCIDENT_COLUMNS}""",
            (title, impact, list(components), status, now, now)).fetchone()
        assert row is not None
        return _incident(row)

    def add_update(self, incident_id: str, status: str, message: str, now: datetime) -> None:
        """Adds one message to the incident's timeline."""
        self._conn.execute(
            "INSERT INTO status_incident_updates (incident_id, status, message, created_at) VALUES (%s, %s, %s, %s)",
            (incident_id, status, message, now))

    def set_incident_status(self, incident_id: str, status: str, now: datetime) -> None:
        """Moves the incident on; resolved sets its end (once), anything else reopens it."""
        self._conn.execute(
            """UPDATE status_incidents SET status = %(status)s, updated_at = %(now)s,
                   resolved_at = CASE WHEN %(status)s = 'resolved' THEN coalesce(resolved_at, %(now)s) END
               WHERE id = %(id)s""", {"status": status, "now": now, "id": incident_id})

    def incident(self, incident_id: str) -> Incident | None:
        """The incident with its timeline, oldest update first."""
        row = self._conn.execute(f"SELECT {_INCIDENT_COLUMNS} FROM status_incidents WHERE id = %s",
                                 (incident_id,)).fetchone()
        return None if row is None else self._with_updates([_incident(row)])[0]

    def incidents(self, limit: int, offset: int = 0) -> list[Incident]:
        """Incidents newest first, with their timelines."""
        rows = self._conn.execute(
            f"""SELECT {_INCIDENT_COLUMNS} FROM status_incidents ORDER BY created_at DESC, id DESC
                LIMIT %s OFFSET %s""", (limit, offset)).fetchall()
        return self._with_updates([_incident(row) for row in rows])

    def incidents_since(self, resolved_after: datetime) -> list[Incident]:
        """Open incidents, and those resolved after then, newest first."""
        rows = self._conn.execute(
            f"""SELECT {_INCIDENT_COLUMNS} FROM status_incidents WHERE resolved_at IS NULL OR resolved_at > %s
                ORDER BY created_at DESC, id DESC LIMIT 50""", (resolved_after,)).fetchall()
        return self._with_updates([_incident(row) for row in rows])

    def _with_updates(self, incidents: list[Incident]) -> list[Incident]:
        if not incidents:
            return incidents
        rows = self._conn.execute(
            """SELECT id, incident_id::text AS incident_id, status, message, created_at FROM status_incident_updates
               WHERE incident_id = ANY(%s::uuid[]) ORDER BY id""", ([i.id for i in incidents],)).fetchall()
        updates: dict[str, list[IncidentUpdate]] = {}
        for row in rows:
            updates.setdefault(row.pop("incident_id"), []).append(IncidentUpdate(**row))
        return [replace(i, updates=tuple(updates.get(i.id, []))) for i in incidents]


def _incident(row: DictRow) -> Incident:
    return Incident(**{**row, "components": tuple(row["components"])})
