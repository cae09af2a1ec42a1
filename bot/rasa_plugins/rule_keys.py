"""Remembered rule matches for RulePolicy (Rasa 3.6), installed in the Rasa server at import.

To predict an action, Rasa's RulePolicy filters every rule it learned against the
conversation's states, newest first (`_get_possible_keys`), which parses and compares each
rule at each step: about a tenth of the server's CPU per message here. The answer depends
only on the rules (fixed once the model is loaded) and on the newest states, as many as the
longest rule has: a rule is never compared with states older than its own length. So the
answer is remembered per policy, keyed by those newest states, and the same states get the
same rules back without the filtering:

- the key is the JSON of the states the filter would look at (sorted keys), so two
  histories that differ only before the longest rule share it, and nothing else does;
- at most `MAX_ENTRIES` answers per rule table (least recently used out); each caller gets
  its own set.

`install()` patches `RulePolicy._get_possible_keys` in this process; it is called by the
project's Rasa plug-ins (tracker store, lock store), which `rasa run` loads and `rasa train`
does not, and `SIGNIN_RASA_SPEEDUPS=0` leaves Rasa as it is. Written against Rasa 3.6.21;
tests/unit/rasa_plugins/test_rule_keys.py compares it with Rasa's own filter.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.rasa_plugins.patching import patch_once

log = logging.getLogger(__name__)

MAX_ENTRIES = 4096

Filter = Callable[[Any, Mapping[str, str], Sequence[dict]], set[str]]


class RuleMatches:
    """Remembered answers of one rule table's filter."""

    def __init__(self, lookup: Mapping[str, str], max_entries: int = MAX_ENTRIES) -> None:
        self.lookup = lookup  # held, so that its id is not reused while this lives
        self.size = len(lookup)
        # the longest rule: older states never change the answer
        self.longest = max((len(json.loads(key)) for key in lookup), default=0)
        self.max_entries = max_entries
        self._answers: OrderedDict[str, frozenset[str]] = OrderedDict()
        self.hits = self.misses = 0

    def matches(self, states: Sequence[dict], compute: Callable[[], set[str]]) -> set[str]:
        newest = list(states[-self.longest :]) if self.longest else []
        key = json.dumps(newest, sort_keys=True, default=repr)
        found = self._answers.get(key)
        if found is not None:
            self._answers.move_to_end(key)
            self.hits += 1
            return set(found)
        self.misses += 1
        answer = compute()
        self._answers[key] = frozenset(answer)
        if len(self._answers) > self.max_entries:
            self._answers.popitem(last=False)
        return answer


def remembering(original: Filter) -> Filter:
    """`original` (RulePolicy._get_possible_keys) with its answers remembered per table."""

    def get_possible_keys(self: Any, lookup: Mapping[str, str], states: Sequence[dict]):  # type: ignore[no-untyped-def]
        tables: dict[int, RuleMatches] = self.__dict__.setdefault("_signin_rule_matches", {})
        table = tables.get(id(lookup))
        if table is None or table.lookup is not lookup or table.size != len(lookup):
            table = tables[id(lookup)] = RuleMatches(lookup)
        return table.matches(states, lambda: original(self, lookup, states))

    get_possible_keys._signin_rule_keys = True  # type: ignore[attr-defined]
    return get_possible_keys


ORIGINAL_FILTER: Filter | None = None  # Rasa's own, once installed (tests compare with it)


@patch_once
def install() -> bool:
    """Patch RulePolicy in this process; returns whether the answers are remembered."""
    global ORIGINAL_FILTER
    from rasa.core.policies.rule_policy import RulePolicy

    ORIGINAL_FILTER = RulePolicy._get_possible_keys
    RulePolicy._get_possible_keys = remembering(RulePolicy._get_possible_keys)  # type: ignore[method-assign]
    log.debug("RulePolicy matches remembered")
    return True
