"""Shared fixtures: one real service (real e5 embedder, real Chroma in a temp folder) per session."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from assistant.settings import Settings
from tests.paths import FLAGSHIP, SOURCE

_CACHE_DIR = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    # One embedding cache for the session (and the app.py processes it starts): every fresh index after
    # the first reuses its vectors, so index tests take seconds. Real vectors from the real model.
    if "EMBEDDING_CACHE" not in os.environ:
        folder = tempfile.mkdtemp(prefix="test-embeddings-")
        config.stash[_CACHE_DIR] = folder
        os.environ["EMBEDDING_CACHE"] = str(Path(folder) / "embeddings.sqlite")
        os.environ["ROUTER_CACHE"] = str(Path(folder) / "router")  # router weights trained once, likewise


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_CACHE_DIR, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("EMBEDDING_CACHE", None)
        os.environ.pop("ROUTER_CACHE", None)


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
def flagship_pack():
    from corpus.packs import load_pack

    return load_pack(FLAGSHIP, shipped=True)


@pytest.fixture(scope="session")
def rulebook():
    from checks.rulebook import load_rulebook

    return load_rulebook(FLAGSHIP / "eligibility.yaml")


@pytest.fixture(scope="session")
def rule_engine(clauses, rulebook):
    from checks.engine import RuleEngine

    return RuleEngine(clauses, rulebook)


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory):
    from assistant.service import AssistantService

    svc = AssistantService(Settings(data_dir=tmp_path_factory.mktemp("data")))
    svc.ingest()
    return svc


@pytest.fixture()
def fresh_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the session (tests/postgres.py)."""
    from tests import postgres

    reason = postgres.available()
    if reason:
        pytest.fail(f"PostgreSQL is required for these tests: {reason}")
    with postgres.postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The same tests against SQLite (a file) and a real PostgreSQL server, each in a fresh database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.sqlite'}"
        return
    from tests.postgres import fresh_database

    with fresh_database(request.getfixturevalue("postgres_server")) as url:
        yield url
