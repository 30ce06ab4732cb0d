"""Repositories: the only place that writes SQL for the domain's records."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import EncryptionKeyError, FieldCipher
from storage.models import (
    AuditEntry,
    CheckIn,
    Conversation,
    Facilitator,
    Invite,
    Participant,
    ProcessedUpdate,
    SkippedUpdate,
    StartAttempt,
)


def _need(cipher: FieldCipher | None) -> FieldCipher:
    if cipher is None:
        raise EncryptionKeyError("STEADY_ENCRYPTION_KEY is needed for this")
    return cipher


class Facilitators:
    """Facilitators. Names are encrypted; a deactivated facilitator is not one any more."""

    def __init__(self, session: AsyncSession, cipher: FieldCipher | None = None) -> None:
        self.session = session
        self._cipher = cipher

    async def by_telegram_id(self, telegram_user_id: int, *,
                             include_deactivated: bool = False) -> Facilitator | None:
        query = select(Facilitator).where(Facilitator.telegram_user_id == telegram_user_id)
        if not include_deactivated:
            query = query.where(Facilitator.deactivated_at.is_(None))
        return await self.session.scalar(query)

    async def get(self, facilitator_id: int) -> Facilitator | None:
        return await self.session.get(Facilitator, facilitator_id)

    async def add(self, telegram_user_id: int, name: str, now: datetime) -> Facilitator:
        facilitator = Facilitator(telegram_user_id=telegram_user_id,
                                  name_enc=_need(self._cipher).encrypt(name), created_at=now)
        self.session.add(facilitator)
        await self.session.flush()
        return facilitator

    def name_of(self, facilitator: Facilitator) -> str:
        """The facilitator's name, decrypted (or a legacy plain name not yet converted)."""
        if facilitator.name_enc is not None:
            return _need(self._cipher).decrypt(facilitator.name_enc)
        return facilitator.name or ""

    async def all(self) -> list[Facilitator]:
        return list(await self.session.scalars(select(Facilitator).order_by(Facilitator.id)))

    async def participants_of(self, facilitator_id: int) -> list[Participant]:
        query = select(Participant).where(Participant.facilitator_id == facilitator_id)
        return list(await self.session.scalars(query.order_by(Participant.id)))


class Participants:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_telegram_id(self, telegram_user_id: int) -> Participant | None:
        return await self.session.scalar(
            select(Participant).where(Participant.telegram_user_id == telegram_user_id)
        )

    async def get(self, participant_id: int) -> Participant | None:
        return await self.session.get(Participant, participant_id)

    async def by_chat_id(self, chat_id: int) -> Participant | None:
        return await self.session.scalar(select(Participant).where(Participant.chat_id == chat_id))

    async def add(self, participant: Participant) -> Participant:
        self.session.add(participant)
        await self.session.flush()
        return participant

    async def with_daily_checkin(self) -> list[Participant]:
        query = select(Participant).where(
            Participant.checkin_time.is_not(None), Participant.checkin_time != ""
        )
        return list(await self.session.scalars(query))


class Invites:
    """Invites. Only a keyed hash of the code is stored, so a database copy redeems nothing."""

    def __init__(self, session: AsyncSession, cipher: FieldCipher | None = None) -> None:
        self.session = session
        self._cipher = cipher

    async def by_code(self, code: str) -> Invite | None:
        hashes = _need(self._cipher).keyed_hashes(code)  # every key: rotation keeps old invites
        return await self.session.scalar(select(Invite).where(Invite.code_hash.in_(hashes)))

    async def get(self, invite_id: int) -> Invite | None:
        return await self.session.get(Invite, invite_id)

    async def add(self, code: str, facilitator_id: int, alias: str, start_date: date | None,
                  now: datetime, valid_for: timedelta) -> Invite:
        invite = Invite(code_hash=_need(self._cipher).keyed_hash(code),
                        facilitator_id=facilitator_id, alias=alias,
                        start_date=start_date, created_at=now, expires_at=now + valid_for)
        self.session.add(invite)
        await self.session.flush()
        return invite

    async def unused_from(self, facilitator_id: int, now: datetime) -> list[Invite]:
        query = select(Invite).where(Invite.facilitator_id == facilitator_id,
                                     Invite.used_at.is_(None), Invite.expires_at > now)
        return list(await self.session.scalars(query.order_by(Invite.id)))


class Conversations:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, telegram_user_id: int) -> Conversation | None:
        return await self.session.get(Conversation, telegram_user_id)

    async def add(self, conversation: Conversation) -> None:
        self.session.add(conversation)

    async def delete(self, conversation: Conversation) -> None:
        await self.session.delete(conversation)


class CheckIns:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, participant_id: int, ref: str, colour: str, at: datetime) -> None:
        existing = await self.by_ref(participant_id, ref)
        if existing is None:
            self.session.add(CheckIn(participant_id=participant_id, ref=ref, colour=colour,
                                     created_at=at))
            await self.session.flush()

    async def by_ref(self, participant_id: int, ref: str) -> CheckIn | None:
        return await self.session.scalar(
            select(CheckIn).where(CheckIn.participant_id == participant_id, CheckIn.ref == ref)
        )

    async def for_participant(self, participant_id: int) -> list[CheckIn]:
        query = select(CheckIn).where(CheckIn.participant_id == participant_id)
        return list(await self.session.scalars(query.order_by(CheckIn.created_at, CheckIn.id)))


class ProcessedUpdates:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seen(self, update_id: int) -> bool:
        return await self.session.get(ProcessedUpdate, update_id) is not None

    async def mark(self, update_id: int, now: datetime) -> None:
        self.session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
        await self.session.flush()

    async def forget_before(self, cutoff: datetime) -> None:
        await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
        )


class StartAttempts:
    """Counts wrong invite codes per user in a sliding window, for throttling."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def failures(self, telegram_user_id: int, now: datetime, window: timedelta) -> int:
        row = await self.session.get(StartAttempt, telegram_user_id)
        if row is None or now - row.window_started_at > window:
            return 0
        return row.failures

    async def record_failure(self, telegram_user_id: int, now: datetime,
                             window: timedelta) -> int:
        row = await self.session.get(StartAttempt, telegram_user_id)
        if row is None:
            row = StartAttempt(telegram_user_id=telegram_user_id, window_started_at=now,
                               failures=0)
            self.session.add(row)
        elif now - row.window_started_at > window:
            row.window_started_at, row.failures = now, 0
        row.failures += 1
        await self.session.flush()
        return row.failures

    async def forget_before(self, cutoff: datetime) -> None:
        await self.session.execute(
            delete(StartAttempt).where(StartAttempt.window_started_at < cutoff))

    async def clear(self, telegram_user_id: int) -> None:
        await self.session.execute(
            delete(StartAttempt).where(StartAttempt.telegram_user_id == telegram_user_id)
        )


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, at: datetime, actor: str, action: str, participant_id: int | None = None,
                  detail: dict[str, Any] | None = None) -> None:
        self.session.add(AuditEntry(at=at, actor=actor, action=action,
                                    participant_id=participant_id, detail=detail or {}))

    async def entries(self, participant_id: int | None = None) -> list[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if participant_id is not None:
            query = query.where(AuditEntry.participant_id == participant_id)
        return list(await self.session.scalars(query))


class SkippedUpdates:
    """Updates given up on after every retry: ids, kind and error class only, never text."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, update_id: int, kind: str, error: str, attempts: int,
                     now: datetime) -> None:
        row = await self.session.get(SkippedUpdate, update_id)
        if row is None:
            self.session.add(SkippedUpdate(update_id=update_id, kind=kind[:32],
                                           error=error[:100], attempts=attempts,
                                           skipped_at=now))
        else:
            row.kind, row.error, row.attempts, row.skipped_at = (
                kind[:32], error[:100], attempts, now)
        await self.session.flush()

    async def listing(self) -> list[SkippedUpdate]:
        return list(await self.session.scalars(
            select(SkippedUpdate).order_by(SkippedUpdate.update_id)))
