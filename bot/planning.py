"""Run the pure planner against the database and queue what is due.

Only participants due are read (``next_plan_at`` passed or NULL, an indexed column), in
batches of ``batch_size``, each batch in its own short transaction: every read first, then
one bulk insert and a few bulk updates, so SQLite's write lock is held for milliseconds
and a participant's own update never waits behind a whole reminder wave.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.outgoing import OutgoingWriter
from bot.text_split import split_text
from content.loader import Content, load_content
from dialogues.planner import (
    LOOK_AGAIN,
    AppointmentFact,
    ParticipantFacts,
    PlannedMessage,
    PlanResult,
    plan,
)
from dialogues.preferences import Preferences
from storage.appointments import AppointmentRow, PlanningQueue
from storage.models import Conversation, OutboxMessage, Participant
from storage.outbox import PRIORITY_PROACTIVE
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH_SIZE = 100
APPOINTMENTS_BEHIND = timedelta(days=7)
APPOINTMENTS_AHEAD = timedelta(days=14)
YIELD_EVERY = 1  # participants planned between turns for other work on the event loop


class Planner:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], writer: OutgoingWriter,
                 clock: Clock, content: Content | None = None, *,
                 batch_size: int = BATCH_SIZE) -> None:
        self.uow_factory = uow_factory
        self.writer = writer
        self.clock = clock
        self.content = content or load_content()
        self.batch_size = batch_size
        # Awaited after each committed batch (tests and benchmarks watch the wave here).
        self.after_batch: Callable[[int], Awaitable[None]] | None = None

    async def plan(self) -> int:
        """Queue every message that is due; return how many were newly queued."""
        now = self.clock.now()
        queued, after_id = 0, 0
        while True:
            async with self.uow_factory() as uow:
                queue = PlanningQueue(uow.session)
                batch = await queue.due(now, after_id, self.batch_size)
                if not batch:
                    break
                queued += await self._plan_batch(uow, queue, batch, now)
                await uow.commit()
            after_id = batch[-1].id
            if self.after_batch is not None:
                await self.after_batch(len(batch))
            await asyncio.sleep(0)  # let other work in this process take its turn
            if len(batch) < self.batch_size:
                break
        if queued:
            log.info("planner queued %s message(s)", queued)
        return queued

    async def _plan_batch(self, uow: UnitOfWork, queue: PlanningQueue,
                          batch: list[Participant], now: datetime) -> int:
        ids = [p.id for p in batch]
        # What happened in the last week (signposts, feedback) and what is coming in the next
        # two: everyone is looked at again within LOOK_AGAIN, long before anything later.
        appointments = await queue.appointments_of(ids, now - APPOINTMENTS_BEHIND,
                                                   now + APPOINTMENTS_AHEAD)
        conversations = await queue.conversations_of(ids)
        results = []
        for index, participant in enumerate(batch):
            if index % YIELD_EVERY == 0:
                # Planning is CPU work on the event loop the bot's updates share: give them
                # turns. Nothing is written yet, so no lock is held while we wait.
                await asyncio.sleep(0)
            results.append((participant, self._plan_one(participant,
                                                         appointments[participant.id], now)))
        existing = await queue.existing_keys([m.key for _, r in results for m in r.messages])
        rows: list[OutboxMessage] = []
        queued = 0
        for participant, result in results:
            for dropped in result.dropped:
                log.info("planner dropped %s: %s", dropped.key, dropped.reason)
            fresh = [m for m in result.messages if m.key not in existing]
            queued += len(fresh)
            if fresh and queued % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            if fresh:
                rows += self._rows(uow, participant, conversations.get(participant.id),
                                   fresh, now)
        await queue.add_rows(rows)
        await queue.activate([p.id for p, r in results if r.activate])
        await queue.set_next([(p.id, p.next_plan_at, r.next_plan_at or now + LOOK_AGAIN)
                              for p, r in results])
        return queued

    def _plan_one(self, participant: Participant, appointments: list[AppointmentRow],
                  now: datetime) -> PlanResult:
        facts = ParticipantFacts(
            participant.id, participant.chat_id, participant.status, participant.created_at,
            participant.timezone, participant.start_date, participant.checkin_time,
            Preferences.from_dict(participant.preferences),
            tuple(AppointmentFact(a.id, a.starts_at, a.week, a.status) for a in appointments))
        return plan(facts, now, programme=self.content.programme, waiting=self.content.waiting,
                    since=participant.next_plan_at)

    def _rows(self, uow: UnitOfWork, participant: Participant,
              conversation: Conversation | None, messages: list[PlannedMessage],
              now: datetime) -> list[OutboxMessage]:
        memory = dict(conversation.phrase_memory) if conversation else {}
        modes = Preferences.from_dict(participant.preferences).modes()
        rows = []
        for message in messages:
            text = self.writer.render(message.text, memory, modes)
            buttons = self.writer.keyboard(message.buttons, modes)
            pieces = split_text(text) or [""]
            for index, piece in enumerate(pieces):
                payload: dict[str, Any] = {
                    "text": piece, "buttons": buttons if index == len(pieces) - 1 else []}
                rows.append(OutboxMessage(
                    chat_id=message.chat_id, audience="participant",
                    payload_enc=uow.cipher.encrypt_json(payload),
                    idempotency_key=message.key if index == 0 else f"{message.key}:{index}",
                    not_before=now, status="pending", attempts=0, created_at=now,
                    priority=PRIORITY_PROACTIVE, expires_at=message.deadline))
        if conversation is not None:
            conversation.phrase_memory = memory  # the next prompt picks another variant
        return rows

