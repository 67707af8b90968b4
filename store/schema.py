"""Tables (SQLAlchemy Core). A change here comes with a new migration in store/migrations/versions."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Float, Integer, MetaData, String, Table, Text

metadata = MetaData()

staff_account = Table(
    "staff_account", metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(100), nullable=False),  # bcrypt, never the password
    Column("role", String(16), nullable=False),  # editor | reviewer
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

staff_session = Table(
    "staff_session", metadata,
    Column("token_sha256", String(64), primary_key=True),  # the token itself is never stored
    Column("username", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

login_failure = Table(
    "login_failure", metadata,
    Column("key", String(200), primary_key=True),  # user:<name> or addr:<client>
    Column("count", Integer, nullable=False),
    Column("last_at", Float, nullable=False),
)

audit_event = Table(
    "audit_event", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("client", String(100), nullable=False, default=""),
)

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("history", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),
    Column("rating", String(8), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("comment", Text, nullable=False, server_default=""),
    Column("app_version", String(32), nullable=False),
    Column("replica", String(100), nullable=False, server_default=""),  # which app process took it
    CheckConstraint("rating IN ('up', 'down')", name="feedback_rating_valid"),
)
