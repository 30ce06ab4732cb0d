"""What a sender takes back at start, and the worker ids that make it possible.

A worker id is ``host:pid:random``. At start a sender takes back at once the rows that a
dead worker on this host left ``sending``; anything else waits for its lease to run out.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import FakeClock
from bot.sender import OutboxSender, _pid_alive, new_worker_id
from storage.models import OutboxMessage
from tests.integration.conftest import RecordingChannel

ANNA, BEN, CARL = 4401, 4402, 4403
HOST = socket.gethostname()[:40]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


async def _queue(app: App, chat_id: int, text: str) -> None:
    async with app.uow() as uow:
        await app.engine.writer.write(uow, chat_id=chat_id, audience="participant", text=text,
                                      buttons=[], now=app.clock.now())
        await uow.commit()


async def _claim_as(app: App, worker: str) -> int:
    """Claim as ``worker`` would and then stop: a crash mid-send."""
    async with app.uow() as uow:
        rows = await uow.outbox.claim_due(app.clock.now(), worker=worker)
        await uow.commit()
    return len(rows)


async def _status_by_chat(app: App) -> dict[int, tuple[str, str | None]]:
    async with app.uow() as uow:
        rows = await uow.session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.status, OutboxMessage.claimed_by))
    return {chat: (status, worker) for chat, status, worker in rows}


async def test_recovery_counts_every_row_taken_back_from_each_dead_worker(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    first, second = f"{HOST}:{_dead_pid()}:one", f"{HOST}:{_dead_pid()}:two"
    await _queue(app, ANNA, "a1")
    await _queue(app, BEN, "b1")
    assert await _claim_as(app, first) == 2
    await _queue(app, CARL, "c1")
    assert await _claim_as(app, second) == 1

    sender = OutboxSender(app.uow, channel, clock, worker_id=f"{HOST}:{os.getpid()}:next")
    assert await sender.recover() == 3

    assert {chat: status for chat, (status, _) in (await _status_by_chat(app)).items()} == {
        ANNA: "pending", BEN: "pending", CARL: "pending"}


async def test_recovery_passes_over_its_own_claims_and_goes_on_to_a_dead_workers(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    me = f"{HOST}:{os.getpid()}:me"
    dead = f"{HOST}:{_dead_pid()}:dead"
    await _queue(app, ANNA, "a1")
    assert await _claim_as(app, me) == 1  # the earlier row: listed first
    await _queue(app, BEN, "b1")
    assert await _claim_as(app, dead) == 1

    sender = OutboxSender(app.uow, channel, clock, worker_id=me)
    assert await sender.recover() == 1

    assert await _status_by_chat(app) == {ANNA: ("sending", me), BEN: ("pending", None)}


async def test_a_dead_workers_id_without_its_random_part_is_still_recognised(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    await _queue(app, ANNA, "a1")
    assert await _claim_as(app, f"{HOST}:{_dead_pid()}") == 1  # "host:pid", an older form

    sender = OutboxSender(app.uow, channel, clock, worker_id=f"{HOST}:{os.getpid()}:next")
    assert await sender.dispatch_due() == 1  # at once: the clock has not moved
    assert [s.text for s in channel.to(ANNA)] == ["a1"]


async def test_recovery_is_done_once_at_start_and_later_claims_wait_for_their_lease(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    sender = OutboxSender(app.uow, channel, clock, worker_id=f"{HOST}:{os.getpid()}:me")
    assert await sender.dispatch_due() == 0  # started: nothing to take back

    await _queue(app, ANNA, "a1")
    assert await _claim_as(app, f"{HOST}:{_dead_pid()}:later") == 1
    assert await sender.dispatch_due() == 0  # not taken back again on every tick

    clock.advance(timedelta(seconds=31))  # the lease ran out
    assert await sender.dispatch_due() == 1


def test_leases_are_renewed_every_third_of_the_lease_unless_told_otherwise(
        app: App, channel: RecordingChannel, clock: FakeClock) -> None:
    sender = OutboxSender(app.uow, channel, clock, lease=timedelta(seconds=30))
    assert sender.renew_every == timedelta(seconds=10)
    told = OutboxSender(app.uow, channel, clock, renew_every=timedelta(seconds=4))
    assert told.renew_every == timedelta(seconds=4)


def test_a_worker_id_is_host_pid_and_random_and_fits_its_column(
        monkeypatch: pytest.MonkeyPatch) -> None:
    long_host = "h" * 30 + "." + "example" * 10  # hostnames may be up to 253 characters
    monkeypatch.setattr(socket, "gethostname", lambda: long_host)

    first, second = new_worker_id(), new_worker_id()

    assert re.fullmatch(r"[^:]{40}:\d+:[0-9a-f]{8}", first)
    host, pid, _ = first.split(":")
    assert host == long_host[:40] and pid == str(os.getpid())
    assert len(first) <= OutboxMessage.__table__.c.claimed_by.type.length  # type: ignore[attr-defined]
    assert first != second


def test_asking_whether_a_process_lives_does_not_signal_it() -> None:
    # The child restores SIGHUP's default (a test runner may ignore it), says it is ready,
    # and exits 0 when its stdin closes: a real signal would end it with -SIGHUP or similar.
    child = subprocess.Popen(
        [sys.executable, "-c", "import signal, sys; signal.signal(signal.SIGHUP, signal.SIG_DFL);"
                               " print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    with child:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "ready"

        assert _pid_alive(child.pid) is True

        child.stdin.close()
        assert child.wait(timeout=30) == 0, f"ended by signal {-child.returncode}"
