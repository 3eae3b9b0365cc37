"""recipients.resume_on: the day a consultant's pause of digests ends, and its revision

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resume_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("resume_revision", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_column("resume_revision")
        batch_op.drop_column("resume_on")
