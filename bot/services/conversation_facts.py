"""Vendor facts the responses in domain.yml show, as slot values.

domain.yml responses say `{vendor_name}` instead of a brand; these values fill them in.
"""

from __future__ import annotations

from bot.settings import Settings


def vendor_slot_values(settings: Settings) -> dict[str, str]:
    """Slot name -> text for every vendor placeholder used in responses."""
    vendor = settings.vendor
    return {
        "vendor_name": vendor.name,
        "vendor_sign_in_url": vendor.sign_in_url,
        "vendor_support_url": vendor.support_url,
        "vendor_email_sender": vendor.email_sender,
        "vendor_domains": ", ".join(vendor.official_domains),
        "vendor_phishing_report": vendor.phishing_report_address,
        "support_hours": vendor.support_hours.describe(),
        "password_rules": settings.password_policy.describe(),
        "reset_minutes": str(settings.reset.token_minutes),
        "lockout_minutes": str(settings.lockout.minutes),
    }
