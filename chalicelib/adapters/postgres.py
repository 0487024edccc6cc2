"""PostgreSQL adapters: the connection pool, the unit of work and the repositories."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from .postgres_credits import PostgresIdempotencyKeys, PostgresLedger, PostgresPayments
from .postgres_generation import PostgresCatalog, PostgresGenerations, PostgresImages, PostgresPreviews
from .postgres_library import PostgresLibrary
from ..domain.model import FailureTally, LoginFailureCounts, RefreshTokenRecord, Role, User


def create_pool(database_url: str, max_size: int = 1) -> ConnectionPool:
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


_USER_COLUMNS = "u.id::text AS id, u.email, u.display_name, u.role, u.suspended, u.credits, u.password_hash, u.created_at"


def _user(row: dict[str, Any] | None) -> User | None:
    if row is None:
        return None
    return User(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        suspended=row["suspended"],
        credits=row["credits"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
    )


class PostgresUsers:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def add(self, email: str, display_name: str, password_hash: str, role: Role, now: datetime) -> User | None:
        row = self._conn.execute(
            f"""INSERT INTO users AS u (email, display_name, password_hash, role, created_at, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s)
                ON CONFLICT ((lower(email))) DO NOTHING
                RETURNING {_USER_COLUMNS}""",
            (email, display_name, password_hash, role.value, now, now),
        ).fetchone()
        return _user(row)

    def get(self, user_id: str) -> User | None:
        return _user(self._conn.execute(f"SELECT {_USER_COLUMNS} FROM users u WHERE u.id = %s", (user_id,)).fetchone())

    def get_with_session(self, user_id: str, session_id: str) -> User | None:
        return _user(
            self._conn.execute(
                f"""SELECT {_USER_COLUMNS} FROM users u
                    JOIN refresh_token_families f ON f.user_id = u.id
                    WHERE u.id = %s AND f.id = %s AND f.revoked_at IS NULL""",
                (user_id, session_id),
            ).fetchone()
        )

    def by_email(self, email: str) -> User | None:
        return _user(
            self._conn.execute(f"SELECT {_USER_COLUMNS} FROM users u WHERE lower(u.email) = lower(%s)", (email,)).fetchone()
        )

    def update_profile(self, user_id: str, display_name: str) -> User:
        row = self._conn.execute(
            f"UPDATE users AS u SET display_name = %s, updated_at = now() WHERE u.id = %s RETURNING {_USER_COLUMNS}",
            (display_name, user_id),
        ).fetchone()
        user = _user(row)
        assert user is not None
        return user

    def set_password(self, user_id: str, password_hash: str) -> None:
        self._conn.execute("UPDATE users SET password_hash = %s, updated_at = now() WHERE id = %s", (password_hash, user_id))

    def set_role(self, user_id: str, role: Role) -> None:
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


class PostgresRefreshTokens:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def start_family(self, user_id: str, now: datetime) -> str:
        row = self._conn.execute(
            "INSERT INTO refresh_token_families (user_id, created_at) VALUES (%s, %s) RETURNING id::text AS id",
            (user_id, now),
        ).fetchone()
        assert row is not None
        return row["id"]

    def add(self, family_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None:
        self._conn.execute(
            "INSERT INTO refresh_tokens (family_id, token_hash, created_at, expires_at) VALUES (%s, %s, %s, %s)",
            (family_id, token_hash, now, expires_at),
        )

    def lock(self, token_hash: bytes) -> RefreshTokenRecord | None:
        row = self._conn.execute(
            """SELECT t.id::text AS id, t.family_id::text AS family_id, f.user_id::text AS user_id,
                      t.expires_at, t.rotated_at IS NOT NULL AS rotated, f.revoked_at IS NOT NULL AS family_revoked
               FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id
               WHERE t.token_hash = %s
               FOR UPDATE OF t, f""",
            (token_hash,),
        ).fetchone()
        return None if row is None else RefreshTokenRecord(**row)

    def mark_rotated(self, token_id: str, now: datetime) -> None:
        self._conn.execute("UPDATE refresh_tokens SET rotated_at = %s WHERE id = %s", (now, token_id))

    def revoke_family(self, family_id: str, now: datetime) -> None:
        self._conn.execute(
            "UPDATE refresh_token_families SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL", (now, family_id)
        )

    def revoke_all_for_user(self, user_id: str, now: datetime, keep_family_id: str | None = None) -> None:
        self._conn.execute(
            """UPDATE refresh_token_families SET revoked_at = %s
               WHERE user_id = %s AND revoked_at IS NULL AND id IS DISTINCT FROM %s::uuid""",
            (now, user_id, keep_family_id),
        )


class PostgresPasswordResets:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def add(self, user_id: str, token_hash: bytes, expires_at: datetime, now: datetime) -> None:
        self._conn.execute(
            "INSERT INTO password_reset_tokens (user_id, token_hash, created_at, expires_at) VALUES (%s, %s, %s, %s)",
            (user_id, token_hash, now, expires_at),
        )

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        row = self._conn.execute(
            """UPDATE password_reset_tokens SET used_at = %s
               WHERE token_hash = %s AND used_at IS NULL AND expires_at > %s
               RETURNING user_id::text AS user_id""",
            (now, token_hash, now),
        ).fetchone()
        return None if row is None else row["user_id"]

    def count_since(self, user_id: str, since: datetime) -> int:
        row = self._conn.execute(
            "SELECT count(*) AS n FROM password_reset_tokens WHERE user_id = %s AND created_at >= %s", (user_id, since)
        ).fetchone()
        assert row is not None
        return int(row["n"])


class PostgresLoginAttempts:
    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def record(self, email: str, ip: str, succeeded: bool, now: datetime) -> None:
        self._conn.execute(
            "INSERT INTO login_attempts (email, ip, succeeded, attempted_at) VALUES (lower(%s), %s, %s, %s)",
            (email, ip, succeeded, now),
        )

    def failures(self, email: str, ip: str, since: datetime, known_ip_since: datetime) -> LoginFailureCounts:
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


from .postgres_admin import PostgresAdmin, PostgresApiKeys  # noqa: E402 - needs _USER_COLUMNS above


class PostgresUnitOfWork:
    """One transaction on one pooled connection; rolled back unless commit() was called."""

    def __init__(self, pool: ConnectionPool) -> None:
        self._pool = pool

    def __enter__(self) -> "PostgresUnitOfWork":
        self._lease = self._pool.connection()
        self._conn = self._lease.__enter__()
        self.users = PostgresUsers(self._conn)
        self.refresh_tokens = PostgresRefreshTokens(self._conn)
        self.password_resets = PostgresPasswordResets(self._conn)
        self.login_attempts = PostgresLoginAttempts(self._conn)
        self.ledger = PostgresLedger(self._conn)
        self.payments = PostgresPayments(self._conn)
        self.idempotency = PostgresIdempotencyKeys(self._conn)
        self.catalog = PostgresCatalog(self._conn)
        self.generations = PostgresGenerations(self._conn)
        self.images = PostgresImages(self._conn)
        self.previews = PostgresPreviews(self._conn)
        self.library = PostgresLibrary(self._conn)
        self.api_keys = PostgresApiKeys(self._conn)
        self.admin = PostgresAdmin(self._conn)
        return self

    def commit(self) -> None:
        self._conn.commit()

    def __exit__(self, *exc: object) -> None:
        try:
            self._conn.rollback()
        finally:
            self._lease.__exit__(*exc)  # type: ignore[arg-type]


def ping(pool: ConnectionPool, timeout: float = 2.0) -> bool:
    """True when a pooled connection answers a trivial query within the timeout."""
    try:
        with pool.connection(timeout=timeout) as conn:
            conn.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" to a health check
        return False
