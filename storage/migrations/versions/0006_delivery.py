"""delivery: indexes that keep the outbox claim cheap under a large backlog

The claim reads due rows priority by priority in (not_before, id) order and stops at its
limit (ix_outbox_claim); whether an earlier row of the same chat is still active is one
index probe (ix_outbox_chat_queue). Without them a claim read every pending row.

Revision ID: 0006_delivery
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_delivery"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_claim", ["status", "priority", "not_before", "id"],
                              unique=False)
        batch_op.create_index("ix_outbox_chat_queue", ["chat_id", "status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_chat_queue")
        batch_op.drop_index("ix_outbox_claim")
