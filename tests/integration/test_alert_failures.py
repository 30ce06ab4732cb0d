"""An alert that never reaches its facilitator escalates to the team chat at once, whatever
the reason: 403 (covered in test_safeguarding), a 400, or a server error after every retry.
The deadline (15 minutes for urgent) is never waited for: the clock barely moves here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channel import Rejected, Transient
from bot.clock import FakeClock
from bot.sender import MAX_ATTEMPTS
from dialogues.effects import RaiseFlag
from storage.models import AuditEntry, OutboxMessage
from tests.integration.conftest import (
    FACILITATOR_ID,
    RecordingChannel,
    User,
    UserFactory,
    onboard,
)

PARTICIPANT = 8111
TEAM_CHAT = -100_777
URGENT_TEXT = "i'm going to strangle her when i get home tonight"


async def _set_team_chat(app: App) -> None:
    async with app.uow() as uow:
        await uow.settings.put("team_chat_id", str(TEAM_CHAT))
        await uow.commit()


async def _state(app: App) -> tuple[list[str], list[str], list[str]]:
    """(flag statuses, audit actions, statuses of the rows to the facilitator)."""
    async with app.uow() as uow:
        flags = [f.status for f in await uow.flags.listing()]
        actions = [a.action for a in await uow.session.scalars(
            select(AuditEntry).order_by(AuditEntry.id))]
        rows = [r.status for r in await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == FACILITATOR_ID,
                                        OutboxMessage.flag_id.is_not(None)))]
        return flags, actions, rows


@pytest.fixture
async def participant(app: App, invite_code: str, user: UserFactory) -> User:
    person = user(PARTICIPANT)
    await onboard(person, invite_code)
    await _set_team_chat(app)
    return person


async def test_an_alert_refused_with_400_escalates_at_once(
        app: App, participant: User, channel: RecordingChannel) -> None:
    channel.fail_next(FACILITATOR_ID, Rejected("Bad Request"))

    await participant.type(URGENT_TEXT)

    flags, actions, rows = await _state(app)
    assert flags == ["escalated"] and rows == ["failed"]
    assert "flag.alert_undelivered" in actions
    [escalation] = channel.to(TEAM_CHAT)
    assert "strangle" in escalation.text


async def test_an_alert_failing_with_5xx_on_every_retry_escalates_once_it_gives_up(
        app: App, participant: User, channel: RecordingChannel, clock: FakeClock) -> None:
    channel.fail_next(FACILITATOR_ID, Transient("502"), times=MAX_ATTEMPTS)

    await participant.type(URGENT_TEXT)
    for _ in range(MAX_ATTEMPTS - 1):  # backoff 2, 4, 8, 16, 32 s: about a minute in all
        flags, _, rows = await _state(app)
        assert flags == ["open"] and rows == ["pending"]  # still retrying: no escalation yet
        assert channel.to(TEAM_CHAT) == []
        clock.advance(timedelta(seconds=40))
        await app.sender.dispatch_due()

    flags, actions, rows = await _state(app)
    assert rows == ["failed"] and flags == ["escalated"]
    assert "flag.alert_undelivered" in actions
    assert len(channel.to(TEAM_CHAT)) == 1


async def test_the_escalation_goes_out_in_the_same_delivery_as_the_failed_alert(
        app: App, participant: User, channel: RecordingChannel) -> None:
    # Only the alert is queued (no reply to the participant beside it), so no later round
    # would be run for another reason: the escalation the failure queued must still go now.
    async with app.uow() as uow:
        found = await uow.participants.by_telegram_id(PARTICIPANT)
        assert found is not None
        await app.flags.raise_flag(uow, found, RaiseFlag(
            "urgent", ("harm",), "an invented message about hurting her tonight"),
            app.clock.now())
        await uow.commit()
    channel.fail_next(FACILITATOR_ID, Rejected("Bad Request"))

    await app.sender.dispatch_due()

    flags, _, _ = await _state(app)
    assert flags == ["escalated"]
    [escalation] = channel.to(TEAM_CHAT)
    assert "hurting her tonight" in escalation.text
