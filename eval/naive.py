"""A plain LangChain RAG baseline: 500/50 character chunks of the raw source in Chroma, top chunk as answer."""

from __future__ import annotations

import tempfile
from typing import Any

from corpus.models import ParsedDocument
from eval.metrics import GoldItem
from eval.runner import AnswerFn


def naive_answer_fn(source: str, document: ParsedDocument, embeddings: Any, k: int = 5) -> AnswerFn:
    import chromadb
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from retrieval.index import _chroma_settings

    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, add_start_index=True)
    chunks = splitter.create_documents([source])
    client = chromadb.PersistentClient(path=tempfile.mkdtemp(prefix="naive-chroma-"), settings=_chroma_settings())
    store = Chroma(collection_name="naive", embedding_function=embeddings, client=client)
    store.add_documents(chunks, ids=[f"chunk-{i}" for i in range(len(chunks))])
    leaves = [c for c in document.clauses if not c.children]

    def clauses_of(start: int, end: int) -> list[str]:
        """Leaf clauses overlapping a chunk, most overlap first: lets ID metrics score the chunks."""
        overlap = [(min(end, c.end) - max(start, c.start), c.id) for c in leaves]
        return [cid for o, cid in sorted(overlap, reverse=True) if o > 0]

    def answer(item: GoldItem) -> tuple[str, str, list[dict], list[str]]:
        hits = store.similarity_search(item.question, k=k)
        ranked: list[str] = []
        for doc in hits:
            start = doc.metadata["start_index"]
            ranked += [c for c in clauses_of(start, start + len(doc.page_content)) if c not in ranked]
        top = hits[0]
        first = clauses_of(top.metadata["start_index"], top.metadata["start_index"] + len(top.page_content))[:1]
        citations = [{"id": cid, "quote": ""} for cid in first]
        return "answered", top.page_content, citations, ranked

    return answer
