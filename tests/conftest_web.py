"""Fixtures for the web UI tests: one app, launched once per session on a free loopback port.

Loaded by the web test modules with ``pytest_plugins = ["tests.conftest_web"]``; uses the
session ``service`` fixture of tests/conftest.py.
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
def web_app(service) -> Iterator[WebApp]:
    """The UI served from a background thread on a free loopback port.

    ``service`` is the session service of tests/conftest.py (real index in a temp data_dir), so
    feedback.db lands in that temp data_dir too.
    """
    from web import launch

    host, port = "127.0.0.1", free_port()
    demo = launch(service, host, port, block=False)  # warm-up ask: index and models are ready before serving
    data_dir = Path(service.settings.data_dir)
    try:
        yield WebApp(url=f"http://{host}:{port}/", service=service, db_path=data_dir / "feedback.db", demo=demo)
    finally:
        demo.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
