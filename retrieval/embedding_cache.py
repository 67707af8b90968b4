"""Embeddings kept in SQLite, so that rebuilding the index embeds only texts it has not seen.

The index holds about 800 units (passages and the questions each clause answers); embedding them
all takes about 25 s on two cores. A rebuild after a change to one clause's questions, a stale
manifest or a deleted index then costs seconds. Vectors are keyed by embedder, kind (passage or
query) and the text itself, so a changed text or another model is a miss, never a wrong vector.
User questions at run time are not cached: each is embedded once anyway.

The cache is an optimisation only: a cache that cannot be opened or written is logged and skipped.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from retrieval.embeddings import embed_as_queries, embedder_id

log = logging.getLogger(__name__)

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
_CHUNK = 500  # keys per SELECT, well under SQLite's variable limit


class SQLiteCachedEmbeddings(Embeddings):
    """Wraps an embedder; passages and indexed questions are read from, and written to, one SQLite file."""

    def __init__(self, inner: Embeddings, path: Path) -> None:
        self.inner = inner
        self.path = Path(path)
        self.model_id = embedder_id(inner)  # manifests name the model, not the cache

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._cached("passage", texts, self.inner.embed_documents)

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return self._cached("query", texts, lambda missing: embed_as_queries(self.inner, missing))

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def _cached(self, kind: str, texts: list[str], embed: Callable[[list[str]], list[list[float]]]) -> list[list[float]]:
        keys = [self._key(kind, t) for t in texts]
        found = self._read(keys)
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            fresh = dict(zip([keys[i] for i in missing], embed([texts[i] for i in missing]), strict=True))
            self._write(fresh)
            found.update(fresh)
        log.debug("embedding cache: %s of %s %s vectors found", len(texts) - len(missing), len(texts), kind)
        return [found[k] for k in keys]

    def _key(self, kind: str, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\0{kind}\0{text}".encode()).hexdigest()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            with conn:  # commits on success, rolls back on error
                conn.execute(_SCHEMA)
                yield conn
        finally:
            conn.close()

    def _read(self, keys: list[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        try:
            with self._transaction() as conn:
                for i in range(0, len(keys), _CHUNK):
                    part = keys[i : i + _CHUNK]
                    rows = conn.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                    found.update((k, np.frombuffer(v, dtype=np.float32).tolist()) for k, v in rows)
        except (sqlite3.Error, OSError) as exc:
            log.warning("embedding cache %s unreadable (%s): embedding without it", self.path, exc)
        return found

    def _write(self, vectors: dict[str, list[float]]) -> None:
        rows = [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in vectors.items()]
        try:
            with self._transaction() as conn:  # all of these vectors or none
                conn.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows)
        except (sqlite3.Error, OSError) as exc:
            log.warning("embedding cache %s not written (%s)", self.path, exc)
