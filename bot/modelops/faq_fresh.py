"""Scoring of the fresh FAQ questions (`tests/nlu/faq_fresh.yml`), in plain Python (no Rasa).

A question passes when the ResponseSelector picked its family (`faq/<family>`; `a|b` where
two families' answers both answer it) and the first reply of that family
(`utter_faq/<family>` in `data/nlu/faq.yml`) states the key fact: one of the `|`-separated
alternatives of `key_fact`, compared case-insensitively with the answer's template text
(placeholders such as `{vendor_sign_in_url}` count as written, so a key fact may name the
placeholder that carries it). Where a flow's own first reply answers the question (the
reset-email tips give the sender and how long a link lasts), `or_flow: {intent: response}`
accepts that intent, judged on that response's text in `domain.yml`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

FAQ_INTENT = "faq"


@dataclass(frozen=True)
class FreshQuestion:
    """One question, the families whose answer answers it, and the fact that answer must state."""

    text: str
    families: tuple[str, ...]
    key_facts: tuple[str, ...]
    flows: tuple[tuple[str, str], ...] = ()  # (intent, its first response) that also answer

    @property
    def family(self) -> str:
        """The first (preferred) family."""
        return self.families[0]


@dataclass(frozen=True)
class FreshResult:
    """What happened to one question."""

    text: str
    family: str
    intent: str
    selected: str | None
    right_family: bool
    states_fact: bool

    @property
    def passed(self) -> bool:
        """Answered by the right family, whose first reply states the key fact."""
        return self.right_family and self.states_fact


def load_questions(path: str | Path) -> list[FreshQuestion]:
    """The questions of a `questions:` YAML file (text, family, key_fact)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    questions = []
    for item in data.get("questions") or []:
        facts = tuple(f.strip() for f in str(item["key_fact"]).split("|") if f.strip())
        if not facts:
            raise ValueError(f"{path}: question {item['text']!r} has no key_fact")
        families = tuple(f.strip() for f in str(item["family"]).split("|") if f.strip())
        flows = tuple((str(k), str(v)) for k, v in (item.get("or_flow") or {}).items())
        questions.append(FreshQuestion(str(item["text"]), families, facts, flows))
    return questions


def first_replies(responses_file: str | Path) -> dict[str, str]:
    """family -> text of the first variant of `utter_faq/<family>`."""
    data = yaml.safe_load(Path(responses_file).read_text(encoding="utf-8")) or {}
    replies = {}
    for name, variants in (data.get("responses") or {}).items():
        if name.startswith("utter_faq/") and variants:
            replies[name.split("/", 1)[1]] = str(variants[0].get("text", ""))
    return replies


def response_texts(domain_file: str | Path) -> dict[str, str]:
    """response name -> text of its first variant, from a domain file."""
    data = yaml.safe_load(Path(domain_file).read_text(encoding="utf-8")) or {}
    return {
        name: str(variants[0].get("text", ""))
        for name, variants in (data.get("responses") or {}).items()
        if variants
    }


def family_of(response_key: str | None) -> str | None:
    """`faq/<family>` -> `<family>`; None stays None."""
    if not response_key or "/" not in response_key:
        return None
    return response_key.split("/", 1)[1]


def score_questions(
    questions: Sequence[FreshQuestion],
    intents: Sequence[str],
    selected: Sequence[str | None],
    replies: Mapping[str, str],
    responses: Mapping[str, str] | None = None,
) -> list[FreshResult]:
    """Judge each question from the final intent and the selected `faq/<family>` key.

    The family only counts when the final intent is `faq` (a question routed to a flow or
    the fallback gets no FAQ answer, whatever the selector ranked first), unless the
    question names that flow in `or_flow`; `responses` holds the flows' response texts.
    """
    results = []
    for question, intent, key in zip(questions, intents, selected, strict=True):
        picked = family_of(key) if intent == FAQ_INTENT else None
        flows = dict(question.flows)
        if intent in flows:
            right, reply = True, (responses or {}).get(flows[intent], "")
        else:
            right = picked in question.families
            reply = replies.get(picked if right and picked else question.family, "")
        results.append(
            FreshResult(
                text=question.text,
                family="|".join(question.families),
                intent=intent,
                selected=picked,
                right_family=right,
                states_fact=any(fact.lower() in reply.lower() for fact in question.key_facts),
            )
        )
    return results


def print_results(results: Sequence[FreshResult], source: str) -> None:
    """A pass count and one line per miss."""
    passed = sum(r.passed for r in results)
    print(f"\nfresh FAQ questions ({source}): {passed}/{len(results)} answered by the right family")
    for r in results:
        if r.passed:
            continue
        if not r.right_family:
            got = f"faq/{r.selected}" if r.selected else r.intent
            print(f"  MISS {r.text!r}: wanted faq/{r.family}, got {got}")
        else:
            print(f"  NO KEY FACT in utter_faq/{r.family} for {r.text!r}")
