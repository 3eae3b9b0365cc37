"""digests.prepared: the message as written before it is handed to SMTP, kept until the row is
final, so that an attempt cut short after the server may have accepted it sends it again as it
was instead of composing another (or none)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prepared", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_column("prepared")
