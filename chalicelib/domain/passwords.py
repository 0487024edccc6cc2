"""The password policy."""

from __future__ import annotations

from functools import cache
from importlib import resources

from .errors import WeakPassword
from .ports import PasswordStrength

MIN_LENGTH = 10
MAX_LENGTH = 128
MIN_SCORE = 3  # zxcvbn's "safely unguessable": about 10^8 guesses or more


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def check_password_strength(password: str, email: str = "", estimator: PasswordStrength | None = None,
                            user_inputs: tuple[str, ...] = ()) -> None:
    """Raises WeakPassword unless the password is long enough, not a known common one and, when an estimator is
    given, hard enough to guess; the estimator's feedback goes in the error's details for the sign-up form."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Use at least {MIN_LENGTH} characters.", {"field": "password", "min_length": MIN_LENGTH})
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use at most {MAX_LENGTH} characters.", {"field": "password", "max_length": MAX_LENGTH})
    lowered = password.lower()
    if lowered in _common_passwords():
        raise WeakPassword("This password is too common; choose another.", {"field": "password"})
    if email and lowered in {email.lower(), email.lower().split("@", 1)[0]}:
        raise WeakPassword("The password must not be your email address.", {"field": "password"})
    if len(set(password)) < 4:
        raise WeakPassword("Use a password with more variety of characters.", {"field": "password"})
    if estimator is not None:
        inputs = [word for word in (email, email.split("@", 1)[0], *user_inputs) if word]
        estimate = estimator.estimate(password, inputs)
        if estimate.score < MIN_SCORE:
            raise WeakPassword(
                estimate.warning or "This password is easy to guess; add another word or two.",
                {"field": "password", "score": estimate.score, "min_score": MIN_SCORE, "warning": estimate.warning,
                 "suggestions": list(estimate.suggestions)},
            )
