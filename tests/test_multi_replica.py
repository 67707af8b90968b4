"""Two app replicas behind one Chroma server and one PostgreSQL database, as deployed for scale-out:
a login on A works on B, feedback from both lands in one table, a notice published through A is answered
by B, and B keeps answering when A dies mid-request."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest
from sqlalchemy import create_engine, select

from store.schema import audit_event, feedback
from tests.paths import ROOT
from tests.reliability_support import CHROMA, PY, ChromaServer, free_port, wait_http

pytestmark = pytest.mark.slow
PASSWORD = "replica password 1"
NEW_NOTICE = ROOT / "eval/notices/xiaoshan-2021-major-sci-tech-call/source.txt"


class Replica:
    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name, self.port = name, free_port()
        with open(log, "ab") as fh:
            self.proc = subprocess.Popen([PY, "app.py", "--host", "127.0.0.1", "--port", str(self.port)], cwd=ROOT,
                                         env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}/"

    def client(self):
        from gradio_client import Client

        return Client(self.url, verbose=False)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(service, postgres_server, tmp_path_factory) -> Iterator[tuple[Replica, Replica, str]]:
    """Chroma server + PostgreSQL + two app processes sharing DATA_DIR (a shared volume for notice files)."""
    if not CHROMA.exists():
        pytest.fail("the chroma CLI is not installed next to this Python")
    from tests.postgres import fresh_database

    folder = tmp_path_factory.mktemp("cluster")
    chroma = ChromaServer(folder / "chroma", folder / "chroma.log")
    chroma.start()
    with fresh_database(postgres_server) as db_url:
        env = {**os.environ, "DATA_DIR": str(folder / "data"), "CHROMA_HOST": "127.0.0.1",
               "CHROMA_PORT": str(chroma.port), "DATABASE_URL": db_url, "STAFF_USERNAME": "boot",
               "STAFF_PASSWORD_HASH": bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode(),
               "GRADIO_ANALYTICS_ENABLED": "False"}
        a = Replica("a", env, folder / "a.log")
        b = Replica("b", env, folder / "b.log")
        try:
            for r in (a, b):
                wait_http(r.url, 300, r.proc)
            yield a, b, db_url
        finally:
            for r in (a, b):
                r.stop()
            chroma.stop()


def test_a_login_on_one_replica_works_on_the_other(cluster):
    a, b, db_url = cluster
    token = a.client().predict("boot", PASSWORD, api_name="/staff_login")
    report = b.client().predict(token, '{"kind": "project", "unit_type": "企业法人", "total_investment_wan": 3000}',
                                api_name="/staff_check")
    assert report["overall"] == "fail"
    b.client().predict(token, api_name="/staff_logout")
    with pytest.raises(Exception, match="请先登录"):
        a.client().predict(token, '{"kind": "project"}', api_name="/staff_check")
    with create_engine(db_url).connect() as conn:
        actions = conn.execute(select(audit_event.c.action)).scalars().all()
    assert "login" in actions and "logout" in actions


def test_feedback_from_both_replicas_lands_in_the_shared_database(cluster):
    a, b, db_url = cluster
    answer = a.client().predict("申报截止是什么时候？", [], None, api_name="/ask")
    assert answer["status"] == "answered"
    a.client().predict("申报截止是什么时候？", answer, "up", "rating", "", api_name="/feedback")
    b.client().predict("申报截止是什么时候？", answer, "down", "answer_wrong", "日期不对", api_name="/feedback")
    with create_engine(db_url).connect() as conn:
        rows = conn.execute(select(feedback.c.rating, feedback.c.replica)).all()
    assert sorted(r[0] for r in rows) == ["down", "up"] and len({r[1] for r in rows}) == 2


def test_a_notice_published_through_one_replica_is_answered_by_the_other(cluster):
    from gradio_client import handle_file

    a, b, db_url = cluster
    token = a.client().predict("boot", PASSWORD, api_name="/staff_login")
    slug = a.client().predict(token, handle_file(str(NEW_NOTICE)), "xiaoshan-call", api_name="/staff_add_notice")
    assert slug == "xiaoshan-call"
    answer = b.client().predict("纸质材料要交几份？", [], "xiaoshan-call", api_name="/ask")
    assert answer["status"] == "answered" and answer["notice"] == "xiaoshan-call"
    assert any("二份" in c["quote"] for c in answer["citations"])
    with create_engine(db_url).connect() as conn:
        published = conn.execute(select(audit_event.c.detail).where(audit_event.c.action == "publish")).scalars().all()
    assert any(d.startswith("xiaoshan-call ") for d in published)


def test_the_other_replica_keeps_answering_when_one_dies_mid_request(cluster):
    a, b, _ = cluster
    pending = threading.Thread(target=lambda: _swallow(lambda: a.client().predict(
        "材料最迟什么时候交？还有，一个项目3000万能报吗", [], None, api_name="/ask")), daemon=True)
    pending.start()
    a.stop(signal.SIGKILL)
    answer = b.client().predict("单个项目投资规模有什么要求？", [], None, api_name="/ask")
    assert answer["status"] == "answered" and "5000万元" in answer["answer"]
    pending.join(timeout=30)


def _swallow(call) -> None:
    try:
        call()
    except Exception:  # noqa: BLE001 - the replica was killed under this request on purpose
        pass
