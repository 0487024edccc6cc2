"""PostgreSQL adapter of the support desk (issue 22): tickets, their messages and the throttle's counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import DictRow

from ..domain.support import SupportMessage, Ticket

_TICKET_COLUMNS = """t.id::text AS id, t.user_id::text AS user_id, t.email, t.subject, t.status, t.page, t.created_at,
    t.updated_at"""
_MESSAGE_COLUMNS = "m.id, m.ticket_id::text AS ticket_id, m.author, m.author_name, m.body, m.created_at"


class PostgresSupport:
    """support_tickets and support_messages, in the caller's transaction."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def lock_sender(self, ip: str) -> None:
        """Serialises the tickets of one client address until the transaction ends, so the throttle counts each."""
        self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('support:' || %s))", (ip,))

    def recent_tickets(self, since: datetime, ip: str | None = None, email: str | None = None,
                       user_id: str | None = None) -> list[datetime]:
        """When tickets were opened since then from the address, by the email address or by the account (the one
        given)."""
        rows = self._conn.execute(
            """SELECT created_at FROM support_tickets
               WHERE created_at > %(since)s
                 AND ((%(ip)s::text IS NOT NULL AND ip = %(ip)s)
                   OR (%(email)s::text IS NOT NULL AND lower(email) = lower(%(email)s))
                   OR (%(user_id)s::uuid IS NOT NULL AND user_id = %(user_id)s::uuid))""",
            {"since": since, "ip": ip, "email": email, "user_id": user_id}).fetchall()
        return [row["created_at"] for row in rows]

    def recent_customer_messages(self, user_id: str, since: datetime) -> list[datetime]:
        """When the account wrote messages since then."""
        rows = self._conn.execute(
            """SELECT created_at FROM support_messages
               WHERE author = 'customer' AND author_id = %s AND created_at > %s""", (user_id, since)).fetchall()
        return [row["created_at"] for row in rows]

    def add_ticket(self, user_id: str | None, email: str, subject: str, page: str | None, ip: str,
                   now: datetime) -> Ticket:
        """Opens a ticket without messages."""
        row = self._conn.execute(
            f"""INSERT INTO support_tickets AS t (user_id, email, subject, page, ip, created_at, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_TICKET_COLUMNS}""",
            (user_id, email, subject, page, ip[:64], now, now)).fetchone()
        assert row is not None
        return Ticket(**row)

    def add_message(self, ticket_id: str, author: str, author_id: str | None, author_name: str, body: str,
                    now: datetime) -> SupportMessage:
        """Adds a message to the conversation and marks the ticket active now."""
        row = self._conn.execute(
            f"""INSERT INTO support_messages AS m (ticket_id, author, author_id, author_name, body, created_at)
                VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_MESSAGE_COLUMNS}""",
            (ticket_id, author, author_id, author_name[:120], body, now)).fetchone()
        assert row is not None
        self._conn.execute("UPDATE support_tickets SET updated_at = %s WHERE id = %s", (now, ticket_id))
        return SupportMessage(**row)

    def set_status(self, ticket_id: str, status: str, now: datetime) -> bool:
        """Sets the ticket's status; False when there is no such ticket."""
        return self._conn.execute("UPDATE support_tickets SET status = %s, updated_at = %s WHERE id = %s",
                                  (status, now, ticket_id)).rowcount == 1

    def get(self, ticket_id: str) -> Ticket | None:
        """The ticket with its conversation, oldest message first."""
        row = self._conn.execute(f"SELECT {_TICKET_COLUMNS} FROM support_tickets t WHERE t.id = %s",
                                 (ticket_id,)).fetchone()
        if row is None:
            return None
        return self._with_messages([Ticket(**row)])[0]

    def for_user(self, user_id: str, before: tuple[datetime, str] | None, limit: int) -> list[Ticket]:
        """The account's tickets with their conversations, the most recently active first."""
        rows = self._conn.execute(
            f"""SELECT {_TICKET_COLUMNS} FROM support_tickets t
                WHERE t.user_id = %(user_id)s
                  AND (%(at)s::timestamptz IS NULL OR (t.updated_at, t.id) < (%(at)s, %(id)s::uuid))
                ORDER BY t.updated_at DESC, t.id DESC LIMIT %(limit)s""",
            {"user_id": user_id, "limit": limit, **_keyset(before)}).fetchall()
        return self._with_messages([Ticket(**row) for row in rows])

    def queue(self, status: str | None, before: tuple[datetime, str] | None, limit: int) -> list[Ticket]:
        """Tickets with the status (any when None), the most recently active first, each with its last message."""
        rows = self._conn.execute(
            f"""SELECT {_TICKET_COLUMNS} FROM support_tickets t
                WHERE (%(status)s::text IS NULL OR t.status = %(status)s)
                  AND (%(at)s::timestamptz IS NULL OR (t.updated_at, t.id) < (%(at)s, %(id)s::uuid))
                ORDER BY t.updated_at DESC, t.id DESC LIMIT %(limit)s""",
            {"status": status, "limit": limit, **_keyset(before)}).fetchall()
        return self._with_messages([Ticket(**row) for row in rows], last_only=True)

    def message(self, message_id: int) -> tuple[SupportMessage, Ticket] | None:
        """A message and its ticket (without the conversation)."""
        row = self._conn.execute(
            f"""SELECT {_MESSAGE_COLUMNS} FROM support_messages m WHERE m.id = %s""", (message_id,)).fetchone()
        if row is None:
            return None
        ticket = self._conn.execute(f"SELECT {_TICKET_COLUMNS} FROM support_tickets t WHERE t.id = %s",
                                    (row["ticket_id"],)).fetchone()
        return None if ticket is None else (SupportMessage(**row), Ticket(**ticket))

    def refund_rest(self, generation_id: str, user_id: str) -> int:
        """Marks a finished generation of the user refunded in full and returns how many credits that added (0 when
        it was refunded in full already); the row lock makes two refunds of one generation add it once."""
        row = self._conn.execute(
            """UPDATE generations g SET refunded_credits = g.cost_credits
               FROM (SELECT id, refunded_credits AS before FROM generations
                     WHERE id = %s AND user_id = %s AND status IN ('succeeded', 'failed') FOR UPDATE) o
               WHERE g.id = o.id AND g.refunded_credits < g.cost_credits
               RETURNING g.cost_credits - o.before AS amount""", (generation_id, user_id)).fetchone()
        return 0 if row is None else int(row["amount"])

    def _with_messages(self, tickets: list[Ticket], last_only: bool = False) -> list[Ticket]:
        if not tickets:
            return tickets
        ids = [t.id for t in tickets]
        if last_only:
            rows = self._conn.execute(
                f"""SELECT DISTINCT ON (m.ticket_id) {_MESSAGE_COLUMNS} FROM support_messages m
                    WHERE m.ticket_id = ANY(%s::uuid[]) ORDER BY m.ticket_id, m.id DESC""", (ids,)).fetchall()
        else:
            rows = self._conn.execute(
                f"""SELECT {_MESSAGE_COLUMNS} FROM support_messages m WHERE m.ticket_id = ANY(%s::uuid[])
                    ORDER BY m.id""", (ids,)).fetchall()
        by_ticket: dict[str, list[SupportMessage]] = {}
        for row in rows:
            by_ticket.setdefault(row["ticket_id"], []).append(SupportMessage(**row))
        return [replace(t, messages=tuple(by_ticket.get(t.id, []))) for t in tickets]


def _keyset(before: tuple[datetime, str] | None) -> dict[str, Any]:
    return {"at": before[0] if before else None, "id": before[1] if before else None}
