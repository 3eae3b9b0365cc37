"""feedback: readers' answers to suggestions; link_weeks: links per stage, once a week

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("consultant_id", sa.String(length=36), nullable=False),
        sa.Column("other_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period", "consultant_id", "other_id", "action"),
    )
    op.create_index(op.f("ix_feedback_consultant_id"), "feedback", ["consultant_id"])
    op.create_index(op.f("ix_feedback_other_id"), "feedback", ["other_id"])
    op.create_table(
        "link_weeks",
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("links", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week", "stage"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("link_weeks")
    op.drop_index(op.f("ix_feedback_other_id"), table_name="feedback")
    op.drop_index(op.f("ix_feedback_consultant_id"), table_name="feedback")
    op.drop_table("feedback")
