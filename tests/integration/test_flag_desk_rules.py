"""The flag desk's rules, each pinned: who is told and when, what an acknowledgement records,
what the audit trail says, and how grouping treats repeats. Written against the mutants that
survived the first mutation run of ``bot/flags.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channel import Unreachable
from bot.clock import FakeClock
from dialogues.events import Kind
from storage.models import AuditEntry, Flag
from tests.integration.conftest import (
    FACILITATOR_ID,
    InboundFactory,
    RecordingChannel,
    User,
    UserFactory,
    conversation_of,
    onboard,
    say,
    seed_facilitator,
)
from tests.integration.test_safeguarding import (
    CONCERN_TEXT,
    DUTY_MEMBER,
    PARTICIPANT,
    TEAM_CHAT,
    URGENT_TEXT,
    set_team_chat,
)

SELF_CONCERN = "I have been cutting myself again"


@pytest.fixture
async def participant(app: App, invite_code: str, user: UserFactory) -> User:
    person = user(PARTICIPANT)
    await onboard(person, invite_code)
    return person


async def audit(app: App, action: str) -> list[AuditEntry]:
    async with app.uow() as uow:
        rows = await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        found = list(rows)
        for row in found:
            uow.session.expunge(row)
        return found


async def the_flag(app: App) -> Flag:
    async with app.uow() as uow:
        [flag] = await uow.flags.listing()
        uow.session.expunge(flag)
        return flag


async def excerpts(app: App) -> list[str]:
    async with app.uow() as uow:
        [flag] = await uow.flags.listing()
        result: list[str] = uow.cipher.decrypt_json(flag.excerpts_enc, [])
        return result


async def evidence(app: App) -> list[dict[str, Any]]:
    async with app.uow() as uow:
        [flag] = await uow.flags.listing()
        result: list[dict[str, Any]] = uow.cipher.decrypt_json(flag.evidence_enc, [])
        return result


def naive(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment is not None else None


async def participant_db_id(app: App) -> int:
    async with app.uow() as uow:
        row = await uow.participants.by_telegram_id(PARTICIPANT)
        assert row is not None
        return row.id


async def escalate_to_team(app: App, clock: FakeClock) -> None:
    clock.advance(timedelta(minutes=16))
    assert await app.escalate() == 1
    await app.sender.dispatch_due()


async def escalated_with_a_duty_member(app: App, participant: User, clock: FakeClock) -> None:
    """An urgent flag nobody acknowledged, now in a team chat with a registered duty member."""
    await set_team_chat(app)
    await seed_facilitator(app, DUTY_MEMBER, "Sam Duty")
    await participant.type(URGENT_TEXT)
    await escalate_to_team(app, clock)


# --- raising and the audit trail ----------------------------------------------------------

async def test_raising_audits_the_flag_its_severity_and_the_alert_to_the_facilitator(
        app: App, participant: User, clock: FakeClock) -> None:
    await participant.type(URGENT_TEXT)
    flag = await the_flag(app)
    pid = await participant_db_id(app)

    [raised] = await audit(app, "flag.raised")
    assert (raised.actor, raised.participant_id) == ("system", pid)
    assert raised.detail == {"flag_id": str(flag.id), "severity": "urgent"}
    [alert] = await audit(app, "flag.alert_sent")
    assert (alert.actor, alert.participant_id) == ("system", pid)
    assert alert.detail == {"flag_id": str(flag.id), "to": "facilitator"}
    assert (flag.message_count, flag.source) == (1, "message")
    assert naive(flag.created_at) == naive(flag.last_message_at) == naive(clock.now())
    assert naive(flag.escalate_at) == naive(clock.now() + timedelta(minutes=15))
    assert flag.escalated_at is None and flag.acknowledged_at is None


async def test_a_concern_waits_until_ten_on_the_next_working_day(
        app: App, participant: User, clock: FakeClock) -> None:
    clock.current = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # a Friday afternoon, GMT
    await participant.type(CONCERN_TEXT)
    flag = await the_flag(app)
    assert flag.severity == "concern"
    assert naive(flag.escalate_at) == datetime(2026, 12, 7, 10, 0)


async def test_the_alert_names_the_flag_the_alias_the_severity_and_carries_both_buttons(
        app: App, participant: User, channel: RecordingChannel) -> None:
    await participant.type(URGENT_TEXT)
    flag = await the_flag(app)
    [alert] = [s for s in channel.to(FACILITATOR_ID) if "flag #" in s.text.lower()]
    assert f"#{flag.id}" in alert.text and "URGENT" in alert.text
    assert alert.buttons == [[{"text": "Acknowledge", "data": f"f:ack:{flag.id}"},
                              {"text": "Close with note", "data": f"f:close:{flag.id}"}]]


# --- grouping -----------------------------------------------------------------------------

async def test_the_same_words_again_on_an_open_flag_count_but_do_not_alert(
        app: App, participant: User, channel: RecordingChannel) -> None:
    await participant.type(CONCERN_TEXT)
    before = len(channel.to(FACILITATOR_ID))
    first_evidence = await evidence(app)

    await participant.type(CONCERN_TEXT)

    assert len(channel.to(FACILITATOR_ID)) == before
    flag = await the_flag(app)
    assert flag.message_count == 2
    assert await excerpts(app) == [CONCERN_TEXT]  # no duplicate quote
    assert await evidence(app) == first_evidence * 2  # the evidence of each message is kept
    [grouped] = await audit(app, "flag.grouped")
    assert grouped.detail == {"flag_id": str(flag.id)}


async def test_a_new_category_at_the_same_severity_alerts_with_the_new_words_only(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock) -> None:
    await participant.type(CONCERN_TEXT)
    deadline = (await the_flag(app)).escalate_at
    clock.advance(timedelta(minutes=1))

    turn = await participant.type(SELF_CONCERN)

    flag = await the_flag(app)
    assert flag.severity == "concern"
    [alert] = [s for s in turn.sent if s.chat_id == FACILITATOR_ID]
    assert "New message on flag" in alert.text
    assert SELF_CONCERN in alert.text and CONCERN_TEXT not in alert.text
    assert "self_harm" in flag.categories and flag.categories[0] != "self_harm"
    assert naive(flag.last_message_at) == naive(clock.now())
    assert flag.escalate_at == deadline  # same severity: the deadline does not move


async def test_an_upgrade_on_an_open_flag_brings_the_deadline_forward(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock) -> None:
    await participant.type(CONCERN_TEXT)
    clock.advance(timedelta(minutes=2))

    turn = await participant.type(URGENT_TEXT)

    flag = await the_flag(app)
    assert (flag.severity, flag.status) == ("urgent", "open")
    assert naive(flag.escalate_at) == naive(clock.now() + timedelta(minutes=15))
    [alert] = [s for s in turn.sent if s.chat_id == FACILITATOR_ID]
    assert "is now URGENT" in alert.text


async def test_only_the_ten_newest_quotes_are_kept(
        app: App, participant: User) -> None:
    lines = [f"I hit my partner again, that makes {n} times" for n in range(12)]
    for line in lines:
        await participant.type(line)
    kept = await excerpts(app)
    assert kept == lines[-10:]
    assert (await the_flag(app)).message_count == 12


async def test_an_escalated_flag_hears_new_words_in_the_team_chat_and_keeps_its_status(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock) -> None:
    await set_team_chat(app)
    channel.fail_next(FACILITATOR_ID, Unreachable("forbidden"))  # escalates at once
    await participant.type(URGENT_TEXT)
    escalated = await the_flag(app)
    assert escalated.status == "escalated"
    clock.advance(timedelta(minutes=1))

    await participant.type("she's still here and I've got the knife")

    flag = await the_flag(app)
    assert flag.status == "escalated" and flag.message_count == 2
    assert flag.escalate_at == escalated.escalate_at
    assert "New message on flag" in channel.to(TEAM_CHAT)[-1].text
    assert "New message on flag" in channel.to(FACILITATOR_ID)[-1].text


# --- escalation ---------------------------------------------------------------------------

async def test_escalation_records_when_and_tells_the_team_once(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock) -> None:
    await set_team_chat(app)
    await participant.type(URGENT_TEXT)
    await escalate_to_team(app, clock)

    flag = await the_flag(app)
    assert flag.status == "escalated" and naive(flag.escalated_at) == naive(clock.now())
    [team_alert] = channel.to(TEAM_CHAT)
    assert URGENT_TEXT in team_alert.text
    [escalated] = await audit(app, "flag.escalated")
    assert escalated.detail == {"flag_id": str(flag.id)}
    assert [a.detail["to"] for a in await audit(app, "flag.alert_sent")] == ["facilitator",
                                                                            "team"]
    clock.advance(timedelta(hours=1))
    assert await app.escalate() == 0  # escalated once, not again every tick


async def test_without_a_team_chat_escalation_is_retried_fifteen_minutes_later(
        app: App, participant: User, clock: FakeClock) -> None:
    await participant.type(URGENT_TEXT)
    clock.advance(timedelta(minutes=16))
    assert await app.escalate() == 0
    flag = await the_flag(app)
    assert naive(flag.escalate_at) == naive(clock.now() + timedelta(minutes=15))
    [blocked] = await audit(app, "flag.escalation_blocked")
    assert blocked.detail == {"flag_id": str(flag.id), "reason": "no team chat"}

    await set_team_chat(app)
    clock.advance(timedelta(minutes=14))
    assert await app.escalate() == 0
    clock.advance(timedelta(minutes=2))
    assert await app.escalate() == 1


async def test_escalate_now_brings_an_open_flags_deadline_to_now_and_audits_why(
        app: App, participant: User, clock: FakeClock) -> None:
    await participant.type(URGENT_TEXT)
    flag = await the_flag(app)
    clock.advance(timedelta(minutes=1))
    async with app.uow() as uow:
        await app.flags.escalate_now(uow, flag.id, clock.now(), reason="flag.alert_undelivered")
        await uow.commit()

    assert naive((await the_flag(app)).escalate_at) == naive(clock.now())
    [entry] = await audit(app, "flag.alert_undelivered")
    assert (entry.actor, entry.participant_id, entry.detail) == (
        "system", await participant_db_id(app), {"flag_id": str(flag.id)})
    assert naive(entry.at) == naive(clock.now())


async def test_escalate_now_leaves_an_acknowledged_flag_alone(
        app: App, participant: User, user: UserFactory) -> None:
    await participant.type(URGENT_TEXT)
    await user(FACILITATOR_ID).press("Acknowledge")
    flag = await the_flag(app)
    async with app.uow() as uow:
        await app.flags.escalate_now(uow, flag.id, flag.created_at + timedelta(minutes=1))
        await uow.commit()
    after = await the_flag(app)
    assert after.escalate_at == flag.escalate_at
    assert await audit(app, "flag.facilitator_unreachable") == []


# --- acknowledging ------------------------------------------------------------------------

async def test_a_second_acknowledgement_does_not_overwrite_the_first(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock,
        make_inbound: InboundFactory, user: UserFactory) -> None:
    await escalated_with_a_duty_member(app, participant, clock)
    data = channel.callback_data(TEAM_CHAT, "Acknowledge")
    first = await user(FACILITATOR_ID).press("Acknowledge")
    assert first.result.callback_answer == "Acknowledged. Thank you."
    acknowledged = await the_flag(app)
    clock.advance(timedelta(minutes=1))

    result = await app.engine.handle(
        make_inbound(DUTY_MEMBER, Kind.BUTTON, data, chat_id=TEAM_CHAT))

    assert result.callback_answer == "This flag was already acknowledged."
    flag = await the_flag(app)
    assert flag.acknowledged_by == "facilitator:1"
    assert flag.acknowledged_at == acknowledged.acknowledged_at
    assert len(await audit(app, "flag.acknowledged")) == 1
    presses = await audit(app, "flag.press.ack")
    assert [p.actor for p in presses] == ["facilitator:1", f"team:{DUTY_MEMBER}"]


async def test_an_acknowledgement_after_escalation_tells_the_facilitator_and_the_team(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock,
        user: UserFactory) -> None:
    await set_team_chat(app)
    await participant.type(URGENT_TEXT)
    await escalate_to_team(app, clock)
    team_before = len(channel.to(TEAM_CHAT))

    await user(FACILITATOR_ID).press("Acknowledge")

    flag = await the_flag(app)
    assert (flag.status, naive(flag.acknowledged_at)) == ("acknowledged", naive(clock.now()))
    assert "the assigned facilitator" in channel.to(TEAM_CHAT)[-1].text
    assert len(channel.to(TEAM_CHAT)) == team_before + 1
    assert "the assigned facilitator" in channel.to(FACILITATOR_ID)[-1].text
    [acknowledged] = await audit(app, "flag.acknowledged")
    assert (acknowledged.actor, acknowledged.detail) == ("facilitator:1",
                                                         {"flag_id": str(flag.id)})


async def test_before_escalation_an_acknowledgement_is_not_posted_to_the_team(
        app: App, participant: User, channel: RecordingChannel, user: UserFactory) -> None:
    await set_team_chat(app)
    await participant.type(URGENT_TEXT)
    await user(FACILITATOR_ID).press("Acknowledge")
    assert channel.to(TEAM_CHAT) == []
    assert "the assigned facilitator" in channel.to(FACILITATOR_ID)[-1].text


async def test_a_refused_press_is_audited_with_who_what_and_where(
        app: App, participant: User, make_inbound: InboundFactory) -> None:
    await participant.type(URGENT_TEXT)
    flag = await the_flag(app)
    pid = await participant_db_id(app)

    await app.engine.handle(make_inbound(4242, Kind.BUTTON, f"f:close:{flag.id}"))

    [refused] = await audit(app, "flag.press_refused")
    assert (refused.actor, refused.participant_id) == ("4242", pid)
    assert refused.detail == {"flag_id": str(flag.id), "action": "close", "chat": "private"}
    assert await audit(app, "flag.press.close") == []


# --- closing ------------------------------------------------------------------------------

async def test_closing_records_who_when_and_acknowledges_on_the_way(
        app: App, participant: User, user: UserFactory, clock: FakeClock,
        channel: RecordingChannel) -> None:
    await participant.type(URGENT_TEXT)
    facilitator = user(FACILITATOR_ID)
    turn = await facilitator.press("Close with note")
    assert turn.result.callback_answer == "I've asked for your note in our private chat."
    clock.advance(timedelta(minutes=5))

    await facilitator.type("Spoke to him; plan in place")

    flag = await the_flag(app)
    assert flag.status == "closed" and naive(flag.closed_at) == naive(clock.now())
    assert flag.acknowledged_by == "facilitator:1"
    assert naive(flag.acknowledged_at) == naive(clock.now())
    [closed] = await audit(app, "flag.closed")
    assert (closed.actor, closed.detail) == ("facilitator:1", {"flag_id": str(flag.id)})
    assert f"#{flag.id}" in channel.to(FACILITATOR_ID)[-1].text


async def test_the_close_note_is_asked_for_in_private_naming_the_flag(
        app: App, participant: User, user: UserFactory, channel: RecordingChannel) -> None:
    await participant.type(URGENT_TEXT)
    flag = await the_flag(app)
    await user(FACILITATOR_ID).press("Close with note")
    assert channel.to(FACILITATOR_ID)[-1].text == say(app, "flag.ask_close_note",
                                                      flag_id=str(flag.id))


@pytest.mark.parametrize("stored", [{}, {"flag_id": None}])
async def test_a_close_note_whose_flag_was_lost_closes_nothing_and_ends_the_mode(
        app: App, participant: User, user: UserFactory, stored: dict[str, Any]) -> None:
    # A close-note state that no longer names its flag (damaged, or written by an older
    # version) must not close some other flag, nor fail the update.
    await participant.type(URGENT_TEXT)
    facilitator = user(FACILITATOR_ID)
    await facilitator.press("Close with note")
    async with app.uow() as uow:
        conversation = await uow.conversations.get(FACILITATOR_ID)
        assert conversation is not None
        conversation.data_enc = uow.cipher.encrypt_json(stored)
        await uow.commit()

    await facilitator.type("Spoke to him")

    assert (await the_flag(app)).status == "open"
    assert await audit(app, "flag.closed") == []
    view = await conversation_of(app, FACILITATOR_ID)
    assert view is None or view.flow is None


async def test_closing_keeps_an_earlier_acknowledgement(
        app: App, participant: User, user: UserFactory, clock: FakeClock) -> None:
    await participant.type(URGENT_TEXT)
    facilitator = user(FACILITATOR_ID)
    await facilitator.press("Acknowledge")
    acknowledged = await the_flag(app)
    clock.advance(timedelta(minutes=5))
    await facilitator.press("Close with note")
    await facilitator.type("Followed up")
    flag = await the_flag(app)
    assert flag.acknowledged_at == acknowledged.acknowledged_at


async def test_after_the_close_note_the_next_message_is_not_taken_as_a_note(
        app: App, participant: User, user: UserFactory) -> None:
    await participant.type(URGENT_TEXT)
    facilitator = user(FACILITATOR_ID)
    await facilitator.press("Close with note")
    await facilitator.type("First note")

    assert await conversation_of(app, FACILITATOR_ID) is None or (
        (await conversation_of(app, FACILITATOR_ID)).flow is None)  # type: ignore[union-attr]
    await facilitator.type("a later, unrelated message")
    async with app.uow() as uow:
        [flag] = await uow.flags.listing()
        assert uow.cipher.decrypt(flag.close_note_enc or b"") == "First note"
    assert len(await audit(app, "flag.closed")) == 1


async def test_a_closed_flag_answers_already_closed_to_both_buttons(
        app: App, participant: User, user: UserFactory) -> None:
    await participant.type(URGENT_TEXT)
    facilitator = user(FACILITATOR_ID)
    flag = await the_flag(app)
    await facilitator.press("Close with note")
    await facilitator.type("Done")
    for action in ("ack", "close"):
        turn = await facilitator.press_data(f"f:{action}:{flag.id}")
        assert turn.result.callback_answer == "This flag is already closed."
    assert (await the_flag(app)).acknowledged_by == "facilitator:1"


async def test_only_a_registered_facilitator_is_asked_for_a_close_note(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock,
        make_inbound: InboundFactory) -> None:
    await escalated_with_a_duty_member(app, participant, clock)
    data = channel.callback_data(TEAM_CHAT, "Close with note")

    result = await app.engine.handle(
        make_inbound(DUTY_MEMBER, Kind.BUTTON, data, chat_id=TEAM_CHAT))
    await app.sender.dispatch_due()

    assert result.callback_answer == "I've asked for your note in our private chat."
    assert channel.to(DUTY_MEMBER)  # asked in their private chat, not in the group
    view = await conversation_of(app, DUTY_MEMBER)
    assert view is not None and view.state == "close_note"


# --- written against the second mutation run's survivors ----------------------------------

async def outbox_audiences(app: App, chat_id: int) -> list[str]:
    async with app.uow() as uow:
        return [row.audience for row in await uow.outbox.all() if row.chat_id == chat_id]


async def test_grouping_and_reopening_are_audited_by_the_system_for_the_participant(
        app: App, participant: User, user: UserFactory, clock: FakeClock) -> None:
    await participant.type(CONCERN_TEXT)
    await user(FACILITATOR_ID).press("Acknowledge")
    clock.advance(timedelta(minutes=1))
    await participant.type(SELF_CONCERN)
    flag = await the_flag(app)
    pid = await participant_db_id(app)

    [grouped] = await audit(app, "flag.grouped")
    assert (grouped.actor, grouped.participant_id) == ("system", pid)
    [reopened] = await audit(app, "flag.reopened")
    assert (reopened.actor, reopened.participant_id) == ("system", pid)
    assert reopened.detail == {"flag_id": str(flag.id), "was_acknowledged_by": "facilitator:1"}


async def test_new_words_with_nobody_to_tell_make_the_flag_due_for_the_team_at_once(
        app: App, participant: User, clock: FakeClock) -> None:
    async with app.uow() as uow:
        row = await uow.participants.by_telegram_id(PARTICIPANT)
        assert row is not None
        row.facilitator_id = None
        await uow.commit()
    await participant.type(CONCERN_TEXT)  # no facilitator, no team chat: blocked, retried
    assert naive((await the_flag(app)).escalate_at) == naive(clock.now() + timedelta(minutes=15))
    clock.advance(timedelta(minutes=1))

    await participant.type(SELF_CONCERN)

    assert naive((await the_flag(app)).escalate_at) == naive(clock.now())
    await set_team_chat(app)
    assert await app.escalate() == 1


async def test_the_same_facilitator_can_close_one_flag_after_another(
        app: App, participant: User, user: UserFactory, clock: FakeClock) -> None:
    facilitator = user(FACILITATOR_ID)
    await participant.type(URGENT_TEXT)
    await facilitator.press("Close with note")
    await facilitator.type("First closed")
    clock.advance(timedelta(hours=1))
    await participant.type(CONCERN_TEXT)  # a new flag: the first is closed

    await facilitator.press("Close with note")
    await facilitator.type("Second closed")

    async with app.uow() as uow:
        notes = [uow.cipher.decrypt(f.close_note_enc or b"") for f in await uow.flags.listing()]
        statuses = [f.status for f in await uow.flags.listing()]
    assert sorted(notes) == ["First closed", "Second closed"]
    assert statuses == ["closed", "closed"]
    pid = await participant_db_id(app)
    assert [a.participant_id for a in await audit(app, "flag.closed")] == [pid, pid]
    # Steady's own words to the facilitator go out as facilitator messages.
    assert set(await outbox_audiences(app, FACILITATOR_ID)) == {"facilitator"}


async def test_a_late_close_note_does_not_overwrite_a_flag_someone_else_closed(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock,
        make_inbound: InboundFactory, user: UserFactory) -> None:
    await escalated_with_a_duty_member(app, participant, clock)
    data = channel.callback_data(TEAM_CHAT, "Close with note")
    await app.engine.handle(make_inbound(DUTY_MEMBER, Kind.BUTTON, data, chat_id=TEAM_CHAT))
    facilitator = user(FACILITATOR_ID)
    await facilitator.press("Close with note")
    await facilitator.type("Closed by the facilitator")
    closed = await the_flag(app)

    clock.advance(timedelta(minutes=5))
    await app.engine.handle(make_inbound(DUTY_MEMBER, Kind.TEXT, "Late note from the duty team"))

    flag = await the_flag(app)
    assert flag.closed_at == closed.closed_at
    async with app.uow() as uow:
        [row] = await uow.flags.listing()
        assert uow.cipher.decrypt(row.close_note_enc or b"") == "Closed by the facilitator"
    assert len(await audit(app, "flag.closed")) == 1
    assert await conversation_of(app, DUTY_MEMBER) is None or (
        (await conversation_of(app, DUTY_MEMBER)).flow is None)  # type: ignore[union-attr]
