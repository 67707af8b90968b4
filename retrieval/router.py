"""ClauseRouter: which clause a question is about, learned from the index's own units.

Every unit in the index (a clause's passages and the questions it answers, corpus/questions.yaml) is a
labelled example of its clause. A multinomial logistic regression over their vectors learns what sets a
clause apart from its neighbours (notice.3.1 from 3.4, annex1.6.3 from 1.6.5); nearest-neighbour matching
sees only the single closest wording. Its class probabilities are one more signal in the hybrid fusion.
The index embeds its questions as a user's question is embedded at run time (folded, expanded with the
term list: index.QuestionForm), so the router learns from the kind of vector it will be shown.

Training takes a few seconds, so the weights are cached in a small .npz file keyed by what the index was
built from (its manifest). Each replica trains once from the vectors in Chroma, embedded or on a server,
and later starts only load the file. No eval question is ever a training example.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.documents import clause_and_kind
from retrieval.index import write_atomic

log = logging.getLogger(__name__)

ROUTER_VERSION = 2
# Inverse regularisation strength. C and the fusion weight (settings.router_weight) were chosen by grids of
# mean hit@1 over the tuning sets (eval/dev, dev2, holdout … holdout4): C 100 / 300 / 1000 -> 0.932 / 0.935 /
# 0.937 at weight 0.5; weight 0 / 0.35 / 0.5 / 0.75 / 1.0 -> 0.898 / 0.929 / 0.935 / 0.939 / 0.936 at C 300.
# Those runs re-embedded the questions for training; the index now stores them so (0.941 at C 300, 0.75).
REGULARISATION_C = 300.0


class ClauseRouter:
    """A softmax over clauses: p(clause | question vector) = softmax(vector @ weights + bias)."""

    def __init__(self, clause_ids: list[str], weights: np.ndarray, bias: np.ndarray) -> None:
        self.clause_ids = clause_ids
        self.weights = weights
        self.bias = bias

    @classmethod
    def train(cls, unit_ids: list[str], vectors: list[list[float]]) -> ClauseRouter | None:
        """Fits on the index's units, each labelled with its clause. None when there is nothing to tell apart."""
        labels = [clause_and_kind(uid)[0] for uid in unit_ids]
        if len(set(labels)) < 2:
            return None
        from sklearn.linear_model import LogisticRegression  # imported only on the rare training path

        model = LogisticRegression(C=REGULARISATION_C, max_iter=3000).fit(np.asarray(vectors, dtype=np.float64), labels)
        return cls([str(c) for c in model.classes_], model.coef_.T.astype(np.float32), model.intercept_.astype(np.float32))

    def scores(self, vector: list[float]) -> dict[str, float]:
        logits = np.asarray(vector, dtype=np.float32) @ self.weights + self.bias
        odds = np.exp(logits - logits.max())
        return dict(zip(self.clause_ids, (odds / odds.sum()).tolist(), strict=True))

    def save(self, path: Path) -> None:
        """Written atomically: readers see the old weights or the new, never a torn file."""
        buffer = io.BytesIO()
        np.savez(buffer, clause_ids=np.array(self.clause_ids), weights=self.weights, bias=self.bias)
        write_atomic(path, buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> ClauseRouter:
        with np.load(path, allow_pickle=False) as data:
            return cls([str(c) for c in data["clause_ids"]], data["weights"], data["bias"])


def router_key(*parts: str) -> str:
    """What the weights depend on: the index's inputs and this module's training settings."""
    text = "\x00".join((str(ROUTER_VERSION), str(REGULARISATION_C), *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def load_or_train(store: Any, key: str, folder: Path) -> ClauseRouter | None:
    """The cached router for this index, trained from its stored vectors when there is none (or it is damaged)."""
    path = folder / f"router-{key}.npz"
    if path.is_file():
        try:
            return ClauseRouter.load(path)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("router weights %s unreadable (%s); retraining", path, exc)
    try:
        router = ClauseRouter.train(*store.unit_vectors())
    except ImportError as exc:  # retrieval still works without the router, only less well
        log.error("clause router off: %s (install scikit-learn, pinned in requirements.txt)", exc)
        return None
    if router is not None:
        try:
            router.save(path)
        except OSError as exc:  # a read-only data dir costs a retrain per start, nothing else
            log.warning("could not cache router weights at %s: %s", path, exc)
    return router
