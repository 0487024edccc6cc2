"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's minimum for argon2id is m=19 MiB, t=2, p=1; we sit above it.
DEFAULT_MEMORY_KIB = 19 * 1024
DEFAULT_TIME_COST = 3
DEFAULT_PARALLELISM = 1


class Argon2PasswordHasher:
    """argon2id hashes; verify() says whether a stored hash should be redone with today's parameters."""

    def __init__(
        self,
        memory_kib: int = DEFAULT_MEMORY_KIB,
        time_cost: int = DEFAULT_TIME_COST,
        parallelism: int = DEFAULT_PARALLELISM,
    ) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )

    def hash(self, password: str) -> str:
        """An argon2id hash in the PHC string format, salt included."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches; False for a mismatch or a hash it cannot read, never raising."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than this hasher's."""
        return self._hasher.check_needs_rehash(password_hash)
