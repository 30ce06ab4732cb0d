"""Admin operations behind the CLI, kept apart from typer so tests can call them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from storage.uow import UnitOfWork


class AdminError(Exception):
    """A clear, user-facing reason an admin command cannot go ahead."""


@dataclass(frozen=True)
class NewInvite:
    code: str
    alias: str
    expires_at: datetime


async def add_facilitator(uow: UnitOfWork, telegram_id: int, name: str, now: datetime) -> int:
    name = name.strip()
    if not name:
        raise AdminError("--name must not be empty")
    if telegram_id <= 0:
        raise AdminError("--telegram-id must be a positive Telegram user id")
    if await uow.facilitators.by_telegram_id(telegram_id) is not None:
        raise AdminError(f"a facilitator with Telegram id {telegram_id} already exists")
    if await uow.participants.by_telegram_id(telegram_id) is not None:
        raise AdminError(f"Telegram id {telegram_id} belongs to a participant")
    facilitator = await uow.facilitators.add(telegram_id, name, now)
    await uow.audit.add(now, "admin", "facilitator.added", None,
                        {"facilitator_id": str(facilitator.id)})
    await uow.commit()
    return facilitator.id


async def create_invite(uow: UnitOfWork, facilitator_telegram_id: int, alias: str,
                        start: date | None, now: datetime, valid_for: timedelta) -> NewInvite:
    alias = alias.strip()
    if not alias or len(alias) > 64:
        raise AdminError("--alias must be 1 to 64 characters (a code name, not a real name)")
    facilitator = await uow.facilitators.by_telegram_id(facilitator_telegram_id)
    if facilitator is None:
        raise AdminError(f"no facilitator with Telegram id {facilitator_telegram_id}; "
                         "add one with: steady facilitator add")
    code = secrets.token_urlsafe(12)  # 16 characters of [A-Za-z0-9_-], valid in a deep link
    invite = await uow.invites.add(code, facilitator.id, alias, start, now, valid_for)
    await uow.audit.add(now, "admin", "invite.created", None,
                        {"invite_id": str(invite.id), "facilitator_id": str(facilitator.id)})
    await uow.commit()
    return NewInvite(code, alias, invite.expires_at)


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"
