"""Data upgrades that need the encryption key, run after the Alembic migrations.

A migration does not hold the key, so rows written before migration 0004 keep a plain
invite code or a plain facilitator name until a process with the key starts: this hashes
the codes and encrypts the names, then clears the plain columns. Safe to run on every start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import FieldCipher
from storage.database import make_session_factory
from storage.models import AuditEntry, Facilitator, Invite


@dataclass(frozen=True)
class KeyedUpgrade:
    invites_hashed: int
    names_encrypted: int


async def keyed_upgrade(db: AsyncEngine, cipher: FieldCipher,
                        now: datetime | None = None) -> KeyedUpgrade:
    async with make_session_factory(db)() as session:
        invites = list(await session.scalars(
            select(Invite).where(Invite.code.is_not(None)).with_for_update()))
        facilitators = list(await session.scalars(
            select(Facilitator).where(Facilitator.name.is_not(None)).with_for_update()))
        if not invites and not facilitators:
            return KeyedUpgrade(0, 0)
        # A plain code, once hashed under a wrong key, is lost: prove the key reads what is
        # already encrypted before converting anything.
        sample = await session.scalar(
            select(Facilitator.name_enc).where(Facilitator.name_enc.is_not(None)).limit(1))
        if sample is not None:
            cipher.decrypt(sample)  # raises EncryptionKeyError with the wrong keys
        for invite in invites:
            assert invite.code is not None
            invite.code_hash, invite.code = cipher.keyed_hash(invite.code), None
        named = 0
        for facilitator in facilitators:
            assert facilitator.name is not None
            if facilitator.name_enc is None:
                facilitator.name_enc = cipher.encrypt(facilitator.name)
                named += 1
            facilitator.name = None
        result = KeyedUpgrade(len(invites), named)
        session.add(AuditEntry(at=now or datetime.now(UTC), actor="system",
                               action="storage.keyed_upgrade", participant_id=None,
                               detail={"invites_hashed": str(result.invites_hashed),
                                       "names_encrypted": str(result.names_encrypted)}))
        await session.commit()
        return result
