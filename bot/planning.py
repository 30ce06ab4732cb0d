"""Run the pure planner against the database and queue what is due."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.clock import Clock
from bot.outgoing import OutgoingWriter
from dialogues.planner import ReminderSubject, due_checkin_reminders
from dialogues.preferences import Preferences
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


class Planner:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], writer: OutgoingWriter,
                 clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.writer = writer
        self.clock = clock

    async def plan(self) -> int:
        """Queue every reminder that is due; return how many were newly queued."""
        now = self.clock.now()
        queued = 0
        async with self.uow_factory() as uow:
            participants = {p.id: p for p in await uow.participants.with_daily_checkin()
                            if p.status in {"waiting", "active"} and p.unreachable_since is None}
            subjects = [ReminderSubject(p.id, p.chat_id, p.checkin_time or "", p.timezone,
                                        Preferences.from_dict(p.preferences))
                        for p in participants.values()]
            for plan in due_checkin_reminders(subjects, now):
                if await uow.outbox.by_key(plan.key) is not None:
                    continue
                participant = participants[plan.participant_id]
                conversation = await uow.conversations.get(participant.telegram_user_id)
                memory = dict(conversation.phrase_memory) if conversation else {}
                modes = Preferences.from_dict(participant.preferences).modes()
                text = self.writer.render(plan.text, memory, modes)
                if conversation is not None:
                    conversation.phrase_memory = memory
                queued += await self.writer.write(
                    uow, chat_id=plan.chat_id, audience="participant", text=text,
                    buttons=self.writer.keyboard(plan.buttons, modes), now=now, key=plan.key)
            await uow.commit()
        if queued:
            log.info("planner queued %s reminder(s)", queued)
        return queued
