"""resume_on: the day a consultant's pause of digests ends

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("consultants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resume_on", sa.Date(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("consultants", schema=None) as batch_op:
        batch_op.drop_column("resume_on")
