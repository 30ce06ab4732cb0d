"""The outbox sender: delivers committed messages in order per chat.

Each round claims the first due message of every chat, sends them, and records the result
in a short transaction of its own; the next round then finds each chat's next message. The
claim also says whether another round could find anything (a claimed chat has more due, or
the batch was full), so the last round is not followed by an empty claim: a message written
meanwhile is kicked by its own commit, and the periodic tick catches the rest. A
message that hits flood control or a server error waits (``retry_at``) and holds back the
later messages of its chat only.

Claims name the worker (``host:pid:random``) and hold a short lease that the worker renews
while it lives (every ``renew_every``, on the injected clock's time, while a send is in
flight); a row whose lease ran out is taken back by the next claim, and a starting
worker takes back at once the rows of a dead predecessor on the same host (``recover``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.channel import Channel, RetryLater, SendError, Transient, Unreachable
from bot.clock import Clock
from bot.rate_limit import RateLimiter
from storage.models import OutboxMessage
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
LEASE = timedelta(seconds=30)  # a claim not renewed for this long is taken back
CLAIM_LIMIT = 50  # rows per round
MAX_ROUNDS = 200  # a bound, so one tick can never spin forever
SWEEP_EVERY = timedelta(seconds=1)  # lapsed leases and outdated rows, at most this often
# Called in the failing row's transaction when a row ends ``failed``: ``on_unreachable`` when
# Telegram says a chat is gone (403), ``on_failed`` for any other final failure (a 400, or a
# server error after every retry).
UnreachableHook = Callable[[UnitOfWork, OutboxMessage, datetime], Awaitable[None]]


@dataclass(frozen=True)
class Item:
    """A claimed row, as the round delivers it."""

    row_id: int
    chat_id: int
    audience: str
    priority: int
    payload: dict[str, object]


def new_worker_id() -> str:
    """``host:pid:random``: who holds a claim, so a successor can tell a dead one."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


class OutboxSender:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], channel: Channel,
                 clock: Clock, on_unreachable: UnreachableHook | None = None, *,
                 on_failed: UnreachableHook | None = None,
                 worker_id: str | None = None, lease: timedelta = LEASE,
                 renew_every: timedelta | None = None,
                 limiter: RateLimiter | None = None) -> None:
        self.uow_factory = uow_factory
        # Shared by every sender of the process (bot.app builds one); none: no limits.
        self.limiter = limiter or RateLimiter.unlimited(clock)
        self.worker_id = worker_id or new_worker_id()
        self.lease = lease
        self.renew_every = renew_every or lease / 3
        self._recovered = False
        self.on_unreachable = on_unreachable
        self.on_failed = on_failed
        self.channel = channel
        self.clock = clock
        self._lock = asyncio.Lock()
        self._hook_wrote = False  # a failure hook may have queued rows (an escalation)
        self._last_sweep: datetime | None = None

    async def dispatch_due(self) -> int:
        """Send everything that is due now; return how many messages were delivered."""
        async with self._lock:
            if not self._recovered:
                await self.recover()
            delivered = 0
            more = True
            for _ in range(MAX_ROUNDS):
                if not more:
                    break
                batch, more = await self._claim()
                if not batch:
                    break
                heartbeat = asyncio.create_task(self._keep_leases())
                try:
                    results = await asyncio.gather(*(self._deliver(item) for item in batch))
                finally:
                    heartbeat.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await heartbeat
                delivered += sum(results)
                if self._hook_wrote:  # e.g. the team chat's escalation: send it now too
                    self._hook_wrote, more = False, True
            return delivered

    async def recover(self) -> int:
        """Take back at once the rows a dead predecessor on this host left ``sending``.

        Liveness is only knowable on this host (same hostname, pid not running); rows of
        workers elsewhere wait for their lease to run out.
        """
        host, _, _ = self.worker_id.partition(":")
        released = 0
        async with self.uow_factory() as uow:
            dead: set[str] = set()
            for _, worker in await uow.outbox.claimed_by_host(host):
                if worker == self.worker_id:
                    continue
                parts = worker.split(":")
                if len(parts) >= 2 and parts[1].isdigit() and not _pid_alive(int(parts[1])):
                    dead.add(worker)
            for worker in sorted(dead):
                released += await uow.outbox.release_claims_of(worker)
            await uow.commit()
        self._recovered = True
        if released:
            log.warning("outbox: took back %s message(s) left by a stopped worker", released)
        return released

    async def renew(self) -> int:
        """Extend the lease of the rows this worker is sending (call while it lives)."""
        async with self.uow_factory() as uow:
            count = await uow.outbox.renew(self.worker_id, self.clock.now() + self.lease)
            await uow.commit()
        return count

    async def _keep_leases(self) -> None:
        """While sends are in flight (Telegram may be slow), keep renewing their leases."""
        while True:
            await self.clock.sleep(self.renew_every.total_seconds())
            try:
                await self.renew()
            except Exception as exc:  # the next round renews again; never kill a send
                log.warning("outbox lease renewal failed: %s", type(exc).__name__)

    async def _claim(self) -> tuple[list[Item], bool]:
        """Claim this round's rows; also say whether a next round could find any."""
        if self.limiter.held_until() is not None:
            return [], False  # Telegram said the whole bot floods: claim nothing till then
        now = self.clock.now()
        limit = self.limiter.round_size(CLAIM_LIMIT)
        outdated: list[int] = []
        async with self.uow_factory() as uow:
            if self._sweep_due(now):
                # Leases run for 30 s and the claim never takes an expired row, so taking
                # back and dropping once a second is soon enough, and a round is a query
                # per priority and a commit (this worker holds nothing between rounds).
                await uow.outbox.release_expired(now)
                outdated = await uow.outbox.drop_outdated(now)
            rows = await uow.outbox.claim_due(now, limit, worker=self.worker_id,
                                              lease=self.lease)
            more = len(rows) >= limit or (
                bool(rows) and await uow.outbox.more_due_in(now, {row.chat_id for row in rows}))
            batch = [Item(row.id, row.chat_id, row.audience, row.priority,
                          uow.cipher.decrypt_json(row.payload_enc, {})) for row in rows]
            await uow.commit()
        if outdated:  # ids only: which reminder it was is in the row, its words are not logged
            log.info("outbox: dropped %s message(s) past their moment, first id %s",
                     len(outdated), outdated[0])
        return batch, more

    def _sweep_due(self, now: datetime) -> bool:
        """Whether this round also takes back lapsed leases and drops outdated rows: the
        first round, then once per ``SWEEP_EVERY`` (and again if the clock went back)."""
        last = self._last_sweep
        if last is not None and last <= now < last + SWEEP_EVERY:
            return False
        self._last_sweep = now
        return True

    async def _deliver(self, item: Item) -> int:
        row_id, chat_id = item.row_id, item.chat_id
        text = str(item.payload.get("text", ""))
        buttons = item.payload.get("buttons")
        try:
            # Wait briefly for this chat's slot (and the process's): the lease is renewed
            # meanwhile. A longer wait gives the row back until then instead, so a claim
            # is never held for long and the round (with any alert after it) moves on.
            come_back = await self.limiter.wait_turn(chat_id, item.priority)
            if come_back is not None:
                await self._defer(row_id, come_back)
                return 0
            message_id = await self.channel.send(
                chat_id, text, buttons if isinstance(buttons, list) else [], item.audience)
        except SendError as exc:
            await self._failed(row_id, chat_id, exc)
            return 0
        except asyncio.CancelledError:
            # Stopping mid-send: give the row back now rather than holding the chat until
            # the stale-claim timeout (Telegram may have it already: at least once).
            await asyncio.shield(self._release(row_id))
            raise
        # Telegram has it: record that even if we are being stopped right now.
        record = asyncio.ensure_future(self._mark_sent(row_id, chat_id, message_id))
        try:
            await asyncio.shield(record)
        except asyncio.CancelledError:
            await record
            raise
        return 1

    async def _mark_sent(self, row_id: int, chat_id: int, message_id: int | None) -> None:
        now = self.clock.now()
        spacing = self.limiter.interval(chat_id)
        async with self.uow_factory() as uow:
            await uow.outbox.mark_sent(row_id, message_id, now)
            if spacing:
                # The chat's next row waits out its spacing in the database too: no claim
                # finds it early (no empty round), nor does a sender in another process.
                await uow.outbox.space_chat(chat_id, now + spacing)
            await uow.commit()

    async def _defer(self, row_id: int, until: datetime) -> None:
        async with self.uow_factory() as uow:
            await uow.outbox.defer(row_id, until)
            await uow.commit()

    async def _release(self, row_id: int) -> None:
        async with self.uow_factory() as uow:
            await uow.outbox.release(row_id)
            await uow.commit()

    async def _failed(self, row_id: int, chat_id: int, exc: SendError) -> None:
        now = self.clock.now()
        reason = type(exc).__name__
        async with self.uow_factory() as uow:
            final = True
            if isinstance(exc, RetryLater):
                final = False
                self.limiter.flood(chat_id, exc.retry_after)
                await uow.outbox.mark_retry(row_id, now + timedelta(seconds=exc.retry_after),
                                            reason)
            elif isinstance(exc, Transient):
                row = await uow.outbox.get(row_id)
                tries = (row.attempts if row else 0) + 1
                if tries < MAX_ATTEMPTS:
                    final = False
                    await uow.outbox.mark_retry(row_id, now + timedelta(seconds=2 ** tries),
                                                reason)
            if final:
                await uow.outbox.mark_failed(row_id, reason)
                row = await uow.outbox.get(row_id)
                hook = self.on_unreachable if isinstance(exc, Unreachable) else self.on_failed
                if row is not None and hook is not None:
                    await hook(uow, row, now)
                    self._hook_wrote = True
            await uow.commit()
        level = logging.WARNING if isinstance(exc, Unreachable) else logging.INFO
        log.log(level, "outbox %s not delivered: %s", row_id, reason)
