"""reliability and privacy: outbox leases, skipped updates, key check, hashed invites,
encrypted facilitator names, facilitator deactivation, recent text for screening context

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Data that needs the encryption key (the key-check value, hashing invite codes that are still
stored plainly, encrypting facilitator names) cannot be written here: a migration does not
hold the key. ``storage.keyed_upgrade`` does it on the first start with the key.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_lease_until"), ["lease_until"], unique=False)
    with op.batch_alter_table("facilitator", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("name", existing_type=sa.String(length=100), nullable=True)
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_invite_code_hash"), ["code_hash"], unique=True)
        batch_op.alter_column("code", existing_type=sa.String(length=32), nullable=True)
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recent_text_enc", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("recent_text_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "skipped_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("error", sa.String(length=100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("skipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_skipped_update")),
    )


def downgrade() -> None:
    op.drop_table("skipped_update")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_column("recent_text_at")
        batch_op.drop_column("recent_text_enc")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.alter_column("code", existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_index(batch_op.f("ix_invite_code_hash"))
        batch_op.drop_column("code_hash")
    with op.batch_alter_table("facilitator", schema=None) as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("name_enc")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_lease_until"))
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
