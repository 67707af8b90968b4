"""The feedback store under 50 concurrent writers (threads, then processes): no lost rows, and no
"database is locked" reaching a user, even while another connection holds the write lock.
"""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.reliability_support import PY, ROOT
from web.feedback import SAVE_FAILED, FeedbackError, FeedbackStore

WRITERS = 50
ROWS_EACH = 6
ANSWER = {"answer": "答", "status": "answered", "citations": [{"id": "notice.3.4", "quote": "不低于5000万元"}]}

# Loads web/feedback.py by path: importing the web package would import Gradio (seconds per process).
WORKER = r"""
import importlib.util, os, sys, time
spec = importlib.util.spec_from_file_location("feedback_under_test", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
store = mod.FeedbackStore(sys.argv[2])
n, rows, ready, go = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.005)
for i in range(rows):
    store.record(f"进程{n}-{i}", [], {"answer": "答", "citations": [{"id": "notice.3.4"}]},
                 "down" if i % 2 else "up", "answer_wrong" if i % 3 == 0 else "rating", f"备注{n}")
"""


class WriteLockHolder:
    """Another connection holding SQLite's write lock for a while (as a long export or a slow disk would)."""

    def __init__(self, db: Path, seconds: float) -> None:
        self.db, self.seconds = db, seconds
        self.holding = threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        with closing(sqlite3.connect(self.db, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            self.holding.set()
            time.sleep(self.seconds)
            conn.execute("COMMIT")

    def __enter__(self) -> WriteLockHolder:
        self.thread.start()
        self.holding.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join()


def assert_all_rows(db: Path, prefix: str) -> None:
    store = FeedbackStore(db)
    rows = store.rows()
    assert len(rows) == WRITERS * ROWS_EACH
    assert {r["question"] for r in rows} == {f"{prefix}{n}-{i}" for n in range(WRITERS) for i in range(ROWS_EACH)}
    assert len({r["id"] for r in rows}) == len(rows)
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_50_threads_lose_no_rows_while_the_lock_is_held(tmp_path, caplog):
    db = tmp_path / "feedback.db"
    store = FeedbackStore(db)
    store.init()
    errors: list[BaseException] = []
    barrier = threading.Barrier(WRITERS + 1)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(ROWS_EACH):
                store.record(f"线程{n}-{i}", [{"role": "user", "content": "上一问"}], ANSWER, "down" if i % 2 else "up")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def read_all_the_time(stop: threading.Event) -> None:
        while not stop.is_set():
            store.rows()  # readers never block writers in WAL mode
            time.sleep(0.01)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(WRITERS)]
    stop = threading.Event()
    reader = threading.Thread(target=read_all_the_time, args=(stop,))
    caplog.set_level(logging.WARNING, logger="web.feedback")
    for t in pool:
        t.start()
    reader.start()
    with WriteLockHolder(db, 1.0):
        barrier.wait()  # every writer starts while the lock is held
    for t in pool:
        t.join(60)
    stop.set()
    reader.join(10)
    assert errors == []
    assert not caplog.records  # nothing failed, so nothing was logged either
    assert_all_rows(db, "线程")


def test_50_processes_lose_no_rows_on_a_fresh_database_while_the_lock_is_held(tmp_path):
    db = tmp_path / "feedback.db"  # not created yet: the writers race to create it and switch it to WAL
    go = tmp_path / "go"
    procs = []
    for n in range(WRITERS):
        ready = tmp_path / f"ready-{n}"
        procs.append((ready, subprocess.Popen(
            [PY, "-c", WORKER, str(ROOT / "web/feedback.py"), str(db), str(n), str(ROWS_EACH), str(ready), str(go)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    try:
        deadline = time.monotonic() + 120
        while not all(ready.exists() for ready, _ in procs):
            assert time.monotonic() < deadline, "writers did not start"
            assert all(p.poll() is None for _, p in procs), [p.communicate()[1] for _, p in procs if p.poll()]
            time.sleep(0.05)
        with WriteLockHolder(db, 1.0):
            go.touch()  # every writer starts while another connection holds the write lock
        results = [p.communicate(timeout=120) for _, p in procs]
    finally:
        for _, p in procs:
            if p.poll() is None:
                p.kill()
    for (_, p), (_, err) in zip(procs, results, strict=True):
        assert p.returncode == 0 and "locked" not in err, err[-1500:]
    assert_all_rows(db, "进程")


def test_a_lock_held_past_the_timeout_gives_the_user_a_chinese_message(tmp_path, caplog):
    db = tmp_path / "feedback.db"
    FeedbackStore(db).init()
    impatient = FeedbackStore(db, busy_timeout_ms=200)
    with WriteLockHolder(db, 1.5), pytest.raises(FeedbackError) as info:
        impatient.record("问题", [], ANSWER, "up")
    assert str(info.value) == SAVE_FAILED and "locked" not in str(info.value)
    assert "database is locked" in caplog.text  # the cause is in the log, for the operator
    impatient.record("问题", [], ANSWER, "up")  # and the next attempt, once the lock is gone, succeeds
    assert len(impatient.rows()) == 1
