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
        raise InputError("password_weak", problems={
            lang: "; ".join(render_text(code, "message", lang, params) for code, params in problems)
            for lang in ("es", "en")})


@dataclass(frozen=True)
class Account:
    """A signed-in user, without the password hash."""

    username: str
    role: str
    country: str | None
    full_name: str = ""
    email: str = ""
    active: bool = True


class PermissionRefused(MessageError, PermissionError):
    """An action the account may not take; ``message(lang)`` and ``fix(lang)`` say why and what to do."""


def require_active(account: Account) -> None:
    if not account.active:
        raise PermissionRefused("account_inactive", user=account.username)


def require_can_submit(account: Account, country: str) -> None:
    """A focal point submits only for their own country; an administrator submits for none."""
    require_active(account)
    if account.role != "focal_point" or account.country != country:
        own = account.country or {"es": "ningún país (administración regional)",
                                  "en": "no country (regional administration)"}
        raise PermissionRefused("not_your_country", user=account.username, own=own, target=country)


def require_admin(account: Account) -> None:
    """Only a regional administrator publishes or withdraws."""
    require_active(account)
    if account.role != "regional_admin":
        raise PermissionRefused("not_admin", user=account.username)
