"""Outbox claims carry a worker id and a short lease: a crashed worker's in-flight message
does not hold its chat back for long, and a live worker's claims are left alone."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest

from bot.app import App
from bot.channel import Buttons
from bot.clock import FakeClock
from bot.sender import OutboxSender
from storage.models import OutboxMessage
from storage.outbox import Outbox
from tests.integration.conftest import RecordingChannel

ANNA = 4301
BEN = 4302
HOST = socket.gethostname()[:40]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


async def _queue(app: App, chat_id: int, *texts: str) -> None:
    async with app.uow() as uow:
        for text in texts:
            await app.engine.writer.write(uow, chat_id=chat_id, audience="participant",
                                          text=text, buttons=[], now=app.clock.now())
        await uow.commit()


async def _claim_as(app: App, worker: str) -> int:
    """Claim as ``worker`` would and then stop (no send, no record): a crash mid-send."""
    async with app.uow() as uow:
        rows = await uow.outbox.claim_due(app.clock.now(), worker=worker)
        await uow.commit()
    return len(rows)


def _sender(app: App, channel: RecordingChannel, clock: FakeClock, worker: str) -> OutboxSender:
    return OutboxSender(app.uow, channel, clock, worker_id=worker)


async def test_a_row_left_sending_by_a_dead_worker_on_this_host_is_taken_back_at_start(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, ANNA, "a1", "a2")
    assert await _claim_as(app, f"{HOST}:{_dead_pid()}:dead") == 1

    successor = _sender(app, channel, clock, f"{HOST}:{os.getpid()}:next")
    assert await successor.dispatch_due() == 2  # no lease wait: the clock has not moved

    assert [s.text for s in channel.to(ANNA)] == ["a1", "a2"]


async def test_a_live_workers_unexpired_claim_is_not_taken_until_its_lease_runs_out(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, ANNA, "a1", "a2")
    assert await _claim_as(app, f"{HOST}:{os.getpid()}:alive") == 1  # pid alive: not dead
    other = _sender(app, channel, clock, f"{HOST}:{os.getpid()}:other")

    clock.advance(timedelta(seconds=29))
    assert await other.dispatch_due() == 0
    assert channel.attempts == []

    clock.advance(timedelta(seconds=2))  # 31 s after the claim: the lease has run out
    assert await other.dispatch_due() == 2
    assert [s.text for s in channel.to(ANNA)] == ["a1", "a2"]


async def test_a_claim_from_a_worker_on_another_host_waits_for_its_lease(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, ANNA, "a1")
    assert await _claim_as(app, f"elsewhere-{HOST}:{_dead_pid()}:x") == 1
    other = _sender(app, channel, clock, f"{HOST}:{os.getpid()}:other")

    assert await other.dispatch_due() == 0  # that pid means nothing on this host
    clock.advance(timedelta(seconds=31))
    assert await other.dispatch_due() == 1


async def test_a_live_workers_renewals_keep_its_lease(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, ANNA, "a1")
    holder = _sender(app, channel, clock, f"{HOST}:{os.getpid()}:holder")
    assert await _claim_as(app, holder.worker_id) == 1
    other = _sender(app, channel, clock, f"{HOST}:{os.getpid()}:other")

    for _ in range(4):  # 80 s in all, renewed every 20 s
        clock.advance(timedelta(seconds=20))
        assert await holder.renew() == 1
        assert await other.dispatch_due() == 0
    assert channel.attempts == []

    clock.advance(timedelta(seconds=31))  # the holder stops renewing
    assert await other.dispatch_due() == 1


class SlowChannel(RecordingChannel):
    """Telegram taking its time: a send is in flight until the test lets it answer."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = asyncio.Event()
        self.answer = asyncio.Event()

    async def send(self, chat_id: int, text: str, buttons: Buttons, audience: str) -> int | None:
        self.in_flight.set()
        await self.answer.wait()
        return await super().send(chat_id, text, buttons, audience)


async def _in_flight(holder: asyncio.Task[int], slow: SlowChannel, clock: FakeClock) -> None:
    """Wait until the holder's send has started and its lease keeper is asleep on the clock."""
    await asyncio.wait_for(slow.in_flight.wait(), 5)
    await asyncio.wait_for(clock.wait_for_sleepers(1), 5)
    assert not holder.done()


async def test_a_slow_send_keeps_its_lease_on_the_clocks_time(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, ANNA, "a1", "a2")
    slow = SlowChannel()
    holder = OutboxSender(app.uow, slow, clock, worker_id=f"{HOST}:{os.getpid()}:holder",
                          renew_every=timedelta(seconds=10))
    other = _sender(app, channel, clock, f"{HOST}:{os.getpid()}:other")
    sending = asyncio.create_task(holder.dispatch_due())
    await _in_flight(sending, slow, clock)

    for _ in range(8):  # 80 s of a send in flight, far beyond the 30 s lease
        clock.advance(timedelta(seconds=10))
        await asyncio.wait_for(clock.wait_for_sleepers(1), 5)  # renewed, asleep again
        assert await other.dispatch_due() == 0  # the lease holds: nobody else takes a1
    assert channel.attempts == []

    slow.answer.set()
    assert await asyncio.wait_for(sending, 5) == 2
    assert [s.text for s in slow.to(ANNA)] == ["a1", "a2"]  # each once, in order
    assert channel.attempts == []


async def test_a_worker_that_stops_mid_send_loses_its_lease_once_it_expires(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, ANNA, "a1")
    frozen = FakeClock(clock.now())  # the holder's time stops with it: no more renewals
    slow = SlowChannel()
    holder = OutboxSender(app.uow, slow, frozen, worker_id=f"{HOST}:{os.getpid()}:frozen")
    other = _sender(app, channel, clock, f"{HOST}:{os.getpid()}:other")
    sending = asyncio.create_task(holder.dispatch_due())
    await _in_flight(sending, slow, frozen)
    try:
        clock.advance(timedelta(seconds=29))
        assert await other.dispatch_due() == 0  # still within its lease

        clock.advance(timedelta(seconds=2))
        assert await other.dispatch_due() == 1  # taken over, about 30 s after the claim
        assert [s.text for s in channel.to(ANNA)] == ["a1"]
    finally:
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending


async def test_a_round_that_empties_the_queue_is_not_followed_by_an_empty_claim(
        app: App, channel: RecordingChannel, monkeypatch: pytest.MonkeyPatch) -> None:
    claims: list[int] = []
    claim_due = Outbox.claim_due

    async def counted(self: Outbox, *args: Any, **kwargs: Any) -> list[OutboxMessage]:
        rows = await claim_due(self, *args, **kwargs)
        claims.append(len(rows))
        return rows

    monkeypatch.setattr(Outbox, "claim_due", counted)
    await _queue(app, ANNA, "a1")
    await _queue(app, BEN, "b1")
    assert await app.sender.dispatch_due() == 2
    assert claims == [2]  # one round for both chats, and nothing after it

    claims.clear()
    await _queue(app, ANNA, "a2", "a3")
    assert await app.sender.dispatch_due() == 2
    assert claims == [1, 1]  # a3 waits for a2 (order per chat): two rounds, no third
    assert [s.text for s in channel.to(ANNA)] == ["a1", "a2", "a3"]
