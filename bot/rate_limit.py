"""Telegram's sending limits, kept by every outbox sender of one process.

Telegram allows about one message a second to one private chat, 20 a minute to one group
and 30 a second overall, and answers 429 with ``retry_after`` beyond them. The limiter
books each send a slot before it goes:

- a private chat (id > 0) one message a second, a group (id < 0) one every 3 s (20 a
  minute, evenly spaced, so no 60-second window ever holds more than 20);
- the whole process ``rate`` messages a second (the global budget divided between the
  processes sharing it), evenly spaced, so no one-second window holds more than the rate;
- a safety row (an alert, a safety reply) skips the global queue: it waits only for its
  own chat's slot, never behind other chats' reminders, and still counts against the rate;
- a 429 holds that chat until ``retry_after``; for a private chat, whose spacing the
  limiter kept, Telegram means the bot as a whole: every send waits until then.

Time is the injected clock's, never the wall's, so tests drive all of it with FakeClock.
A send whose slot is more than ``max_wait`` away books nothing and is told when to come
back: the sender gives the row back until then rather than hold a claim (and its round).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from bot.clock import Clock
from storage.outbox import PRIORITY_SAFETY

PRIVATE_INTERVAL = timedelta(seconds=1)
GROUP_INTERVAL = timedelta(seconds=3)  # 20 a minute
MAX_WAIT = timedelta(seconds=1)
PRUNE_ABOVE = 10_000  # chats remembered before past slots are forgotten
ROUND_SECONDS = 1.0  # a claim round holds about this much sending at the global rate


class RateLimiter:
    def __init__(self, clock: Clock, *, rate: float | None = 25.0,
                 private_interval: timedelta = PRIVATE_INTERVAL,
                 group_interval: timedelta = GROUP_INTERVAL,
                 max_wait: timedelta = MAX_WAIT) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("the send rate must be more than zero")
        self.clock = clock
        self.rate = rate
        self.gap = timedelta(seconds=1 / rate) if rate else timedelta(0)
        self.private_interval = private_interval
        self.group_interval = group_interval
        self.max_wait = max_wait
        self._chat_free: dict[int, datetime] = {}  # a chat's next free slot
        self._global_free: datetime | None = None  # the next free slot overall
        self._hold_until: datetime | None = None  # the whole bot is flooding until then
        self.flood_holds = 0  # how many 429s were taken as the whole bot flooding

    @classmethod
    def unlimited(cls, clock: Clock) -> RateLimiter:
        """No limits at all: a channel that is not Telegram (the terminal demo)."""
        return cls(clock, rate=None, private_interval=timedelta(0),
                   group_interval=timedelta(0))

    def interval(self, chat_id: int) -> timedelta:
        """The spacing this chat's messages need."""
        return self.private_interval if chat_id > 0 else self.group_interval

    def round_size(self, most: int) -> int:
        """How many rows one claim round should take: about ROUND_SECONDS of sending, so
        a safety row written meanwhile waits at most that long for the next claim."""
        if self.rate is None:
            return most
        return max(1, min(most, math.ceil(self.rate * ROUND_SECONDS)))

    def held_until(self) -> datetime | None:
        """While Telegram says the whole bot is flooding: until when (else None)."""
        if self._hold_until is not None and self._hold_until > self.clock.now():
            return self._hold_until
        return None

    def ready_at(self, chat_id: int, priority: int) -> datetime:
        """The earliest moment a send to this chat may go, booking nothing."""
        now = self.clock.now()
        at = max(now, self._chat_free.get(chat_id, now))
        if self._hold_until is not None:
            at = max(at, self._hold_until)
        if priority != PRIORITY_SAFETY and self._global_free is not None:
            at = max(at, self._global_free)
        return at

    def _book(self, chat_id: int, at: datetime) -> None:
        if len(self._chat_free) > PRUNE_ABOVE:  # forget chats whose slot has passed
            now = self.clock.now()
            self._chat_free = {c: t for c, t in self._chat_free.items() if t > now}
        self._chat_free[chat_id] = max(self._chat_free.get(chat_id, at),
                                       at + self.interval(chat_id))
        if self.gap:
            self._global_free = max(self._global_free or at, at) + self.gap

    async def wait_turn(self, chat_id: int, priority: int) -> datetime | None:
        """Book this send's slot and sleep until it comes: None, go now. If the slot is
        more than ``max_wait`` away, or the whole bot is held (a 429), book nothing and
        return when to come back: a hold ends the sender's round at once, so the first
        claim after it (safety rows first) is not stuck behind a round waiting it out."""
        now = self.clock.now()
        at = self.ready_at(chat_id, priority)
        if at - now > self.max_wait or self.held_until() is not None:
            return at
        self._book(chat_id, at)  # booked before sleeping: a waiter beside us takes the next
        if at > now:
            await self.clock.sleep((at - now).total_seconds())
        if self.held_until() is not None:  # Telegram said the bot floods while we slept
            return self.ready_at(chat_id, priority)
        return None

    def flood(self, chat_id: int, retry_after: float) -> None:
        """Telegram answered 429 for this chat: nothing more to it before ``retry_after``;
        for a private chat, nothing to anyone either."""
        now = self.clock.now()
        until = now + timedelta(seconds=retry_after)
        self._chat_free[chat_id] = max(self._chat_free.get(chat_id, until), until)
        # This limiter spaced the chat's sends, so a private chat refused is the bot's
        # overall rate (or another process's sends). A group's 429 is most often its own
        # 20 a minute: holding everyone for it (up to a minute) would delay every alert.
        if chat_id > 0 and self.private_interval > timedelta(0):
            self._hold_until = max(self._hold_until or until, until)
            self.flood_holds += 1
