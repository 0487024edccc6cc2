"""Referrals (issue 18): a code and a link per account; both sides earn credits once the referred account's first
paid purchase has outlived the holding period unrefunded and undisputed, within the referrer's monthly cap, and
never between two accounts that look like one person's."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .errors import InvalidRequest
from .model import User
from .ports import ReferralsUnitOfWork

REFERRER_REWARD_SETTING = "referral_reward_referrer"
REFERRED_REWARD_SETTING = "referral_reward_referred"
HOLDING_DAYS_SETTING = "referral_holding_days"
MONTHLY_CAP_SETTING = "referral_monthly_cap"
# (setting, default): the admin's value wins (PATCH /v1/admin/settings).
DEFAULTS = {REFERRER_REWARD_SETTING: 100, REFERRED_REWARD_SETTING: 100, HOLDING_DAYS_SETTING: 7,
            MONTHLY_CAP_SETTING: 10}
# Letters and digits nobody misreads when a code is read aloud or typed from a screenshot (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # pragma: allowlist secret - an alphabet, not a key
CODE_LENGTH = 8
CODE_PATTERN = re.compile(r"^[A-Z2-9]{8}$")
MAX_CODE_INPUT = 64
STATUSES = ("pending", "rewarded", "capped", "refused")
# Reasons a referral earned nothing; recorded, never shown to the referrer (they would teach a farmer what to vary).
FARMING_REASONS = ("same_mailbox", "same_email_domain", "same_card", "same_customer", "same_signup_address")
REASONS = (*FARMING_REASONS, "first_purchase_refunded", "first_purchase_disputed", "account_deleted", "monthly_cap")
# Where anyone may open any number of mailboxes: sharing one of these domains says nothing about who holds them.
WEBMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "ymail.com",
    "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.de",
    "gmx.net", "web.de", "mail.com", "yandex.ru", "yandex.com", "mail.ru", "zoho.com", "fastmail.com", "hey.com",
    "tutanota.com", "qq.com", "163.com", "126.com", "naver.com", "orange.fr", "free.fr", "t-online.de",
    "libero.it", "comcast.net", "att.net", "verizon.net", "btinternet.com", "rediffmail.com"})
MAX_LISTED = 50


@dataclass(frozen=True)
class Party:
    """One side of a referral as the farming rules see it: the email, the client addresses it is known from, the
    card fingerprints and Stripe customers of its payments."""

    email: str
    addresses: frozenset[str] = frozenset()
    cards: frozenset[str] = frozenset()
    customers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FirstPurchase:
    """The referred account's first paid purchase (a pack or a subscription invoice) and what became of it."""

    paid_at: datetime
    refunded: bool
    disputed: bool


@dataclass(frozen=True)
class Referral:
    """A sign-up through someone's code and where its reward stands."""

    id: str
    referrer_id: str | None
    referred_id: str | None
    referred_email: str | None
    status: str
    reason: str | None
    referrer_credits: int
    referred_credits: int
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class ReferralTerms:
    """The admin's settings as a decision reads them."""

    referrer_reward: int
    referred_reward: int
    holding: timedelta
    monthly_cap: int


@dataclass(frozen=True)
class ReferralSummary:
    """What the referrals page shows: the code, its link, the counts and credits, the newest referrals."""

    code: str
    link: str
    invited: int
    rewarded: int
    pending: int
    pending_credits: int
    earned_credits: int
    terms: ReferralTerms
    items: list[Referral]


def clean_code(code: str) -> str:
    """The code as stored; raises InvalidRequest (field referral_code) for anything that cannot be one."""
    cleaned = unicodedata.normalize("NFKC", code).strip().upper() if len(code) <= MAX_CODE_INPUT else code
    if not CODE_PATTERN.fullmatch(cleaned):
        raise InvalidRequest("That referral code does not exist; check the link you followed.",
                             {"field": "referral_code", "reason": "unknown"})
    return cleaned


def new_code() -> str:
    """A random code of CODE_LENGTH letters and digits from CODE_ALPHABET."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _address_parts(email: str) -> tuple[str, str]:
    local, _, domain = unicodedata.normalize("NFKC", email).strip().casefold().rpartition("@")
    return local, domain.rstrip(".")


def mailbox_of(email: str) -> str:
    """The mailbox behind an address: case, "+tags", Gmail's dots and googlemail.com do not make another one."""
    local, domain = _address_parts(email)
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def custom_domain_of(email: str) -> str | None:
    """The address's domain unless anyone may open mailboxes there (a webmail provider)."""
    domain = _address_parts(email)[1]
    return None if domain in WEBMAIL_DOMAINS else domain


def farming_reason(referrer: Party, referred: Party) -> str | None:
    """Why two accounts look like one person's, or None: the same mailbox, the same custom email domain (whoever
    holds a domain has endless addresses), a shared card, a shared Stripe customer or a shared client address."""
    if mailbox_of(referrer.email) == mailbox_of(referred.email):
        return "same_mailbox"
    domain = custom_domain_of(referrer.email)
    if domain is not None and domain == custom_domain_of(referred.email):
        return "same_email_domain"
    if referrer.cards & referred.cards:
        return "same_card"
    if referrer.customers & referred.customers:
        return "same_customer"
    if referrer.addresses & referred.addresses:
        return "same_signup_address"
    return None


def purchase_reason(first: FirstPurchase) -> str | None:
    """Why a first purchase can never qualify (it was disputed or refunded, in part or whole), or None."""
    if first.disputed:
        return "first_purchase_disputed"
    if first.refunded:
        return "first_purchase_refunded"
    return None


def month_of(moment: datetime) -> tuple[datetime, datetime]:
    """The calendar month (in the moment's time zone, UTC here) holding the moment: [start, end)."""
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def mask_email(email: str) -> str:
    """An address as a referrer sees the account they brought: enough to recognise a friend, not to write to."""
    local, _, domain = email.rpartition("@")
    name, dot, tld = domain.rpartition(".")
    return f"{local[:1]}***@{(name or tld)[:1]}***{dot}{tld if name else ''}"


def _setting(uow: ReferralsUnitOfWork, key: str) -> int:
    value = uow.catalog.setting(key, DEFAULTS[key])
    return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULTS[key]


def terms_of(uow: ReferralsUnitOfWork) -> ReferralTerms:
    """The admin's current referral settings, defaults where unset."""
    return ReferralTerms(_setting(uow, REFERRER_REWARD_SETTING), _setting(uow, REFERRED_REWARD_SETTING),
                         timedelta(days=_setting(uow, HOLDING_DAYS_SETTING)), _setting(uow, MONTHLY_CAP_SETTING))


class ReferralService:
    """Referral codes, sign-ups through them and the rewards the schedule grants; one transaction per use case and
    per referral decided."""

    def __init__(self, uow: Callable[[], ReferralsUnitOfWork], clock: Any, public_url: str,
                 log: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self._public_url = public_url.rstrip("/")
        self._log = log or (lambda message, extra: None)

    # --- sign-up (in the registration's own transaction) ---

    def registered(self, uow: Any, user: User, referral_code: str | None, ip: str | None, now: datetime) -> None:
        """Gives the new account its code and records its sign-up address; with a code, records whose referral it is.
        Raises InvalidRequest (field referral_code) for a code that is no one's, so the registration rolls back."""
        referrer_id = None
        if referral_code is not None and referral_code.strip():
            referrer_id = uow.referrals.owner_of(clean_code(referral_code))
            if referrer_id is None or referrer_id == user.id:
                raise InvalidRequest("That referral code does not exist; check the link you followed.",
                                     {"field": "referral_code", "reason": "unknown"})
        known_ip = ip if ip and ip != "unknown" else None
        uow.referrals.ensure_code(user.id, known_ip, now, new_code)
        if referrer_id is not None:
            uow.referrals.add(referrer_id, user.id, now)

    def record_charge(self, uow: Any, charge: dict[str, Any], now: datetime) -> str:
        """Keeps the customer and card fingerprint of a succeeded charge (charge.succeeded), by its payment intent."""
        charge_id = charge.get("id")
        if not isinstance(charge_id, str) or not charge_id:
            return "ignored"
        details = charge.get("payment_method_details") or {}
        card = details.get("card") if isinstance(details, dict) else None
        fingerprint = card.get("fingerprint") if isinstance(card, dict) else None
        intent, customer = charge.get("payment_intent"), charge.get("customer")
        uow.referrals.record_charge(charge_id, intent if isinstance(intent, str) else None,
                                    customer if isinstance(customer, str) else None,
                                    fingerprint if isinstance(fingerprint, str) else None, now)
        return "charge_recorded"

    # --- the page ---

    def summary(self, user: User) -> ReferralSummary:
        """The user's code (made now for an account older than referrals), link, counts and newest referrals."""
        now = self._clock.now()
        with self._uow() as uow:
            code = uow.referrals.ensure_code(user.id, None, now, new_code)
            terms = terms_of(uow)
            counts = uow.referrals.counts(user.id)
            items = uow.referrals.list_for_referrer(user.id, MAX_LISTED)
            earned = uow.referrals.earned(user.id)
            uow.commit()
        return ReferralSummary(
            code=code, link=f"{self._public_url}/signup?ref={code}", invited=sum(counts.values()),
            rewarded=counts.get("rewarded", 0), pending=counts.get("pending", 0),
            pending_credits=counts.get("pending", 0) * terms.referrer_reward,
            earned_credits=earned, terms=terms, items=items)

    # --- the schedule ---

    def grant_due(self, limit: int = 500) -> dict[str, int]:
        """Decides the pending referrals whose referred account has paid, each in its own transaction: rewards both
        sides, or records why not (farming, a refund or dispute, the cap). Runs that race decide each once."""
        now = self._clock.now()
        with self._uow() as uow:
            terms = terms_of(uow)
            due = uow.referrals.due(now - terms.holding, limit)
        outcomes = {"rewarded": 0, "capped": 0, "refused": 0}
        for referral_id in due:
            with self._uow() as uow:
                outcome = self._decide(uow, referral_id, now, terms)
                uow.commit()
            if outcome in outcomes:
                outcomes[outcome] += 1
        if any(outcomes.values()):
            self._log("referrals decided", outcomes)
        return {f"referrals_{name}": count for name, count in outcomes.items()}

    def _decide(self, uow: ReferralsUnitOfWork, referral_id: str, now: datetime, terms: ReferralTerms) -> str:
        referral = uow.referrals.lock_pending(referral_id)
        if referral is None:
            return "already_decided"
        if referral.referrer_id is None or referral.referred_id is None:
            return self._settle(uow, referral, "refused", "account_deleted", now)
        first = uow.referrals.first_purchase(referral.referred_id)
        if first is None:
            return "waiting"
        reason = purchase_reason(first)
        if reason is not None:
            return self._settle(uow, referral, "refused", reason, now)
        if first.paid_at > now - terms.holding:
            return "waiting"
        reason = farming_reason(uow.referrals.party(referral.referrer_id, sessions=True),
                                uow.referrals.party(referral.referred_id, sessions=False))
        if reason is not None:
            return self._settle(uow, referral, "refused", reason, now)
        uow.referrals.lock_referrer(referral.referrer_id)  # the cap counts what the referrer's other grants did
        start, end = month_of(now)
        if uow.referrals.rewarded_between(referral.referrer_id, start, end) >= terms.monthly_cap:
            return self._settle(uow, referral, "capped", "monthly_cap", now)
        outcome = self._settle(uow, referral, "rewarded", None, now, terms.referrer_reward, terms.referred_reward)
        if outcome == "rewarded":
            for side, user_id, amount in (("referrer", referral.referrer_id, terms.referrer_reward),
                                          ("referred", referral.referred_id, terms.referred_reward)):
                if amount > 0:
                    uow.ledger.credit(user_id, amount, "referral_reward", f"referral:{referral.id}:{side}", "system",
                                      now)
        return outcome

    def _settle(self, uow: ReferralsUnitOfWork, referral: Referral, status: str, reason: str | None, now: datetime,
                referrer_credits: int = 0, referred_credits: int = 0) -> str:
        if not uow.referrals.settle(referral.id, status, reason, referrer_credits, referred_credits, now):
            return "already_decided"
        return status
