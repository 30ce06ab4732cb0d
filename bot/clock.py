"""Injectable time: production reads the system clock, tests and `steady chat` move their own.

A clock also sleeps, so that waits measured in time (the outbox sender renewing its leases
while a slow send is in flight) follow the clock in tests rather than the wall.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class OffsetClock:
    """System time plus an offset that only grows (``:wait`` in the terminal demo)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """A clock that stands still until a test moves it; its sleepers wake only then."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.current = start
        self._sleepers: list[asyncio.Event] = []
        self._parked: list[asyncio.Event] = []  # wait_for_sleepers() callers

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta
        for wake in self._sleepers:
            wake.set()
        self._sleepers.clear()

    async def sleep(self, seconds: float) -> None:
        """Return once the clock has been moved on by at least ``seconds``."""
        deadline = self.current + timedelta(seconds=seconds)
        while self.current < deadline:
            wake = asyncio.Event()
            self._sleepers.append(wake)
            for parked in self._parked:
                parked.set()
            try:
                await wake.wait()
            finally:
                if wake in self._sleepers:  # cancelled while asleep
                    self._sleepers.remove(wake)

    @property
    def sleepers(self) -> int:
        """How many tasks are asleep on this clock right now."""
        return len(self._sleepers)

    async def wait_for_sleepers(self, count: int = 1) -> None:
        """Wait (event driven, never polling) until ``count`` tasks are asleep on this clock:
        whatever they were doing before going back to sleep is done."""
        while len(self._sleepers) < count:
            parked = asyncio.Event()
            self._parked.append(parked)
            try:
                await parked.wait()
            finally:
                self._parked.remove(parked)


class RunningFakeClock(FakeClock):
    """Fake time that also runs on with the wall clock, for end-to-end tests of the running
    bot: waits measured in seconds (the sender spaces a chat's messages 1 s apart) pass by
    themselves, while the test can still jump hours ahead and wake every sleeper."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._started = time.monotonic()

    def now(self) -> datetime:
        return self.current + timedelta(seconds=time.monotonic() - self._started)

    async def sleep(self, seconds: float) -> None:
        """Return after ``seconds`` of wall time, or sooner if the test moves the clock on."""
        deadline = self.now() + timedelta(seconds=seconds)
        while (left := (deadline - self.now()).total_seconds()) > 0:
            wake = asyncio.Event()
            self._sleepers.append(wake)
            for parked in self._parked:
                parked.set()
            try:
                await asyncio.wait_for(wake.wait(), left)
            except TimeoutError:
                pass
            finally:
                if wake in self._sleepers:
                    self._sleepers.remove(wake)
