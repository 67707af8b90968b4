"""Questions each clause answers (a pack's questions.yaml): loaded strictly, embedded as queries, matched question to question."""

import shutil

import numpy as np
import pytest

from assistant.service import AssistantService
from corpus.loader import load_clause_questions
from corpus.packs import load_pack
from retrieval.documents import QUESTION
from tests.paths import FLAGSHIP

# Words the notice never uses for 以企业为主体 (notice.2.2.1).
IDIOM = "到底谁来挑大梁、唱主角？"


def test_missing_file_means_no_questions(tmp_path, clauses):
    assert load_clause_questions(tmp_path / "none.yaml", set(clauses)) == {}
    assert load_clause_questions(None, set(clauses)) == {}


def test_unknown_clause_id_is_an_error(tmp_path, clauses):
    path = tmp_path / "q.yaml"
    path.write_text("notice.9.9:\n  - 有这一条吗？\n", encoding="utf-8")
    with pytest.raises(ValueError, match="notice.9.9"):
        load_clause_questions(path, set(clauses))


def test_a_list_is_required_per_clause(tmp_path, clauses):
    path = tmp_path / "q.yaml"
    path.write_text("notice.3.4: 投资多少？\n", encoding="utf-8")
    with pytest.raises(ValueError, match="list"):
        load_clause_questions(path, set(clauses))


def test_committed_questions_cover_every_clause(service):
    questions = service.clause_questions
    assert set(questions) == set(service.clauses)
    assert all(len(qs) >= 5 for qs in questions.values())


def test_question_units_are_embedded_as_queries(service):
    """As a user's question is: normalised with the term list, then embedded as a query."""
    got = service.store._collection.get(where={"kind": QUESTION}, limit=3, include=["documents", "embeddings"])
    assert got["documents"]
    for text, stored in zip(got["documents"], got["embeddings"], strict=True):
        as_query = np.array(service.embeddings.embed_query(service.normaliser.normalise(text)))
        as_passage = np.array(service.embeddings.embed_documents([text])[0])
        assert np.dot(stored, as_query) > 0.999 and np.dot(stored, as_passage) < 0.999


def _top(settings, pack, question):
    svc = AssistantService(settings, pack)
    svc.ingest()
    assert svc.chain is not None
    return svc.retriever.rank(question).ranked[0].id


def _flagship_with_questions(root, questions: str | None):
    """A copy of the flagship pack whose questions.yaml is the given text (None: no indexed questions)."""
    shutil.copytree(FLAGSHIP, root, ignore=shutil.ignore_patterns("questions.yaml"))
    if questions is not None:
        (root / "questions.yaml").write_text(questions, encoding="utf-8")
    return load_pack(root)


def test_a_question_unit_bridges_words_the_notice_never_uses(fresh_settings, tmp_path):
    questions = f"notice.2.2.1:\n  - {IDIOM}\nnotice.3.4:\n  - 投资规模有下限吗？\n"
    without = _flagship_with_questions(tmp_path / "without", None)
    with_question = _flagship_with_questions(tmp_path / "with", questions)
    assert _top(fresh_settings, without, IDIOM) != "notice.2.2.1"
    assert _top(fresh_settings, with_question, IDIOM) == "notice.2.2.1"


def test_no_eval_question_is_indexed_verbatim(service):
    """The index must not hold an eval item word for word, or eval would measure recall of its own data."""
    from assistant.settings import ROOT
    from eval.runner import load_gold

    indexed = {q for qs in service.clause_questions.values() for q in qs}
    asked = {item.question.strip() for path in sorted((ROOT / "eval").glob("*.jsonl")) for item in load_gold(path)}
    assert len(asked) > 400
    assert not indexed & asked
