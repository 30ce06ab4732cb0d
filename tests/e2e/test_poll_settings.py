"""End to end: the running bot takes its poison-update retries from the settings
(STEADY_POLL_ATTEMPTS and the backoff), not from constants in bot/polling.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.config import Settings
from storage.uow import UnitOfWork
from tests.e2e.conftest import Person, start_bot
from tests.e2e.fake_bot_api import FakeBotAPI

PARTICIPANT_ID = 8601
# A user id no database column holds (SQLite integers are 64-bit): handling it raises, every
# time, the way a poison update does.
OVERSIZED_ID = 10**30


async def test_a_poison_update_is_skipped_after_the_configured_number_of_tries(
        fake: FakeBotAPI, settings: Settings, invite_code: str, person: Callable[..., Person],
        with_uow: Callable[[Callable[[UnitOfWork], Awaitable[list[tuple[int, int]]]]],
                           Awaitable[list[tuple[int, int]]]],
) -> None:
    configured = settings.model_copy(update={"poll_attempts": 5,
                                             "poll_retry_base_seconds": 0.0})
    running = await start_bot(configured, fake)
    try:
        poison = person(OVERSIZED_ID, "Invented").say("hello")
        jo = person(PARTICIPANT_ID, "Jo")
        jo.say(f"/start {invite_code}")
        await jo.next("Steady")  # the poison was skipped: the bot goes on
    finally:
        await running.stop()

    async def skipped(uow: UnitOfWork) -> list[tuple[int, int]]:
        return [(row.update_id, row.attempts) for row in await uow.skipped_updates.listing()]

    # Tried five times (the default is three), then recorded and skipped.
    assert await with_uow(skipped) == [(poison["update_id"], 5)]
