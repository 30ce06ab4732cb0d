"""Retention: keep operational records only as long as they are useful.

Sent and failed outbox rows (already without their text), processed update ids and strangers'
wrong-code counters are deleted after a while. Flags, the audit log and what participants
wrote are not touched here: those follow the programme's own retention decisions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.clock import Clock
from storage.uow import UnitOfWork

SENT_MESSAGES_KEPT = timedelta(days=30)
FAILED_MESSAGES_KEPT = timedelta(days=30)  # never delivered; text already dropped
UPDATE_IDS_KEPT = timedelta(days=7)  # Telegram redelivers within hours, not weeks
STRANGERS_KEPT = timedelta(days=1)


class Housekeeping:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    async def run(self) -> None:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            await uow.outbox.forget_sent_before(now - SENT_MESSAGES_KEPT)
            await uow.outbox.forget_failed_before(now - FAILED_MESSAGES_KEPT)
            await uow.updates.forget_before(now - UPDATE_IDS_KEPT)
            await uow.start_attempts.forget_before(now - STRANGERS_KEPT)
            await uow.commit()
