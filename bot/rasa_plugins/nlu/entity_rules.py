"""A spaCy pipeline that finds entities with rules kept in this repository.

No pretrained model is needed: `spacy.blank("en")` plus an entity ruler whose patterns are
the JSONL files in `bot/rasa_plugins/nlu/patterns/` (one pattern per line, entity ruler format;
`id` is the normalised value, e.g. "google chrome" -> "chrome"). A deployment that has a
pretrained pipeline installed can pass its name as `base_model`; the ruler then runs
before that pipeline's statistical NER.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language

PATTERNS_DIR = Path(__file__).resolve().parent / "patterns"


@dataclass(frozen=True)
class RuleEntity:
    """An entity found in a text."""

    entity: str
    value: str
    text: str
    start: int
    end: int


def pattern_files(patterns_dir: Path = PATTERNS_DIR) -> list[Path]:
    """The pattern files, in a stable order."""
    return sorted(Path(patterns_dir).glob("*.jsonl"))


def load_patterns(patterns_dir: Path = PATTERNS_DIR) -> list[dict]:
    """Every pattern in the folder; raises ValueError naming the file and line of a bad one."""
    patterns: list[dict] = []
    for path in pattern_files(patterns_dir):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                pattern = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: {exc}") from exc
            if "label" not in pattern or "pattern" not in pattern:
                raise ValueError(f"{path}:{number}: needs 'label' and 'pattern'")
            patterns.append(pattern)
    return patterns


def patterns_fingerprint(patterns_dir: Path = PATTERNS_DIR) -> str:
    """Changes whenever any pattern file changes (so Rasa retrains the component)."""
    digest = hashlib.sha256()
    for path in pattern_files(patterns_dir):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_pipeline(patterns: Iterable[dict], base_model: str | None = None) -> Language:
    """A spaCy pipeline with the entity ruler (on a blank English one by default)."""
    if base_model:
        nlp = spacy.load(base_model, exclude=["parser", "lemmatizer"])
        before = "ner" if "ner" in nlp.pipe_names else None
        ruler = nlp.add_pipe("entity_ruler", before=before, config={"overwrite_ents": True})
    else:
        nlp = spacy.blank("en")
        ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(list(patterns))  # type: ignore[attr-defined]
    return nlp


def extract(nlp: Language, text: str, labels: Iterable[str] | None = None) -> list[RuleEntity]:
    """Entities in `text`, keeping only `labels` when given."""
    keep = set(labels) if labels is not None else None
    found = []
    for ent in nlp(text).ents:
        if keep is not None and ent.label_ not in keep:
            continue
        value = ent.ent_id_ or ent.text
        if ent.label_ == "email":
            value = ent.text.strip(".,;:!?").lower()
        found.append(RuleEntity(ent.label_, value, ent.text, ent.start_char, ent.end_char))
    return found
