"""A bounded cache of NLU parse results in the Rasa server (Rasa 3.6), installed at import.

Customers repeat short messages word for word ("yes", "no", "thanks", "hi", "sms"), and
Rasa's NLU pipeline (tokenizer, featurizers, DIET, response selector, entity rules) gives
the same result for the same text with the same model every time: every component of
`config.yml` reads only the message text. So the result of parsing a text is kept and
reused for the same text under the same model:

- the key is (model id, exact text, output properties): a new model never sees an old
  result;
- a text is kept only if redaction would leave it as it is, given what the assistant had
  just asked for (`redact_reply`): a password, code or verification answer is never held
  in this process's memory past its turn;
- a text that names an email address is never kept: a faster answer would tell anyone who
  types an address whether someone else typed it recently (which accounts are being asked
  about);
- only texts up to `MAX_TEXT_CHARS` characters, at most `MAX_ENTRIES` of them per process
  (least recently used out);
- every caller gets its own deep copy (Rasa adds keys to the parse data it is given).

`install()` patches `MessageProcessor._parse_message_with_graph` in this process; it is
called by the project's Rasa plug-ins (tracker store, lock store), like the action-client
speed-ups, and `SIGNIN_RASA_SPEEDUPS=0` leaves Rasa as it is. Written against Rasa 3.6.21;
tests/unit/rasa_plugins/test_parse_cache.py checks the hook still exists.
"""

from __future__ import annotations

import copy
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bot.domain.emails import find_email
from bot.domain.redaction import redact_reply
from bot.rasa_plugins.patching import patch_once

log = logging.getLogger(__name__)

MAX_ENTRIES = 4096
MAX_TEXT_CHARS = 120

Key = tuple[str, str, bool]


class ParseCache:
    """Least-recently-used parse results, keyed by model id, text and output properties."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_text_chars: int = MAX_TEXT_CHARS):
        self.max_entries = max_entries
        self.max_text_chars = max_text_chars
        self._results: OrderedDict[Key, dict[str, Any]] = OrderedDict()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._results)

    def cacheable(self, text: object, requested_slot: str | None) -> bool:
        """Whether the parse of `text` may be kept (short, nothing in it is secret, and no
        email address in it)."""
        return (
            isinstance(text, str)
            and 0 < len(text) <= self.max_text_chars
            and redact_reply(text, requested_slot) == text
            and find_email(text) is None
        )

    def parse(self, key: Key, keep: bool, parse: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The kept result for `key` (a copy), or `parse()`, kept when `keep`."""
        found = self._results.get(key)
        if found is not None:
            self._results.move_to_end(key)
            self.hits += 1
            return copy.deepcopy(found)
        self.misses += 1
        result = parse()
        if keep:
            self._results[key] = copy.deepcopy(result)
            if len(self._results) > self.max_entries:
                self._results.popitem(last=False)
        return result


_cache = ParseCache()


def cache() -> ParseCache:
    """This process's parse cache."""
    return _cache


@patch_once
def install() -> bool:
    """Patch Rasa's message processor in this process; returns whether the cache is on."""
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor._parse_message_with_graph

    def parse_with_cache(
        self: MessageProcessor, message: Any, tracker: Any, only_output_properties: bool = True
    ) -> dict[str, Any]:
        text = message.text
        requested = tracker.get_slot("requested_slot") if tracker is not None else None
        key = (str(self.model_metadata.model_id), text, bool(only_output_properties))
        return _cache.parse(
            key,
            _cache.cacheable(text, requested),
            lambda: original(self, message, tracker, only_output_properties),
        )

    parse_with_cache._signin_parse_cache = True  # type: ignore[attr-defined]
    MessageProcessor._parse_message_with_graph = parse_with_cache  # type: ignore[method-assign]
    log.debug("NLU parse cache installed (%d entries)", _cache.max_entries)
    return True
