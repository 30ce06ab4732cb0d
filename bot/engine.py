"""The engine: one inbound update, one database transaction.

Theory of operation: skip an update id already processed (Telegram delivers at least
once); load who is writing and their dialogue state; let the pure router decide; apply the
returned effects (records, profile, audit, outbox rows) and save the new state and the
update id, all in one commit. Messages leave only afterwards, from the outbox, so a crash
never sends a reply for a change that was not saved, nor loses one that was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.answer_effects import appointment_facts
from bot.caseload import COMMANDS as CASELOAD_COMMANDS
from bot.caseload import CaseloadDesk
from bot.clock import Clock
from bot.effects_applier import Applied, EffectsApplier
from bot.flags import CLOSE_FLOW, FLAG_BUTTON, FlagDesk
from bot.outgoing import OutgoingWriter
from bot.reachability import Reachability
from bot.screening_context import ContextScreener
from content.loader import Content
from dialogues.effects import AskFacilitator, Effect, RaiseFlag, Reply, Say, StartTimeOut
from dialogues.errors import StaleButton
from dialogues.events import Inbound, Kind
from dialogues.flow import Context, FlowState, JournalEntrySummary, Library, Outcome, Profile
from dialogues.preferences import Plan, Preferences, programme_week
from dialogues.router import Situation, route
from dialogues.safeguarding import respond
from dialogues.screening import CLEAR, Screening
from dialogues.stranger_safety import stranger_reply
from storage.models import Conversation, Facilitator, Invite, Participant
from storage.outbox import PRIORITY_REPLY, PRIORITY_SAFETY
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
THROTTLE_WINDOW = timedelta(hours=1)
URGENT_FLOW = "urgent"


def safety_turn(outcome: Outcome) -> bool:
    """Whether this turn's replies are safety replies, delivered before any backlog: a
    flag was raised, the person is in urgent help ("I'm not safe"), or a Time Out began
    from red."""
    def safety(effect: Effect) -> bool:
        return isinstance(effect, RaiseFlag) or (
            isinstance(effect, StartTimeOut) and effect.colour_before == "red")

    in_urgent = outcome.state is not None and outcome.state.flow == URGENT_FLOW
    return in_urgent or any(safety(effect) for effect in outcome.effects)


@dataclass(frozen=True)
class HandleResult:
    duplicate: bool = False
    callback_answer: str | None = None  # short text for the button press, e.g. "expired"


class Engine:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], content: Content,
                 writer: OutgoingWriter, clock: Clock, flags: FlagDesk,
                 screener: Callable[[str], Screening], *, wrong_code_limit: int = 5,
                 on_commit: Callable[[], None] | None = None) -> None:
        self.uow_factory = uow_factory
        self.content = content
        self.library = Library(content.palette, content.programme, content.resources,
                               content.waiting)
        self.writer = writer
        self.clock = clock
        self.flags = flags
        self.caseload = CaseloadDesk(writer)
        self.screener = screener
        self.context = ContextScreener(screener)
        self.wrong_code_limit = wrong_code_limit
        self.on_commit = on_commit or (lambda: None)

    async def handle(self, inbound: Inbound, *, edited: bool = False) -> HandleResult:
        """Handle one update; ``edited``: a text message the person changed afterwards."""
        now = self.clock.now()
        # Screen first, in a worker thread and before the transaction opens: the CPU work
        # neither blocks the event loop nor holds a database lock others may be waiting on.
        screening = CLEAR
        if inbound.kind is Kind.TEXT and inbound.payload.strip():
            screening = await self.context.screen(inbound.user_id, inbound.payload, now)
        async with self.uow_factory() as uow:
            if await uow.updates.seen(inbound.update_id):
                log.info("update %s already processed", inbound.update_id)
                return HandleResult(duplicate=True)
            await uow.updates.mark(inbound.update_id, now)
            if edited:
                result = await self._handle_edit(uow, inbound, now, screening)
            else:
                result = await self._handle(uow, inbound, now, screening)
            await uow.commit()
        log.info("update %s handled (%s)", inbound.update_id, inbound.kind.value)
        self.on_commit()
        return result

    async def _handle(self, uow: UnitOfWork, inbound: Inbound, now: datetime,
                      screening: Screening) -> HandleResult:
        facilitator = await uow.facilitators.by_telegram_id(inbound.user_id)
        participant = await uow.participants.by_telegram_id(inbound.user_id)
        if participant is not None and participant.status == "left":
            participant = None  # they asked to be forgotten: a stranger until invited again
        if participant is not None:
            await Reachability.back_in_touch(uow, participant, now)
        conversation = await uow.conversations.get(inbound.user_id)
        if inbound.kind is Kind.BUTTON and inbound.payload.startswith(f"{FLAG_BUTTON}:"):
            return HandleResult(callback_answer=await self.flags.on_button(
                uow, inbound.user_id, inbound.chat_id, inbound.payload, now))
        if facilitator is not None and conversation is not None \
                and conversation.flow == CLOSE_FLOW:
            await self._close_note(uow, inbound, facilitator, conversation, now)
            return HandleResult()
        if facilitator is not None and inbound.kind is Kind.COMMAND \
                and inbound.command in CASELOAD_COMMANDS and inbound.chat_id == inbound.user_id:
            # Only in their private chat: a caseload is never shown in a group.
            await self.caseload.handle(uow, facilitator, inbound.command, inbound.argument,
                                       inbound.chat_id, now)
            return HandleResult()
        if participant is None and facilitator is None \
                and await self._stranger_safety(uow, inbound, now, screening):
            return HandleResult()
        known = facilitator is not None or participant is not None or conversation is not None
        if not known and await self._throttled(uow, inbound, now):
            return HandleResult()
        pending = participant is None and facilitator is None
        if (pending and conversation is not None
                and not await self._invite_usable(uow, conversation, now)):
            await uow.conversations.delete(conversation)
            conversation, known = None, False
        memory: dict[str, int] = dict(conversation.phrase_memory) if conversation else {}
        if inbound.kind is Kind.UNSUPPORTED:
            key = "common.text_only" if known else "access.neutral"
            audience = "facilitator" if facilitator else (
                "participant" if participant else "stranger")
            await self._reply(uow, inbound, Say(key), memory, now, audience)
            await self._save_memory(conversation, memory, now)
            return HandleResult()
        invite = await self._invite_from_start(uow, inbound, now) if not known else None
        if not known and invite is None and inbound.command == "start" and inbound.argument:
            # Only a wrong invite code counts as guessing: "hello" or a bare /start does not.
            await uow.start_attempts.record_failure(inbound.user_id, now, THROTTLE_WINDOW)
        situation = Situation(
            is_participant=participant is not None,
            is_facilitator=facilitator is not None,
            conversation=self._flow_state(uow, conversation),
            step=conversation.step if conversation else 0,
            valid_invite_id=invite.id if invite else None,
        )
        ctx = Context(now, self.library, await self._profile(uow, participant, now))
        applier = EffectsApplier(uow, self.writer, self.flags, inbound, now, memory, participant)
        if screening.flagged:
            applier.reply_priority = PRIORITY_SAFETY
        flagged, interrupts = (await self._screen_first(inbound, situation, applier, screening)
                               if participant is not None else (False, False))
        if flagged:
            situation = replace(situation, just_flagged=True)
        try:
            outcome = route(situation, inbound, ctx)
        except StaleButton:
            log.info("update %s: stale button", inbound.update_id)
            return HandleResult(callback_answer=self.writer.render(Say("common.expired_button"),
                                                                   None))
        effects = outcome.effects
        if safety_turn(outcome):
            applier.reply_priority = PRIORITY_SAFETY
        if interrupts:
            # What they wrote stays where they wrote it (their answer, their journal), but
            # the flow says nothing more: the safety reply is the last word, and "Carry on"
            # asks the next question.
            effects = tuple(replace(e, told=None, untold=None) if isinstance(e, AskFacilitator)
                            else e for e in effects if not isinstance(e, Reply))
        applied = await applier.apply(effects)
        await self._save(uow, inbound, conversation, outcome, situation, applied, memory, now)
        return HandleResult()

    async def _handle_edit(self, uow: UnitOfWork, inbound: Inbound, now: datetime,
                           screening: Screening) -> HandleResult:
        """An edited message is screened like a new one but never answers the current step."""
        if inbound.kind is not Kind.TEXT or not inbound.payload.strip():
            return HandleResult()
        if await uow.facilitators.by_telegram_id(inbound.user_id) is not None:
            return HandleResult()
        participant = await uow.participants.by_telegram_id(inbound.user_id)
        if participant is None or participant.status == "left":
            await self._stranger_safety(uow, inbound, now, screening)
            return HandleResult()
        conversation = await uow.conversations.get(inbound.user_id)
        memory: dict[str, int] = dict(conversation.phrase_memory) if conversation else {}
        applier = EffectsApplier(uow, self.writer, self.flags, inbound, now, memory, participant)
        if screening.flagged:
            applier.reply_priority = PRIORITY_SAFETY
            log.info("update %s: edited message flagged (%s)", inbound.update_id,
                     screening.severity)
            in_flow = self._flow_state(uow, conversation) is not None
            await applier.apply(respond(screening, inbound.payload, in_flow=in_flow).effects)
        else:
            await applier.apply((Reply(Say("common.edit_not_read")),))
        await self._save_memory(conversation, memory, now)
        return HandleResult()

    async def _screen_first(self, inbound: Inbound, situation: Situation,
                            applier: EffectsApplier,
                            screening: Screening) -> tuple[bool, bool]:
        """Safeguarding before any flow: return (flagged, whether the flow must stay silent)."""
        if inbound.kind is not Kind.TEXT or not screening.flagged:
            return False, False
        log.info("update %s: flagged (%s)", inbound.update_id, screening.severity)
        response = respond(screening, inbound.payload, in_flow=situation.conversation is not None)
        await applier.apply(response.effects)
        return True, response.interrupts

    async def _stranger_safety(self, uow: UnitOfWork, inbound: Inbound, now: datetime,
                               screening: Screening) -> bool:
        """Someone with no facilitator said something alarming: give them 999 and a helpline.

        No flag (nobody to alert) and nothing kept about them: only the reply goes out.
        """
        if inbound.kind is not Kind.TEXT:
            return False
        reply = stranger_reply(screening)
        if reply is None:
            return False
        log.info("update %s: stranger's message flagged", inbound.update_id)
        await self._reply(uow, inbound, reply, {}, now, "stranger", PRIORITY_SAFETY)
        return True

    async def _close_note(self, uow: UnitOfWork, inbound: Inbound, facilitator: Facilitator,
                          conversation: Conversation, now: datetime) -> None:
        if inbound.kind is Kind.TEXT and inbound.payload.strip():
            await self.flags.on_close_note(uow, facilitator, conversation, inbound.payload, now)
            return
        conversation.flow = conversation.state = None
        conversation.data_enc = None
        await self._reply(uow, inbound, Say("flag.close_cancelled"), {}, now, "facilitator")

    async def _throttled(self, uow: UnitOfWork, inbound: Inbound, now: datetime) -> bool:
        failures = await uow.start_attempts.failures(inbound.user_id, now, THROTTLE_WINDOW)
        if failures >= self.wrong_code_limit:
            log.info("update %s: stranger throttled", inbound.update_id)
            return True
        return False

    async def _invite_from_start(self, uow: UnitOfWork, inbound: Inbound,
                                 now: datetime) -> Invite | None:
        if inbound.command != "start" or not inbound.argument:
            return None
        invite = await uow.invites.by_code(inbound.argument.strip())
        if invite is None or invite.used_at is not None or invite.expires_at <= now:
            return None
        await uow.start_attempts.clear(inbound.user_id)
        return invite

    async def _invite_usable(self, uow: UnitOfWork, conversation: Conversation,
                             now: datetime) -> bool:
        """A pending onboarding dies when its invite was used elsewhere or has expired."""
        data = self._data(uow, conversation)
        invite = await uow.invites.get(int(data.get("invite_id", 0)))
        return invite is not None and invite.used_at is None and invite.expires_at > now

    async def _reply(self, uow: UnitOfWork, inbound: Inbound, text: Say, memory: dict[str, int],
                     now: datetime, audience: str, priority: int = PRIORITY_REPLY) -> None:
        await self.writer.write(uow, chat_id=inbound.chat_id, audience=audience,
                                text=self.writer.render(text, memory), buttons=[], now=now,
                                priority=priority)

    @staticmethod
    def _data(uow: UnitOfWork, conversation: Conversation) -> dict[str, Any]:
        data: dict[str, Any] = uow.cipher.decrypt_json(conversation.data_enc, {})
        return data

    def _flow_state(self, uow: UnitOfWork, conversation: Conversation | None) -> FlowState | None:
        if conversation is None or conversation.flow is None or conversation.state is None:
            return None
        return FlowState(conversation.flow, conversation.state, conversation.step,
                         self._data(uow, conversation))

    @staticmethod
    async def _profile(uow: UnitOfWork, participant: Participant | None,
                       now: datetime) -> Profile:
        if participant is None:
            return Profile()
        cipher = uow.cipher
        name = cipher.decrypt(participant.preferred_name_enc) \
            if participant.preferred_name_enc else None
        journal = tuple(
            JournalEntrySummary(e.id, e.created_at, cipher.decrypt(e.text_enc),
                                e.shared_at is not None, e.ref)
            for e in await uow.journal.recent(participant.id))
        running = await uow.timeouts.latest_open(participant.id)
        running_ref = None
        if running is not None:
            started = running.started_at if running.started_at.tzinfo else \
                running.started_at.replace(tzinfo=UTC)
            if started + timedelta(minutes=running.minutes) > now:
                running_ref = running.ref
        return Profile(
            running_timeout=running_ref,
            has_facilitator=participant.facilitator_id is not None,
            appointments=await appointment_facts(uow, participant.id),
            preferred_name=name, checkin_time=participant.checkin_time,
            timezone=participant.timezone,
            colour_words=cipher.decrypt_json(participant.colour_words_enc, {}),
            preferences=Preferences.from_dict(participant.preferences),
            plan=Plan.from_dict(cipher.decrypt_json(participant.plan_enc, {})),
            programme_week=programme_week(participant.start_date, now, participant.timezone),
            journal=journal)

    async def _save(self, uow: UnitOfWork, inbound: Inbound, conversation: Conversation | None,
                    outcome: Outcome, situation: Situation, applied: Applied,
                    memory: dict[str, int], now: datetime) -> None:
        participant = applied.participant
        if applied.drop_conversation or (participant is None and outcome.state is None):
            # Strangers and people who said "Not now" leave no dialogue state behind.
            if conversation is not None:
                await uow.conversations.delete(conversation)
            return
        if conversation is None:
            conversation = Conversation(telegram_user_id=inbound.user_id, step=0)
            await uow.conversations.add(conversation)
        state = outcome.state
        conversation.chat_id = inbound.chat_id
        conversation.participant_id = participant.id if participant else None
        conversation.flow = state.flow if state else None
        conversation.state = state.state if state else None
        conversation.step = state.step if state else situation.step + 1
        conversation.data_enc = uow.cipher.encrypt_json(dict(state.data)) if state else None
        conversation.phrase_memory = dict(memory)
        conversation.updated_at = now

    @staticmethod
    async def _save_memory(conversation: Conversation | None, memory: dict[str, int],
                           now: datetime) -> None:
        if conversation is not None:
            conversation.phrase_memory = dict(memory)
            conversation.updated_at = now
