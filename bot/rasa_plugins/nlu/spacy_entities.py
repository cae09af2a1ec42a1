"""Rasa component wrapping `bot.rasa_plugins.nlu.entity_rules`.

The spaCy pipeline is written into the trained Rasa model, so a model file moved to
another machine loads without the pattern folder or any spaCy model package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import spacy
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language

from bot.rasa_plugins.nlu.entity_rules import (
    PATTERNS_DIR,
    build_pipeline,
    extract,
    load_patterns,
    patterns_fingerprint,
)

PIPELINE_DIR = "spacy_pipeline"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class SpacyRuleEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Rule-based entities from a spaCy entity ruler stored inside the model."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`patterns_dir`: folder of JSONL patterns; `spacy_model`: optional pretrained base;
        `dimensions`: entity labels to keep (None keeps all)."""
        return {"patterns_dir": None, "spacy_model": None, "dimensions": None}

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        patterns_dir = Path(config.get("patterns_dir") or PATTERNS_DIR)
        return f"{patterns_fingerprint(patterns_dir)}:{config.get('spacy_model')}"

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        nlp: Language | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._nlp = nlp

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacyRuleEntityExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Build the pipeline from the pattern files and store it in the model."""
        patterns_dir = Path(self._config.get("patterns_dir") or PATTERNS_DIR)
        self._nlp = build_pipeline(load_patterns(patterns_dir), self._config.get("spacy_model"))
        with self._model_storage.write_to(self._resource) as directory:
            self._nlp.to_disk(directory / PIPELINE_DIR)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SpacyRuleEntityExtractor:
        with model_storage.read_from(resource) as directory:
            nlp = spacy.load(directory / PIPELINE_DIR)
        return cls(config, model_storage, resource, nlp)

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the rule entities to each message."""
        if self._nlp is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = [
                {
                    "entity": e.entity,
                    "value": e.value,
                    "start": e.start,
                    "end": e.end,
                    "confidence_entity": 1.0,
                }
                for e in extract(self._nlp, text, self._config.get("dimensions"))
            ]
            message.set(
                ENTITIES,
                message.get(ENTITIES, []) + self.add_extractor_name(found),
                add_to_output=True,
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples keep their annotated entities."""
        return training_data
