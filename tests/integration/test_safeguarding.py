"""Safeguarding end to end through the engine, sender and flag desk, on every database:
flag -> alert -> acknowledge, escalation after the deadline (moved by the clock, no sleeps),
restart in between, grouping, no facilitator, blocked facilitator, urgent help."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channel import Unreachable
from bot.clock import FakeClock
from dialogues.events import Kind
from storage.models import AuditEntry, CheckIn, Flag
from tests.integration.conftest import (
    FACILITATOR_ID,
    AppFactory,
    InboundFactory,
    RecordingChannel,
    User,
    UserFactory,
    conversation_of,
    onboard,
    seed_facilitator,
    seed_invite,
    table_counts,
)

PARTICIPANT = 8101
TEAM_CHAT = -100555
DUTY_MEMBER = 8999
URGENT_TEXT = "i'm going to strangle her when i get home tonight"
CONCERN_TEXT = "I hit my partner last week and I feel awful about it"
NOT_YOURS = ("This flag isn't yours to act on. The assigned facilitator, or the duty team "
             "once it's escalated, will handle it.")


@dataclass(frozen=True)
class FlagView:
    id: int
    severity: str
    categories: list[str]
    status: str
    source: str
    message_count: int
    acknowledged_by: str | None
    escalate_at: datetime | None
    close_note: str | None


async def flags(app: App) -> list[FlagView]:
    """A snapshot of every flag (rows expire when their unit of work ends)."""
    async with app.uow() as uow:
        return [FlagView(f.id, f.severity, list(f.categories), f.status, f.source,
                         f.message_count, f.acknowledged_by, f.escalate_at,
                         uow.cipher.decrypt(f.close_note_enc) if f.close_note_enc else None)
                for f in await uow.flags.listing()]


async def raw_close_note(app: App, flag_id: int) -> bytes | None:
    async with app.uow() as uow:
        flag = await uow.flags.get(flag_id)
        return flag.close_note_enc if flag else None


async def audit_actions(app: App) -> list[str]:
    async with app.uow() as uow:
        rows = await uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [row.action for row in rows]


async def set_team_chat(app: App, chat_id: int = TEAM_CHAT) -> None:
    async with app.uow() as uow:
        await uow.settings.put("team_chat_id", str(chat_id))
        await uow.commit()


@pytest.fixture
async def participant(app: App, invite_code: str, user: UserFactory) -> User:
    person = user(PARTICIPANT)
    await onboard(person, invite_code)
    return person


async def test_urgent_disclosure_alerts_the_facilitator_and_answers_safely(
        app: App, participant: User, channel: RecordingChannel) -> None:
    turn = await participant.type(URGENT_TEXT)

    mine = participant.mine(turn)
    assert len(mine) == 1 and "999" in mine[0] and "facilitator" in mine[0]
    alerts = [s for s in turn.sent if s.chat_id == FACILITATOR_ID]
    assert len(alerts) == 1
    alert = alerts[0]
    assert "URGENT" in alert.text and "strangulation" in alert.text
    assert URGENT_TEXT in alert.text  # the facilitator sees why
    assert [b["text"] for row in alert.buttons for b in row] == ["Acknowledge",
                                                                 "Close with note"]
    [flag] = await flags(app)
    assert (flag.severity, flag.status) == ("urgent", "open")
    assert {"partner_harm", "strangulation"} <= set(flag.categories)


async def test_acknowledging_closes_the_loop_and_stops_escalation(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock,
        user: UserFactory) -> None:
    await set_team_chat(app)
    await participant.type(URGENT_TEXT)
    facilitator = user(FACILITATOR_ID)

    turn = await facilitator.press("Acknowledge")

    assert turn.result.callback_answer == "Acknowledged. Thank you."
    [flag] = await flags(app)
    assert flag.status == "acknowledged" and flag.acknowledged_by == "facilitator:1"
    clock.advance(timedelta(hours=2))
    assert await app.escalate() == 0
    assert channel.to(TEAM_CHAT) == []
    assert "flag.acknowledged" in await audit_actions(app)


async def test_unacknowledged_urgent_flag_escalates_after_the_deadline(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock) -> None:
    await set_team_chat(app)
    await participant.type(URGENT_TEXT)

    clock.advance(timedelta(minutes=14))
    assert await app.escalate() == 0
    clock.advance(timedelta(minutes=2))
    assert await app.escalate() == 1
    await app.sender.dispatch_due()

    [escalation] = channel.to(TEAM_CHAT)
    assert "Escalated" in escalation.text and URGENT_TEXT in escalation.text
    [flag] = await flags(app)
    assert flag.status == "escalated"
    assert await app.escalate() == 0  # once only


async def test_escalation_survives_a_restart(
        make_app: AppFactory, app: App, participant: User, channel: RecordingChannel,
        clock: FakeClock) -> None:
    await set_team_chat(app)
    await participant.type(URGENT_TEXT)
    await app.close()

    clock.advance(timedelta(minutes=20))
    restarted = await make_app()
    assert await restarted.escalate() == 1
    await restarted.sender.dispatch_due()
    assert len(channel.to(TEAM_CHAT)) == 1


async def test_team_chat_acknowledgement_tells_the_facilitator_too(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock,
        make_inbound: InboundFactory) -> None:
    await set_team_chat(app)
    await seed_facilitator(app, DUTY_MEMBER, "Sam Duty")
    await participant.type(URGENT_TEXT)
    clock.advance(timedelta(minutes=16))
    await app.escalate()
    await app.sender.dispatch_due()
    data = channel.callback_data(TEAM_CHAT, "Acknowledge")

    result = await app.engine.handle(
        make_inbound(DUTY_MEMBER, Kind.BUTTON, data, chat_id=TEAM_CHAT))
    await app.sender.dispatch_due()

    assert result.callback_answer == "Acknowledged. Thank you."
    [flag] = await flags(app)
    assert flag.status == "acknowledged" and flag.acknowledged_by == f"team:{DUTY_MEMBER}"
    assert "acknowledged by the duty team" in channel.to(FACILITATOR_ID)[-1].text


async def test_a_stranger_cannot_acknowledge_a_flag_with_forged_callback_data(
        app: App, participant: User, make_inbound: InboundFactory) -> None:
    await participant.type(URGENT_TEXT)
    [flag] = await flags(app)

    result = await app.engine.handle(make_inbound(4242, Kind.BUTTON, f"f:ack:{flag.id}"))

    assert result.callback_answer == NOT_YOURS
    [flag] = await flags(app)
    assert flag.status == "open"


async def test_the_participant_cannot_acknowledge_their_own_flag(
        app: App, participant: User) -> None:
    await participant.type(URGENT_TEXT)
    [flag] = await flags(app)

    turn = await participant.press_data(f"f:ack:{flag.id}")

    assert turn.result.callback_answer == NOT_YOURS
    assert (await flags(app))[0].status == "open"


async def test_the_same_disclosure_three_times_is_one_flag_and_one_alert(
        app: App, participant: User, channel: RecordingChannel) -> None:
    for _ in range(3):
        await participant.type(CONCERN_TEXT)

    [flag] = await flags(app)
    assert flag.message_count == 3
    alerts = [s for s in channel.to(FACILITATOR_ID) if "flag #" in s.text]
    assert len(alerts) == 1


async def test_a_worse_message_in_the_same_conversation_updates_the_flag(
        app: App, participant: User, channel: RecordingChannel) -> None:
    await participant.type(CONCERN_TEXT)
    await participant.type(URGENT_TEXT)

    [flag] = await flags(app)
    assert flag.severity == "urgent" and flag.message_count == 2
    updates = [s for s in channel.to(FACILITATOR_ID) if "is now URGENT" in s.text]
    assert len(updates) == 1


async def test_messages_far_apart_raise_separate_flags(
        app: App, participant: User, clock: FakeClock) -> None:
    await participant.type(CONCERN_TEXT)
    clock.advance(timedelta(hours=1))
    await participant.type(CONCERN_TEXT)
    assert len(await flags(app)) == 2


async def test_a_participant_without_a_facilitator_goes_straight_to_the_team_chat(
        app: App, participant: User, channel: RecordingChannel) -> None:
    await set_team_chat(app)
    async with app.uow() as uow:
        row = await uow.participants.by_telegram_id(PARTICIPANT)
        assert row is not None
        row.facilitator_id = None
        await uow.commit()

    await participant.type(CONCERN_TEXT)

    [flag] = await flags(app)
    assert flag.status == "escalated"
    assert len(channel.to(TEAM_CHAT)) == 1


async def test_a_facilitator_who_blocked_the_bot_escalates_at_once(
        app: App, participant: User, channel: RecordingChannel) -> None:
    await set_team_chat(app)
    channel.fail_next(FACILITATOR_ID, Unreachable("forbidden"))

    await participant.type(URGENT_TEXT)

    [flag] = await flags(app)
    assert flag.status == "escalated"
    assert len(channel.to(TEAM_CHAT)) == 1
    assert "flag.facilitator_unreachable" in await audit_actions(app)


async def test_without_a_team_chat_the_flag_stays_open_and_is_recorded(
        app: App, participant: User, clock: FakeClock) -> None:
    await participant.type(URGENT_TEXT)
    clock.advance(timedelta(minutes=16))

    assert await app.escalate() == 0

    [flag] = await flags(app)
    assert flag.status == "open" and flag.escalate_at is not None
    assert flag.escalate_at > clock.now()  # tried again later, never dropped
    assert "flag.escalation_blocked" in await audit_actions(app)


async def test_urgent_flag_keeps_the_check_in_note_and_the_flow_says_nothing_more(
        app: App, participant: User) -> None:
    await participant.drive("Check in")
    await participant.drive("🔴 Red")
    await participant.drive("Carry on with the check-in")
    await participant.drive("Not now")
    before = await conversation_of(app, PARTICIPANT)
    assert before is not None and (before.flow, before.state) == ("checkin", "note")

    turn = await participant.type(URGENT_TEXT)

    assert len(await flags(app)) == 1
    assert not any("Thanks for checking in" in t for t in participant.mine(turn))
    async with app.uow() as uow:
        [checkin] = (await uow.session.execute(select(CheckIn))).scalars().all()
        assert checkin.note_enc is not None
        assert uow.cipher.decrypt(checkin.note_enc) == URGENT_TEXT  # theirs, kept


async def test_an_urgent_pause_answer_is_kept_and_carry_on_asks_the_next_question(
        app: App, participant: User) -> None:
    await participant.type("/pause")
    turn = await participant.type(URGENT_TEXT)

    assert len(await flags(app)) == 1
    assert "Carry on where I was" in participant.channel.labels(PARTICIPANT)
    view = await conversation_of(app, PARTICIPANT)
    assert view is not None and (view.flow, view.state) == ("pause", "thought")
    assert view.data["answers"]["happened"] == URGENT_TEXT
    assert len(participant.mine(turn)) == 1  # only the safety reply: the flow waits
    resumed = await participant.drive("Carry on where I was")
    assert participant.mine(resumed)


async def test_a_concern_flag_lets_the_check_in_note_go_through(
        app: App, participant: User) -> None:
    await participant.drive("Check in")
    await participant.drive("🔵 Blue")
    await participant.drive("Not now")

    turn = await participant.type(CONCERN_TEXT)

    texts = participant.mine(turn)
    assert any("facilitator will see" in t for t in texts)
    view = await conversation_of(app, PARTICIPANT)
    assert view is not None and view.flow is None  # the check-in finished normally
    assert len(await flags(app)) == 1


async def test_urgent_help_button_raises_a_flag_without_typing(
        app: App, participant: User, channel: RecordingChannel) -> None:
    await participant.drive("Urgent help")
    turn = await participant.drive("I'm worried I'll hurt someone")

    [flag] = await flags(app)
    assert (flag.severity, flag.source) == ("urgent", "urgent_help")
    assert any("Urgent help" in s.text for s in turn.sent if s.chat_id == FACILITATOR_ID)


@pytest.mark.parametrize(
    ("choice", "category", "reason"),
    [("I'm having thoughts of harming myself", "self_harm", "harming themselves"),
     ("Someone is threatening or hurting me", "being_harmed",
      "says someone is threatening or hurting them"),
     ("I might hurt someone", "harm_to_others", "talks of harming someone")],
)
async def test_im_not_safe_files_the_flag_under_what_the_person_chose(
        app: App, participant: User, channel: RecordingChannel, choice: str, category: str,
        reason: str) -> None:
    await participant.drive("Urgent help")
    asked = await participant.drive("I'm not safe")
    assert [flag for flag in await flags(app)] == []  # nothing filed until they choose
    assert "Choose what fits" in participant.mine(asked)[0]

    turn = await participant.drive(choice)

    [flag] = await flags(app)
    assert (flag.severity, flag.categories, flag.source) == ("urgent", [category], "urgent_help")
    [alert] = [s.text for s in turn.sent if s.chat_id == FACILITATOR_ID]
    assert reason in alert


async def test_im_not_safe_from_a_red_check_in_is_one_tap_from_the_choice(
        app: App, participant: User) -> None:
    await participant.drive("Check in")
    await participant.drive("🔴 Red")
    await participant.drive("I'm not safe")

    await participant.drive("Someone is threatening or hurting me")

    [flag] = await flags(app)
    assert flag.categories == ["being_harmed"]


async def test_start_a_time_out_now_at_red_starts_it_and_tells_the_facilitator(
        app: App, participant: User) -> None:
    await participant.drive("Check in")
    await participant.drive("🔴 Red")

    turn = await participant.drive("Start a Time Out now")

    assert any(text.startswith("Started:") for text in participant.mine(turn))
    told = [s.text for s in turn.sent if s.chat_id == FACILITATOR_ID]
    assert any("started a Time Out while at red" in text for text in told)


async def test_close_with_note_stores_the_note_encrypted(
        app: App, participant: User, user: UserFactory, database_url: str) -> None:
    await participant.type(URGENT_TEXT)
    facilitator = user(FACILITATOR_ID)
    await facilitator.press("Close with note")
    turn = await facilitator.type("Called him back; safety plan reviewed")

    assert "is closed" in turn.sent[-1].text
    [flag] = await flags(app)
    assert flag.status == "closed"
    assert flag.close_note == "Called him back; safety plan reviewed"
    raw = await raw_close_note(app, flag.id)
    assert raw is not None and b"safety plan" not in raw
    assert "flag.closed" in await audit_actions(app)


async def test_empty_emoji_and_other_scripts_do_not_break_anything(
        app: App, participant: User) -> None:
    for text in ("🙂🙂🙂", "Dzień dobry, wszystko w porządku", "x" * 4096):
        turn = await participant.type(text)
        assert participant.mine(turn)  # a reply, not a crash
    assert await flags(app) == []


async def test_a_database_failure_while_flagging_loses_nothing_on_redelivery(
        app: App, participant: User, make_inbound: InboundFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    inbound = make_inbound(PARTICIPANT, Kind.TEXT, URGENT_TEXT)
    original = app.flags.raise_flag
    calls = 0

    async def failing_once(*args: object, **kwargs: object) -> Flag:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database went away")
        return await original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(app.flags, "raise_flag", failing_once)
    before = await table_counts(app)
    with pytest.raises(ConnectionError):
        await app.engine.handle(inbound)
    assert await table_counts(app) == before  # rolled back whole: not even the update id

    await app.engine.handle(inbound)  # Telegram delivers it again
    assert len(await flags(app)) == 1


async def test_a_second_participant_of_another_facilitator_alerts_them_only(
        app: App, participant: User, user: UserFactory, channel: RecordingChannel) -> None:
    await seed_facilitator(app, 7002, "Other Facilitator")
    code = await seed_invite(app, 7002, "p-099")
    other = user(8102)
    await onboard(other, code)

    await other.type(URGENT_TEXT)

    assert not any("flag #" in s.text for s in channel.to(FACILITATOR_ID))
    assert any("flag #" in s.text for s in channel.to(7002))
