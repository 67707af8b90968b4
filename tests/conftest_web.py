"""Fixtures for the web UI tests: one app, launched once per session on a free loopback port.

Loaded by the web test modules with ``pytest_plugins = ["tests.conftest_web"]``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"


@dataclass
class WebApp:
    url: str
    service: Any
    db_path: Path
    demo: Any


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def web_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    """The UI served from a background thread, with its own data_dir (index + feedback.db)."""
    from assistant.service import AssistantService
    from assistant.settings import Settings
    from web import launch

    data_dir = tmp_path_factory.mktemp("web-data")
    service = AssistantService(Settings(data_dir=data_dir))
    host, port = "127.0.0.1", free_port()
    demo = launch(service, host, port, block=False)  # warms up: builds the index in data_dir
    try:
        yield WebApp(url=f"http://{host}:{port}/", service=service, db_path=data_dir / "feedback.db", demo=demo)
    finally:
        demo.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
