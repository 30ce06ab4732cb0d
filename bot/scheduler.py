"""APScheduler only ticks: deliver the outbox, run the planner, escalate flags.

The database holds the truth, so a restart loses nothing: each tick asks it what is due.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.sender import OutboxSender

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[Any]]
STOP_GRACE_SECONDS = 4.0


class Ticker:
    def __init__(self, sender: OutboxSender, jobs: dict[str, tuple[float, Job]],
                 sender_interval: float) -> None:
        self.sender = sender
        self.jobs = jobs
        self.sender_interval = sender_interval
        self.scheduler: Any = None
        self._running: set[asyncio.Task[Any]] = set()
        self._stopped = False

    def start(self) -> None:
        self._stopped = False
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
        self.scheduler.add_job(self._run, "interval", id="outbox", args=["outbox", None],
                               seconds=self.sender_interval, **common)
        for name, (seconds, job) in self.jobs.items():
            self.scheduler.add_job(self._run, "interval", id=name, args=[name, job],
                                   seconds=seconds, **common)
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop ticking, letting a tick already running finish first.

        APScheduler's shutdown cancels running jobs; a tick cancelled between a send and its
        record would leave the message 'sending', so the ticks are drained before it.
        """
        self._stopped = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=STOP_GRACE_SECONDS)
            for task in late:  # e.g. Telegram not answering: the sender gives its rows back
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=STOP_GRACE_SECONDS)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    def kick(self) -> None:
        """Deliver right after a commit instead of waiting for the next tick."""
        if self.scheduler is None:
            return
        asyncio.get_running_loop().create_task(self._run("outbox", None))

    async def _run(self, name: str, job: Job | None) -> None:
        if self._stopped:  # started just before stop(): the database may be closing
            return
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            if job is not None:
                await job()
            await self.sender.dispatch_due()
        except Exception as exc:  # a tick must never kill the scheduler
            log.error("%s tick failed: %s", name, type(exc).__name__)
        finally:
            if task is not None:
                self._running.discard(task)
