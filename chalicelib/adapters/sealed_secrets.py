"""Secrets the app must read back (TOTP seeds, webhook signing secrets) stored sealed with AES-256-GCM.

A database dump, a read replica or a backup then holds nothing that can sign a webhook or mint a second factor.
Each value is bound to its purpose and row (the associated data), so a sealed value copied onto another row or
column does not open. Values written before sealing existed are read as they are until `pixmint seal-secrets`
(run by the deploy after the migrations) seals them.
"""

from __future__ import annotations

import base64
import os
from typing import Any

PREFIX = "sealed:v1:"
_NONCE_BYTES = 12


class SealedSecretError(Exception):
    """A sealed value that does not open with this key for this row (tampered, moved, or another key)."""


class SecretSealer:
    """Seals and opens short secrets with a 256-bit key derived from the app's master secret."""

    def __init__(self, master_secret: str) -> None:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"pixmint secrets at rest v1").derive(master_secret.encode())
        self._aead = AESGCM(key)

    def __repr__(self) -> str:  # the key stays out of logs and tracebacks
        return "SecretSealer(<key>)"

    def seal(self, plaintext: str, context: str) -> str:
        """The plaintext sealed for one row's purpose (`context`, e.g. "totp:<user id>")."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, stored: str, context: str) -> str:
        """The plaintext of a sealed value; a value from before sealing (no prefix) is returned as it is.

        Raises SealedSecretError when the value does not open for this context."""
        if not is_sealed(stored):
            return stored
        from cryptography.exceptions import InvalidTag

        try:
            raw = base64.urlsafe_b64decode(stored[len(PREFIX):].encode())
            return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()
        except (InvalidTag, ValueError) as error:
            raise SealedSecretError(f"a sealed secret for {context.split(':')[0]} does not open") from error


class UnsealedSecrets:
    """A sealer that stores values as they are: for units of work that tests build without the app's key."""

    def seal(self, plaintext: str, context: str) -> str:
        """The plaintext, unchanged."""
        return plaintext

    def open(self, stored: str, context: str) -> str:
        """The stored value, unchanged."""
        return stored


UNSEALED = UnsealedSecrets()
Sealer = SecretSealer | UnsealedSecrets


def is_sealed(stored: str) -> bool:
    """Whether a stored value is sealed (rather than a value written before sealing existed)."""
    return stored.startswith(PREFIX)


def totp_context(user_id: str) -> str:
    """The associated data of a user's TOTP seed (active and pending alike)."""
    return f"totp:{user_id}"


def webhook_context(endpoint_id: str) -> str:
    """The associated data of a webhook endpoint's signing secret."""
    return f"webhook:{endpoint_id}"


def seal_stored_secrets(pool: Any, sealer: SecretSealer) -> dict[str, int]:
    """Seals every TOTP seed and webhook secret still stored as it was written before sealing; idempotent."""
    sealed = {"totp": 0, "webhook": 0}
    with pool.connection() as conn, conn.transaction():
        rows = conn.execute(
            """SELECT id::text AS id, totp_secret, totp_pending_secret FROM users
               WHERE totp_secret NOT LIKE 'sealed:%%' OR totp_pending_secret NOT LIKE 'sealed:%%' FOR UPDATE""",
        ).fetchall()
        for row in rows:
            values = [sealer.seal(v, totp_context(row["id"])) if v and not is_sealed(v) else v
                      for v in (row["totp_secret"], row["totp_pending_secret"])]
            conn.execute("UPDATE users SET totp_secret = %s, totp_pending_secret = %s WHERE id = %s",
                         (*values, row["id"]))
            sealed["totp"] += 1
        hooks = conn.execute(
            "SELECT id::text AS id, secret FROM webhook_endpoints WHERE secret NOT LIKE 'sealed:%%' FOR UPDATE",
        ).fetchall()
        for hook in hooks:
            conn.execute("UPDATE webhook_endpoints SET secret = %s WHERE id = %s",
                         (sealer.seal(hook["secret"], webhook_context(hook["id"])), hook["id"]))
            sealed["webhook"] += 1
    return sealed
