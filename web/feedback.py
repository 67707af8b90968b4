"""Feedback on answers: a small SQLite store (WAL, busy timeout, one transaction per write)
and the export of 👎 items as gold-set candidates.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant import __version__

log = logging.getLogger(__name__)

RATINGS = ("up", "down")
KIND_LABELS = {"rating": "评分", "citation_wrong": "引用有误", "answer_wrong": "答案有误"}
MAX_COMMENT_CHARS = 2000
SAVE_FAILED = "反馈保存失败，请稍后再试。"

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT    NOT NULL,
    question    TEXT    NOT NULL,
    history     TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    citations   TEXT    NOT NULL,
    rating      TEXT    NOT NULL CHECK (rating IN ('up', 'down')),
    kind        TEXT    NOT NULL,
    comment     TEXT    NOT NULL DEFAULT '',
    app_version TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_rating ON feedback (rating);
"""


COLUMNS = ("created_at", "question", "history", "answer", "citations", "rating", "kind", "comment", "app_version")


def feedback_row(question: str, history: Sequence[Mapping[str, Any]] | None, answer: Mapping[str, Any],
                 rating: str, kind: str, comment: str, app_version: str) -> dict[str, str]:
    """The columns of one feedback row (JSON for the structured ones); ValueError for a rating or kind not known."""
    if rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS}, got {rating!r}")
    if kind not in KIND_LABELS:
        raise ValueError(f"kind must be one of {sorted(KIND_LABELS)}, got {kind!r}")
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="milliseconds"), "question": question,
        "history": _json(list(history or [])), "answer": _json(dict(answer)),
        "citations": _json(list(answer.get("citations") or [])), "rating": rating, "kind": kind,
        "comment": (comment or "").strip()[:MAX_COMMENT_CHARS], "app_version": app_version,
    }


class FeedbackError(RuntimeError):
    """Feedback could not be saved; the message is short, Chinese and meant for the user."""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class FeedbackStore:
    """Append-only feedback rows in SQLite. Safe to share between threads: each call opens its own connection."""

    def __init__(self, db_path: Path | str, busy_timeout_ms: int = 10_000, app_version: str = __version__) -> None:
        self.db_path = Path(db_path)
        self.busy_timeout_ms = busy_timeout_ms
        self.app_version = app_version
        self._ready = False
        self._init_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=self.busy_timeout_ms / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        return conn

    def init(self) -> None:
        """Create the directory, the table and switch the database to WAL (idempotent)."""
        with self._init_lock:
            if not self._ready:
                self._create()
                self._ready = True

    def _create(self) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            mode = self._switch_to_wal(conn)
            if str(mode).lower() != "wal":
                log.warning("feedback DB %s is in %s mode, not WAL", self.db_path, mode)
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in SCHEMA.strip().split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _switch_to_wal(self, conn: sqlite3.Connection) -> str:
        """PRAGMA journal_mode = WAL. SQLite does not wait for a busy lock here, so retry up to the busy timeout."""
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        delay = 0.005
        while True:
            try:
                return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.1)

    def record(
        self, question: str, history: Sequence[Mapping[str, Any]] | None, answer: Mapping[str, Any],
        rating: str, kind: str = "rating", comment: str = "",
    ) -> int:
        """Insert one feedback row in a single transaction; returns its id. Raises FeedbackError."""
        values = feedback_row(question, history, answer, rating, kind, comment, self.app_version)
        row = tuple(values[c] for c in COLUMNS)
        try:
            self.init()
            with closing(self._connect()) as conn:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    cur = conn.execute(
                        f"INSERT INTO feedback ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", row)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                row_id = int(cur.lastrowid or 0)
        except (sqlite3.Error, OSError) as exc:
            log.exception("could not save feedback to %s", self.db_path)
            raise FeedbackError(SAVE_FAILED) from exc
        log.info("feedback #%d saved: rating=%s kind=%s", row_id, rating, kind)
        return row_id

    def rows(self, rating: str | None = None) -> list[dict[str, Any]]:
        """All rows (oldest first), JSON columns decoded."""
        return read_rows(self.db_path, rating)


class DatabaseFeedbackStore:
    """The same feedback rows in the shared database (DATABASE_URL), so every replica writes to one table."""

    def __init__(self, url: str, app_version: str = __version__, replica: str = "") -> None:
        self.url = url
        self.app_version = app_version
        self.replica = replica or f"{socket.gethostname()}:{os.getpid()}"

    def init(self) -> None:
        from store.db import open_database

        open_database(self.url)  # migrated once per process

    def record(
        self, question: str, history: Sequence[Mapping[str, Any]] | None, answer: Mapping[str, Any],
        rating: str, kind: str = "rating", comment: str = "",
    ) -> int:
        """Insert one feedback row in a single transaction; returns its id. Raises FeedbackError."""
        from sqlalchemy import insert
        from sqlalchemy.exc import SQLAlchemyError

        from store.db import open_database
        from store.schema import feedback

        values = feedback_row(question, history, answer, rating, kind, comment, self.app_version) | {"replica": self.replica}
        try:
            with open_database(self.url).begin() as conn:
                row_id = int(conn.execute(insert(feedback).values(**values).returning(feedback.c.id)).scalar_one())
        except (SQLAlchemyError, OSError) as exc:
            log.exception("could not save feedback to the database")
            raise FeedbackError(SAVE_FAILED) from exc
        log.info("feedback #%d saved: rating=%s kind=%s", row_id, rating, kind)
        return row_id

    def rows(self, rating: str | None = None) -> list[dict[str, Any]]:
        """All rows (oldest first), JSON columns decoded."""
        from sqlalchemy import select

        from store.db import open_database
        from store.schema import feedback

        query = select(feedback).order_by(feedback.c.id)
        if rating is not None:
            query = query.where(feedback.c.rating == rating)
        with open_database(self.url).connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        return _decoded(rows)


def _decoded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        for key in ("history", "answer", "citations"):
            r[key] = json.loads(r[key]) if r[key] else None
    return rows


def read_rows(db_path: Path | str, rating: str | None = None) -> list[dict[str, Any]]:
    """Rows of a feedback DB, oldest first, with history/answer/citations decoded ([] if the DB is missing)."""
    path = Path(db_path)
    if not path.is_file():
        return []
    with closing(sqlite3.connect(path, timeout=10)) as conn:
        conn.row_factory = sqlite3.Row
        query = "SELECT * FROM feedback"
        params: tuple[Any, ...] = ()
        if rating is not None:
            query += " WHERE rating = ?"
            params = (rating,)
        rows = [dict(r) for r in conn.execute(query + " ORDER BY id", params)]
    return _decoded(rows)


def _notes(rows: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for r in rows:
        kind = KIND_LABELS.get(r["kind"], r["kind"])
        text = f"#{r['id']} 👎{'' if r['kind'] == 'rating' else ' ' + kind}"
        if r["comment"]:
            text += f"：{r['comment']}"
        parts.append(text)
    cited: list[str] = []
    for r in rows:
        for c in r["citations"] or []:
            if c.get("id") and c["id"] not in cited:
                cited.append(c["id"])
    status = rows[-1]["answer"].get("status", "") if rows[-1]["answer"] else ""
    return f"feedback {'; '.join(parts)} | status: {status} | cited: {', '.join(cited) or '-'}"


def gold_candidates(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """👎 rows as gold-schema records, one per distinct (question, history); to be completed by a human."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        if r["rating"] != "down":
            continue
        groups.setdefault(_json([r["question"], r["history"]]), []).append(r)
    out = []
    for group in groups.values():
        first = group[0]
        out.append({
            "id": f"fb{first['id']:05d}",
            "question": first["question"],
            "history": first["history"] or [],
            "expected_citations": [],
            "must_include": [],
            "must_not_include": [],
            "answerable": True,
            "category": "feedback",
            "notes": _notes(group),
        })
    return out


def export_gold_candidates(db_path: Path | str, out_path: Path | str) -> int:
    """Write the 👎 feedback items of db_path as gold-schema JSONL to out_path; returns how many."""
    candidates = gold_candidates(read_rows(db_path, rating="down"))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for c in candidates:
            fh.write(json.dumps(c, ensure_ascii=False) + "\n")
    tmp.replace(out)
    log.info("exported %d feedback candidates from %s to %s", len(candidates), db_path, out)
    return len(candidates)
