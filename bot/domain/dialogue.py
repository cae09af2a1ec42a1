"""The names from domain.yml that the code relies on, in one place.

`tests/unit/domain/test_dialogue_names.py` checks these, and every `utter_*` / `action_*` name
written anywhere in `bot/`, against domain.yml: renaming a response, slot or intent there
without changing the code fails a test instead of silently breaking summaries or metrics.
"""

from __future__ import annotations

# While the assistant waits for one of these slots, the customer's reply is a secret.
SECRET_SLOTS = frozenset({"verification_code", "verification_answer"})
# While it waits for one of these, a reply without an address may be a password typed in
# the wrong box.
ADDRESS_SLOTS = frozenset({"email", "new_email", "contact_email"})
# The intents of yes / no answers.
AFFIRM, DENY = "affirm", "deny"
REQUEST_HUMAN = "request_human"
FALLBACK_INTENT = "nlu_fallback"
