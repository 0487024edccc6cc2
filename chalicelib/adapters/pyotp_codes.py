"""Time-based one-time passwords (RFC 6238: SHA-1, 6 digits, 30 s) with pyotp."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

STEP_SECONDS = 30
DRIFT_STEPS = 1


class PyOtpCodes:
    """What every authenticator app speaks; pyotp is imported on first use, off the cold-start path."""

    def new_secret(self) -> str:
        """A random base32 secret of pyotp's default length."""
        import pyotp

        return pyotp.random_base32()

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str:
        """The otpauth:// URI an authenticator app reads from a QR code."""
        import pyotp

        return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)

    def matching_step(self, secret: str, code: str, now: datetime) -> int | None:
        """The time step a valid six-digit code belongs to (one step of clock drift either way), else None."""
        import pyotp

        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            return None  # compare_digest refuses non-ASCII text, and nothing else can match
        totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
        for drift in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
            moment = now + timedelta(seconds=drift * STEP_SECONDS)
            if hmac.compare_digest(totp.at(moment), code):
                return int(totp.timecode(moment))
        return None
