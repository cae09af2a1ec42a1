"""TF-IDF logistic regression, shared by the intent classifier and the FAQ family vote.

`build_pipeline` makes the model: TF-IDF features of words, word pairs and character
n-grams inside words (typos, word forms), sublinear term frequency, logistic regression.
`StoredTfidfComponent` is the Rasa side both components share: the merged config, the
fitted state kept in the trained model archive with joblib (`MODEL_FILE` per component), and
the texts they fit and predict on (the vendor's name blanked out, see `vendor_name.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, TypeVar

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from bot.rasa_plugins.nlu.vendor_name import without_vendor_name

_Component = TypeVar("_Component", bound="StoredTfidfComponent")

# C is the inverse regularisation; the n-gram ranges and C were chosen side by side on the
# held-out and real-customer sets (see config.yml).
TFIDF_DEFAULTS: dict[str, Any] = {
    "C": 20.0,
    "word_ngram_range": [1, 2],
    "char_ngram_range": [2, 5],
    "max_iter": 5000,
}


def build_pipeline(config: dict[str, Any]) -> Pipeline:
    """An unfitted TF-IDF (words + characters) -> logistic regression pipeline."""
    words = TfidfVectorizer(
        ngram_range=tuple(config["word_ngram_range"]), sublinear_tf=True, lowercase=True
    )
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=tuple(config["char_ngram_range"]),
        sublinear_tf=True,
        lowercase=True,
    )
    model = LogisticRegression(C=float(config["C"]), max_iter=int(config["max_iter"]))
    return make_pipeline(make_union(words, chars), model)


class StoredTfidfComponent(GraphComponent):
    """A trainable component whose fitted state lives in the model archive as one joblib file."""

    MODEL_FILE: ClassVar[str]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        fitted: Any = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._fitted = fitted

    @classmethod
    def create(
        cls: type[_Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _Component:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls: type[_Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> _Component:
        """The fitted state from the model archive (none if this resource has none)."""
        try:
            with model_storage.read_from(resource) as directory:
                fitted = joblib.load(Path(directory) / cls.MODEL_FILE)
        except (ValueError, FileNotFoundError):
            fitted = None
        return cls(config, model_storage, resource, fitted)

    @staticmethod
    def texts(items: list[Any]) -> list[str]:
        """The text of each message or training example, as the regression sees it."""
        return [without_vendor_name(str(item.get(TEXT) or "")) for item in items]

    def _store(self, fitted: Any) -> Resource:
        """Keep `fitted` for this process and write it into the model archive."""
        self._fitted = fitted
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(fitted, Path(directory) / self.MODEL_FILE)
        return self._resource
