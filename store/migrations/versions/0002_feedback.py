"""Feedback on answers in the shared database (used when DATABASE_URL is set; the default stays the
SQLite file data/feedback.db, so an upgrade moves nothing).

Revision ID: 0002_feedback
Revises: 0001_staff
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_feedback"
down_revision = "0001_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("history", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("citations", sa.Text, nullable=False),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("app_version", sa.String(32), nullable=False),
        sa.Column("replica", sa.String(100), nullable=False, server_default=""),
        sa.CheckConstraint("rating IN ('up', 'down')", name="feedback_rating_valid"),
    )
    op.create_index("feedback_rating", "feedback", ["rating"])


def downgrade() -> None:
    op.drop_table("feedback")
