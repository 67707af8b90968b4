"""The engine for DATABASE_URL and its migrations."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 724_001  # PostgreSQL advisory lock: one replica migrates at a time


def make_engine(url: str) -> Engine:
    """An engine for url; SQLite gets WAL and a busy timeout (several workers write), ':memory:' one shared connection."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        if not memory:
            path = url.split("///", 1)[-1]
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10},
                               poolclass=StaticPool if memory else None)

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record) -> None:  # noqa: ANN001 - DB-API connection
            cur = conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest migration (a no-op when it is current)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        from filelock import FileLock  # two processes starting at once: one migrates, the other then sees it done

        with FileLock(f"{engine.url.database}.migrate.lock", timeout=60):
            _upgrade(engine, config)
    else:
        _upgrade(engine, config)
    log.debug("database schema current: %s", sorted(inspect(engine).get_table_names()))


def _upgrade(engine: Engine, config: object) -> None:
    from alembic import command

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


_OPEN: dict[str, Engine] = {}
_OPEN_LOCK = threading.Lock()


def open_database(url: str) -> Engine:
    """The migrated engine for url, one per process and URL."""
    with _OPEN_LOCK:
        engine = _OPEN.get(url)
        if engine is None:
            engine = make_engine(url)
            migrate(engine)
            _OPEN[url] = engine
        return engine


def memory_database() -> Engine:
    """A private in-memory database, migrated (for a StaffAuth built without one, as in tests)."""
    engine = make_engine("sqlite://")
    migrate(engine)
    return engine


def close_database(url: str) -> None:
    """Forget and close the engine open_database made for url (before its database is dropped)."""
    with _OPEN_LOCK:
        engine = _OPEN.pop(url, None)
    if engine is not None:
        engine.dispose()
