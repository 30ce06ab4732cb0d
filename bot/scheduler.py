"""APScheduler only ticks: deliver the outbox, run the planner. The database holds the truth."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.planning import Planner
from bot.sender import OutboxSender

log = logging.getLogger(__name__)


class Ticker:
    def __init__(self, sender: OutboxSender, planner: Planner, settings: Settings) -> None:
        self.sender = sender
        self.planner = planner
        self.settings = settings
        self.scheduler: Any = None
        self._kicks: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
        self.scheduler.add_job(self._dispatch, "interval", id="outbox",
                               seconds=self.settings.sender_interval_seconds, **common)
        self.scheduler.add_job(self._plan, "interval", id="planner",
                               seconds=self.settings.planner_interval_seconds, **common)
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    def kick(self) -> None:
        """Deliver right after a commit instead of waiting for the next tick."""
        if self.scheduler is None:
            return
        task = asyncio.get_running_loop().create_task(self._dispatch())
        self._kicks.add(task)
        task.add_done_callback(self._kicks.discard)

    async def _dispatch(self) -> None:
        try:
            await self.sender.dispatch_due()
        except Exception as exc:  # a tick must never kill the scheduler
            log.error("outbox tick failed: %s", type(exc).__name__)

    async def _plan(self) -> None:
        try:
            await self.planner.plan()
            await self.sender.dispatch_due()
        except Exception as exc:
            log.error("planner tick failed: %s", type(exc).__name__)
