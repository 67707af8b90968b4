"""The Chroma index and its lifecycle: manifest, staleness, atomic rebuilds, a build lock.

Embedded mode keeps each build in its own folder under ``data/index/builds``
and a one-line ``CURRENT`` file names the live one. A build writes a new
folder, then replaces ``CURRENT`` with ``os.replace``: a crash at any point
leaves the previous build live. Server mode (``CHROMA_HOST``) builds a new
collection and swaps names the same way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import closing, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from filelock import FileLock
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel

from corpus.models import ParsedDocument
from corpus.parser import PARSER_VERSION
from retrieval.documents import QUESTION, clause_documents
from retrieval.embeddings import embed_as_queries, embedder_id

log = logging.getLogger(__name__)

INDEX_FORMAT = 1
ProgressFn = Callable[[int, int], None]


def passages_sha256(docs: list[Document]) -> str:
    digest = hashlib.sha256()
    for doc in docs:
        digest.update(f"{doc.id}\x00{doc.page_content}\x00".encode())
    return digest.hexdigest()


class Manifest(BaseModel):
    """What an index was built from; any difference means the index is stale."""

    corpus_sha256: str
    embedder: str
    parser_version: str
    index_format: int = INDEX_FORMAT
    clause_count: int  # documents stored: several units per clause
    passages_sha256: str = ""  # what was embedded: a change in the passage texts makes the index stale
    question_form: str = ""  # how questions were put before embedding (QuestionForm.id)
    collection: str
    built_at: float = 0.0
    build_seconds: float = 0.0

    def same_inputs(self, other: Manifest) -> bool:
        keys = ("corpus_sha256", "embedder", "parser_version", "index_format", "clause_count", "passages_sha256",
                "question_form")
        return all(getattr(self, k) == getattr(other, k) for k in keys)


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    # Telemetry would try the network; this app runs offline.
    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write a file so that readers see the old or the new content, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content.encode("utf-8") if isinstance(content, str) else content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sqlite_problem(path: Path) -> str | None:
    """Why an embedded build's SQLite file is unusable (missing, not a database, damaged pages), or None."""
    if not path.is_file():
        return f"{path.name} is missing"
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as exc:
        return str(exc)
    result = "; ".join(str(r[0]) for r in rows)
    return None if result == "ok" else result[:200]


@lru_cache(maxsize=1)
def _store_classes() -> tuple[type, type]:
    """langchain's Chroma with whole-index scoring; on a server, also following its collection by name."""
    from chromadb.errors import NotFoundError
    from langchain_chroma import Chroma

    class ClauseStore(Chroma):
        def unit_distances(self, vector: list[float], n: int) -> list[tuple[str, float]]:
            """Every unit's ID and cosine distance. IDs say clause and kind, so no documents or metadata are
            fetched: over ~800 units that is 5 ms instead of 50."""
            got = self._collection.query(query_embeddings=[vector], n_results=n, include=["distances"])
            return list(zip(got["ids"][0], got["distances"][0], strict=True))

        def unit_vectors(self) -> tuple[list[str], list[list[float]]]:
            """Every unit's ID and stored vector: the ClauseRouter's training set."""
            got = self._collection.get(include=["embeddings"])
            return list(got["ids"]), [list(map(float, v)) for v in got["embeddings"]]

    class ServerChroma(ClauseStore):
        def unit_distances(self, vector: list[float], n: int) -> list[tuple[str, float]]:
            return self._following(super().unit_distances, vector, n)

        def unit_vectors(self) -> tuple[list[str], list[list[float]]]:
            return self._following(super().unit_vectors)

        def similarity_search_by_vector_with_relevance_scores(self, *args: Any, **kwargs: Any) -> Any:
            return self._following(super().similarity_search_by_vector_with_relevance_scores, *args, **kwargs)

        def _following(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            for attempt in range(3):
                try:
                    return call(*args, **kwargs)
                except NotFoundError:
                    # A rebuild deletes the old collection, then renames the new one: look the name up again.
                    log.warning("collection %s was replaced on the server; reopening it", self._collection_name)
                    time.sleep(0.1 * attempt)
                    with suppress(NotFoundError):
                        self._chroma_collection = self._client.get_collection(name=self._collection_name)
            return call(*args, **kwargs)

    return ClauseStore, ServerChroma


class QuestionForm(NamedTuple):
    """How an indexed question is put before it is embedded: the way a user's question is (folded, expanded
    with the term list), so that question-to-question similarity and the ClauseRouter compare like with like."""

    id: str  # what the form depends on (the term list, the normaliser's version); recorded in the manifest
    apply: Callable[[str], str]


class IndexManager:
    """Opens the live Chroma collection, rebuilding it first when it is missing, stale or broken."""

    def __init__(
        self,
        root: Path,
        document: ParsedDocument,
        embeddings: Embeddings,
        collection: str = "notice_clauses",
        chroma_host: str | None = None,
        chroma_port: int = 8000,
        roles: dict[str, str] | None = None,
        questions: dict[str, list[str]] | None = None,
        question_form: QuestionForm | None = None,
    ) -> None:
        self.root = Path(root)
        self.document = document
        self.embeddings = embeddings
        self.collection = collection
        self.chroma_host = chroma_host
        self.chroma_port = chroma_port
        self.roles = roles or {}
        self.questions = questions or {}
        self.question_form = question_form or QuestionForm("", str)
        self.last_build_seconds: float | None = None
        self.live_manifest: Manifest | None = None  # the manifest of the index open() last returned

    # -- public ------------------------------------------------------------
    def documents(self) -> list[Document]:
        return clause_documents(self.document.clauses, self.roles, self.questions)

    def expected_manifest(self) -> Manifest:
        docs = self.documents()
        return Manifest(
            corpus_sha256=self.document.source_sha256,
            embedder=embedder_id(self.embeddings),
            parser_version=PARSER_VERSION,
            clause_count=len(docs),
            passages_sha256=passages_sha256(docs),
            question_form=self.question_form.id,
            collection=self.collection,
        )

    def open(self, rebuild: bool = False, progress: ProgressFn | None = None) -> Any:
        """The langchain Chroma store for the live index, built first if needed."""
        if not rebuild:
            store = self._open_if_fresh()
            if store is not None:
                return store
        with FileLock(str(self.root / ".build.lock")):
            # Another process may have finished the same build while we waited.
            store = None if rebuild else self._open_if_fresh()
            if store is None:
                self._build(progress)
                store = self._open_if_fresh()
        if store is None:
            raise RuntimeError("The index was built but cannot be opened")
        return store

    def current_manifest(self) -> Manifest | None:
        try:
            if self.chroma_host:
                return self._server_manifest()
            return Manifest.model_validate_json((self._current_dir() / "manifest.json").read_text("utf-8"))
        except (OSError, ValueError) as exc:
            if self.chroma_host or not self._pointer().exists():
                log.info("no usable index manifest: %s", exc)
            else:  # a build was recorded, but its folder is gone or damaged
                log.warning("index at %s is missing or damaged (%s); it will be rebuilt", self.root, exc)
            return None

    # -- embedded mode ---------------------------------------------------
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def _current_dir(self) -> Path:
        name = self._pointer().read_text("utf-8").strip()
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"bad index pointer {name!r}")
        return self.root / "builds" / name

    def _open_if_fresh(self) -> Any:
        manifest = self.current_manifest()
        if manifest is None or not manifest.same_inputs(self.expected_manifest()):
            if manifest is not None:
                log.warning("index is stale (built from other inputs); it will be rebuilt")
            return None
        problem = None if self.chroma_host else _sqlite_problem(self._current_dir() / "chroma.sqlite3")
        if problem:
            log.warning("index database is damaged (%s); it will be rebuilt", problem)
            return None
        try:
            store = self._store(manifest.collection, self._client(None if self.chroma_host else self._current_dir()))
            count = store._collection.count()
        except Exception as exc:  # noqa: BLE001 - any failure to open means: rebuild
            log.warning("index cannot be opened (%s); it will be rebuilt", exc)
            return None
        if count != manifest.clause_count:
            log.warning("index holds %s of %s clauses; it will be rebuilt", count, manifest.clause_count)
            return None
        self.live_manifest = manifest
        return store

    def _client(self, path: Path | None) -> Any:
        import chromadb

        if self.chroma_host:
            return chromadb.HttpClient(host=self.chroma_host, port=self.chroma_port, settings=_chroma_settings())
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())

    def _store(self, collection: str, client: Any) -> Any:
        embedded, server = _store_classes()
        return (server if self.chroma_host else embedded)(
            collection_name=collection,
            embedding_function=self.embeddings,
            client=client,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )

    def _build(self, progress: ProgressFn | None) -> None:
        started = time.perf_counter()
        manifest = self.expected_manifest()
        if self.chroma_host:
            self._build_on_server(manifest, progress)
        else:
            self._build_embedded(manifest, progress)
        self.last_build_seconds = time.perf_counter() - started
        log.info("index built in %.2f s", self.last_build_seconds)

    def _fill(self, store: Any, progress: ProgressFn | None) -> None:
        docs = self.documents()
        batch = 16
        for i in range(0, len(docs), batch):
            part = docs[i : i + batch]
            store._collection.add(ids=[d.id for d in part], documents=[d.page_content for d in part],
                                  metadatas=[d.metadata for d in part], embeddings=self._vectors(part))
            if progress:
                progress(min(i + batch, len(docs)), len(docs))

    def _vectors(self, docs: list[Document]) -> list[list[float]]:
        """Passages embedded as passages; question units as queries, since they are compared with the user's question."""
        asked = [d.metadata.get("kind") == QUESTION for d in docs]
        form = self.question_form.apply
        questions = iter(embed_as_queries(self.embeddings, [form(d.page_content) for d, q in zip(docs, asked, strict=True) if q]))
        passages = iter(self.embeddings.embed_documents([d.page_content for d, q in zip(docs, asked, strict=True) if not q]))
        return [next(questions) if q else next(passages) for q in asked]

    def _build_embedded(self, manifest: Manifest, progress: ProgressFn | None) -> None:
        builds = self.root / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
        tmp = builds / f".tmp-{name}"
        try:
            store = self._store(manifest.collection, self._client(tmp))
            self._fill(store, progress)
            manifest.built_at = time.time()
            write_atomic(tmp / "manifest.json", manifest.model_dump_json(indent=2))
            del store
            os.replace(tmp, builds / name)
            write_atomic(self._pointer(), name + "\n")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._remove_old_builds(keep=name)

    def _remove_old_builds(self, keep: str) -> None:
        # Called under the build lock: a .tmp- folder here is what a killed build left behind.
        for path in (self.root / "builds").iterdir():
            if path.name != keep:
                shutil.rmtree(path, ignore_errors=True)

    # -- server mode -------------------------------------------------------
    def _server_manifest(self) -> Manifest | None:
        client = self._client(None)
        try:
            meta = client.get_collection(self.collection).metadata or {}
        except Exception:  # noqa: BLE001 - a missing collection is a missing index
            return None
        return Manifest.model_validate_json(meta["manifest"]) if "manifest" in meta else None

    def _build_on_server(self, manifest: Manifest, progress: ProgressFn | None) -> None:
        client = self._client(None)
        staging = f"{self.collection}-build-{uuid.uuid4().hex[:8]}"
        store = self._store(staging, client)
        try:
            self._fill(store, progress)
        except BaseException:
            client.delete_collection(staging)
            raise
        manifest.built_at = time.time()
        try:
            client.delete_collection(self.collection)
        except Exception:  # noqa: BLE001 - nothing to replace on a first build
            log.info("no previous collection %s on the server", self.collection)
        client.get_collection(staging).modify(name=self.collection, metadata={"manifest": json.dumps(manifest.model_dump())})
