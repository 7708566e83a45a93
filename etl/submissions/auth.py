"""Accounts, passwords and roles of the submission registry.

Passwords are hashed with Argon2id (argon2-cffi, its default parameters) and only the hash is
stored; no account and no password ship with the code. Two roles: a ``focal_point`` submits for
one country only; a ``regional_admin`` publishes and withdraws, and submits for none.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from etl.submissions.report import InputError, MessageError, render_text

ROLES = ("focal_point", "regional_admin")
MIN_PASSWORD_LENGTH = 12
MIN_DISTINCT_CHARACTERS = 4
# Sign-in limits, counted in the registry (not per browser session), per account and per client address:
# after FREE_ATTEMPTS failures each further attempt waits BACKOFF_BASE_SECONDS * 2**(n - FREE_ATTEMPTS),
# at most BACKOFF_MAX_SECONDS; an account with LOCK_AFTER failures in a row is locked until an
# administrator lifts it (``python -m etl users unlock NAME``). An address is slowed, never locked out
# (an office shares one address).
FREE_ATTEMPTS = 3
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 900.0
LOCK_AFTER = 10


def backoff_seconds(failures: int) -> float:
    """How long to wait after ``failures`` failed sign-ins in a row (0 for the first few)."""
    if failures < FREE_ATTEMPTS:
        return 0.0
    return min(BACKOFF_BASE_SECONDS * 2 ** min(failures - FREE_ATTEMPTS, 30), BACKOFF_MAX_SECONDS)


@functools.lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    """The Argon2id hasher (argon2-cffi's recommended defaults), built once."""
    return PasswordHasher()


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; a malformed hash never matches."""
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def validate_password(password: str, username: str) -> list[tuple[str, dict[str, int]]]:
    """What is wrong with a new password: ``(code, params)`` of ``messages.yaml``; empty when acceptable."""
    problems: list[tuple[str, dict[str, int]]] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(("password_too_short", {"length": len(password), "minimum": MIN_PASSWORD_LENGTH}))
    if password.strip().lower() == username.strip().lower():
        problems.append(("password_is_username", {}))
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        problems.append(("password_few_characters", {"minimum": MIN_DISTINCT_CHARACTERS}))
    return problems


def check_password(password: str, username: str) -> None:
    """Raise ``InputError`` (a ``ValueError``) listing every problem of a new password."""
    problems = validate_password(password, username)
    if problems:
        raise InputError(
            "password_weak",
            problems={
                lang: "; ".join(render_text(code, "message", lang, params) for code, params in problems)
                for lang in ("es", "en")
            },
        )


@dataclass(frozen=True)
class Account:
    """A signed-in user, without the password hash."""

    username: str
    role: str
    country: str | None
    full_name: str = ""
    email: str = ""
    active: bool = True
    password_version: int = 1  # raised by every password change: a session holding an older one has ended
    locked: bool = False  # too many failed sign-ins; an administrator unlocks it


@dataclass(frozen=True)
class SignIn:
    """The outcome of one sign-in attempt: the account, or why not (``code`` in messages.yaml) and the wait."""

    account: Account | None
    code: str = "signed_in"  # signed_in | sign_in_failed | sign_in_wait | account_locked
    wait_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.account is not None

    def message(self, lang: str) -> str:
        return render_text(self.code, "message", lang, {"seconds": self.wait_seconds})

    def fix(self, lang: str) -> str:
        return render_text(self.code, "fix", lang, {"seconds": self.wait_seconds})


class PermissionRefused(MessageError, PermissionError):
    """An action the account may not take; ``message(lang)`` and ``fix(lang)`` say why and what to do."""


def require_active(account: Account) -> None:
    if not account.active:
        raise PermissionRefused("account_inactive", user=account.username)


def require_can_submit(account: Account, country: str) -> None:
    """A focal point submits only for their own country; an administrator submits for none."""
    require_active(account)
    if account.role != "focal_point" or account.country != country:
        own = account.country or {
            "es": "ningún país (administración regional)",
            "en": "no country (regional administration)",
        }
        raise PermissionRefused("not_your_country", user=account.username, own=own, target=country)


def require_admin(account: Account) -> None:
    """Only a regional administrator publishes or withdraws."""
    require_active(account)
    if account.role != "regional_admin":
        raise PermissionRefused("not_admin", user=account.username)
