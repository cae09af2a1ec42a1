"""The topics the assistant handles, with the wording used on suggestion buttons."""

from __future__ import annotations

# Intent -> how a customer would describe it, for "did you mean…" buttons.
TOPIC_TITLES: dict[str, str] = {
    "cant_login": "I can't sign in",
    "forgot_password": "I forgot my password",
    "reset_email_missing": "The reset email didn't arrive",
    "mfa_code_missing": "My verification code doesn't arrive",
    "mfa_device_lost": "I lost my 2-step verification phone",
    "wrong_credentials": "It says my email or password is wrong",
    "account_locked": "My account is locked",
    "browser_issue": "The sign-in page doesn't work in my browser",
    "service_status": "Is the service down?",
    "forgot_email": "I don't know which email I used",
    "change_email": "I want to change my account email",
    "phishing_check": "Is this email or link really from you?",
    "account_compromised": "Someone got into my account",
    "password_tips": "How do I pick a strong password?",
    "request_human": "Talk to a person",
}


def suggested_topics(ranking: list[tuple[str, float]], limit: int = 3) -> list[str]:
    """The best-ranked intents that are sign-in topics (not chit-chat), at most `limit`."""
    picked: list[str] = []
    for intent, _confidence in sorted(ranking, key=lambda pair: pair[1], reverse=True):
        if intent in TOPIC_TITLES and intent != "request_human" and intent not in picked:
            picked.append(intent)
        if len(picked) == limit:
            break
    return picked


def consecutive_fallbacks(intents_newest_first: list[str], fallback: str = "nlu_fallback") -> int:
    """How many of the latest user turns in a row were not understood."""
    count = 0
    for intent in intents_newest_first:
        if intent != fallback:
            break
        count += 1
    return count
