"""Edge cases around the tools: overlapping Time Outs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import App
from bot.clock import FakeClock
from storage.models import TimeOutSession
from tests.integration.conftest import UserFactory, onboard, say
from tests.integration.test_tools import start_time_out

PARTICIPANT = 8601


async def _sessions(app: App) -> int:
    async with app.uow() as uow:
        return int(await uow.session.scalar(select(func.count(TimeOutSession.id))) or 0)


async def test_a_second_time_out_cannot_start_while_one_is_running(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    await start_time_out(alex)
    clock.advance(timedelta(minutes=5))

    turn = await alex.type("/timeout")

    assert alex.mine(turn) == [say(app, "timeout.already_running")]
    assert "I'm back" in alex.channel.labels(PARTICIPANT)  # end the current one instead
    assert await _sessions(app) == 1


async def test_a_new_time_out_can_start_once_the_last_one_is_over(
        app: App, invite_code: str, user: UserFactory, clock: FakeClock) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    await start_time_out(alex)
    clock.advance(timedelta(minutes=21))

    await start_time_out(alex)

    assert await _sessions(app) == 2
