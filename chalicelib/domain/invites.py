"""Invite codes at sign-up (issue 22): redeemed in the registration's own transaction, so a code's last use goes
to exactly one account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .errors import InviteRequired

INVITE_ONLY_SETTING = "invite_only"
REASONS = {"unknown": "That invite code does not exist.", "revoked": "That invite code was withdrawn.",
           "expired": "That invite code has expired.", "used_up": "That invite code has been used up.",
           "other_email": "That invite code was sent to another email address."}


def clean_code(code: str) -> str:
    """The code as stored: trimmed, upper case (codes are typed from an email)."""
    return code.strip().upper()


def redeem_invite(uow: Any, code: str | None, email: str, user_id: str, now: datetime, required: bool) -> None:
    """Uses one of the code's uses for the new account; raises InviteRequired when sign-up needs a valid code and
    none came (field invite_code). When it is not required a code that cannot be used is ignored."""
    if not code or not code.strip():
        if required:
            raise InviteRequired("Pixmint is invite-only for now: enter your invite code, or join the waitlist.",
                                 {"field": "invite_code", "reason": "missing"})
        return
    cleaned = clean_code(code)
    code_id = uow.beta.redeem(cleaned, email, now)
    if code_id is None:
        if required:
            reason = uow.beta.why_not(cleaned, email, now)
            raise InviteRequired(REASONS[reason] + " Check the code, or join the waitlist.",
                                 {"field": "invite_code", "reason": reason})
        return
    uow.beta.record_redemption(code_id, user_id, now)
