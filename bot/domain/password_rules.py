"""What a new password must be (plain Python): long, not common, not the address."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class PasswordRules:
    """The password policy (settings.yml `password_policy`): what the reset page enforces
    and what the assistant tells customers."""

    min_length: int = 12
    max_length: int = 128
    require_upper: bool = True
    require_lower: bool = True
    require_digit: bool = True
    require_symbol: bool = False

    def describe(self) -> str:
        """One sentence listing the rules."""
        needs = [
            label
            for flag, label in (
                (self.require_upper, "an upper-case letter"),
                (self.require_lower, "a lower-case letter"),
                (self.require_digit, "a digit"),
                (self.require_symbol, "a symbol"),
            )
            if flag
        ]
        rule = f"at least {self.min_length} characters"
        if needs:
            rule += ", with " + ", ".join(needs[:-1]) + (" and " if len(needs) > 1 else "")
            rule += needs[-1]
        return rule


def _core(password: str) -> str:
    """A password stripped of case and of the digits and symbols padded around it."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.lower())


def password_problems(
    password: str, email: str, rules: PasswordRules, common: Collection[str]
) -> list[str]:
    """Why `password` cannot be used (empty when it can), in words for the customer."""
    problems = []
    if len(password) < rules.min_length:
        problems.append(f"Use at least {rules.min_length} characters.")
    if len(password) > rules.max_length:
        problems.append(f"Use at most {rules.max_length} characters.")
    lowered = password.lower()
    if lowered in common or _core(password) in common or lowered.strip() == "":
        problems.append("That password is too common: it is one of the first ones attackers try.")
    local = email.lower().split("@")[0]
    if email and (email.lower() in lowered or (len(local) >= 3 and local in lowered)):
        problems.append("Don't use your email address (or its name part) in the password.")
    checks = (
        (rules.require_upper, r"[A-Z]", "an upper-case letter"),
        (rules.require_lower, r"[a-z]", "a lower-case letter"),
        (rules.require_digit, r"\d", "a digit"),
        (rules.require_symbol, r"[^\w\s]", "a symbol"),
    )
    for required, pattern, label in checks:
        if required and not re.search(pattern, password):
            problems.append(f"Include {label}.")
    return problems
