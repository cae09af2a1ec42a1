"""Rasa's whitespace tokenizer without the tokens of the vendor's own name.

The featurisers, and through them the ResponseSelector, see the tokens of a message; this
tokenizer drops the words that make up the configured vendor name (see `vendor_name.py`),
unless nothing else would be left. Token offsets still point into the unchanged text.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_plugins.nlu.vendor_name import configured_pattern, name_spans


def outside(tokens: list[Token], spans: list[tuple[int, int]]) -> list[Token]:
    """The tokens that lie outside every span (all of them if none would)."""
    kept = [t for t in tokens if not any(s <= t.start and t.end <= e for s, e in spans)]
    return kept or tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VendorAwareWhitespaceTokenizer(WhitespaceTokenizer):
    """`WhitespaceTokenizer` that leaves out the vendor's name in message texts."""

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        if attribute != TEXT:
            return tokens
        return outside(tokens, name_spans(message.get(TEXT) or "", configured_pattern()))
