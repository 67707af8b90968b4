"""Helpers shared by the tests/test_reliability_*.py modules (not a test module)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from langchain_core.embeddings import Embeddings

from retrieval.documents import QUESTION as QUESTION_KIND
from retrieval.embeddings import embed_as_queries, embedder_id

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SHIM = Path(__file__).with_name("reliability_sitecustomize.py")
QUERY_KEY = "query: "  # vectors of indexed questions (embedded as queries) are cached under this prefix
QUESTION = "单个项目投资规模有什么要求？"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout_s: float, proc: subprocess.Popen | None = None) -> None:
    """Poll url until it answers 200; fail early if proc exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} came up")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not come up in {timeout_s} s")


def document_vectors(service: Any) -> dict[str, list[float]]:
    """The e5 vector of every unit in the session index, keyed by the text that was embedded (a question's
    normalised form: index.QuestionForm), so that later builds skip the slow embedding step."""
    got = service.store._collection.get(include=["documents", "embeddings", "metadatas"])
    form = service.index.question_form.apply
    return {(QUERY_KEY + form(doc) if meta.get("kind") == QUESTION_KIND else doc): [float(x) for x in vec]
            for doc, vec, meta in zip(got["documents"], got["embeddings"], got["metadatas"], strict=True)}


class CachedEmbeddings(Embeddings):
    """The real embedder (same model_id, so manifests match) with document vectors served from a dict."""

    def __init__(self, inner: Embeddings, vectors: dict[str, list[float]]) -> None:
        self.inner = inner
        self.vectors = vectors
        self.model_id = embedder_id(inner)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in texts if t not in self.vectors]
        for text, vector in zip(missing, self.inner.embed_documents(missing), strict=True):
            self.vectors[text] = vector
        return [self.vectors[t] for t in texts]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Indexed questions, embedded as queries: cached under QUERY_KEY + text."""
        missing = [t for t in texts if QUERY_KEY + t not in self.vectors]
        for text, vector in zip(missing, embed_as_queries(self.inner, missing), strict=True):
            self.vectors[QUERY_KEY + text] = vector
        return [self.vectors[QUERY_KEY + t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def build_index(data_dir: Path, service: Any, vectors: dict[str, list[float]]) -> Path:
    """A fresh embedded index in data_dir (seconds: the session's vectors), closed for other processes to open."""
    from assistant.service import AssistantService
    from assistant.settings import Settings

    svc = AssistantService(Settings(data_dir=data_dir))
    svc.__dict__["embeddings"] = CachedEmbeddings(service.embeddings, vectors)
    svc.ingest()
    return data_dir


def shim_env(folder: Path, vectors: dict[str, list[float]] | None = None, **variables: str) -> dict[str, str]:
    """Environment for an app.py subprocess that loads tests/reliability_sitecustomize.py with these settings."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SHIM, folder / "sitecustomize.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELIABILITY_")}
    env["PYTHONPATH"] = os.pathsep.join([str(folder), str(ROOT)])
    env.pop("EMBEDDING_CACHE", None)  # the child uses its own data dir's cache, so its builds really embed (via the shim)
    env.pop("GRADIO_ANALYTICS_ENABLED", None)  # the app as deployed: it must not phone home by itself
    if vectors is not None:
        cache = folder / "vectors.json"
        if not cache.exists():
            cache.write_text(json.dumps(vectors, ensure_ascii=False), encoding="utf-8")
        env["RELIABILITY_EMBED_CACHE"] = str(cache)
    env.update({f"RELIABILITY_{k.upper()}": v for k, v in variables.items()})
    return env


CHROMA = Path(PY).with_name("chroma")


class ChromaServer:
    def __init__(self, path: Path, log: Path) -> None:
        self.path, self.log, self.port = path, log, free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(self.port),
                                          "--path", str(self.path)], stdout=log, stderr=subprocess.STDOUT)
        wait_http(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", 60, self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
