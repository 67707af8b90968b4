"""SQLiteCachedEmbeddings: a rebuild embeds only texts it has not seen; a broken cache never breaks a build."""

import logging

import numpy as np
import pytest

from assistant.service import AssistantService
from retrieval.embedding_cache import SQLiteCachedEmbeddings
from retrieval.embeddings import embed_as_queries, embedder_id

TEXTS = ["单个项目投资规模原则上不低于5000万元。", "申报材料一式两份。"]


class CountingEmbeddings:
    """The real e5 embedder, counting the texts it is asked to embed (a spy, not a fake)."""

    def __init__(self, inner):
        self.inner, self.model_id, self.embedded = inner, embedder_id(inner), 0

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return self.inner.embed_documents(texts)

    def embed_queries(self, texts):
        self.embedded += len(texts)
        return embed_as_queries(self.inner, texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


@pytest.fixture()
def e5(service):
    return CountingEmbeddings(service.embeddings.inner)


def test_second_call_is_served_from_the_cache(e5, tmp_path):
    cache = SQLiteCachedEmbeddings(e5, tmp_path / "e.sqlite")
    first = cache.embed_documents(TEXTS)
    again = SQLiteCachedEmbeddings(e5, tmp_path / "e.sqlite").embed_documents(TEXTS)  # a new process, same file
    assert e5.embedded == len(TEXTS)
    assert np.allclose(first, again, atol=1e-6) and np.allclose(again, e5.inner.embed_documents(TEXTS), atol=1e-6)


def test_passage_and_query_vectors_are_kept_apart(e5, tmp_path):
    cache = SQLiteCachedEmbeddings(e5, tmp_path / "e.sqlite")
    passage, query = cache.embed_documents(TEXTS[:1])[0], cache.embed_queries(TEXTS[:1])[0]
    assert e5.embedded == 2 and not np.allclose(passage, query, atol=1e-3)
    assert np.allclose(query, e5.inner.embed_query(TEXTS[0]), atol=1e-6)


def test_only_new_texts_are_embedded(e5, tmp_path):
    cache = SQLiteCachedEmbeddings(e5, tmp_path / "e.sqlite")
    cache.embed_documents(TEXTS[:1])
    cache.embed_documents(TEXTS)
    assert e5.embedded == len(TEXTS)


def test_a_corrupt_cache_is_skipped_with_a_warning(e5, tmp_path, caplog):
    path = tmp_path / "e.sqlite"
    path.write_bytes(b"not a database" * 100)
    with caplog.at_level(logging.WARNING):
        vectors = SQLiteCachedEmbeddings(e5, path).embed_documents(TEXTS)
    assert len(vectors) == len(TEXTS) and "embedding cache" in caplog.text


def test_a_fresh_index_reuses_the_cache_and_answers_the_same(service, fresh_settings):
    """The session's service filled the cache (EMBEDDING_CACHE, set in conftest); a new data dir embeds nothing."""
    fresh = AssistantService(fresh_settings)
    spy = CountingEmbeddings(fresh.embeddings.inner)
    fresh.__dict__["embeddings"] = SQLiteCachedEmbeddings(spy, fresh_settings.embedding_cache_file)
    fresh.ingest()
    assert spy.embedded == 0 and fresh.store._collection.count() == service.store._collection.count()
    question = "单个项目投资规模有什么要求？"
    assert fresh.ask(question).citations[0].id == service.ask(question).citations[0].id == "notice.3.4"
