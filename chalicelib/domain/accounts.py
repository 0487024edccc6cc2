"""Account use cases: sign-up, sign-in, sessions, profile, passwords, deletion."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Callable

from .errors import Conflict, Forbidden, InvalidRequest, InvalidToken, NotFound, Unauthorized
from .model import Principal, Role, Session, TokenPair, User
from .passwords import check_password_strength
from .ports import AccessTokens, Clock, EmailSender, PasswordHasher, UnitOfWork
from .throttle import ThrottlePolicy, check_login_allowed

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL_LENGTH = 254
MAX_DISPLAY_NAME_LENGTH = 80
BAD_CREDENTIALS = "Email or password is incorrect."


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def normalize_email(email: str) -> str:
    email = email.strip()
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(email):
        raise InvalidRequest("Enter a valid email address.", {"field": "email"})
    return email


def clean_display_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidRequest("The display name cannot be empty.", {"field": "display_name"})
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        raise InvalidRequest(
            f"The display name is at most {MAX_DISPLAY_NAME_LENGTH} characters.",
            {"field": "display_name", "max_length": MAX_DISPLAY_NAME_LENGTH},
        )
    return name


@dataclass(frozen=True)
class AccountPolicy:
    refresh_lifetime: timedelta = timedelta(days=30)
    reset_lifetime: timedelta = timedelta(hours=1)
    resets_per_hour: int = 5
    throttle: ThrottlePolicy = ThrottlePolicy()


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
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._mailer = mailer
        self._public_url = public_url.rstrip("/")
        self._policy = policy
        self._signup_bonus = signup_bonus
        self._dummy_hash: str | None = None

    def register(self, email: str, password: str, display_name: str | None = None, ip: str | None = None) -> Session:
        email = normalize_email(email)
        name = clean_display_name(display_name if display_name is not None else email.split("@", 1)[0])
        check_password_strength(password, email)
        password_hash = self._hasher.hash(password)
        now = self._clock.now()
        with self._uow() as uow:
            user = uow.users.add(email, name, password_hash, Role.USER, now)
            if user is None:
                raise Conflict("An account with this email already exists.", {"field": "email"})
            if ip is not None:
                # Counts as a sign-in, so this address is known and never held by the account-wide limit.
                uow.login_attempts.record(email, ip, True, now)
            bonus = uow.catalog.setting("signup_bonus", self._signup_bonus)  # the admin's setting, else the default
            if bonus:
                balance = uow.ledger.credit(user.id, bonus, "signup_bonus", f"signup:{user.id}", "system", now)
                user = replace(user, credits=balance)
            session = self._start_session(uow, user)
            uow.commit()
        return session

    def login(self, email: str, password: str, ip: str) -> Session:
        email = email.strip()
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
            uow.login_attempts.record(email, ip, ok, now)
            if not ok or user is None:
                uow.commit()
                raise Unauthorized(BAD_CREDENTIALS)
            if self._hasher.needs_rehash(user.password_hash):
                uow.users.set_password(user.id, self._hasher.hash(password))
            session = self._start_session(uow, user)
            uow.commit()
        return session

    def refresh(self, refresh_token: str) -> Session:
        now = self._clock.now()
        with self._uow() as uow:
            record = uow.refresh_tokens.lock(token_digest(refresh_token))
            if record is None or record.family_revoked or record.expires_at <= now:
                raise Unauthorized("The session has ended; sign in again.")
            if record.rotated:
                uow.refresh_tokens.revoke_family(record.family_id, now)
                uow.commit()
                raise Unauthorized("The session has ended; sign in again.")
            user = uow.users.get(record.user_id)
            if user is None:
                raise Unauthorized("The session has ended; sign in again.")
            uow.refresh_tokens.mark_rotated(record.id, now)
            tokens = self._issue_tokens(uow, user, record.family_id)
            uow.commit()
        return Session(user, tokens)

    def logout(self, refresh_token: str) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            record = uow.refresh_tokens.lock(token_digest(refresh_token))
            if record is not None:
                uow.refresh_tokens.revoke_family(record.family_id, now)
                uow.commit()

    def authenticate(self, access_token: str) -> Principal:
        user_id, session_id = self._tokens.verify(access_token, self._clock.now())
        with self._uow() as uow:
            user = uow.users.get_with_session(user_id, session_id)
        if user is None:
            raise Unauthorized("The session has ended; sign in again.")
        return Principal(user=user, session_id=session_id)

    def get_user(self, user_id: str) -> User:
        with self._uow() as uow:
            return _existing(uow, user_id)

    def update_profile(self, principal: Principal, display_name: str | None) -> User:
        with self._uow() as uow:
            if display_name is None:
                return _existing(uow, principal.user.id)
            user = uow.users.update_profile(principal.user.id, clean_display_name(display_name))
            uow.commit()
        return user

    def change_password(self, principal: Principal, current_password: str, new_password: str, ip: str) -> None:
        self._confirm_password(principal, current_password, ip, field="current_password")
        check_password_strength(new_password, principal.user.email)
        new_hash = self._hasher.hash(new_password)
        with self._uow() as uow:
            uow.users.set_password(principal.user.id, new_hash)
            uow.refresh_tokens.revoke_all_for_user(
                principal.user.id, self._clock.now(), keep_family_id=principal.session_id
            )
            uow.commit()

    def delete_account(self, principal: Principal, password: str, ip: str) -> None:
        self._confirm_password(principal, password, ip, field="password")
        with self._uow() as uow:
            uow.users.delete(principal.user.id)
            uow.commit()

    def request_password_reset(self, email: str) -> None:
        """Sends a single-use reset link when the account exists; says nothing either way."""
        try:
            email = normalize_email(email)
        except InvalidRequest:
            return
        now = self._clock.now()
        token = secrets.token_urlsafe(32)
        with self._uow() as uow:
            user = uow.users.by_email(email)
            if user is None:
                return
            if uow.password_resets.count_since(user.id, now - timedelta(hours=1)) >= self._policy.resets_per_hour:
                return
            uow.password_resets.add(user.id, token_digest(token), now + self._policy.reset_lifetime, now)
            uow.commit()
        minutes = int(self._policy.reset_lifetime.total_seconds() // 60)
        self._mailer.send(
            user.email,
            "Reset your Pixmint password",
            f"Hello {user.display_name},\n\n"
            f"Someone asked to reset the password of your Pixmint account. If it was you, open this link "
            f"within {minutes} minutes:\n\n{self._public_url}/reset-password#token={token}\n\n"
            "If it was not you, ignore this email; your password stays as it is.\n",
        )

    def confirm_password_reset(self, token: str, new_password: str) -> None:
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
            check_password_strength(new_password, user.email)
            uow.users.set_password(user_id, new_hash)
            uow.refresh_tokens.revoke_all_for_user(user_id, now)
            uow.commit()

    def ensure_admin(self, email: str, password: str) -> tuple[User, bool]:
        """Creates an admin, or promotes the existing account; returns (user, created)."""
        email = normalize_email(email)
        with self._uow() as uow:
            existing = uow.users.by_email(email)
            if existing is not None:
                uow.users.set_role(existing.id, Role.ADMIN)
                promoted = _existing(uow, existing.id)
                uow.commit()
                return promoted, False
        check_password_strength(password, email)
        password_hash = self._hasher.hash(password)
        with self._uow() as uow:
            user = uow.users.add(email, email.split("@", 1)[0], password_hash, Role.ADMIN, self._clock.now())
            if user is None:
                raise Conflict("An account with this email appeared meanwhile; run the command again.")
            uow.commit()
        return user, True

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

    def _start_session(self, uow: UnitOfWork, user: User) -> Session:
        family_id = uow.refresh_tokens.start_family(user.id, self._clock.now())
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


def _existing(uow: UnitOfWork, user_id: str) -> User:
    user = uow.users.get(user_id)
    if user is None:
        raise NotFound("No such user.")
    return user
