"""Apply a dialogue's effects inside the engine's transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.answer_effects import AnswerEffects, Told
from bot.flags import FlagDesk
from bot.outgoing import OutgoingWriter
from bot.tool_effects import ToolEffects
from dialogues.effects import (
    AddCheckInNote,
    AskFacilitator,
    Audit,
    CancelScheduled,
    CreateParticipant,
    DeleteJournalEntry,
    DropConversation,
    Effect,
    EndTimeOut,
    ForgetMe,
    NotifyFacilitator,
    RaiseFlag,
    RecordAppointmentResponse,
    RecordCheckIn,
    Reply,
    SaveJournalEntry,
    SaveReflection,
    SaveSessionFeedback,
    Say,
    Schedule,
    ShareJournalEntry,
    ShareReflection,
    StartTimeOut,
    UpdatePlan,
    UpdatePreferences,
    UpdateProfile,
)
from dialogues.events import Inbound
from dialogues.preferences import Preferences
from dialogues.safeguarding import UNTOLD
from storage.models import Participant
from storage.outbox import PRIORITY_REPLY
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


class InviteGone(Exception):
    """Consent arrived for an invite that is no longer usable."""


@dataclass
class Applied:
    participant: Participant | None
    drop_conversation: bool = False


class EffectsApplier:
    def __init__(self, uow: UnitOfWork, writer: OutgoingWriter, flags: FlagDesk, inbound: Inbound,
                 now: datetime, memory: dict[str, int], participant: Participant | None) -> None:
        self.uow = uow
        self.writer = writer
        self.flags = flags
        self.inbound = inbound
        self.now = now
        self.memory = memory
        self.result = Applied(participant)
        # The engine raises this for a safety turn (a flag, urgent help, a red Time Out).
        self.reply_priority = PRIORITY_REPLY

    @property
    def participant(self) -> Participant:
        if self.result.participant is None:
            raise RuntimeError("effect needs a participant but the sender is not one")
        return self.result.participant

    @property
    def modes(self) -> tuple[str, ...]:
        participant = self.result.participant
        return Preferences.from_dict(participant.preferences).modes() if participant else ()

    async def apply(self, effects: tuple[Effect, ...]) -> Applied:
        index = 0
        while index < len(effects):
            effect = effects[index]
            following = effects[index + 1] if index + 1 < len(effects) else None
            if isinstance(effect, Reply) and isinstance(following, RaiseFlag) \
                    and effect.text.key in UNTOLD:
                await self._reply_and_flag(effect, following)
                index += 2
                continue
            await self._apply(effect)
            index += 1
        return self.result

    async def _reply_and_flag(self, reply: Reply, flag: RaiseFlag) -> None:
        """The reply says the facilitator was told only if the desk wrote an alert row."""
        async def announce(told: bool) -> None:
            text = reply.text if told else Say(UNTOLD[reply.text.key], reply.text.params)
            await self._apply(Reply(text, reply.buttons))

        await self.flags.raise_flag(self.uow, self.participant, flag, self.now, announce)

    def tools(self) -> ToolEffects:
        async def notify(text: Say) -> None:
            await self._notify_facilitator(NotifyFacilitator(text))

        return ToolEffects(self.uow, self.participant, self.now, notify, self._schedule)

    def answers(self) -> AnswerEffects:
        async def notify(text: Say) -> Told:
            return await self._notify_facilitator(NotifyFacilitator(text))

        async def answer(text: Say) -> None:
            await self._apply(Reply(text))

        return AnswerEffects(self.uow, self.participant, self.now, notify, answer)

    async def _schedule(self, effect: Schedule) -> None:
        await self.writer.write(
            self.uow, chat_id=self.participant.chat_id, audience="participant",
            text=self.writer.render(effect.text, self.memory, self.modes),
            buttons=self.writer.keyboard(effect.buttons, self.modes), now=self.now,
            not_before=effect.at, key=f"p{self.participant.id}:{effect.key}")

    async def _apply_tool(self, effect: Effect) -> None:
        tools = self.tools()
        match effect:
            case SaveJournalEntry():
                await tools.save_journal(effect)
            case DeleteJournalEntry():
                await tools.delete_journal(effect)
            case ShareJournalEntry():
                await tools.share_journal(effect)
            case SaveReflection():
                await tools.save_reflection(effect)
            case ShareReflection():
                await tools.share_reflection(effect)
            case StartTimeOut():
                await tools.start_timeout(effect)
            case EndTimeOut():
                await tools.end_timeout(effect)
            case Schedule():
                await self._schedule(effect)
            case CancelScheduled(prefix):
                await tools.cancel_scheduled(CancelScheduled(f"p{self.participant.id}:{prefix}"))
            case ForgetMe():
                await tools.forget_me(effect)
                self.result.drop_conversation = True
            case RecordAppointmentResponse() | SaveSessionFeedback() | AskFacilitator():
                await self.answers().apply(effect)

    async def _apply(self, effect: Effect) -> None:
        uow = self.uow
        match effect:
            case Reply(text, buttons):
                audience = "participant" if self.result.participant else "stranger"
                await self.writer.write(
                    uow, chat_id=self.inbound.chat_id, audience=audience,
                    text=self.writer.render(text, self.memory, self.modes),
                    buttons=self.writer.keyboard(buttons, self.modes), now=self.now,
                    priority=self.reply_priority)
            case NotifyFacilitator(text, buttons):
                await self._notify_facilitator(effect)
            case CreateParticipant(invite_id):
                await self._create_participant(invite_id)
            case DropConversation():
                self.result.drop_conversation = True
            case UpdateProfile():
                self._update_profile(effect)
            case RecordCheckIn(ref, colour, at):
                await uow.checkins.add(self.participant.id, ref, colour, at)
            case AddCheckInNote(ref, note):
                checkin = await uow.checkins.by_ref(self.participant.id, ref)
                if checkin is not None:
                    checkin.note_enc = uow.cipher.encrypt(note)
            case RaiseFlag():
                await self.flags.raise_flag(uow, self.participant, effect, self.now)
            case Audit(action, detail):
                pid = self.result.participant.id if self.result.participant else None
                await uow.audit.add(self.now, self._actor(), action, pid, dict(detail))
            case UpdatePreferences(changes):
                current = Preferences.from_dict(self.participant.preferences)
                self.participant.preferences = current.updated(changes).to_dict()
            case UpdatePlan(plan):
                self.participant.plan_enc = uow.cipher.encrypt_json(dict(plan))
            case _:
                await self._apply_tool(effect)

    def _actor(self) -> str:
        if self.result.participant is not None:
            return f"participant:{self.result.participant.id}"
        return "stranger"

    async def _create_participant(self, invite_id: int) -> None:
        invite = await self.uow.invites.get(invite_id)
        if invite is None or invite.used_at is not None or invite.expires_at <= self.now:
            raise InviteGone(invite_id)
        start = invite.start_date
        status = "waiting" if start is not None and start > self.now.date() else "active"
        participant = await self.uow.participants.by_telegram_id(self.inbound.user_id)
        if participant is None:
            participant = await self.uow.participants.add(Participant(
                telegram_user_id=self.inbound.user_id, chat_id=self.inbound.chat_id,
                facilitator_id=invite.facilitator_id, alias=invite.alias, status=status,
                start_date=start, timezone="Europe/London", preferences={},
                consented_at=self.now, created_at=self.now))
        else:  # someone who used "forget me" and was invited again: a fresh start
            participant.chat_id, participant.facilitator_id = self.inbound.chat_id, \
                invite.facilitator_id
            participant.alias, participant.status, participant.start_date = \
                invite.alias, status, start
            participant.preferences, participant.consented_at = {}, self.now
        invite.used_at, invite.participant_id = self.now, participant.id
        self.result.participant = participant
        facilitator = await self.uow.facilitators.get(invite.facilitator_id)
        if facilitator is not None:
            text = self.writer.phrasebook.render("facilitator.participant_joined",
                                                 {"alias": invite.alias})
            await self.writer.write(self.uow, chat_id=facilitator.telegram_user_id,
                                    audience="facilitator", text=text, buttons=[], now=self.now,
                                    priority=PRIORITY_REPLY)

    async def _notify_facilitator(self, effect: NotifyFacilitator) -> Told:
        """Queue the note for the participant's facilitator; with none assigned, for the
        team chat, marked unassigned, so that someone still reads it (and assigns one).
        Return who was told: None when there is neither."""
        participant = self.participant
        facilitator = (await self.uow.facilitators.get(participant.facilitator_id)
                       if participant.facilitator_id else None)
        params: dict[str, Any] = {"alias": participant.alias, **effect.text.params}
        text = self.writer.render(Say(effect.text.key, params), None)
        buttons = self.writer.keyboard(effect.buttons)
        if facilitator is not None:
            await self.writer.write(self.uow, chat_id=facilitator.telegram_user_id,
                                    audience="facilitator", text=text, buttons=buttons,
                                    now=self.now, priority=PRIORITY_REPLY)
            return "facilitator"
        team_chat = await self.uow.settings.team_chat_id()
        if team_chat is None:
            log.warning("participant %s has no facilitator and no team chat is set: "
                        "a notification was not sent", participant.id)
            return None
        marked = self.writer.render(Say("team.unassigned", {"alias": participant.alias,
                                                            "note": text}), None)
        await self.writer.write(self.uow, chat_id=team_chat, audience="team", text=marked,
                                buttons=buttons, now=self.now, priority=PRIORITY_REPLY)
        return "team"

    def _update_profile(self, effect: UpdateProfile) -> None:
        participant, cipher = self.participant, self.uow.cipher
        if effect.preferred_name is not None:
            participant.preferred_name_enc = cipher.encrypt(effect.preferred_name)
        if effect.checkin_time is not None:
            participant.checkin_time = effect.checkin_time or None
        if effect.timezone is not None:
            participant.timezone = effect.timezone
        if effect.colour_words is not None:
            words = cipher.decrypt_json(participant.colour_words_enc, {})
            words.update(effect.colour_words)
            participant.colour_words_enc = cipher.encrypt_json(words)
