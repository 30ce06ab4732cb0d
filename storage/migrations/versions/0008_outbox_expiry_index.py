"""outbox expiry index: finding queued rows past their moment is one index range

``drop_outdated`` asks for pending rows whose ``expires_at`` has passed. With only a
single-column index on each, SQLite walked the status index (every pending row: 36–56 ms
at 100,000 rows, every claim round); (status, expires_at) answers it from one range.

Revision ID: 0008_outbox_expiry_index
Revises: 0007_outbox_expiry
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_outbox_expiry_index"
down_revision: str | None = "0007_outbox_expiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_expires_at")
        batch_op.create_index("ix_outbox_expiry", ["status", "expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_expiry")
        batch_op.create_index("ix_outbox_expires_at", ["expires_at"], unique=False)
