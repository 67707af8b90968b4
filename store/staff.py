"""Staff accounts (bcrypt hashes, roles), sessions any replica accepts, failed-login counts and the audit log."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import Literal

import bcrypt
from pydantic import BaseModel
from sqlalchemy import Engine, delete, insert, select, update

from store.schema import audit_event, login_failure, staff_account, staff_session

log = logging.getLogger(__name__)

Role = Literal["editor", "reviewer"]
ROLES: tuple[Role, ...] = ("editor", "reviewer")
# An editor may add and publish notices and run checks; a reviewer may run checks.
GRANTS: dict[str, frozenset[str]] = {"editor": frozenset({"editor", "reviewer"}), "reviewer": frozenset({"reviewer"})}
MAX_DETAIL_CHARS = 500


class AccountError(ValueError):
    """A staff account command that cannot be done; the message is for the operator."""


class Account(BaseModel):
    username: str
    role: Role
    created_at: float
    updated_at: float


class Session(BaseModel):
    username: str
    role: Role
    expires_at: float


class AuditEvent(BaseModel):
    at: float
    actor: str
    action: str
    detail: str
    client: str


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password or "") < 8:
        raise AccountError("密码至少 8 个字符。")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def check_username(username: str) -> str:
    name = (username or "").strip()
    if not (1 <= len(name) <= 64) or any(ch.isspace() for ch in name):
        raise AccountError("用户名须为 1–64 个字符，不含空格。")
    return name


class StaffDirectory:
    """The staff tables of one database. Every call is one short transaction, so replicas see each other's writes."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    # -- accounts ---------------------------------------------------------------
    def add(self, username: str, password: str, role: str) -> Account:
        name = check_username(username)
        if role not in ROLES:
            raise AccountError(f"角色须为 {' / '.join(ROLES)}。")
        hashed, now = hash_password(password), self.clock()
        with self.engine.begin() as conn:
            if conn.execute(select(staff_account.c.username).where(staff_account.c.username == name)).first():
                raise AccountError(f"账号 {name} 已存在。")
            conn.execute(insert(staff_account).values(username=name, password_hash=hashed, role=role,
                                                      created_at=now, updated_at=now))
        return Account(username=name, role=role, created_at=now, updated_at=now)

    def set_password(self, username: str, password: str) -> None:
        """A new password; every session of the account ends."""
        hashed = hash_password(password)
        with self.engine.begin() as conn:
            done = conn.execute(update(staff_account).where(staff_account.c.username == username)
                                .values(password_hash=hashed, updated_at=self.clock())).rowcount
            if not done:
                raise AccountError(f"没有账号 {username}。")
            conn.execute(delete(staff_session).where(staff_session.c.username == username))

    def remove(self, username: str) -> None:
        with self.engine.begin() as conn:
            if not conn.execute(delete(staff_account).where(staff_account.c.username == username)).rowcount:
                raise AccountError(f"没有账号 {username}。")
            conn.execute(delete(staff_session).where(staff_session.c.username == username))

    def has_accounts(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(staff_account.c.username).limit(1)).first() is not None

    def accounts(self) -> list[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(staff_account).order_by(staff_account.c.username)).mappings().all()
        return [Account.model_validate(dict(r)) for r in rows]

    def password_hash(self, username: str) -> tuple[bytes, str] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(staff_account.c.password_hash, staff_account.c.role)
                               .where(staff_account.c.username == username)).first()
        return (row[0].encode(), row[1]) if row else None

    # -- sessions -----------------------------------------------------------------
    def open_session(self, username: str, role: str, ttl_s: float) -> str:
        token, now = secrets.token_urlsafe(32), self.clock()
        with self.engine.begin() as conn:
            conn.execute(delete(staff_session).where(staff_session.c.expires_at <= now))
            conn.execute(insert(staff_session).values(token_sha256=_token_key(token), username=username, role=role,
                                                      created_at=now, expires_at=now + ttl_s))
        return token

    def session(self, token: str) -> Session | None:
        """The session for token (expired ones included: the caller says so), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(staff_session.c.username, staff_session.c.role, staff_session.c.expires_at)
                               .where(staff_session.c.token_sha256 == _token_key(token))).mappings().first()
        return Session.model_validate(dict(row)) if row else None

    def close_session(self, token: str) -> str | None:
        """Ends the session; the username it belonged to, or None."""
        key = _token_key(token)
        with self.engine.begin() as conn:
            row = conn.execute(select(staff_session.c.username).where(staff_session.c.token_sha256 == key)).first()
            conn.execute(delete(staff_session).where(staff_session.c.token_sha256 == key))
        return row[0] if row else None

    # -- failed logins ------------------------------------------------------------
    def failures(self, keys: list[str]) -> list[tuple[int, float]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(login_failure.c.count, login_failure.c.last_at)
                                .where(login_failure.c.key.in_(keys))).all()
        return [(int(c), float(t)) for c, t in rows]

    def record_failure(self, keys: list[str]) -> int:
        """One more failure for each key; the highest count after it."""
        now, highest = self.clock(), 0
        with self.engine.begin() as conn:
            for key in keys:
                row = conn.execute(select(login_failure.c.count).where(login_failure.c.key == key)).first()
                count = (int(row[0]) if row else 0) + 1
                if row:
                    conn.execute(update(login_failure).where(login_failure.c.key == key).values(count=count, last_at=now))
                else:
                    conn.execute(insert(login_failure).values(key=key, count=count, last_at=now))
                highest = max(highest, count)
        return highest

    def clear_failures(self, keys: list[str]) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(login_failure).where(login_failure.c.key.in_(keys)))

    # -- audit --------------------------------------------------------------------
    def audit(self, actor: str, action: str, detail: str = "", client: str = "") -> None:
        """Who did what, when, from where. Never a password or a token: callers pass names and slugs only."""
        with self.engine.begin() as conn:
            conn.execute(insert(audit_event).values(at=self.clock(), actor=(actor or "-")[:64], action=action[:32],
                                                    detail=(detail or "")[:MAX_DETAIL_CHARS], client=(client or "")[:100]))

    def audit_log(self, limit: int = 100) -> list[AuditEvent]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(audit_event).order_by(audit_event.c.id.desc()).limit(limit)).mappings().all()
        return [AuditEvent.model_validate(dict(r)) for r in rows]
