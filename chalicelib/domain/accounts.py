"""Account use cases: sign-up and verification, sign-in with two factors, sessions, profile, passwords, deletion,
the email outbox and the operators' admin command."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .emails import (
    DEFAULT_DISPLAY_NAME,
    EMAIL_CHANGE,
    EMAIL_CHANGE_NOTICE,
    RESET_LINK,
    VERIFY_EMAIL,
    WELCOME,
    EmailOutboxDelivery,
    OutboxPolicy,
    UnsubscribeLinks,
    token_digest,
)
from .errors import (
    Conflict,
    Forbidden,
    InvalidCode,
    InvalidRequest,
    InvalidToken,
    NotFound,
    RateLimited,
    TwoFactorRequired,
    Unauthorized,
    Unavailable,
)
from .invites import INVITE_ONLY_SETTING, redeem_invite
from .model import (
    AdminOutcome,
    Principal,
    RefreshTokenRecord,
    Role,
    Session,
    SessionInfo,
    TokenPair,
    TwoFactorSetup,
    User,
)
from .passwords import check_password_strength
from .ports import (
    AccessTokens,
    Clock,
    EmailSender,
    EmailTemplates,
    OneTimeCodes,
    OutboxWaker,
    PasswordHasher,
    PasswordStrength,
    UnitOfWork,
)
from .throttle import ThrottlePolicy, check_login_allowed

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254
MAX_DISPLAY_NAME_LENGTH = 80
BAD_CREDENTIALS = "Email or password is incorrect."
# Zero-width and bidirectional controls: invisible, and able to make one text look like another.
INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u061c"
                      "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Joiners shape emoji sequences and Persian or Indic words, so a display name may keep them.
NAME_JOINERS = frozenset("\u200c\u200d")
RECOVERY_CODE_BYTES = 8
# The name Community credits published images to: lower case, so one handle cannot pose as another by its case.
PUBLIC_HANDLE_PATTERN = "^[a-z0-9_-]{3,30}$"
RESERVED_HANDLES = frozenset({
    "admin", "administrator", "api", "help", "mod", "moderator", "moderators", "official", "pixmint", "root",
    "security", "staff", "support", "system", "team", "www"})


def _invisible_or_control(text: str, allowed: frozenset[str] = frozenset()) -> bool:
    return any(c not in allowed and (c in INVISIBLE or unicodedata.category(c) in ("Cc", "Cf", "Cs"))
               for c in text)


def normalize_email(email: str) -> str:
    """The address as stored and compared: NFKC, trimmed, without a trailing dot on the domain; refuses invisible
    and control characters rather than dropping them, so no two different-looking addresses collide."""
    if _invisible_or_control(email.strip()):
        raise InvalidRequest("The email address contains invisible or control characters.",
                             {"field": "email", "reason": "invisible_characters"})
    email = unicodedata.normalize("NFKC", email).strip()
    if email.endswith(".") and "@" in email:
        email = email[:-1]
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(email):
        raise InvalidRequest("Enter a valid email address.", {"field": "email"})
    return email


def clean_display_name(name: str) -> str:
    """The name with runs of whitespace collapsed; raises InvalidRequest (field display_name) when it is empty, too long
    or holds invisible or control characters."""
    if _invisible_or_control(name.replace("\t", " ").replace("\n", " ").replace("\r", " "), NAME_JOINERS):
        raise InvalidRequest("The display name contains invisible or control characters.",
                             {"field": "display_name", "reason": "invisible_characters"})
    name = " ".join(name.split())
    if not name:
        raise InvalidRequest("The display name cannot be empty.", {"field": "display_name"})
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidRequest(
            f"The display name is at most {MAX_DISPLAY_NAME_LENGTH} characters.",
            {"field": "display_name", "max_length": MAX_DISPLAY_NAME_LENGTH},
        )
    return name


def clean_public_handle(handle: str) -> str:
    """The handle; raises InvalidRequest (field public_handle) unless it is 3 to 30 of a-z, 0-9, _ and - and not a
    reserved word (also with _ or - around it)."""
    value = handle
    if not re.fullmatch(PUBLIC_HANDLE_PATTERN, value):
        raise InvalidRequest("A public handle is 3 to 30 letters a-z, digits, _ or -.",
                             {"field": "public_handle", "pattern": PUBLIC_HANDLE_PATTERN})
    if value in RESERVED_HANDLES or value.strip("_-") in RESERVED_HANDLES:
        raise InvalidRequest("That handle is reserved; choose another.",
                             {"field": "public_handle", "reason": "reserved"})
    return value


def bonus_email_key(secret: bytes, email: str) -> bytes:
    """A keyed hash of the mailbox behind an address: case, "+tags" and Gmail's dots do not make a new one."""
    local, _, domain = normalize_email(email).casefold().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return hmac.new(secret, f"{local}@{domain}".encode(), hashlib.sha256).digest()


def recovery_digest(code: str) -> bytes:
    """The stored digest of a recovery code, ignoring case, spaces and dashes."""
    return token_digest("".join(c for c in code.lower() if c.isalnum()))


def _new_recovery_code() -> str:
    raw = secrets.token_hex(RECOVERY_CODE_BYTES)
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


@dataclass(frozen=True)
class AccountPolicy:
    """Lifetimes, limits and throttles of the account use cases; the defaults are production's."""

    refresh_lifetime: timedelta = timedelta(days=30)
    # A spent refresh token still works this long after, once, if its successor was never used: the reply that
    # carried the successor was lost (a reload or a click while it was on its way). Okta's grace is 0-60 s.
    refresh_reuse_grace: timedelta = timedelta(seconds=30)
    reset_lifetime: timedelta = timedelta(hours=1)
    resets_per_hour: int = 5
    throttle: ThrottlePolicy = ThrottlePolicy()
    verification_lifetime: timedelta = timedelta(days=7)
    verification_emails_per_hour: int = 5
    signups_per_address_per_hour: int = 10
    admin_needs_two_factor: bool = False
    recovery_codes: int = 10
    email_attempts: int = 10
    email_lease: timedelta = timedelta(minutes=5)
    outbox_memory: timedelta = timedelta(days=2)


class AccountService:
    """Account use cases; each runs in one unit of work that commits only on success."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        hasher: PasswordHasher,
        tokens: AccessTokens,
        clock: Clock,
        mailer: EmailSender,
        public_url: str,
        policy: AccountPolicy = AccountPolicy(),
        signup_bonus: int = 0,
        outbox: OutboxWaker | None = None,
        codes: OneTimeCodes | None = None,
        strength: PasswordStrength | None = None,
        email_key_secret: bytes = b"",
        log: Callable[[str, dict[str, Any]], None] | None = None,
        templates: EmailTemplates | None = None,
        unsubscribe_links: UnsubscribeLinks | None = None,
        referrals: Any = None,
    ) -> None:
        self._referrals = referrals  # ReferralService: codes and referrals at sign-up (issue 18)
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._mailer = mailer
        self._public_url = public_url.rstrip("/")
        self._policy = policy
        self._signup_bonus = signup_bonus
        self._outbox = outbox
        self._codes = codes
        self._strength = strength
        self._email_key_secret = email_key_secret
        self._log = log or (lambda message, extra: None)
        self._dummy_hash: str | None = None
        self.email_delivery = EmailOutboxDelivery(
            uow, mailer, templates, clock, self._public_url,
            unsubscribe_links or UnsubscribeLinks(email_key_secret, self._public_url),
            OutboxPolicy(attempts=policy.email_attempts, lease=policy.email_lease, memory=policy.outbox_memory,
                         verification_lifetime=policy.verification_lifetime, reset_lifetime=policy.reset_lifetime,
                         resets_per_hour=policy.resets_per_hour),
            self._log)

    # --- sign-up and email verification ---

    def register(self, email: str, password: str, display_name: str | None = None, ip: str | None = None,
                 user_agent: str | None = None, invite_code: str | None = None,
                 referral_code: str | None = None) -> Session:
        """Creates an unverified account and queues its verification email; the bonus waits for verification. With
        the admin setting invite_only on, it needs a valid invite code (InviteRequired otherwise). A referral code
        that is no one's is an InvalidRequest (field referral_code) and creates nothing."""
        email = normalize_email(email)
        name = clean_display_name(display_name) if display_name is not None else DEFAULT_DISPLAY_NAME
        self._check_password(password, email, name)
        password_hash = self._hasher.hash(password)
        now = self._clock.now()
        with self._uow() as uow:
            if ip is not None:
                self._check_signup_allowed(uow, ip, now)
            user = uow.users.add(email, name, password_hash, Role.USER, now)
            if user is None:
                raise Conflict("An account with this email already exists.", {"field": "email"})
            redeem_invite(uow, invite_code, email, user.id, now,
                          required=bool(uow.catalog.setting(INVITE_ONLY_SETTING, False)))
            if self._referrals is not None:
                self._referrals.registered(uow, user, referral_code, ip, now)
            if ip is not None:
                uow.signups.record(ip, now)
                # Counts as a sign-in, so this address is known and never held by the account-wide limit.
                uow.login_attempts.record(email, ip, True, now)
            uow.email_outbox.add(VERIFY_EMAIL, user.id, None, now)
            session = self._start_session(uow, user, user_agent, ip)
            uow.commit()
        self._wake()
        return session

    def verify_email(self, token: str) -> User:
        """Marks the address verified, grants the signup bonus (once per mailbox ever) and queues the welcome
        email."""
        now = self._clock.now()
        with self._uow() as uow:
            user_id = uow.email_verifications.consume(token_digest(token), now)
            user = uow.users.get(user_id) if user_id is not None else None
            if user is None:
                raise InvalidToken("This verification link is invalid, used or expired. Ask for a new one.")
            first_time = uow.users.mark_email_verified(user.id, now)
            uow.email_verifications.void_all(user.id, now)
            self._grant_signup_bonus(uow, user, now)
            if first_time:
                uow.email_outbox.add(WELCOME, user.id, None, now)
            user = _existing(uow, user.id)
            uow.commit()
        if first_time:
            self._wake()
        return user

    def resend_verification(self, principal: Principal) -> None:
        """Queues another verification email, a few an hour at most; nothing when the address is verified."""
        now = self._clock.now()
        window = timedelta(hours=1)
        with self._uow() as uow:
            user = _existing(uow, principal.user.id)
            if user.email_verified:
                return
            recent = uow.email_outbox.recent_for_user(user.id, VERIFY_EMAIL, now - window)
            if len(recent) >= self._policy.verification_emails_per_hour:
                raise RateLimited("Verification emails were sent recently; check your inbox or try again later.",
                                  _seconds_until(min(recent) + window, now))
            uow.email_outbox.add(VERIFY_EMAIL, user.id, None, now)
            uow.commit()
        self._wake()

    def request_email_change(self, principal: Principal, new_email: str, password: str, ip: str) -> None:
        """Mails a confirmation link to the new address and a notice to the current one; the address changes only
        when the link is opened. Raises Forbidden (field password), InvalidRequest (field new_email) for the same
        address, Conflict (field new_email) when another account has it, RateLimited after a few an hour."""
        try:
            new_email = normalize_email(new_email)
        except InvalidRequest as exc:
            raise InvalidRequest(exc.message, {**exc.details, "field": "new_email"}) from None
        self._confirm_password(principal, password, ip, field="password")
        now = self._clock.now()
        window = timedelta(hours=1)
        with self._uow() as uow:
            user = _existing(uow, principal.user.id)
            if new_email.lower() == user.email.lower():
                raise InvalidRequest("That is your address already.", {"field": "new_email"})
            if uow.users.by_email(new_email) is not None:
                raise Conflict("An account with this email already exists.", {"field": "new_email"})
            recent = uow.email_outbox.recent_for_user(user.id, EMAIL_CHANGE, now - window)
            if len(recent) >= self._policy.verification_emails_per_hour:
                raise RateLimited("Confirmation emails were sent recently; check your inbox or try again later.",
                                  _seconds_until(min(recent) + window, now))
            uow.email_outbox.add(EMAIL_CHANGE, user.id, new_email, now)
            uow.email_outbox.add(EMAIL_CHANGE_NOTICE, user.id, user.email, now, ref=new_email)
            uow.commit()
        self._wake()

    def confirm_email_change(self, token: str) -> User:
        """Moves the account to the address the link was sent to, verified, and voids the other links and password
        resets; raises InvalidToken for a used, expired or unknown link, Conflict when the address was taken since."""
        now = self._clock.now()
        with self._uow() as uow:
            found = uow.email_changes.consume(token_digest(token), now)
            if found is None:
                raise InvalidToken("This confirmation link is invalid, used or expired. Ask for a new one.")
            user_id, new_email = found
            if not uow.users.change_email(user_id, new_email, now):
                raise Conflict("Another account took this address meanwhile.", {"field": "new_email"})
            uow.email_changes.void_all(user_id, now)
            uow.password_resets.void_all(user_id, now)  # sent to the old address
            user = _existing(uow, user_id)
            uow.commit()
        return user

    def email_key(self, email: str) -> bytes:
        """The keyed mailbox hash under which the signup bonus is claimed."""
        return bonus_email_key(self._email_key_secret, email)

    # --- sign-in and sessions ---

    def login(self, email: str, password: str, ip: str, code: str | None = None,
              user_agent: str | None = None) -> Session:
        """Signs in and starts a session; raises RateLimited while throttled, Unauthorized for a wrong email or password
        (in the same time either way), TwoFactorRequired (field code) when a code is needed or wrong."""
        email = _sign_in_email(email)
        now = self._clock.now()
        with self._uow() as uow:
            counts = uow.login_attempts.failures(
                email, ip, since=now - self._policy.throttle.window,
                known_ip_since=now - self._policy.throttle.known_ip_memory,
            )
            check_login_allowed(counts, now, self._policy.throttle)
            user = uow.users.by_email(email) if len(email) <= MAX_EMAIL_LENGTH else None
            if user is None:
                self._hasher.verify(self._timing_hash(), password)
                ok = False
            else:
                ok = self._hasher.verify(user.password_hash, password)
            if not ok or user is None:
                uow.login_attempts.record(email, ip, False, now)
                uow.commit()
                raise Unauthorized(BAD_CREDENTIALS)
            if user.two_factor:
                if code is None:
                    raise TwoFactorRequired("Enter the code from your authenticator app, or a recovery code.",
                                            {"field": "code", "reason": "code_required"})
                if not self._second_factor_ok(uow, user.id, code, now):
                    # A wrong code counts as a failed sign-in, so codes are throttled like passwords.
                    uow.login_attempts.record(email, ip, False, now)
                    uow.commit()
                    raise TwoFactorRequired("That code is not right. Try the current one, or a recovery code.",
                                            {"field": "code", "reason": "invalid_code"})
            uow.login_attempts.record(email, ip, True, now)
            if self._hasher.needs_rehash(user.password_hash):
                uow.users.set_password(user.id, self._hasher.hash(password))
            session = self._start_session(uow, user, user_agent, ip)
            uow.commit()
        return session

    def refresh(self, refresh_token: str) -> Session:
        """Exchanges a refresh token for a new pair; a spent token replayed ends the whole session (raising
        Unauthorized), unless its reply was just lost."""
        now = self._clock.now()
        with self._uow() as uow:
            record = uow.refresh_tokens.lock(token_digest(refresh_token))
            if record is None or record.family_revoked or record.expires_at <= now:
                raise Unauthorized("The session has ended; sign in again.")
            if record.rotated and not self._reply_was_lost(record, now):
                # Two holders of one session: a stolen token was replayed. End the session for both.
                uow.refresh_tokens.revoke_family(record.family_id, now)
                uow.commit()
                raise Unauthorized("The session has ended; sign in again.")
            user = uow.users.get(record.user_id)
            if user is None:
                raise Unauthorized("The session has ended; sign in again.")
            if record.rotated:
                uow.refresh_tokens.supersede_live(record.family_id, now)
            else:
                uow.refresh_tokens.mark_rotated(record.id, now)
            uow.refresh_tokens.touch_family(record.family_id, now)
            tokens = self._issue_tokens(uow, user, record.family_id)
            uow.commit()
        return Session(user, tokens)

    def _reply_was_lost(self, record: RefreshTokenRecord, now: datetime) -> bool:
        """A spent token presented again soon, before anyone used what it was exchanged for."""
        assert record.rotated_at is not None
        return (not record.superseded and not record.successor_spent
                and now - record.rotated_at <= self._policy.refresh_reuse_grace)

    def logout(self, refresh_token: str) -> None:
        """Ends the session of the refresh token; nothing for an unknown token."""
        now = self._clock.now()
        with self._uow() as uow:
            record = uow.refresh_tokens.lock(token_digest(refresh_token))
            if record is not None:
                uow.refresh_tokens.revoke_family(record.family_id, now)
                uow.commit()

    def authenticate(self, access_token: str) -> Principal:
        """The principal of a valid access token whose session is still live; raises Unauthorized otherwise."""
        user_id, session_id = self._tokens.verify(access_token, self._clock.now())
        with self._uow() as uow:
            user = uow.users.get_with_session(user_id, session_id)
        if user is None:
            raise Unauthorized("The session has ended; sign in again.")
        return Principal(user=user, session_id=session_id)

    def check_admin_access(self, principal: Principal) -> None:
        """Raises Forbidden unless the caller is an admin, and outside the local stage one with two-factor sign-in."""
        if not principal.user.is_admin:
            raise Forbidden("Only admins can do this.", {"reason": "not_admin"})
        if self._policy.admin_needs_two_factor and not principal.user.two_factor:
            raise Forbidden("Turn on two-factor sign-in (Settings) to use the admin pages.",
                            {"reason": "two_factor_required"})

    def sessions(self, principal: Principal) -> list[SessionInfo]:
        """The caller's live sessions, newest first."""
        with self._uow() as uow:
            return uow.refresh_tokens.live_families(principal.user.id, self._clock.now())

    def end_session(self, principal: Principal, session_id: str) -> None:
        """Ends one of the caller's sessions; raises NotFound when it is not theirs or not live."""
        try:
            uuid.UUID(session_id)
        except ValueError:
            raise NotFound("No such session.") from None
        with self._uow() as uow:
            if not uow.refresh_tokens.revoke_users_family(principal.user.id, session_id, self._clock.now()):
                raise NotFound("No such session.")
            uow.commit()

    # --- two-factor sign-in ---

    def start_two_factor(self, principal: Principal) -> TwoFactorSetup:
        """A new TOTP secret, pending until a code from it is confirmed."""
        codes = self._one_time_codes()
        with self._uow() as uow:
            user = _existing(uow, principal.user.id)
            if user.two_factor:
                raise Conflict("Two-factor sign-in is on already; turn it off first to set up a new device.")
            secret = codes.new_secret()
            uow.users.set_pending_totp(user.id, secret)
            uow.commit()
        return TwoFactorSetup(secret, codes.provisioning_uri(secret, user.email, "Pixmint"))

    def confirm_two_factor(self, principal: Principal, code: str, ip: str) -> list[str]:
        """Turns two-factor sign-in on with the pending secret; returns recovery codes, shown this once."""
        codes = self._one_time_codes()
        now = self._clock.now()
        with self._uow() as uow:
            self._check_code_attempts(uow, principal, ip, now)
            state = uow.users.two_factor(principal.user.id)
            if state.secret is not None:
                raise Conflict("Two-factor sign-in is on already.")
            if state.pending_secret is None:
                raise Conflict("Start the set-up first (POST /v1/me/2fa).")
            step = codes.matching_step(state.pending_secret, "".join(code.split()), now)
            if step is None:
                uow.login_attempts.record(principal.user.email, ip, False, now)
                uow.commit()
                raise InvalidCode("That code is not right; enter the one your app shows now.", {"field": "code"})
            uow.users.enable_totp(principal.user.id, state.pending_secret, step)
            recovery = [_new_recovery_code() for _ in range(self._policy.recovery_codes)]
            uow.recovery_codes.replace(principal.user.id, [recovery_digest(c) for c in recovery], now)
            uow.commit()
        return recovery

    def disable_two_factor(self, principal: Principal, code: str, ip: str) -> None:
        """Turns two-factor sign-in off and deletes the recovery codes; raises RateLimited while throttled, Conflict
        when it is off, InvalidCode (field code) for a wrong code."""
        now = self._clock.now()
        with self._uow() as uow:
            self._check_code_attempts(uow, principal, ip, now)
            if not _existing(uow, principal.user.id).two_factor:
                raise Conflict("Two-factor sign-in is off already.")
            if not self._second_factor_ok(uow, principal.user.id, code, now):
                uow.login_attempts.record(principal.user.email, ip, False, now)
                uow.commit()
                raise InvalidCode("That code is not right; enter the current one or a recovery code.",
                                  {"field": "code"})
            uow.users.disable_totp(principal.user.id)
            uow.recovery_codes.delete_all(principal.user.id)
            uow.commit()

    # --- profile, passwords, deletion ---

    def get_user(self, user_id: str) -> User:
        """The user; raises NotFound."""
        with self._uow() as uow:
            return _existing(uow, user_id)

    def update_profile(self, principal: Principal, display_name: str | None, public_handle: str | None = None) -> User:
        """Sets the display name and the public handle when given (see clean_display_name, clean_public_handle), both
        or neither, and returns the user; raises InvalidRequest, and Conflict (field public_handle) when another
        account holds that handle in any case."""
        name = None if display_name is None else clean_display_name(display_name)
        handle = None if public_handle is None else clean_public_handle(public_handle)
        with self._uow() as uow:
            if handle is not None and not uow.users.set_public_handle(principal.user.id, handle):
                raise Conflict("That handle is taken; choose another.", {"field": "public_handle"})
            user = _existing(uow, principal.user.id) if name is None else uow.users.update_profile(principal.user.id,
                                                                                                   name)
            uow.commit()
        return user

    def public_handle(self, user_id: str) -> str | None:
        """The user's public handle, None until they choose one."""
        with self._uow() as uow:
            return uow.users.public_handle(user_id)

    def change_password(self, principal: Principal, current_password: str, new_password: str, ip: str) -> None:
        """Raises Forbidden (field current_password) for a wrong password, WeakPassword for a weak new one; ends every
        other session and voids reset links."""
        self._confirm_password(principal, current_password, ip, field="current_password")
        self._check_password(new_password, principal.user.email, principal.user.display_name)
        new_hash = self._hasher.hash(new_password)
        now = self._clock.now()
        with self._uow() as uow:
            uow.users.set_password(principal.user.id, new_hash)
            uow.refresh_tokens.revoke_all_for_user(principal.user.id, now, keep_family_id=principal.session_id)
            uow.password_resets.void_all(principal.user.id, now)
            uow.commit()

    def delete_account(self, principal: Principal, password: str, ip: str) -> None:
        """Deletes the account after checking the password (Forbidden, field password); a mailbox that had the bonus
        stays recorded so it earns none again."""
        self._confirm_password(principal, password, ip, field="password")
        now = self._clock.now()
        with self._uow() as uow:
            user = _existing(uow, principal.user.id)
            if user.signup_bonus_at is not None:
                # Left behind on purpose: the same mailbox signing up again earns no second bonus.
                uow.bonus_claims.claim(self.email_key(user.email), now)
            uow.users.delete(user.id)
            uow.commit()

    def request_password_reset(self, email: str) -> None:
        """Queues a reset for the address, known or not: the same work either way, so the reply takes the same
        time; the outbox sends a link only when the account exists."""
        try:
            email = normalize_email(email)
        except InvalidRequest:
            return
        with self._uow() as uow:
            uow.email_outbox.add(RESET_LINK, None, email, self._clock.now())
            uow.commit()
        self._wake()

    def confirm_password_reset(self, token: str, new_password: str) -> None:
        """Sets a new password from a reset link and ends every session; raises InvalidToken for an invalid, used or
        expired link, WeakPassword for a weak password."""
        check_password_strength(new_password)
        now = self._clock.now()
        new_hash = self._hasher.hash(new_password)
        with self._uow() as uow:
            user_id = uow.password_resets.consume(token_digest(token), now)
            if user_id is None:
                raise InvalidToken("This reset link is invalid, used or expired. Ask for a new one.")
            user = uow.users.get(user_id)
            if user is None:
                raise InvalidToken("This reset link is invalid, used or expired. Ask for a new one.")
            self._check_password(new_password, user.email, user.display_name)
            uow.users.set_password(user_id, new_hash)
            uow.refresh_tokens.revoke_all_for_user(user_id, now)
            uow.password_resets.void_all(user_id, now)
            uow.commit()

    # --- the email outbox ---

    def deliver_due_emails(self, limit: int = 100) -> dict[str, int]:
        """Sends what the outbox holds, one item per transaction; a failed send is retried after its lease."""
        return self.email_delivery.deliver_due(limit)

    # --- operators ---

    def ensure_admin(self, email: str, password: str | None, promote_existing: bool = False) -> AdminOutcome:
        """Creates an admin with this password. An existing account is never given a password here, so it is only
        promoted when asked explicitly and once its owner has verified the address."""
        email = normalize_email(email)
        with self._uow() as uow:
            existing = uow.users.by_email(email)
            if existing is not None:
                if existing.is_admin:
                    return AdminOutcome(existing, "unchanged")
                if not promote_existing:
                    raise Conflict(f"{existing.email} is an existing account, not an admin; it was not promoted "
                                   "(pass --promote-existing to promote it with its own password)",
                                   {"field": "email", "reason": "account_exists"})
                if not existing.email_verified:
                    raise Forbidden(f"{existing.email} has not verified its email address, so it cannot be promoted",
                                    {"field": "email", "reason": "email_not_verified"})
                uow.users.set_role(existing.id, Role.ADMIN)
                promoted = _existing(uow, existing.id)
                uow.commit()
                return AdminOutcome(promoted, "promoted")
        if not password:
            raise InvalidRequest("A password is needed to create an admin.", {"field": "password"})
        self._check_password(password, email, DEFAULT_DISPLAY_NAME)
        password_hash = self._hasher.hash(password)
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.add(email, DEFAULT_DISPLAY_NAME, password_hash, Role.ADMIN, now)
            if user is None:
                raise Conflict("An account with this email appeared meanwhile; run the command again.")
            uow.users.mark_email_verified(user.id, now)  # the operator chose this address
            user = _existing(uow, user.id)
            uow.commit()
        return AdminOutcome(user, "created")

    # --- helpers ---

    def _check_password(self, password: str, email: str, display_name: str) -> None:
        name = () if display_name == DEFAULT_DISPLAY_NAME else (display_name, *display_name.split())
        check_password_strength(password, email, self._strength, ("pixmint", *name))

    def _check_signup_allowed(self, uow: UnitOfWork, ip: str, now: datetime) -> None:
        window = timedelta(hours=1)
        recent = uow.signups.lock_recent(ip, now - window)
        if len(recent) >= self._policy.signups_per_address_per_hour:
            raise RateLimited("Too many accounts were made from this address; try again later.",
                              _seconds_until(min(recent) + window, now))

    def _grant_signup_bonus(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        bonus = uow.catalog.setting("signup_bonus", self._signup_bonus)  # the admin's setting, else the default
        if not bonus or user.signup_bonus_at is not None:
            return
        if not uow.bonus_claims.claim(self.email_key(user.email), now):
            return
        uow.ledger.credit(user.id, bonus, "signup_bonus", f"signup:{user.id}", "system", now)
        uow.users.mark_signup_bonus(user.id, now)

    def _second_factor_ok(self, uow: UnitOfWork, user_id: str, code: str, now: datetime) -> bool:
        code = "".join(code.split())
        state = uow.users.two_factor(user_id)
        if state.secret is not None and len(code) == 6 and code.isascii() and code.isdigit():
            step = self._one_time_codes().matching_step(state.secret, code, now)
            return step is not None and uow.users.advance_totp_step(user_id, step)
        return bool(code) and uow.recovery_codes.consume(user_id, recovery_digest(code), now)

    def _check_code_attempts(self, uow: UnitOfWork, principal: Principal, ip: str, now: datetime) -> None:
        counts = uow.login_attempts.failures(
            principal.user.email, ip, since=now - self._policy.throttle.window,
            known_ip_since=now - self._policy.throttle.known_ip_memory,
        )
        check_login_allowed(counts, now, self._policy.throttle)

    def _one_time_codes(self) -> OneTimeCodes:
        if self._codes is None:
            raise Unavailable("Two-factor sign-in is not configured.")
        return self._codes

    def _wake(self) -> None:
        if self._outbox is not None:
            self._outbox.wake()

    def _confirm_password(self, principal: Principal, password: str, ip: str, field: str) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            counts = uow.login_attempts.failures(
                principal.user.email, ip, since=now - self._policy.throttle.window,
                known_ip_since=now - self._policy.throttle.known_ip_memory,
            )
            check_login_allowed(counts, now, self._policy.throttle)
            user = uow.users.get(principal.user.id)
            ok = user is not None and self._hasher.verify(user.password_hash, password)
            if not ok:
                uow.login_attempts.record(principal.user.email, ip, False, now)
                uow.commit()
                raise Forbidden("The password is incorrect.", {"field": field})

    def _start_session(self, uow: UnitOfWork, user: User, user_agent: str | None = None,
                       ip: str | None = None) -> Session:
        family_id = uow.refresh_tokens.start_family(user.id, self._clock.now(), user_agent, ip)
        return Session(user, self._issue_tokens(uow, user, family_id))

    def _issue_tokens(self, uow: UnitOfWork, user: User, family_id: str) -> TokenPair:
        now = self._clock.now()
        refresh_token = secrets.token_urlsafe(32)
        uow.refresh_tokens.add(family_id, token_digest(refresh_token), now + self._policy.refresh_lifetime, now)
        access = self._tokens.issue(user.id, family_id, now)
        return TokenPair(access, refresh_token, self._tokens.lifetime_seconds)

    def _timing_hash(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash


def _sign_in_email(email: str) -> str:
    """The address to look up and to throttle on: normalised like at sign-up when it is valid, else as typed."""
    try:
        return normalize_email(email)
    except InvalidRequest:
        return email.strip()


def _existing(uow: UnitOfWork, user_id: str) -> User:
    user = uow.users.get(user_id)
    if user is None:
        raise NotFound("No such user.")
    return user
