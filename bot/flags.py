"""The flag desk: store a flag, alert the assigned facilitator, group repeats, escalate to
the team chat when nobody acknowledges in time, and take Acknowledge / Close presses.

Everything is driven from the database: the escalation tick asks for open flags whose
deadline has passed, so a restart loses no escalation. Who may act on a flag is decided by
the numeric Telegram ids of the press (the assigned facilitator, or the team chat), never
by what the callback data claims.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from bot import flag_text
from bot.flag_herald import Announce, Herald
from bot.outgoing import OutgoingWriter
from dialogues.effects import RaiseFlag, Say
from dialogues.safeguarding import escalation_deadline
from storage.models import Conversation, Facilitator, Flag, Participant
from storage.outbox import PRIORITY_REPLY, PRIORITY_SAFETY
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
SEVERITY_RANK = {"concern": 1, "urgent": 2}
FLAG_BUTTON = "f"
# ASCII digits only ("²".isdigit() is True), at most 9 of them: anything else is stale.
FLAG_DATA = re.compile(rf"{FLAG_BUTTON}:(ack|close):([0-9]{{1,9}})", re.ASCII)
CLOSE_FLOW = "facilitator"


@dataclass(frozen=True)
class EscalationPolicy:
    urgent_after: timedelta = timedelta(minutes=15)
    concern_at: time = time(10, 0)
    group_window: timedelta = timedelta(minutes=10)
    retry_without_team_chat: timedelta = timedelta(minutes=15)


class FlagDesk:
    def __init__(self, writer: OutgoingWriter, policy: EscalationPolicy) -> None:
        self.writer = writer
        self.policy = policy

    # --- raising -------------------------------------------------------------------
    async def raise_flag(self, uow: UnitOfWork, participant: Participant, effect: RaiseFlag,
                         now: datetime, announce: Announce | None = None) -> bool:
        """Store or group the flag and alert whoever must know. ``announce(told)`` writes the
        participant's reply before the first alert; returns True if an alert row was written."""
        herald = Herald(announce)
        await self._raise(uow, participant, effect, now, herald)
        await herald.finish()
        return herald.alerted

    async def _raise(self, uow: UnitOfWork, participant: Participant, effect: RaiseFlag,
                     now: datetime, herald: Herald) -> None:
        excerpt = effect.excerpt if isinstance(effect.excerpt, str) else self.writer.render(
            effect.excerpt, None)
        evidence = [dict(zip(("rule", "category", "severity", "matched"), e, strict=True))
                    for e in effect.evidence]
        existing = await uow.flags.recent_live(participant.id, now - self.policy.group_window)
        if existing is not None:
            await self._group(uow, participant, existing, effect, excerpt, evidence, now,
                              herald)
            return
        flag = await uow.flags.add(Flag(
            participant_id=participant.id, severity=effect.severity,
            categories=list(effect.categories), source=effect.source,
            excerpts_enc=uow.cipher.encrypt_json([excerpt]),
            evidence_enc=uow.cipher.encrypt_json(evidence), status="open", message_count=1,
            created_at=now, last_message_at=now,
            escalate_at=self._deadline(effect.severity, now)))
        await uow.audit.add(now, "system", "flag.raised", participant.id,
                            {"flag_id": str(flag.id), "severity": flag.severity})
        facilitator = await self._facilitator(uow, participant)
        if facilitator is None:
            flag.escalate_at = now  # nobody to alert: straight to the team chat
            await self._escalate(uow, flag, participant, now, herald)
        else:
            await self._alert(uow, flag, participant, facilitator.telegram_user_id,
                              "facilitator", "facilitator.alert", now, herald=herald)

    async def _group(self, uow: UnitOfWork, participant: Participant, flag: Flag,
                     effect: RaiseFlag, excerpt: str, evidence: list[dict[str, str]],
                     now: datetime, herald: Herald) -> None:
        excerpts: list[str] = uow.cipher.decrypt_json(flag.excerpts_enc, [])
        repeat = excerpt in excerpts
        if not repeat:
            excerpts.append(excerpt)
        flag.excerpts_enc = uow.cipher.encrypt_json(excerpts[-10:])
        flag.evidence_enc = uow.cipher.encrypt_json(
            uow.cipher.decrypt_json(flag.evidence_enc, []) + evidence)
        flag.message_count += 1
        flag.last_message_at = now
        new_categories = [c for c in effect.categories if c not in flag.categories]
        worse = SEVERITY_RANK[effect.severity] > SEVERITY_RANK[flag.severity]
        flag.categories = [*flag.categories, *new_categories]
        await uow.audit.add(now, "system", "flag.grouped", participant.id,
                            {"flag_id": str(flag.id)})
        handled = flag.status == "acknowledged"
        if repeat and not (worse or new_categories or handled):
            return  # the very same words again on an open flag: already alerted, no flood
        if worse:
            flag.severity = effect.severity
        if handled:  # somebody acted already: this new message needs acknowledging again
            await uow.audit.add(now, "system", "flag.reopened", participant.id,
                                {"flag_id": str(flag.id), "was_acknowledged_by":
                                 flag.acknowledged_by or ""})
            flag.status, flag.acknowledged_at, flag.acknowledged_by = "open", None, None
            flag.escalate_at = self._deadline(flag.severity, now)
        elif worse and flag.status == "open":
            deadline = self._deadline(flag.severity, now)
            if flag.escalate_at is None or deadline < flag.escalate_at:
                flag.escalate_at = deadline
        key = "facilitator.alert_update" if worse else "facilitator.alert_new_message"
        recipients = await self._recipients(uow, flag, participant)
        for chat_id, audience in recipients:
            await self._alert(uow, flag, participant, chat_id, audience, key, now,
                              excerpt=excerpt, herald=herald)
        if not recipients:
            flag.escalate_at = now  # nobody reachable: let the escalation tick try the team

    # --- escalation ----------------------------------------------------------------
    async def escalate_due(self, uow: UnitOfWork, now: datetime) -> int:
        count = 0
        for flag in await uow.flags.due_for_escalation(now):
            participant = await uow.participants.get(flag.participant_id)
            if participant is not None and await self._escalate(uow, flag, participant, now):
                count += 1
        return count

    async def escalate_now(self, uow: UnitOfWork, flag_id: int, now: datetime,
                           reason: str = "flag.facilitator_unreachable") -> None:
        """An alert did not reach the facilitator (blocked the bot, or the send failed for
        good): do not wait the deadline. ``reason`` is the audit action."""
        flag = await uow.flags.get(flag_id)
        if flag is not None and flag.status == "open":
            flag.escalate_at = now
            await uow.audit.add(now, "system", reason, flag.participant_id,
                                {"flag_id": str(flag.id)})

    async def _escalate(self, uow: UnitOfWork, flag: Flag, participant: Participant,
                        now: datetime, herald: Herald | None = None) -> bool:
        team_chat = await uow.settings.team_chat_id()
        if team_chat is None:
            log.error("flag %s is due for escalation but no team chat is set", flag.id)
            flag.escalate_at = now + self.policy.retry_without_team_chat
            await uow.audit.add(now, "system", "flag.escalation_blocked", participant.id,
                                {"flag_id": str(flag.id), "reason": "no team chat"})
            return False
        flag.status, flag.escalated_at = "escalated", now
        await self._alert(uow, flag, participant, team_chat, "team", "team.escalation", now,
                          herald=herald)
        await uow.audit.add(now, "system", "flag.escalated", participant.id,
                            {"flag_id": str(flag.id)})
        return True

    # --- facilitator actions -------------------------------------------------------
    async def on_button(self, uow: UnitOfWork, user_id: int, chat_id: int, data: str,
                        now: datetime) -> str | None:
        """Handle Acknowledge / Close; return the short answer for the press."""
        match = FLAG_DATA.fullmatch(data)
        if match is None:
            return self._say("common.expired_button")
        action, flag = match[1], await uow.flags.get(int(match[2]))
        participant = await uow.participants.get(flag.participant_id) if flag else None
        if flag is None or participant is None:
            return self._say("common.expired_button")
        actor = await self._actor(uow, flag, participant, user_id, chat_id)
        if actor is None:
            log.warning("flag %s: press from a user who may not act on it", flag.id)
            await uow.audit.add(now, str(user_id), "flag.press_refused", participant.id,
                                {"flag_id": str(flag.id), "action": action,
                                 "chat": "team" if chat_id != user_id else "private"})
            return self._say("flag.not_yours")
        await uow.audit.add(now, actor, f"flag.press.{action}", participant.id,
                            {"flag_id": str(flag.id)})
        if flag.status == "closed":
            return self._say("flag.already_closed")
        if action == "ack":
            return await self._acknowledge(uow, flag, participant, actor, now)
        return await self._start_close(uow, flag, user_id, now)

    async def on_close_note(self, uow: UnitOfWork, facilitator: Facilitator,
                            conversation: Conversation, note: str, now: datetime) -> None:
        data: dict[str, Any] = uow.cipher.decrypt_json(conversation.data_enc, {})
        flag_id = _stored_flag_id(data)
        flag = await uow.flags.get(flag_id) if flag_id is not None else None
        conversation.flow = conversation.state = None
        conversation.data_enc = None
        if flag is None or flag.status == "closed":
            return
        actor = f"facilitator:{facilitator.id}"
        if flag.acknowledged_at is None:
            flag.acknowledged_at, flag.acknowledged_by = now, actor
        flag.status, flag.closed_at = "closed", now
        flag.close_note_enc = uow.cipher.encrypt(note)
        await uow.audit.add(now, actor, "flag.closed", flag.participant_id,
                            {"flag_id": str(flag.id)})
        await self.writer.write(uow, chat_id=facilitator.telegram_user_id, audience="facilitator",
                                text=self._say("flag.closed", flag_id=str(flag.id)), buttons=[],
                                now=now, priority=PRIORITY_REPLY)

    async def _acknowledge(self, uow: UnitOfWork, flag: Flag, participant: Participant,
                           actor: str, now: datetime) -> str:
        if flag.acknowledged_at is not None:
            return self._say("flag.already_acknowledged")
        flag.acknowledged_at, flag.acknowledged_by, flag.status = now, actor, "acknowledged"
        await uow.audit.add(now, actor, "flag.acknowledged", participant.id,
                            {"flag_id": str(flag.id)})
        by = self._say("flag.by_team") if actor.startswith("team") else self._say(
            "flag.by_facilitator")
        for chat_id, audience in await self._recipients(uow, flag, participant):
            await self.writer.write(
                uow, chat_id=chat_id, audience=audience, buttons=[], now=now,
                text=self._say("flag.acknowledged", flag_id=str(flag.id), by=by),
                priority=PRIORITY_SAFETY)
        return self._say("flag.ack_answer")

    async def _start_close(self, uow: UnitOfWork, flag: Flag, user_id: int,
                           now: datetime) -> str:
        facilitator = await uow.facilitators.by_telegram_id(user_id)
        if facilitator is None:
            return self._say("flag.close_needs_facilitator")
        conversation = await uow.conversations.get(user_id)
        if conversation is None:
            conversation = Conversation(telegram_user_id=user_id, chat_id=user_id, step=0,
                                        phrase_memory={}, updated_at=now)
            await uow.conversations.add(conversation)
        conversation.flow, conversation.state = CLOSE_FLOW, "close_note"
        conversation.data_enc = uow.cipher.encrypt_json({"flag_id": flag.id})
        conversation.updated_at = now
        await self.writer.write(uow, chat_id=user_id, audience="facilitator", buttons=[],
                                now=now, text=self._say("flag.ask_close_note",
                                                        flag_id=str(flag.id)),
                                priority=PRIORITY_REPLY)
        return self._say("flag.close_answer")

    # --- helpers -------------------------------------------------------------------
    async def _actor(self, uow: UnitOfWork, flag: Flag, participant: Participant,
                     user_id: int, chat_id: int) -> str | None:
        """The assigned facilitator, in their private chat or the team chat; or a registered
        facilitator pressing in the team chat on a flag that was escalated there. Nobody
        else, and no other group."""
        facilitator = await self._facilitator(uow, participant)
        team_chat = await uow.settings.team_chat_id()
        # A facilitator who has left may not stop an escalation by acknowledging it (leaving
        # unassigns their participants; this holds even if a row says otherwise).
        if facilitator is not None and facilitator.deactivated_at is None \
                and facilitator.telegram_user_id == user_id and chat_id in (user_id, team_chat):
            return f"facilitator:{facilitator.id}"
        if team_chat is None or chat_id != team_chat or flag.escalated_at is None:
            return None
        member = await uow.facilitators.by_telegram_id(user_id)
        if member is None or member.deactivated_at is not None:
            return None
        return f"team:{user_id}"

    async def _recipients(self, uow: UnitOfWork, flag: Flag,
                          participant: Participant) -> list[tuple[int, str]]:
        recipients = []
        facilitator = await self._facilitator(uow, participant)
        if facilitator is not None:
            recipients.append((facilitator.telegram_user_id, "facilitator"))
        team_chat = await uow.settings.team_chat_id()
        if flag.escalated_at is not None and team_chat is not None:
            recipients.append((team_chat, "team"))
        return recipients

    @staticmethod
    async def _facilitator(uow: UnitOfWork, participant: Participant) -> Facilitator | None:
        if participant.facilitator_id is None:
            return None
        return await uow.facilitators.get(participant.facilitator_id)

    async def _alert(self, uow: UnitOfWork, flag: Flag, participant: Participant, chat_id: int,
                     audience: str, key: str, now: datetime, excerpt: str | None = None,
                     herald: Herald | None = None) -> None:
        if herald is not None:
            await herald.before_alert()
        excerpts: list[str] = uow.cipher.decrypt_json(flag.excerpts_enc, [])
        evidence: list[dict[str, str]] = uow.cipher.decrypt_json(flag.evidence_enc, [])
        why = flag_text.reasons(flag.categories, evidence, self._say, self.writer.phrasebook.has)
        if not evidence:  # a button press: say what the person chose, e.g. "being harmed"
            why = self._say("flag.why_button", reason=why)
        text = self._say(
            key, flag_id=str(flag.id), alias=flag_text.one_line(participant.alias),
            severity=self._say(f"flag.severity.{flag.severity}"),
            excerpt=flag_text.quote(excerpt) if excerpt else flag_text.quote_all(excerpts),
            why=why, count=str(flag.message_count))
        buttons = [[{"text": self._say("flag.button.ack"), "data": f"{FLAG_BUTTON}:ack:{flag.id}"},
                    {"text": self._say("flag.button.close"),
                     "data": f"{FLAG_BUTTON}:close:{flag.id}"}]]
        await self.writer.write(uow, chat_id=chat_id, audience=audience, text=text,
                                buttons=buttons, now=now, flag_id=flag.id,
                                priority=PRIORITY_SAFETY)
        await uow.audit.add(now, "system", "flag.alert_sent", participant.id,
                            {"flag_id": str(flag.id), "to": audience})

    def _deadline(self, severity: str, now: datetime) -> datetime:
        return escalation_deadline(severity, now, urgent_after=self.policy.urgent_after,
                                   concern_at=self.policy.concern_at)

    def _say(self, key: str, **params: str) -> str:
        return self.writer.render(Say(key, params), None)


def _stored_flag_id(data: dict[str, Any]) -> int | None:
    """The flag a close-note state names. Our own record, but never trusted to be whole: a
    state that lost its flag closes nothing (an update that raised would hold up everyone
    behind it)."""
    stored = data.get("flag_id")
    if isinstance(stored, int) and not isinstance(stored, bool) and 0 < stored < 2**31:
        return stored
    return None
