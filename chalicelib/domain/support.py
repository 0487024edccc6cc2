"""The support desk (issue 22): tickets from the contact form, signed in or not, behind an abuse throttle instead of
a captcha; the conversation between the customer and support, whose replies are emailed; and refunds of a
generation from a ticket, one ledger row each, audited."""

from __future__ import annotations

import math
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .accounts import DEFAULT_DISPLAY_NAME, INVISIBLE, normalize_email
from .credits import LedgerEntry
from .emails import SUPPORT_REPLY, Letter
from .errors import Conflict, InvalidRequest, NotFound, RateLimited
from .model import OutboxItem, Principal, User
from .paging import decode_time_cursor, page_of
from .ports import Clock, OutboxWaker

TICKET_STATUSES = ("open", "answered", "closed")
AUTHORS = ("customer", "support")
MAX_SUBJECT = 200
MAX_MESSAGE = 10_000
MAX_PAGE = 300
SUPPORT_NAME = "Pixmint support"


@dataclass(frozen=True)
class SupportMessage:
    """One message of a ticket's conversation."""

    id: int
    ticket_id: str
    author: str
    author_name: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class Ticket:
    """A conversation with support; email is where replies go (the account's address when signed in)."""

    id: str
    user_id: str | None
    email: str
    subject: str
    status: str
    page: str | None
    created_at: datetime
    updated_at: datetime
    messages: tuple[SupportMessage, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class TicketContext:
    """A ticket as support works on it: the account it belongs to, found by the sign-in or only by the address."""

    ticket: Ticket
    user: User | None
    matched_by: str | None  # "account", "email" or None


@dataclass(frozen=True)
class SupportPolicy:
    """The contact form's throttle, per hour: per client address, per email address, per account."""

    tickets_per_address: int = 5
    tickets_per_email: int = 3
    tickets_per_account: int = 10
    messages_per_account: int = 30
    window: timedelta = timedelta(hours=1)


def clean_text(value: str, name: str, limit: int, multiline: bool = False) -> str:
    """The text trimmed (and, on one line, with runs of whitespace collapsed); raises InvalidRequest naming the field
    when it is empty, too long, or holds control or invisible characters (line breaks and tabs are kept in a
    message)."""
    allowed = {"\n", "\t", "\r"} if multiline else set()
    if any(c not in allowed and (c in INVISIBLE or unicodedata.category(c) in ("Cc", "Cs")) for c in value):
        raise InvalidRequest(f"The {name} contains control or invisible characters.",
                             {"field": name, "reason": "invisible_characters"})
    text = value.replace("\r\n", "\n").strip() if multiline else " ".join(value.split())
    if not text:
        raise InvalidRequest(f"The {name} cannot be empty.", {"field": name})
    if len(text) > limit:
        raise InvalidRequest(f"The {name} is at most {limit:,} characters.", {"field": name, "max_length": limit})
    return text


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


class SupportService:
    """The support desk's use cases; each runs in one unit of work."""

    def __init__(self, uow: Callable[[], Any], clock: Clock, public_url: str, policy: SupportPolicy = SupportPolicy(),
                 outbox: OutboxWaker | None = None, events: Any = None) -> None:
        self._uow = uow
        self._clock = clock
        self._public_url = public_url.rstrip("/")
        self._policy = policy
        self._outbox = outbox
        self._events = events  # an adjustment may take the balance across a credits.low line

    # --- customers ---

    def open_ticket(self, user: User | None, email: str | None, subject: str, message: str, ip: str,
                    page: str | None = None) -> Ticket:
        """Opens a ticket with its first message; a signed-in user is answered at their account's address, anyone
        else must give one (field email). Raises RateLimited past the throttle."""
        subject = clean_text(subject, "subject", MAX_SUBJECT)
        body = clean_text(message, "message", MAX_MESSAGE, multiline=True)
        page = clean_text(page, "page", MAX_PAGE) if page else None
        given = normalize_email(email) if email else None  # checked even when the account's address is used
        if user is None:
            if given is None:
                raise InvalidRequest("Give the email address we should answer.", {"field": "email"})
            address = given
        else:
            address = user.email
        now = self._clock.now()
        since = now - self._policy.window
        with self._uow() as uow:
            uow.support.lock_sender(ip)
            checks = [(uow.support.recent_tickets(since, ip=ip), self._policy.tickets_per_address)]
            if user is None:
                checks.append((uow.support.recent_tickets(since, email=address), self._policy.tickets_per_email))
            else:
                checks.append((uow.support.recent_tickets(since, user_id=user.id), self._policy.tickets_per_account))
            for recent, limit in checks:
                if len(recent) >= limit:
                    raise RateLimited("You have written to us several times in the last hour; we read every message. "
                                      "Please wait before sending another.",
                                      _seconds_until(min(recent) + self._policy.window, now))
            ticket = uow.support.add_ticket(user.id if user else None, address, subject, page, ip, now)
            name = user.display_name if user and user.display_name != DEFAULT_DISPLAY_NAME else address
            uow.support.add_message(ticket.id, "customer", user.id if user else None, name, body, now)
            ticket = uow.support.get(ticket.id)
            uow.commit()
        return ticket

    def tickets(self, user: User, cursor: str | None, limit: int) -> tuple[list[Ticket], str | None]:
        """The user's tickets with their conversations, the most recently active first."""
        with self._uow() as uow:
            rows = uow.support.for_user(user.id, decode_time_cursor(cursor), limit + 1)
        return page_of(rows, limit, lambda t: (t.updated_at.isoformat(), t.id))

    def follow_up(self, user: User, ticket_id: str, message: str) -> SupportMessage:
        """Adds the customer's message to their own ticket and opens it again; raises NotFound for another's."""
        body = clean_text(message, "message", MAX_MESSAGE, multiline=True)
        now = self._clock.now()
        with self._uow() as uow:
            ticket = self._ticket(uow, ticket_id)
            if ticket.user_id != user.id:
                raise NotFound("No such ticket.")
            recent = uow.support.recent_customer_messages(user.id, now - self._policy.window)
            if len(recent) >= self._policy.messages_per_account:
                raise RateLimited("You have sent many messages in the last hour; please wait before sending another.",
                                  _seconds_until(min(recent) + self._policy.window, now))
            name = user.display_name if user.display_name != DEFAULT_DISPLAY_NAME else user.email
            sent = uow.support.add_message(ticket.id, "customer", user.id, name, body, now)
            uow.support.set_status(ticket.id, "open", now)
            uow.commit()
        return sent

    # --- support ---

    def queue(self, status: str | None, cursor: str | None, limit: int) -> tuple[list[Ticket], str | None]:
        """Tickets, the most recently active first, with one status when given; their messages are not loaded."""
        if status is not None and status not in TICKET_STATUSES:
            raise InvalidRequest(f"status is one of {', '.join(TICKET_STATUSES)}.", {"field": "status"})
        with self._uow() as uow:
            rows = uow.support.queue(status, decode_time_cursor(cursor), limit + 1)
        return page_of(rows, limit, lambda t: (t.updated_at.isoformat(), t.id))

    def context(self, ticket_id: str) -> TicketContext:
        """The ticket, its conversation and its account: the signed-in user, else an account with its address."""
        with self._uow() as uow:
            ticket = self._ticket(uow, ticket_id)
            return self._with_account(uow, ticket)

    def reply(self, actor: Principal, ticket_id: str, message: str, close: bool = False) -> SupportMessage:
        """Answers a ticket and queues the reply's email; the ticket is answered (or closed, with close)."""
        body = clean_text(message, "message", MAX_MESSAGE, multiline=True)
        now = self._clock.now()
        with self._uow() as uow:
            ticket = self._ticket(uow, ticket_id)
            sent = uow.support.add_message(ticket.id, "support", actor.user.id, _agent(actor.user), body, now)
            uow.support.set_status(ticket.id, "closed" if close else "answered", now)
            uow.email_outbox.add(SUPPORT_REPLY, ticket.user_id, None if ticket.user_id else ticket.email, now,
                                 ref=str(sent.id))
            uow.admin.audit(actor.user, "support.reply", "support_ticket", ticket.id, {"status": ticket.status},
                            {"status": "closed" if close else "answered", "message_id": sent.id}, now)
            uow.commit()
        if self._outbox is not None:
            self._outbox.wake()
        return sent

    def set_status(self, actor: Principal, ticket_id: str, status: str) -> Ticket:
        """Opens, marks answered or closes a ticket, audited."""
        if status not in TICKET_STATUSES:
            raise InvalidRequest(f"status is one of {', '.join(TICKET_STATUSES)}.", {"field": "status"})
        now = self._clock.now()
        with self._uow() as uow:
            ticket = self._ticket(uow, ticket_id)
            uow.support.set_status(ticket.id, status, now)
            uow.admin.audit(actor.user, "support.status", "support_ticket", ticket.id, {"status": ticket.status},
                            {"status": status}, now)
            updated = uow.support.get(ticket.id)
            uow.commit()
        return updated

    def refund_generation(self, actor: Principal, ticket_id: str, generation_id: str) -> LedgerEntry:
        """Gives back what a finished generation of the ticket's account cost and was not refunded yet: one
        generation_refund ledger row (reference refund:<generation>:support, so never twice), the generation marked
        refunded in full, a note in the conversation and an audit entry, in one transaction. Raises NotFound for a
        generation of another account, Conflict for one still rendering or refunded in full already."""
        try:
            uuid.UUID(generation_id)
        except ValueError:
            raise NotFound("No such generation for this ticket's account.") from None
        now = self._clock.now()
        with self._uow() as uow:
            context = self._with_account(uow, self._ticket(uow, ticket_id))
            generation = uow.generations.get(generation_id, context.user.id) if context.user else None
            if generation is None or context.user is None:
                raise NotFound("No such generation for this ticket's account.")
            if generation.status not in ("succeeded", "failed"):
                raise Conflict("The generation is still rendering; a failure is refunded on its own.",
                               {"status": generation.status})
            amount = uow.support.refund_rest(generation.id, context.user.id)
            if not amount:
                raise Conflict("This generation was refunded in full already.",
                               {"refunded_credits": generation.refunded_credits})
            user_id = context.user.id
            balance = uow.ledger.credit(user_id, amount, "generation_refund", f"refund:{generation.id}:support",
                                        actor.user.id, now)
            entry = uow.ledger.entries(user_id, None, 1)[0]
            note = (f"We refunded {amount:,} credits for the generation “{_shorten(generation.prompt)}”. "
                    f"Your balance is now {balance:,} credits.")
            uow.support.add_message(ticket_id, "support", actor.user.id, _agent(actor.user), note, now)
            uow.admin.audit(actor.user, "support.refund", "generation", generation.id,
                            {"refunded_credits": generation.refunded_credits},
                            {"refunded_credits": generation.refunded_credits + amount, "credits": amount,
                             "ticket_id": ticket_id, "user_id": user_id}, now)
            if self._events is not None:
                self._events.balance_changed(uow, user_id)
            uow.commit()
        return entry

    # --- the reply's email ---

    def compose_reply(self, uow: Any, item: OutboxItem, now: datetime) -> Letter | None:
        """The support_reply email of the outbox item naming the message; to the account's current address, or the
        address a guest gave."""
        found = uow.support.message(int(item.ref)) if item.ref and item.ref.isdigit() else None
        if found is None:
            return None
        sent, ticket = found
        user = uow.users.get(ticket.user_id) if ticket.user_id else None
        to = user.email if user else (item.email or ticket.email)
        name = user.display_name if user and user.display_name != DEFAULT_DISPLAY_NAME else None
        agent = sent.author_name if sent.author_name != SUPPORT_NAME else "Pixmint support"
        return Letter(to, f"Re: {ticket.subject}", "support_reply",
                      {"name": name, "agent": agent, "ticket_subject": ticket.subject, "reply": sent.body,
                       "ticket_url": f"{self._public_url}/support" if user else None,
                       "contact_url": f"{self._public_url}/contact", "ticket_ref": ticket.id[:8].upper()},
                      user_id=user.id if user else None)

    # --- helpers ---

    def _ticket(self, uow: Any, ticket_id: str) -> Ticket:
        try:
            uuid.UUID(ticket_id)
        except ValueError:
            raise NotFound("No such ticket.") from None
        ticket = uow.support.get(ticket_id)
        if ticket is None:
            raise NotFound("No such ticket.")
        return ticket

    def _with_account(self, uow: Any, ticket: Ticket) -> TicketContext:
        if ticket.user_id:
            user = uow.users.get(ticket.user_id)
            return TicketContext(ticket, user, "account" if user else None)
        user = uow.users.by_email(ticket.email)
        return TicketContext(ticket, user, "email" if user else None)


def _agent(user: User) -> str:
    """How a reply is signed: the admin's first name when they chose a display name."""
    if user.display_name == DEFAULT_DISPLAY_NAME:
        return SUPPORT_NAME
    return f"{user.display_name.split()[0]} from Pixmint support"


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
