"""PostgreSQL adapters: the connection pool, the unit of work and the repositories."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from ..domain.model import (
    FailureTally,
    LoginFailureCounts,
    OutboxItem,
    RefreshTokenRecord,
    Role,
    SessionInfo,
    TwoFactorState,
    User,
)
from .postgres_admin import PostgresAccountFlags, PostgresAdmin, PostgresApiKeys
from .postgres_beta import PostgresBeta
from .postgres_credits import PostgresIdempotencyKeys, PostgresLedger, PostgresPayments
from .postgres_emails import PostgresEmailPreferences, PostgresEmailSuppressions
from .postgres_generation import PostgresCatalog, PostgresGenerations, PostgresImages, PostgresPreviews
from .postgres_library import PostgresLibrary
from .postgres_rows import USER_COLUMNS, user_from_row
from .postgres_status import PostgresStatus
from .postgres_support import PostgresSupport
from .postgres_webhooks import PostgresWebhooks
from .sealed_secrets import UNSEALED, Sealer, totp_context


def create_pool(database_url: str, max_size: int = 1) -> ConnectionPool[psycopg.Connection[DictRow]]:
    """A pool sized for Lambda (one connection per container by default).

    prepare_threshold=None because RDS Proxy multiplexes sessions and cannot keep
    server-side prepared statements.
    """
    return ConnectionPool(
        database_url,
        min_size=1,
        max_size=max_size,
        kwargs={"prepare_threshold": None, "row_factory": dict_row},
        check=ConnectionPool.check_connection,
        open=True,
        name="pixmint",
        timeout=10,
    )


class PostgresUsers:
    """The users table, with TOTP secrets sealed per user on the way in and opened on the way out."""

    def __init__(self, conn: psycopg.Connection[DictRow], sealer: Sealer = UNSEALED) -> None:
        self._conn = conn
        self._sealer = sealer

    def _seal(self, user_id: str, secret: str) -> str:
        return self._sealer.seal(secret, totp_context(user_id))

    def _open(self, user_id: str, stored: str | None) -> str | None:
        return self._sealer.open(stored, totp_context(user_id)) if stored else stored

    def add(self, email: str, display_name: str, password_hash: str, role: Role, now: datetime) -> User | None:
        """Inserts a user; None when the email is taken (compared case-insensitively)."""
        row = self._conn.execute(
            f"""INSERT INTO users AS u (email, display_name, password_hash, role, created_at, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s)
                ON CONFLICT ((lower(email))) DO NOTHING
                RETURNING {USER_COLUMNS}""",
            (email, display_name, password_hash, role.value, now, now),
        ).fetchone()
        return user_from_row(row)

    def get(self, user_id: str) -> User | None:
        """The user, or None when there is no such id."""
        row = self._conn.execute(f"SELECT {USER_COLUMNS} FROM users u WHERE u.id = %s", (user_id,)).fetchone()
        return user_from_row(row)

    def get_with_session(self, user_id: str, session_id: str) -> User | None:
        """The user, only while the named session (refresh-token family) is not revoked."""
        return user_from_row(
            self._conn.execute(
                f"""SELECT {USER_COLUMNS} FROM users u
                    JOIN refresh_token_families f ON f.user_id = u.id
                    WHERE u.id = %s AND f.id = %s AND f.revoked_at IS NULL""",
                (user_id, session_id),
            ).fetchone()
        )

    def by_email(self, email: str) -> User | None:
        """The user with that email, compared case-insensitively, or None."""
        return user_from_row(
            self._conn.execute(f"SELECT {USER_COLUMNS} FROM users u WHERE lower(u.email) = lower(%s)",
                               (email,)).fetchone()
        )

    def update_profile(self, user_id: str, display_name: str) -> User:
        """Sets the display name and returns the updated user, who must exist."""
        row = self._conn.execute(
            f"UPDATE users AS u SET display_name = %s, updated_at = now() WHERE u.id = %s RETURNING {USER_COLUMNS}",
            (display_name, user_id),
        ).fetchone()
        user = user_from_row(row)
        assert user is not None
        return user

    def public_handle(self, user_id: str) -> str | None:
        """The user's public handle, or None."""
        row = self._conn.execute("SELECT public_handle FROM users WHERE id = %s", (user_id,)).fetchone()
        return None if row is None else row["public_handle"]

    def set_public_handle(self, user_id: str, handle: str) -> bool:
        """Sets the user's public handle; False when another user holds it (compared case-insensitively)."""
        try:
            with self._conn.transaction():  # a savepoint: the unique index settles a race without aborting the rest
                self._conn.execute("UPDATE users SET public_handle = %s, updated_at = now() WHERE id = %s",
                                   (handle, user_id))
        except psycopg.errors.UniqueViolation:
            return False
        return True

    def set_password(self, user_id: str, password_hash: str) -> None:
        """Stores a new password hash; sessions are the caller's to revoke."""
        self._conn.execute("UPDATE users SET password_hash = %s, updated_at = now() WHERE id = %s",
                           (password_hash, user_id))

    def set_role(self, user_id: str, role: Role) -> None:
        """Changes the user's role."""
        self._conn.execute("UPDATE users SET role = %s, updated_at = now() WHERE id = %s", (role.value, user_id))

    def delete(self, user_id: str) -> None:
        """Deletes the account; its images' S3 copies are queued, in this transaction, for the deletion schedule."""
        # The image rows go by cascade and nothing else knows the keys afterwards; '-infinity' is due at once.
        self._conn.execute(
            """INSERT INTO s3_deletions (s3_key, next_attempt_at)
               SELECT s3_key, '-infinity'::timestamptz FROM images WHERE user_id = %(user)s
               UNION SELECT v.s3_key, '-infinity'::timestamptz FROM image_variants v JOIN images i ON i.id = v.image_id
                     WHERE i.user_id = %(user)s AND v.s3_key IS NOT NULL
               ON CONFLICT (s3_key) DO NOTHING""",
            {"user": user_id},
        )
        self._conn.execute("DELETE FROM users WHERE id = %s", (user_id,))

    def change_email(self, user_id: str, email: str, now: datetime) -> bool:
        """Moves the account to a confirmed new address (verified by the link); False when another account has it."""
        try:
            with self._conn.transaction():  # a savepoint: the unique index decides a race with a sign-up
                row = self._conn.execute(
                    """UPDATE users SET email = %s, email_verified_at = coalesce(email_verified_at, %s),
                           updated_at = now() WHERE id = %s RETURNING id""",
                    (email, now, user_id),
                ).fetchone()
        except psycopg.errors.UniqueViolation:
            return False
        return row is not None

    def mark_email_verified(self, user_id: str, now: datetime) -> bool:
        """Sets the verification time once; False when it was set already."""
        row = self._conn.execute(
            """UPDATE users SET email_verified_at = %s, updated_at = now()
               WHERE id = %s AND email_verified_at IS NULL RETURNING id""",
            (now, user_id),
        ).fetchone()
        return row is not None

    def mark_signup_bonus(self, user_id: str, now: datetime) -> None:
        """Records when the signup bonus was granted."""
        self._conn.execute("UPDATE users SET signup_bonus_at = %s WHERE id = %s", (now, user_id))

    def two_factor(self, user_id: str) -> TwoFactorState:
        """The active and pending TOTP secrets, opened, and the last step used; all empty for an unknown user."""
        row = self._conn.execute(
            """SELECT totp_secret AS secret, totp_pending_secret AS pending_secret, totp_last_step AS last_step
               FROM users WHERE id = %s""",
            (user_id,),
        ).fetchone()
        if row is None:
            return TwoFactorState()
        return TwoFactorState(secret=self._open(user_id, row["secret"]),
                              pending_secret=self._open(user_id, row["pending_secret"]), last_step=row["last_step"])

    def set_pending_totp(self, user_id: str, secret: str) -> None:
        """Stores a sealed secret that waits for its first code; the active one is untouched."""
        self._conn.execute("UPDATE users SET totp_pending_secret = %s WHERE id = %s",
                           (self._seal(user_id, secret), user_id))

    def enable_totp(self, user_id: str, secret: str, step: int) -> None:
        """Makes the secret the active one, with its first accepted time step, and drops the pending one."""
        self._conn.execute(
            """UPDATE users SET totp_secret = %s, totp_pending_secret = NULL, totp_last_step = %s, updated_at = now()
               WHERE id = %s""",
            (self._seal(user_id, secret), step, user_id),
        )

    def disable_totp(self, user_id: str) -> None:
        """Clears the active and pending secrets and the last step."""
        self._conn.execute(
            """UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_last_step = NULL,
                   updated_at = now() WHERE id = %s""",
            (user_id,),
        )

    def advance_totp_step(self, user_id: str, step: int) -> bool:
        """Records a code's time step; False when that step or a later one was used already (a replay)."""
        row = self._conn.execute(
            """UPDATE users SET totp_last_step = %(step)s
               WHERE id = %(user)s AND (totp_last_step IS NULL OR totp_last_step < %(step)s) RETURNING id""",
            {"step": step, "user": user_id},
        ).fetchone()
        return row is not None


class PostgresRefreshTokens:
    """Refresh tokens by hash, grouped in families (one per sign-in, a session to the user)."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def start_family(self, user_id: str, now: datetime, user_agent: str | None = None, ip: str | None = None) -> str:
        """Opens a session for the user and returns its id."""
        row = self._conn.execute(
            """INSERT INTO refresh_token_families (user_id, created_at, last_used_at, user_agent, ip)
               VALUES (%s, %s, %s, %s, %s) RETURNING id::text AS id""",
            (user_id, now, now, user_agent, ip),
        ).fetchone()
        assert row is not None
        return row["id"]

    def touch_family(self, family_id: str, now: datetime) -> None:
        """Records that the session was just used."""
        self._conn.execute("UPDATE refresh_token_families SET last_used_at = %s WHERE id = %s", (now, family_id))

    def live_families(self, user_id: str, now: datetime) -> list[SessionInfo]:
        """The user's sessions that are not revoked and hold an unexpired, unspent token, newest first."""
        rows = self._conn.execute(
            """SELECT f.id::text AS id, f.created_at, coalesce(f.last_used_at, f.created_at) AS last_used_at,
                      f.user_agent, f.ip
               FROM refresh_token_families f
               WHERE f.user_id = %(user)s AND f.revoked_at IS NULL
                 AND EXISTS (SELECT 1 FROM refresh_tokens t
                             WHERE t.family_id = f.id AND t.rotated_at IS NULL AND t.expires_at > %(now)s)
               ORDER BY f.created_at DESC, f.id""",
            {"user": user_id, "now": now},
        ).fetchall()
        return [SessionInfo(**row) for row in rows]

    def revoke_users_family(self, user_id: str, family_id: str, now: datetime) -> bool:
        """Revokes one live session of this user; False when the user has no such live session."""
        row = self._conn.execute(
            """UPDATE refresh_token_families SET revoked_at = %s
               WHERE id = %s AND user_id = %s AND revoked_at IS NULL RETURNING id""",
            (now, family_id, user_id),
        ).fetchone()
        return row is not None

    def add(self, family_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None:
        """Stores a token's hash in the family."""
        self._conn.execute(
            "INSERT INTO refresh_tokens (family_id, token_hash, created_at, expires_at) VALUES (%s, %s, %s, %s)",
            (family_id, token_hash, now, expires_at),
        )

    def lock(self, token_hash: bytes) -> RefreshTokenRecord | None:
        """Finds a token by hash with its family's state and locks both rows for the rest of the transaction."""
        row = self._conn.execute(
            """SELECT t.id::text AS id, t.family_id::text AS family_id, f.user_id::text AS user_id,
                      t.expires_at, t.rotated_at, f.revoked_at IS NOT NULL AS family_revoked,
                      t.superseded_at IS NOT NULL AS superseded,
                      EXISTS (SELECT 1 FROM refresh_tokens s
                              WHERE s.family_id = t.family_id AND s.id <> t.id AND s.created_at >= t.rotated_at
                                AND s.rotated_at IS NOT NULL) AS successor_spent
               FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id
               WHERE t.token_hash = %s
               FOR UPDATE OF t, f""",
            (token_hash,),
        ).fetchone()
        return None if row is None else RefreshTokenRecord(**row)

    def mark_rotated(self, token_id: str, now: datetime) -> None:
        """Marks the token spent: it was exchanged for a successor."""
        self._conn.execute("UPDATE refresh_tokens SET rotated_at = %s WHERE id = %s", (now, token_id))

    def supersede_live(self, family_id: str, now: datetime) -> None:
        """Retires the family's unspent tokens: their reply never reached the browser."""
        self._conn.execute(
            "UPDATE refresh_tokens SET rotated_at = %(now)s, superseded_at = %(now)s "
            "WHERE family_id = %(family)s AND rotated_at IS NULL",
            {"now": now, "family": family_id},
        )

    def revoke_family(self, family_id: str, now: datetime) -> None:
        """Revokes the session; a session revoked already keeps its first time."""
        self._conn.execute(
            "UPDATE refresh_token_families SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL", (now, family_id)
        )

    def revoke_all_for_user(self, user_id: str, now: datetime, keep_family_id: str | None = None) -> None:
        """Revokes every live session of the user except keep_family_id's, when given."""
        self._conn.execute(
            """UPDATE refresh_token_families SET revoked_at = %s
               WHERE user_id = %s AND revoked_at IS NULL AND id IS DISTINCT FROM %s::uuid""",
            (now, user_id, keep_family_id),
        )


class _PostgresSingleUseTokens:
    """Hashed single-use tokens of one table (reset links, verification links): add, consume once, void."""

    TABLE = ""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def add(self, user_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None:
        self._conn.execute(
            f"INSERT INTO {self.TABLE} (user_id, token_hash, created_at, expires_at) VALUES (%s, %s, %s, %s)",
            (user_id, token_hash, now, expires_at),
        )

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        # One statement: of many callers with the same token, the row lock lets exactly one see it unused.
        row = self._conn.execute(
            f"""UPDATE {self.TABLE} SET used_at = %s
                WHERE token_hash = %s AND used_at IS NULL AND expires_at > %s
                RETURNING user_id::text AS user_id""",
            (now, token_hash, now),
        ).fetchone()
        return None if row is None else row["user_id"]

    def void_all(self, user_id: str, now: datetime) -> None:
        self._conn.execute(f"UPDATE {self.TABLE} SET used_at = %s WHERE user_id = %s AND used_at IS NULL",
                           (now, user_id))


class PostgresPasswordResets(_PostgresSingleUseTokens):
    """Password reset tokens, single use."""

    TABLE = "password_reset_tokens"

    def count_since(self, user_id: str, since: datetime) -> int:
        """Reset tokens issued to the user since then, used or not."""
        row = self._conn.execute(
            "SELECT count(*) AS n FROM password_reset_tokens WHERE user_id = %s AND created_at >= %s", (user_id, since)
        ).fetchone()
        assert row is not None
        return int(row["n"])


class PostgresEmailVerifications(_PostgresSingleUseTokens):
    """Email verification tokens, single use."""

    TABLE = "email_verification_tokens"


class PostgresEmailChanges:
    """Single-use links that move an account to a new address, each naming the address it confirms."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def add(self, user_id: str, token_hash: bytes, new_email: str, expires_at: datetime, now: datetime) -> None:
        """Stores a link's hash for the new address."""
        self._conn.execute(
            """INSERT INTO email_change_tokens (user_id, token_hash, new_email, created_at, expires_at)
               VALUES (%s, %s, %s, %s, %s)""",
            (user_id, token_hash, new_email, now, expires_at),
        )

    def consume(self, token_hash: bytes, now: datetime) -> tuple[str, str] | None:
        """(user id, new address) of an unused, unexpired link, now used; None otherwise (one caller wins a race)."""
        row = self._conn.execute(
            """UPDATE email_change_tokens SET used_at = %s
               WHERE token_hash = %s AND used_at IS NULL AND expires_at > %s
               RETURNING user_id::text AS user_id, new_email""",
            (now, token_hash, now),
        ).fetchone()
        return None if row is None else (row["user_id"], row["new_email"])

    def void_all(self, user_id: str, now: datetime) -> None:
        """Makes every unused link of the user useless."""
        self._conn.execute("UPDATE email_change_tokens SET used_at = %s WHERE user_id = %s AND used_at IS NULL",
                           (now, user_id))


class PostgresBonusClaims:
    """Mailbox keys that have had the signup bonus, kept after their account is deleted."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def claim(self, email_key: bytes, now: datetime) -> bool:
        """Records the key; False when it was recorded before (by any account, live or deleted)."""
        row = self._conn.execute(
            """INSERT INTO signup_bonus_claims (email_key, claimed_at) VALUES (%s, %s)
               ON CONFLICT (email_key) DO NOTHING RETURNING email_key""",
            (email_key, now),
        ).fetchone()
        return row is not None


class PostgresSignups:
    """Sign-ups per client address, kept for a day to limit sign-ups from one address."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def lock_recent(self, ip: str, since: datetime) -> list[datetime]:
        """Sign-ups from the address since then; holds a lock on the address for the rest of the transaction."""
        # Serialises sign-ups per address, so parallel requests cannot all read the count before any is added.
        self._conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('signup:' || %s, 0))", (ip,))
        rows = self._conn.execute(
            "SELECT created_at FROM signups WHERE ip = %s AND created_at > %s", (ip, since)
        ).fetchall()
        return [row["created_at"] for row in rows]

    def record(self, ip: str, now: datetime) -> None:
        """Counts a sign-up from the address and forgets its sign-ups older than a day."""
        self._conn.execute("INSERT INTO signups (ip, created_at) VALUES (%s, %s)", (ip, now))
        self._conn.execute("DELETE FROM signups WHERE ip = %s AND created_at < %s", (ip, now - timedelta(days=1)))


class PostgresEmailOutbox:
    """Emails waiting to be sent; an item holds the kind and recipient, the text is rendered when it is sent."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def add(self, kind: str, user_id: str | None, email: str | None, now: datetime, ref: str | None = None) -> int:
        """Queues an email, due at once; returns its id. ref names what it is about (a payment, a ticket reply)."""
        row = self._conn.execute(
            """INSERT INTO email_outbox (kind, user_id, email, created_at, next_attempt_at, ref)
               VALUES (%s, %s, %s, %s, %s, %s) RETURNING id""",
            (kind, user_id, email, now, now, ref),
        ).fetchone()
        assert row is not None
        return int(row["id"])

    def recent_for_user(self, user_id: str, kind: str, since: datetime) -> list[datetime]:
        """When the user's emails of that kind were queued since then; locks the user's row first."""
        self._conn.execute("SELECT 1 FROM users WHERE id = %s FOR NO KEY UPDATE", (user_id,))
        rows = self._conn.execute(
            "SELECT created_at FROM email_outbox WHERE user_id = %s AND kind = %s AND created_at > %s",
            (user_id, kind, since),
        ).fetchall()
        return [row["created_at"] for row in rows]

    def claim_due(self, now: datetime, lease_until: datetime, max_attempts: int) -> OutboxItem | None:
        """The oldest due item with attempts left, leased until then and its attempt counted; skips locked rows."""
        row = self._conn.execute(
            """UPDATE email_outbox SET attempts = attempts + 1, next_attempt_at = %(lease)s
               WHERE id = (SELECT id FROM email_outbox
                           WHERE done_at IS NULL AND next_attempt_at <= %(now)s AND attempts < %(max)s
                           ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
               RETURNING id, kind, user_id::text AS user_id, email, attempts, ref""",
            {"now": now, "lease": lease_until, "max": max_attempts},
        ).fetchone()
        return None if row is None else OutboxItem(**row)

    def finish(self, item_id: int, sent: bool, now: datetime) -> None:
        """Closes an item, sent or given up, and forgets its address and last error."""
        self._conn.execute(
            "UPDATE email_outbox SET done_at = %s, sent = %s, email = NULL, last_error = NULL WHERE id = %s",
            (now, sent, item_id),
        )

    def failed(self, item_id: int, error: str) -> None:
        """Keeps the error of a failed attempt; the lease decides when the item is tried again."""
        self._conn.execute("UPDATE email_outbox SET last_error = %s WHERE id = %s", (error, item_id))

    def prune(self, before: datetime) -> int:
        """Deletes items closed before then; returns how many."""
        return self._conn.execute("DELETE FROM email_outbox WHERE done_at < %s", (before,)).rowcount


class PostgresRecoveryCodes:
    """Hashed two-factor recovery codes, each usable once."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def replace(self, user_id: str, code_hashes: list[bytes], now: datetime) -> None:
        """Deletes the user's codes and stores the new ones."""
        self.delete_all(user_id)
        with self._conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (%s, %s, %s)",
                [(user_id, code_hash, now) for code_hash in code_hashes],
            )

    def consume(self, user_id: str, code_hash: bytes, now: datetime) -> bool:
        """Marks an unused code of the user used; False when there is none with that hash."""
        row = self._conn.execute(
            """UPDATE recovery_codes SET used_at = %s
               WHERE user_id = %s AND code_hash = %s AND used_at IS NULL RETURNING id""",
            (now, user_id, code_hash),
        ).fetchone()
        return row is not None

    def delete_all(self, user_id: str) -> None:
        """Deletes all of the user's codes, used or not."""
        self._conn.execute("DELETE FROM recovery_codes WHERE user_id = %s", (user_id,))


class PostgresLoginAttempts:
    """Sign-in attempts by email (lower-cased) and address, for the lockout rules."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def record(self, email: str, ip: str, succeeded: bool, now: datetime) -> None:
        """Stores one attempt, the email lower-cased."""
        self._conn.execute(
            "INSERT INTO login_attempts (email, ip, succeeded, attempted_at) VALUES (lower(%s), %s, %s, %s)",
            (email, ip, succeeded, now),
        )

    def failures(self, email: str, ip: str, since: datetime, known_ip_since: datetime) -> LoginFailureCounts:
        """Failed attempts since then: for the account from this address (after its last success there), for the account
        from addresses it never signed in from since known_ip_since, and from this address for any account."""
        row = self._conn.execute(
            """WITH account AS (
                   SELECT id, ip, succeeded, attempted_at FROM login_attempts
                   WHERE email = lower(%(email)s) AND attempted_at >= %(known_since)s
               ),
               known AS (SELECT DISTINCT ip FROM account WHERE succeeded),
               -- Attempts are ordered by id, not time, so a success and a failure in the same instant still order.
               pair AS (
                   SELECT attempted_at FROM account
                   WHERE ip = %(ip)s AND NOT succeeded AND attempted_at >= %(since)s
                     AND id > coalesce((SELECT max(id) FROM account WHERE succeeded AND ip = %(ip)s), 0)
               )
               SELECT
                 (SELECT count(*) FROM pair) AS pair_count,
                 (SELECT min(attempted_at) FROM pair) AS pair_oldest,
                 count(*) FILTER (WHERE a.ip NOT IN (SELECT ip FROM known)) AS unknown_count,
                 min(a.attempted_at) FILTER (WHERE a.ip NOT IN (SELECT ip FROM known)) AS unknown_oldest,
                 EXISTS (SELECT 1 FROM known WHERE ip = %(ip)s) AS ip_known
               FROM account a WHERE NOT a.succeeded AND a.attempted_at >= %(since)s""",
            {"email": email, "ip": ip, "since": since, "known_since": known_ip_since},
        ).fetchone()
        by_ip = self._conn.execute(
            """SELECT count(*) AS n, min(attempted_at) AS oldest FROM login_attempts
               WHERE ip = %s AND NOT succeeded AND attempted_at >= %s""",
            (ip, since),
        ).fetchone()
        assert row is not None and by_ip is not None
        return LoginFailureCounts(
            account_from_ip=FailureTally(row["pair_count"], row["pair_oldest"]),
            account_from_unknown_ips=FailureTally(row["unknown_count"], row["unknown_oldest"]),
            ip=FailureTally(by_ip["n"], by_ip["oldest"]),
            ip_known_for_account=row["ip_known"],
        )


class PostgresUnitOfWork:
    """One transaction on one pooled connection; rolled back unless commit() was called."""

    def __init__(self, pool: ConnectionPool[psycopg.Connection[DictRow]], sealer: Sealer = UNSEALED) -> None:
        # The app passes its SecretSealer; units of work that tests build store secrets as they are.
        self._pool = pool
        self._sealer = sealer

    def __enter__(self) -> PostgresUnitOfWork:
        self._lease = self._pool.connection()
        self._conn = self._lease.__enter__()
        self._after_commit: list[Callable[[], None]] = []
        self.users = PostgresUsers(self._conn, self._sealer)
        self.refresh_tokens = PostgresRefreshTokens(self._conn)
        self.password_resets = PostgresPasswordResets(self._conn)
        self.login_attempts = PostgresLoginAttempts(self._conn)
        self.email_verifications = PostgresEmailVerifications(self._conn)
        self.email_changes = PostgresEmailChanges(self._conn)
        self.bonus_claims = PostgresBonusClaims(self._conn)
        self.signups = PostgresSignups(self._conn)
        self.email_outbox = PostgresEmailOutbox(self._conn)
        self.recovery_codes = PostgresRecoveryCodes(self._conn)
        self.ledger = PostgresLedger(self._conn)
        self.payments = PostgresPayments(self._conn)
        self.idempotency = PostgresIdempotencyKeys(self._conn)
        self.catalog = PostgresCatalog(self._conn)
        self.generations = PostgresGenerations(self._conn)
        self.images = PostgresImages(self._conn)
        self.previews = PostgresPreviews(self._conn)
        self.library = PostgresLibrary(self._conn)
        from .postgres_boards import PostgresBoards  # boards (issue 21)

        self.boards = PostgresBoards(self._conn)
        self.api_keys = PostgresApiKeys(self._conn)
        self.admin = PostgresAdmin(self._conn)
        self.flags = PostgresAccountFlags(self._conn)
        self.webhooks = PostgresWebhooks(self._conn, self._sealer)
        self.email_preferences = PostgresEmailPreferences(self._conn)
        self.email_suppressions = PostgresEmailSuppressions(self._conn)
        self.support = PostgresSupport(self._conn)
        self.status = PostgresStatus(self._conn)
        self.beta = PostgresBeta(self._conn)
        from .postgres_billing import PostgresSubscriptions  # billing (issue 18)

        self.subscriptions = PostgresSubscriptions(self._conn)
        from .postgres_referrals import PostgresReferrals  # referrals (issue 18)

        self.referrals = PostgresReferrals(self._conn)
        return self

    def commit(self) -> None:
        """Commits the transaction, then runs what on_commit was given; leaving without it rolls back."""
        self._conn.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Runs the callback once this transaction has committed (never when it rolls back): what must not see
        the transaction's rows before they exist, such as waking the email outbox's deliverer."""
        self._after_commit.append(callback)

    def __exit__(self, *exc: object) -> None:
        try:
            self._conn.rollback()
        finally:
            self._lease.__exit__(*exc)  # type: ignore[arg-type]  # the (type, value, traceback) given to this __exit__


def ping(pool: ConnectionPool[psycopg.Connection[DictRow]], timeout: float = 2.0) -> bool:
    """True when a pooled connection answers a trivial query within the timeout."""
    try:
        with pool.connection(timeout=timeout) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" to a health check
        return False
