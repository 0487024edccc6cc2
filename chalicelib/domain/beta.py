"""The beta program (issue 22): the public waitlist, its approval in batches (each approved address gets a code of
its own by email), invite codes admins hand out (single or multi-use, a limit and an expiry), and the feedback
widget's entries, tagged with their page and user."""

from __future__ import annotations

import math
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .accounts import normalize_email
from .emails import BETA_INVITATION, Letter
from .errors import InvalidRequest, NotFound, RateLimited
from .invites import INVITE_ONLY_SETTING
from .model import OutboxItem, Principal, User
from .paging import decode_id_cursor, decode_time_cursor, page_of
from .ports import Clock, OutboxWaker
from .support import clean_text

MAX_USES = 100_000
MAX_NOTE = 200
MAX_FEEDBACK = 5_000
MAX_PAGE = 300
MAX_BATCH = 500
WAITLIST_STATES = ("pending", "approved", "joined")
# No 0/O or 1/I/L: codes are read from an email and typed.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # pragma: allowlist secret - an alphabet, not a key


@dataclass(frozen=True)
class InviteCode:
    """A code that lets `uses` accounts sign up while sign-up is invite-only."""

    id: str
    code: str
    uses: int
    used: int
    email: str | None
    note: str | None
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class WaitlistEntry:
    """An address that asked to join; approved_at once an invitation went out, joined_at once it signed up."""

    id: str
    email: str
    created_at: datetime
    approved_at: datetime | None
    joined_at: datetime | None


@dataclass(frozen=True)
class FeedbackEntry:
    """What someone said through the feedback widget, where, and who (when signed in)."""

    id: int
    user_id: str | None
    user_email: str | None
    page: str
    message: str
    rating: int | None
    created_at: datetime


@dataclass(frozen=True)
class BetaPolicy:
    """The public forms' throttles, per client address and hour, and how long a waitlist invitation works."""

    waitlist_per_address: int = 10
    feedback_per_address: int = 20
    invitation_lifetime: timedelta = timedelta(days=14)
    window: timedelta = timedelta(hours=1)


def new_code() -> str:
    """A fresh code such as PIX-7KQ4-M2TW: 40 bits of randomness, easy to read aloud."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"PIX-{chars[:4]}-{chars[4:]}"


def _retry_after(oldest: datetime, window: timedelta, now: datetime) -> int:
    return max(1, math.ceil((oldest + window - now).total_seconds()))


class BetaService:
    """The beta program's use cases; each runs in one unit of work."""

    def __init__(self, uow: Callable[[], Any], clock: Clock, public_url: str, policy: BetaPolicy = BetaPolicy(),
                 outbox: OutboxWaker | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._public_url = public_url.rstrip("/")
        self._policy = policy
        self._outbox = outbox

    # --- the public side ---

    def join_waitlist(self, email: str, ip: str) -> None:
        """Puts the address on the waitlist; an address already on it is left as it is, and the answer is the same,
        so the form tells nobody who else is waiting. Raises RateLimited past the throttle."""
        address = normalize_email(email)
        now = self._clock.now()
        with self._uow() as uow:
            uow.beta.lock_address(f"waitlist:{ip}")
            recent = uow.beta.recent_from(ip, "waitlist", now - self._policy.window)
            if len(recent) >= self._policy.waitlist_per_address:
                raise RateLimited("Several addresses joined from here in the last hour; try again later.",
                                  _retry_after(min(recent), self._policy.window, now))
            uow.beta.add_to_waitlist(address, ip, now)
            uow.commit()

    def give_feedback(self, user: User | None, page: str, message: str, rating: int | None, ip: str) -> None:
        """Keeps a feedback entry tagged with the page and the user; raises RateLimited past the throttle."""
        page = clean_text(page, "page", MAX_PAGE)
        message = clean_text(message, "message", MAX_FEEDBACK, multiline=True)
        if rating is not None and not 1 <= rating <= 5:
            raise InvalidRequest("rating is from 1 to 5.", {"field": "rating"})
        now = self._clock.now()
        with self._uow() as uow:
            uow.beta.lock_address(f"feedback:{ip}")
            recent = uow.beta.recent_from(ip, "feedback", now - self._policy.window)
            if len(recent) >= self._policy.feedback_per_address:
                raise RateLimited("Thank you for all the feedback! Please wait a little before sending more.",
                                  _retry_after(min(recent), self._policy.window, now))
            uow.beta.add_feedback(user.id if user else None, page, message, rating, ip, now)
            uow.commit()

    def invite_only(self) -> bool:
        """Whether sign-up needs an invite code now."""
        with self._uow() as uow:
            return bool(uow.catalog.setting(INVITE_ONLY_SETTING, False))

    # --- admins ---

    def waitlist(self, state: str, cursor: str | None, limit: int) -> tuple[list[WaitlistEntry], str | None]:
        """The waitlist in one state: pending oldest first (the order to approve in), the others newest first."""
        if state not in WAITLIST_STATES:
            raise InvalidRequest(f"status is one of {', '.join(WAITLIST_STATES)}.", {"field": "status"})
        with self._uow() as uow:
            rows = uow.beta.waitlist(state, decode_time_cursor(cursor), limit + 1)
        return page_of(rows, limit, lambda e: (e.created_at.isoformat(), e.id))

    def approve(self, actor: Principal, ids: list[str] | None, count: int | None) -> list[WaitlistEntry]:
        """Approves the named pending entries, or the `count` oldest: each gets a single-use code bound to its
        address, valid for the invitation lifetime, and an email with it; audited as one batch."""
        if (ids is None) == (count is None):
            raise InvalidRequest("Send ids or count.", {"field": "ids"})
        if count is not None and not 1 <= count <= MAX_BATCH:
            raise InvalidRequest(f"count is from 1 to {MAX_BATCH}.", {"field": "count"})
        wanted = None
        if ids is not None:
            wanted = [i for i in dict.fromkeys(ids) if _is_uuid(i)]
            if not wanted or len(wanted) > MAX_BATCH:
                raise InvalidRequest(f"ids names 1 to {MAX_BATCH} waitlist entries.", {"field": "ids"})
        now = self._clock.now()
        expires = now + self._policy.invitation_lifetime
        with self._uow() as uow:
            entries = uow.beta.lock_pending(wanted, count or MAX_BATCH)
            for entry in entries:
                code = uow.beta.add_code(new_code(), 1, entry.email, "waitlist", expires, actor.user.id, now)
                uow.beta.mark_approved(entry.id, code.id, now)
                uow.email_outbox.add(BETA_INVITATION, None, entry.email, now, ref=code.id)
            if entries:
                uow.admin.audit(actor.user, "beta.approve", "waitlist", None, None,
                                {"approved": len(entries), "emails": [e.email for e in entries]}, now)
            approved = uow.beta.waitlist_entries([e.id for e in entries])
            uow.commit()
        if entries and self._outbox is not None:
            self._outbox.wake()
        return approved

    def create_code(self, actor: Principal, uses: int, expires_at: datetime | None,
                    note: str | None) -> InviteCode:
        """A code for `uses` sign-ups until it expires (never, without expires_at), audited."""
        now = self._clock.now()
        if not 1 <= uses <= MAX_USES:
            raise InvalidRequest(f"uses is from 1 to {MAX_USES:,}.", {"field": "uses"})
        if expires_at is not None and expires_at <= now:
            raise InvalidRequest("expires_at is in the future.", {"field": "expires_at"})
        note = clean_text(note, "note", MAX_NOTE) if note else None
        with self._uow() as uow:
            code = uow.beta.add_code(new_code(), uses, None, note, expires_at, actor.user.id, now)
            uow.admin.audit(actor.user, "beta.invite_code", "invite_code", code.id, None,
                            {"code": code.code, "uses": uses, "note": note}, now)
            uow.commit()
        return code

    def codes(self, cursor: str | None, limit: int) -> tuple[list[InviteCode], str | None]:
        """Every invite code, newest first."""
        with self._uow() as uow:
            rows = uow.beta.codes(decode_time_cursor(cursor), limit + 1)
        return page_of(rows, limit, lambda c: (c.created_at.isoformat(), c.id))

    def revoke_code(self, actor: Principal, code_id: str) -> None:
        """Withdraws a code (accounts made with it stay); raises NotFound."""
        now = self._clock.now()
        with self._uow() as uow:
            if not (_is_uuid(code_id) and uow.beta.revoke(code_id, now)):
                raise NotFound("No such invite code.")
            uow.admin.audit(actor.user, "beta.revoke_code", "invite_code", code_id, None, {"revoked": True}, now)
            uow.commit()

    def feedback(self, page: str | None, cursor: str | None, limit: int) -> tuple[list[FeedbackEntry], str | None]:
        """Feedback entries, newest first, from one page when given."""
        before = decode_id_cursor(cursor) if cursor else None
        with self._uow() as uow:
            rows = uow.beta.feedback(page, before, limit + 1)
        return page_of(rows, limit, lambda f: (f.id,))

    # --- the invitation's email ---

    def compose_invitation(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        """The beta_invitation email of an approved waitlist address; nothing when its code can no longer be used."""
        code = uow.beta.code(item.ref) if item.ref and _is_uuid(item.ref) else None
        if code is None or code.revoked_at or code.used >= code.uses or (code.expires_at and code.expires_at <= now):
            return None
        to = item.email or code.email
        if not to:
            return None
        return Letter(to, "You're invited to Pixmint", "beta_invitation",
                      {"code": code.code, "link": f"{self._public_url}/signup?invite={code.code}",
                       "expires": code.expires_at.strftime("%d %B %Y") if code.expires_at else None})


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
