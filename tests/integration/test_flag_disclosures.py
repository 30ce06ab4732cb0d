"""A new disclosure is never swallowed by the flag desk: after an acknowledgement, after
closure, or inside the grouping window. And the participant is told someone was told only
when an alert really went out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import App
from bot.clock import FakeClock
from tests.integration.conftest import (
    FACILITATOR_ID,
    RecordingChannel,
    User,
    UserFactory,
    onboard,
)
from tests.integration.test_safeguarding import (
    CONCERN_TEXT,
    PARTICIPANT,
    TEAM_CHAT,
    flags,
    set_team_chat,
)

END_IT = "might as well end it all"
PILLS = "I'm going to kill myself tonight, I have the pills ready"
SLAPPED = "I slapped her again yesterday"
TOLD = "letting your facilitator know now"
UNTOLD = "kept with the safeguarding record"


@pytest.fixture
async def participant(app: App, invite_code: str, user: UserFactory) -> User:
    person = user(PARTICIPANT)
    await onboard(person, invite_code)
    return person


async def acknowledge(user: UserFactory) -> None:
    turn = await user(FACILITATOR_ID).press("Acknowledge")
    assert turn.result.callback_answer == "Acknowledged. Thank you."


async def test_new_message_on_acknowledged_flag_alerts_again(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock,
        user: UserFactory) -> None:
    await set_team_chat(app)
    await participant.type(END_IT)
    await acknowledge(user)
    clock.advance(timedelta(minutes=3))

    turn = await participant.type(PILLS)

    alerts = [s for s in turn.sent if s.chat_id == FACILITATOR_ID]
    assert len(alerts) == 1 and "New message on flag #" in alerts[0].text
    assert PILLS in alerts[0].text
    assert any(TOLD in text for text in participant.mine(turn))
    [flag] = await flags(app)
    assert flag.status == "open" and flag.acknowledged_by is None
    assert flag.escalate_at is not None
    assert flag.escalate_at.replace(tzinfo=None) == (
        clock.now() + timedelta(minutes=15)).replace(tzinfo=None)
    clock.advance(timedelta(minutes=16))
    assert await app.escalate() == 1  # nobody acknowledged the new message: the team hears
    await app.sender.dispatch_due()
    assert PILLS in channel.to(TEAM_CHAT)[-1].text


async def test_an_upgrade_on_an_acknowledged_flag_rearms_the_urgent_deadline(
        app: App, participant: User, clock: FakeClock, user: UserFactory) -> None:
    await set_team_chat(app)
    await participant.type(CONCERN_TEXT)
    await acknowledge(user)
    clock.advance(timedelta(minutes=2))

    turn = await participant.type(PILLS)

    assert any("is now URGENT" in s.text for s in turn.sent if s.chat_id == FACILITATOR_ID)
    [flag] = await flags(app)
    assert flag.severity == "urgent" and flag.status == "open"
    clock.advance(timedelta(minutes=16))
    assert await app.escalate() == 1


async def test_the_grouping_window_does_not_extend_with_every_message(
        app: App, participant: User, clock: FakeClock) -> None:
    await participant.type(CONCERN_TEXT)
    clock.advance(timedelta(minutes=8))
    await participant.type(SLAPPED)
    clock.advance(timedelta(minutes=8))

    turn = await participant.type(CONCERN_TEXT)

    assert len(await flags(app)) == 2  # 16 minutes after the first flag: a new one
    assert any("flag #2" in s.text for s in turn.sent if s.chat_id == FACILITATOR_ID)


async def test_a_disclosure_after_a_flag_is_closed_starts_a_new_flag(
        app: App, participant: User, user: UserFactory) -> None:
    facilitator = user(FACILITATOR_ID)
    await participant.type(CONCERN_TEXT)
    await facilitator.press("Close with note")
    await facilitator.type("Spoke to them by phone")

    turn = await participant.type(SLAPPED)

    assert [f.status for f in await flags(app)] == ["closed", "open"]
    assert any("flag #2" in s.text for s in turn.sent if s.chat_id == FACILITATOR_ID)


async def test_a_new_message_on_an_open_flag_reaches_the_facilitator(
        app: App, participant: User) -> None:
    await participant.type(CONCERN_TEXT)

    turn = await participant.type(SLAPPED)

    alerts = [s for s in turn.sent if s.chat_id == FACILITATOR_ID]
    assert len(alerts) == 1 and SLAPPED in alerts[0].text


async def test_the_participant_is_not_told_the_facilitator_was_told_when_no_alert_was_sent(
        app: App, participant: User) -> None:
    first = await participant.type(PILLS)
    assert any(TOLD in text for text in participant.mine(first))

    again = await participant.type(PILLS)  # the very same words: no second alert

    assert [s for s in again.sent if s.chat_id == FACILITATOR_ID] == []
    mine = participant.mine(again)
    assert len(mine) == 1 and TOLD not in mine[0] and UNTOLD in mine[0]


async def test_im_not_safe_after_an_acknowledged_flag_tells_the_facilitator_for_real(
        app: App, participant: User, user: UserFactory) -> None:
    await participant.type(PILLS)
    await acknowledge(user)
    await participant.drive("Menu")
    await participant.drive("Urgent help")
    await participant.drive("I'm not safe")

    turn = await participant.drive("I'm having thoughts of harming myself")

    alerts = [s for s in turn.sent if s.chat_id == FACILITATOR_ID]
    assert len(alerts) == 1 and "New message on flag #1" in alerts[0].text
    assert any("let your facilitator know" in text for text in participant.mine(turn))
    assert (await flags(app))[0].status == "open"


async def test_without_anyone_to_alert_the_reply_does_not_claim_anyone_was_told(
        app: App, participant: User) -> None:
    async with app.uow() as uow:  # the facilitator left and no team chat is set
        person = await uow.participants.by_telegram_id(PARTICIPANT)
        assert person is not None
        person.facilitator_id = None
        await uow.commit()

    turn = await participant.type(PILLS)

    mine = participant.mine(turn)
    assert len(mine) == 1 and TOLD not in mine[0] and UNTOLD in mine[0]
    assert len(await flags(app)) == 1
