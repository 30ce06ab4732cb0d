"""When a message cannot be delivered: make sure a person hears about it.

An alert that cannot reach its facilitator (403, a 400, a server error after every retry)
escalates to the team chat at once. A
participant who blocked the bot is marked unreachable and their facilitator is told, once;
the mark clears when the participant writes again.
"""

from __future__ import annotations

from datetime import datetime

from bot.flags import FlagDesk
from bot.outgoing import OutgoingWriter
from dialogues.effects import Say
from storage.models import OutboxMessage, Participant
from storage.outbox import PRIORITY_REPLY
from storage.uow import UnitOfWork


class Reachability:
    def __init__(self, flags: FlagDesk, writer: OutgoingWriter) -> None:
        self.flags = flags
        self.writer = writer

    async def on_unreachable(self, uow: UnitOfWork, row: OutboxMessage, now: datetime) -> None:
        if row.flag_id is not None:
            await self.flags.escalate_now(uow, row.flag_id, now)
            await self.flags.escalate_due(uow, now)
        elif row.audience == "participant":
            participant = await uow.participants.by_chat_id(row.chat_id)
            if participant is not None and participant.unreachable_since is None:
                await self._mark(uow, participant, now)

    async def on_failed(self, uow: UnitOfWork, row: OutboxMessage, now: datetime) -> None:
        """Any other final failure: an alert nobody received must not wait its deadline.
        (A participant's failed reply says nothing about whether they can be reached.)"""
        if row.flag_id is not None:
            await self.flags.escalate_now(uow, row.flag_id, now,
                                          reason="flag.alert_undelivered")
            await self.flags.escalate_due(uow, now)

    async def _mark(self, uow: UnitOfWork, participant: Participant, now: datetime) -> None:
        participant.unreachable_since = now
        await uow.audit.add(now, "system", "participant.unreachable", participant.id)
        facilitator = (await uow.facilitators.get(participant.facilitator_id)
                       if participant.facilitator_id else None)
        if facilitator is not None:
            text = self.writer.render(
                Say("facilitator.participant_unreachable", {"alias": participant.alias}), None)
            await self.writer.write(uow, chat_id=facilitator.telegram_user_id,
                                    audience="facilitator", text=text, buttons=[], now=now,
                                    priority=PRIORITY_REPLY)

    @staticmethod
    async def back_in_touch(uow: UnitOfWork, participant: Participant, now: datetime) -> None:
        if participant.unreachable_since is not None:
            participant.unreachable_since = None
            await uow.audit.add(now, "system", "participant.reachable", participant.id)
