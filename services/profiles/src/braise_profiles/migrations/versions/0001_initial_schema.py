"""initial schema

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""

    op.create_table(
        "consultants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("day_of_week", sa.String(length=10), nullable=False),
        sa.Column("suggestable", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key"),
    )
    op.create_table(
        "interactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("initiator_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index("ix_outbox_unpublished", ["published_at", "seq"], unique=False)

    op.create_table(
        "consultant_tags",
        sa.Column("consultant_id", sa.Uuid(), nullable=False),
        sa.Column("facet", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["consultant_id"], ["consultants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("consultant_id", "facet", "key"),
    )
    with op.batch_alter_table("consultant_tags", schema=None) as batch_op:
        batch_op.create_index("ix_consultant_tags_facet_key", ["facet", "key"], unique=False)

    op.create_table(
        "interaction_participants",
        sa.Column("interaction_id", sa.Uuid(), nullable=False),
        sa.Column("consultant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["consultant_id"], ["consultants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["interaction_id"], ["interactions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("interaction_id", "consultant_id"),
    )
    with op.batch_alter_table("interaction_participants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interaction_participants_consultant", ["consultant_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""

    with op.batch_alter_table("interaction_participants", schema=None) as batch_op:
        batch_op.drop_index("ix_interaction_participants_consultant")

    op.drop_table("interaction_participants")
    with op.batch_alter_table("consultant_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_consultant_tags_facet_key")

    op.drop_table("consultant_tags")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unpublished")
        batch_op.drop_index(batch_op.f("ix_outbox_subject_id"))

    op.drop_table("outbox")
    op.drop_table("interactions")
    op.drop_table("idempotency_keys")
    op.drop_table("consultants")
