"""The outbox sender against a channel that fails on request: flood control, server errors,
blocked chats, and order per chat. Time moves only when the FakeClock is advanced."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from bot.app import App
from bot.channel import Rejected, RetryLater, Transient, Unreachable
from bot.clock import FakeClock
from bot.sender import MAX_ATTEMPTS
from tests.integration.conftest import (
    FACILITATOR_ID,
    AppFactory,
    RecordingChannel,
    UserFactory,
    onboard,
)

ANNA, BEN = 4101, 4102
PARTICIPANT = 4201


async def _queue(app: App, chat_id: int, *texts: str) -> None:
    async with app.uow() as uow:
        for text in texts:
            await app.engine.writer.write(uow, chat_id=chat_id, audience="participant",
                                          text=text, buttons=[], now=app.clock.now())
        await uow.commit()


@dataclass(frozen=True)
class RowView:
    status: str
    attempts: int
    retry_at: datetime | None
    last_error: str | None
    has_payload: bool


async def _rows(app: App, chat_id: int) -> list[RowView]:
    async with app.uow() as uow:
        return [RowView(r.status, r.attempts, r.retry_at, r.last_error, r.payload_enc is not None)
                for r in await uow.outbox.all() if r.chat_id == chat_id]


def _texts(channel: RecordingChannel, chat_id: int) -> list[str]:
    return [s.text for s in channel.to(chat_id)]


async def test_flood_control_retries_after_retry_after_and_holds_back_that_chat_only(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, ANNA, "a1", "a2")
    await _queue(app, BEN, "b1")
    channel.fail_next(ANNA, RetryLater(30))
    start = clock.now()

    assert await app.sender.dispatch_due() == 1
    assert _texts(channel, BEN) == ["b1"]
    assert _texts(channel, ANNA) == []
    first = (await _rows(app, ANNA))[0]
    assert (first.status, first.attempts, first.last_error) == ("pending", 1, "RetryLater")
    assert first.retry_at == start + timedelta(seconds=30)

    await _queue(app, BEN, "b2")  # other chats keep flowing while Anna waits
    attempts = channel.attempts.count(ANNA)
    assert await app.sender.dispatch_due() == 1
    assert _texts(channel, BEN) == ["b1", "b2"]
    clock.advance(timedelta(seconds=29))
    assert await app.sender.dispatch_due() == 0
    assert channel.attempts.count(ANNA) == attempts  # nothing tried early, a2 included

    clock.advance(timedelta(seconds=1))
    assert await app.sender.dispatch_due() == 2
    assert _texts(channel, ANNA) == ["a1", "a2"]
    assert [r.status for r in await _rows(app, ANNA)] == ["sent", "sent"]


async def test_a_server_error_is_retried_with_backoff_then_delivered(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, ANNA, "a1", "a2")
    channel.fail_next(ANNA, Transient("502 Bad Gateway"), times=2)
    start = clock.now()

    assert await app.sender.dispatch_due() == 0
    row = (await _rows(app, ANNA))[0]
    assert (row.attempts, row.retry_at, row.last_error) == (
        1, start + timedelta(seconds=2), "Transient")

    clock.advance(timedelta(seconds=2))
    assert await app.sender.dispatch_due() == 0
    row = (await _rows(app, ANNA))[0]
    assert (row.attempts, row.retry_at) == (2, start + timedelta(seconds=6))

    clock.advance(timedelta(seconds=3))
    assert await app.sender.dispatch_due() == 0
    assert channel.attempts.count(ANNA) == 2

    clock.advance(timedelta(seconds=1))
    assert await app.sender.dispatch_due() == 2
    assert _texts(channel, ANNA) == ["a1", "a2"]


async def test_a_server_error_gives_up_after_max_attempts_and_the_chat_moves_on(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, ANNA, "a1", "a2")
    channel.fail_next(ANNA, Transient("503"), times=MAX_ATTEMPTS)

    for attempt in range(1, MAX_ATTEMPTS):
        assert await app.sender.dispatch_due() == 0
        assert (await _rows(app, ANNA))[0].status == "pending"
        clock.advance(timedelta(seconds=2 ** attempt))
    assert await app.sender.dispatch_due() == 1  # the last try fails; a2 then goes

    first, second = await _rows(app, ANNA)
    assert (first.status, first.attempts, first.last_error) == ("failed", MAX_ATTEMPTS,
                                                                "Transient")
    assert second.status == "sent"
    assert _texts(channel, ANNA) == ["a2"]


async def test_an_unreachable_chat_fails_its_row_and_other_chats_still_go(
        app: App, channel: RecordingChannel) -> None:
    await _queue(app, ANNA, "a1")
    await _queue(app, BEN, "b1", "b2")
    channel.fail_next(ANNA, Unreachable("403 Forbidden: bot was blocked by the user"))

    assert await app.sender.dispatch_due() == 2

    [row] = await _rows(app, ANNA)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "Unreachable")
    assert _texts(channel, BEN) == ["b1", "b2"]
    await _queue(app, BEN, "b3")
    assert await app.sender.dispatch_due() == 1
    assert _texts(channel, BEN) == ["b1", "b2", "b3"]
    assert channel.attempts.count(ANNA) == 1  # a failed row is never tried again


async def test_a_rejected_message_fails_and_the_next_one_in_its_chat_goes(
        app: App, channel: RecordingChannel) -> None:
    await _queue(app, ANNA, "a1", "a2")
    channel.fail_next(ANNA, Rejected("400 Bad Request"))

    assert await app.sender.dispatch_due() == 1

    first, second = await _rows(app, ANNA)
    assert (first.status, first.last_error) == ("failed", "Rejected")
    assert second.status == "sent"
    assert _texts(channel, ANNA) == ["a2"]


async def test_order_per_chat_survives_retries(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, ANNA, "a1")
    await _queue(app, BEN, "b1")
    assert await app.sender.dispatch_due() == 2
    await _queue(app, ANNA, "a2", "a3", "a4")
    await _queue(app, BEN, "b2", "b3")
    channel.fail_next(ANNA, Transient("timeout"))
    channel.fail_next(BEN, RetryLater(5))

    assert await app.sender.dispatch_due() == 0
    clock.advance(timedelta(seconds=1))
    channel.fail_next(ANNA, RetryLater(1))  # not tried yet: a2 is still backing off
    clock.advance(timedelta(seconds=1))
    assert await app.sender.dispatch_due() == 0  # a2 hits flood control this time
    clock.advance(timedelta(seconds=1))
    assert await app.sender.dispatch_due() == 3
    clock.advance(timedelta(seconds=5))
    assert await app.sender.dispatch_due() == 2

    assert _texts(channel, ANNA) == ["a1", "a2", "a3", "a4"]
    assert _texts(channel, BEN) == ["b1", "b2", "b3"]



async def test_delivered_rows_drop_their_body(app: App, channel: RecordingChannel) -> None:
    await _queue(app, BEN, "b1", "b2")
    assert [r.has_payload for r in await _rows(app, BEN)] == [True, True]

    await app.sender.dispatch_due()

    assert [(r.status, r.has_payload) for r in await _rows(app, BEN)] == [
        ("sent", False), ("sent", False)]


async def test_two_workers_deliver_each_message_once_in_order(
        make_app: AppFactory, channel: RecordingChannel, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers share one PostgreSQL database; SQLite has one writer")
    first, second = await make_app(), await make_app()
    chats = (ANNA, BEN, 4103, 4104)
    for round_ in range(5):
        for chat_id in chats:
            await _queue(first, chat_id, f"{chat_id}-{round_}")

    delivered = await asyncio.gather(first.sender.dispatch_due(), second.sender.dispatch_due(),
                                     first.sender.dispatch_due(), second.sender.dispatch_due())

    assert sum(delivered) == 20
    for chat_id in chats:
        assert _texts(channel, chat_id) == [f"{chat_id}-{r}" for r in range(5)]


async def _unreachable_since(app: App) -> datetime | None:
    async with app.uow() as uow:
        participant = await uow.participants.by_telegram_id(PARTICIPANT)
        assert participant is not None
        return participant.unreachable_since


async def test_a_blocked_participant_is_reported_to_their_facilitator_once(
        app: App, invite_code: str, user: UserFactory, channel: RecordingChannel,
        clock: FakeClock) -> None:
    alex = user(PARTICIPANT)
    await onboard(alex, invite_code)
    told_before = len(channel.to(FACILITATOR_ID))
    blocked = Unreachable("403 Forbidden: bot was blocked by the user")
    channel.fail_next(PARTICIPANT, blocked, times=2)

    turn = await alex.type("/help")  # the help text and the menu: both refused

    assert alex.mine(turn) == []
    news = channel.to(FACILITATOR_ID)[told_before:]
    assert len(news) == 1
    assert "p-017" in news[0].text and news[0].audience == "facilitator"
    assert await _unreachable_since(app) == clock.now()

    clock.advance(timedelta(minutes=5))
    back = await alex.type("/help")  # writing again clears the mark
    assert len(alex.mine(back)) == 2
    assert await _unreachable_since(app) is None
    channel.fail_next(PARTICIPANT, blocked)
    await alex.type("/help")
    assert len(channel.to(FACILITATOR_ID)[told_before:]) == 2  # a new block is news again
