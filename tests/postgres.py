"""A throwaway PostgreSQL server for tests: initdb into a temp folder, pg_ctl on a free loopback port.

PostgreSQL refuses to run as root; as root the server runs as the postgres user (runuser).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> str | None:
    """Why no server can start here, or None."""
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        return "initdb/pg_ctl not on PATH (apt-get install postgresql)"
    return None


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields the server's base URL (postgresql+psycopg://postgres@127.0.0.1:PORT); stops it and removes its folder."""
    root = Path(tempfile.mkdtemp(prefix="pg-test-"))
    data, port = root / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(_as_server_user(["initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]), **run)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_server_user(["pg_ctl", "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]),
                   **run)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_server_user(["pg_ctl", "-D", str(data), "-m", "immediate", "stop"]), capture_output=True,
                       timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new database on the server, dropped afterwards; yields its URL."""
    import psycopg

    name = f"test_{uuid.uuid4().hex[:10]}"
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        from store.db import close_database

        close_database(f"{server}/{name}")
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
