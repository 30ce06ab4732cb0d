"""Repositories for what participants write with the tools: journal, reflections, Time Outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import JournalEntry, Reflection, TimeOutSession


class Journal:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, entry: JournalEntry) -> bool:
        """Store an entry unless one with the same ref exists (a redelivered update)."""
        existing = await self.session.scalar(select(JournalEntry.id).where(
            JournalEntry.participant_id == entry.participant_id, JournalEntry.ref == entry.ref))
        if existing is not None:
            return False
        self.session.add(entry)
        await self.session.flush()
        return True

    async def get(self, participant_id: int, entry_id: int) -> JournalEntry | None:
        """Only ever this participant's entry: ownership is part of the query."""
        return await self.session.scalar(select(JournalEntry).where(
            JournalEntry.id == entry_id, JournalEntry.participant_id == participant_id))

    async def recent(self, participant_id: int, limit: int = 10) -> list[JournalEntry]:
        query = (select(JournalEntry).where(JournalEntry.participant_id == participant_id)
                 .order_by(JournalEntry.created_at.desc(), JournalEntry.id.desc()).limit(limit))
        return list(await self.session.scalars(query))

    async def delete(self, participant_id: int, entry_id: int) -> bool:
        result = await self.session.execute(delete(JournalEntry).where(
            JournalEntry.id == entry_id, JournalEntry.participant_id == participant_id))
        return bool(getattr(result, "rowcount", 0))

    async def delete_all(self, participant_id: int) -> None:
        await self.session.execute(
            delete(JournalEntry).where(JournalEntry.participant_id == participant_id))


class Reflections:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, reflection: Reflection) -> bool:
        existing = await self.by_ref(reflection.participant_id, reflection.ref)
        if existing is not None:
            return False
        self.session.add(reflection)
        await self.session.flush()
        return True

    async def by_ref(self, participant_id: int, ref: str) -> Reflection | None:
        return await self.session.scalar(select(Reflection).where(
            Reflection.participant_id == participant_id, Reflection.ref == ref))

    async def delete_all(self, participant_id: int) -> None:
        await self.session.execute(
            delete(Reflection).where(Reflection.participant_id == participant_id))


class TimeOuts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, session_row: TimeOutSession) -> bool:
        existing = await self.by_ref(session_row.participant_id, session_row.ref)
        if existing is not None:
            return False
        self.session.add(session_row)
        await self.session.flush()
        return True

    async def by_ref(self, participant_id: int, ref: str) -> TimeOutSession | None:
        return await self.session.scalar(select(TimeOutSession).where(
            TimeOutSession.participant_id == participant_id, TimeOutSession.ref == ref))

    async def latest_open(self, participant_id: int) -> TimeOutSession | None:
        return await self.session.scalar(
            select(TimeOutSession)
            .where(TimeOutSession.participant_id == participant_id,
                   TimeOutSession.ended_at.is_(None))
            .order_by(TimeOutSession.started_at.desc()).limit(1))

    async def count_since(self, participant_id: int, since: datetime) -> int:
        return int(await self.session.scalar(
            select(func.count(TimeOutSession.id)).where(
                TimeOutSession.participant_id == participant_id,
                TimeOutSession.started_at >= since)) or 0)
