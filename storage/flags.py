"""Flags and programme settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Flag, Setting

TEAM_CHAT = "team_chat_id"
LIVE = ("open", "acknowledged", "escalated")


class Flags:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, flag: Flag) -> Flag:
        self.session.add(flag)
        await self.session.flush()
        return flag

    async def get(self, flag_id: int) -> Flag | None:
        return await self.session.get(Flag, flag_id)

    async def recent_live(self, participant_id: int, since: datetime) -> Flag | None:
        """The participant's latest live flag raised since ``since`` (for grouping).

        Measured from the flag's creation, so the window cannot be kept open for ever by
        a stream of messages; a closed flag never takes new messages."""
        query = (select(Flag)
                 .where(Flag.participant_id == participant_id, Flag.status.in_(LIVE),
                        Flag.created_at >= since)
                 .order_by(Flag.id.desc()).limit(1))
        return await self.session.scalar(query)

    async def due_for_escalation(self, now: datetime) -> list[Flag]:
        query = (select(Flag)
                 .where(Flag.status == "open", Flag.escalate_at <= now)
                 .order_by(Flag.id).with_for_update(skip_locked=True))
        return list(await self.session.scalars(query))

    async def listing(self, only_open: bool = False) -> list[Flag]:
        query = select(Flag).order_by(Flag.id)
        if only_open:
            query = query.where(Flag.status.in_(("open", "escalated")))
        return list(await self.session.scalars(query))


class Settings:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> str | None:
        row = await self.session.get(Setting, key)
        return row.value if row else None

    async def put(self, key: str, value: str) -> None:
        row = await self.session.get(Setting, key)
        if row is None:
            self.session.add(Setting(key=key, value=value))
        else:
            row.value = value
        await self.session.flush()

    async def team_chat_id(self) -> int | None:
        value = await self.get(TEAM_CHAT)
        return int(value) if value else None
