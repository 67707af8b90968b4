"""Shared fixtures: one real service (real e5 embedder, real Chroma in a temp folder) per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import ROOT, Settings

SOURCE = ROOT / "corpus/sources/ndrc-2013-iot-pilot.txt"


@pytest.fixture(scope="session")
def source_text() -> str:
    from corpus.loader import read_source

    return read_source(SOURCE)


@pytest.fixture(scope="session")
def clauses():
    """The parsed notice's clauses by ID (no index, no embedder)."""
    from corpus.loader import load_notice

    return load_notice(SOURCE).by_id()


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory):
    from assistant.service import AssistantService

    svc = AssistantService(Settings(data_dir=tmp_path_factory.mktemp("data")))
    svc.ingest()
    return svc


@pytest.fixture()
def fresh_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")
