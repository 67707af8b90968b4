"""Index faults, each actually done: a damaged or deleted index while the app is stopped, two ingests at once,
an ingest killed with SIGKILL in the middle of its build.

Builds here use the real e5 vectors of the session index (CachedEmbeddings, or the sitecustomize shim in
subprocesses), so a rebuild takes a second instead of a minute; the lifecycle under test is unchanged. The
SIGKILL test runs the real, slow embedder, so that the kill surely lands mid-build.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

from assistant.service import AssistantService
from assistant.settings import Settings
from tests.paths import FLAGSHIP, SOURCE
from tests.reliability_support import PY, ROOT, CachedEmbeddings, document_vectors, shim_env

QUESTION = "单个项目投资规模有什么要求？"


@pytest.fixture(scope="module")
def vectors(service) -> dict[str, list[float]]:
    return document_vectors(service)


def make_service(data_dir: Path, service: AssistantService, vectors: dict[str, list[float]]) -> AssistantService:
    """A new 'start' of the app on data_dir (never opened before in this process), with cached vectors."""
    svc = AssistantService(Settings(data_dir=data_dir))
    svc.__dict__["embeddings"] = CachedEmbeddings(service.embeddings, vectors)
    return svc


@pytest.fixture(scope="module")
def base_index(tmp_path_factory, service, vectors) -> Path:
    data = tmp_path_factory.mktemp("index-base") / "data"
    make_service(data, service, vectors).ingest()
    return data


@pytest.fixture()
def data_dir(tmp_path, base_index) -> Path:
    """A copy of a healthy, stopped index."""
    data = tmp_path / "data"
    shutil.copytree(base_index, data)
    return data


def index_root(data: Path) -> Path:
    """Where the flagship notice's index lives under a data folder: one folder per notice and text version."""
    return data / "index" / FLAGSHIP.name / hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:12]


def live_build(data: Path) -> Path:
    return index_root(data) / "builds" / (index_root(data) / "CURRENT").read_text().strip()


def builds(data: Path) -> list[str]:
    return sorted(p.name for p in (index_root(data) / "builds").iterdir())


# -- the faults ---------------------------------------------------------------------------
def delete_build_folder(data: Path) -> None:
    shutil.rmtree(live_build(data))


def truncate_db(fraction: float) -> Callable[[Path], None]:
    def fault(data: Path) -> None:
        db = live_build(data) / "chroma.sqlite3"
        with open(db, "r+b") as fh:
            fh.truncate(int(db.stat().st_size * fraction))

    return fault


def garbage_over_header(data: Path) -> None:
    db = live_build(data) / "chroma.sqlite3"
    with open(db, "r+b") as fh:
        fh.write(os.urandom(4096))


def garbage_in_every_page(data: Path) -> None:
    """Garbage over the first bytes of every page after the first: b-tree page headers, not the file header."""
    db = live_build(data) / "chroma.sqlite3"
    raw = bytearray(db.read_bytes())
    page = int.from_bytes(raw[16:18], "big") or 65536
    for offset in range(page, len(raw), page):
        raw[offset : offset + 12] = b"\xa5" * 12
    db.write_bytes(bytes(raw))


def garbage_manifest(data: Path) -> None:
    (live_build(data) / "manifest.json").write_bytes(b"\x00\xff{not json")


def garbage_pointer(data: Path) -> None:
    (index_root(data) / "CURRENT").write_bytes(b"\xff\xfe garbage \x00")


FAULTS = {
    "build-folder-deleted": delete_build_folder,
    "sqlite-truncated-to-a-third": truncate_db(1 / 3),
    "sqlite-truncated-to-zero": truncate_db(0),
    "garbage-over-sqlite-header": garbage_over_header,
    "garbage-in-every-sqlite-page": garbage_in_every_page,
    "manifest-garbage": garbage_manifest,
    "pointer-garbage": garbage_pointer,
}


@pytest.mark.parametrize("fault", list(FAULTS.values()), ids=list(FAULTS))
def test_damaged_index_is_rebuilt_at_next_start_with_a_warning(fault, data_dir, service, vectors, caplog):
    broken = live_build(data_dir).name
    fault(data_dir)
    caplog.set_level(logging.INFO, logger="retrieval.index")

    svc = make_service(data_dir, service, vectors)
    answer = svc.ask(QUESTION)

    assert answer.status == "answered" and answer.citations[0].id == "notice.3.4"
    assert svc.index.last_build_seconds is not None  # rebuilt, not opened
    warnings = [r.getMessage() for r in caplog.records if r.name == "retrieval.index" and r.levelno == logging.WARNING]
    assert warnings and all("rebuilt" in w for w in warnings), warnings
    assert builds(data_dir) == [live_build(data_dir).name] != [broken]  # the broken build is gone
    with sqlite3.connect(live_build(data_dir) / "chroma.sqlite3") as conn:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"


def test_deleted_index_folder_is_built_again(data_dir, service, vectors, caplog):
    shutil.rmtree(data_dir / "index")
    caplog.set_level(logging.INFO, logger="retrieval.index")
    svc = make_service(data_dir, service, vectors)
    assert svc.ask(QUESTION).citations[0].id == "notice.3.4"
    assert svc.index.last_build_seconds is not None
    assert any("no usable index" in r.getMessage() for r in caplog.records)  # a first start: info, not a warning


def test_healthy_copy_is_opened_without_rebuild(data_dir, service, vectors, caplog):
    caplog.set_level(logging.WARNING, logger="retrieval.index")
    svc = make_service(data_dir, service, vectors)
    assert svc.ask(QUESTION).citations[0].id == "notice.3.4"
    assert svc.index.last_build_seconds is None and not caplog.records


# -- concurrent ingests --------------------------------------------------------------------
def test_two_ingest_rebuilds_at_once_are_serialised_by_the_lock(tmp_path, data_dir, service, vectors):
    batch_log = tmp_path / "batches.log"
    env = shim_env(tmp_path / "shim", vectors, embed_delay="0.2", embed_log=str(batch_log))
    env["DATA_DIR"] = str(data_dir)
    # Each its own embedding cache: otherwise the second build finds every vector the first one made.
    procs = [subprocess.Popen([PY, "app.py", "ingest", "--rebuild", "--notice", FLAGSHIP.name], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**env, "EMBEDDING_CACHE": str(tmp_path / f"cache{n}.sqlite")}, text=True)
             for n in range(2)]
    outs = [p.communicate(timeout=240) for p in procs]

    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
        assert "index ready:" in out and "Traceback" not in err
    batches: dict[str, list[float]] = {}
    asked: dict[str, float] = {}
    for line in batch_log.read_text().splitlines():
        kind, pid, start, end = line.split()
        if kind == "batch":
            batches.setdefault(pid, []).extend([float(start), float(end)])
        else:
            asked.setdefault(pid, float(start))  # the first time this process asked for the build lock
    assert len(batches) == 2, "both processes built"
    first, second = sorted(batches, key=lambda pid: min(batches[pid]))
    assert max(batches[first]) <= min(batches[second]), "the two builds overlapped"
    assert asked[second] < max(batches[first]), "the second process asked for the lock while the first built"
    assert len(builds(data_dir)) == 1 and not [b for b in builds(data_dir) if b.startswith(".")]
    svc = make_service(data_dir, service, vectors)
    assert svc.ask(QUESTION).citations[0].id == "notice.3.4"
    assert svc.index.last_build_seconds is None  # the index both left behind is fresh and usable


# -- SIGKILL mid-build ---------------------------------------------------------------------
def test_ingest_killed_mid_build_leaves_the_previous_index_usable(tmp_path, data_dir, service, vectors):
    before = (index_root(data_dir) / "CURRENT").read_text()
    live = live_build(data_dir).name
    stderr_file = tmp_path / "ingest.err"
    env = {**os.environ, "DATA_DIR": str(data_dir)}  # the real (slow) embedder
    with open(stderr_file, "w") as err:
        proc = subprocess.Popen([PY, "app.py", "ingest", "--rebuild", "--notice", FLAGSHIP.name], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 120
            # Wait until the first batch of passages is in the new build, then kill.
            while not re.search(r"\b16/\d+", stderr_file.read_text(errors="replace")):
                assert proc.poll() is None, stderr_file.read_text()[-2000:]
                assert time.monotonic() < deadline, "the build did not start"
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == -signal.SIGKILL
    leftovers = [b for b in builds(data_dir) if b.startswith(".tmp-")]
    assert leftovers, "the kill landed mid-build: its temporary folder is still there"
    assert (index_root(data_dir) / "CURRENT").read_text() == before

    with FileLock(str(index_root(data_dir) / ".build.lock"), timeout=5):
        pass  # the dead process's lock is released
    svc = make_service(data_dir, service, vectors)
    assert svc.ask(QUESTION).citations[0].id == "notice.3.4"
    assert svc.index.last_build_seconds is None  # the previous build, opened as is

    svc.ingest(rebuild=True)  # the next build clears what the killed one left
    assert builds(data_dir) == [live_build(data_dir).name] and live_build(data_dir).name != live
