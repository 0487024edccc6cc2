"""Row mappings that several PostgreSQL adapters share."""

from __future__ import annotations

from typing import Any

from ..domain.model import Role, User

# The users table as a User, for queries that alias users as u.
USER_COLUMNS = ("u.id::text AS id, u.email, u.display_name, u.role, u.suspended, u.credits, u.password_hash, "
                "u.created_at, u.email_verified_at IS NOT NULL AS email_verified, "
                "u.totp_secret IS NOT NULL AS two_factor, u.signup_bonus_at")


def user_from_row(row: dict[str, Any] | None) -> User | None:
    """A User from a row selected with USER_COLUMNS; None for no row."""
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
        email_verified=row["email_verified"],
        two_factor=row["two_factor"],
        signup_bonus_at=row["signup_bonus_at"],
    )
