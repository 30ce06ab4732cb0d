"""Admin operations behind the CLI, kept apart from typer so tests can call them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.outgoing import OutgoingWriter
from dialogues.effects import Say
from storage.flags import LIVE
from storage.models import AuditEntry, Flag, Participant
from storage.outbox import PRIORITY_REPLY, PRIORITY_SAFETY
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
    existing = await uow.facilitators.by_telegram_id(telegram_id, include_deactivated=True)
    if existing is not None and existing.deactivated_at is not None:
        raise AdminError(f"the facilitator with Telegram id {telegram_id} was deactivated")
    if existing is not None:
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


@dataclass(frozen=True)
class Deactivated:
    facilitator_id: int
    name: str
    aliases: list[str]  # participants left without a facilitator, to reassign
    flags_escalated: int
    invites_withdrawn: int
    team_notified: bool


async def deactivate_facilitator(uow: UnitOfWork, telegram_id: int, now: datetime,
                                 writer: OutgoingWriter) -> Deactivated:
    """Stop treating someone as a facilitator: their participants and flags go to the team."""
    facilitator = await uow.facilitators.by_telegram_id(telegram_id)
    if facilitator is None:
        raise AdminError(f"no active facilitator with Telegram id {telegram_id}")
    facilitator.deactivated_at = now
    participants = await uow.facilitators.participants_of(facilitator.id)
    escalated = 0
    for participant in participants:
        participant.facilitator_id = None
        for flag in await uow.session.scalars(select(Flag).where(
                Flag.participant_id == participant.id,
                Flag.status.in_([s for s in LIVE if s != "escalated"]))):
            # Nobody is following an acknowledged flag up now: the team chat takes it.
            flag.status, flag.escalate_at = "open", now
            flag.acknowledged_at = flag.acknowledged_by = None
            escalated += 1
            await uow.audit.add(now, "admin", "flag.facilitator_deactivated", participant.id,
                                {"flag_id": str(flag.id)})
    invites = await uow.invites.unused_from(facilitator.id, now)
    for invite in invites:
        invite.expires_at = now  # would otherwise join a facilitator who has gone
    aliases = [p.alias for p in participants]
    team_chat = await uow.settings.team_chat_id()
    notified = bool(aliases) and team_chat is not None
    if notified and team_chat is not None:
        text = writer.render(Say("team.facilitator_deactivated",
                                 {"aliases": ", ".join(aliases)}), None)
        # Their flags now rest with the team: a safeguarding notice, sent first.
        await writer.write(uow, chat_id=team_chat, audience="team", text=text, buttons=[],
                           now=now, priority=PRIORITY_SAFETY)
    await uow.audit.add(now, "admin", "facilitator.deactivated", None, {
        "facilitator_id": str(facilitator.id), "participants": str(len(participants)),
        "flags": str(escalated), "invites_withdrawn": str(len(invites))})
    await uow.commit()
    return Deactivated(facilitator.id, uow.facilitators.name_of(facilitator), aliases,
                       escalated, len(invites), notified)


@dataclass(frozen=True)
class Reassigned:
    alias: str
    live_flags: int


async def participant_by_alias(uow: UnitOfWork, alias: str) -> Participant:
    """The one participant (still on the programme) with this alias."""
    found = list(await uow.session.scalars(select(Participant).where(
        Participant.alias == alias.strip(), Participant.status != "left")))
    if not found:
        raise AdminError(f"no participant with alias {alias!r}")
    if len(found) > 1:
        raise AdminError(f"{len(found)} participants have alias {alias!r}; ask the "
                         "database's owner to rename one")
    return found[0]


async def reassign(uow: UnitOfWork, alias: str, to_telegram_id: int, now: datetime,
                   writer: OutgoingWriter) -> Reassigned:
    """Make another (active) facilitator this participant's; they are told, with how many
    live flags they take on. Reminders follow by themselves: they are sent to the
    participant, and every note from now on goes to the new facilitator."""
    participant = await participant_by_alias(uow, alias)
    facilitator = await uow.facilitators.by_telegram_id(to_telegram_id)
    if facilitator is None:
        raise AdminError(f"no active facilitator with Telegram id {to_telegram_id}")
    if participant.facilitator_id == facilitator.id:
        raise AdminError(f"{participant.alias} is already this facilitator's")
    before = participant.facilitator_id
    participant.facilitator_id = facilitator.id
    live = list(await uow.session.scalars(select(Flag.id).where(
        Flag.participant_id == participant.id, Flag.status.in_(LIVE))))
    await uow.audit.add(now, "admin", "participant.reassigned", participant.id, {
        "from": str(before) if before is not None else "none", "to": str(facilitator.id)})
    text = writer.render(Say("facilitator.reassigned_to_you", {
        "alias": participant.alias, "flags": str(len(live))}), None)
    await writer.write(uow, chat_id=facilitator.telegram_user_id, audience="facilitator",
                       text=text, buttons=[], now=now, priority=PRIORITY_REPLY)
    await uow.commit()
    return Reassigned(participant.alias, len(live))


async def audit_trail(uow: UnitOfWork, alias: str | None) -> list[tuple[AuditEntry, str]]:
    """The audit rows (all, or one participant's), oldest first, each with its alias."""
    participant = await participant_by_alias(uow, alias) if alias is not None else None
    entries = await uow.audit.entries(participant.id if participant is not None else None)
    aliases = {p.id: p.alias for p in await uow.session.scalars(select(Participant))}
    return [(entry, aliases.get(entry.participant_id, "-") if entry.participant_id else "-")
            for entry in entries]


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"
