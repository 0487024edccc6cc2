"""PostgreSQL adapter of the beta program (issue 22): invite codes and their redemptions, the waitlist, and the
feedback widget's entries."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.rows import DictRow

from ..domain.beta import FeedbackEntry, InviteCode, WaitlistEntry

_CODE_COLUMNS = "id::text AS id, code, uses, used, email, note, expires_at, revoked_at, created_at"
_WAITLIST_COLUMNS = "id::text AS id, email, created_at, approved_at, joined_at"
# The two public forms' throttles count their own rows by client address.
_THROTTLED = {"waitlist": "SELECT created_at FROM waitlist WHERE ip = %s AND created_at > %s",
              "feedback": "SELECT created_at FROM feedback WHERE ip = %s AND created_at > %s"}
_WAITLIST_STATES = {
    "pending": "approved_at IS NULL",
    "approved": "approved_at IS NOT NULL AND joined_at IS NULL",
    "joined": "joined_at IS NOT NULL",
}
# Pending entries are approved oldest first; the others read newest first.
_WAITLIST_ORDER = {"pending": "created_at, id", "approved": "created_at DESC, id DESC",
                   "joined": "created_at DESC, id DESC"}
_WAITLIST_AFTER = {"pending": "(created_at, id) > (%(at)s, %(id)s::uuid)",
                   "approved": "(created_at, id) < (%(at)s, %(id)s::uuid)",
                   "joined": "(created_at, id) < (%(at)s, %(id)s::uuid)"}


class PostgresBeta:
    """invite_codes, invite_redemptions, waitlist and feedback, in the caller's transaction."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def lock_address(self, key: str) -> None:
        """Serialises one client address's submissions of a form until the transaction ends."""
        self._conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))

    def recent_from(self, ip: str, form: str, since: datetime) -> list[datetime]:
        """When the address submitted the form ("waitlist" or "feedback") since then."""
        return [row["created_at"] for row in self._conn.execute(_THROTTLED[form], (ip[:64], since)).fetchall()]

    def add_to_waitlist(self, email: str, ip: str, now: datetime) -> bool:
        """Adds the address; False when it was on the list already (compared case-insensitively)."""
        return self._conn.execute(
            """INSERT INTO waitlist (email, ip, created_at) VALUES (%s, %s, %s)
               ON CONFLICT (lower(email)) DO NOTHING""", (email, ip[:64], now)).rowcount == 1

    def waitlist(self, state: str, before: tuple[datetime, str] | None, limit: int) -> list[WaitlistEntry]:
        """Entries in one state: pending ones oldest first, the others newest first, after the keyset cursor."""
        rows = self._conn.execute(
            f"""SELECT {_WAITLIST_COLUMNS} FROM waitlist WHERE {_WAITLIST_STATES[state]}
                  AND (%(at)s::timestamptz IS NULL OR {_WAITLIST_AFTER[state]})
                ORDER BY {_WAITLIST_ORDER[state]} LIMIT %(limit)s""",
            {"at": before[0] if before else None, "id": before[1] if before else None, "limit": limit}).fetchall()
        return [WaitlistEntry(**row) for row in rows]

    def lock_pending(self, ids: list[str] | None, limit: int) -> list[WaitlistEntry]:
        """The named pending entries, or the oldest ones, locked for this transaction (two admins approving at
        once do not invite anyone twice)."""
        rows = self._conn.execute(
            f"""SELECT {_WAITLIST_COLUMNS} FROM waitlist
                WHERE approved_at IS NULL AND (%(ids)s::uuid[] IS NULL OR id = ANY(%(ids)s::uuid[]))
                ORDER BY created_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED""",
            {"ids": ids, "limit": limit}).fetchall()
        return [WaitlistEntry(**row) for row in rows]

    def mark_approved(self, entry_id: str, code_id: str, now: datetime) -> None:
        """Records the entry's invitation."""
        self._conn.execute("UPDATE waitlist SET approved_at = %s, invite_code_id = %s WHERE id = %s",
                           (now, code_id, entry_id))

    def waitlist_entries(self, ids: list[str]) -> list[WaitlistEntry]:
        """The entries with these ids, oldest first."""
        rows = self._conn.execute(
            f"SELECT {_WAITLIST_COLUMNS} FROM waitlist WHERE id = ANY(%s::uuid[]) ORDER BY created_at, id",
            (ids,)).fetchall()
        return [WaitlistEntry(**row) for row in rows]

    def add_code(self, code: str, uses: int, email: str | None, note: str | None, expires_at: datetime | None,
                 created_by: str | None, now: datetime) -> InviteCode:
        """Stores a new code."""
        row = self._conn.execute(
            f"""INSERT INTO invite_codes (code, uses, email, note, expires_at, created_by, created_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_CODE_COLUMNS}""",
            (code, uses, email, note, expires_at, created_by, now)).fetchone()
        assert row is not None
        return InviteCode(**row)

    def code(self, code_id: str) -> InviteCode | None:
        """The code with that id."""
        row = self._conn.execute(f"SELECT {_CODE_COLUMNS} FROM invite_codes WHERE id = %s", (code_id,)).fetchone()
        return None if row is None else InviteCode(**row)

    def codes(self, before: tuple[datetime, str] | None, limit: int) -> list[InviteCode]:
        """Codes newest first, after the keyset cursor."""
        rows = self._conn.execute(
            f"""SELECT {_CODE_COLUMNS} FROM invite_codes
                WHERE %(at)s::timestamptz IS NULL OR (created_at, id) < (%(at)s, %(id)s::uuid)
                ORDER BY created_at DESC, id DESC LIMIT %(limit)s""",
            {"at": before[0] if before else None, "id": before[1] if before else None, "limit": limit}).fetchall()
        return [InviteCode(**row) for row in rows]

    def revoke(self, code_id: str, now: datetime) -> bool:
        """Withdraws the code (a withdrawn one keeps its first time); False when there is no such code."""
        return self._conn.execute(
            "UPDATE invite_codes SET revoked_at = coalesce(revoked_at, %s) WHERE id = %s",
            (now, code_id)).rowcount == 1

    def redeem(self, code: str, email: str, now: datetime) -> str | None:
        """Takes one use of a usable code (not withdrawn, not expired, uses left, bound to no other address) in one
        guarded step; returns its id, or None."""
        row = self._conn.execute(
            """UPDATE invite_codes SET used = used + 1
               WHERE code = %(code)s AND revoked_at IS NULL AND used < uses
                 AND (expires_at IS NULL OR expires_at > %(now)s)
                 AND (email IS NULL OR lower(email) = lower(%(email)s))
               RETURNING id::text AS id""", {"code": code, "now": now, "email": email}).fetchone()
        return None if row is None else str(row["id"])

    def why_not(self, code: str, email: str, now: datetime) -> str:
        """Why redeem refused the code: unknown, revoked, expired, used_up or other_email."""
        row = self._conn.execute(f"SELECT {_CODE_COLUMNS} FROM invite_codes WHERE code = %s", (code,)).fetchone()
        if row is None:
            return "unknown"
        found = InviteCode(**row)
        if found.revoked_at is not None:
            return "revoked"
        if found.expires_at is not None and found.expires_at <= now:
            return "expired"
        if found.used >= found.uses:
            return "used_up"
        return "other_email"

    def record_redemption(self, code_id: str, user_id: str, now: datetime) -> None:
        """Notes which account used the code, and that a waitlisted address it was sent to has joined."""
        self._conn.execute("INSERT INTO invite_redemptions (code_id, user_id, created_at) VALUES (%s, %s, %s)",
                           (code_id, user_id, now))
        self._conn.execute("UPDATE waitlist SET joined_at = %s WHERE invite_code_id = %s AND joined_at IS NULL",
                           (now, code_id))

    def add_feedback(self, user_id: str | None, page: str, message: str, rating: int | None, ip: str,
                     now: datetime) -> None:
        """Keeps one feedback entry."""
        self._conn.execute(
            """INSERT INTO feedback (user_id, page, message, rating, ip, created_at)
               VALUES (%s, %s, %s, %s, %s, %s)""", (user_id, page, message, rating, ip[:64], now))

    def feedback(self, page: str | None, before_id: int | None, limit: int) -> list[FeedbackEntry]:
        """Entries newest first, from one page when given, with the author's current address."""
        rows = self._conn.execute(
            """SELECT f.id, f.user_id::text AS user_id, u.email AS user_email, f.page, f.message, f.rating,
                      f.created_at
               FROM feedback f LEFT JOIN users u ON u.id = f.user_id
               WHERE (%(page)s::text IS NULL OR f.page = %(page)s) AND (%(before)s::bigint IS NULL OR f.id < %(before)s)
               ORDER BY f.id DESC LIMIT %(limit)s""", {"page": page, "before": before_id, "limit": limit}).fetchall()
        return [FeedbackEntry(**row) for row in rows]
