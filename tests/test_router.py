"""ClauseRouter: trained on the index's units, cached by index inputs, one more signal in the fusion."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

from retrieval.documents import QUESTION, unit_id
from retrieval.router import ClauseRouter, load_or_train, router_key


class _Counting:
    """The real Chroma store, counting how often the router reads its units (that is, trains)."""

    def __init__(self, store) -> None:
        self.store, self.calls = store, 0

    def unit_vectors(self) -> tuple[list[str], list[list[float]]]:
        self.calls += 1
        return self.store.unit_vectors()


def _clusters() -> tuple[list[str], list[list[float]]]:
    """Three clauses whose units sit around three directions."""
    rng = np.random.default_rng(0)
    ids, vectors = [], []
    for n, cid in enumerate(["a", "b", "c"]):
        centre = np.eye(3)[n]
        for i in range(6):
            ids.append(unit_id(cid, i, QUESTION if i else "passage"))
            vectors.append((centre + 0.1 * rng.standard_normal(3)).tolist())
    return ids, vectors


def test_router_learns_which_clause_a_vector_belongs_to():
    router = ClauseRouter.train(*_clusters())
    scores = router.scores([0.0, 0.9, 0.1])
    assert max(scores, key=scores.get) == "b"
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-5)


def test_router_needs_two_clauses_to_tell_apart():
    assert ClauseRouter.train([unit_id("a", 0), unit_id("a", 1, QUESTION)], [[1.0, 0.0], [0.9, 0.1]]) is None


def test_weights_are_cached_and_reloaded_without_training(service, tmp_path):
    store = _Counting(service.store)
    first = load_or_train(store, "k1", tmp_path)
    again = load_or_train(store, "k1", tmp_path)
    assert store.calls == 1  # the second start only loaded the file
    assert again.clause_ids == first.clause_ids and np.allclose(again.weights, first.weights)
    assert [p.name for p in tmp_path.iterdir()] == ["router-k1.npz"]  # no temporary file left behind
    load_or_train(store, "k2", tmp_path)  # another index: trained anew
    assert store.calls == 2


def test_damaged_weights_are_retrained_with_a_warning(service, tmp_path, caplog):
    store = _Counting(service.store)
    (tmp_path / "router-k.npz").write_bytes(b"not a numpy file")
    with caplog.at_level(logging.WARNING):
        router = load_or_train(store, "k", tmp_path)
    assert router is not None and store.calls == 1
    assert "unreadable" in caplog.text
    assert set(ClauseRouter.load(tmp_path / "router-k.npz").clause_ids) == set(service.clauses)


def test_key_follows_index_inputs():
    assert router_key("e5", "corpus", "units") == router_key("e5", "corpus", "units")
    assert router_key("e5", "corpus", "units") != router_key("e5", "corpus", "other units")


def test_service_router_is_trained_on_the_real_index(service):
    """Real e5 vectors from the real Chroma store: a paraphrase no unit holds goes to its clause."""
    router = service.router
    assert router is not None and set(router.clause_ids) == set(service.clauses)
    vector = service.embeddings.embed_query("项目总共投进去的钱最少得有多少？")
    scores = router.scores(vector)
    assert max(scores, key=scores.get) == "notice.3.4"


def test_router_weight_zero_turns_it_off(fresh_settings):
    from assistant.service import AssistantService

    assert AssistantService(fresh_settings.model_copy(update={"router_weight": 0.0})).router is None


def test_indexed_questions_take_the_form_of_a_user_question(service):
    """The form applied before embedding (tests/test_clause_questions.py checks the vectors) is the normaliser's,
    and the manifest names it, so a change to the term list re-embeds the questions and retrains the router."""
    question = "我们这个项目只占了三十亩地，算不算违规？"  # 亩 expands to the notice's 征地 (corpus/terms.yaml)
    form = service.index.question_form
    assert form.apply(question) == service.normaliser.normalise(question) != question
    assert service.index.current_manifest().question_form == form.id and form.id.startswith("normalised-")


def test_without_scikit_learn_the_router_is_off_and_says_why(service, tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "sklearn.linear_model", None)  # as if scikit-learn were not installed
    with caplog.at_level(logging.ERROR):
        assert load_or_train(_Counting(service.store), "k", tmp_path) is None
    assert "scikit-learn" in caplog.text and not list(tmp_path.iterdir())
