"""Copied as ``sitecustomize.py`` into a temp folder on PYTHONPATH by the reliability tests (not a test module).

It changes a child ``app.py`` process only as far as each environment variable asks:

RELIABILITY_EMBED_CACHE  JSON {passage text, or "query: " + indexed question: vector}: document embeddings come
                         from it (the real e5 vectors, read back from a test index), so a subprocess build takes
                         seconds, not a minute.
                         Queries still go through the real embedder.
RELIABILITY_EMBED_DELAY  seconds to sleep per embedded batch, so that two builds surely overlap in time.
RELIABILITY_EMBED_LOG    file that gets one line "batch pid start end" per embedded batch and one line
                         "lock pid asked got" per acquisition of the index build lock.
RELIABILITY_BLOCK_NET    "all": every connect() on an internet socket fails; "remote": only non-loopback ones.
RELIABILITY_NET_LOG      file that gets one line per blocked connect() (the address).
RELIABILITY_LOG_LEVEL    configures root logging at this level before the app's own (WARNING) set-up.
"""

import os

if os.environ.get("RELIABILITY_LOG_LEVEL"):
    import logging

    logging.basicConfig(level=os.environ["RELIABILITY_LOG_LEVEL"], format="%(levelname)s %(name)s: %(message)s")

if os.environ.get("RELIABILITY_BLOCK_NET"):
    import ipaddress
    import socket

    _real_connect = socket.socket.connect
    _real_connect_ex = socket.socket.connect_ex
    _mode = os.environ["RELIABILITY_BLOCK_NET"]

    def _blocked(sock: socket.socket, address: object) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return False
        if _mode == "all":
            return True
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        try:
            return not ipaddress.ip_address(host).is_loopback
        except ValueError:
            return host != "localhost"

    def _note(address: object) -> None:
        path = os.environ.get("RELIABILITY_NET_LOG")
        if path:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} {address!r}\n")

    def connect(self: socket.socket, address: object) -> None:
        if _blocked(self, address):
            _note(address)
            raise OSError(101, f"network blocked by the test: {address!r}")
        return _real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        if _blocked(self, address):
            _note(address)
            return 101
        return _real_connect_ex(self, address)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex

if os.environ.get("RELIABILITY_EMBED_CACHE"):
    import json
    import time

    import retrieval.embeddings as _emb

    with open(os.environ["RELIABILITY_EMBED_CACHE"], encoding="utf-8") as _fh:
        _VECTORS = json.load(_fh)
    _make = _emb.make_embeddings

    def _log_line(kind: str, start: float) -> None:
        if os.environ.get("RELIABILITY_EMBED_LOG"):
            with open(os.environ["RELIABILITY_EMBED_LOG"], "a", encoding="utf-8") as fh:
                fh.write(f"{kind} {os.getpid()} {start} {time.time()}\n")

    import filelock

    _acquire = filelock.BaseFileLock.acquire

    def acquire(self: filelock.BaseFileLock, *args: object, **kwargs: object) -> object:
        asked = time.time()
        got = _acquire(self, *args, **kwargs)
        if str(self.lock_file).endswith(".build.lock"):
            _log_line("lock", asked)
        return got

    filelock.BaseFileLock.acquire = acquire

    class _CachedEmbeddings(_emb.Embeddings):
        def __init__(self, inner: object) -> None:
            self.inner = inner
            self.model_id = _emb.embedder_id(inner)

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            start = time.time()
            time.sleep(float(os.environ.get("RELIABILITY_EMBED_DELAY", "0")))
            missing = [t for t in texts if t not in _VECTORS]
            for text, vector in zip(missing, self.inner.embed_documents(missing), strict=True):
                _VECTORS[text] = vector
            _log_line("batch", start)
            return [_VECTORS[t] for t in texts]

        def embed_queries(self, texts: list[str]) -> list[list[float]]:
            missing = [t for t in texts if "query: " + t not in _VECTORS]
            for text, vector in zip(missing, _emb.embed_as_queries(self.inner, missing), strict=True):
                _VECTORS["query: " + text] = vector
            return [_VECTORS["query: " + t] for t in texts]

        def embed_query(self, text: str) -> list[float]:
            return self.inner.embed_query(text)

    def make_embeddings(name: str) -> object:
        return _CachedEmbeddings(_make(name))

    _emb.make_embeddings = make_embeddings
