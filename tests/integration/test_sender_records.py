"""What the sender writes back to each outbox row, which is what another sender process
(or this one after a restart) goes by: the Telegram message id and time sent, the chat's
spacing, a 429's retry_after, a 5xx's backoff and a deferral. Pinned against the mutants
of ``bot/sender.py`` that survived the 2026-12-04 mutation run: in one process the limiter
also holds these in memory, so only the rows show a record that is wrong."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.app import App
from bot.channel import Rejected, RetryLater, Transient
from bot.clock import FakeClock
from bot.rate_limit import RateLimiter
from bot.sender import OutboxSender
from storage.models import OutboxMessage
from storage.outbox import PRIORITY_PROACTIVE
from tests.integration.conftest import RecordingChannel

ANNA = 4601
TEAM = -100_4601


async def queue(app: App, *texts: str, chat_id: int = ANNA) -> list[int]:
    async with app.uow() as uow:
        for text in texts:
            await uow.outbox.enqueue(
                chat_id=chat_id, audience="participant" if chat_id > 0 else "team",
                now=app.clock.now(),
                payload=uow.cipher.encrypt_json({"text": text, "buttons": []}),
                priority=PRIORITY_PROACTIVE)
        await uow.commit()
        return [row.id for row in await uow.outbox.all()][-len(texts):]


async def row(app: App, row_id: int) -> OutboxMessage:
    async with app.uow() as uow:
        found = await uow.outbox.get(row_id)
        assert found is not None
        uow.session.expunge(found)
        return found


def limited(app: App, channel: RecordingChannel, clock: FakeClock,
            **hooks: object) -> OutboxSender:
    return OutboxSender(app.uow, channel, clock, limiter=RateLimiter(clock, rate=25),
                        **hooks)  # type: ignore[arg-type]


def naive(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment is not None else None


async def test_a_sent_row_records_its_telegram_id_and_time_and_spaces_its_chat(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    first, second = await queue(app, "one", "two")
    sender = limited(app, channel, clock)

    assert await sender.dispatch_due() == 1  # the second waits for the chat's next slot

    sent = await row(app, first)
    assert sent.status == "sent" and naive(sent.sent_at) == naive(clock.now())
    assert sent.telegram_message_id == channel.to(ANNA)[0].message_id
    waiting = await row(app, second)
    assert waiting.status == "pending"
    assert naive(waiting.retry_at) == naive(clock.now() + timedelta(seconds=1))


async def test_a_429_is_recorded_with_its_retry_after(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    [only] = await queue(app, "one")
    channel.fail_next(ANNA, RetryLater(7))

    await limited(app, channel, clock).dispatch_due()

    refused = await row(app, only)
    assert refused.status == "pending" and refused.attempts == 1
    assert naive(refused.retry_at) == naive(clock.now() + timedelta(seconds=7))


async def test_server_errors_back_off_exponentially(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    [only] = await queue(app, "one")
    channel.fail_next(ANNA, Transient("500"), times=3)
    sender = OutboxSender(app.uow, channel, clock)
    waits = []
    for _ in range(3):
        await sender.dispatch_due()
        failed = await row(app, only)
        assert failed.retry_at is not None
        waits.append(naive(failed.retry_at) - naive(clock.now()))  # type: ignore[operator]
        clock.current = failed.retry_at
    assert waits == [timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=8)]


async def test_a_final_failure_with_no_hook_set_is_recorded_and_nothing_breaks(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    [only] = await queue(app, "one")
    channel.fail_next(ANNA, Rejected("400"))

    assert await OutboxSender(app.uow, channel, clock).dispatch_due() == 0

    assert (await row(app, only)).status == "failed"


async def test_a_row_whose_slot_is_far_off_is_given_back_until_then(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    # A group: a 429 there holds that chat only (a private chat's would hold the whole bot,
    # and then nothing is claimed at all).
    [only] = await queue(app, "one", chat_id=TEAM)
    sender = limited(app, channel, clock)
    sender.limiter.flood(TEAM, 30)  # Telegram said: not before 30 s from now

    assert await sender.dispatch_due() == 0

    deferred = await row(app, only)
    assert (deferred.status, deferred.attempts, deferred.claimed_by) == ("pending", 0, None)
    assert naive(deferred.retry_at) == naive(clock.now() + timedelta(seconds=30))
