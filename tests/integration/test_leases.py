"""Outbox claims carry a worker id and a short lease: a crashed worker's in-flight message
does not hold its chat back for long, and a live worker's claims are left alone."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta

from bot.app import App
from bot.clock import FakeClock
from bot.sender import OutboxSender
from tests.integration.conftest import RecordingChannel

ANNA = 4301
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
