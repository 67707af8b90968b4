"""Scale-out on a real Chroma server (`chroma run`, shipped with chromadb) on a loopback port: ingest, answer,
restart the server, answer again; a replica keeps answering after another one rebuilt the collection.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.service import AssistantService
from assistant.settings import Settings
from tests.reliability_support import CHROMA, CachedEmbeddings, ChromaServer, document_vectors

QUESTION = "单个项目投资规模有什么要求？"


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory) -> Iterator[ChromaServer]:
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed next to this Python")
    folder = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(folder / "db", folder / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def vectors(service) -> dict[str, list[float]]:
    return document_vectors(service)


@pytest.fixture(scope="module")
def server_settings(chroma_server, tmp_path_factory) -> Iterator[Settings]:
    mp = pytest.MonkeyPatch()
    mp.setenv("CHROMA_HOST", "127.0.0.1")
    mp.setenv("CHROMA_PORT", str(chroma_server.port))
    try:
        yield Settings(data_dir=tmp_path_factory.mktemp("replica"))  # CHROMA_* come from the environment
    finally:
        mp.undo()


def replica(settings: Settings, service: AssistantService, vectors: dict[str, list[float]]) -> AssistantService:
    """One app process's service (sharing the session's loaded embedder; document vectors cached)."""
    svc = AssistantService(settings)
    svc.__dict__["embeddings"] = CachedEmbeddings(service.embeddings, vectors)
    return svc


def test_ingest_answer_restart_answer_on_a_chroma_server(chroma_server, server_settings, service, vectors):
    import chromadb

    assert server_settings.chroma_host == "127.0.0.1" and server_settings.chroma_port == chroma_server.port
    first = replica(server_settings, service, vectors)
    first.ingest()
    assert first.index.last_build_seconds is not None
    assert not list(server_settings.index_dir.rglob("builds"))  # nothing embedded on the app's disk
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server.port)
    assert [c.name for c in client.list_collections()] == [first.index.collection]  # one per notice and version
    assert client.get_collection(first.index.collection).count() == first.index.expected_manifest().clause_count
    answer = first.ask(QUESTION)
    assert answer.status == "answered" and answer.citations[0].id == "notice.3.4"

    chroma_server.stop()
    chroma_server.start()  # same port, same data folder

    assert first.ask(QUESTION).citations[0].id == "notice.3.4"  # the running replica reconnects
    fresh = replica(server_settings, service, vectors)
    assert fresh.ask("申报材料要交几份？").citations[0].id == "notice.4.1"
    assert fresh.index.last_build_seconds is None  # the server kept the index: opened, not rebuilt


def test_a_replica_keeps_answering_when_another_rebuilds(chroma_server, server_settings, service, vectors, caplog):
    a = replica(server_settings, service, vectors)
    b = replica(server_settings, service, vectors)
    assert b.ask(QUESTION).citations[0].id == "notice.3.4"
    a.ingest(rebuild=True)  # deletes the collection b has open and renames a new one into its place
    assert a.index.last_build_seconds is not None
    assert b.ask(QUESTION).citations[0].id == "notice.3.4"
    assert "was replaced on the server" in caplog.text
