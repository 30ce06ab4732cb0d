"""Apply the participant tools' effects: journal, reflections, Time Out, schedule, forget me."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from dialogues.effects import (
    CancelScheduled,
    DeleteJournalEntry,
    EndTimeOut,
    ForgetMe,
    SaveJournalEntry,
    SaveReflection,
    Say,
    Schedule,
    ShareJournalEntry,
    ShareReflection,
    StartTimeOut,
)
from dialogues.pause import judgement_words
from storage.models import JournalEntry, Participant, Reflection, TimeOutSession
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
TIMEOUT_PATTERN_WINDOW = timedelta(days=7)
TIMEOUT_PATTERN_COUNT = 3
Notify = Callable[[Say], Awaitable[None]]  # a message to the participant's facilitator
Enqueue = Callable[[Schedule], Awaitable[None]]  # a message to the participant, later


class ToolEffects:
    def __init__(self, uow: UnitOfWork, participant: Participant, now: datetime,
                 notify: Notify, enqueue: Enqueue) -> None:
        self.uow = uow
        self.participant = participant
        self.now = now
        self.notify = notify
        self.enqueue = enqueue

    async def audit(self, action: str, **detail: str) -> None:
        await self.uow.audit.add(self.now, f"participant:{self.participant.id}", action,
                                 self.participant.id, dict(detail))

    async def save_journal(self, effect: SaveJournalEntry) -> None:
        await self.uow.journal.add(JournalEntry(
            participant_id=self.participant.id, ref=effect.ref, week=effect.week,
            text_enc=self.uow.cipher.encrypt(effect.text), created_at=effect.at))

    async def delete_journal(self, effect: DeleteJournalEntry) -> None:
        if await self.uow.journal.delete(self.participant.id, effect.entry_id):
            await self.audit("journal.deleted", entry_id=str(effect.entry_id))

    async def share_journal(self, effect: ShareJournalEntry) -> None:
        entry = await self.uow.journal.get(self.participant.id, effect.entry_id)
        if entry is None:
            return
        entry.shared_at = self.now
        text = self.uow.cipher.decrypt(entry.text_enc)
        await self.notify(Say("facilitator.journal_shared",
                              {"date": f"{entry.created_at:%d %b %Y}", "text": text}))
        await self.audit("journal.shared", entry_id=str(entry.id))

    async def save_reflection(self, effect: SaveReflection) -> None:
        await self.uow.reflections.add(Reflection(
            participant_id=self.participant.id, ref=effect.ref, kind=effect.kind,
            answers_enc=self.uow.cipher.encrypt_json(dict(effect.answers)), created_at=effect.at))

    async def share_reflection(self, effect: ShareReflection) -> None:
        reflection = await self.uow.reflections.by_ref(self.participant.id, effect.ref)
        if reflection is None:
            return
        reflection.shared_at = self.now
        answers: dict[str, str] = self.uow.cipher.decrypt_json(reflection.answers_enc, {})
        params: dict[str, str | Say] = dict(answers)
        if "fact_or_feeling" in answers:  # stored as "feeling"; the facilitator reads words
            params["fact_or_feeling"] = judgement_words(answers["fact_or_feeling"])
        await self.notify(Say(f"facilitator.{reflection.kind}_shared", params))
        await self.audit("reflection.shared", reflection_id=str(reflection.id))

    async def start_timeout(self, effect: StartTimeOut) -> None:
        started = await self.uow.timeouts.start(TimeOutSession(
            participant_id=self.participant.id, ref=effect.ref, minutes=effect.minutes,
            colour_before=effect.colour_before, started_at=effect.at))
        if not started:
            return
        await self.audit("timeout.started", minutes=str(effect.minutes),
                         colour=effect.colour_before or "")
        recent = await self.uow.timeouts.count_since(self.participant.id,
                                                     self.now - TIMEOUT_PATTERN_WINDOW)
        # Time Out can be misused as control, so frequent or heated use is shown to staff.
        if effect.colour_before == "red":
            await self.notify(Say("facilitator.timeout_while_red"))
        elif recent == TIMEOUT_PATTERN_COUNT:
            await self.notify(Say("facilitator.timeout_frequent", {"count": str(recent)}))

    async def end_timeout(self, effect: EndTimeOut) -> None:
        row = await self.uow.timeouts.by_ref(self.participant.id, effect.ref) \
            or await self.uow.timeouts.latest_open(self.participant.id)
        if row is None or row.ended_at is not None:
            return
        row.ended_at, row.colour_after = effect.at, effect.colour_after
        await self.audit("timeout.ended", colour=effect.colour_after or "")

    async def cancel_scheduled(self, effect: CancelScheduled) -> None:
        await self.uow.outbox.cancel_pending(self.participant.chat_id, effect.key_prefix)

    async def forget_me(self, effect: ForgetMe) -> None:
        participant = self.participant
        await self.uow.journal.delete_all(participant.id)
        await self.uow.reflections.delete_all(participant.id)
        for checkin in await self.uow.checkins.for_participant(participant.id):
            checkin.note_enc = None
        participant.plan_enc = participant.preferred_name_enc = None
        participant.colour_words_enc = None
        participant.checkin_time, participant.status = None, "left"
        await self.uow.outbox.forget_chat(participant.chat_id, self.now)
        await self.notify(Say("facilitator.participant_left"))
        await self.audit("participant.left")
        log.info("participant %s left and their personal records were deleted", participant.id)
