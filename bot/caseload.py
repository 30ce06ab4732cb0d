"""A facilitator's own caseload in Telegram: ``/caseload``, ``/flags``, ``/status ALIAS
STATUS`` and ``/week ALIAS N``.

Who is asking comes from the update's numeric user id (the engine looks the facilitator
up); a facilitator sees only the participants assigned to them, never anyone else's, and
each participant shown writes an audit row (who looked, at what, when).

``/caseload`` lists each participant with their status, programme week, last contact,
last check-in colour and open flags, those with the newest concern first. ``/flags`` sends
each live flag of theirs again with its Acknowledge / Close buttons (the buttons carry only
the flag id; the flag desk checks the presser's rights again when one is pressed).
``/status`` and ``/week`` change one of their own participants (found by alias among their
own only: another facilitator's alias gets the same answer as one that does not exist);
the planner looks at that person again at its next tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import flag_text
from bot.flags import FLAG_BUTTON
from bot.outgoing import OutgoingWriter
from dialogues.effects import Say
from dialogues.preferences import PROGRAMME_WEEKS, programme_week
from storage.flags import LIVE
from storage.models import CheckIn, Conversation, Facilitator, Flag, Participant
from storage.outbox import PRIORITY_REPLY
from storage.uow import UnitOfWork

COMMANDS = ("caseload", "flags", "status", "week")
# What /status may set; "waiting" follows from an invite's start date and "left" from the
# participant's own "forget me", so neither is set by hand.
SETTABLE_STATUSES = ("active", "paused", "completed", "withdrawn")
FACILITATOR_TIMEZONE = ZoneInfo("Europe/London")  # the programme's; dates only


@dataclass(frozen=True)
class CaseRow:
    participant: Participant
    last_contact: datetime | None
    last_colour: str | None
    open_flags: int
    newest_flag: datetime | None


class CaseloadDesk:
    def __init__(self, writer: OutgoingWriter) -> None:
        self.writer = writer

    async def handle(self, uow: UnitOfWork, facilitator: Facilitator, command: str,
                     argument: str, chat_id: int, now: datetime) -> None:
        """Answer one of ``COMMANDS`` in ``chat_id`` (the facilitator's private chat)."""
        if command in ("status", "week"):
            reply = await self._change(uow, facilitator, command, argument, now)
            await self._write(uow, chat_id, reply, [], now)
            return
        rows = await self._caseload(uow, facilitator)
        if command == "caseload":
            await self._send_caseload(uow, facilitator, rows, chat_id, now)
        else:
            await self._send_flags(uow, facilitator, rows, chat_id, now)

    async def _change(self, uow: UnitOfWork, facilitator: Facilitator, command: str,
                      argument: str, now: datetime) -> str:
        words = argument.split()
        if len(words) != 2:
            return self._say(f"facilitator.{command}.usage")
        alias, value = words
        found = list(await uow.session.scalars(select(Participant).where(
            Participant.facilitator_id == facilitator.id, Participant.alias == alias,
            Participant.status != "left")))
        if len(found) != 1:
            return self._say("facilitator.no_such_participant", alias=flag_text.one_line(alias))
        person = found[0]
        if command == "status":
            status = value.casefold()
            if status not in SETTABLE_STATUSES:
                return self._say("facilitator.status.usage")
            detail = {"from": person.status, "to": status}
            person.status = status
            if status != "active":  # nothing proactive while paused, completed or withdrawn
                await uow.outbox.cancel_scheduled(person.chat_id, now)
            reply = self._say("facilitator.status.done", alias=person.alias,
                              status=self._say(f"facilitator.status.{status}"))
        else:
            if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= PROGRAMME_WEEKS:
                return self._say("facilitator.week.usage")
            week = int(value)
            today = now.astimezone(ZoneInfo(person.timezone)).date()
            detail = {"week": str(week)}
            person.start_date = today - timedelta(weeks=week - 1)
            if person.status == "waiting":
                person.status = "active"
            reply = self._say("facilitator.week.done", alias=person.alias, week=str(week))
        person.next_plan_at = None  # the planner looks again at its next tick
        await uow.audit.add(now, f"facilitator:{facilitator.id}", f"participant.{command}",
                            person.id, detail)
        return reply

    async def _caseload(self, uow: UnitOfWork, facilitator: Facilitator) -> list[CaseRow]:
        session = uow.session
        participants = list(await session.scalars(
            select(Participant).where(Participant.facilitator_id == facilitator.id,
                                      Participant.status != "left")))
        ids = [p.id for p in participants]
        if not ids:
            return []
        contact = {user_id: at for user_id, at in await session.execute(
            select(Conversation.telegram_user_id, Conversation.updated_at).where(
                Conversation.telegram_user_id.in_([p.telegram_user_id for p in participants])))}
        latest = (select(CheckIn.participant_id, func.max(CheckIn.id).label("last"))
                  .where(CheckIn.participant_id.in_(ids)).group_by(CheckIn.participant_id)
                  .subquery())
        colours = {pid: colour for pid, colour in await session.execute(
            select(CheckIn.participant_id, CheckIn.colour)
            .join(latest, CheckIn.id == latest.c.last))}
        flags = {pid: (count, newest) for pid, count, newest in (await session.execute(
            select(Flag.participant_id, func.count(Flag.id), func.max(Flag.last_message_at))
            .where(Flag.participant_id.in_(ids), Flag.status.in_(LIVE))
            .group_by(Flag.participant_id)))}
        rows = [CaseRow(p, contact.get(p.telegram_user_id), colours.get(p.id),
                        flags.get(p.id, (0, None))[0], flags.get(p.id, (0, None))[1])
                for p in participants]
        # Newest concern first, then everyone else by alias.
        with_flags = sorted((r for r in rows if r.open_flags),
                            key=lambda r: _aware(r.newest_flag), reverse=True)
        others = sorted((r for r in rows if not r.open_flags),
                        key=lambda r: r.participant.alias)
        return with_flags + others

    async def _send_caseload(self, uow: UnitOfWork, facilitator: Facilitator,
                             rows: list[CaseRow], chat_id: int, now: datetime) -> None:
        if not rows:
            await self._write(uow, chat_id, self._say("facilitator.caseload.empty"), [], now)
            return
        lines = [self._say("facilitator.caseload.header", count=str(len(rows)))]
        for row in rows:
            lines.append(self._line(row, now))
            await self._audit(uow, facilitator, "caseload.viewed", row.participant, now)
        await self._write(uow, chat_id, "\n".join(lines), [], now)

    def _line(self, row: CaseRow, now: datetime) -> str:
        person = row.participant
        status = "unreachable" if person.unreachable_since is not None else person.status
        week = programme_week(person.start_date, now, person.timezone)
        return self._say(
            "facilitator.caseload.row", alias=flag_text.one_line(person.alias),
            status=self._say(f"facilitator.status.{status}"),
            week=self._say("facilitator.caseload.week", week=str(week)) if week
            else self._say("facilitator.caseload.no_week"),
            contact=_day(row.last_contact) if row.last_contact
            else self._say("facilitator.caseload.never"),
            colour=self._say(f"facilitator.colour.{row.last_colour}") if row.last_colour
            else self._say("facilitator.caseload.never"),
            flags=self._say("facilitator.caseload.flags", count=str(row.open_flags))
            if row.open_flags else self._say("facilitator.caseload.no_flags"))

    async def _send_flags(self, uow: UnitOfWork, facilitator: Facilitator,
                          rows: list[CaseRow], chat_id: int, now: datetime) -> None:
        people = {row.participant.id: row.participant for row in rows if row.open_flags}
        flags = list(await uow.session.scalars(
            select(Flag).where(Flag.participant_id.in_(list(people)), Flag.status.in_(LIVE))
            .order_by(Flag.last_message_at.desc(), Flag.id.desc()))) if people else []
        if not flags:
            await self._write(uow, chat_id, self._say("facilitator.flags.none"), [], now)
            return
        for flag in flags:
            person = people[flag.participant_id]
            evidence: list[dict[str, str]] = uow.cipher.decrypt_json(flag.evidence_enc, [])
            text = self._say(
                "facilitator.flags.item", flag_id=str(flag.id),
                alias=flag_text.one_line(person.alias),
                severity=self._say(f"flag.severity.{flag.severity}"),
                status=self._say(f"facilitator.flag_status.{flag.status}"),
                since=_day(flag.created_at), count=str(flag.message_count),
                why=flag_text.reasons(flag.categories, evidence, self._say,
                                      self.writer.phrasebook.has))
            buttons = [[{"text": self._say("flag.button.ack"),
                         "data": f"{FLAG_BUTTON}:ack:{flag.id}"},
                        {"text": self._say("flag.button.close"),
                         "data": f"{FLAG_BUTTON}:close:{flag.id}"}]]
            await self._write(uow, chat_id, text, buttons, now)
            await self._audit(uow, facilitator, "flag.listed", person, now, flag_id=flag.id)

    async def _write(self, uow: UnitOfWork, chat_id: int, text: str,
                     buttons: list[list[dict[str, str]]], now: datetime) -> None:
        await self.writer.write(uow, chat_id=chat_id, audience="facilitator", text=text,
                                buttons=buttons, now=now, priority=PRIORITY_REPLY)

    @staticmethod
    async def _audit(uow: UnitOfWork, facilitator: Facilitator, action: str,
                     participant: Participant, now: datetime, flag_id: int | None = None) -> None:
        detail = {"flag_id": str(flag_id)} if flag_id is not None else {}
        await uow.audit.add(now, f"facilitator:{facilitator.id}", action, participant.id,
                            detail)

    def _say(self, key: str, **params: str) -> str:
        return self.writer.render(Say(key, params), None)


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day(moment: datetime) -> str:
    """A date as a facilitator reads it: "Tue 3 Mar" (the time of day is not needed)."""
    local = _aware(moment).astimezone(FACILITATOR_TIMEZONE)
    return f"{local:%a} {local.day} {local:%b}"
