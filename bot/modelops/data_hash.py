"""One hash of everything that changes the trained model.

The same files the Makefile used to compare by time: `config.yml`, `domain.yml`, every
YAML / JSON-lines file under `data/`, and the custom NLU components (with their entity
patterns) under `bot/rasa_plugins/nlu/`. The hash covers paths and contents, so it does not
change when a file is only touched, and it changes when one is renamed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from bot.settings import PROJECT_ROOT

TRAIN_FILES = ("config.yml", "domain.yml")
TRAIN_FOLDERS = ("data", "bot/rasa_plugins/nlu")
TRAIN_SUFFIXES = (".yml", ".yaml", ".jsonl", ".py", ".json")


def training_inputs(root: Path = PROJECT_ROOT) -> list[Path]:
    """The files that change the model, sorted by their path from `root`."""
    files = [root / name for name in TRAIN_FILES if (root / name).is_file()]
    for folder in TRAIN_FOLDERS:
        base = root / folder
        if base.is_dir():
            files += [
                path
                for path in base.rglob("*")
                if path.is_file()
                and path.suffix in TRAIN_SUFFIXES
                and "__pycache__" not in path.parts
            ]
    return sorted(set(files), key=lambda p: p.relative_to(root).as_posix())


def hash_files(files: Iterable[Path], root: Path) -> str:
    """sha256 over each file's path (from `root`) and contents."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def data_hash(root: Path = PROJECT_ROOT) -> str:
    """The hash of the model's inputs under `root`."""
    return hash_files(training_inputs(root), root)


def config_hash(root: Path = PROJECT_ROOT) -> str:
    """The hash of config.yml alone (pipeline and policies)."""
    return hash_files([root / "config.yml"], root)
