"""Who may press a flag's Acknowledge / Close, and what a press may not do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from dialogues.events import Kind
from storage.models import AuditEntry, Flag
from tests.integration.conftest import (
    FACILITATOR_ID,
    InboundFactory,
    RecordingChannel,
    User,
    UserFactory,
    onboard,
    seed_facilitator,
)
from tests.integration.test_safeguarding import (
    DUTY_MEMBER,
    NOT_YOURS,
    PARTICIPANT,
    TEAM_CHAT,
    URGENT_TEXT,
    flags,
    set_team_chat,
)

OTHER_FACILITATOR = 7002
EXPIRED = "That button has expired."


@pytest.fixture
async def participant(app: App, invite_code: str, user: UserFactory) -> User:
    person = user(PARTICIPANT)
    await onboard(person, invite_code)
    return person


async def escalated(app: App, participant: User, clock: FakeClock) -> None:
    await set_team_chat(app)
    await participant.type(URGENT_TEXT)
    clock.advance(timedelta(minutes=16))
    assert await app.escalate() == 1
    await app.sender.dispatch_due()


async def refusals(app: App) -> list[tuple[str, str]]:
    async with app.uow() as uow:
        rows = await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "flag.press_refused"))
        return [(row.actor, row.action) for row in rows]


async def test_a_team_chat_member_who_is_not_a_facilitator_cannot_acknowledge(
        app: App, participant: User, clock: FakeClock, make_inbound: InboundFactory) -> None:
    await escalated(app, participant, clock)

    result = await app.engine.handle(
        make_inbound(DUTY_MEMBER, Kind.BUTTON, "f:ack:1", chat_id=TEAM_CHAT))

    assert result.callback_answer == NOT_YOURS
    assert (await flags(app))[0].status == "escalated"
    assert await refusals(app) == [(str(DUTY_MEMBER), "flag.press_refused")]


async def test_another_facilitator_cannot_close_a_flag_that_was_not_escalated(
        app: App, participant: User, make_inbound: InboundFactory) -> None:
    await set_team_chat(app)
    await seed_facilitator(app, OTHER_FACILITATOR, "Other Facilitator")
    await participant.type(URGENT_TEXT)

    for chat_id in (TEAM_CHAT, OTHER_FACILITATOR):
        result = await app.engine.handle(
            make_inbound(OTHER_FACILITATOR, Kind.BUTTON, "f:close:1", chat_id=chat_id))
        assert result.callback_answer == NOT_YOURS

    assert (await flags(app))[0].status == "open"
    assert await refusals(app) == [(str(OTHER_FACILITATOR), "flag.press_refused")] * 2


async def test_a_registered_facilitator_in_the_team_chat_may_close_an_escalated_flag(
        app: App, participant: User, clock: FakeClock, make_inbound: InboundFactory) -> None:
    await seed_facilitator(app, OTHER_FACILITATOR, "Other Facilitator")
    await escalated(app, participant, clock)

    result = await app.engine.handle(
        make_inbound(OTHER_FACILITATOR, Kind.BUTTON, "f:close:1", chat_id=TEAM_CHAT))

    assert result.callback_answer == "I've asked for your note in our private chat."


async def test_a_second_acknowledge_does_not_overwrite_the_first(
        app: App, participant: User, clock: FakeClock, make_inbound: InboundFactory,
        user: UserFactory) -> None:
    await seed_facilitator(app, DUTY_MEMBER, "Sam Duty")
    await escalated(app, participant, clock)
    await app.engine.handle(make_inbound(DUTY_MEMBER, Kind.BUTTON, "f:ack:1", chat_id=TEAM_CHAT))
    async with app.uow() as uow:
        first = await uow.session.get(Flag, 1)
        assert first is not None
        before = (first.acknowledged_by, first.acknowledged_at)
    clock.advance(timedelta(minutes=5))

    turn = await user(FACILITATOR_ID).press_data("f:ack:1")

    assert turn.result.callback_answer == "This flag was already acknowledged."
    async with app.uow() as uow:
        again = await uow.session.get(Flag, 1)
        assert again is not None
        assert (again.acknowledged_by, again.acknowledged_at) == before
    assert before[0] == f"team:{DUTY_MEMBER}"


async def test_an_acknowledgement_after_escalation_is_sent_to_the_team_chat(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock,
        user: UserFactory) -> None:
    await escalated(app, participant, clock)

    await user(FACILITATOR_ID).press_data("f:ack:1")

    assert "acknowledged by the assigned facilitator" in channel.to(TEAM_CHAT)[-1].text


@pytest.mark.parametrize("data", ["f:ack:²", "f:ack:١", "f:close:1234567890", "f:ack:-1",
                                  "f:ack: 1", "f:ack:1:2", "f:nope:1", "f:ack:"])
async def test_flag_button_data_that_is_not_plain_ascii_digits_is_a_stale_button(
        app: App, participant: User, user: UserFactory, data: str) -> None:
    await participant.type(URGENT_TEXT)

    turn = await user(FACILITATOR_ID).press_data(data)

    assert turn.result.callback_answer == EXPIRED
    assert (await flags(app))[0].status == "open"


async def test_the_assigned_facilitator_cannot_act_from_some_other_group(
        app: App, participant: User, make_inbound: InboundFactory) -> None:
    await set_team_chat(app)
    await participant.type(URGENT_TEXT)

    result = await app.engine.handle(
        make_inbound(FACILITATOR_ID, Kind.BUTTON, "f:ack:1", chat_id=-100777))

    assert result.callback_answer == NOT_YOURS
    assert (await flags(app))[0].status == "open"
