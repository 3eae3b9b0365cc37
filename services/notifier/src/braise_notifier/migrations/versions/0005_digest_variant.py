"""digests.variant: which subject and opening a digest used, so the next one differs

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_column("variant")
