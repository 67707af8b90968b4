"""Staff accounts with roles, sessions any replica accepts, shared login throttling and the audit log,
on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import subprocess
import sys

import bcrypt
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from store.db import make_engine, migrate, open_database
from store.schema import audit_event, staff_account, staff_session
from store.staff import AccountError, StaffDirectory
from tests.paths import ROOT
from web.staff import BAD_LOGIN, EXPIRED, StaffAuth, StaffAuthError

PASSWORD = "correct horse 1"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def replica(url: str, clock: Clock | None = None, **kw) -> StaffAuth:
    """A StaffAuth as one app replica builds it: its own engine on the shared database."""
    engine = make_engine(url)
    migrate(engine)
    return StaffAuth(None, None, session_minutes=kw.pop("session_minutes", 60), clock=clock,
                     directory=StaffDirectory(engine), **kw)


def test_accounts_are_stored_with_bcrypt_hashes_and_roles(database_url):
    directory = StaffDirectory(open_database(database_url))
    directory.add("alice", PASSWORD, "editor")
    directory.add("bob", PASSWORD, "reviewer")
    with pytest.raises(AccountError, match="已存在"):
        directory.add("alice", PASSWORD, "editor")
    with pytest.raises(AccountError, match="角色"):
        directory.add("carol", PASSWORD, "admin")
    with pytest.raises(AccountError, match="8"):
        directory.add("carol", "short", "editor")
    assert [(a.username, a.role) for a in directory.accounts()] == [("alice", "editor"), ("bob", "reviewer")]
    with directory.engine.connect() as conn:
        stored = conn.execute(select(staff_account.c.password_hash)).scalars().all()
    assert all(h.startswith("$2b$") and PASSWORD not in h for h in stored)
    directory.remove("bob")
    with pytest.raises(AccountError, match="没有账号"):
        directory.remove("bob")


def test_roles_an_editor_publishes_a_reviewer_only_checks(database_url):
    auth = replica(database_url)
    auth.directory.add("ed", PASSWORD, "editor")
    auth.directory.add("rev", PASSWORD, "reviewer")
    ed, rev = auth.login("ed", PASSWORD), auth.login("rev", PASSWORD)
    assert auth.require(ed, "editor") == "ed" and auth.require(ed, "reviewer") == "ed"
    assert auth.require(rev, "reviewer") == "rev"
    with pytest.raises(StaffAuthError, match="无权"):
        auth.require(rev, "editor")


def test_a_session_from_one_replica_works_on_another_and_logout_holds_everywhere(database_url, clock):
    a, b = replica(database_url, clock), replica(database_url, clock)
    a.directory.add("alice", PASSWORD, "editor")
    token = a.login("alice", PASSWORD, "10.0.0.1")
    assert b.require(token) == "alice"
    b.logout(token)
    with pytest.raises(StaffAuthError):
        a.require(token)
    token = a.login("alice", PASSWORD)
    clock.now += 3601  # past the 60-minute session on both replicas
    with pytest.raises(StaffAuthError, match=EXPIRED):
        b.require(token)
    with a.directory.engine.connect() as conn:
        assert token not in " ".join(conn.execute(select(staff_session.c.token_sha256)).scalars())


def test_a_new_password_ends_the_sessions(database_url):
    auth = replica(database_url)
    auth.directory.add("alice", PASSWORD, "editor")
    token = auth.login("alice", PASSWORD)
    auth.directory.set_password("alice", "another password")
    with pytest.raises(StaffAuthError):
        auth.require(token)
    with pytest.raises(StaffAuthError, match=BAD_LOGIN):
        auth.login("alice", PASSWORD)
    assert auth.require(auth.login("alice", "another password")) == "alice"


def test_throttling_is_shared_and_the_31st_guess_costs_no_bcrypt(database_url, clock, monkeypatch):
    a, b = replica(database_url, clock, free_failures=5, lockout_s=900), replica(database_url, clock,
                                                                                free_failures=5, lockout_s=900)
    a.directory.add("alice", PASSWORD, "editor")
    checks = []
    real = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda pw, h: checks.append(1) or real(pw, h))
    refused_early = 0
    for n in range(30):
        auth = a if n % 2 else b  # guesses spread over two replicas
        try:
            auth.login("alice", f"guess {n}", "203.0.113.9")
        except StaffAuthError as exc:
            refused_early += str(exc) != BAD_LOGIN
    assert len(checks) == 5 and refused_early == 25  # only the free tries were checked
    checks.clear()
    with pytest.raises(StaffAuthError, match="秒后再试"):
        a.login("alice", PASSWORD, "203.0.113.9")  # the 31st try, even with the right password
    assert checks == []
    clock.now += 901
    assert a.require(a.login("alice", PASSWORD, "203.0.113.9")) == "alice"


def test_logins_failures_locks_and_logouts_are_audited_without_secrets(database_url, clock):
    auth = replica(database_url, clock, free_failures=2)
    auth.directory.add("alice", PASSWORD, "editor")
    for _ in range(2):
        with pytest.raises(StaffAuthError):
            auth.login("alice", "wrong password", "198.51.100.7")
    clock.now += 10
    token = auth.login("alice", PASSWORD, "198.51.100.7")
    auth.logout(token, "198.51.100.7")
    with auth.directory.engine.connect() as conn:
        rows = conn.execute(select(audit_event).order_by(audit_event.c.id)).mappings().all()
    assert [r["action"] for r in rows] == ["login_failed", "login_failed", "locked", "login", "logout"]
    assert all(r["actor"] == "alice" and r["client"] == "198.51.100.7" for r in rows)
    text = " ".join(str(v) for r in rows for v in r.values())
    assert PASSWORD not in text and "wrong password" not in text and token not in text


def test_the_bootstrap_account_from_settings_still_logs_in(database_url):
    hashed = SecretStr(bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode())
    auth = StaffAuth("boot", hashed, directory=StaffDirectory(open_database(database_url)))
    assert auth.require(auth.login("boot", PASSWORD), "editor") == "boot"


def test_migrating_again_keeps_every_row(database_url):
    engine = open_database(database_url)
    StaffDirectory(engine).add("alice", PASSWORD, "editor")
    migrate(engine)
    migrate(make_engine(database_url))
    assert [a.username for a in StaffDirectory(engine).accounts()] == ["alice"]


def test_staff_cli_add_list_passwd_remove(tmp_path):
    env = {**os.environ, "DATA_DIR": str(tmp_path), "STAFF_USERNAME": ""}

    def app(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "app.py", "staff", *args], input=stdin, capture_output=True,
                              text=True, env=env, cwd=ROOT, timeout=120)

    assert app("add", "alice", "--role", "reviewer", "--password-stdin", stdin=PASSWORD + "\n").returncode == 0
    listed = app("list")
    assert "alice\treviewer" in listed.stdout and PASSWORD not in listed.stdout
    short = app("add", "bob", "--role", "editor", "--password-stdin", stdin="x\n")
    assert short.returncode == 2 and "8" in short.stderr and "Traceback" not in short.stderr
    assert app("passwd", "alice", "--password-stdin", stdin="a new password\n").returncode == 0
    assert app("remove", "alice").returncode == 0
    assert "staff_remove" in app("audit").stdout


def test_feedback_in_the_shared_database_from_two_replicas(database_url):
    from web.feedback import DatabaseFeedbackStore, FeedbackError, gold_candidates

    a, b = DatabaseFeedbackStore(database_url, replica="a"), DatabaseFeedbackStore(database_url, replica="b")
    answer = {"status": "answered", "answer": "「…」", "citations": [{"id": "notice.4.1", "quote": "…"}]}
    first = a.record("截止是哪天", [], answer, "up")
    second = b.record("材料交几份", [{"role": "user", "content": "你好"}], answer, "down", "answer_wrong", "不对")
    assert second > first
    rows = a.rows()
    assert [(r["question"], r["replica"]) for r in rows] == [("截止是哪天", "a"), ("材料交几份", "b")]
    assert rows[1]["citations"][0]["id"] == "notice.4.1" and rows[1]["history"][0]["content"] == "你好"
    assert [c["question"] for c in gold_candidates(b.rows("down"))] == ["材料交几份"]
    with pytest.raises(ValueError):
        a.record("q", [], answer, "meh")
    broken = DatabaseFeedbackStore("sqlite:////proc/no-such-dir/x.sqlite")
    with pytest.raises((FeedbackError, OSError)):
        broken.record("q", [], answer, "up")
