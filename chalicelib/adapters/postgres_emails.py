"""PostgreSQL adapters of the email preferences and the suppression list (issue 22)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import psycopg
from psycopg.rows import DictRow

from ..domain.emails import EmailPreferences

_PREFERENCE_COLUMNS = "low_balance, product_news, low_balance_threshold, low_balance_notified"


class PostgresEmailPreferences:
    """email_preferences: one row per user who chose, or whose balance crossed the low-balance line."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def get(self, user_id: str) -> EmailPreferences:
        """The user's preferences; the defaults when they never chose."""
        row = self._conn.execute(f"SELECT {_PREFERENCE_COLUMNS} FROM email_preferences WHERE user_id = %s",
                                 (user_id,)).fetchone()
        return EmailPreferences() if row is None else EmailPreferences(**row)

    def save(self, user_id: str, preferences: EmailPreferences, now: datetime) -> EmailPreferences:
        """Stores the preferences and returns them."""
        row = self._conn.execute(
            f"""INSERT INTO email_preferences (user_id, {_PREFERENCE_COLUMNS}, updated_at)
                VALUES (%(user_id)s, %(low_balance)s, %(product_news)s, %(low_balance_threshold)s,
                        %(low_balance_notified)s, %(now)s)
                ON CONFLICT (user_id) DO UPDATE SET low_balance = excluded.low_balance,
                    product_news = excluded.product_news, low_balance_threshold = excluded.low_balance_threshold,
                    low_balance_notified = excluded.low_balance_notified, updated_at = excluded.updated_at
                RETURNING {_PREFERENCE_COLUMNS}""",
            {"user_id": user_id, "now": now, **asdict(preferences)},
        ).fetchone()
        assert row is not None
        return EmailPreferences(**row)

    def set_low_notified(self, user_id: str, notified: bool, now: datetime) -> bool:
        """Flips the low-balance flag; False when it already had that value (another transaction flipped it)."""
        self._conn.execute(
            "INSERT INTO email_preferences (user_id, updated_at) VALUES (%s, %s) ON CONFLICT (user_id) DO NOTHING",
            (user_id, now))
        return self._conn.execute(
            """UPDATE email_preferences SET low_balance_notified = %(notified)s
               WHERE user_id = %(user_id)s AND low_balance_notified <> %(notified)s""",
            {"user_id": user_id, "notified": notified}).rowcount == 1


class PostgresEmailSuppressions:
    """email_suppressions: addresses that bounced for good or complained, kept after their account is gone."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def add(self, address: str, reason: str, detail: str, now: datetime) -> bool:
        """Suppresses the address (compared in lower case); False when it was suppressed already."""
        return self._conn.execute(
            """INSERT INTO email_suppressions (address, reason, detail, created_at) VALUES (lower(%s), %s, %s, %s)
               ON CONFLICT (address) DO NOTHING""", (address, reason, detail, now)).rowcount == 1

    def is_suppressed(self, address: str) -> bool:
        """Whether the address is suppressed."""
        return self._conn.execute("SELECT 1 FROM email_suppressions WHERE address = lower(%s)",
                                  (address,)).fetchone() is not None

    def remove(self, address: str) -> bool:
        """Lifts a suppression; False when there was none."""
        return self._conn.execute("DELETE FROM email_suppressions WHERE address = lower(%s)",
                                  (address,)).rowcount == 1
